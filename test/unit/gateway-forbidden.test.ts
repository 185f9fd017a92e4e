// A scanned namespace whose lists RBAC refuses: gatherNamespace notes each refusal as a ReadProblem naming the
// resource (for the rules that must not conclude from its absence) and goes on, in the same order every run.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {ApiError, KubeGateway} from '../../src/kube/gateway.js'
import {sleep} from '../support/run.js'

// The authorizer's 403 message (k8s.io/apiserver pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage).
const forbidden = (resource: string, group = '') =>
  new ApiError(
    403,
    resource,
    `Forbidden: ${resource} is forbidden: User "dev" cannot list resource "${resource}" in API group "${group}" in the namespace "locked"`,
  )

/** A gateway without a cluster whose lists fail (or answer) after the given delays. */
function gatewayWith(lists: {slicesMs: number; podsMs: number; slicesServed?: boolean}): KubeGateway {
  const gateway = Object.create(KubeGateway.prototype) as KubeGateway
  Object.assign(gateway, {
    listEndpointSlices: async () => {
      await sleep(lists.slicesMs)
      throw forbidden('endpointslices', 'discovery.k8s.io')
    },
    listPods: async () => {
      await sleep(lists.podsMs)
      throw forbidden('pods')
    },
    listPodEvents: async () => {
      throw new Error('events are read only for pods that are not ready: none were read')
    },
  })
  return gateway
}

describe('KubeGateway.gatherNamespace: a namespace that may not be read', () => {
  const rows = [
    {name: 'the slices refused first', slicesMs: 0, podsMs: 20},
    {name: 'the pods refused first', slicesMs: 20, podsMs: 0},
  ]
  for (const row of rows)
    it(`${row.name}: both refusals, in the same order, each naming its resource; nothing read`, async () => {
      const {objects, readProblems} = await gatewayWith(row).gatherNamespace('locked', [])
      assert.deepEqual(readProblems, [
        {
          what: 'endpointslices in locked',
          resource: 'endpointslices',
          message:
            'Forbidden: endpointslices is forbidden: User "dev" cannot list resource "endpointslices" in API group "discovery.k8s.io" in the namespace "locked"',
        },
        {
          what: 'pods in locked',
          resource: 'pods',
          message:
            'Forbidden: pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "locked"',
        },
      ])
      assert.deepEqual(objects, {services: [], endpointSlices: [], endpoints: [], pods: [], events: [], configMaps: []})
    })
})
