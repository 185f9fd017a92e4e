// client-node hands back model instances with Date objects; the analysis (and every report) reads the API's own
// JSON, timestamps as the API server writes them, the same as in a recorded dump.
import assert from 'node:assert/strict'
import {it} from 'node:test'
import {V1ListMeta, V1ObjectMeta, V1Pod, V1PodList} from '@kubernetes/client-node'
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
