// A snapshot from a bag of objects (a dump file): the same ServiceSnapshot the cluster gateway produces.
import {chooseClusterDomain, zoneFromCoreDnsConfigMap} from '../analyse/cluster-domain.js'
import type {ConfigMap, Endpoints, EndpointSlice, KubeEvent, KubeObject, Pod, Service, Workload} from '../model/k8s.js'
import {detectDnsProfile} from '../analyse/dns-server/detect.js'
import type {DnsFlags, DnsProfile} from '../model/dns-profile.js'
import type {ClusterObjects, ServiceSnapshot} from '../model/report.js'
import {InspectError} from '../errors.js'
import {SERVICE_NAME_LABEL} from '../analyse/endpoints.js'

export function emptyObjects(): ClusterObjects {
  return {
    services: [],
    endpointSlices: [],
    endpoints: [],
    pods: [],
    events: [],
    configMaps: [],
    deployments: [],
    daemonSets: [],
  }
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
      case 'Deployment':
        objects.deployments?.push(value as Workload)
        break
      case 'DaemonSet':
        objects.daemonSets?.push(value as Workload)
        break
      case 'NetworkPolicy':
        ;(objects.networkPolicies ??= []).push(value as KubeObject)
        break
      case 'Namespace':
        ;(objects.namespaces ??= []).push(value as KubeObject)
        break
      case 'Node':
        ;(objects.nodes ??= []).push(value as KubeObject)
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
export function findService(
  objects: ClusterObjects,
  name: string,
  namespace: string | undefined,
  source: string,
): Service {
  const named = objects.services.filter((service) => service.metadata.name === name)
  const matches = namespace ? named.filter((service) => namespaceOf(service) === namespace) : named
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) {
    throw new InspectError(
      `service "${name}" exists in namespaces ${matches.map(namespaceOf).join(', ')} of ${source}; choose one with -n`,
    )
  }
  throw new InspectError(`services "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''} in ${source}`)
}

/** Objects grouped by namespace, slices by service: a scan of thousands of services reads each list once. */
export interface ObjectIndex {
  namespaces: Map<string, NamespaceObjects>
  clusterDomain: (flag: string | undefined) => ServiceSnapshot['clusterDomain']
  /** The DNS server profile from the dump's kube-system objects and the flags. */
  dnsProfile: (flags: DnsFlags) => DnsProfile
  /** True when the dump has NetworkPolicies (else they were not dumped, and nothing is said about them). */
  networkPoliciesDumped: boolean
  namespaceObjects: KubeObject[]
  /** True when the dump has EndpointSlices, or has no v1 Endpoints either (then there are simply none). */
  hasEndpointSlices: boolean
}

interface NamespaceObjects {
  slicesByService: Map<string, EndpointSlice[]>
  endpointsByName: Map<string, Endpoints>
  pods: Pod[]
  events: KubeEvent[]
  networkPolicies: KubeObject[]
}

export function indexObjects(objects: ClusterObjects): ObjectIndex {
  const namespaces = new Map<string, NamespaceObjects>()
  const of = (namespace: string) => {
    let entry = namespaces.get(namespace)
    if (!entry) {
      entry = {slicesByService: new Map(), endpointsByName: new Map(), pods: [], events: [], networkPolicies: []}
      namespaces.set(namespace, entry)
    }
    return entry
  }
  for (const slice of objects.endpointSlices) {
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL]
    if (!service) continue
    const bucket = of(namespaceOf(slice)).slicesByService
    bucket.set(service, [...(bucket.get(service) ?? []), slice])
  }
  for (const endpoints of objects.endpoints)
    of(namespaceOf(endpoints)).endpointsByName.set(endpoints.metadata.name, endpoints)
  for (const pod of objects.pods) of(namespaceOf(pod)).pods.push(pod)
  for (const event of objects.events) of(namespaceOf(event)).events.push(event)
  for (const policy of objects.networkPolicies ?? []) of(namespaceOf(policy)).networkPolicies.push(policy)
  const coredns = objects.configMaps.find(
    (configMap) => configMap.metadata.name === 'coredns' && configMap.metadata.namespace === 'kube-system',
  )
  const zone = zoneFromCoreDnsConfigMap(coredns)
  const profiles = new Map<string, DnsProfile>()
  return {
    namespaces,
    clusterDomain: (flag) => chooseClusterDomain(flag, zone),
    dnsProfile: (flags) => {
      const key = JSON.stringify(flags)
      let profile = profiles.get(key)
      if (!profile) {
        profile = detectDnsProfile({
          configMaps: objects.configMaps,
          deployments: objects.deployments ?? [],
          daemonSets: objects.daemonSets ?? [],
          flags,
        })
        profiles.set(key, profile)
      }
      return profile
    },
    hasEndpointSlices: objects.endpointSlices.length > 0 || objects.endpoints.length === 0,
    networkPoliciesDumped: (objects.networkPolicies ?? []).length > 0,
    namespaceObjects: objects.namespaces ?? [],
  }
}

export function snapshotFromIndex(
  index: ObjectIndex,
  service: Service,
  clusterDomainFlag: string | undefined,
  dnsFlags: DnsFlags = {},
): ServiceSnapshot {
  const objects = index.namespaces.get(namespaceOf(service))
  return {
    service,
    endpointSlices: index.hasEndpointSlices ? (objects?.slicesByService.get(service.metadata.name) ?? []) : undefined,
    endpoints: index.hasEndpointSlices ? undefined : objects?.endpointsByName.get(service.metadata.name),
    pods: objects?.pods ?? [],
    events: objects?.events ?? [],
    clusterDomain: index.clusterDomain(clusterDomainFlag),
    readProblems: [],
    dnsProfile: index.dnsProfile({...dnsFlags, clusterDomain: clusterDomainFlag}),
    // Only a dump that has NetworkPolicies says anything about them: without any, they were not dumped.
    ...(index.networkPoliciesDumped
      ? {networkPolicies: objects?.networkPolicies ?? [], namespaces: index.namespaceObjects}
      : {}),
  }
}

export function snapshotFromObjects(
  objects: ClusterObjects,
  service: Service,
  clusterDomainFlag: string | undefined,
  dnsFlags: DnsFlags = {},
): ServiceSnapshot {
  return snapshotFromIndex(indexObjects(objects), service, clusterDomainFlag, dnsFlags)
}
