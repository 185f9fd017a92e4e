// The DNS profile of a cluster: which server answers its DNS, at which release, with which options and caches.
// Expected records are a function of the objects and this profile. Pure types and defaults; detection lives
// in detect.ts, the Corefile parser in corefile.ts.

export type DnsImplementation = 'coredns' | 'kube-dns' | 'unknown'

/** Where a fact of the profile came from, shown in the report so a reader can weigh it. */
export type ProfileSource =
  | 'flag' // --dns-server, --dns-version, --corefile
  | 'deployment' // the image tag of kube-system's DNS Deployment
  | 'configmap' // kube-system/coredns Corefile
  | 'server' // the server's own answer (CHAOS version.bind)
  | 'default' // nothing said it: the value assumed

export interface KubernetesPluginOptions {
  /** Forward zones the plugin serves, lowercase, no trailing dot; records exist under each. The first is primary (PTR targets). */
  zones: string[]
  /** Reverse zones named in the plugin's zone list (in-addr.arpa, ip6.arpa). */
  reverseZones: string[]
  /** `pods`: disabled (the plugin default), insecure, verified. */
  pods: 'disabled' | 'insecure' | 'verified'
  endpointPodNames: boolean
  /** Record TTL (plugin default 5); also the SOA minimum, i.e. the negative-answer TTL. */
  ttl: number
  ignoreEmptyService: boolean
  noEndpoints: boolean
  /** `namespaces a b`: only these are served; null = all. */
  namespaces: string[] | null
  /** `namespace_labels SELECTOR`, as written; null = none. */
  namespaceLabels: string | null
  /** `labels SELECTOR`, as written; null = none. */
  labels: string | null
  /** `fallthrough [zones]`: null = none, [] = every zone. */
  fallthrough: string[] | null
}

export interface CacheLayer {
  /** Which cache: the cluster DNS server's `cache` plugin, NodeLocal DNSCache, kube-dns's dnsmasq. */
  layer: 'coredns' | 'node-local-dns' | 'dnsmasq'
  /** Longest time (s) a positive answer may be served from this cache (the `success` cap, default 3600). */
  successTtl: number
  /** Longest time (s) a negative answer may be served from this cache (the `denial` cap, default 1800). */
  denialTtl: number
  /** `disable success ZONES` / `disable denial ZONES` covering the cluster zone. */
  successDisabled: boolean
  denialDisabled: boolean
  /** Where it was read, e.g. `configmap/kube-system/coredns`. */
  source: string
}

/** A plugin in the cluster zone's server block that can answer before `kubernetes` does. */
export interface ShadowingPlugin {
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- the names document the usual plugins
  plugin: 'hosts' | 'rewrite' | 'template' | 'file' | 'k8s_external' | string
  /** The directive as written, one line. */
  text: string
  line: number
}

export interface DnsProfile {
  implementation: DnsImplementation
  /** Release without a leading `v`, e.g. `1.11.3`; null when unknown. */
  version: string | null
  /** Where the implementation and release came from, e.g. `deployment/kube-system/coredns image`. */
  source: string
  sourceKind: ProfileSource
  kubernetes: KubernetesPluginOptions
  shadowing: ShadowingPlugin[]
  caches: CacheLayer[]
  /** Things the profile could not read or had to assume (an `import`, an `{$ENV}` placeholder, an unknown server). */
  notes: string[]
  /**
   * The Corefile's `chaos` plugin, with no version of its own, answers `version.bind. CH TXT` with the release
   * (CoreDNS plugin/chaos): the live check asks it and compares. Absent: not asked.
   */
  answersVersionBind?: boolean
  /** When the Corefile's ConfigMap was last written (managedFields, else creation); absent when not read from one. */
  corefileChangedAt?: string
  /**
   * The `reload` plugin's period (plugin/reload): running replicas pick up a changed Corefile within it once the
   * kubelet has updated their copy. null: no `reload`, replicas keep the Corefile they started with. Absent: no
   * Corefile read.
   */
  reload?: {intervalSeconds: number; jitterSeconds: number} | null
  /** What the servers answered to version.bind in a live check (set after it). */
  serverReleases?: ServerRelease[]
}

/** One server's answer to version.bind and the release it names (null: the text names none). */
export interface ServerRelease {
  server: string
  answer: string
  release: string | null
}

export const DEFAULT_KUBERNETES_OPTIONS: KubernetesPluginOptions = {
  zones: ['cluster.local'],
  reverseZones: ['in-addr.arpa', 'ip6.arpa'],
  pods: 'insecure',
  endpointPodNames: false,
  ttl: 30,
  ignoreEmptyService: false,
  noEndpoints: false,
  namespaces: null,
  namespaceLabels: null,
  labels: null,
  fallthrough: ['in-addr.arpa', 'ip6.arpa'],
}

/** What a cluster without any readable DNS configuration is assumed to run: kubeadm's CoreDNS. */
export function assumedProfile(zone: string): DnsProfile {
  return {
    implementation: 'coredns',
    version: null,
    source: 'assumed: kubeadm-style CoreDNS (nothing in the cluster said otherwise)',
    sourceKind: 'default',
    kubernetes: {...DEFAULT_KUBERNETES_OPTIONS, zones: [zone]},
    shadowing: [],
    caches: [],
    notes: [],
  }
}

/** kube-dns's fixed behaviour (kubernetes/dns pkg/dns/util defaultTTL 30; SetDefaults MinTtl 60). */
export function kubeDnsProfile(
  zone: string,
  version: string | null,
  source: string,
  sourceKind: ProfileSource,
): DnsProfile {
  return {
    implementation: 'kube-dns',
    version,
    source,
    sourceKind,
    kubernetes: {...DEFAULT_KUBERNETES_OPTIONS, zones: [zone], pods: 'insecure', ttl: 30, fallthrough: null},
    shadowing: [],
    caches: [],
    notes: [],
  }
}

/** `1.11.3` >= `1.11.4`? Release comparison on numeric parts; an unknown release compares as the newest. */
export function atLeast(version: string | null, wanted: string): boolean {
  if (version === null) return true
  const have = version
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((part) => Number.parseInt(part, 10))
  const want = wanted.split('.').map((part) => Number.parseInt(part, 10))
  for (let index = 0; index < want.length; index++) {
    const part = Number.isFinite(have[index]) ? have[index] : 0
    if (part !== want[index]) return part > want[index]
  }
  return true
}

/** The flags that override what the cluster says about its DNS server. */
export interface DnsFlags {
  clusterDomain?: string
  server?: 'coredns' | 'kube-dns'
  version?: string
  /** The text of a --corefile. */
  corefile?: string
}
