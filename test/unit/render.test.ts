// Renderers: the streamed JSON list equals JSON.stringify's, and JUnit escapes what XML cannot hold.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {jsonListChunks, writeChunks} from '../../src/render/index.js'
import {renderJUnit, renderScanFooter, renderScanRows, renderScanTable, reportList} from '../../src/render/scan.js'
import {Chalk} from 'chalk'
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

describe('scan table: rows printed as batches finish, then the footer', () => {
  const reportOf = (name: string, namespace: string) =>
    buildReport({
      service: {
        metadata: {name, namespace},
        spec: {selector: {app: name}, ports: [{port: 80}], clusterIP: '10.96.0.9'},
      },
      endpointSlices: [],
      pods: [],
      events: [],
      clusterDomain: {value: 'cluster.local', source: 'coredns-configmap'},
      readProblems: [],
    })
  const plain = new Chalk({level: 0})
  const web = reportOf('web', 'shop')
  const db = reportOf('database', 'shop')
  it('the whole table is the rows with their column names, then the summary', () => {
    assert.equal(
      renderScanTable(reportList([web, db]), plain, false),
      [
        'NAMESPACE   SERVICE    TYPE        ENDPOINTS   DNS       WORST FINDING',
        'shop        web        ClusterIP   0/0         skipped   ERROR NoEndpoints',
        'shop        database   ClusterIP   0/0         skipped   ERROR NoEndpoints',
        '',
        '2 services: 2 with errors (4 errors, 0 warnings)',
        '',
      ].join('\n'),
    )
  })
  it('a later group of rows has no column names; the footer alone is the summary', () => {
    assert.equal(
      renderScanRows([db], plain, false, false),
      'shop   database   ClusterIP   0/0   skipped   ERROR NoEndpoints\n',
    )
    assert.equal(renderScanFooter(reportList([web, db]), plain), '\n2 services: 2 with errors (4 errors, 0 warnings)\n')
  })
  it("a namespace whose EndpointSlices and pods may not be read: endpoints '?', ReadFailed, no error", () => {
    const forbidden = buildReport({
      service: {
        metadata: {name: 'web', namespace: 'locked'},
        spec: {selector: {app: 'web'}, ports: [{port: 80}], clusterIP: '10.96.0.9'},
      },
      endpointSlices: [],
      pods: [],
      events: [],
      clusterDomain: {value: 'cluster.local', source: 'coredns-configmap'},
      readProblems: [
        {
          what: 'endpointslices in locked',
          resource: 'endpointslices',
          message: 'Forbidden: endpointslices is forbidden',
        },
        {what: 'pods in locked', resource: 'pods', message: 'Forbidden: pods is forbidden'},
      ],
    })
    assert.equal(forbidden.endpointsUnread, true)
    assert.equal(
      renderScanRows([forbidden], plain, false, false),
      'locked   web   ClusterIP   ?   skipped   WARNING ReadFailed\n',
    )
  })
})
