// The objects a cluster DNS server reads, indexed the way the servers index them. Pure.
import type {Endpoints, EndpointSlice, Pod, Service} from '../../model/k8s.js'

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'

export interface NamespaceInfo {
  name: string
  labels: Record<string, string>
}

/** What a DNS server watches: Services, EndpointSlices (CoreDNS) or Endpoints (kube-dns, old CoreDNS), Pods, Namespaces. */
export interface DnsWorld {
  services: Service[]
  endpointSlices: EndpointSlice[]
  endpoints: Endpoints[]
  pods: Pod[]
  /** Namespace objects when known; every namespace an object lives in exists too. */
  namespaces: NamespaceInfo[]
}

const namespaceOf = (object: {metadata: {namespace?: string}}) => object.metadata.namespace ?? 'default'
const key = (namespace: string, name: string) => `${namespace}/${name}`

/** Sorts a bag of API objects (a recording, a dump) into a world; unknown kinds are ignored. */
export function worldFromObjects(objects: unknown[]): DnsWorld {
  const world: DnsWorld = {services: [], endpointSlices: [], endpoints: [], pods: [], namespaces: []}
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return
    const object = value as {
      kind?: string
      items?: unknown[]
      metadata?: {name?: string; labels?: Record<string, string>}
    }
    if (Array.isArray(object.items)) return object.items.forEach(visit)
    if (object.kind === 'Service') world.services.push(value as Service)
    else if (object.kind === 'EndpointSlice') world.endpointSlices.push(value as EndpointSlice)
    else if (object.kind === 'Endpoints') world.endpoints.push(value as Endpoints)
    else if (object.kind === 'Pod') world.pods.push(value as Pod)
    else if (object.kind === 'Namespace' && object.metadata?.name) {
      world.namespaces.push({name: object.metadata.name, labels: object.metadata.labels ?? {}})
    }
  }
  objects.forEach(visit)
  return world
}

/** The world as indexes: by namespace/name, by IP. Built once per prediction. */
export class IndexedWorld {
  readonly services = new Map<string, Service>()
  readonly slicesByService = new Map<string, EndpointSlice[]>()
  readonly endpointsByService = new Map<string, Endpoints>()
  readonly podsByIP = new Map<string, Pod[]>()
  readonly namespaces = new Map<string, Record<string, string>>()
  readonly hasSlices: boolean

  constructor(readonly world: DnsWorld) {
    for (const namespace of world.namespaces) this.namespaces.set(namespace.name, namespace.labels)
    const exists = (namespace: string) => {
      if (!this.namespaces.has(namespace)) this.namespaces.set(namespace, {})
    }
    for (const service of world.services) {
      exists(namespaceOf(service))
      this.services.set(key(namespaceOf(service), service.metadata.name), service)
    }
    for (const slice of world.endpointSlices) {
      const owner = slice.metadata.labels?.[SERVICE_NAME_LABEL]
      exists(namespaceOf(slice))
      if (!owner || slice.addressType === 'FQDN') continue
      const group = this.slicesByService.get(key(namespaceOf(slice), owner))
      if (group) group.push(slice)
      else this.slicesByService.set(key(namespaceOf(slice), owner), [slice])
    }
    for (const endpoints of world.endpoints) {
      exists(namespaceOf(endpoints))
      this.endpointsByService.set(key(namespaceOf(endpoints), endpoints.metadata.name), endpoints)
    }
    for (const pod of world.pods) {
      exists(namespaceOf(pod))
      const ip = pod.status?.podIP
      if (!ip) continue
      this.podsByIP.set(ip, [...(this.podsByIP.get(ip) ?? []), pod])
    }
    this.hasSlices = world.endpointSlices.length > 0 || world.endpoints.length === 0
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(key(namespace, name))
  }

  slices(namespace: string, service: string): EndpointSlice[] {
    return this.slicesByService.get(key(namespace, service)) ?? []
  }

  legacyEndpoints(namespace: string, service: string): Endpoints | undefined {
    return this.endpointsByService.get(key(namespace, service))
  }
}

/** A Service's cluster IPs (spec.clusterIPs, else spec.clusterIP), without `None` and the empty string. */
export function clusterIPsOf(service: Service): string[] {
  const ips = service.spec.clusterIPs?.length
    ? service.spec.clusterIPs
    : service.spec.clusterIP
      ? [service.spec.clusterIP]
      : []
  return ips.filter((ip) => ip !== 'None' && ip !== '')
}

export {namespaceOf}
