// --from: the client pod's view under NetworkPolicy (static verdicts), from objects as a dump holds them.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {KubeObject, Pod, Service} from '../../src/model/k8s.js'
import type {ClusterObjects} from '../../src/model/report.js'
import {buildReport} from '../../src/analyse/report.js'
import {clientFromObjects} from '../../src/app/client.js'
import {parseClientTarget} from '../../src/analyse/client-target.js'
import {controllerSlices, pod} from './recorded.js'
import {clusterIP, port} from './factories.js'

const base = clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)])
const web: Service = {...base, spec: {...base.spec, selector: {app: 'web'}}}
const webPod = pod({
  name: 'web-a',
  ip: '10.244.0.5',
  labels: {app: 'web'},
  ports: [{name: 'http', containerPort: 8080}],
})
const frontend = pod({name: 'frontend-a', ip: '10.244.0.9', labels: {app: 'frontend'}})
const coredns: Pod = {
  ...pod({
    name: 'coredns-1',
    ip: '10.244.0.2',
    labels: {'k8s-app': 'kube-dns'},
    ports: [
      {name: 'dns', containerPort: 53, protocol: 'UDP'},
      {name: 'dns-tcp', containerPort: 53},
    ],
  }),
  metadata: {name: 'coredns-1', namespace: 'kube-system', labels: {'k8s-app': 'kube-dns'}},
}
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
