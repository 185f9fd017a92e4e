// What CoreDNS's kubernetes plugin answers, question by question, from the objects it watches and its options.
// Follows the plugin's own steps (coredns/coredns plugin/kubernetes: parse.go parseRequest, kubernetes.go
// Records/findServices/findPods, reverse.go serviceRecordForIP; plugin/backend_lookup.go A/SRV/CNAME/PTR) at
// v1.11.1, with the rules that changed between releases gated on the release (notes/coredns-1.x.y.md).
import {isIP} from 'node:net'
import type {EndpointSlice, Pod, Service} from '../../model/k8s.js'
import {expandIPv6} from '../dns-names.js'
import {selectorMatcher} from '../label-selector.js'
import {
  addressFromReverse,
  compressIPv6,
  ipFamilyType,
  labelsBelow,
  lower,
  srvWeight,
  zoneOf,
  type PredictedAnswer,
  type PredictedRecord,
  type Question,
  type Upstream,
} from './answer.js'
import {atLeast, type DnsProfile} from './profile.js'
import {clusterIPsOf, namespaceOf, type IndexedWorld} from './world.js'

/** One address of a Service as CoreDNS's object.Endpoints holds it (object/endpoint.go). */
interface EndpointAddress {
  ip: string
  hostname: string
  /** targetRef name, when short enough to be a label. */
  targetRefName: string
  /** The label it is known by (endpointHostname), lowercase: computed once per address. */
  label: string
}

/** One subset: a slice's ready addresses and its ports (port -1: the slice has no ports). */
interface Subset {
  addresses: EndpointAddress[]
  ports: Array<{name: string; port: number; protocol: string}>
}

/** An answer source before it becomes a record: msg.Service in CoreDNS. */
interface Entry {
  host: string
  port: number
  /** The FQDN this entry is known by: an SRV target. */
  key: string
}

type Lookup = {entries: Entry[]; nameError: boolean}
const NAME_ERROR: Lookup = {entries: [], nameError: true}
const NO_DATA: Lookup = {entries: [], nameError: false}

/** The release-dependent rules, decided once per profile. */
export interface CoreDnsRules {
  /** < 1.8.1: core/v1 Endpoints, a single spec.clusterIP. */
  legacyEndpoints: boolean
  singleClusterIP: boolean
  /** 1.8.1-1.8.3 served not-ready slice endpoints (#4580). */
  servesNotReady: boolean
  /** < 1.8.6 used pod names of any length as labels (#4908). */
  longPodNames: boolean
  /** < 1.10.1: `x.<externalname-svc>` still matched the CNAME (#5734). */
  externalNameEndpoints: boolean
  /** < 1.11.0: `_p._t.<externalname-svc>` still matched the CNAME (#6162). */
  externalNamePorts: boolean
  /** 1.11.4 and 1.12.0: endpoint PTRs only for endpoints with a hostname (#6898, reverted in 1.12.1 #7194). */
  ptrHostnameOnly: boolean
  /** >= 1.12.3: an IPv6 label ending in `-` gets `0` appended (#7431). */
  ipv6TrailingZero: boolean
}

export function coreDnsRules(version: string | null): CoreDnsRules {
  return {
    legacyEndpoints: !atLeast(version, '1.8.1'),
    singleClusterIP: !atLeast(version, '1.8.1'),
    servesNotReady: atLeast(version, '1.8.1') && !atLeast(version, '1.8.4'),
    longPodNames: !atLeast(version, '1.8.6'),
    externalNameEndpoints: !atLeast(version, '1.10.1'),
    externalNamePorts: !atLeast(version, '1.11.0'),
    ptrHostnameOnly: atLeast(version, '1.11.4') && !atLeast(version, '1.12.1'),
    ipv6TrailingZero: atLeast(version, '1.12.3'),
  }
}

/** kubernetes.go endpointHostname: hostname, else (endpoint_pod_names) the pod name, else the dashed address. */
export function coreDnsEndpointLabel(
  address: {ip: string; hostname: string; targetRefName: string},
  endpointPodNames: boolean,
  rules: Pick<CoreDnsRules, 'ipv6TrailingZero'>,
): string {
  if (address.hostname) return address.hostname
  if (endpointPodNames && address.targetRefName) return address.targetRefName
  if (address.ip.includes('.')) return address.ip.replaceAll('.', '-')
  const dashed = address.ip.replaceAll(':', '-')
  return rules.ipv6TrailingZero && dashed.endsWith('-') ? `${dashed}0` : dashed
}

export class CoreDnsModel {
  readonly rules: CoreDnsRules
  private readonly zones: string[]
  private readonly subsetCache = new Map<Service, Subset[]>()
  private reverseIndex: {clusterIPs: Map<string, string[]>; endpoints: Map<string, string[]>} | undefined
  private readonly ttl: number
  private readonly serviceVisible: (labels: Record<string, string> | undefined) => boolean
  private readonly namespaceSelected: (labels: Record<string, string> | undefined) => boolean

  constructor(
    private readonly world: IndexedWorld,
    private readonly profile: DnsProfile,
    private readonly upstream: Upstream = 'unknown',
  ) {
    this.rules = coreDnsRules(profile.version)
    this.zones = profile.kubernetes.zones.map((zone) => lower(zone))
    this.ttl = profile.kubernetes.ttl
    this.serviceVisible = selectorMatcher(profile.kubernetes.labels ?? undefined)
    this.namespaceSelected = selectorMatcher(profile.kubernetes.namespaceLabels ?? undefined)
  }

  answer(question: Question): PredictedAnswer | null {
    const name = lower(question.name)
    const type = question.type.toUpperCase()
    const reverseAddress = addressFromReverse(name)
    if (reverseAddress !== null || /(^|\.)(in-addr|ip6)\.arpa\.$/.test(name))
      return this.reverse(name, type, reverseAddress)
    const zone = zoneOf(name, this.zones)
    if (!zone) return null
    return this.forward(name, type, zone)
  }

  // ---------------------------------------------------------------- forward names

  private forward(name: string, type: string, zone: string): PredictedAnswer | null {
    if (name === `dns-version.${zone}`) {
      // kubernetes.go Services: the schema version as TXT, TTL 28800 (cut to the cache's cap, as recorded).
      if (type !== 'TXT') return {name, type, rcode: 'NOERROR', answers: []}
      const caps = this.profile.caches.filter((cache) => cache.layer === 'coredns').map((cache) => cache.successTtl)
      const ttl = Math.min(28800, ...caps)
      return {name, type, rcode: 'NOERROR', answers: [{name, type, ttl, data: '"1.1.0"'}]}
    }
    const lookup = this.records(name, zone)
    const result = (records: PredictedRecord[], upstream = false): PredictedAnswer => ({
      name,
      type,
      rcode: lookup.nameError ? 'NXDOMAIN' : 'NOERROR',
      answers: records,
      ...(upstream ? {upstream} : {}),
    })
    if (lookup.nameError) return result([])
    switch (type) {
      case 'A':
      case 'AAAA':
        return this.addresses(name, type, zone, lookup.entries, 0)
      case 'SRV':
        return result(
          this.srv(
            name,
            lookup.entries.filter((entry) => isIP(entry.host) !== 0),
          ),
        )
      case 'CNAME': {
        const first = lookup.entries[0]
        return result(first && isIP(first.host) === 0 ? [this.record(name, 'CNAME', `${lower(first.host)}`)] : [])
      }
      case 'PTR':
        return result([])
      case 'TXT':
        // Before 1.10.1 (#5737) TXT on a name that does not exist was NODATA, not NXDOMAIN.
        return atLeast(this.profile.version, '1.10.1') ? result([]) : {name, type, rcode: 'NOERROR', answers: []}
      default:
        return null
    }
  }

  /** backend_lookup.go A: one record per distinct address of the family; a CNAME is chased. */
  private addresses(name: string, type: string, zone: string, entries: Entry[], depth: number): PredictedAnswer {
    const records: PredictedRecord[] = []
    const seen = new Set<string>()
    let upstream = false
    for (const entry of entries) {
      const family = ipFamilyType(entry.host)
      if (family === type) {
        if (!seen.has(entry.host)) records.push(this.record(name, type, entry.host))
        seen.add(entry.host)
        continue
      }
      if (family !== null) continue
      const target = lower(entry.host)
      if (target === name || depth > 7) continue
      const cname = this.record(name, 'CNAME', target)
      if (zoneOf(target, [zone]) !== null) {
        // In-zone target: the CNAME is kept only when the target has records of the type.
        const chased = this.records(target, zone)
        if (chased.nameError) continue
        const next = this.addresses(target, type, zone, chased.entries, depth + 1)
        if (next.answers.length > 0) records.push(cname, ...next.answers)
        upstream ||= next.upstream === true
        continue
      }
      // Out of the question's zone: CoreDNS asks its own plugin chain (upstream), which this plugin answers when
      // the target is in another of its zones, and keeps the CNAME with whatever came back.
      records.push(cname)
      const otherZone = zoneOf(target, this.zones)
      if (otherZone !== null) {
        const chased = this.records(target, otherZone)
        if (!chased.nameError)
          records.push(...this.addresses(target, type, otherZone, chased.entries, depth + 1).answers)
        continue
      }
      upstream = this.upstream !== 'unreachable'
    }
    return {name, type, rcode: 'NOERROR', answers: records, ...(upstream ? {upstream} : {})}
  }

  /** backend_lookup.go SRV: weight from every entry, records deduplicated by (target, port); port -1 skipped. */
  private srv(name: string, entries: Entry[]): PredictedRecord[] {
    const weight = srvWeight(entries.length)
    const seen = new Set<string>()
    const records: PredictedRecord[] = []
    for (const entry of entries) {
      if (entry.port === -1) continue
      const identity = `${entry.key} ${entry.port}`
      if (seen.has(identity)) continue
      seen.add(identity)
      records.push(this.record(name, 'SRV', `0 ${weight} ${entry.port} ${entry.key}`))
    }
    return records
  }

  /** kubernetes.go Records: parse, namespace, then pods or services. */
  private records(name: string, zone: string): Lookup {
    const labels = labelsBelow(name, zone)
    if (labels === null) return NAME_ERROR
    if (labels.length === 0) return NO_DATA
    const kind = labels[labels.length - 1]
    if (kind !== 'svc' && kind !== 'pod') return NAME_ERROR
    if (labels.length === 1) return NO_DATA
    const namespace = labels[labels.length - 2]
    if (!this.namespaceExposed(namespace)) return NAME_ERROR
    const service = labels[labels.length - 3]
    if (service === undefined) return NO_DATA
    const left = labels.slice(0, -3)
    if (left.length > 2) return NAME_ERROR
    const request = {
      namespace,
      service,
      endpoint: left.length === 1 ? left[0] : '',
      port: left.length === 2 ? stripUnderscore(left[0]) : '',
      protocol: left.length === 2 ? stripUnderscore(left[1]) : '',
    }
    if (kind === 'pod') return this.findPods(request, zone)
    return this.findServices(request, zone)
  }

  private namespaceExposed(namespace: string): boolean {
    const labels = this.world.namespaces.get(namespace)
    if (labels === undefined) return false
    const options = this.profile.kubernetes
    if (options.namespaces && options.namespaces.length > 0) return options.namespaces.includes(namespace)
    if (options.namespaceLabels) return this.namespaceSelected(labels)
    return true
  }

  private findPods(request: {namespace: string; service: string}, zone: string): Lookup {
    const mode = this.profile.kubernetes.pods
    if (mode === 'disabled') return NAME_ERROR
    const label = request.service
    const ip =
      (label.match(/-/g) ?? []).length === 3 && !label.includes('--')
        ? label.replaceAll('-', '.')
        : label.replaceAll('-', ':')
    if (isIP(ip) === 0) return NAME_ERROR
    const key = `${label}.${request.namespace}.pod.${zone}`
    // The answer carries the address as Go prints a parsed IP: fd00:10:244:1::0 comes back as fd00:10:244:1::.
    const host = isIP(ip) === 6 ? compressIPv6(expandIPv6(ip).map((group) => group.replace(/^0+(?=.)/, ''))) : ip
    if (mode === 'insecure') return {entries: [{host, port: 0, key}], nameError: false}
    // verified: a pod of that namespace has this primary IP (object/pod.go ToPod keeps status.podIP only).
    // verified compares the label's address as converted, before parsing: `fd00:10:244:1::0` matches no pod.
    const pods = this.podsWithIP(ip).filter(
      (pod) =>
        namespaceOf(pod) === request.namespace && this.serviceVisible(pod.metadata.labels) && this.podCounts(pod),
    )
    return pods.length > 0 ? {entries: pods.map(() => ({host, port: 0, key})), nameError: false} : NAME_ERROR
  }

  /**
   * Pods `pods verified` knows by this address: status.podIP through 1.12.x (object/pod.go ToPod). 1.15.0 was
   * recorded answering a dual-stack pod's second address too (test/dns recordings), which the source read so far
   * does not explain; releases between 1.12.1 and 1.15.0 were not recorded.
   */
  private podsWithIP(ip: string): Pod[] {
    const primary = this.world.podsByIP.get(ip) ?? []
    if (!atLeast(this.profile.version, '1.15.0')) return primary
    const secondary = this.world.world.pods.filter(
      (pod) => pod.status?.podIP !== ip && (pod.status?.podIPs ?? []).some((entry) => entry.ip === ip),
    )
    return [...primary, ...secondary]
  }

  /** A terminating pod is dropped by the pod informer (fixed in 1.12.1 #7119, intended before). */
  private podCounts(pod: {metadata: {deletionTimestamp?: string}}): boolean {
    return !pod.metadata.deletionTimestamp
  }

  private findServices(
    request: {namespace: string; service: string; endpoint: string; port: string; protocol: string},
    zone: string,
  ): Lookup {
    const service = this.world.service(request.namespace, request.service)
    if (!service || !this.serviceVisible(service.metadata.labels)) return NAME_ERROR
    const base = `${service.metadata.name}.${namespaceOf(service)}.svc.${zone}`
    const entries: Entry[] = []
    let found = false
    const type = service.spec.type ?? 'ClusterIP'
    const headless = service.spec.clusterIP === 'None'

    if (this.profile.kubernetes.ignoreEmptyService && type !== 'ExternalName' && !headless) {
      if (!this.subsets(service).some((subset) => subset.addresses.length > 0)) return NAME_ERROR
    }
    if (type === 'ExternalName') {
      if (request.endpoint && !this.rules.externalNameEndpoints) return NAME_ERROR
      if ((request.port || request.protocol) && !this.rules.externalNamePorts) return NAME_ERROR
      const host = service.spec.externalName ?? ''
      // msg.Service HostType: an IP is not a CNAME target, and CoreDNS serves nothing for it.
      if (!host || isIP(host) !== 0) return NAME_ERROR
      return {entries: [{host, port: 0, key: base}], nameError: false}
    }
    if (headless || request.endpoint) {
      for (const subset of this.subsets(service)) {
        for (const address of subset.addresses) {
          if (request.endpoint && request.endpoint !== address.label) continue
          for (const port of subset.ports) {
            if (!portMatches(request, port)) continue
            found = true
            entries.push({host: address.ip, port: port.port, key: `${address.label}.${base}`})
          }
        }
      }
      return found ? {entries, nameError: false} : NAME_ERROR
    }
    const clusterIPs = this.clusterIPs(service)
    for (const port of service.spec.ports ?? []) {
      if (!portMatches(request, {name: port.name ?? '', protocol: port.protocol ?? 'TCP'})) continue
      found = true
      for (const ip of clusterIPs) entries.push({host: ip, port: port.port, key: base})
    }
    return found ? {entries, nameError: false} : NAME_ERROR
  }

  private clusterIPs(service: Service): string[] {
    const ips = clusterIPsOf(service)
    return this.rules.singleClusterIP ? ips.slice(0, 1) : ips
  }

  /** object/endpoint.go: one subset per EndpointSlice (or Endpoints subset), ready addresses only. */
  subsets(service: Service): Subset[] {
    // Each question reads the subsets again: built once per Service.
    let subsets = this.subsetCache.get(service)
    if (!subsets) this.subsetCache.set(service, (subsets = this.buildSubsets(service)))
    return subsets
  }

  private buildSubsets(service: Service): Subset[] {
    if (this.profile.kubernetes.noEndpoints) return []
    const namespace = namespaceOf(service)
    if (this.rules.legacyEndpoints || !this.world.hasSlices) {
      const legacy = this.world.legacyEndpoints(namespace, service.metadata.name)
      if (!legacy || !this.serviceVisible(legacy.metadata.labels)) return []
      return (legacy.subsets ?? []).map((subset) => ({
        addresses: (subset.addresses ?? []).map((address) =>
          this.address(address.ip, address.hostname, address.targetRef?.name),
        ),
        ports: portsOrSentinel(subset.ports ?? []),
      }))
    }
    return this.world
      .slices(namespace, service.metadata.name)
      .filter((slice) => this.serviceVisible(slice.metadata.labels))
      .map((slice) => this.sliceSubset(slice))
  }

  private sliceSubset(slice: EndpointSlice): Subset {
    const addresses: EndpointAddress[] = []
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready ?? true
      if (!ready && !this.rules.servesNotReady) continue
      for (const ip of endpoint.addresses) {
        addresses.push(this.address(ip, endpoint.hostname, endpoint.targetRef?.name))
      }
    }
    const ports = (slice.ports ?? []).map((port) => ({
      name: port.name ?? '',
      port: port.port ?? -1,
      protocol: port.protocol ?? 'TCP',
    }))
    return {addresses, ports: portsOrSentinel(ports)}
  }

  private address(ip: string, hostname: string | undefined, targetRef: string | undefined): EndpointAddress {
    const address = {ip, hostname: hostname ?? '', targetRefName: this.targetRefName(targetRef), label: ''}
    address.label = coreDnsEndpointLabel(address, this.profile.kubernetes.endpointPodNames, this.rules).toLowerCase()
    return address
  }

  private targetRefName(name: string | undefined): string {
    if (!name) return ''
    return name.length < 64 || this.rules.longPodNames ? name : ''
  }

  // ---------------------------------------------------------------- reverse names

  private reverse(name: string, type: string, address: string | null): PredictedAnswer | null {
    const reverseZones = this.profile.kubernetes.reverseZones.map((zone) => lower(zone))
    if (zoneOf(name, reverseZones) === null) return null
    if (type !== 'PTR') {
      // A reverse name asked for another type: no records here; a name error falls through like any other.
      return this.fallthrough(name, type, address === null ? NAME_ERROR : NO_DATA)
    }
    const targets = address === null ? [] : this.ptrTargets(address)
    if (targets.length === 0) return this.fallthrough(name, type, NAME_ERROR)
    return {name, type, rcode: 'NOERROR', answers: targets.map((target) => this.record(name, 'PTR', target))}
  }

  private fallthrough(name: string, type: string, lookup: Lookup): PredictedAnswer {
    const fall = this.profile.kubernetes.fallthrough
    if (
      lookup.nameError &&
      fall !== null &&
      (fall.length === 0 ||
        zoneOf(
          name,
          fall.map((zone) => lower(zone)),
        ) !== null)
    ) {
      // The next plugin (forward) answers: unknowable here, SERVFAIL when it has nowhere to go.
      return this.upstream === 'unreachable'
        ? {name, type, rcode: 'SERVFAIL', answers: []}
        : {name, type, rcode: 'NXDOMAIN', answers: [], upstream: true}
    }
    return {name, type, rcode: lookup.nameError ? 'NXDOMAIN' : 'NOERROR', answers: []}
  }

  /** reverse.go serviceRecordForIP: a ClusterIP names its Service; else every slice holding the address. */
  ptrTargets(address: string): string[] {
    this.reverseIndex ??= this.buildReverseIndex()
    const key = canonicalAddress(address)
    return this.reverseIndex.clusterIPs.get(key) ?? this.reverseIndex.endpoints.get(key) ?? []
  }

  /** Every address's PTR targets, built on the first PTR question: each question then is one lookup. */
  private buildReverseIndex(): {clusterIPs: Map<string, string[]>; endpoints: Map<string, string[]>} {
    const primary = lower(this.zones[0] ?? 'cluster.local')
    const clusterIPs = new Map<string, string[]>()
    const endpoints = new Map<string, string[]>()
    for (const service of this.world.services.values()) {
      if (!this.serviceVisible(service.metadata.labels) || !this.ptrNamespace(namespaceOf(service))) continue
      const name = `${service.metadata.name}.${namespaceOf(service)}.svc.${primary}`
      // The first matching Service wins.
      for (const ip of this.clusterIPs(service))
        if (!clusterIPs.has(canonicalAddress(ip))) clusterIPs.set(canonicalAddress(ip), [name])
      if (service.spec.type === 'ExternalName') continue
      for (const subset of this.subsets(service)) {
        for (const endpoint of subset.addresses) {
          if (this.rules.ptrHostnameOnly && !endpoint.hostname) continue
          const label = this.rules.ptrHostnameOnly ? endpoint.hostname.toLowerCase() : endpoint.label
          const key = canonicalAddress(endpoint.ip)
          const targets = endpoints.get(key) ?? []
          if (!targets.includes(`${label}.${name}`)) targets.push(`${label}.${name}`)
          endpoints.set(key, targets)
        }
      }
    }
    return {clusterIPs, endpoints}
  }

  /** reverse.go skips namespaces outside `namespaces` (not namespace_labels: it checks the configured list only). */
  private ptrNamespace(namespace: string): boolean {
    const listed = this.profile.kubernetes.namespaces
    return !listed || listed.length === 0 || listed.includes(namespace)
  }

  private record(name: string, type: string, data: string): PredictedRecord {
    return {name, type, ttl: this.ttl, data}
  }
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label
}

/** kubernetes.go matchPortAndProtocol: an empty request part matches anything; names compare without case. */
function portMatches(request: {port: string; protocol: string}, port: {name: string; protocol: string}): boolean {
  if (request.port && request.port !== port.name.toLowerCase()) return false
  if (request.protocol && request.protocol !== port.protocol.toLowerCase()) return false
  return true
}

function portsOrSentinel(ports: Array<{name?: string; port: number; protocol?: string}>): Subset['ports'] {
  const mapped = ports.map((port) => ({name: port.name ?? '', port: port.port, protocol: port.protocol ?? 'TCP'}))
  return mapped.length > 0 ? mapped : [{name: '', port: -1, protocol: ''}]
}

/** One text per address: IPv6 expanded, so fd00::1 and fd00:0::1 meet. */
function canonicalAddress(ip: string): string {
  return ip.includes(':') ? expandIPv6(ip).join(':') : ip
}
