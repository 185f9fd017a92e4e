// The report's access section: NetworkPolicy's verdict on who may reach the Service's pods, per target port
// (networking.k8s.io/v1: a pod selected by a policy for Ingress admits only what some rule of such a policy allows).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {KubeObject, Service} from '../../src/model/k8s.js'
import {buildReport} from '../../src/analyse/report.js'
import {controllerSlices, pod} from './recorded.js'
import {clusterIP, port} from './factories.js'

const web: Service = {
  ...clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]),
  spec: {...clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]).spec, selector: {app: 'web'}},
}
const pods = [
  pod({name: 'web-a', ip: '10.244.0.5', labels: {app: 'web'}, ports: [{name: 'http', containerPort: 8080}]}),
]

const policy = (name: string, spec: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {name, namespace: 'default'},
    spec,
  }) as KubeObject

function report(networkPolicies: KubeObject[] | undefined, namespaces: KubeObject[] = []) {
  return buildReport({
    service: web,
    endpointSlices: controllerSlices(web, pods),
    pods,
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
    ...(networkPolicies ? {networkPolicies, namespaces} : {}),
  })
}

describe("access: who may reach the Service's pods", () => {
  it('policies not read (not dumped, or forbidden): nothing is said', () => {
    const out = report(undefined)
    assert.equal(out.access, undefined)
    assert.ok(!out.findings.some((finding) => finding.code.startsWith('NetworkPolicy')))
  })

  it('no policy selects the pods: everyone ["If no NetworkPolicy selects a pod, it is non-isolated for ingress"]', () => {
    assert.deepEqual(report([]).access, {
      policies: [],
      ports: [{port: 8080, protocol: 'TCP', mayReach: 'everyone (no policy selects the pods)'}],
    })
  })

  it('default deny: no one, and a warning naming the policy [an empty ingress list isolates: "does not allow any traffic"]', () => {
    const out = report([policy('deny-all', {podSelector: {}, policyTypes: ['Ingress']})])
    assert.deepEqual(out.access, {
      policies: ['default/deny-all'],
      ports: [
        {
          port: 8080,
          protocol: 'TCP',
          mayReach: 'no one (isolated by default/deny-all; no ingress rule admits TCP 8080)',
        },
      ],
    })
    const blocked = out.findings.filter((finding) => finding.code === 'NetworkPolicyBlocksIngress')
    assert.deepEqual(
      blocked.map((finding) => [finding.severity, finding.message]),
      [
        [
          'warning',
          "no source may reach the Service's pods on 8080/TCP: isolated by default/deny-all; no ingress rule admits TCP 8080",
        ],
      ],
    )
  })

  it('a rule by namespace label AND pod label, on the named port: that one phrase [namespaceSelector and podSelector in one peer: both must match]', () => {
    const out = report([
      policy('from-frontend', {
        podSelector: {matchLabels: {app: 'web'}},
        ingress: [
          {
            from: [{namespaceSelector: {matchLabels: {team: 'shop'}}, podSelector: {matchLabels: {app: 'frontend'}}}],
            ports: [{port: 'http'}],
          },
        ],
      }),
    ])
    assert.deepEqual(out.access?.ports, [
      {port: 8080, protocol: 'TCP', mayReach: 'pods with app=frontend in namespaces with team=shop'},
    ])
    assert.ok(!out.findings.some((finding) => finding.code === 'NetworkPolicyBlocksIngress'))
  })

  it('a policy on the wrong port: no one may reach 8080 [ports: "traffic must match at least one port in the list"]', () => {
    const out = report([
      policy('wrong-port', {podSelector: {}, ingress: [{from: [{podSelector: {}}], ports: [{port: 9090}]}]}),
    ])
    assert.equal(
      out.access?.ports[0].mayReach,
      'no one (isolated by default/wrong-port; no ingress rule admits TCP 8080)',
    )
    assert.deepEqual(out.findings.filter((finding) => finding.code === 'NetworkPolicyBlocksIngress').length, 1)
  })
})
