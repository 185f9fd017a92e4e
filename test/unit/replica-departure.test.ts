// A CoreDNS replica that left the kube-dns Service during the live check (deleted, terminating, not ready):
// which failures the endpoints read after the batch explain (analyse/replica-departure.ts), and what the diff
// says of them (DNSServerGoneDuringCheck instead of DNSTimeout and its kin).
//
// The rule, from Kubernetes: kube-proxy sends Service traffic to ready endpoints only, and to serving-terminating
// ones only when no endpoint is ready (pkg/proxy/topology.go CategorizeEndpoints; KEP-1669 "Proxy Terminating
// Endpoints"); an endpoint whose pod is deleted is removed from the EndpointSlice by the EndpointSlice controller
// (pkg/controller/endpointslice, reconciler.go: endpoints are computed from the Service's existing pods).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {buildReport} from '../../src/analyse/report.js'
import {applyDnsObservation, questionsFor, type DnsObservation} from '../../src/analyse/dns-diff.js'
import {departedReplicas, replicasWithFailures} from '../../src/analyse/replica-departure.js'
import type {DepartedReplica, DnsServer, QueryResult} from '../../src/model/dns.js'
import type {EndpointView, ServiceReport} from '../../src/model/report.js'
import {clusterIP, endpoint, port, slice} from './factories.js'

const NAMESERVER: DnsServer = {label: 'nameserver', address: '10.96.0.10', port: 53, replica: false}
const R1: DnsServer = {label: 'coredns-5d78c9869d-4xk2p', address: '10.244.0.3', port: 53, replica: true}
const R2: DnsServer = {label: 'coredns-5d78c9869d-q8wzt', address: '10.244.0.4', port: 53, replica: true}

/** An endpoint of kube-system/kube-dns as endpointsFromSlices gives it. */
function dnsEndpoint(
  address: string,
  pod: string | null,
  conditions: {ready: boolean; serving?: boolean; terminating?: boolean} = {ready: true},
): EndpointView {
  return {
    address,
    ready: conditions.ready,
    serving: conditions.serving ?? conditions.ready,
    terminating: conditions.terminating ?? false,
    hostname: null,
    pod,
    node: 'node-1',
    ports: [{name: 'dns', port: 53, protocol: 'UDP'}],
  }
}

const answer = (server: DnsServer, name = 'web.default.svc.cluster.local.'): QueryResult => ({
  server: server.label,
  name,
  type: 'A',
  rcode: 'NOERROR',
  answers: [{type: 'A', ttl: 30, data: '10.96.0.20'}],
  timeMs: 1,
  transport: 'TCP',
})
const timedOut = (server: DnsServer, name?: string): QueryResult => ({
  ...answer(server, name),
  rcode: 'TIMEOUT',
  answers: [],
  timeMs: null,
  error: 'no answer to a probe query; server skipped',
  failure: 'timeout',
})
const refused = (server: DnsServer): QueryResult => ({...timedOut(server), rcode: 'ERROR', failure: 'refused'})
const tooLarge = (server: DnsServer): QueryResult => ({...answer(server), failure: 'too-large'})

describe('replicasWithFailures: which replicas are worth reading kube-dns again for', () => {
  const rows: Array<{name: string; queries: QueryResult[]; want: string[]}> = [
    {name: 'every answer came: none', queries: [answer(NAMESERVER), answer(R1), answer(R2)], want: []},
    {name: 'a replica timed out: that replica', queries: [answer(R1), timedOut(R2)], want: [R2.label]},
    {name: 'a refused connection counts', queries: [refused(R1), answer(R2)], want: [R1.label]},
    {
      name: 'an answer too large came from a live server: not a failure a departure explains',
      queries: [tooLarge(R1), answer(R2)],
      want: [],
    },
    {
      name: 'the nameserver (the Service address) is never a replica that can leave',
      queries: [timedOut(NAMESERVER), answer(R1)],
      want: [],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(
        replicasWithFailures([NAMESERVER, R1, R2], row.queries).map((server) => server.label),
        row.want,
      )
    })
})

describe('departedReplicas: the failing replicas the endpoints read after the batch no longer list as ready', () => {
  const rows: Array<{name: string; failing: DnsServer[]; now: EndpointView[]; want: DepartedReplica[]}> = [
    {
      // A force-deleted pod's endpoint is dropped from the slice (reconciler.go computes endpoints from pods).
      name: 'the pod was deleted: not listed any more -> gone',
      failing: [R2],
      now: [dnsEndpoint(R1.address, R1.label), dnsEndpoint('10.244.0.9', 'coredns-5d78c9869d-n3wq8')],
      want: [{label: R2.label, address: R2.address, port: 53, now: 'gone', asked: true}],
    },
    {
      name: 'still a ready endpoint of the same pod: it simply did not answer -> not departed (stays an error)',
      failing: [R2],
      now: [dnsEndpoint(R1.address, R1.label), dnsEndpoint(R2.address, R2.label)],
      want: [],
    },
    {
      // Graceful deletion: the endpoint stays, ready=false, serving and terminating (KEP-1672).
      name: 'listed, not ready, terminating -> terminating',
      failing: [R2],
      now: [dnsEndpoint(R2.address, R2.label, {ready: false, serving: true, terminating: true})],
      want: [{label: R2.label, address: R2.address, port: 53, now: 'terminating', asked: true}],
    },
    {
      name: 'listed, not ready, not terminating (its readiness probe fails) -> not-ready',
      failing: [R2],
      now: [dnsEndpoint(R2.address, R2.label, {ready: false})],
      want: [{label: R2.label, address: R2.address, port: 53, now: 'not-ready', asked: true}],
    },
    {
      name: 'its address is now another pod (the IP reused by the replacement): gone',
      failing: [R2],
      now: [dnsEndpoint(R2.address, 'coredns-5d78c9869d-n3wq8')],
      want: [{label: R2.label, address: R2.address, port: 53, now: 'gone', asked: true}],
    },
    {
      name: 'an endpoint without a targetRef at the same address, ready: taken as the same replica',
      failing: [R2],
      now: [dnsEndpoint(R2.address, null)],
      want: [],
    },
    {
      name: 'no endpoints at all (every replica deleted): each failing replica is gone',
      failing: [R1, R2],
      now: [],
      want: [
        {label: R1.label, address: R1.address, port: 53, now: 'gone', asked: true},
        {label: R2.label, address: R2.address, port: 53, now: 'gone', asked: true},
      ],
    },
    {
      name: 'the nameserver is not a replica: never departed',
      failing: [NAMESERVER],
      now: [],
      want: [],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(departedReplicas(row.failing, row.now), row.want)
    })
})

// ---------------------------------------------------------------------------------------------------------
// The diff: a departed replica's failures are one warning; a replica still there stays an error
// ---------------------------------------------------------------------------------------------------------

// A selector-less ClusterIP Service with two addresses of its own (as the scale test creates them): only an info.
const REPORT: ServiceReport = buildReport({
  service: clusterIP('web', '10.96.0.20', [port('http', 80, 'TCP', 8080)], {selector: undefined}),
  endpointSlices: [slice('web', [endpoint('10.246.0.1'), endpoint('10.246.0.2')])],
  pods: [],
  events: [],
  clusterDomain: {value: 'cluster.local', source: 'flag'},
  readProblems: [],
})
const QUESTIONS = questionsFor(REPORT)

/** What a correct server answers to each of REPORT's questions. */
function truthful(server: DnsServer): QueryResult[] {
  return QUESTIONS.map(({name, type}) => {
    const answers = REPORT.records
      .filter((record) => record.name === name && record.type === type)
      .map((record) => ({type, ttl: 30, data: record.data}))
    return {
      server: server.label,
      name,
      type,
      rcode: answers.length ? 'NOERROR' : 'NXDOMAIN',
      answers,
      timeMs: 1,
      transport: 'TCP',
    }
  })
}
const failedOn = (server: DnsServer, count: number): QueryResult[] =>
  truthful(server).map((result, at) =>
    at < count
      ? {
          ...result,
          rcode: 'TIMEOUT',
          answers: [],
          timeMs: null,
          error: 'no answer to a probe query; server skipped',
          failure: 'timeout',
        }
      : result,
  )

function observed(servers: DnsServer[], queries: QueryResult[], departed?: DepartedReplica[]): DnsObservation {
  return {
    via: 'pod',
    servers,
    queries,
    reachability: [],
    transports: servers.map((server) => ({server: server.label, tcp: true, udp: true})),
    resolver: {pod: 'default/svc-inspect-resolver-x7k2p'},
    observedAt: '2026-01-01T00:00:00Z',
    timings: {queryMs: 42},
    problems: [],
    ...(departed ? {departedReplicas: departed} : {}),
  }
}

const gone = (server: DnsServer, asked = true): DepartedReplica => ({
  label: server.label,
  address: server.address,
  port: server.port,
  now: 'gone',
  asked,
})

const HINT =
  'kube-proxy sends clients only to ready endpoints, so this is not an answer clients keep getting; the other servers were judged. If replicas come and go without a rollout, check the CoreDNS pods and their events'

describe('applyDnsObservation with departed replicas', () => {
  const total = QUESTIONS.length
  const rows: Array<{
    name: string
    observation: DnsObservation
    want: Array<{code: string; severity: string; object: string; message: string}>
  }> = [
    {
      name: 'a replica that stopped answering and left kube-dns: one warning naming it, no DNSTimeout',
      observation: observed(
        [NAMESERVER, R1, R2],
        [...truthful(NAMESERVER), ...truthful(R1), ...failedOn(R2, 3)],
        [gone(R2)],
      ),
      want: [
        {
          code: 'DNSServerGoneDuringCheck',
          severity: 'warning',
          object: `pod/kube-system/${R2.label}`,
          message: `3 of ${total} queries to CoreDNS replica 10.244.0.4 (pod kube-system/${R2.label}) got no answer: the replica left the endpoints of kube-system/kube-dns (its pod was deleted, or its address is now another pod's) during the check`,
        },
      ],
    },
    {
      name: 'the same failures with the replica still a ready endpoint (no departure): DNSTimeout, an error, as before',
      observation: observed([NAMESERVER, R1, R2], [...truthful(NAMESERVER), ...truthful(R1), ...failedOn(R2, 3)]),
      want: [
        {
          code: 'DNSTimeout',
          severity: 'error',
          object: `pod/kube-system/${R2.label}`,
          message: `3 of ${total} queries to CoreDNS replica ${R2.label} (10.244.0.4:53) got no answer: no answer to a probe query; server skipped`,
        },
      ],
    },
    {
      name: 'departed in an earlier batch, not asked in this one: a warning that says so',
      observation: observed([NAMESERVER, R1], [...truthful(NAMESERVER), ...truthful(R1)], [gone(R2, false)]),
      want: [
        {
          code: 'DNSServerGoneDuringCheck',
          severity: 'warning',
          object: `pod/kube-system/${R2.label}`,
          message: `CoreDNS replica 10.244.0.4 (pod kube-system/${R2.label}) was not asked: it left the endpoints of kube-system/kube-dns (its pod was deleted, or its address is now another pod's) during the check`,
        },
      ],
    },
    {
      name: "departed, but it answered this report's questions before it went: nothing to say",
      observation: observed(
        [NAMESERVER, R1, R2],
        [...truthful(NAMESERVER), ...truthful(R1), ...truthful(R2)],
        [gone(R2)],
      ),
      want: [],
    },
    {
      name: 'a terminating replica: the words say so',
      observation: observed(
        [NAMESERVER, R1, R2],
        [...truthful(NAMESERVER), ...truthful(R1), ...failedOn(R2, total)],
        [{...gone(R2), now: 'terminating'}],
      ),
      want: [
        {
          code: 'DNSServerGoneDuringCheck',
          severity: 'warning',
          object: `pod/kube-system/${R2.label}`,
          message: `${total} of ${total} queries to CoreDNS replica 10.244.0.4 (pod kube-system/${R2.label}) got no answer: the replica began terminating (its endpoint of kube-system/kube-dns is terminating) during the check`,
        },
      ],
    },
    {
      name: 'one replica departed, the other still there and silent: DNSTimeout for the one still there (errors first), a warning for the one that left',
      observation: observed(
        [NAMESERVER, R1, R2],
        [...truthful(NAMESERVER), ...failedOn(R1, 1), ...failedOn(R2, 2)],
        [gone(R2)],
      ),
      want: [
        {
          code: 'DNSTimeout',
          severity: 'error',
          object: `pod/kube-system/${R1.label}`,
          message: `1 of ${total} queries to CoreDNS replica ${R1.label} (10.244.0.3:53) got no answer: no answer to a probe query; server skipped`,
        },
        {
          code: 'DNSServerGoneDuringCheck',
          severity: 'warning',
          object: `pod/kube-system/${R2.label}`,
          message: `2 of ${total} queries to CoreDNS replica 10.244.0.4 (pod kube-system/${R2.label}) got no answer: the replica left the endpoints of kube-system/kube-dns (its pod was deleted, or its address is now another pod's) during the check`,
        },
      ],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      const out = applyDnsObservation(REPORT, row.observation)
      const live = out.findings.filter((finding) => finding.code.startsWith('DNS'))
      assert.deepEqual(
        live.map(({code, severity, object, message}) => ({code, severity, object, message})),
        row.want,
      )
      for (const finding of live.filter((candidate) => candidate.code === 'DNSServerGoneDuringCheck'))
        assert.equal(finding.hint, HINT)
      // The nameserver answered: the records are judged on it, whatever the replicas did.
      assert.ok(
        out.records.every((record) => record.status === 'match'),
        JSON.stringify(out.records),
      )
    })

  it('a departed replica whose TCP check went unanswered: no DNSTransportUnanswered for it', () => {
    const observation = observed(
      [NAMESERVER, R1, R2],
      [...truthful(NAMESERVER), ...truthful(R1), ...failedOn(R2, total)],
      [gone(R2)],
    )
    observation.transports = [
      {server: NAMESERVER.label, tcp: true, udp: true},
      {server: R1.label, tcp: true, udp: true},
      {server: R2.label, tcp: false, udp: null},
    ]
    const out = applyDnsObservation(REPORT, observation)
    assert.deepEqual(
      out.findings.filter((finding) => finding.code.startsWith('DNS')).map((finding) => finding.code),
      ['DNSServerGoneDuringCheck'],
    )
    assert.deepEqual(out.summary, {errors: 0, warnings: 1, infos: 1})
  })
})
