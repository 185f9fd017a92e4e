// The cleanup registry: removals run once, and one already running is waited for by runCleanups.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {registerCleanup, runCleanups} from '../../src/kube/cleanup.js'

describe('cleanup registry', () => {
  it('runs a removal once, whether released or run by runCleanups', async () => {
    let runs = 0
    const release = registerCleanup(async () => {
      runs++
    })
    await release()
    await release()
    await runCleanups()
    assert.equal(runs, 1)
  })

  it('runCleanups waits for a removal that release() already started (a signal during normal cleanup)', async () => {
    let finished = false
    const release = registerCleanup(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      finished = true
    })
    void release()
    await runCleanups()
    assert.equal(finished, true, 'the in-flight removal completed before runCleanups resolved')
  })

  it('runCleanups starts every pending removal', async () => {
    const done: string[] = []
    registerCleanup(async () => void done.push('a'))
    registerCleanup(async () => void done.push('b'))
    await runCleanups()
    assert.deepEqual(done.sort(), ['a', 'b'])
  })
})
