// The DNS records a Service should have: the questions svc-inspect asks about it, each answered by the model of
// the cluster's DNS server (dns-server/: CoreDNS's kubernetes plugin at its release and options, or kube-dns).
// Every record says whether the Kubernetes DNS-Based Service Discovery specification (kubernetes/dns
// docs/specification.md) asks for it or only the server serves it, so a reader can tell the spec from a habit.
import type {Endpoints, EndpointSlice, Pod, Service} from '../model/k8s.js'
import type {AbsentName, DnsRecord, EndpointView, RecordBasis, RecordType} from '../model/report.js'
import {addressRecordType, dashedAddress, fqdn, reverseName, sortNaturally} from './dns-names.js'
import type {PredictedAnswer} from './dns-server/answer.js'
import {coreDnsEndpointLabel, coreDnsRules} from './dns-server/coredns.js'
import {kubeDnsHashLabel} from './dns-server/kube-dns.js'
import {dnsModel} from './dns-server/predict.js'
import {assumedProfile, type DnsProfile} from './dns-server/profile.js'
import {clusterIPsOf, SERVICE_NAME_LABEL} from './dns-server/world.js'

export interface ExpectedDns {
  records: DnsRecord[]
  mustNotResolve: AbsentName[]
}

/** The objects a server reads for one Service, when the caller has them; else they are rebuilt from the views. */
export interface ServiceObjects {
  endpointSlices?: EndpointSlice[]
  endpoints?: Endpoints
  pods?: Pod[]
}

export function isHeadless(service: Service): boolean {
  return service.spec.clusterIP === 'None'
}

export {clusterIPsOf}

/** The label an endpoint is known by on the newest CoreDNS without endpoint_pod_names: hostname, else dashed IP. */
export function endpointLabel(endpoint: EndpointView): string {
  return endpoint.hostname || dashedAddress(endpoint.address)
}

/** The label an endpoint is known by on the profile's server. */
export function endpointLabelFor(endpoint: EndpointView, profile: DnsProfile): string {
  if (profile.implementation === 'kube-dns') return endpoint.hostname || kubeDnsHashLabel(endpoint.address)
  const rules = coreDnsRules(profile.version)
  // object/endpoint.go: a pod name of 64 characters or more is no label (from 1.8.6), the dashed address is used.
  const pod = endpoint.pod && (endpoint.pod.length < 64 || rules.longPodNames) ? endpoint.pod : ''
  return coreDnsEndpointLabel(
    {ip: endpoint.address, hostname: endpoint.hostname ?? '', targetRefName: pod},
    profile.kubernetes.endpointPodNames,
    rules,
  )
}

interface Ask {
  name: string
  type: RecordType
  basis: RecordBasis
  /** Why the name would not resolve, in the report's words. */
  absentReason?: string
}

export function expectedRecords(
  service: Service,
  endpoints: EndpointView[],
  zone: string,
  profile: DnsProfile = assumedProfile(zone),
  objects: ServiceObjects = {},
): ExpectedDns {
  const namespace = service.metadata.namespace ?? 'default'
  const implementation: RecordBasis = profile.implementation === 'kube-dns' ? 'kube-dns' : 'coredns'
  // Records exist under every zone the server serves; the report's zone leads (a flag may name another).
  // Other zones only when the profile serves the report's zone too: a profile that names another zone was assumed
  // or overridden (--cluster-domain, resolv.conf), and its zones say nothing about this cluster.
  const zones = profile.kubernetes.zones.includes(zone)
    ? [zone, ...profile.kubernetes.zones.filter((other) => other !== zone)]
    : [zone]
  const modelProfile: DnsProfile = {...profile, kubernetes: {...profile.kubernetes, zones}}
  const model = dnsModel(
    {
      services: [service],
      endpointSlices: objects.endpointSlices ?? slicesFromViews(service, endpoints),
      endpoints: objects.endpoints
        ? [objects.endpoints]
        : profile.implementation === 'kube-dns'
          ? [endpointsFromViews(service, endpoints)]
          : [],
      pods: objects.pods ?? [],
      namespaces: [{name: namespace, labels: {}}],
    },
    modelProfile,
  )
  const asks: Ask[] = []
  for (const each of zones)
    asks.push(
      ...questionsFor(service, endpoints, fqdn(service.metadata.name, namespace, 'svc', each), profile, implementation),
    )
  // PTR targets name the primary zone only; one question per address.
  asks.push(...reverseQuestions(service, endpoints, implementation))

  const records = new Map<string, DnsRecord>()
  const absent = new Map<string, AbsentName>()
  for (const ask of asks) {
    const answer = model.answer(ask)
    if (!answer || answer.upstream || answer.rcode === 'SERVFAIL') continue
    const own = answer.answers.filter((record) => record.type === ask.type)
    if (answer.rcode === 'NOERROR' && own.length > 0) {
      for (const record of own) {
        const key = `${record.name} ${record.type} ${record.data}`
        if (!records.has(key))
          records.set(key, {name: record.name, type: ask.type, data: record.data, status: 'expected', basis: ask.basis})
      }
      continue
    }
    if (ask.absentReason === undefined) continue
    if (!absent.has(ask.name))
      absent.set(ask.name, {
        name: ask.name,
        type: ask.type,
        reason: reasonFor(ask, answer, profile),
        rcode: answer.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NODATA',
      })
  }
  const sorted = sortNaturally([...records.values()], (record) => [
    TYPE_ORDER[record.type],
    labelCount(record.name),
    record.name,
    record.data,
  ])
  return {records: sorted, mustNotResolve: [...absent.values()]}
}

/** The questions about one Service under one zone: its name, its ports, each endpoint's own name. */
function questionsFor(
  service: Service,
  endpoints: EndpointView[],
  base: string,
  profile: DnsProfile,
  implementation: RecordBasis,
): Ask[] {
  if (service.spec.type === 'ExternalName') {
    return [
      {
        name: base,
        type: 'CNAME',
        basis: 'spec',
        absentReason: 'externalName is not a DNS name, so no CNAME is served for it',
      },
    ]
  }
  const headless = isHeadless(service)
  const asks: Ask[] = []
  const addresses = headless ? endpoints.map((endpoint) => endpoint.address) : clusterIPsOf(service)
  const families = new Set(addresses.map(addressRecordType))
  if (families.size === 0) families.add('A')
  const published = headless ? publishedOf(service, endpoints) : endpoints
  const emptyReason = headless && published.length === 0 ? 'the headless service has no ready endpoints' : undefined
  for (const type of families)
    asks.push({
      name: base,
      type,
      basis: 'spec',
      absentReason: emptyReason ?? emptyServiceReason(service, endpoints, profile) ?? unservedReason(profile),
    })
  asks.push({name: base, type: 'SRV', basis: implementation})
  const portNames = new Map<string, string>()
  for (const port of service.spec.ports ?? []) if (port.name) portNames.set(port.name, port.protocol ?? 'TCP')
  if (headless)
    for (const endpoint of endpoints)
      for (const port of endpoint.ports) if (port.name) portNames.set(port.name, port.protocol)
  for (const [name, protocol] of portNames)
    asks.push({name: fqdn(`_${name}`, `_${protocol.toLowerCase()}`, base), type: 'SRV', basis: 'spec'})
  if (profile.implementation === 'kube-dns' && !headless) {
    for (const ip of clusterIPsOf(service))
      asks.push({name: fqdn(kubeDnsHashLabel(ip), base), type: addressRecordType(ip), basis: 'kube-dns'})
  }
  // Each endpoint's own name. kube-dns has none for ClusterIP Services; CoreDNS answers them for every Service.
  if (profile.implementation === 'kube-dns' && !headless) return asks
  for (const endpoint of endpoints) {
    const label = endpointLabelFor(endpoint, profile)
    const state = endpoint.terminating ? 'terminating' : 'not ready'
    asks.push({
      name: fqdn(label, base),
      type: addressRecordType(endpoint.address),
      // Spec 2.4.1: a headless endpoint's name exists whatever its label (spec 2.1 lets the system assign one);
      // the label's form, and any name under a ClusterIP Service, is the server's.
      basis: headless ? 'spec' : implementation,
      absentReason: `endpoint ${endpoint.address}${endpoint.pod ? ` (pod ${endpoint.pod})` : ''} is ${state}`,
    })
  }
  return asks
}

function reverseQuestions(service: Service, endpoints: EndpointView[], implementation: RecordBasis): Ask[] {
  if (service.spec.type === 'ExternalName') return []
  const asks: Ask[] = clusterIPsOf(service).map((ip) => ({name: reverseName(ip), type: 'PTR', basis: 'spec'}))
  const headless = isHeadless(service)
  for (const endpoint of endpoints) {
    asks.push({
      name: reverseName(endpoint.address),
      type: 'PTR',
      basis: headless ? 'spec' : implementation,
    })
  }
  return asks
}

/** A ClusterIP Service whose names vanish when it has no ready endpoint: CoreDNS's `ignore empty_service`. */
function emptyServiceReason(service: Service, endpoints: EndpointView[], profile: DnsProfile): string | undefined {
  if (isHeadless(service) || profile.implementation !== 'coredns' || !profile.kubernetes.ignoreEmptyService)
    return undefined
  return endpoints.some((endpoint) => endpoint.ready)
    ? undefined
    : 'the service has no ready endpoints and CoreDNS runs with `ignore empty_service`'
}

/** Any other reason the server has not to serve a Service's name: an option that hides it. */
function unservedReason(profile: DnsProfile): string {
  if (profile.implementation === 'coredns' && profile.kubernetes.noEndpoints)
    return 'CoreDNS runs with `noendpoints`: it reads no EndpointSlices, so headless names do not exist'
  return `${profile.implementation === 'kube-dns' ? 'kube-dns' : 'CoreDNS'} does not serve this name (its options hide it)`
}

function reasonFor(ask: Ask, answer: PredictedAnswer, profile: DnsProfile): string {
  const reason = ask.absentReason ?? ''
  if (answer.rcode === 'NXDOMAIN') return reason
  return `${reason} (${profile.implementation === 'kube-dns' ? 'kube-dns' : 'CoreDNS'} answers no ${ask.type} records)`
}

/** Endpoints the EndpointSlice controller marks ready: every one under publishNotReadyAddresses. */
function publishedOf(service: Service, endpoints: EndpointView[]): EndpointView[] {
  return service.spec.publishNotReadyAddresses ? endpoints : endpoints.filter((endpoint) => endpoint.ready)
}

/**
 * One slice per port set, rebuilt from the views when the caller has no slices (a unit test, a legacy cluster).
 * publishNotReadyAddresses marks every endpoint ready, as the EndpointSlice controller does.
 */
function slicesFromViews(service: Service, endpoints: EndpointView[]): EndpointSlice[] {
  const publishAll = service.spec.publishNotReadyAddresses ?? false
  return byPortSet(endpoints).map((group, index) => ({
    kind: 'EndpointSlice',
    addressType: group[0].address.includes(':') ? 'IPv6' : 'IPv4',
    metadata: {
      name: `${service.metadata.name}-${index}`,
      namespace: service.metadata.namespace ?? 'default',
      labels: {[SERVICE_NAME_LABEL]: service.metadata.name},
    },
    ports: group[0].ports.map((port) => ({name: port.name, port: port.port, protocol: port.protocol})),
    endpoints: group.map((endpoint) => ({
      addresses: [endpoint.address],
      conditions: {ready: publishAll || endpoint.ready, serving: endpoint.serving, terminating: endpoint.terminating},
      ...(endpoint.hostname ? {hostname: endpoint.hostname} : {}),
      ...(endpoint.pod ? {targetRef: {kind: 'Pod', name: endpoint.pod}} : {}),
    })),
  }))
}

/** Endpoints grouped by their port set: one slice (or Endpoints subset) each, as the controllers write them. */
function byPortSet(endpoints: EndpointView[]): EndpointView[][] {
  const groups = new Map<string, EndpointView[]>()
  for (const endpoint of endpoints) {
    const key = JSON.stringify(endpoint.ports)
    groups.set(key, [...(groups.get(key) ?? []), endpoint])
  }
  return [...groups.values()]
}

/** The core/v1 Endpoints the endpoints controller mirrors from the same pods, for kube-dns. */
export function endpointsFromViews(service: Service, endpoints: EndpointView[]): Endpoints {
  const publishAll = service.spec.publishNotReadyAddresses ?? false
  const address = (endpoint: EndpointView) => ({
    ip: endpoint.address,
    ...(endpoint.hostname ? {hostname: endpoint.hostname} : {}),
    ...(endpoint.pod ? {targetRef: {kind: 'Pod', name: endpoint.pod}} : {}),
  })
  return {
    kind: 'Endpoints',
    metadata: {name: service.metadata.name, namespace: service.metadata.namespace ?? 'default'},
    subsets: byPortSet(endpoints).map((group) => ({
      addresses: group.filter((endpoint) => publishAll || (endpoint.ready && !endpoint.terminating)).map(address),
      notReadyAddresses: group
        .filter((endpoint) => !(publishAll || (endpoint.ready && !endpoint.terminating)))
        .map(address),
      ports: group[0].ports.map((port) => ({name: port.name || undefined, port: port.port, protocol: port.protocol})),
    })),
  }
}

export function srvName(portName: string, protocol: string | undefined, base: string): string {
  return fqdn(`_${portName}`, `_${(protocol ?? 'TCP').toLowerCase()}`, base)
}

export function srvData(srvWeight: number, port: number, target: string): string {
  return `0 ${srvWeight} ${port} ${target}`
}

/** plugin/backend_lookup.go SRV: floor(100 / entries), at least 1. */
export function weight(entries: number): number {
  return Math.max(1, Math.floor(100 / Math.max(entries, 1)))
}

const TYPE_ORDER: Record<RecordType, number> = {A: 0, AAAA: 1, CNAME: 2, SRV: 3, PTR: 4}

/** The dots in a name. */
function labelCount(name: string): number {
  return name.split('.').length - 1
}
