// One endpoint view from EndpointSlices or legacy Endpoints.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  endpointsFromLegacy,
  endpointsFromSlices,
  SERVICE_NAME_LABEL,
  slicesOfService,
} from '../../src/analyse/endpoints.js'
import type {EndpointSlice} from '../../src/model/k8s.js'
import type {EndpointView} from '../../src/model/report.js'
import {endpoint, epPort, inNamespace, legacyEndpoints, slice} from './factories.js'

const view = (views: EndpointView[], address: string) => {
  const found = views.find((candidate) => candidate.address === address)
  assert.ok(found, `no endpoint ${address} in ${views.map((v) => v.address).join(', ')}`)
  return found
}

describe('slicesOfService', () => {
  it('keeps the slices labelled for the service in its namespace, drops the rest', () => {
    const own = slice('web', [endpoint('10.244.1.5')], undefined, {name: 'web-abc12'})
    const ownSecond = slice('web', [endpoint('fd00::5')], undefined, {name: 'web-v6xyz'})
    const other = slice('api', [endpoint('10.244.1.6')], undefined, {name: 'api-aaaaa'})
    const otherNamespace = inNamespace(
      slice('web', [endpoint('10.244.1.7')], undefined, {name: 'web-zzzzz'}),
      'staging',
    )
    const fqdnSlice = slice('web', [endpoint('db.example.com')], undefined, {name: 'web-fqdn1', addressType: 'FQDN'})
    const unlabelled: EndpointSlice = {
      ...slice('web', [endpoint('10.244.1.8')], undefined, {name: 'web-manual'}),
      metadata: {name: 'web-manual', namespace: 'default'},
    }
    const kept = slicesOfService([own, other, otherNamespace, fqdnSlice, unlabelled, ownSecond], 'default', 'web')
    assert.deepEqual(
      kept.map((s) => s.metadata.name),
      ['web-abc12', 'web-v6xyz'],
    )
  })

  it('a slice without namespace (from a single-namespace file) is taken as in the service namespace', () => {
    const bare: EndpointSlice = {
      addressType: 'IPv4',
      metadata: {name: 'web-1', labels: {[SERVICE_NAME_LABEL]: 'web'}},
      endpoints: [endpoint('10.244.1.5')],
    }
    assert.equal(slicesOfService([bare], 'default', 'web').length, 1)
  })

  it('the label key is kubernetes.io/service-name (discovery.k8s.io/v1 LabelServiceName)', () =>
    assert.equal(SERVICE_NAME_LABEL, 'kubernetes.io/service-name'))
})

describe('endpointsFromSlices', () => {
  const conditionRows: Array<{
    name: string
    options: Parameters<typeof endpoint>[1]
    want: Pick<EndpointView, 'ready' | 'serving' | 'terminating'>
  }> = [
    {name: 'ready endpoint', options: {}, want: {ready: true, serving: true, terminating: false}},
    {name: 'not ready', options: {ready: false}, want: {ready: false, serving: false, terminating: false}},
    {
      name: 'terminating but still serving',
      options: {ready: false, serving: true, terminating: true},
      want: {ready: false, serving: true, terminating: true},
    },
    {
      name: 'ready: null is read as ready (CoreDNS endpointsliceReady)',
      options: {ready: null, serving: null, terminating: null},
      want: {ready: true, serving: true, terminating: false},
    },
    {
      name: 'no conditions object is read as ready',
      options: {noConditions: true},
      want: {ready: true, serving: true, terminating: false},
    },
    {
      name: 'serving null defers to ready (CoreDNS endpointsliceServing)',
      options: {ready: false, serving: null},
      want: {ready: false, serving: false, terminating: false},
    },
  ]
  for (const row of conditionRows) {
    it(`conditions: ${row.name}`, () => {
      const [got] = endpointsFromSlices([slice('web', [endpoint('10.244.1.5', row.options)])])
      assert.deepEqual({ready: got.ready, serving: got.serving, terminating: got.terminating}, row.want)
    })
  }

  it('carries hostname, pod, node and the slice ports; protocol defaults to TCP, name to ""', () => {
    const [got] = endpointsFromSlices([
      slice(
        'db',
        [endpoint('10.244.0.10', {hostname: 'db-0', pod: 'db-0', node: 'worker-1'})],
        [{port: 5432}, {name: 'metrics', port: 9187, protocol: 'TCP'}],
      ),
    ])
    assert.deepEqual(got, {
      address: '10.244.0.10',
      ready: true,
      serving: true,
      terminating: false,
      hostname: 'db-0',
      pod: 'db-0',
      node: 'worker-1',
      ports: [
        {name: '', port: 5432, protocol: 'TCP'},
        {name: 'metrics', port: 9187, protocol: 'TCP'},
      ],
    })
  })

  it('a slice port with port null (all ports of a selector-less service) is dropped', () => {
    const [got] = endpointsFromSlices([
      slice('web', [endpoint('10.244.1.5')], [{name: '', port: null, protocol: 'TCP'}, epPort('http', 8080)]),
    ])
    assert.deepEqual(got.ports, [{name: 'http', port: 8080, protocol: 'TCP'}])
  })

  it('ports: null and endpoints: null are tolerated', () => {
    assert.deepEqual(endpointsFromSlices([{...slice('web', [], null), endpoints: null}]), [])
    assert.deepEqual(endpointsFromSlices([slice('web', [endpoint('10.244.1.5')], null)])[0].ports, [])
  })

  it('targetRef of another kind (e.g. a Node for a manual slice) is not taken as a pod', () => {
    const manual = endpoint('10.0.0.7')
    manual.targetRef = {kind: 'Node', name: 'worker-1'}
    assert.equal(endpointsFromSlices([slice('web', [manual])])[0].pod, null)
  })

  it('an endpoint with several addresses gives one view per address', () => {
    const got = endpointsFromSlices([slice('web', [endpoint(['10.244.1.5', '10.244.1.55'], {pod: 'web-a'})])])
    assert.deepEqual(
      got.map((v) => [v.address, v.pod]),
      [
        ['10.244.1.5', 'web-a'],
        ['10.244.1.55', 'web-a'],
      ],
    )
  })

  it('merges slices: addresses in order, one view each', () => {
    const got = endpointsFromSlices([
      slice('web', [endpoint('10.244.1.5'), endpoint('10.244.2.7')]),
      slice('web', [endpoint('10.244.3.9', {ready: false})]),
      slice('web', [endpoint('fd00:10:244:1::5')]),
    ])
    assert.deepEqual(
      got.map((v) => `${v.address}:${v.ready}`),
      ['10.244.1.5:true', '10.244.2.7:true', '10.244.3.9:false', 'fd00:10:244:1::5:true'],
    )
  })

  const mergeRows: Array<{
    name: string
    first: Parameters<typeof endpoint>[1]
    second: Parameters<typeof endpoint>[1]
    want: Pick<EndpointView, 'ready' | 'serving' | 'terminating'>
  }> = [
    {
      name: 'ready in one slice, not ready in the other: ready (CoreDNS serves it from the ready slice)',
      first: {ready: false},
      second: {},
      want: {ready: true, serving: true, terminating: false},
    },
    {
      name: 'not ready in both: not ready',
      first: {ready: false},
      second: {ready: false},
      want: {ready: false, serving: false, terminating: false},
    },
    {
      name: 'terminating in one, not in the other: not terminating',
      first: {ready: false, serving: true, terminating: true},
      second: {ready: false},
      want: {ready: false, serving: true, terminating: false},
    },
    {
      name: 'terminating in both: terminating',
      first: {ready: false, serving: false, terminating: true},
      second: {ready: false, serving: true, terminating: true},
      want: {ready: false, serving: true, terminating: true},
    },
  ]
  for (const row of mergeRows) {
    it(`same address in two slices: ${row.name}`, () => {
      const got = endpointsFromSlices([
        slice('web', [endpoint('10.244.1.5', row.first)]),
        slice('web', [endpoint('10.244.1.5', row.second)]),
      ])
      assert.equal(got.length, 1)
      assert.deepEqual({ready: got[0].ready, serving: got[0].serving, terminating: got[0].terminating}, row.want)
    })
  }

  it('same address in two slices with different ports: ports are the union, without duplicates', () => {
    const got = endpointsFromSlices([
      slice('web', [endpoint('10.244.1.5')], [epPort('http', 8080)]),
      slice('web', [endpoint('10.244.1.5')], [epPort('http', 8080), epPort('metrics', 9090)]),
    ])
    assert.equal(got.length, 1)
    assert.deepEqual(view(got, '10.244.1.5').ports, [
      {name: 'http', port: 8080, protocol: 'TCP'},
      {name: 'metrics', port: 9090, protocol: 'TCP'},
    ])
  })
})

describe('endpointsFromLegacy (core/v1 Endpoints)', () => {
  it('addresses are ready, notReadyAddresses are not; nothing is terminating', () => {
    const got = endpointsFromLegacy(
      legacyEndpoints(
        'web',
        [
          {ip: '10.244.1.5', pod: 'web-a'},
          {ip: '10.244.2.7', pod: 'web-b'},
        ],
        [{ip: '10.244.3.9', pod: 'web-c'}],
      ),
    )
    assert.deepEqual(
      got.map((v) => [v.address, v.ready, v.serving, v.terminating, v.pod]),
      [
        ['10.244.1.5', true, true, false, 'web-a'],
        ['10.244.2.7', true, true, false, 'web-b'],
        ['10.244.3.9', false, false, false, 'web-c'],
      ],
    )
    assert.deepEqual(got[0].ports, [{name: 'http', port: 8080, protocol: 'TCP'}])
  })

  it('hostname is carried (StatefulSet pods), protocol defaults to TCP and name to ""', () => {
    const got = endpointsFromLegacy(legacyEndpoints('db', [{ip: '10.244.0.10', hostname: 'db-0'}], [], [{port: 5432}]))
    assert.equal(got[0].hostname, 'db-0')
    assert.deepEqual(got[0].ports, [{name: '', port: 5432, protocol: 'TCP'}])
  })

  it('several subsets keep their own ports', () => {
    const endpoints = legacyEndpoints('web', [{ip: '10.244.1.5'}])
    endpoints.subsets!.push({addresses: [{ip: '10.244.1.6'}], ports: [{name: 'http', port: 8081, protocol: 'TCP'}]})
    const got = endpointsFromLegacy(endpoints)
    assert.equal(view(got, '10.244.1.5').ports[0].port, 8080)
    assert.equal(view(got, '10.244.1.6').ports[0].port, 8081)
  })

  it('no subsets (a service with no endpoints) gives no views', () => {
    assert.deepEqual(endpointsFromLegacy({metadata: {name: 'web', namespace: 'default'}}), [])
    assert.deepEqual(endpointsFromLegacy({metadata: {name: 'web', namespace: 'default'}, subsets: [{}]}), [])
  })
})
