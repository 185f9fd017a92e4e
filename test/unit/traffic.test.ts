// Traffic policies as kube-proxy applies them. Each row cites its rule: kubernetes pkg/proxy/topology.go
// (CategorizeEndpoints, topologyModeFromHints), the API reference of ServiceSpec, and the docs pages
// https://kubernetes.io/docs/concepts/services-networking/service-traffic-policy/ (internal),
// .../service/#traffic-policies and #session-affinity, .../topology-aware-routing/ and
// .../service/#traffic-distribution.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {EndpointSliceEndpoint, Service} from '../../src/model/k8s.js'
import type {Finding, ServiceReport, TrafficSection} from '../../src/model/report.js'
import {buildReport} from '../../src/analyse/report.js'
import {clientTraffic, trafficOf} from '../../src/analyse/traffic.js'
import {endpointsFromSlices} from '../../src/analyse/endpoints.js'
import {clusterIP, endpoint, headless, port, service, slice} from './factories.js'

type Hints = {zone?: string; forZones?: string[]; forNodes?: string[]}
const hinted = (base: EndpointSliceEndpoint, hints: Hints): EndpointSliceEndpoint => ({
  ...base,
  ...(hints.zone ? {zone: hints.zone} : {}),
  ...(hints.forZones || hints.forNodes
    ? {
        hints: {
          ...(hints.forZones ? {forZones: hints.forZones.map((name) => ({name}))} : {}),
          ...(hints.forNodes ? {forNodes: hints.forNodes.map((name) => ({name}))} : {}),
        },
      }
    : {}),
})
const a = (hints: Hints = {}) => hinted(endpoint('10.244.1.5', {pod: 'web-a', node: 'node-a'}), hints)
const b = (hints: Hints = {}) => hinted(endpoint('10.244.2.5', {pod: 'web-b', node: 'node-b'}), hints)
const web = (spec: Partial<Service['spec']> = {}) =>
  clusterIP('web', '10.96.0.50', [port('http', 80, 'TCP', 8080)], spec)

function run(svc: Service, endpoints: EndpointSliceEndpoint[]) {
  return trafficOf(svc, endpointsFromSlices([slice(svc.metadata.name, endpoints)]))
}

describe('trafficOf: the traffic section, and the infos that say which clients are served', () => {
  const rows: Array<{
    name: string
    service: Service
    endpoints: EndpointSliceEndpoint[]
    traffic?: TrafficSection
    findings: Finding[]
  }> = [
    {
      // ServiceSpec: internalTrafficPolicy and externalTrafficPolicy default to Cluster, sessionAffinity to None.
      name: 'every default: no section, nothing to say',
      service: web({internalTrafficPolicy: 'Cluster', sessionAffinity: 'None'}),
      endpoints: [a(), b()],
      findings: [],
    },
    {
      // service-traffic-policy: "When it's set to Local, only node local endpoints are considered"; a pod on a node
      // without one sees a Service with no endpoints (CategorizeEndpoints: localEndpoints empty).
      name: 'internalTrafficPolicy Local: which nodes have an endpoint',
      service: web({internalTrafficPolicy: 'Local'}),
      endpoints: [a(), b()],
      traffic: {
        internalTrafficPolicy: 'Local',
        sessionAffinity: 'None',
        nodesWithEndpoints: ['node-a', 'node-b'],
      },
      findings: [
        {
          code: 'InternalTrafficPolicyLocal',
          severity: 'info',
          object: 'service/web',
          message:
            'internalTrafficPolicy: Local: a pod reaches the ClusterIP only from a node with an endpoint (node-a, node-b); from any other node its traffic is dropped',
          hint: 'run the clients where the endpoints run (e.g. the Service backed by a DaemonSet), or set internalTrafficPolicy: Cluster; --from says what one client gets',
        },
      ],
    },
    {
      // CategorizeEndpoints: with no ready endpoint, the serving, terminating ones are used
      // (hasLocalServingTerminatingEndpoints).
      name: 'Local with only a serving, terminating endpoint: its node still serves',
      service: web({internalTrafficPolicy: 'Local'}),
      endpoints: [
        endpoint('10.244.3.5', {pod: 'web-c', node: 'node-c', ready: false, serving: true, terminating: true}),
      ],
      traffic: {internalTrafficPolicy: 'Local', sessionAffinity: 'None', nodesWithEndpoints: ['node-c']},
      findings: [
        {
          code: 'InternalTrafficPolicyLocal',
          severity: 'info',
          object: 'service/web',
          message:
            'internalTrafficPolicy: Local: a pod reaches the ClusterIP only from a node with an endpoint (node-c); from any other node its traffic is dropped',
          hint: 'run the clients where the endpoints run (e.g. the Service backed by a DaemonSet), or set internalTrafficPolicy: Cluster; --from says what one client gets',
        },
      ],
    },
    {
      // service/#traffic-policies: externalTrafficPolicy Local "only routes to node-local endpoints" for external
      // traffic; nodes without one drop it. Applies to NodePort and LoadBalancer only.
      name: 'externalTrafficPolicy Local on a NodePort: nodes without an endpoint drop external traffic',
      service: service('web', {
        type: 'NodePort',
        clusterIP: '10.96.0.50',
        clusterIPs: ['10.96.0.50'],
        ports: [{name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080}],
        externalTrafficPolicy: 'Local',
      }),
      endpoints: [a()],
      traffic: {
        internalTrafficPolicy: 'Cluster',
        externalTrafficPolicy: 'Local',
        sessionAffinity: 'None',
        nodesWithEndpoints: ['node-a'],
      },
      findings: [
        {
          code: 'ExternalTrafficPolicyLocal',
          severity: 'info',
          object: 'service/web',
          message:
            "externalTrafficPolicy: Local: external traffic to a node's port 30080 is served only on nodes with an endpoint (node-a); other nodes drop it",
          hint: 'send external clients to the nodes with an endpoint, or set externalTrafficPolicy: Cluster (the client source IP is then not kept)',
        },
      ],
    },
    {
      // ServiceSpec.healthCheckNodePort: "the health check node port for the service ... if
      // externalTrafficPolicy is set to Local"; the load balancer stops sending to nodes that fail it.
      name: 'externalTrafficPolicy Local on a LoadBalancer: the health check node port',
      service: service('web', {
        type: 'LoadBalancer',
        clusterIP: '10.96.0.50',
        clusterIPs: ['10.96.0.50'],
        ports: [{name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080}],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32000,
      }),
      endpoints: [a(), b()],
      traffic: {
        internalTrafficPolicy: 'Cluster',
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32000,
        sessionAffinity: 'None',
        nodesWithEndpoints: ['node-a', 'node-b'],
      },
      findings: [
        {
          code: 'ExternalTrafficPolicyLocal',
          severity: 'info',
          object: 'service/web',
          message:
            "externalTrafficPolicy: Local: external traffic to a node's port 30080 is served only on nodes with an endpoint (node-a, node-b); other nodes drop it. The load balancer's health check on node port 32000 fails on those nodes and takes them out",
          hint: 'send external clients (or the load balancer) to the nodes with an endpoint, or set externalTrafficPolicy: Cluster (the client source IP is then not kept)',
        },
      ],
    },
    {
      // ServiceSpec.sessionAffinity ClientIP; sessionAffinityConfig.clientIP.timeoutSeconds "Default value is
      // 10800 (for 3 hours)".
      name: 'sessionAffinity ClientIP: the default three hours',
      service: web({sessionAffinity: 'ClientIP'}),
      endpoints: [a(), b()],
      traffic: {
        internalTrafficPolicy: 'Cluster',
        sessionAffinity: 'ClientIP',
        affinityTimeoutSeconds: 10800,
        nodesWithEndpoints: ['node-a', 'node-b'],
      },
      findings: [
        {
          code: 'SessionAffinityClientIP',
          severity: 'info',
          object: 'service/web',
          message:
            'sessionAffinity: ClientIP: each client IP keeps going to the endpoint it first reached, for 10800 s after its last connection; a client pinned to a pod that answers badly but stays ready keeps failing while other clients work',
          hint: 'find the endpoint the failing client is pinned to; lower sessionAffinityConfig.clientIP.timeoutSeconds or set sessionAffinity: None',
        },
      ],
    },
    {
      // service/#traffic-distribution: PreferClose routes to same-zone endpoints through EndpointSlice hints;
      // topologyModeFromHints uses zone hints only when every ready endpoint has one.
      name: 'trafficDistribution PreferClose with zone hints: which zone reaches which endpoint',
      service: web({trafficDistribution: 'PreferClose'}),
      endpoints: [a({zone: 'zone-a', forZones: ['zone-a']}), b({zone: 'zone-b', forZones: ['zone-b']})],
      traffic: {
        internalTrafficPolicy: 'Cluster',
        sessionAffinity: 'None',
        trafficDistribution: 'PreferClose',
        nodesWithEndpoints: ['node-a', 'node-b'],
        zoneHints: [
          {zone: 'zone-a', endpoints: ['10.244.1.5']},
          {zone: 'zone-b', endpoints: ['10.244.2.5']},
        ],
      },
      findings: [
        {
          code: 'TrafficDistribution',
          severity: 'info',
          object: 'service/web',
          message:
            'PreferClose: kube-proxy sends a client only to the endpoints hinted for its zone (zone zone-a: 10.244.1.5; zone zone-b: 10.244.2.5); a client whose zone has broken endpoints fails while others work',
          hint: "--from shows which endpoints one client's node sends it to; check those endpoints",
        },
      ],
    },
    {
      // topologyModeFromHints: "Ignoring same-zone topology hints for service since one or more endpoints is
      // missing a zone hint" -> all endpoints.
      name: 'a ready endpoint without a hint: kube-proxy ignores them all',
      service: web({trafficDistribution: 'PreferClose'}),
      endpoints: [a({zone: 'zone-a', forZones: ['zone-a']}), b()],
      traffic: {
        internalTrafficPolicy: 'Cluster',
        sessionAffinity: 'None',
        trafficDistribution: 'PreferClose',
        nodesWithEndpoints: ['node-a', 'node-b'],
      },
      findings: [
        {
          code: 'TrafficDistribution',
          severity: 'info',
          object: 'service/web',
          message:
            'PreferClose: the ready endpoints carry no complete hints, so kube-proxy spreads traffic over all of them',
          hint: 'the EndpointSlice controller sets hints only when every endpoint has a zone (and, for Topology Aware Routing, enough endpoints per zone)',
        },
      ],
    },
    {
      // topology-aware-routing: "service.kubernetes.io/topology-mode annotation to Auto" enables hints; the
      // controller leaves them out when it cannot allocate them (e.g. too few endpoints per zone).
      name: 'Topology Aware Routing (annotation Auto) without hints: all endpoints',
      service: {
        ...web(),
        metadata: {name: 'web', namespace: 'default', annotations: {'service.kubernetes.io/topology-mode': 'Auto'}},
      },
      endpoints: [a(), b()],
      traffic: {internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', nodesWithEndpoints: ['node-a', 'node-b']},
      findings: [
        {
          code: 'TrafficDistribution',
          severity: 'info',
          object: 'service/web',
          message:
            'service.kubernetes.io/topology-mode=Auto: the ready endpoints carry no complete hints, so kube-proxy spreads traffic over all of them',
          hint: 'the EndpointSlice controller sets hints only when every endpoint has a zone (and, for Topology Aware Routing, enough endpoints per zone)',
        },
      ],
    },
    {
      // Any other value of the annotation (e.g. Disabled) turns Topology Aware Routing off.
      name: 'the annotation Disabled: nothing',
      service: {
        ...web(),
        metadata: {name: 'web', namespace: 'default', annotations: {'service.kubernetes.io/topology-mode': 'Disabled'}},
      },
      endpoints: [a(), b()],
      findings: [],
    },
    {
      // KEP-3015: PreferSameNode sets node hints (and zone hints as the fallback); topologyModeFromHints prefers
      // the node hints.
      name: 'PreferSameNode: node hints first',
      service: web({trafficDistribution: 'PreferSameNode'}),
      endpoints: [
        a({zone: 'zone-a', forZones: ['zone-a'], forNodes: ['node-a']}),
        b({zone: 'zone-a', forZones: ['zone-a'], forNodes: ['node-b']}),
      ],
      traffic: {
        internalTrafficPolicy: 'Cluster',
        sessionAffinity: 'None',
        trafficDistribution: 'PreferSameNode',
        nodesWithEndpoints: ['node-a', 'node-b'],
        zoneHints: [{zone: 'zone-a', endpoints: ['10.244.1.5', '10.244.2.5']}],
        nodeHints: [
          {node: 'node-a', endpoints: ['10.244.1.5']},
          {node: 'node-b', endpoints: ['10.244.2.5']},
        ],
      },
      findings: [
        {
          code: 'TrafficDistribution',
          severity: 'info',
          object: 'service/web',
          message:
            'PreferSameNode: kube-proxy sends a client only to the endpoints hinted for its node (else its zone) (node node-a: 10.244.1.5; node node-b: 10.244.2.5); a client whose node or zone has broken endpoints fails while others work',
          hint: "--from shows which endpoints one client's node sends it to; check those endpoints",
        },
      ],
    },
    {
      // kube-proxy does not program headless Services (no ClusterIP): their clients dial the pods; the section
      // still shows the settings, no finding claims an effect.
      name: 'headless with internalTrafficPolicy Local: shown, no finding',
      service: headless('web', [port('http', 80, 'TCP', 8080)], {internalTrafficPolicy: 'Local'}),
      endpoints: [a()],
      traffic: {internalTrafficPolicy: 'Local', sessionAffinity: 'None', nodesWithEndpoints: ['node-a']},
      findings: [],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(run(row.service, row.endpoints), {
        ...(row.traffic ? {traffic: row.traffic} : {}),
        findings: row.findings,
      })
    })
})

function report(svc: Service, endpoints: EndpointSliceEndpoint[]): ServiceReport {
  return buildReport({
    service: svc,
    endpointSlices: [slice(svc.metadata.name, endpoints)],
    pods: [],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
}

describe("clientTraffic: the endpoints kube-proxy on the client's node sends it to", () => {
  const who = 'pod/front/client'
  const local = report(web({internalTrafficPolicy: 'Local'}), [a(), b()])
  const zoned = report(web({trafficDistribution: 'PreferClose'}), [
    a({zone: 'zone-a', forZones: ['zone-a']}),
    b({zone: 'zone-b', forZones: ['zone-b']}),
  ])
  const sameNode = report(web({trafficDistribution: 'PreferSameNode'}), [
    a({zone: 'zone-a', forZones: ['zone-a'], forNodes: ['node-a']}),
    b({zone: 'zone-b', forZones: ['zone-b'], forNodes: ['node-b']}),
  ])
  const rows: Array<{
    name: string
    report: ServiceReport
    node: string
    zone?: string
    want: ReturnType<typeof clientTraffic>
  }> = [
    {
      // CategorizeEndpoints, Local: the node's own ready endpoints.
      name: 'Local, an endpoint on the client node: that one',
      report: local,
      node: 'node-b',
      want: {
        traffic: {rule: 'internalTrafficPolicy: Local: the endpoints on node-b', endpoints: ['10.244.2.5']},
        findings: [],
      },
    },
    {
      // service-traffic-policy: a pod on a node without a local endpoint sees the Service as having none.
      name: 'Local, no endpoint on the client node: dropped, an error',
      report: local,
      node: 'node-c',
      want: {
        traffic: {rule: 'internalTrafficPolicy: Local: no endpoint on node-c: dropped', endpoints: []},
        findings: [
          {
            code: 'TrafficPolicyDropsClient',
            severity: 'error',
            object: who,
            message:
              'the client runs on node-c, where web has no ready endpoint; with internalTrafficPolicy: Local its traffic to the ClusterIP is dropped (the endpoints run on node-a, node-b)',
            hint: 'run a web pod on node-c (e.g. a DaemonSet), run the client where one runs, or set internalTrafficPolicy: Cluster',
          },
        ],
      },
    },
    {
      // topologyModeFromHints -> PreferSameZone when one endpoint is hinted for the node's zone;
      // availableForTopology keeps only those.
      name: "zone hints, the client's zone: its zone's endpoints, an info",
      report: zoned,
      node: 'node-c',
      zone: 'zone-b',
      want: {
        traffic: {rule: 'zone hints for zone-b', endpoints: ['10.244.2.5']},
        findings: [
          {
            code: 'ClientServedByHints',
            severity: 'info',
            object: who,
            message:
              "kube-proxy on the client's node sends it only to 10.244.2.5 (zone hints for zone-b), 1 of 2 ready endpoints: if those misbehave, this client fails while clients elsewhere work",
            hint: 'check that endpoint; the hints come from trafficDistribution: PreferClose',
          },
        ],
      },
    },
    {
      // topologyModeFromHints: "Ignoring same-zone topology hints for service since no hints were provided for
      // zone" -> all endpoints.
      name: 'zone hints, a zone nobody is hinted for: all endpoints',
      report: zoned,
      node: 'node-c',
      zone: 'zone-c',
      want: {
        traffic: {rule: 'no endpoint hinted for zone zone-c: all endpoints', endpoints: ['10.244.1.5', '10.244.2.5']},
        findings: [],
      },
    },
    {
      name: 'zone hints, the zone not known: said, all endpoints listed',
      report: zoned,
      node: 'node-c',
      want: {
        traffic: {rule: "zone hints, but the client node's zone is not known", endpoints: ['10.244.1.5', '10.244.2.5']},
        findings: [],
      },
    },
    {
      // topologyModeFromHints: node hints win when every ready endpoint has one and one names this node.
      name: 'node hints for the client node: that node only',
      report: sameNode,
      node: 'node-a',
      zone: 'zone-a',
      want: {
        traffic: {rule: 'node hints for node-a', endpoints: ['10.244.1.5']},
        findings: [
          {
            code: 'ClientServedByHints',
            severity: 'info',
            object: who,
            message:
              "kube-proxy on the client's node sends it only to 10.244.1.5 (node hints for node-a), 1 of 2 ready endpoints: if those misbehave, this client fails while clients elsewhere work",
            hint: 'check that endpoint; the hints come from trafficDistribution: PreferSameNode',
          },
        ],
      },
    },
    {
      // "Ignoring same-node topology hints for service since no hints were provided for node" -> zone hints.
      name: 'node hints, none for the client node: its zone instead',
      report: sameNode,
      node: 'node-c',
      zone: 'zone-b',
      want: {
        traffic: {rule: 'zone hints for zone-b', endpoints: ['10.244.2.5']},
        findings: [
          {
            code: 'ClientServedByHints',
            severity: 'info',
            object: who,
            message:
              "kube-proxy on the client's node sends it only to 10.244.2.5 (zone hints for zone-b), 1 of 2 ready endpoints: if those misbehave, this client fails while clients elsewhere work",
            hint: 'check that endpoint; the hints come from trafficDistribution: PreferSameNode',
          },
        ],
      },
    },
    {
      name: 'sessionAffinity only: all ready endpoints',
      report: report(web({sessionAffinity: 'ClientIP'}), [a(), b()]),
      node: 'node-c',
      want: {traffic: {rule: 'all ready endpoints', endpoints: ['10.244.1.5', '10.244.2.5']}, findings: []},
    },
    {
      name: 'no traffic section (every default): nothing',
      report: report(web(), [a(), b()]),
      node: 'node-c',
      want: {findings: []},
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(clientTraffic(row.report, who, row.node, row.zone), row.want)
    })
})
