// The gateway's list calls follow limit/continue, so a list of thousands never arrives in one response.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {KubeGateway} from '../../src/kube/gateway.js'

describe('KubeGateway.listAll', () => {
  it('asks page after page with the continue token until there is none, and returns every item in order', async () => {
    // A gateway without a cluster: listAll only needs the request timeout (0: none) that call() reads.
    const gateway = Object.create(KubeGateway.prototype) as KubeGateway
    Object.assign(gateway, {requestTimeoutMs: 0})
    const pages: Record<string, {items: unknown[]; metadata?: {_continue?: string}}> = {
      start: {items: [{n: 1}, {n: 2}], metadata: {_continue: 'a'}},
      a: {items: [{n: 3}, {n: 4}], metadata: {_continue: 'b'}},
      b: {items: [{n: 5}], metadata: {_continue: ''}},
    }
    const asked: Array<string | undefined> = []
    const items = await gateway.listAll<{n: number}>('things', async (token) => {
      asked.push(token)
      return pages[token ?? 'start']
    })
    assert.deepEqual(asked, [undefined, 'a', 'b'])
    assert.deepEqual(
      items.map((item) => item.n),
      [1, 2, 3, 4, 5],
    )
  })
})
