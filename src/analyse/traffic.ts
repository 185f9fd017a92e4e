// The Service's traffic policies as kube-proxy applies them (kubernetes pkg/proxy/topology.go,
// CategorizeEndpoints): internalTrafficPolicy, externalTrafficPolicy, sessionAffinity, and the topology hints
// trafficDistribution puts on its EndpointSlices. What they explain is "it works from some clients, not from
// others"; every finding here says which clients. Pure.
import type {Service} from '../model/k8s.js'
import type {ClientTraffic, EndpointView, Finding, ServiceReport, TrafficSection} from '../model/report.js'
import {sortNaturally} from './dns-names.js'
import {isHeadless} from './expected-records.js'

/** The API's default for sessionAffinityConfig.clientIP.timeoutSeconds (three hours). */
const DEFAULT_AFFINITY_TIMEOUT = 10800
const TOPOLOGY_ANNOTATIONS = ['service.kubernetes.io/topology-mode', 'service.kubernetes.io/topology-aware-hints']

/**
 * kube-proxy's usable endpoints: the ready ones, else (when none is ready) the serving, terminating ones.
 * `among` narrows the set first (e.g. to one node's endpoints) before that fallback, as Local policies do.
 */
export function usableEndpoints(endpoints: EndpointView[], among = (_endpoint: EndpointView) => true): EndpointView[] {
  const candidates = endpoints.filter(among)
  const ready = candidates.filter((endpoint) => endpoint.ready)
  return ready.length > 0 ? ready : candidates.filter((endpoint) => endpoint.serving && endpoint.terminating)
}

/** The traffic section and its findings, when the Service sets a policy or its endpoints carry hints. */
export function trafficOf(
  service: Service,
  endpoints: EndpointView[],
): {traffic?: TrafficSection; findings: Finding[]} {
  const {spec} = service
  if (spec.type === 'ExternalName') return {findings: []}
  const internal = spec.internalTrafficPolicy ?? 'Cluster'
  const external =
    spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? (spec.externalTrafficPolicy ?? 'Cluster') : undefined
  const affinity = spec.sessionAffinity ?? 'None'
  // Topology Aware Routing (the annotations trafficDistribution supersedes) is on with Auto, off with anything else.
  const annotated = TOPOLOGY_ANNOTATIONS.find((key) => service.metadata.annotations?.[key]?.toLowerCase() === 'auto')
  const hinted = endpoints.some((endpoint) => endpoint.hints)
  if (
    internal === 'Cluster' &&
    external !== 'Local' &&
    affinity === 'None' &&
    !spec.trafficDistribution &&
    !annotated &&
    !hinted
  )
    return {findings: []}
  const usable = usableEndpoints(endpoints)
  const nodesWithEndpoints = [...new Set(usable.flatMap((endpoint) => (endpoint.node ? [endpoint.node] : [])))].sort()
  const traffic: TrafficSection = {
    internalTrafficPolicy: internal,
    ...(external ? {externalTrafficPolicy: external} : {}),
    ...(external === 'Local' && spec.healthCheckNodePort ? {healthCheckNodePort: spec.healthCheckNodePort} : {}),
    sessionAffinity: affinity,
    ...(affinity === 'ClientIP'
      ? {affinityTimeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT}
      : {}),
    ...(spec.trafficDistribution ? {trafficDistribution: spec.trafficDistribution} : {}),
    nodesWithEndpoints,
    ...hintGroups(endpoints),
  }
  const object = `service/${service.metadata.name}`
  const findings: Finding[] = []
  // kube-proxy does not proxy a headless Service: its clients dial the pods, and no traffic policy applies.
  if (isHeadless(service)) return {traffic, findings}
  const where = (nodes: string[]) => (nodes.length > 0 ? nodes.join(', ') : 'none')
  if (internal === 'Local' && usable.length > 0)
    findings.push({
      code: 'InternalTrafficPolicyLocal',
      severity: 'info',
      object,
      message: `internalTrafficPolicy: Local: a pod reaches the ClusterIP only from a node with an endpoint (${where(nodesWithEndpoints)}); from any other node its traffic is dropped`,
      hint: 'run the clients where the endpoints run (e.g. the Service backed by a DaemonSet), or set internalTrafficPolicy: Cluster; --from says what one client gets',
    })
  if (external === 'Local' && usable.length > 0) {
    const nodePorts = service.spec.ports?.flatMap((port) => (port.nodePort ? [port.nodePort] : [])) ?? []
    const health = spec.type === 'LoadBalancer' && spec.healthCheckNodePort
    findings.push({
      code: 'ExternalTrafficPolicyLocal',
      severity: 'info',
      object,
      message: `externalTrafficPolicy: Local: external traffic to a node's port${nodePorts.length === 1 ? '' : 's'} ${nodePorts.join(', ') || '(no node port)'} is served only on nodes with an endpoint (${where(nodesWithEndpoints)}); other nodes drop it${health ? `. The load balancer's health check on node port ${spec.healthCheckNodePort} fails on those nodes and takes them out` : ''}`,
      hint: `send external clients${spec.type === 'LoadBalancer' ? ' (or the load balancer)' : ''} to the nodes with an endpoint, or set externalTrafficPolicy: Cluster (the client source IP is then not kept)`,
    })
  }
  if (affinity === 'ClientIP')
    findings.push({
      code: 'SessionAffinityClientIP',
      severity: 'info',
      object,
      message: `sessionAffinity: ClientIP: each client IP keeps going to the endpoint it first reached, for ${traffic.affinityTimeoutSeconds} s after its last connection; a client pinned to a pod that answers badly but stays ready keeps failing while other clients work`,
      hint: 'find the endpoint the failing client is pinned to; lower sessionAffinityConfig.clientIP.timeoutSeconds or set sessionAffinity: None',
    })
  const distribution =
    spec.trafficDistribution ?? (annotated ? `${annotated}=${service.metadata.annotations?.[annotated]}` : undefined)
  const ready = endpoints.filter((endpoint) => endpoint.ready)
  if ((distribution || hinted) && ready.length > 0) {
    const groups = traffic.nodeHints
      ? traffic.nodeHints.map((group) => `node ${group.node}: ${group.endpoints.join(', ')}`)
      : (traffic.zoneHints?.map((group) => `zone ${group.zone}: ${group.endpoints.join(', ')}`) ?? [])
    findings.push({
      code: 'TrafficDistribution',
      severity: 'info',
      object,
      message:
        groups.length > 0
          ? `${distribution ?? 'topology hints'}: kube-proxy sends a client only to the endpoints hinted for its ${traffic.nodeHints ? 'node (else its zone)' : 'zone'} (${groups.join('; ')}); a client whose ${traffic.nodeHints ? 'node or zone' : 'zone'} has broken endpoints fails while others work`
          : `${distribution}: the ready endpoints carry no complete hints, so kube-proxy spreads traffic over all of them`,
      hint:
        groups.length > 0
          ? "--from shows which endpoints one client's node sends it to; check those endpoints"
          : 'the EndpointSlice controller sets hints only when every endpoint has a zone (and, for Topology Aware Routing, enough endpoints per zone)',
    })
  }
  return {traffic, findings}
}

/** Ready endpoints per zone and per node hint, only when every ready endpoint has one (else kube-proxy ignores them). */
function hintGroups(endpoints: EndpointView[]): Pick<TrafficSection, 'zoneHints' | 'nodeHints'> {
  const ready = endpoints.filter((endpoint) => endpoint.ready)
  const group = (pick: (endpoint: EndpointView) => string[] | undefined) => {
    if (ready.length === 0 || ready.some((endpoint) => !pick(endpoint)?.length)) return undefined
    const by = new Map<string, string[]>()
    for (const endpoint of ready)
      for (const key of pick(endpoint) ?? []) by.set(key, [...(by.get(key) ?? []), endpoint.address])
    return sortNaturally([...by], ([key]) => [key])
  }
  const zones = group((endpoint) => endpoint.hints?.forZones)
  const nodes = group((endpoint) => endpoint.hints?.forNodes)
  return {
    ...(zones ? {zoneHints: zones.map(([zone, list]) => ({zone, endpoints: list}))} : {}),
    ...(nodes ? {nodeHints: nodes.map(([node, list]) => ({node, endpoints: list}))} : {}),
  }
}

/** Whether the client node's zone decides where its traffic goes (then a Node read may be worth it). */
export function zoneMatters(report: ServiceReport): boolean {
  const traffic = report.traffic
  return !!traffic?.zoneHints && traffic.internalTrafficPolicy !== 'Local' && !report.service.headless
}

/** The client node's zone from an endpoint on the same node (its slice copies the node's zone label). */
export function zoneFromEndpoints(endpoints: EndpointView[], node: string): string | undefined {
  return endpoints.find((endpoint) => endpoint.node === node && endpoint.zone)?.zone
}

/**
 * Which endpoints kube-proxy on the client's node sends its ClusterIP traffic to (topologyModeFromHints and
 * CategorizeEndpoints), and a finding when the client's node explains a failure: Local with no endpoint on it.
 */
export function clientTraffic(
  report: ServiceReport,
  who: string,
  node: string | undefined,
  zone: string | undefined,
): {traffic?: ClientTraffic; findings: Finding[]} {
  const section = report.traffic
  const {service} = report
  if (!section || service.headless || service.type === 'ExternalName' || !node) return {findings: []}
  const addresses = (list: EndpointView[]) => list.map((endpoint) => endpoint.address)
  if (section.internalTrafficPolicy === 'Local') {
    const local = usableEndpoints(report.endpoints, (endpoint) => endpoint.node === node)
    if (local.length > 0)
      return {
        traffic: {rule: `internalTrafficPolicy: Local: the endpoints on ${node}`, endpoints: addresses(local)},
        findings: [],
      }
    const anywhere = usableEndpoints(report.endpoints)
    return {
      traffic: {rule: `internalTrafficPolicy: Local: no endpoint on ${node}: dropped`, endpoints: []},
      findings:
        anywhere.length === 0
          ? []
          : [
              {
                code: 'TrafficPolicyDropsClient',
                severity: 'error',
                object: who,
                message: `the client runs on ${node}, where ${service.name} has no ready endpoint; with internalTrafficPolicy: Local its traffic to the ClusterIP is dropped (the endpoints run on ${section.nodesWithEndpoints.join(', ') || 'no node'})`,
                hint: `run a ${service.name} pod on ${node} (e.g. a DaemonSet), run the client where one runs, or set internalTrafficPolicy: Cluster`,
              },
            ],
    }
  }
  const ready = report.endpoints.filter((endpoint) => endpoint.ready)
  const all = usableEndpoints(report.endpoints)
  // topologyModeFromHints: node hints when every ready endpoint has one and one names this node; else zone
  // hints when every ready endpoint has one and one names this zone; else all endpoints.
  if (section.nodeHints?.some((group) => group.node === node)) {
    const served = ready.filter((endpoint) => endpoint.hints?.forNodes?.includes(node))
    return narrowed(report, who, `node hints for ${node}`, addresses(served), all.length)
  }
  if (section.zoneHints) {
    if (!zone)
      return {
        traffic: {rule: "zone hints, but the client node's zone is not known", endpoints: addresses(all)},
        findings: [],
      }
    if (section.zoneHints.some((group) => group.zone === zone)) {
      const served = ready.filter((endpoint) => endpoint.hints?.forZones?.includes(zone))
      return narrowed(report, who, `zone hints for ${zone}`, addresses(served), all.length)
    }
    return {
      traffic: {rule: `no endpoint hinted for zone ${zone}: all endpoints`, endpoints: addresses(all)},
      findings: [],
    }
  }
  return {traffic: {rule: 'all ready endpoints', endpoints: addresses(all)}, findings: []}
}

function narrowed(
  report: ServiceReport,
  who: string,
  rule: string,
  served: string[],
  total: number,
): {traffic: ClientTraffic; findings: Finding[]} {
  const findings: Finding[] =
    served.length < total
      ? [
          {
            code: 'ClientServedByHints',
            severity: 'info',
            object: who,
            message: `kube-proxy on the client's node sends it only to ${served.join(', ')} (${rule}), ${served.length} of ${total} ready endpoints: if those misbehave, this client fails while clients elsewhere work`,
            hint: `check ${served.length === 1 ? 'that endpoint' : 'those endpoints'}; the hints come from ${report.traffic?.trafficDistribution ? `trafficDistribution: ${report.traffic.trafficDistribution}` : "the Service's topology settings"}`,
          },
        ]
      : []
  return {traffic: {rule, endpoints: served}, findings}
}
