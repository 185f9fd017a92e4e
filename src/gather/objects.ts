// A snapshot from a bag of objects (a dump file): the same ServiceSnapshot the cluster gateway produces.
import {chooseClusterDomain, zoneFromCoreDnsConfigMap} from '../analyse/cluster-domain.js'
import type {ConfigMap, Endpoints, EndpointSlice, KubeEvent, Pod, Service} from '../model/k8s.js'
import type {ClusterObjects, ServiceSnapshot} from '../model/report.js'
import {InspectError} from '../errors.js'

export function emptyObjects(): ClusterObjects {
  return {services: [], endpointSlices: [], endpoints: [], pods: [], events: [], configMaps: []}
}

/** Sorts parsed documents by kind; `List`s (and `*List`s) are flattened, unknown kinds ignored. */
export function collectObjects(documents: unknown[]): ClusterObjects {
  const objects = emptyObjects()
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return
    const object = value as {kind?: string; items?: unknown[]; metadata?: unknown}
    if (Array.isArray(object.items) && (!object.kind || object.kind.endsWith('List'))) {
      object.items.forEach(visit)
      return
    }
    if (!object.metadata || typeof object.metadata !== 'object') return
    switch (object.kind) {
      case 'Service':
        objects.services.push(value as Service)
        break
      case 'EndpointSlice':
        objects.endpointSlices.push(value as EndpointSlice)
        break
      case 'Endpoints':
        objects.endpoints.push(value as Endpoints)
        break
      case 'Pod':
        objects.pods.push(value as Pod)
        break
      case 'Event':
        objects.events.push(value as KubeEvent)
        break
      case 'ConfigMap':
        objects.configMaps.push(value as ConfigMap)
        break
      default:
        break
    }
  }
  documents.forEach(visit)
  return objects
}

const namespaceOf = (object: {metadata: {namespace?: string}}) => object.metadata.namespace ?? 'default'

/** Finds the service by name; without a namespace, the only service of that name in the dump. */
export function findService(objects: ClusterObjects, name: string, namespace: string | undefined, source: string): Service {
  const named = objects.services.filter(service => service.metadata.name === name)
  const matches = namespace ? named.filter(service => namespaceOf(service) === namespace) : named
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) {
    throw new InspectError(`service "${name}" exists in namespaces ${matches.map(namespaceOf).join(', ')} of ${source}; choose one with -n`)
  }
  throw new InspectError(`services "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''} in ${source}`)
}

export function snapshotFromObjects(objects: ClusterObjects, service: Service, clusterDomainFlag: string | undefined): ServiceSnapshot {
  const namespace = namespaceOf(service)
  const inNamespace = <T extends {metadata: {namespace?: string}}>(list: T[]) => list.filter(object => namespaceOf(object) === namespace)
  const coredns = objects.configMaps.find(configMap => configMap.metadata.name === 'coredns' && configMap.metadata.namespace === 'kube-system')
  const hasEndpointSlices = objects.endpointSlices.length > 0 || objects.endpoints.length === 0
  return {
    service,
    endpointSlices: hasEndpointSlices ? inNamespace(objects.endpointSlices) : undefined,
    endpoints: hasEndpointSlices
      ? undefined
      : inNamespace(objects.endpoints).find(endpoints => endpoints.metadata.name === service.metadata.name),
    pods: inNamespace(objects.pods),
    events: inNamespace(objects.events),
    clusterDomain: chooseClusterDomain(clusterDomainFlag, zoneFromCoreDnsConfigMap(coredns)),
    readProblems: [],
  }
}
