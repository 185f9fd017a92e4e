// Which DNS server a cluster runs and with which options: from the DNS workload's image, its Corefile, NodeLocal
// DNSCache, and the user's flags. Option semantics follow CoreDNS's own setup code (plugin/kubernetes/setup.go,
// plugin/cache/setup.go, plugin.cfg for the execution order); sources are cited per rule.
import type {ConfigMap, KubeObject} from '../../model/k8s.js'
import {lastWriteOf} from '../times.js'
import {
  type Corefile,
  CorefileError,
  type ServerBlock,
  blocksInside,
  directiveText,
  dnsPort,
  inZone,
  listeningPort,
  normaliseZone,
  parseCorefile,
  serverBlockFor,
  zonesOfArg,
} from './corefile.js'
import {
  type CacheLayer,
  type DnsImplementation,
  type DnsProfile,
  type KubernetesPluginOptions,
  type ProfileSource,
  type ShadowingPlugin,
  assumedProfile,
  kubeDnsProfile,
} from './profile.js'

export interface WorkloadContainer {
  name: string
  image?: string
  command?: string[]
  args?: string[]
}

interface PodTemplateOwner extends KubeObject {
  spec?: {template?: {spec?: {containers?: WorkloadContainer[]}}}
}

/** apps/v1 Deployment, only what detection reads. */
export interface Deployment extends PodTemplateOwner {}

/** apps/v1 DaemonSet, only what detection reads. */
export interface DaemonSet extends PodTemplateOwner {}

export const DEFAULT_ZONE = 'cluster.local'

function isReverse(zone: string): boolean {
  return inZone(zone, 'in-addr.arpa') || inZone(zone, 'ip6.arpa')
}

function blockZones(block: ServerBlock): string[] {
  return block.keys.map((key) => key.zone)
}

/** Zones from a plugin's arguments, else the server block's keys (plugin/normalize.go OriginsFromArgsOrServerBlock). */
function originsOf(args: string[], block: ServerBlock): string[] {
  return args.length > 0 ? args.flatMap(zonesOfArg) : blockZones(block)
}

function overlaps(zones: string[], zone: string): boolean {
  return zones.some((candidate) => inZone(zone, candidate) || inZone(candidate, zone))
}

const PLUGIN_DEFAULT_TTL = 5

/**
 * The `kubernetes` plugin's options that change answers (plugin/kubernetes/setup.go ParseStanza). Absent options take
 * the plugin's defaults (pods disabled, ttl 5), not kubeadm's. Options that only say how to reach the API (endpoint,
 * tls, kubeconfig) and unknown ones are ignored. Null when the block has no `kubernetes`.
 */
export function kubernetesOptionsOf(block: ServerBlock): KubernetesPluginOptions | null {
  // CoreDNS allows one per block (plugin.ErrOnce); the first is the one it would complain after.
  const plugin = block.directives.find((directive) => directive.name === 'kubernetes')
  if (!plugin) return null
  const zones = originsOf(plugin.args, block)
  const options: KubernetesPluginOptions = {
    zones: zones.filter((zone) => !isReverse(zone)),
    reverseZones: zones.filter(isReverse),
    pods: 'disabled',
    endpointPodNames: false,
    ttl: PLUGIN_DEFAULT_TTL,
    ignoreEmptyService: false,
    noEndpoints: false,
    namespaces: null,
    namespaceLabels: null,
    labels: null,
    fallthrough: null,
  }
  for (const option of plugin.block ?? []) {
    const [first] = option.args
    switch (option.name) {
      case 'pods':
        if (first === 'disabled' || first === 'insecure' || first === 'verified') options.pods = first
        break
      case 'endpoint_pod_names':
        options.endpointPodNames = true
        break
      case 'ttl': {
        const ttl = Number.parseInt(first ?? '', 10)
        if (Number.isFinite(ttl)) options.ttl = Math.min(3600, Math.max(0, ttl))
        break
      }
      case 'ignore':
        if (first === 'empty_service') options.ignoreEmptyService = true
        break
      case 'noendpoints':
        options.noEndpoints = true
        break
      case 'namespaces':
        // Several lines add up: setup.go fills one set.
        options.namespaces = [...new Set([...(options.namespaces ?? []), ...option.args])]
        break
      case 'namespace_labels':
        if (option.args.length > 0) options.namespaceLabels = option.args.join(' ')
        break
      case 'labels':
        if (option.args.length > 0) options.labels = option.args.join(' ')
        break
      case 'fallthrough': {
        // No zones, or the root among them, is every zone (plugin/pkg/fall SetZonesFromArgs uses the root).
        const zonesOf = option.args.flatMap(zonesOfArg)
        options.fallthrough = zonesOf.includes('.') ? [] : zonesOf
        break
      }
    }
  }
  return options
}

/** A `ttl` CoreDNS refuses (setup.go: range [0, 3600]); kubernetesOptionsOf clamps it. */
function ttlOutOfRange(block: ServerBlock): string | null {
  const plugin = block.directives.find((directive) => directive.name === 'kubernetes')
  const ttl = plugin?.block?.find((option) => option.name === 'ttl')
  const value = Number.parseInt(ttl?.args[0] ?? '', 10)
  if (!ttl || !Number.isFinite(value) || (value >= 0 && value <= 3600)) return null
  return `Corefile:${ttl.line}: ttl ${value} is outside 0..3600, which CoreDNS refuses to load; read as ${Math.min(3600, Math.max(0, value))}`
}

// plugin/pkg/dnsutil/ttl.go MaximumDefaulTTL (1 h) and half of it for denial (plugin/cache/cache.go).
const CACHE_SUCCESS_CAP = 3600
const CACHE_DENIAL_CAP = 1800

/**
 * The block's `cache` as it applies to names in `zone` (plugin/cache/setup.go cacheParse): `cache [TTL] [ZONES...]`
 * sets both caps; `success CAP [TTL [MINTTL]]` and `denial CAP [TTL [MINTTL]]` set one; `disable success|denial
 * [ZONES...]` (no zones: the root; a later line replaces an earlier one) stops caching names under those zones.
 * Null when the block has no cache or its zones do not cover `zone`.
 */
export function cacheOf(
  block: ServerBlock,
  zone: string,
  layer: CacheLayer['layer'],
  source: string,
): CacheLayer | null {
  const plugin = block.directives.find((directive) => directive.name === 'cache')
  if (!plugin) return null
  const name = normaliseZone(zone)
  let args = plugin.args
  let successTtl = CACHE_SUCCESS_CAP
  let denialTtl = CACHE_DENIAL_CAP
  // The first argument is the TTL when it is a number; otherwise it is a zone.
  if (args.length > 0 && /^[+-]?\d+$/.test(args[0])) {
    const ttl = Number.parseInt(args[0], 10)
    if (ttl > 0) successTtl = denialTtl = ttl
    args = args.slice(1)
  }
  // The cache passes names outside its zones straight on (plugin/cache/handler.go).
  if (!originsOf(args, block).some((origin) => inZone(name, origin))) return null
  let successExcept: string[] = []
  let denialExcept: string[] = []
  for (const option of plugin.block ?? []) {
    const ttl = Number.parseInt(option.args[1] ?? '', 10)
    if (option.name === 'success' && ttl > 0) successTtl = ttl
    if (option.name === 'denial' && ttl > 0) denialTtl = ttl
    if (option.name === 'disable' && option.args.length > 0) {
      const zones = option.args.length > 1 ? option.args.slice(1).map(normaliseZone) : ['.']
      if (option.args[0] === 'success') successExcept = zones
      if (option.args[0] === 'denial') denialExcept = zones
    }
  }
  return {
    layer,
    successTtl,
    denialTtl,
    successDisabled: successExcept.some((except) => inZone(name, except)),
    denialDisabled: denialExcept.some((except) => inZone(name, except)),
    source,
  }
}

/**
 * Plugins that run before `kubernetes` and can answer, rewrite or drop a query in the cluster zone. CoreDNS runs
 * plugins in plugin.cfg's order, not the Corefile's; in v1.8.0, v1.11.1, v1.12.0 and HEAD these come before
 * kubernetes, in this order. `file`, `auto` and `forward` come after it and only see what `fallthrough` passes on.
 * The value says which arguments are zones (null: the plugin acts on every name in the block).
 */
const BEFORE_KUBERNETES: Record<string, ((args: string[]) => string[]) | null> = {
  dns64: null, // synthesises AAAA from A for names that have none
  acl: (args) => args, // `acl [ZONES...]`: blocks or refuses
  rewrite: null,
  autopath: (args) => args.slice(0, -1), // `autopath [ZONE...] RESOLV-CONF`: answers search-path guesses with a CNAME
  template: (args) => args.slice(2), // `template CLASS TYPE [ZONE...]`
  hosts: (args) => args.slice(1), // `hosts [FILE [ZONES...]]`
  route53: (args) => args.map((arg) => arg.split(':')[0]), // `route53 [ZONE:HOSTED_ZONE_ID...]`
  azure: (args) => args.map((arg) => arg.split(':').at(-1) ?? ''), // `azure RESOURCE_GROUP:ZONE...`
  clouddns: (args) => args.map((arg) => arg.split(':')[0]), // `clouddns [ZONE:PROJECT_ID:HOSTED_ZONE_NAME...]`
  k8s_external: (args) => args, // `k8s_external [ZONE...]`
}

/**
 * The plugins of `block` that can answer before `kubernetes` (see BEFORE_KUBERNETES), in Corefile order. With
 * `zone`, plugins whose own zones neither contain nor fall inside it are left out.
 */
export function shadowingOf(block: ServerBlock, zone?: string): ShadowingPlugin[] {
  const shadowing: ShadowingPlugin[] = []
  for (const directive of block.directives) {
    if (!(directive.name in BEFORE_KUBERNETES)) continue
    const zonesOfArgs = BEFORE_KUBERNETES[directive.name]
    if (zone !== undefined && zonesOfArgs !== null) {
      const own = zonesOfArgs(directive.args).flatMap(zonesOfArg)
      const zones = own.length > 0 ? own : blockZones(block)
      if (!overlaps(zones, normaliseZone(zone))) continue
    }
    shadowing.push({plugin: directive.name, text: directiveText(directive), line: directive.line})
  }
  return shadowing
}

export interface CorefileProfileOptions {
  version: string | null
  source: string
  sourceKind: ProfileSource
  /** The cluster domain to look for when the Corefile serves several; the Corefile's own zone wins otherwise. */
  zoneHint?: string
  /** Where the Corefile was read, for the cache layer, e.g. `configmap/kube-system/coredns`. */
  corefileSource?: string
}

/** The cluster zone a Corefile serves: the hint if a kubernetes plugin serves it, else the first one's zone. */
function clusterZoneOf(corefile: Corefile, hint: string | undefined): string | null {
  const port = dnsPort(corefile)
  const plugins = corefile.blocks
    .filter((block) => block.keys.some((key) => key.scheme === 'dns' && listeningPort(key) === port))
    .map((block) => kubernetesOptionsOf(block))
    .filter((options) => options !== null && options.zones.length > 0) as KubernetesPluginOptions[]
  const wanted = hint === undefined ? null : normaliseZone(hint)
  if (wanted !== null && plugins.some((options) => options.zones.some((zone) => inZone(wanted, zone)))) return wanted
  return plugins[0]?.zones[0] ?? wanted
}

/**
 * A CoreDNS profile from Corefile text: the kubernetes options, cache and shadowing plugins of the block that serves
 * the cluster zone. Throws CorefileError when the text does not parse. DnsProfile cannot say "no kubernetes plugin",
 * so that case keeps assumedProfile's options and says so in a note.
 */
export function profileFromCorefile(text: string, options: CorefileProfileOptions): DnsProfile {
  const corefile = parseCorefile(text)
  const notes = [...corefile.notes]
  const zone = clusterZoneOf(corefile, options.zoneHint) ?? DEFAULT_ZONE
  const block = serverBlockFor(corefile, zone, 53)
  let kubernetes = block ? kubernetesOptionsOf(block) : null
  if (block === null) notes.push(`no server block of the Corefile serves ${zone}: every name in it gets no answer`)
  else if (kubernetes === null)
    notes.push(`the server block on line ${block.line} serves ${zone} without a kubernetes plugin: no cluster records`)
  if (kubernetes === null) kubernetes = assumedProfile(zone).kubernetes
  if (block) {
    const ttlNote = ttlOutOfRange(block)
    if (ttlNote) notes.push(ttlNote)
  }
  for (const inside of blocksInside(corefile, zone)) {
    notes.push(
      `Corefile:${inside.block.line}: the server block for ${inside.zone} answers names under it, not the kubernetes plugin of ${zone}`,
    )
  }
  const cache = block ? cacheOf(block, zone, 'coredns', options.corefileSource ?? 'Corefile') : null
  // plugin/chaos/setup.go: without arguments the answer is "CoreDNS-" and the release; with them, what they say.
  const answersVersionBind =
    serverBlockFor(corefile, 'version.bind', 53)?.directives.some(
      (directive) => directive.name === 'chaos' && directive.args.length === 0,
    ) ?? false
  return {
    implementation: 'coredns',
    version: options.version,
    source: options.source,
    sourceKind: options.sourceKind,
    reload: reloadOf(corefile),
    kubernetes,
    shadowing: block ? shadowingOf(block, zone) : [],
    caches: cache ? [cache] : [],
    notes,
    ...(answersVersionBind ? {answersVersionBind} : {}),
  }
}

/**
 * The `reload` plugin of any server block (it reloads the whole Corefile): plugin/reload/setup.go, `reload [INTERVAL
 * [JITTER]]`, defaults 30s and 15s; each check comes after the interval plus a random part of the jitter, within
 * half of it either way. A duration that does not parse keeps the default.
 */
function reloadOf(corefile: Corefile): {intervalSeconds: number; jitterSeconds: number} | null {
  const directive = corefile.blocks.flatMap((block) => block.directives).find((found) => found.name === 'reload')
  if (!directive) return null
  return {
    intervalSeconds: goDurationSeconds(directive.args[0]) ?? 30,
    jitterSeconds: goDurationSeconds(directive.args[1]) ?? 15,
  }
}

/** A Go duration (`30s`, `1m30s`, `500ms`) in seconds; null when absent or not one. */
export function goDurationSeconds(text: string | undefined): number | null {
  if (!text || !/^(\d+(\.\d+)?(h|m|s|ms|us|ns))+$/.test(text)) return null
  const unit: Record<string, number> = {h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9}
  let seconds = 0
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)) seconds += Number(match[1]) * unit[match[2]]
  return seconds
}

const NODE_LOCAL_NAME = 'node-local-dns'
// cluster/addons/dns/nodelocaldns/nodelocaldns.yaml: `cache { success 9984 30; denial 9984 5 }`.
const NODE_LOCAL_DEFAULT = {successTtl: 30, denialTtl: 5}

function containersOf(workload: PodTemplateOwner): WorkloadContainer[] {
  return workload.spec?.template?.spec?.containers ?? []
}

/** The repository's last path element and the tag: `registry.k8s.io/coredns/coredns:v1.11.3` -> coredns, v1.11.3. */
function imageParts(image: string): {name: string; tag: string | null} {
  const withoutDigest = image.split('@')[0]
  const slash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : null
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest
  return {name: repository.slice(slash + 1).toLowerCase(), tag}
}

function isNodeLocalDaemonSet(daemonSet: DaemonSet): boolean {
  if (daemonSet.metadata.namespace !== 'kube-system') return false
  if (daemonSet.metadata.name === NODE_LOCAL_NAME) return true
  return containersOf(daemonSet).some((container) => imageParts(container.image ?? '').name === 'k8s-dns-node-cache')
}

function findConfigMap(configMaps: ConfigMap[], namespace: string, name: string): ConfigMap | undefined {
  return configMaps.find((configMap) => configMap.metadata.namespace === namespace && configMap.metadata.name === name)
}

/**
 * NodeLocal DNSCache's cache for the cluster zone: the `node-local-dns` DaemonSet in kube-system and its ConfigMap
 * (key `Corefile`). The upstream manifest writes the cluster zone as `__PILLAR__DNS__DOMAIN__`; a Corefile still
 * holding it is read as if it named the cluster zone. Without a readable ConfigMap the upstream caps are assumed.
 */
export function nodeLocalCacheOf(
  daemonSets: DaemonSet[] | undefined,
  configMaps: ConfigMap[],
  zone = DEFAULT_ZONE,
): {cache: CacheLayer | null; notes: string[]} {
  // DaemonSets not read (a live run reads only the ConfigMap, one request fewer): its ConfigMap stands for it.
  const present = daemonSets
    ? daemonSets.some(isNodeLocalDaemonSet)
    : findConfigMap(configMaps, 'kube-system', NODE_LOCAL_NAME) !== undefined
  if (!present) return {cache: null, notes: []}
  const source = `configmap/kube-system/${NODE_LOCAL_NAME}`
  const assumed = (why: string) => ({
    cache: {
      layer: 'node-local-dns' as const,
      ...NODE_LOCAL_DEFAULT,
      successDisabled: false,
      denialDisabled: false,
      source,
    },
    notes: [`NodeLocal DNSCache: ${why}; its upstream caps assumed (success 30 s, denial 5 s)`],
  })
  const text = findConfigMap(configMaps, 'kube-system', NODE_LOCAL_NAME)?.data?.Corefile
  if (text === undefined) return assumed(`ConfigMap ${source} not read`)
  let corefile: Corefile
  try {
    corefile = parseCorefile(text)
  } catch (error) {
    if (error instanceof CorefileError) return assumed(`its Corefile does not parse (${error.message})`)
    throw error
  }
  // node-cache fills __PILLAR__CLUSTER__DNS__ and __PILLAR__UPSTREAM__SERVERS__ itself at start, so only the
  // domain placeholder matters here and it gets its own note.
  const notes = corefile.notes.filter((note) => !/__PILLAR__/i.test(note)).map((note) => `NodeLocal DNSCache ${note}`)
  const pillarZone = corefile.blocks
    .flatMap((block) => block.keys)
    .find((key) => /^__pillar__dns__domain__$/i.test(key.zone))?.zone
  const served = pillarZone ?? zone
  const block = serverBlockFor(corefile, served, 53)
  if (pillarZone) notes.push(`NodeLocal DNSCache: __PILLAR__DNS__DOMAIN__ read as the cluster zone ${zone}`)
  if (!block) return {cache: null, notes: [...notes, `NodeLocal DNSCache: no server block serves ${zone}`]}
  const cache = cacheOf(block, served, 'node-local-dns', source)
  if (!cache) notes.push(`NodeLocal DNSCache: the block on line ${block.line} does not cache ${zone}`)
  return {cache, notes}
}

/**
 * kube-dns's dnsmasq sidecar caches what kube-dns answers, honouring its TTLs (30 s records, 60 s negative). The
 * upstream manifest (cluster/addons/dns/kube-dns/kube-dns.yaml.base) runs it with `--no-negcache`.
 */
function dnsmasqCacheOf(deployment: Deployment, source: string): {cache: CacheLayer | null; notes: string[]} {
  const container = containersOf(deployment).find(
    (candidate) => candidate.name === 'dnsmasq' || /dnsmasq/.test(imageParts(candidate.image ?? '').name),
  )
  if (!container) return {cache: null, notes: []}
  const args = [...(container.command ?? []), ...(container.args ?? [])]
  const flag = (name: string) => args.find((arg) => arg === name || arg.startsWith(`${name}=`))
  const value = (name: string) => flag(name)?.split('=')[1]
  const layerSource = `${source} container ${container.name}`
  if (args.length === 0)
    return {
      cache: {
        layer: 'dnsmasq',
        successTtl: 30,
        denialTtl: 0,
        successDisabled: false,
        denialDisabled: true,
        source: layerSource,
      },
      notes: ['dnsmasq flags not read: assumed the upstream --no-negcache, positive answers cached for their 30 s TTL'],
    }
  if (value('--cache-size') === '0')
    return {
      cache: {
        layer: 'dnsmasq',
        successTtl: 0,
        denialTtl: 0,
        successDisabled: true,
        denialDisabled: true,
        source: layerSource,
      },
      notes: [],
    }
  const maxCacheTtl = Number.parseInt(value('--max-cache-ttl') ?? '', 10)
  const negative = flag('--no-negcache') !== undefined || flag('-N') !== undefined
  return {
    cache: {
      layer: 'dnsmasq',
      successTtl: Number.isFinite(maxCacheTtl) ? Math.min(30, maxCacheTtl) : 30,
      denialTtl: negative ? 0 : 60,
      successDisabled: false,
      denialDisabled: negative,
      source: layerSource,
    },
    notes: [],
  }
}

interface Found {
  implementation: 'coredns' | 'kube-dns'
  kind: 'deployment' | 'daemonset'
  workload: PodTemplateOwner
  container: WorkloadContainer
  image: string
}

const DNS_NAMESPACES = new Set(['kube-system', 'openshift-dns'])

/** Decided by image, not by name: kubeadm's CoreDNS Deployment is `coredns`, GKE's kube-dns is `kube-dns`. */
function findDnsWorkloads(deployments: Deployment[], daemonSets: DaemonSet[]): Found[] {
  const found: Found[] = []
  const workloads = [
    ...deployments.map((workload) => ({kind: 'deployment' as const, workload})),
    ...daemonSets.map((workload) => ({kind: 'daemonset' as const, workload})),
  ]
  for (const {kind, workload} of workloads) {
    if (!DNS_NAMESPACES.has(workload.metadata.namespace ?? '')) continue
    for (const container of containersOf(workload)) {
      const image = container.image ?? ''
      const {name} = imageParts(image)
      // OpenShift's image is a release digest with no name in it; its container runs the `coredns` command.
      const runsCoreDns = container.command?.[0]?.split('/').pop() === 'coredns'
      if (name === 'coredns' || name.endsWith('-coredns') || runsCoreDns)
        found.push({implementation: 'coredns', kind, workload, container, image})
      else if (/^k8s-dns-kube-dns(-[a-z0-9]+)?$/.test(name))
        found.push({implementation: 'kube-dns', kind, workload, container, image})
    }
  }
  return found
}

/** `v1.11.3` -> 1.11.3; `1.11.4-eksbuild.2` -> 1.11.4 and a note on the vendor suffix. */
function releaseOfTag(tag: string | null, image: string): {version: string | null; note: string | null} {
  if (tag === null) return {version: null, note: `image ${image} has no tag: release unknown`}
  const match = tag.match(/^v?(\d+\.\d+(?:\.\d+)?)(.*)$/)
  if (!match) return {version: null, note: `image tag ${tag} is not a release number: release unknown`}
  const note = match[2]
    ? `image tag ${tag} read as release ${match[1]}; the vendor build ${match[2].replace(/^[-+]/, '')} may carry patches`
    : null
  return {version: match[1], note}
}

function kubeDnsDomain(container: WorkloadContainer): string | null {
  const args = [...(container.command ?? []), ...(container.args ?? [])]
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]
    if (arg.startsWith('--domain=')) return normaliseZone(arg.slice('--domain='.length))
    if (arg === '--domain' && args[index + 1]) return normaliseZone(args[index + 1])
  }
  return null
}

export interface DetectInput {
  configMaps: ConfigMap[]
  deployments: Deployment[]
  /** undefined: not read (then NodeLocal DNSCache is recognised by its ConfigMap). */
  daemonSets?: DaemonSet[]
  flags: {server?: 'coredns' | 'kube-dns'; version?: string; corefile?: string; clusterDomain?: string}
}

/** The CoreDNS Corefile ConfigMaps: kube-system/coredns, and OpenShift's openshift-dns/dns-default. */
const COREFILE_CONFIGMAPS = [
  ['kube-system', 'coredns'],
  ['openshift-dns', 'dns-default'],
] as const

/**
 * The cluster's DNS profile. Each fact comes from a flag when given (--dns-server, --dns-version, --corefile),
 * else from the cluster: the DNS workload's image (implementation and release), the Corefile ConfigMap, NodeLocal
 * DNSCache. The zone is the Corefile's (or kube-dns's --domain), else --cluster-domain, else cluster.local.
 */
export function detectDnsProfile(input: DetectInput): DnsProfile {
  const {flags} = input
  const notes: string[] = []
  const found = findDnsWorkloads(input.deployments, input.daemonSets ?? [])
  const coreDnsMap = COREFILE_CONFIGMAPS.map(([namespace, name]) =>
    findConfigMap(input.configMaps, namespace, name),
  ).find((configMap) => configMap?.data?.Corefile !== undefined)

  let implementation: DnsImplementation = 'unknown'
  let sourceKind: ProfileSource = 'default'
  let source = 'no DNS Deployment, DaemonSet or Corefile found'
  let version: string | null = null
  let workload: Found | undefined
  if (flags.server) {
    implementation = flags.server
    sourceKind = 'flag'
    source = `--dns-server ${flags.server}`
    workload = found.find((candidate) => candidate.implementation === flags.server)
  } else if (found.length > 0) {
    workload = found.find((candidate) => candidate.implementation === 'coredns') ?? found[0]
    implementation = workload.implementation
    sourceKind = 'deployment'
    source = `${workload.kind}/${workload.workload.metadata.namespace}/${workload.workload.metadata.name} image ${workload.image}`
    const other = found.find((candidate) => candidate.implementation !== workload!.implementation)
    if (other)
      notes.push(
        `${other.kind}/${other.workload.metadata.namespace}/${other.workload.metadata.name} runs ${other.implementation} too; ${implementation} assumed to answer`,
      )
  } else if (coreDnsMap || flags.corefile !== undefined) {
    implementation = 'coredns'
    sourceKind = coreDnsMap ? 'configmap' : 'flag'
    source = coreDnsMap ? `configmap/${coreDnsMap.metadata.namespace}/${coreDnsMap.metadata.name}` : '--corefile'
  }

  if (workload) {
    const release = releaseOfTag(imageParts(workload.image).tag, workload.image)
    version = release.version
    if (release.note && flags.version === undefined) notes.push(release.note)
    if (flags.server)
      source += `; release from ${workload.kind}/${workload.workload.metadata.namespace}/${workload.workload.metadata.name} image ${workload.image}`
  }
  if (flags.version !== undefined) {
    version = flags.version.replace(/^v/, '')
    if (sourceKind === 'flag' && flags.server) source += `, --dns-version ${flags.version}`
    else
      source =
        sourceKind === 'default'
          ? `--dns-version ${flags.version}`
          : `${source}; release from --dns-version ${flags.version}`
  }

  const clusterDomain = flags.clusterDomain === undefined ? undefined : normaliseZone(flags.clusterDomain)
  let profile: DnsProfile
  if (implementation === 'kube-dns') {
    const domain = workload ? kubeDnsDomain(workload.container) : null
    const zone = domain ?? clusterDomain ?? DEFAULT_ZONE
    profile = kubeDnsProfile(zone, version, source, sourceKind)
    if (workload && workload.kind === 'deployment') {
      const dnsmasq = dnsmasqCacheOf(
        workload.workload,
        `${workload.kind}/${workload.workload.metadata.namespace}/${workload.workload.metadata.name}`,
      )
      if (dnsmasq.cache) profile.caches.push(dnsmasq.cache)
      notes.push(...dnsmasq.notes)
    }
  } else if (implementation === 'coredns') {
    const text = flags.corefile ?? coreDnsMap?.data?.Corefile
    const corefileSource =
      flags.corefile === undefined
        ? `configmap/${coreDnsMap?.metadata.namespace}/${coreDnsMap?.metadata.name}`
        : '--corefile'
    profile = coreDnsProfile(text, corefileSource, {version, source, sourceKind, zoneHint: clusterDomain})
    const changedAt = flags.corefile === undefined && coreDnsMap ? lastWriteOf(coreDnsMap.metadata) : null
    if (changedAt) profile.corefileChangedAt = changedAt
  } else {
    profile = {
      ...assumedProfile(clusterDomain ?? DEFAULT_ZONE),
      implementation: 'unknown',
      version,
      source,
      sourceKind,
    }
    notes.push(
      'no DNS server found (no CoreDNS or kube-dns workload, no Corefile): kubeadm-style CoreDNS options assumed',
    )
  }

  const zone = profile.kubernetes.zones[0] ?? DEFAULT_ZONE
  if (clusterDomain !== undefined && clusterDomain !== zone && implementation !== 'unknown')
    notes.push(`--cluster-domain ${clusterDomain} differs from the zone the DNS server serves, ${zone}`)
  const nodeLocal = nodeLocalCacheOf(input.daemonSets, input.configMaps, zone)
  if (nodeLocal.cache) profile.caches.push(nodeLocal.cache)
  return {...profile, notes: [...notes, ...profile.notes, ...nodeLocal.notes]}
}

function coreDnsProfile(text: string | undefined, corefileSource: string, options: CorefileProfileOptions): DnsProfile {
  const fallback = (note: string): DnsProfile => ({
    ...assumedProfile(options.zoneHint ?? DEFAULT_ZONE),
    version: options.version,
    source: options.source,
    sourceKind: options.sourceKind,
    notes: [note],
  })
  if (text === undefined) return fallback('no Corefile read: kubeadm-style kubernetes options assumed')
  try {
    return profileFromCorefile(text, {...options, corefileSource})
  } catch (error) {
    if (error instanceof CorefileError)
      return fallback(`${corefileSource} does not parse (${error.message}): kubeadm-style kubernetes options assumed`)
    throw error
  }
}
