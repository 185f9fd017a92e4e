// client-node hands back model instances with Date objects; the analysis (and every report) reads the API's own
// JSON, timestamps as the API server writes them, the same as in a recorded dump.
import assert from 'node:assert/strict'
import {it} from 'node:test'
import {
  V1ListMeta,
  V1NetworkPolicy,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
  V1NetworkPolicySpec,
  V1ObjectMeta,
  V1Pod,
  V1PodList,
} from '@kubernetes/client-node'
import {wire} from '../../src/kube/gateway.js'

it('wire(): model instances become the JSON the API sent, timestamps in whole seconds unless they have milliseconds', () => {
  const pod = Object.assign(new V1Pod(), {
    metadata: Object.assign(new V1ObjectMeta(), {
      name: 'web-0',
      creationTimestamp: new Date('2026-01-01T08:15:00Z'),
      deletionTimestamp: new Date('2026-01-01T08:16:00.250Z'),
      labels: {app: 'web'},
    }),
  })
  const list = Object.assign(new V1PodList(), {items: [pod], metadata: Object.assign(new V1ListMeta(), {})})
  assert.deepEqual(wire(list), {
    items: [
      {
        metadata: {
          name: 'web-0',
          creationTimestamp: '2026-01-01T08:15:00Z',
          deletionTimestamp: '2026-01-01T08:16:00.250Z',
          labels: {app: 'web'},
        },
      },
    ],
    metadata: {},
  })
  const plain = {metadata: {creationTimestamp: '2026-01-01T08:15:00Z'}}
  assert.equal(wire(plain), plain, 'plain JSON is taken as it is')
})

// networking.k8s.io/v1 NetworkPolicyIngressRule's field is `from` (API reference: "from: []NetworkPolicyPeer"); the
// model names it `_from` (its attributeTypeMap: name _from, baseName from). Read as `_from`, a rule has no `from`,
// which the API defines as "this rule matches all sources".
it('wire(): a field the model renames (NetworkPolicyIngressRule._from) takes its API name again', () => {
  const rule = Object.assign(new V1NetworkPolicyIngressRule(), {
    _from: [Object.assign(new V1NetworkPolicyPeer(), {podSelector: {matchLabels: {role: 'client'}}})],
    ports: [{port: 'http', protocol: 'TCP'}],
  })
  const policy = Object.assign(new V1NetworkPolicy(), {
    metadata: Object.assign(new V1ObjectMeta(), {
      name: 'frontend-clients',
      creationTimestamp: new Date('2026-01-01T08:15:00Z'),
    }),
    spec: Object.assign(new V1NetworkPolicySpec(), {podSelector: {matchLabels: {app: 'web'}}, ingress: [rule]}),
  })
  assert.deepEqual(wire(policy), {
    metadata: {name: 'frontend-clients', creationTimestamp: '2026-01-01T08:15:00Z'},
    spec: {
      podSelector: {matchLabels: {app: 'web'}},
      ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}], ports: [{port: 'http', protocol: 'TCP'}]}],
    },
  })
})
