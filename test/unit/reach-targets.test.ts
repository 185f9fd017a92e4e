// Which TCP connections the resolver pod tries (reachTargetsFor): the ClusterIP on each service port when
// someone is behind it, each published endpoint on its port, and for a headless service the service port
// on each endpoint (the headless port trap).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {EndpointSlice, Endpoints, Service} from '../../src/model/k8s.js'
import type {ServiceReport} from '../../src/model/report.js'
import type {ReachTarget} from '../../src/dns/types.js'
import {buildReport} from '../../src/analyse/report.js'
import {reachTargetsFor} from '../../src/analyse/reach-targets.js'
import {clusterIP, endpoint, epPort, externalName, headless, legacyEndpoints, port, slice} from './factories.js'

function reportOf(service: Service, endpointSlices: EndpointSlice[] = [], endpoints?: Endpoints): ServiceReport {
  return buildReport({
    service,
    ...(endpoints ? {endpoints} : {endpointSlices}),
    pods: [],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
}

/** "address port role" per target, in order. */
const show = (targets: ReachTarget[]) => targets.map((target) => `${target.address} ${target.port} ${target.role}`)

interface Case {
  name: string
  report: ServiceReport
  limit?: number
  want: string[]
}

const cases: Case[] = [
  {
    name: 'ClusterIP with ready endpoints: the ClusterIP on the service port, each ready endpoint on its port',
    report: reportOf(clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]), [
      slice('web', [endpoint('10.244.1.5'), endpoint('10.244.2.7'), endpoint('10.244.3.9', {ready: false})]),
    ]),
    want: ['10.96.0.10 80 clusterIP', '10.244.1.5 8080 endpoint', '10.244.2.7 8080 endpoint'],
  },
  {
    name: 'ClusterIP with two ports: each on the ClusterIP and on every endpoint',
    report: reportOf(clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080), port('metrics', 9090)]), [
      slice('web', [endpoint('10.244.1.5')], [epPort('http', 8080), epPort('metrics', 9090)]),
    ]),
    want: [
      '10.96.0.10 80 clusterIP',
      '10.96.0.10 9090 clusterIP',
      '10.244.1.5 8080 endpoint',
      '10.244.1.5 9090 endpoint',
    ],
  },
  {
    name: 'dual-stack ClusterIP: both cluster IPs',
    report: reportOf(clusterIP('web', ['10.96.0.10', 'fd00:10:96::a'], [port('http', 80, 'TCP', 8080)]), [
      slice('web', [endpoint('10.244.1.5')]),
      slice('web', [endpoint('fd00:10:244:1::5')]),
    ]),
    want: [
      '10.96.0.10 80 clusterIP',
      'fd00:10:96::a 80 clusterIP',
      '10.244.1.5 8080 endpoint',
      'fd00:10:244:1::5 8080 endpoint',
    ],
  },
  {
    name: 'ClusterIP with no ready endpoint: no ClusterIP target (kube-proxy rejects; NoEndpoints says why), no endpoint target',
    report: reportOf(clusterIP('web', '10.96.0.10'), [
      slice('web', [endpoint('10.244.1.5', {ready: false}), endpoint('10.244.2.7', {ready: false, terminating: true})]),
    ]),
    want: [],
  },
  {
    name: 'ClusterIP without any endpoints',
    report: reportOf(clusterIP('web', '10.96.0.10')),
    want: [],
  },
  {
    name: 'headless, port 80 -> targetPort 8000: each endpoint on 8000, and on 80 as the service-port trap',
    report: reportOf(headless('hdls', [port('http', 80, 'TCP', 8000)]), [
      slice(
        'hdls',
        [endpoint('10.244.1.5', {hostname: 'hdls-0'}), endpoint('10.244.2.7'), endpoint('10.244.3.9', {ready: false})],
        [epPort('http', 8000)],
      ),
    ]),
    want: [
      '10.244.1.5 8000 endpoint',
      '10.244.2.7 8000 endpoint',
      '10.244.1.5 80 service-port-on-endpoint',
      '10.244.2.7 80 service-port-on-endpoint',
    ],
  },
  {
    name: 'headless with port == targetPort: no service-port target (it would repeat the endpoint one)',
    report: reportOf(headless('hdls', [port('http', 8000)]), [
      slice('hdls', [endpoint('10.244.1.5')], [epPort('http', 8000)]),
    ]),
    want: ['10.244.1.5 8000 endpoint'],
  },
  {
    name: 'headless never probes a ClusterIP',
    report: reportOf(headless('hdls', [port('http', 8080)]), [slice('hdls', [endpoint('10.244.1.5')])]),
    want: ['10.244.1.5 8080 endpoint'],
  },
  {
    name: 'UDP (and SCTP) ports are skipped: nc probes TCP only',
    report: reportOf(
      clusterIP('dns', '10.96.0.53', [port('dns', 53, 'UDP'), port('dns-tcp', 53, 'TCP'), port('sig', 3868, 'SCTP')]),
      [
        slice(
          'dns',
          [endpoint('10.244.0.3')],
          [epPort('dns', 53, 'UDP'), epPort('dns-tcp', 53, 'TCP'), epPort('sig', 3868, 'SCTP')],
        ),
      ],
    ),
    want: ['10.96.0.53 53 clusterIP', '10.244.0.3 53 endpoint'],
  },
  {
    name: 'headless UDP-only: nothing to probe, not even the service port',
    report: reportOf(headless('syslog', [port('syslog', 514, 'UDP', 5514)]), [
      slice('syslog', [endpoint('10.244.1.5')], [epPort('syslog', 5514, 'UDP')]),
    ]),
    want: [],
  },
  {
    name: 'ExternalName: nothing (the name points outside the cluster)',
    report: reportOf(externalName('ext', 'shop.example.com')),
    want: [],
  },
  {
    name: 'publishNotReadyAddresses: not-ready endpoints are published, so probed',
    report: reportOf(headless('peers', [port('peer', 2380)], {publishNotReadyAddresses: true}), [
      slice('peers', [endpoint('10.244.1.5'), endpoint('10.244.2.7', {ready: false})], [epPort('peer', 2380)]),
    ]),
    want: ['10.244.1.5 2380 endpoint', '10.244.2.7 2380 endpoint'],
  },
  {
    name: 'publishNotReadyAddresses on a ClusterIP with only not-ready endpoints: the ClusterIP is probed',
    report: reportOf(
      clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)], {publishNotReadyAddresses: true}),
      [slice('web', [endpoint('10.244.2.7', {ready: false})])],
    ),
    want: ['10.96.0.10 80 clusterIP', '10.244.2.7 8080 endpoint'],
  },
  {
    name: 'legacy Endpoints (no EndpointSlice API): ready addresses only',
    report: reportOf(
      clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]),
      [],
      legacyEndpoints('web', [{ip: '10.244.1.5'}], [{ip: '10.244.3.9'}]),
    ),
    want: ['10.96.0.10 80 clusterIP', '10.244.1.5 8080 endpoint'],
  },
  {
    name: 'the limit cuts the list, ClusterIP first',
    report: reportOf(clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]), [
      slice('web', [endpoint('10.244.1.1'), endpoint('10.244.1.2'), endpoint('10.244.1.3'), endpoint('10.244.1.4')]),
    ]),
    limit: 3,
    want: ['10.96.0.10 80 clusterIP', '10.244.1.1 8080 endpoint', '10.244.1.2 8080 endpoint'],
  },
  {
    name: 'the limit applies to the headless service-port targets too',
    report: reportOf(headless('hdls', [port('http', 80, 'TCP', 8000)]), [
      slice('hdls', [endpoint('10.244.1.5'), endpoint('10.244.2.7')], [epPort('http', 8000)]),
    ]),
    limit: 3,
    want: ['10.244.1.5 8000 endpoint', '10.244.2.7 8000 endpoint', '10.244.1.5 80 service-port-on-endpoint'],
  },
  {
    name: 'limit 0: nothing',
    report: reportOf(clusterIP('web', '10.96.0.10'), [slice('web', [endpoint('10.244.1.5')])]),
    limit: 0,
    want: [],
  },
]

describe('reachTargetsFor', () => {
  for (const row of cases) {
    it(row.name, () => {
      const targets = row.limit === undefined ? reachTargetsFor(row.report) : reachTargetsFor(row.report, row.limit)
      assert.deepEqual(show(targets), row.want)
      for (const target of targets) assert.equal(target.protocol, 'TCP')
    })
  }

  it('the default limit is 256 targets, without duplicates', () => {
    const many = Array.from({length: 300}, (_, index) =>
      endpoint(`10.244.${Math.floor(index / 200) + 1}.${(index % 200) + 1}`),
    )
    const targets = reachTargetsFor(
      reportOf(clusterIP('web', '10.96.0.10'), [slice('web', many, [epPort('http', 8080)])]),
    )
    assert.equal(targets.length, 256)
    assert.equal(new Set(targets.map((target) => `${target.address} ${target.port}`)).size, 256)
    assert.equal(targets[0].role, 'clusterIP')
  })

  it('an endpoint listed in two slices is probed once', () => {
    const report = reportOf(clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]), [
      slice('web', [endpoint('10.244.1.5')]),
      slice('web', [endpoint('10.244.1.5'), endpoint('10.244.2.7')]),
    ])
    assert.deepEqual(show(reachTargetsFor(report)), [
      '10.96.0.10 80 clusterIP',
      '10.244.1.5 8080 endpoint',
      '10.244.2.7 8080 endpoint',
    ])
  })

  it('does not modify the report', () => {
    const report = reportOf(headless('hdls', [port('http', 80, 'TCP', 8000)]), [
      slice('hdls', [endpoint('10.244.1.5')], [epPort('http', 8000)]),
    ])
    const before = JSON.stringify(report)
    reachTargetsFor(report)
    assert.equal(JSON.stringify(report), before)
  })
})
