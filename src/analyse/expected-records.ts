// The DNS records a Service should have, computed from plain objects the way the Kubernetes DNS-Based Service
// Discovery specification (kubernetes/dns docs/specification.md, "spec" below) and CoreDNS's kubernetes plugin
// (plugin/kubernetes/kubernetes.go findServices, reverse.go, plugin/backend_lookup.go) define them.
// Where the two differ, CoreDNS wins, since it is what clusters run; each such place says so.
import {isIP} from 'node:net'
import type {Service} from '../model/k8s.js'
import type {AbsentName, DnsRecord, EndpointView, RecordType} from '../model/report.js'
import {addressRecordType, dashedAddress, fqdn, reverseName, serviceFqdn, sortNaturally} from './dns-names.js'
import {publishedEndpoints} from './published.js'

export interface ExpectedDns {
  records: DnsRecord[]
  mustNotResolve: AbsentName[]
}

export function isHeadless(service: Service): boolean {
  return service.spec.clusterIP === 'None'
}

export function clusterIPsOf(service: Service): string[] {
  const ips = service.spec.clusterIPs?.length
    ? service.spec.clusterIPs
    : service.spec.clusterIP
      ? [service.spec.clusterIP]
      : []
  return ips.filter((ip) => ip !== 'None' && ip !== '')
}

/** The label an endpoint is known by: its hostname, else CoreDNS's dashed address (spec 2.4.1). */
export function endpointLabel(endpoint: EndpointView): string {
  return endpoint.hostname || dashedAddress(endpoint.address)
}

export function expectedRecords(service: Service, endpoints: EndpointView[], zone: string): ExpectedDns {
  const namespace = service.metadata.namespace ?? 'default'
  const base = serviceFqdn(service.metadata.name, namespace, zone)
  const out = new RecordSet()

  if (service.spec.type === 'ExternalName') {
    const target = service.spec.externalName ?? ''
    // CoreDNS serves the CNAME only when externalName is a name (msg.Service.HostType); an IP gets NXDOMAIN.
    if (target && isIP(target) === 0) out.add(base, 'CNAME', fqdn(target))
    else out.absent(base, 'CNAME', 'externalName is not a DNS name, so CoreDNS serves no CNAME for it')
    return out.result()
  }

  if (!isHeadless(service)) {
    clusterIPRecords(service, base, out)
    return out.result()
  }
  headlessRecords(service, endpoints, base, out)
  return out.result()
}

/** Spec 2.3: ClusterIP (and NodePort, LoadBalancer) services. */
function clusterIPRecords(service: Service, base: string, out: RecordSet): void {
  const ips = clusterIPsOf(service)
  const ports = service.spec.ports ?? []
  // Spec 2.3.1 / 2.3.2: one A or AAAA record per cluster IP (dual-stack: one of each).
  for (const ip of ips) out.add(base, addressRecordType(ip), ip)
  // Spec 2.3.3: SRV `_<port>._<proto>.<svc>` for each named port, target the service name. CoreDNS builds one
  // entry per (port, cluster IP) and weighs 100/entries, then drops duplicate (target, port) pairs, so a
  // dual-stack service answers one SRV with weight 50.
  // No cluster IP yet (a manifest not applied): CoreDNS would answer nothing for it.
  if (ips.length === 0) return
  for (const port of ports) {
    if (!port.name) continue
    out.add(srvName(port.name, port.protocol, base), 'SRV', srvData(weight(ips.length), port.port, base))
  }
  // CoreDNS (not the spec): SRV on the bare service name answers every port, named or not.
  for (const port of ports) out.add(base, 'SRV', srvData(weight(ips.length * ports.length), port.port, base))
  // Spec 2.3.4: PTR for each cluster IP.
  for (const ip of ips) out.add(reverseName(ip), 'PTR', base)
}

/** Spec 2.4: headless services. */
function headlessRecords(service: Service, endpoints: EndpointView[], base: string, out: RecordSet): void {
  const published = publishedEndpoints(endpoints, service.spec.publishNotReadyAddresses ?? false)
  if (published.length === 0) {
    // CoreDNS findServices finds nothing to answer and replies NXDOMAIN for every name of the service.
    out.absent(base, 'A', 'the headless service has no ready endpoints')
  }
  // Each endpoint's own name, `<hostname or dashed address>.<svc>`, is used four times below.
  const names = new Map<EndpointView, string>()
  const nameOf = (endpoint: EndpointView) => {
    let name = names.get(endpoint)
    if (name === undefined) names.set(endpoint, (name = fqdn(endpointLabel(endpoint), base)))
    return name
  }
  // Spec 2.4.1: one A/AAAA per ready endpoint on the service name, and on `<hostname>.<svc>`.
  for (const endpoint of published) out.add(base, addressRecordType(endpoint.address), endpoint.address)
  for (const endpoint of published) out.add(nameOf(endpoint), addressRecordType(endpoint.address), endpoint.address)

  // Spec 2.4.2: SRV per named port and ready endpoint, target the endpoint's name, port the endpoint's port
  // (the pod's port: a headless service translates nothing). CoreDNS weighs 100/matching entries.
  const pairs = published.flatMap((endpoint) => endpoint.ports.map((port) => ({endpoint, port})))
  const named = new Map<string, typeof pairs>()
  for (const pair of pairs) {
    if (!pair.port.name) continue
    const owner = srvName(pair.port.name, pair.port.protocol, base)
    named.set(owner, [...(named.get(owner) ?? []), pair])
  }
  for (const [owner, matches] of named) {
    for (const {endpoint, port} of matches) {
      out.add(owner, 'SRV', srvData(weight(matches.length), port.port, nameOf(endpoint)))
    }
  }
  // CoreDNS (not the spec): SRV on the bare service name answers every (endpoint, port), named or not. An
  // endpoint without ports (a service without ports) has no SRV at all (CoreDNS's port -1 sentinel).
  for (const {endpoint, port} of pairs) {
    out.add(base, 'SRV', srvData(weight(pairs.length), port.port, nameOf(endpoint)))
  }

  // Spec 2.4.3 asks PTR only for endpoints with a hostname; CoreDNS (reverse.go serviceRecordForIP) answers
  // every ready endpoint address, with the dashed name when there is no hostname. We follow CoreDNS.
  for (const endpoint of published) out.add(reverseName(endpoint.address), 'PTR', nameOf(endpoint))

  // Endpoints left out of DNS: their per-endpoint names must not resolve (unless a published one shares it).
  const publishedNames = new Set(published.map(nameOf))
  const inDns = new Set(published)
  for (const endpoint of endpoints) {
    if (inDns.has(endpoint)) continue
    const name = nameOf(endpoint)
    if (publishedNames.has(name)) continue
    const state = endpoint.terminating ? 'terminating' : 'not ready'
    out.absent(
      name,
      addressRecordType(endpoint.address),
      `endpoint ${endpoint.address}${endpoint.pod ? ` (pod ${endpoint.pod})` : ''} is ${state}`,
    )
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

class RecordSet {
  private readonly records = new Map<string, DnsRecord>()
  private readonly absentNames = new Map<string, AbsentName>()

  add(name: string, type: RecordType, data: string): void {
    const key = `${name} ${type} ${srvIdentity(type, data)}`
    if (!this.records.has(key)) this.records.set(key, {name, type, data, status: 'expected'})
  }

  absent(name: string, type: RecordType, reason: string): void {
    if (!this.absentNames.has(name)) this.absentNames.set(name, {name, type, reason})
  }

  result(): ExpectedDns {
    // By type, then shorter names first (the service name leads its endpoints), names and data in natural order
    // (pod-2 before pod-10).
    const records = sortNaturally([...this.records.values()], (record) => [
      TYPE_ORDER[record.type],
      labelCount(record.name),
      record.name,
      record.data,
    ])
    return {records, mustNotResolve: [...this.absentNames.values()]}
  }
}

/** CoreDNS drops SRV answers whose (target, port) repeats, whatever their weight. */
function srvIdentity(type: RecordType, data: string): string {
  if (type !== 'SRV') return data
  const fields = data.split(' ')
  return `${fields[2]} ${fields[3]}`
}

/** The dots in a name (split is native: a loop over the characters runs slowly in cold code). */
function labelCount(name: string): number {
  return name.split('.').length - 1
}
