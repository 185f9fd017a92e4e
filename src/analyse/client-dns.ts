// `--from`: the client's own resolver. The resolv.conf the kubelet writes for the client pod (GetPodDNS in
// kubernetes pkg/kubelet/network/dns/dns.go), the names its resolver asks for the name the app uses (glibc
// resolv/res_query.c __res_context_search, Go's net/dnsclient_unix.go nameList, musl src/network/lookup_name.c
// name_from_dns_search), which of them the report expects to answer, and where the app's connection goes. Pure.
import type {Pod} from '../model/k8s.js'
import type {ClientLookup, ClientResolver, Finding, ServiceReport} from '../model/report.js'
import {addressFamily, fqdn, serviceFqdn} from './dns-names.js'

/** Placeholders for the node's own resolv.conf entries: the API does not show them. */
export const NODE_NAMESERVERS = "<node's nameservers>"
export const NODE_SEARCHES = "<node's search domains>"
export const NODE_OPTIONS = "<node's options>"
/** NodeLocal DNSCache's usual link-local address: where it runs, kubelets' --cluster-dns often points at it. */
export const NODE_LOCAL_DNS_ADDRESS = '169.254.20.10'

/** Whether the report's DNS profile has NodeLocal DNSCache in front of the cluster DNS. */
export function servesNodeLocalCache(report: Pick<ServiceReport, 'dnsServer'>): boolean {
  return report.dnsServer?.caches.some((cache) => cache.layer === 'node-local-dns') ?? false
}

// pkg/apis/core/validation: MaxDNSNameservers, MaxDNSSearchPathsExpanded and MaxDNSSearchListCharsExpanded
// (ExpandedDNSConfig, GA in 1.28), and one search entry at most DNS1123SubdomainMaxLength characters.
const MAX_NAMESERVERS = 3
const MAX_SEARCH_PATHS = 32
const MAX_SEARCH_CHARS = 2048
const MAX_SEARCH_ENTRY = 253
/** glibc's RES_MAXNDOTS: a larger ndots counts as 15. */
const MAX_NDOTS = 15

export interface ClusterDns {
  clusterDomain: string
  /** The kube-dns Service's ClusterIPs: the kubelets' --cluster-dns on kubeadm-style clusters (not in the API). */
  serviceIPs: string[]
  /** NodeLocal DNSCache runs (then --cluster-dns may be its link-local address instead). */
  nodeLocalCache: boolean
}

/** The resolv.conf the kubelet gives the pod, from its dnsPolicy, hostNetwork and dnsConfig. */
export function podResolver(pod: Pod, cluster: ClusterDns): ClientResolver {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst'
  const namespace = pod.metadata.namespace ?? 'default'
  const assumptions: string[] = []
  // getPodDNSType: ClusterFirst on the host network falls through to Default; an unknown policy counts as
  // ClusterFirst (the API server rejects one anyway).
  const base: ClientResolver['base'] =
    policy === 'None'
      ? 'none'
      : policy === 'Default' || (policy === 'ClusterFirst' && pod.spec.hostNetwork === true)
        ? 'node'
        : 'cluster'
  let nameservers: string[] = []
  let searches: string[] = []
  let options: string[] = []
  if (base === 'cluster') {
    if (cluster.serviceIPs.length > 0) {
      nameservers = [...cluster.serviceIPs]
      assumptions.push(
        `the kubelet's --cluster-dns is the kube-dns Service's IP ${cluster.serviceIPs.join(', ')}${cluster.nodeLocalCache ? ` (with NodeLocal DNSCache it may be ${NODE_LOCAL_DNS_ADDRESS})` : ''}`,
      )
    } else {
      nameservers = ["<kubelet's --cluster-dns>"]
      assumptions.push('the cluster DNS address is not known (the kube-dns Service was not read)')
    }
    const zone = cluster.clusterDomain
    // generateSearchesForDNSClusterFirst: the cluster's three, then the node's; the node's options are
    // replaced by ndots:5.
    searches = [`${namespace}.svc.${zone}`, `svc.${zone}`, zone, NODE_SEARCHES]
    options = ['ndots:5']
  } else if (base === 'node') {
    nameservers = [NODE_NAMESERVERS]
    searches = [NODE_SEARCHES]
    options = [NODE_OPTIONS]
  }
  const config = pod.spec.dnsConfig
  if (config) {
    // appendDNSConfig: nameservers and searches appended without duplicates, options merged by name.
    nameservers = unique([...nameservers, ...(config.nameservers ?? [])])
    searches = unique([...searches, ...(config.searches ?? [])])
    options = mergeOptions(options, config.options ?? [])
  }
  const dropped: string[] = []
  if (nameservers.length > MAX_NAMESERVERS) dropped.push(...nameservers.splice(MAX_NAMESERVERS))
  searches = fitSearches(searches, dropped)
  if (searches.includes(NODE_SEARCHES) && searches.length > 1)
    assumptions.push("the node's search domains, which the API does not show, are tried where the placeholder stands")
  const ndotsOption = [...options].reverse().find((option) => /^ndots:\d+$/.test(option))
  let ndots = 1
  if (ndotsOption) ndots = Math.min(Number(ndotsOption.slice('ndots:'.length)), MAX_NDOTS)
  else if (base === 'node')
    assumptions.push("ndots:1 (the resolver's default): the node's resolv.conf options are not known")
  return {
    dnsPolicy: policy,
    base,
    nameservers,
    searches,
    options,
    ndots,
    ...(dropped.length > 0 ? {dropped} : {}),
    assumptions,
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}

/** mergeDNSOptions: a dnsConfig option replaces the one of the same name; `name:value`, or `name` alone. */
function mergeOptions(base: string[], extra: Array<{name: string; value?: string | null}>): string[] {
  const merged = new Map<string, string>()
  for (const option of base) {
    const colon = option.indexOf(':')
    if (colon === -1) merged.set(option, '')
    else merged.set(option.slice(0, colon), option.slice(colon + 1))
  }
  for (const option of extra) merged.set(option.name, option.value ?? '')
  return [...merged].map(([name, value]) => (value ? `${name}:${value}` : name))
}

/**
 * formDNSSearchFitsLimits: the first 32 entries, without entries longer than 253 characters, then cut from the
 * end to 2048 characters. The node's entries (a placeholder here) count too: with them the cut may come sooner.
 */
function fitSearches(searches: string[], dropped: string[]): string[] {
  let kept = searches.slice(0, MAX_SEARCH_PATHS)
  dropped.push(...searches.slice(MAX_SEARCH_PATHS))
  dropped.push(...kept.filter((search) => search.length > MAX_SEARCH_ENTRY))
  kept = kept.filter((search) => search.length <= MAX_SEARCH_ENTRY)
  const length = (list: string[]) => list.filter((search) => search !== NODE_SEARCHES).join(' ').length
  while (length(kept) > MAX_SEARCH_CHARS) dropped.push(kept.pop()!)
  return kept
}

export type Resolver = 'glibc' | 'musl'

/**
 * The names a resolver asks for `name`, in order, with this search list and ndots. A name with a trailing dot is
 * asked alone. glibc (and Go): with at least ndots dots, the name as is first, then each search domain;
 * otherwise each search domain, then the name as is. musl: with at least ndots dots, the name alone.
 */
export function resolverTries(name: string, searches: string[], ndots: number, resolver: Resolver): string[] {
  const lower = name.toLowerCase()
  const bare = lower.replace(/\.$/, '')
  const asIs = `${bare}.`
  if (lower.endsWith('.')) return [asIs]
  const dots = bare.split('.').length - 1
  const searched = searches.map((search) =>
    search === NODE_SEARCHES ? `${bare}.${NODE_SEARCHES}` : fqdn(bare, search),
  )
  if (dots >= ndots) return resolver === 'glibc' ? unique([asIs, ...searched]) : [asIs]
  return unique([...searched, asIs])
}

type Answer = ClientLookup['tries'][number]

/** What the report expects a name to answer: the Service's records, none, or not this Service's name. */
function classify(report: ServiceReport, name: string): Answer {
  if (name.includes(NODE_SEARCHES)) return {name, answer: 'unknown', note: "the node's search domains are not known"}
  if (report.records.some((record) => record.name === name && ['A', 'AAAA', 'CNAME'].includes(record.type)))
    return {name, answer: 'records'}
  const absent = report.mustNotResolve.find((entry) => entry.name === name)
  if (absent) return {name, answer: 'no-records', note: absent.reason}
  const zone = report.clusterDomain.toLowerCase()
  if (name === `${zone}.` || name.endsWith(`.${zone}.`))
    return {name, answer: 'other', note: `not ${report.service.name}'s name: NXDOMAIN unless another object has it`}
  return {name, answer: 'upstream', note: `outside ${zone}: forwarded upstream, not predicted`}
}

export interface NameFlag {
  name: string
  port: number | null
}

/** `--name NAME[:PORT]`: a DNS name (a trailing dot allowed) and a port, or null when the text is not one. */
export function parseNameFlag(text: string): NameFlag | null {
  const trimmed = text.trim()
  // An IPv6 address takes brackets, as in a URL: [fd00::1]:80.
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(trimmed)
  if (bracketed) {
    const number = bracketed[2] === undefined ? null : Number(bracketed[2])
    if (addressFamily(bracketed[1]) !== 'IPv6' || (number !== null && (number < 1 || number > 65535))) return null
    return {name: bracketed[1].toLowerCase(), port: number}
  }
  const match = /^([^:]+?)(?::(\d+))?$/.exec(trimmed)
  if (!match) return null
  const [, name, port] = match
  const labels = name.replace(/\.$/, '').split('.')
  if (name.length > 254 || labels.some((label) => !/^[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?$/i.test(label))) return null
  const number = port === undefined ? null : Number(port)
  if (number !== null && (number < 1 || number > 65535)) return null
  return {name: name.toLowerCase(), port: number}
}

export interface ClientDnsResult {
  resolver: ClientResolver
  lookup: ClientLookup
  findings: Finding[]
}

/** The client's resolver, its lookup of the name the app uses, and the findings they explain. */
export function clientDns(
  report: ServiceReport,
  pod: Pod,
  cluster: ClusterDns,
  nameFlag: NameFlag | undefined,
): ClientDnsResult {
  const resolver = podResolver(pod, cluster)
  const who = `pod/${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`
  const clientNamespace = pod.metadata.namespace ?? 'default'
  // Without --name, the shortest name that works from the client's namespace: the Service's short name in its own
  // namespace, SERVICE.NAMESPACE from another (a short name there would be a guess that is wrong by design).
  const name =
    nameFlag?.name ??
    (clientNamespace === report.service.namespace
      ? report.service.name
      : `${report.service.name}.${report.service.namespace}`)
  const given = nameFlag !== undefined
  const port = nameFlag?.port ?? null
  // An address is not looked up: the app connects to it as it is.
  const literal = addressFamily(name.replace(/\.$/, '')) !== null
  const glibc = literal
    ? []
    : resolverTries(name, resolver.searches, resolver.ndots, 'glibc').map((each) => classify(report, each))
  const answered = glibc.findIndex((entry) => entry.answer === 'records')
  const tries = answered === -1 ? glibc : glibc.slice(0, answered + 1)
  const answeredBy = answered === -1 ? null : glibc[answered].name
  const findings: Finding[] = []
  const add = (finding: Omit<Finding, 'object'>) => findings.push({...finding, object: who})
  const svcName = serviceFqdn(report.service.name, report.service.namespace, report.clusterDomain)
  const dnsIPs = [...cluster.serviceIPs, ...(cluster.nodeLocalCache ? [NODE_LOCAL_DNS_ADDRESS] : [])]
  const bypass = bypassFinding(report, pod, resolver, dnsIPs, svcName)
  if (bypass) add(bypass)
  if (resolver.dropped)
    add({
      code: 'ClientDnsConfigTruncated',
      severity: 'warning',
      message: `the kubelet leaves ${resolver.dropped.join(', ')} out of the pod's resolv.conf: over its limits (${MAX_NAMESERVERS} nameservers; ${MAX_SEARCH_PATHS} search domains, ${MAX_SEARCH_CHARS} characters, ${MAX_SEARCH_ENTRY} per domain) it writes the rest and a DNSConfigForming event`,
      hint: "shorten the pod's dnsConfig (the node's own search domains count towards the limits too)",
    })
  const hasRecords = report.records.some((record) => ['A', 'AAAA', 'CNAME'].includes(record.type))
  // Only a resolver that asks the cluster DNS first: otherwise ClientDnsBypassesClusterDns says why.
  if (!bypass && !literal && answeredBy === null && hasRecords) {
    const asked = glibc.map((entry) => entry.name).join(', ')
    const bare = name.replace(/\.$/, '')
    const shadow =
      clientNamespace !== report.service.namespace &&
      glibc[0]?.name === fqdn(bare, clientNamespace, 'svc', report.clusterDomain)
        ? `; ${glibc[0].name} would be a Service "${bare}" in namespace ${clientNamespace}, if there is one (the app would reach that instead)`
        : ''
    add({
      code: 'ClientNameDoesNotResolve',
      severity: given ? 'error' : 'warning',
      message: `${given ? 'name' : 'the usual name'} "${name}" from namespace ${clientNamespace}: the resolver asks ${asked}; none is ${report.service.name}'s name ${svcName}${shadow}`,
      hint: `use ${bare.split('.')[0]}.${report.service.namespace} or ${svcName} (with its trailing dot) in the app, or add ${report.service.namespace}.svc.${report.clusterDomain} to the pod's dnsConfig.searches${given ? '' : '; --name gives the name the app really uses'}`,
    })
  }
  const bare = name.replace(/\.$/, '')
  const dots = bare.split('.').length - 1
  if (!name.endsWith('.') && answeredBy !== null) {
    if (dots < resolver.ndots && answeredBy === `${bare}.` && tries.length > 1) {
      const before = tries.slice(0, -1).map((entry) => entry.name)
      add({
        code: 'ClientNdotsSearchesFirst',
        severity: 'info',
        message: `"${name}" has ${dots} dot${dots === 1 ? '' : 's'}, fewer than ndots:${resolver.ndots}: the resolver asks ${before.length} other name${before.length === 1 ? '' : 's'} first (${before.join(', ')}), each a lookup that fails, before ${answeredBy}`,
        hint: `end the name with a dot (${bare}.) or lower ndots in the pod's dnsConfig.options`,
      })
    }
    const musl = resolverTries(name, resolver.searches, resolver.ndots, 'musl')
    if (!musl.includes(answeredBy))
      add({
        code: 'ClientNameNeedsSearch',
        severity: 'warning',
        message: `"${name}" has ${dots} dot${dots === 1 ? '' : 's'}, at least ndots:${resolver.ndots}: glibc and Go ask it as is, then the search list (${answeredBy} answers); musl (Alpine images) asks only ${bare}. and does not resolve it`,
        hint: `use ${answeredBy} (with its trailing dot) in the app, or raise ndots above ${dots} in the pod's dnsConfig.options`,
      })
  }
  const {dials, finding} = dialed(
    report,
    literal ? addressTarget(report, name) : nameTarget(report, answeredBy),
    port,
    name,
  )
  if (finding) add(finding)
  return {resolver, lookup: {name, given, port, tries, answeredBy, dials}, findings}
}

/** A resolv.conf that does not ask the cluster DNS first: cluster names do not resolve from it. */
function bypassFinding(
  report: ServiceReport,
  pod: Pod,
  resolver: ClientResolver,
  dnsIPs: string[],
  svcName: string,
): Omit<Finding, 'object'> | null {
  if (resolver.base === 'node') {
    const hostNet = resolver.dnsPolicy === 'ClusterFirst'
    return {
      code: 'ClientDnsBypassesClusterDns',
      severity: 'warning',
      message: `dnsPolicy ${resolver.dnsPolicy}${hostNet ? ' on the host network (the kubelet falls back to Default)' : ''}: the pod gets the node's resolv.conf, whose nameservers are not the cluster DNS on most clusters (assumed), so ${svcName} does not resolve from it`,
      hint: hostNet
        ? 'set dnsPolicy: ClusterFirstWithHostNet on a hostNetwork pod'
        : `set dnsPolicy: ClusterFirst (or None with the cluster DNS${dnsIPs.length > 0 ? ` ${dnsIPs[0]}` : ''} as the first dnsConfig nameserver)`,
    }
  }
  if (resolver.base === 'none' && dnsIPs.length > 0) {
    const first = resolver.nameservers[0]
    if (first && !dnsIPs.includes(first))
      return {
        code: 'ClientDnsBypassesClusterDns',
        severity: 'warning',
        message: `dnsPolicy None: the pod's first nameserver ${first} is not the cluster DNS (${dnsIPs.join(' or ')}); unless ${first} forwards ${report.clusterDomain} to it, ${svcName} does not resolve from ${pod.metadata.name}`,
        hint: `put the cluster DNS ${dnsIPs[0]} first in dnsConfig.nameservers, or use dnsPolicy: ClusterFirst`,
      }
  }
  return null
}

/** What the app connects to: the ClusterIP, pod IPs (what `via` answered with), the external name, or nothing. */
type Target =
  {kind: 'cluster-ip'; ip: string} | {kind: 'pods'; via: string} | {kind: 'external'} | {kind: 'none'; why: string}

function nameTarget(report: ServiceReport, answeredBy: string | null): Target {
  const {service} = report
  if (answeredBy === null) return {kind: 'none', why: 'does not resolve to'}
  if (service.type === 'ExternalName') return {kind: 'external'}
  // The Service's own name on a ClusterIP Service answers its ClusterIP; a headless Service's name, or a
  // per-endpoint name, answers pod IPs.
  if (answeredBy === serviceFqdn(service.name, service.namespace, report.clusterDomain) && !service.headless)
    return {kind: 'cluster-ip', ip: service.clusterIPs[0] ?? '<no ClusterIP>'}
  return {kind: 'pods', via: `${answeredBy} answers with pod IPs, so the app connects to them`}
}

function addressTarget(report: ServiceReport, address: string): Target {
  if (report.service.clusterIPs.includes(address)) return {kind: 'cluster-ip', ip: address}
  if (report.endpoints.some((endpoint) => endpoint.address === address))
    return {kind: 'pods', via: `${address} is an endpoint's pod IP: the app connects to it`}
  return {kind: 'none', why: 'is not an address of'}
}

/** Where the app's connection goes, and a finding when nothing serves the port it dials. */
function dialed(
  report: ServiceReport,
  target: Target,
  port: number | null,
  name: string,
): {dials: string; finding?: Omit<Finding, 'object'>} {
  const {service} = report
  if (target.kind === 'none') return {dials: `nothing: "${name}" ${target.why} ${service.name}`}
  if (target.kind === 'external')
    return {dials: `the external name ${service.externalName ?? ''}${port ? ` on ${port}` : ''}`}
  const servicePorts = service.ports.map((entry) => `${entry.port}/${entry.protocol}`).join(', ') || 'none'
  if (target.kind === 'cluster-ip') {
    const ip = target.ip
    if (port === null)
      return {
        dials: `ClusterIP ${ip} on ${service.ports.map((entry) => `${entry.port}/${entry.protocol} -> ${entry.targetPort}`).join(', ') || 'no port'}`,
      }
    const match = service.ports.find((entry) => entry.port === port)
    if (match) return {dials: `ClusterIP ${ip}:${port}/${match.protocol} -> endpoints on ${match.targetPort}`}
    return {
      dials: `ClusterIP ${ip}:${port}: not a port of the Service`,
      finding: {
        code: 'ClientPortNotServed',
        severity: 'error',
        message: `the app dials ${name}:${port}, but ${service.name} has no port ${port} (its ports: ${servicePorts}): kube-proxy forwards nothing on ${ip}:${port}`,
        hint: `dial ${service.ports.map((entry) => entry.port).join(' or ') || 'a Service port'}, or add port ${port} to the Service`,
      },
    }
  }
  // Pod IPs are dialed as they are: nothing maps a Service port to a target port.
  const endpointPorts = [
    ...new Set(
      report.endpoints
        .filter((endpoint) => endpoint.ready)
        .flatMap((endpoint) => endpoint.ports.map((entry) => `${entry.port}/${entry.protocol}`)),
    ),
  ]
  if (port === null) return {dials: `the pod IPs directly, on ${endpointPorts.join(', ') || 'the port the app uses'}`}
  if (endpointPorts.length === 0 || endpointPorts.some((entry) => entry.startsWith(`${port}/`)))
    return {dials: `the pod IPs directly, on ${port}`}
  return {
    dials: `the pod IPs directly, on ${port} (the endpoints list ${endpointPorts.join(', ')})`,
    finding: {
      code: 'ClientPortNotServed',
      severity: 'warning',
      message: `${target.via} on ${port} as it is (nothing translates ports there); the endpoints list ${endpointPorts.join(', ')}: unless the pods also listen on ${port}, the connection is refused`,
      hint: `dial ${endpointPorts.map((entry) => entry.split('/')[0]).join(' or ')}, or make the Service's port equal its targetPort`,
    },
  }
}
