// --from on a dump, through the built CLI: the client's resolver, the names it asks for --name, and the traffic
// policy on its node, in JSON and in the table, with the exit code the findings give.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {after, describe, it} from 'node:test'
import type {ServiceReport} from '../../src/model/report.js'

import {runInProcess} from '../support/in-process.js'

// web (shop) with internalTrafficPolicy: Local and its one endpoint on node-a; one client on node-c in another
// namespace, one on node-a with dnsPolicy: Default.
const DUMP = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec:
    type: ClusterIP
    clusterIP: 10.96.0.50
    clusterIPs: [10.96.0.50]
    selector: {app: web}
    ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
    internalTrafficPolicy: Local
    sessionAffinity: None
- apiVersion: v1
  kind: Service
  metadata: {name: kube-dns, namespace: kube-system}
  spec: {clusterIP: 10.96.0.10, clusterIPs: [10.96.0.10], ports: [{name: dns, port: 53, protocol: UDP}]}
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata: {name: web-x1, namespace: shop, labels: {kubernetes.io/service-name: web}}
  addressType: IPv4
  ports: [{name: http, port: 8080, protocol: TCP}]
  endpoints:
  - addresses: [10.244.1.5]
    conditions: {ready: true, serving: true, terminating: false}
    nodeName: node-a
    targetRef: {kind: Pod, name: web-a, namespace: shop}
- apiVersion: v1
  kind: Pod
  metadata: {name: web-a, namespace: shop, labels: {app: web}}
  spec: {nodeName: node-a, containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]}
  status: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: client, namespace: front, labels: {app: client}}
  spec: {nodeName: node-c, dnsPolicy: ClusterFirst, containers: [{name: app}]}
  status: {phase: Running, podIP: 10.244.3.9, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: hostdns, namespace: shop, labels: {app: hostdns}}
  spec: {nodeName: node-a, dnsPolicy: Default, containers: [{name: app}]}
  status: {phase: Running, podIP: 10.244.1.9, conditions: [{type: Ready, status: "True"}]}
`

const dir = mkdtempSync(`${tmpdir()}/svc-inspect-client-`)
const dump = `${dir}/dump.yaml`
writeFileSync(dump, DUMP)
after(() => rmSync(dir, {recursive: true, force: true}))

const base = ['web', '-n', 'shop', '-f', dump, '--cluster-domain', 'cluster.local']

describe('--from on a dump: resolver, names asked, traffic policy', () => {
  it('JSON: web.shop:80 from another namespace answers on the second name; Local drops it on node-c (exit 1)', async () => {
    const result = await runInProcess([
      ...base,
      '--from',
      'client',
      '--from-namespace',
      'front',
      '--name',
      'web.shop:80',
      '-o',
      'json',
    ])
    assert.equal(result.stderr, '')
    assert.equal(result.code, 1)
    const report = JSON.parse(result.stdout) as ServiceReport
    assert.deepEqual(report.client?.lookup, {
      name: 'web.shop',
      given: true,
      port: 80,
      tries: [
        {
          name: 'web.shop.front.svc.cluster.local.',
          answer: 'other',
          note: "not web's name: NXDOMAIN unless another object has it",
        },
        {name: 'web.shop.svc.cluster.local.', answer: 'records'},
      ],
      answeredBy: 'web.shop.svc.cluster.local.',
      dials: 'ClusterIP 10.96.0.50:80/TCP -> endpoints on 8080',
    })
    assert.deepEqual(report.client?.resolver?.nameservers, ['10.96.0.10'])
    assert.deepEqual(report.client?.traffic, {
      rule: 'internalTrafficPolicy: Local: no endpoint on node-c: dropped',
      endpoints: [],
    })
    assert.deepEqual(report.traffic, {
      internalTrafficPolicy: 'Local',
      sessionAffinity: 'None',
      nodesWithEndpoints: ['node-a'],
    })
    assert.deepEqual(
      report.findings.map((finding) => [finding.code, finding.severity, finding.object]),
      [
        ['TrafficPolicyDropsClient', 'error', 'pod/front/client'],
        ['InternalTrafficPolicyLocal', 'info', 'service/web'],
      ],
    )
  })

  it('table: the CLIENT section and the Traffic line', async () => {
    const result = await runInProcess([
      ...base,
      '--from',
      'client',
      '--from-namespace',
      'front',
      '--name',
      'web.shop:80',
    ])
    assert.equal(result.code, 1)
    assert.match(result.stdout, /^Traffic:\s+internal Local \(endpoints on node-a\)$/m)
    assert.match(result.stdout, /^CLIENT pod\/front\/client \(on node-c\)$/m)
    assert.match(
      result.stdout,
      /^resolv\.conf \(dnsPolicy ClusterFirst\): nameserver 10\.96\.0\.10; search front\.svc\.cluster\.local svc\.cluster\.local cluster\.local <node's search domains>; options ndots:5 \(ndots 5\)$/m,
    )
    assert.match(result.stdout, /^web\.shop\.svc\.cluster\.local\.\s+records\s*$/m)
    assert.match(
      result.stdout,
      /^answered by web\.shop\.svc\.cluster\.local\.; dials ClusterIP 10\.96\.0\.50:80\/TCP -> endpoints on 8080$/m,
    )
    assert.match(
      result.stdout,
      /^kube-proxy: internalTrafficPolicy: Local: no endpoint on node-c: dropped: no endpoint$/m,
    )
    assert.match(result.stdout, /^ERROR\s+TrafficPolicyDropsClient\s+pod\/front\/client$/m)
  })

  it('table: an address given with --name is not looked up', async () => {
    const result = await runInProcess([...base, '--from', 'hostdns', '--name', '10.96.0.50:80'])
    assert.equal(result.code, 0)
    assert.match(
      result.stdout,
      /^"10\.96\.0\.50" is an address, not looked up; dials ClusterIP 10\.96\.0\.50:80\/TCP -> endpoints on 8080$/m,
    )
    assert.doesNotMatch(result.stdout, /NAMES ASKED FOR/)
  })

  it("dnsPolicy Default on the endpoint's node: a warning for DNS, the local endpoint for traffic (exit 0)", async () => {
    const result = await runInProcess([...base, '--from', 'hostdns', '-o', 'json'])
    assert.equal(result.code, 0)
    const report = JSON.parse(result.stdout) as ServiceReport
    assert.equal(report.client?.resolver?.base, 'node')
    assert.deepEqual(report.client?.traffic, {
      rule: 'internalTrafficPolicy: Local: the endpoints on node-a',
      endpoints: ['10.244.1.5'],
    })
    assert.deepEqual(
      report.findings.map((finding) => [finding.code, finding.severity]),
      [
        ['ClientDnsBypassesClusterDns', 'warning'],
        ['InternalTrafficPolicyLocal', 'info'],
      ],
    )
  })
})
