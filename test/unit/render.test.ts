// Renderers: the streamed JSON list equals JSON.stringify's, and JUnit escapes what XML cannot hold.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {jsonListChunks, writeChunks} from '../../src/render/index.js'
import {renderJUnit, reportList} from '../../src/render/scan.js'
import {buildReport} from '../../src/analyse/report.js'
import {PassThrough} from 'node:stream'

describe('jsonListChunks', () => {
  const cases = [
    {
      name: 'items and other keys, nested values with newlines',
      list: {
        apiVersion: 'v',
        kind: 'K',
        items: [{a: 1, b: [1, {c: 'x\ny'}]}, {d: {}}],
        summary: {x: 1},
        expectations: [],
      },
    },
    {name: 'no items', list: {apiVersion: 'v', items: [], summary: {}}},
    {name: 'items last', list: {kind: 'K', items: [{a: [{}]}]}},
  ]
  for (const testCase of cases) {
    it(`${testCase.name}: byte for byte JSON.stringify(list, null, 2)`, () => {
      assert.equal([...jsonListChunks(testCase.list)].join(''), `${JSON.stringify(testCase.list, null, 2)}\n`)
    })
  }
  it('writeChunks waits for drain on a full stream and writes everything in order', async () => {
    const stream = new PassThrough({highWaterMark: 8})
    const received: string[] = []
    stream.on('data', (chunk) => received.push(String(chunk)))
    await writeChunks(stream, ['0123456789', 'abcdefghij', 'z'])
    assert.equal(received.join(''), '0123456789abcdefghijz')
  })
})

describe('renderJUnit', () => {
  const report = buildReport({
    service: {
      metadata: {name: 'web', namespace: 'a&b'},
      spec: {selector: {app: '<web>'}, ports: [{port: 80}], clusterIP: '10.96.0.9'},
    },
    endpointSlices: [],
    pods: [],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'coredns-configmap'},
    readProblems: [],
  })
  const xml = renderJUnit(reportList([report]))
  it('escapes &, <, > and quotes in names and messages', () => {
    assert.match(xml, /<testsuite name="a&amp;b" tests="1" failures="1"/)
    assert.match(xml, /app=&lt;web&gt;/)
    assert.doesNotMatch(xml, /app=<web>/)
  })
  it('one failure per error finding, typed by its code', () => {
    const failures = xml.match(/<failure type="([A-Za-z]+)"/g) ?? []
    // A selector that matches no pods: no endpoints, and the selector itself is the reason.
    assert.deepEqual(failures, ['<failure type="NoEndpoints"', '<failure type="SelectorMatchesNoPods"'])
  })
})
