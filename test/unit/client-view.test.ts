// --from: the client pod's view under NetworkPolicy (static verdicts), from objects as a dump holds them.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {EndpointSlice, KubeObject, Pod, Service} from '../../src/model/k8s.js'
import type {ClusterObjects} from '../../src/model/report.js'
import {buildReport} from '../../src/analyse/report.js'
import {clientFromObjects} from '../../src/app/client.js'
import {parseClientTarget} from '../../src/analyse/client-target.js'
import {needsClientNode} from '../../src/analyse/client-view.js'
import {controllerSlices, pod} from './recorded.js'
import {clientWorld} from './client-world.js'
import {endpoint, slice} from './factories.js'

const {web, webPod, frontend, coredns} = clientWorld('10.96.0.10')
const policy = (name: string, spec: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {name, namespace: 'default'},
    spec,
  }) as KubeObject

function run(policies: KubeObject[], from = 'frontend-a') {
  const objects: ClusterObjects = {
    services: [web],
    endpointSlices: controllerSlices(web, [webPod]),
    endpoints: [],
    pods: [webPod, frontend, coredns],
    events: [],
    configMaps: [],
    networkPolicies: policies,
    namespaces: [],
  }
  const report = buildReport({
    service: web,
    endpointSlices: objects.endpointSlices,
    pods: [webPod, frontend],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
  return clientFromObjects(objects, report, {target: from})
}

const codes = (report: ReturnType<typeof run>) =>
  report.findings.filter((finding) => finding.code.startsWith('NetworkPolicy')).map((finding) => finding.code)

describe('--from: the client pod under NetworkPolicy', () => {
  it('no policy: the endpoint and DNS are allowed, and the client section says so', () => {
    const out = run([])
    assert.deepEqual(codes(out), [])
    assert.equal(out.client?.pod, 'pod/default/frontend-a')
    assert.deepEqual(
      out.client?.paths.map((path) => [path.endpoint, path.port, path.protocol, path.allowed]),
      [['10.244.0.5', 8080, 'TCP', true]],
    )
    assert.equal(out.client?.dns, 'default/frontend-a: DNS allowed on UDP and TCP 53')
    assert.equal(out.client?.note, 'no NetworkPolicy in the dump: every path counts as allowed')
  })

  it("ingress default deny on the Service's pods: NetworkPolicyBlocksIngress, an error", () => {
    const out = run([policy('deny-web', {podSelector: {matchLabels: {app: 'web'}}, policyTypes: ['Ingress']})])
    assert.deepEqual(codes(out), ['NetworkPolicyBlocksIngress'])
    assert.equal(out.findings.find((finding) => finding.code === 'NetworkPolicyBlocksIngress')?.severity, 'error')
    assert.equal(out.client?.paths[0].allowed, false)
  })

  it("egress allowed to the Service's pods only: the cluster DNS is blocked on UDP and TCP 53 (the classic)", () => {
    const out = run([
      policy('frontend-out', {
        podSelector: {matchLabels: {app: 'frontend'}},
        policyTypes: ['Egress'],
        egress: [{to: [{podSelector: {matchLabels: {app: 'web'}}}], ports: [{port: 8080}]}],
      }),
    ])
    assert.deepEqual(codes(out), ['NetworkPolicyBlocksDns'])
    const dns = out.findings.find((finding) => finding.code === 'NetworkPolicyBlocksDns')!
    assert.equal(dns.severity, 'error')
    assert.match(dns.message, /^default\/frontend-a: DNS blocked on UDP and TCP 53: /)
  })

  it('egress allowing DNS over UDP only: a warning that TCP 53 is blocked', () => {
    const out = run([
      policy('frontend-out', {
        podSelector: {matchLabels: {app: 'frontend'}},
        policyTypes: ['Egress'],
        egress: [
          {to: [{podSelector: {matchLabels: {app: 'web'}}}], ports: [{port: 8080}]},
          {
            to: [{namespaceSelector: {}, podSelector: {matchLabels: {'k8s-app': 'kube-dns'}}}],
            ports: [{port: 53, protocol: 'UDP'}],
          },
        ],
      }),
    ])
    assert.deepEqual(codes(out), ['NetworkPolicyBlocksDns'])
    assert.equal(out.findings.find((finding) => finding.code === 'NetworkPolicyBlocksDns')?.severity, 'warning')
  })

  it('a client that is not there, or not running: one clear error', () => {
    assert.throws(() => run([], 'nosuch'), /^InspectError: --from pod\/nosuch: not found in namespace "default"$/)
    assert.throws(
      () => run([], 'deploy/backend'),
      /^InspectError: --from deploy\/backend: not found in namespace "default"$/,
    )
    // deploy/NAME finds the Deployment's pods through their ReplicaSet owner (NAME-<hash>).
    assert.equal(run([], 'deploy/web').client?.pod, 'pod/default/web-a')
  })

  it('--from takes POD, pod/NAME, deploy/NAME, sts/NAME; anything else is one clear error', () => {
    assert.deepEqual(parseClientTarget('frontend-a'), {kind: 'pod', name: 'frontend-a'})
    assert.deepEqual(parseClientTarget('deployment/frontend'), {kind: 'deploy', name: 'frontend'})
    assert.deepEqual(parseClientTarget('sts/db'), {kind: 'sts', name: 'db'})
    for (const bad of ['svc/web', 'pod/', 'deploy/a/b', 'pod/UPPER'])
      assert.throws(
        () => parseClientTarget(bad),
        /^InspectError: invalid --from ".*": use POD, pod\/NAME, deploy\/NAME or sts\/NAME$/,
      )
  })
})

describe("--from: the client node's zone and the traffic it gets (from a dump)", () => {
  // A PreferClose Service: web-a in zone-a, web-b in zone-b, each hinted for its own zone (the EndpointSlice
  // controller's hints; kube-proxy keeps a client in its zone: pkg/proxy/topology.go topologyModeFromHints).
  const zoned: Service = {...web, spec: {...web.spec, trafficDistribution: 'PreferClose'}}
  const webA = pod({name: 'web-a', ip: '10.244.1.5', labels: {app: 'web'}, node: 'node-a'})
  const webB = pod({name: 'web-b', ip: '10.244.2.5', labels: {app: 'web'}, node: 'node-b'})
  const slices = (): EndpointSlice[] => [
    slice('web', [
      {
        ...endpoint('10.244.1.5', {pod: 'web-a', node: 'node-a'}),
        zone: 'zone-a',
        hints: {forZones: [{name: 'zone-a'}]},
      },
      {
        ...endpoint('10.244.2.5', {pod: 'web-b', node: 'node-b'}),
        zone: 'zone-b',
        hints: {forZones: [{name: 'zone-b'}]},
      },
    ]),
  ]
  const onNode = (node: string) => pod({name: 'client-x', ip: '10.244.3.9', labels: {app: 'client'}, node})
  const node = (name: string, zone: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {name, labels: {'topology.kubernetes.io/zone': zone}},
  })
  function view(client: Pod, nodes: KubeObject[] | undefined) {
    const objects: ClusterObjects = {
      services: [zoned],
      endpointSlices: slices(),
      endpoints: [],
      pods: [webA, webB, client],
      events: [],
      configMaps: [],
      ...(nodes ? {nodes} : {}),
    }
    const report = buildReport({
      service: zoned,
      endpointSlices: objects.endpointSlices,
      pods: objects.pods,
      events: [],
      clusterDomain: {value: 'cluster.local', source: 'flag'},
      readProblems: [],
    })
    return {report, out: clientFromObjects(objects, report, {target: 'client-x'})}
  }

  it("the Node's zone label: the client reaches its zone's endpoint only", () => {
    const {report, out} = view(onNode('node-c'), [node('node-c', 'zone-b')])
    assert.equal(needsClientNode(report, onNode('node-c')), true)
    assert.equal(out.client?.node, 'node-c')
    assert.deepEqual(out.client?.zone, {name: 'zone-b', source: 'node/node-c label topology.kubernetes.io/zone'})
    assert.deepEqual(out.client?.traffic, {rule: 'zone hints for zone-b', endpoints: ['10.244.2.5']})
    assert.equal(out.client?.note, 'no NetworkPolicy in the dump: every path counts as allowed')
    assert.deepEqual(
      out.findings.map((finding) => finding.code),
      ['TrafficDistribution', 'ClientServedByHints'],
    )
  })

  it('no Node needed when an endpoint runs on the client node: its slice says the zone', () => {
    // EndpointSlice endpoint.zone: "the name of the Zone this endpoint exists in" (the node's zone label).
    const {report, out} = view(onNode('node-a'), undefined)
    assert.equal(needsClientNode(report, onNode('node-a')), false)
    assert.deepEqual(out.client?.zone, {name: 'zone-a', source: "the zone of web's endpoint on node-a"})
    assert.deepEqual(out.client?.traffic, {rule: 'zone hints for zone-a', endpoints: ['10.244.1.5']})
  })

  it('the Node not in the dump: the zone is not known, and the note says why', () => {
    const {out} = view(onNode('node-c'), undefined)
    assert.equal(out.client?.zone, undefined)
    assert.deepEqual(out.client?.traffic, {
      rule: "zone hints, but the client node's zone is not known",
      endpoints: ['10.244.1.5', '10.244.2.5'],
    })
    assert.equal(
      out.client?.note,
      "no NetworkPolicy in the dump: every path counts as allowed; node/node-c is not in the dump: the client's zone is not known",
    )
  })
})
