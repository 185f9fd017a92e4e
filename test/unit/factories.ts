// Small factories for the DNS-side tables: Services, EndpointSlices and their endpoints, in the wire form
// `kubectl get -o json` prints, so a table row stays a one-liner. Pods/events for the diagnosis tests live in
// recorded.ts.
import type {Endpoints, EndpointSlice, EndpointSliceEndpoint, Service, ServicePort} from '../../src/model/k8s.js'
import type {DnsRecord} from '../../src/model/report.js'
import {endpointsFromSlices, slicesOfService} from '../../src/analyse/endpoints.js'
import {expectedRecords, type ExpectedDns} from '../../src/analyse/expected-records.js'

export const NS = 'default'

type Spec = Service['spec']

/** A Service; `spec` is merged over {type: ClusterIP, selector: {app: name}}. */
export function service(name: string, spec: Partial<Spec> = {}, namespace = NS): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name, namespace, uid: `uid-svc-${name}`},
    spec: {type: 'ClusterIP', selector: {app: name}, ...spec},
  }
}

/** A ClusterIP Service; several IPs make it dual-stack (clusterIPs[0] is clusterIP, as the API has it). */
export function clusterIP(
  name: string,
  ips: string | string[],
  ports: ServicePort[] = [port('http', 80)],
  extra: Partial<Spec> = {},
): Service {
  const list = Array.isArray(ips) ? ips : [ips]
  const families = list.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'))
  return service(name, {clusterIP: list[0], clusterIPs: list, ipFamilies: families, ports, ...extra})
}

export function headless(name: string, ports: ServicePort[] = [port('http', 80)], extra: Partial<Spec> = {}): Service {
  return service(name, {clusterIP: 'None', clusterIPs: ['None'], ports, ...extra})
}

export function externalName(name: string, target: string): Service {
  return service(name, {type: 'ExternalName', externalName: target, selector: undefined})
}

/** A Service port; name '' leaves it unnamed. targetPort defaults to the port, as the API defaults it. */
export function port(
  name: string,
  number: number,
  protocol = 'TCP',
  targetPort: number | string = number,
): ServicePort {
  return {...(name ? {name} : {}), port: number, protocol, targetPort}
}

export interface EndpointOptions {
  /** null writes `ready: null`; 'absent' leaves out the whole conditions object. */
  ready?: boolean | null
  serving?: boolean | null
  terminating?: boolean | null
  hostname?: string
  pod?: string
  node?: string
  noConditions?: boolean
}

export function endpoint(addresses: string | string[], options: EndpointOptions = {}): EndpointSliceEndpoint {
  const ready = options.ready === undefined ? true : options.ready
  const out: EndpointSliceEndpoint = {addresses: Array.isArray(addresses) ? addresses : [addresses]}
  if (!options.noConditions) {
    out.conditions = {
      ready,
      serving: options.serving === undefined ? ready : options.serving,
      terminating: options.terminating === undefined ? false : options.terminating,
    }
  }
  if (options.hostname) out.hostname = options.hostname
  if (options.node) out.nodeName = options.node
  if (options.pod) out.targetRef = {kind: 'Pod', name: options.pod, namespace: NS, uid: `uid-pod-${options.pod}`}
  return out
}

export type SlicePort = {name?: string | null; port?: number | null; protocol?: string | null}

export function epPort(name: string, number: number, protocol = 'TCP'): SlicePort {
  return {name, port: number, protocol}
}

let sliceCounter = 0

/** An EndpointSlice labelled for `serviceName`; ports default to one `http` port 8080 (the pods' port). */
export function slice(
  serviceName: string,
  endpoints: EndpointSliceEndpoint[],
  ports: SlicePort[] | null = [epPort('http', 8080)],
  options: {addressType?: string; namespace?: string; name?: string} = {},
): EndpointSlice {
  const addressType = options.addressType ?? (endpoints[0]?.addresses[0]?.includes(':') ? 'IPv6' : 'IPv4')
  sliceCounter += 1
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: options.name ?? `${serviceName}-${sliceCounter.toString(36).padStart(5, 'x')}`,
      namespace: options.namespace ?? NS,
      labels: {
        'kubernetes.io/service-name': serviceName,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType,
    endpoints,
    ports,
  }
}

/** core/v1 Endpoints with one subset. */
export function legacyEndpoints(
  name: string,
  ready: Array<{ip: string; hostname?: string; pod?: string}>,
  notReady: Array<{ip: string; hostname?: string; pod?: string}> = [],
  ports: Array<{name?: string; port: number; protocol?: string}> = [{name: 'http', port: 8080, protocol: 'TCP'}],
): Endpoints {
  const address = (entry: {ip: string; hostname?: string; pod?: string}) => ({
    ip: entry.ip,
    ...(entry.hostname ? {hostname: entry.hostname} : {}),
    ...(entry.pod ? {targetRef: {kind: 'Pod', name: entry.pod}} : {}),
  })
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {name, namespace: NS},
    subsets: [{addresses: ready.map(address), notReadyAddresses: notReady.map(address), ports}],
  }
}

/** The records of `svc` given slices (all of them: the service's own are picked as report.ts picks them). */
export function recordsFor(svc: Service, slices: EndpointSlice[] = [], zone = 'cluster.local'): ExpectedDns {
  const own = slicesOfService(slices, svc.metadata.namespace ?? NS, svc.metadata.name)
  return expectedRecords(svc, endpointsFromSlices(own), zone)
}

/** A record as one zone-file-like line: "name TYPE data". */
export function rr(record: Pick<DnsRecord, 'name' | 'type' | 'data'>): string {
  return `${record.name} ${record.type} ${record.data}`
}

/** FQDN of a service in the default namespace and zone, for terse expectations. */
export function svcName(name: string, namespace = NS, zone = 'cluster.local'): string {
  return `${name}.${namespace}.svc.${zone}.`
}

/** The same object moved to another namespace (Services and slices alike). */
export function inNamespace<T extends {metadata: {namespace?: string}}>(object: T, namespace: string): T {
  return {...object, metadata: {...object.metadata, namespace}}
}
