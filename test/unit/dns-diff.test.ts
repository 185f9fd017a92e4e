// The diff of the live DNS check: expected records (buildReport) against what the DNS servers answered and
// what the TCP probes saw. Reports come from small snapshots (a headless service with two ready and one
// not-ready pod, a ClusterIP service, an ExternalName service); observations start from a truthful server
// and each row changes one thing.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {Service} from '../../src/model/k8s.js'
import type {DnsRecord, Finding, ServiceReport} from '../../src/model/report.js'
import type {DnsAnswer, DnsServer, QueryResult, ReachResult, TransportCheck} from '../../src/dns/types.js'
import {buildReport} from '../../src/analyse/report.js'
import {applyDnsObservation, questionsFor, type DnsObservation} from '../../src/analyse/dns-diff.js'
import {clusterIP, externalName, headless, port, svcName} from './factories.js'
import {controllerSlices, pod} from './recorded.js'
import type {Pod} from '../../src/model/k8s.js'

// ---------------------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------------------

function reportOf(service: Service, pods: Pod[] = []): ServiceReport {
  return buildReport({
    service,
    endpointSlices: controllerSlices(service, pods),
    pods,
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
}

const HD = svcName('hdls')
const WEB = svcName('web')
const EXT = svcName('ext')

// Headless, port 80 -> targetPort 8000 (the headless port trap): hdls-0 (hostname), hdls-1 ready, hdls-2 not ready.
const hdlsPod = (name: string, ip: string, state: 'ready' | 'probe-failing', hostname?: string) =>
  pod({
    name,
    ip,
    state,
    labels: {app: 'hdls'},
    ports: [{name: 'http', containerPort: 8000}],
    ...(hostname ? {hostname, subdomain: 'hdls'} : {}),
  })
const HEADLESS = reportOf(headless('hdls', [port('http', 80, 'TCP', 8000)]), [
  hdlsPod('hdls-0', '10.244.1.5', 'ready', 'hdls-0'),
  hdlsPod('hdls-1', '10.244.2.7', 'ready'),
  hdlsPod('hdls-2', '10.244.3.9', 'probe-failing'),
])

const webPod = (name: string, ip: string) => pod({name, ip, labels: {app: 'web'}})
const CLUSTERIP = reportOf(clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]), [
  webPod('web-a', '10.244.1.10'),
  webPod('web-b', '10.244.2.11'),
])
const EXTERNAL = reportOf(externalName('ext', 'shop.example.com'))

// ---------------------------------------------------------------------------------------------------------
// Observations
// ---------------------------------------------------------------------------------------------------------

const NAMESERVER: DnsServer = {label: 'nameserver', address: '10.96.0.10', port: 53, replica: false}
const R1: DnsServer = {label: 'coredns-5d78c9869d-4xk2p', address: '10.244.0.3', port: 53, replica: true}
const R2: DnsServer = {label: 'coredns-5d78c9869d-q8wzt', address: '10.244.0.4', port: 53, replica: true}

type Reply = Partial<Omit<QueryResult, 'server' | 'name' | 'type'>>

/** What a correct CoreDNS answers for every question of `report`: the expected records, NXDOMAIN for must-not-resolve names. */
function truthful(report: ServiceReport, server: DnsServer, changes: Record<string, Reply> = {}): QueryResult[] {
  return questionsFor(report).map(({name, type}) => {
    const answers: DnsAnswer[] = report.records
      .filter((record) => record.name === name && record.type === type)
      .map((record) => ({type, ttl: 30, data: record.data}))
    const base: QueryResult = {
      server: server.label,
      name,
      type,
      rcode: answers.length ? 'NOERROR' : 'NXDOMAIN',
      answers,
      timeMs: 1,
      transport: 'UDP',
    }
    return {...base, ...changes[`${name} ${type}`]}
  })
}

function observation(
  servers: DnsServer[],
  queries: QueryResult[],
  reachability: ReachResult[] = [],
  problems: string[] = [],
): DnsObservation {
  return {
    via: 'pod',
    servers,
    queries,
    reachability,
    resolver: {pod: 'svc-inspect-resolver-x7k2p'},
    timings: {dns: 42},
    problems,
  }
}

const answersOf = (...data: Array<[string, string]>): DnsAnswer[] =>
  data.map(([type, value]) => ({type, ttl: 30, data: value}))

const DNS_CODES = [
  'DNSRecordMissing',
  'DNSRecordUnexpected',
  'DNSNameShouldNotResolve',
  'DNSReplicaInconsistent',
  'DNSTimeout',
  'DNSQueryFailed',
  'DNSConnectionRefused',
  'DNSAnswerTooLarge',
  'DNSSlowAnswer',
  'DNSTransportUnanswered',
  'PortUnreachable',
  'ResolverUnavailable',
  'DNSSrvWeightDiffers',
]
const dnsFindings = (report: ServiceReport) => report.findings.filter((finding) => DNS_CODES.includes(finding.code))
const codes = (findings: Finding[]) => findings.map((finding) => finding.code)
const line = (record: Pick<DnsRecord, 'name' | 'type' | 'data' | 'status'>) =>
  `${record.status} ${record.name} ${record.type} ${record.data}`
const statuses = (report: ServiceReport) => report.records.map(line)

// ---------------------------------------------------------------------------------------------------------
// The snapshots are what the tables assume
// ---------------------------------------------------------------------------------------------------------

describe('dns-diff fixtures', () => {
  it('headless: records of the two ready pods, the not-ready name must not resolve, the port trap flagged', () => {
    assert.ok(
      HEADLESS.records.some((record) => record.name === HD && record.type === 'A' && record.data === '10.244.1.5'),
    )
    assert.ok(
      HEADLESS.records.some((record) => record.name === HD && record.type === 'A' && record.data === '10.244.2.7'),
    )
    assert.ok(!HEADLESS.records.some((record) => record.data === '10.244.3.9'))
    assert.deepEqual(
      HEADLESS.mustNotResolve.map((absent) => `${absent.name} ${absent.type}`),
      [`10-244-3-9.${HD} A`],
    )
    assert.ok(HEADLESS.records.every((record) => record.status === 'expected'))
    assert.deepEqual(
      HEADLESS.findings.filter((finding) => finding.code === 'HeadlessPortMismatch').map((finding) => finding.severity),
      ['warning'],
    )
  })

  it('questionsFor: one question per (name, type), must-not-resolve names included', () => {
    const questions = questionsFor(HEADLESS).map((question) => `${question.name} ${question.type}`)
    assert.equal(new Set(questions).size, questions.length)
    assert.ok(
      questions.includes(`${HD} A`) && questions.includes(`${HD} SRV`) && questions.includes(`_http._tcp.${HD} SRV`),
    )
    assert.ok(questions.includes(`hdls-0.${HD} A`) && questions.includes(`10-244-2-7.${HD} A`))
    assert.ok(questions.includes('5.1.244.10.in-addr.arpa. PTR') && questions.includes('7.2.244.10.in-addr.arpa. PTR'))
    assert.ok(questions.includes(`10-244-3-9.${HD} A`))
    assert.equal(
      questions.length,
      new Set(HEADLESS.records.map((record) => `${record.name} ${record.type}`)).size + HEADLESS.mustNotResolve.length,
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// Answers from the primary server
// ---------------------------------------------------------------------------------------------------------

interface Row {
  name: string
  report: ServiceReport
  changes?: Record<string, Reply>
  /** Exactly these DNS findings, by code, in order. */
  codes: string[]
  /** Record lines "status name type data" that must be present. */
  records?: string[]
  /** Every record has this status (unexpected ones aside). */
  allStatus?: DnsRecord['status']
  /** finding code -> regexps its message must match. */
  messages?: Record<string, RegExp[]>
}

const primaryRows: Row[] = [
  {
    name: 'headless, every answer as expected: all match, no DNS findings',
    report: HEADLESS,
    codes: [],
    allStatus: 'match',
  },
  {
    name: 'ClusterIP, every answer as expected',
    report: CLUSTERIP,
    codes: [],
    allStatus: 'match',
  },
  {
    name: 'ExternalName, the CNAME as expected',
    report: EXTERNAL,
    codes: [],
    records: [`match ${EXT} CNAME shop.example.com.`],
  },
  {
    name: 'one A record missing: DNSRecordMissing with what was answered instead',
    report: HEADLESS,
    changes: {[`${HD} A`]: {answers: answersOf(['A', '10.244.1.5'])}},
    codes: ['DNSRecordMissing'],
    records: [`match ${HD} A 10.244.1.5`, `missing ${HD} A 10.244.2.7`],
    messages: {
      DNSRecordMissing: [
        /^hdls\.default\.svc\.cluster\.local\. A 10\.244\.2\.7 is expected but nameserver \(10\.96\.0\.10\) answered 10\.244\.1\.5$/,
      ],
    },
  },
  {
    name: 'an extra A record: DNSRecordUnexpected, and the record listed as unexpected',
    report: HEADLESS,
    changes: {[`${HD} A`]: {answers: answersOf(['A', '10.244.1.5'], ['A', '10.244.2.7'], ['A', '10.244.9.9'])}},
    codes: ['DNSRecordUnexpected'],
    records: [`match ${HD} A 10.244.1.5`, `match ${HD} A 10.244.2.7`, `unexpected ${HD} A 10.244.9.9`],
    messages: {
      DNSRecordUnexpected: [
        /^hdls\.default\.svc\.cluster\.local\. A answered 10\.244\.9\.9, which the Service's endpoints do not explain$/,
      ],
    },
  },
  {
    name: "a not-ready pod's name still answers: DNSNameShouldNotResolve with the reason",
    report: HEADLESS,
    changes: {[`10-244-3-9.${HD} A`]: {rcode: 'NOERROR', answers: answersOf(['A', '10.244.3.9'])}},
    codes: ['DNSNameShouldNotResolve'],
    records: [`unexpected 10-244-3-9.${HD} A 10.244.3.9`],
    messages: {
      DNSNameShouldNotResolve: [
        /^10-244-3-9\.hdls\.default\.svc\.cluster\.local\. A answered 10\.244\.3\.9, but it should not resolve: endpoint 10\.244\.3\.9 \(pod hdls-2\) is not ready$/,
      ],
    },
  },
  {
    name: 'SRV with other weights and priorities but the same port and target: match, and an info per record (CoreDNS recomputes weights)',
    report: HEADLESS,
    changes: {
      [`_http._tcp.${HD} SRV`]: {
        answers: answersOf(['SRV', `10 33 8000 hdls-0.${HD}`], ['SRV', `10 67 8000 10-244-2-7.${HD}`]),
      },
      [`${HD} SRV`]: {answers: answersOf(['SRV', `0 100 8000 hdls-0.${HD}`], ['SRV', `0 1 8000 10-244-2-7.${HD}`])},
    },
    codes: ['DNSSrvWeightDiffers', 'DNSSrvWeightDiffers', 'DNSSrvWeightDiffers', 'DNSSrvWeightDiffers'],
    allStatus: 'match',
    messages: {
      DNSSrvWeightDiffers: [
        /^\S*hdls\.default\.svc\.cluster\.local\. SRV to 8000 \S+\.hdls\.default\.svc\.cluster\.local\. answered with priority\/weight \d+ \d+, expected 0 50$/,
      ],
    },
  },
  {
    name: 'SRV carrying the service port instead of the pod port: both expected missing, both answers unexpected',
    report: HEADLESS,
    changes: {
      [`_http._tcp.${HD} SRV`]: {
        answers: answersOf(['SRV', `0 50 80 hdls-0.${HD}`], ['SRV', `0 50 80 10-244-2-7.${HD}`]),
      },
    },
    codes: ['DNSRecordMissing', 'DNSRecordMissing', 'DNSRecordUnexpected', 'DNSRecordUnexpected'],
    records: [
      `missing _http._tcp.${HD} SRV 0 50 8000 hdls-0.${HD}`,
      `missing _http._tcp.${HD} SRV 0 50 8000 10-244-2-7.${HD}`,
      `unexpected _http._tcp.${HD} SRV 0 50 80 hdls-0.${HD}`,
      `unexpected _http._tcp.${HD} SRV 0 50 80 10-244-2-7.${HD}`,
    ],
    messages: {
      DNSRecordMissing: [/answered 0 50 80 hdls-0\.hdls\.default\.svc\.cluster\.local\., 0 50 80 10-244-2-7\./],
    },
  },
  {
    name: 'a PTR that also names another service selecting the pod: ignored',
    report: HEADLESS,
    changes: {
      ['5.1.244.10.in-addr.arpa. PTR']: {
        answers: answersOf(['PTR', `hdls-0.${HD}`], ['PTR', `10-244-1-5.${svcName('metrics')}`]),
      },
    },
    codes: [],
    allStatus: 'match',
  },
  {
    name: "a PTR naming a service whose name merely ends with this one's (xhdls): ignored too",
    report: HEADLESS,
    changes: {
      ['5.1.244.10.in-addr.arpa. PTR']: {
        answers: answersOf(['PTR', `hdls-0.${HD}`], ['PTR', `10-244-1-5.${svcName('xhdls')}`]),
      },
    },
    codes: [],
    allStatus: 'match',
  },
  {
    name: 'a PTR naming this service under a stale name: unexpected',
    report: HEADLESS,
    changes: {['5.1.244.10.in-addr.arpa. PTR']: {answers: answersOf(['PTR', `hdls-0.${HD}`], ['PTR', `old-0.${HD}`])}},
    codes: ['DNSRecordUnexpected'],
    records: [`match 5.1.244.10.in-addr.arpa. PTR hdls-0.${HD}`, `unexpected 5.1.244.10.in-addr.arpa. PTR old-0.${HD}`],
  },
  {
    name: 'answers of another type (a CNAME before the A) are not compared',
    report: CLUSTERIP,
    changes: {[`${WEB} A`]: {answers: answersOf(['CNAME', 'elsewhere.example.'], ['A', '10.96.0.10'])}},
    codes: [],
    allStatus: 'match',
  },
  {
    name: 'SERVFAIL from the primary: the records are missing, and the message says SERVFAIL',
    report: CLUSTERIP,
    changes: {[`${WEB} A`]: {rcode: 'SERVFAIL', answers: []}},
    codes: ['DNSRecordMissing'],
    records: [`missing ${WEB} A 10.96.0.10`],
    messages: {DNSRecordMissing: [/answered SERVFAIL$/]},
  },
  {
    name: 'NXDOMAIN from the primary: missing, "answered NXDOMAIN"',
    report: CLUSTERIP,
    changes: {[`_http._tcp.${WEB} SRV`]: {rcode: 'NXDOMAIN', answers: []}},
    codes: ['DNSRecordMissing'],
    records: [`missing _http._tcp.${WEB} SRV 0 100 80 ${WEB}`],
    messages: {DNSRecordMissing: [/answered NXDOMAIN$/]},
  },
  {
    name: 'NODATA from the primary: missing, "answered no records (NODATA)"',
    report: CLUSTERIP,
    changes: {[`${WEB} A`]: {rcode: 'NOERROR', answers: []}},
    codes: ['DNSRecordMissing'],
    messages: {DNSRecordMissing: [/answered no records \(NODATA\)$/]},
  },
  {
    name: 'ExternalName answering another target: missing and unexpected',
    report: EXTERNAL,
    changes: {[`${EXT} CNAME`]: {answers: answersOf(['CNAME', 'old-shop.example.com.'])}},
    codes: ['DNSRecordMissing', 'DNSRecordUnexpected'],
    records: [`missing ${EXT} CNAME shop.example.com.`, `unexpected ${EXT} CNAME old-shop.example.com.`],
  },
  {
    name: 'a primary query that timed out: its records stay expected; DNSTimeout says so',
    report: CLUSTERIP,
    changes: {[`${WEB} A`]: {rcode: 'TIMEOUT', answers: [], timeMs: null, error: 'no servers could be reached'}},
    codes: ['DNSTimeout'],
    records: [`expected ${WEB} A 10.96.0.10`, `match _http._tcp.${WEB} SRV 0 100 80 ${WEB}`],
    messages: {
      DNSTimeout: [/^1 of 8 queries to nameserver \(10\.96\.0\.10:53\) got no answer: no servers could be reached$/],
    },
  },
]

describe('applyDnsObservation: answers of the primary server', () => {
  for (const row of primaryRows) {
    it(row.name, () => {
      const out = applyDnsObservation(
        row.report,
        observation([NAMESERVER], truthful(row.report, NAMESERVER, row.changes)),
      )
      assert.deepEqual(codes(dnsFindings(out)), row.codes, JSON.stringify(dnsFindings(out), null, 1))
      for (const wanted of row.records ?? [])
        assert.ok(statuses(out).includes(wanted), `${wanted}\n in ${statuses(out).join('\n    ')}`)
      if (row.allStatus)
        assert.deepEqual(
          out.records.map((record) => record.status),
          row.report.records.map(() => row.allStatus),
        )
      // Every expected record comes out exactly once, whatever its status; unexpected ones come on top.
      assert.deepEqual(
        out.records
          .filter((record) => record.status !== 'unexpected')
          .map((record) => `${record.name} ${record.type} ${record.data}`)
          .sort(),
        row.report.records.map((record) => `${record.name} ${record.type} ${record.data}`).sort(),
      )
      for (const [code, patterns] of Object.entries(row.messages ?? {})) {
        const finding = out.findings.find((candidate) => candidate.code === code)
        assert.ok(finding, code)
        for (const pattern of patterns) assert.match(finding.message, pattern)
      }
      for (const finding of dnsFindings(out)) {
        if (finding.code === 'DNSTimeout' || finding.code === 'DNSReplicaInconsistent') continue
        assert.equal(finding.severity, finding.code === 'DNSSrvWeightDiffers' ? 'info' : 'error', finding.code)
        assert.equal(finding.object, `service/${row.report.service.name}`, finding.code)
        assert.ok(finding.hint.length > 0, finding.code)
      }
    })
  }

  it('keeps the findings of the report and recomputes the summary', () => {
    const out = applyDnsObservation(
      HEADLESS,
      observation([NAMESERVER], truthful(HEADLESS, NAMESERVER, {[`${HD} A`]: {answers: []}})),
    )
    for (const finding of HEADLESS.findings)
      assert.ok(
        out.findings.some((candidate) => candidate.code === finding.code && candidate.object === finding.object),
        finding.code,
      )
    const count = (severity: string) => out.findings.filter((finding) => finding.severity === severity).length
    assert.deepEqual(out.summary, {errors: count('error'), warnings: count('warning'), infos: count('info')})
    assert.equal(out.summary.errors, HEADLESS.summary.errors + 2, 'two missing A records')
    assert.deepEqual(
      HEADLESS.records.map((record) => record.status),
      HEADLESS.records.map(() => 'expected'),
      'the input report is not modified',
    )
  })

  it('records the observation and the primary server in report.dns', () => {
    const seen = observation(
      [R1, NAMESERVER, R2],
      [...truthful(CLUSTERIP, R1), ...truthful(CLUSTERIP, NAMESERVER), ...truthful(CLUSTERIP, R2)],
    )
    const dns = applyDnsObservation(CLUSTERIP, seen).dns!
    assert.equal(dns.primaryServer, 'nameserver', 'the non-replica server, wherever it is listed')
    assert.equal(dns.via, 'pod')
    assert.deepEqual(dns.servers, seen.servers)
    assert.deepEqual(dns.timings, {dns: 42})
    assert.deepEqual(dns.resolver, {pod: 'svc-inspect-resolver-x7k2p'})
  })

  it("report.dns keeps a pod IP's PTR records naming this Service and counts those naming others (a scan's JSON stays linear)", () => {
    const ptr = '5.1.244.10.in-addr.arpa.'
    const others = ['metrics', 'xhdls', 'hdls-old'].map(
      (name) => ['PTR', `10-244-1-5.${svcName(name)}`] as [string, string],
    )
    const out = applyDnsObservation(
      HEADLESS,
      observation(
        [NAMESERVER, R1],
        [NAMESERVER, R1].flatMap((server) =>
          truthful(HEADLESS, server, {[`${ptr} PTR`]: {answers: answersOf(['PTR', `hdls-0.${HD}`], ...others)}}),
        ),
      ),
    )
    const kept = out.dns!.queries.filter((result) => result.name === ptr)
    assert.deepEqual(
      kept.map((result) => [
        result.server,
        result.answers.map((answer) => answer.data),
        result.answersForOtherServices,
      ]),
      [
        ['nameserver', [`hdls-0.${HD}`], 3],
        [R1.label, [`hdls-0.${HD}`], 3],
      ],
    )
    const other = out.dns!.queries.find((result) => result.name === `${HD}` && result.type === 'A')!
    assert.equal(other.answersForOtherServices, undefined, 'answers of other questions are kept whole')
    assert.equal(other.answers.length, 2)
    assert.deepEqual(dnsFindings(out), [], "the other Services are not this one's business")
  })

  it('only replicas asked: the first one is the primary', () => {
    const out = applyDnsObservation(
      CLUSTERIP,
      observation([R1, R2], [...truthful(CLUSTERIP, R1, {[`${WEB} A`]: {answers: []}}), ...truthful(CLUSTERIP, R2)]),
    )
    assert.equal(out.dns!.primaryServer, R1.label)
    const missing = out.findings.find((finding) => finding.code === 'DNSRecordMissing')
    assert.match(missing?.message ?? '', /expected but coredns-5d78c9869d-4xk2p \(10\.244\.0\.3\) answered no records/)
  })

  it('no servers at all: records stay expected, no primary, no DNS findings', () => {
    const out = applyDnsObservation(CLUSTERIP, observation([], []))
    assert.deepEqual(out.records, CLUSTERIP.records)
    assert.equal(out.dns!.primaryServer, null)
    assert.deepEqual(dnsFindings(out), [])
  })
})

// ---------------------------------------------------------------------------------------------------------
// Replicas and timeouts
// ---------------------------------------------------------------------------------------------------------

describe('applyDnsObservation: replicas and timeouts', () => {
  it('a replica disagreeing with the majority: DNSReplicaInconsistent naming that replica, records still match', () => {
    const queries = [
      ...truthful(HEADLESS, NAMESERVER),
      ...truthful(HEADLESS, R1),
      ...truthful(HEADLESS, R2, {[`${HD} A`]: {answers: answersOf(['A', '10.244.1.5'])}}),
    ]
    const out = applyDnsObservation(HEADLESS, observation([NAMESERVER, R1, R2], queries))
    assert.deepEqual(codes(dnsFindings(out)), ['DNSReplicaInconsistent'])
    const [finding] = dnsFindings(out)
    assert.equal(finding.severity, 'error')
    assert.equal(finding.object, `pod/kube-system/${R2.label}`)
    assert.equal(
      finding.message,
      `CoreDNS replica ${R2.label} (10.244.0.4) answers ${HD} A differently: 10.244.1.5 instead of 10.244.1.5,10.244.2.7`,
    )
    assert.ok(out.records.every((record) => record.status === 'match'))
  })

  it('replicas that differ only in SRV weights agree', () => {
    const reweighed = {
      [`${HD} SRV`]: {answers: answersOf(['SRV', `0 10 8000 hdls-0.${HD}`], ['SRV', `0 90 8000 10-244-2-7.${HD}`])},
    }
    const queries = [...truthful(HEADLESS, NAMESERVER), ...truthful(HEADLESS, R1, reweighed), ...truthful(HEADLESS, R2)]
    assert.deepEqual(dnsFindings(applyDnsObservation(HEADLESS, observation([NAMESERVER, R1, R2], queries))), [])
  })

  it('a stale replica answering a name that must not resolve: inconsistent, with NXDOMAIN the majority', () => {
    const stale = {[`10-244-3-9.${HD} A`]: {rcode: 'NOERROR' as const, answers: answersOf(['A', '10.244.3.9'])}}
    const queries = [...truthful(HEADLESS, NAMESERVER), ...truthful(HEADLESS, R1), ...truthful(HEADLESS, R2, stale)]
    const out = applyDnsObservation(HEADLESS, observation([NAMESERVER, R1, R2], queries))
    assert.deepEqual(codes(dnsFindings(out)), ['DNSReplicaInconsistent'])
    assert.equal(
      dnsFindings(out)[0].message,
      `CoreDNS replica ${R2.label} (10.244.0.4) answers 10-244-3-9.${HD} A differently: 10.244.3.9 instead of NXDOMAIN`,
    )
  })

  const shown: Array<[string, Reply, string]> = [
    ['no records (NODATA)', {rcode: 'NOERROR', answers: []}, 'no records instead of 10.96.0.10'],
    ['NXDOMAIN', {rcode: 'NXDOMAIN', answers: []}, 'NXDOMAIN instead of 10.96.0.10'],
    ['SERVFAIL', {rcode: 'SERVFAIL', answers: []}, 'SERVFAIL instead of 10.96.0.10'],
    [
      'several addresses, sorted',
      {answers: answersOf(['A', '10.96.0.99'], ['A', '10.96.0.10'])},
      '10.96.0.10,10.96.0.99 instead of 10.96.0.10',
    ],
  ]
  for (const [what, reply, text] of shown) {
    it(`the replica message shows ${what} plainly`, () => {
      const queries = [
        ...truthful(CLUSTERIP, NAMESERVER),
        ...truthful(CLUSTERIP, R1),
        ...truthful(CLUSTERIP, R2, {[`${WEB} A`]: reply}),
      ]
      const found = dnsFindings(applyDnsObservation(CLUSTERIP, observation([NAMESERVER, R1, R2], queries)))
      assert.deepEqual(
        found.map((finding) => finding.message),
        [`CoreDNS replica ${R2.label} (10.244.0.4) answers ${WEB} A differently: ${text}`],
      )
    })
  }

  it('one replica and the nameserver disagreeing: the replica is named', () => {
    const queries = [
      ...truthful(CLUSTERIP, NAMESERVER),
      ...truthful(CLUSTERIP, R1, {[`${WEB} A`]: {answers: answersOf(['A', '10.96.0.99'])}}),
    ]
    const out = applyDnsObservation(CLUSTERIP, observation([NAMESERVER, R1], queries))
    assert.deepEqual(
      dnsFindings(out).map((finding) => [finding.code, finding.object]),
      [['DNSReplicaInconsistent', `pod/kube-system/${R1.label}`]],
    )
  })

  it('a single replica, no nameserver: nothing to compare with', () => {
    const out = applyDnsObservation(CLUSTERIP, observation([R1], truthful(CLUSTERIP, R1)))
    assert.deepEqual(dnsFindings(out), [])
  })

  it('every query to a replica timed out: DNSTimeout on that replica pod, no inconsistency claimed', () => {
    const timedOut = truthful(HEADLESS, R2).map((result) => ({
      ...result,
      rcode: 'TIMEOUT' as const,
      answers: [],
      timeMs: null,
      error: 'no answer to a probe query; server skipped',
    }))
    const out = applyDnsObservation(
      HEADLESS,
      observation([NAMESERVER, R1, R2], [...truthful(HEADLESS, NAMESERVER), ...truthful(HEADLESS, R1), ...timedOut]),
    )
    assert.deepEqual(codes(dnsFindings(out)), ['DNSTimeout'])
    const [finding] = dnsFindings(out)
    const total = questionsFor(HEADLESS).length
    assert.equal(finding.object, `pod/kube-system/${R2.label}`)
    assert.equal(finding.severity, 'error')
    assert.equal(
      finding.message,
      `${total} of ${total} queries to CoreDNS replica ${R2.label} (10.244.0.4:53) got no answer: no answer to a probe query; server skipped`,
    )
    assert.ok(
      out.records.every((record) => record.status === 'match'),
      'the primary answered',
    )
  })

  it('every query to the primary timed out: DNSTimeout on the service, every record left expected', () => {
    const timedOut = truthful(HEADLESS, NAMESERVER).map((result) => ({
      ...result,
      rcode: 'TIMEOUT' as const,
      answers: [],
      timeMs: null,
      error: 'no servers could be reached',
    }))
    const out = applyDnsObservation(
      HEADLESS,
      observation([NAMESERVER, R1, R2], [...timedOut, ...truthful(HEADLESS, R1), ...truthful(HEADLESS, R2)]),
    )
    assert.deepEqual(codes(dnsFindings(out)), ['DNSTimeout'])
    assert.equal(dnsFindings(out)[0].object, 'service/hdls')
    assert.match(
      dnsFindings(out)[0].message,
      /^\d+ of \d+ queries to nameserver \(10\.96\.0\.10:53\) got no answer: no servers could be reached$/,
    )
    assert.match(dnsFindings(out)[0].hint, /kube-dns Service/)
    assert.deepEqual(out.records, HEADLESS.records)
  })

  it("ERROR results count as no answer too, with dig's error text, but not as a timeout", () => {
    const broken = truthful(CLUSTERIP, NAMESERVER, {
      [`${WEB} A`]: {rcode: 'ERROR', answers: [], timeMs: null, error: 'no result from dig'},
    })
    const out = applyDnsObservation(CLUSTERIP, observation([NAMESERVER], broken))
    assert.deepEqual(codes(dnsFindings(out)), ['DNSQueryFailed'])
    assert.match(dnsFindings(out)[0].message, /^1 of 8 queries .* got no answer: no result from dig$/)
    assert.ok(statuses(out).includes(`expected ${WEB} A 10.96.0.10`))
  })
})

describe('applyDnsObservation: slow, refused, too large', () => {
  it('an answer that came late but inside the query timeout is slow, with its time, never a timeout', () => {
    const late = truthful(CLUSTERIP, NAMESERVER).map((result, index) =>
      index === 0 ? {...result, timeMs: 1512} : result,
    )
    const out = applyDnsObservation(CLUSTERIP, observation([NAMESERVER], late))
    assert.deepEqual(codes(dnsFindings(out)), ['DNSSlowAnswer'])
    assert.equal(dnsFindings(out)[0].severity, 'warning')
    assert.match(
      dnsFindings(out)[0].message,
      /^1 of 8 answers from nameserver \(10\.96\.0\.10:53\) took 1000 ms or more, within the query timeout: slowest 1512 ms \(/,
    )
    assert.ok(statuses(out).includes(`match ${WEB} A 10.96.0.10`), 'the late answer still counts')
  })

  it('a refused connection is said so, not taken for a timeout', () => {
    const refused = truthful(CLUSTERIP, R1).map((result) => ({
      ...result,
      rcode: 'ERROR' as const,
      answers: [],
      timeMs: null,
      error: 'no servers could be reached; over TCP: connection refused',
      failure: 'refused' as const,
    }))
    const out = applyDnsObservation(
      CLUSTERIP,
      observation([NAMESERVER, R1], [...truthful(CLUSTERIP, NAMESERVER), ...refused]),
    )
    assert.deepEqual(codes(dnsFindings(out)), ['DNSConnectionRefused'])
    assert.equal(dnsFindings(out)[0].object, `pod/kube-system/${R1.label}`)
    assert.match(
      dnsFindings(out)[0].message,
      /^8 of 8 queries to CoreDNS replica .* were refused: nothing listens on 10\.244\.0\.3:53 /,
    )
  })

  it('an answer too large for a DNS message (truncated over TCP) is named so, with the records received', () => {
    const big = truthful(CLUSTERIP, NAMESERVER).map((result, index) =>
      index === 0
        ? {
            ...result,
            error: 'answer too large for a DNS message: truncated even over TCP, 1 records received',
            failure: 'too-large' as const,
          }
        : result,
    )
    const out = applyDnsObservation(CLUSTERIP, observation([NAMESERVER], big))
    assert.deepEqual(codes(dnsFindings(out)), ['DNSAnswerTooLarge'])
    assert.match(
      dnsFindings(out)[0].message,
      /^1 of 8 queries to nameserver .* got an answer too large for a DNS message, truncated even over TCP \(e\.g\. .*: 1 records received\)$/,
    )
  })
})

describe('applyDnsObservation: transports', () => {
  const all = [NAMESERVER, R1, R2]
  const answers = () => all.flatMap((server) => truthful(HEADLESS, server))
  const run = (transports: TransportCheck[]) =>
    applyDnsObservation(HEADLESS, {...observation(all, answers()), transports})
  const both = (server: DnsServer): TransportCheck => ({server: server.label, tcp: true, udp: true})
  const cases: Array<{
    name: string
    transports: TransportCheck[]
    want: Array<[string, string, string]>
    message?: RegExp
  }> = [
    {name: 'every server answers both: nothing to say', transports: all.map(both), want: []},
    {name: 'no checks (port-forward): nothing to say', transports: [], want: []},
    {
      name: 'the nameserver unanswered over UDP: an error on the service, the records still match (they came over TCP)',
      transports: [
        {server: NAMESERVER.label, tcp: true, udp: false, error: 'no servers could be reached'},
        both(R1),
        both(R2),
      ],
      want: [['DNSTransportUnanswered', 'error', 'service/hdls']],
      message:
        /^nameserver \(10\.96\.0\.10:53\) answers over TCP but not over UDP \(no servers could be reached\): applications ask over UDP first, and time out$/,
    },
    {
      name: 'a replica unanswered over TCP: a warning on that replica pod',
      transports: [both(NAMESERVER), {server: R2.label, tcp: false, udp: true}, both(R1)],
      want: [['DNSTransportUnanswered', 'warning', `pod/kube-system/${R2.label}`]],
      message: new RegExp(
        `^CoreDNS replica ${R2.label} \\(10\\.244\\.0\\.4:53\\) answers over UDP but not over TCP .*too large for UDP`,
      ),
    },
    {
      name: 'a UDP check dig never got to (null) says nothing',
      transports: [{server: NAMESERVER.label, tcp: true, udp: null}],
      want: [],
    },
    {
      name: 'a check for a server not in the observation is ignored',
      transports: [{server: 'coredns-gone', tcp: false, udp: false}],
      want: [],
    },
  ]
  for (const row of cases) {
    it(row.name, () => {
      const out = run(row.transports)
      const found = out.findings.filter((finding) => finding.code === 'DNSTransportUnanswered')
      assert.deepEqual(
        found.map((finding) => [finding.code, finding.severity, finding.object]),
        row.want,
      )
      if (row.message) assert.match(found[0].message, row.message)
      assert.ok(
        out.records.every((record) => record.status === 'match'),
        'the answers themselves match',
      )
      assert.deepEqual(out.dns!.transports, row.transports, 'kept in report.dns')
    })
  }
})

// ---------------------------------------------------------------------------------------------------------
// Reachability and problems
// ---------------------------------------------------------------------------------------------------------

const reach = (
  address: string,
  port: number,
  role: ReachResult['role'],
  state: ReachResult['state'],
  detail?: string,
): ReachResult => ({
  address,
  port,
  role,
  protocol: 'TCP',
  state,
  ...(detail ? {detail} : {}),
})

describe('applyDnsObservation: reachability', () => {
  const clusterIPRun = (reachability: ReachResult[]) =>
    applyDnsObservation(CLUSTERIP, observation([NAMESERVER], truthful(CLUSTERIP, NAMESERVER), reachability))
  const headlessRun = (reachability: ReachResult[]) =>
    applyDnsObservation(HEADLESS, observation([NAMESERVER], truthful(HEADLESS, NAMESERVER), reachability))

  const rows: Array<{name: string; reachability: ReachResult[]; want: Array<[string, string, RegExp]>}> = [
    {
      name: 'everything open: nothing to say',
      reachability: [
        reach('10.96.0.10', 80, 'clusterIP', 'open'),
        reach('10.244.1.10', 8080, 'endpoint', 'open'),
        reach('10.244.2.11', 8080, 'endpoint', 'open'),
      ],
      want: [],
    },
    {
      name: 'ClusterIP refused: PortUnreachable on the service',
      reachability: [reach('10.96.0.10', 80, 'clusterIP', 'refused'), reach('10.244.1.10', 8080, 'endpoint', 'open')],
      want: [['PortUnreachable', 'service/web', /^ClusterIP 10\.96\.0\.10:80\/TCP is refused$/]],
    },
    {
      name: 'a ready endpoint timing out: PortUnreachable on the endpoint, with the detail',
      reachability: [
        reach('10.96.0.10', 80, 'clusterIP', 'open'),
        reach(
          '10.244.2.11',
          8080,
          'endpoint',
          'error',
          'nc: connect to 10.244.2.11 port 8080 (tcp) failed: No route to host',
        ),
      ],
      want: [
        [
          'PortUnreachable',
          'endpoint/10.244.2.11',
          /^ready endpoint 10\.244\.2\.11:8080\/TCP is error \(nc: connect to .* No route to host\)$/,
        ],
      ],
    },
    {
      name: 'IPv6 endpoints are bracketed',
      reachability: [reach('fd00:10:244:1::a', 8080, 'endpoint', 'timeout')],
      want: [
        ['PortUnreachable', 'endpoint/fd00:10:244:1::a', /^ready endpoint \[fd00:10:244:1::a\]:8080\/TCP is timeout$/],
      ],
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      const found = dnsFindings(clusterIPRun(row.reachability))
      assert.deepEqual(
        found.map((finding) => [finding.code, finding.object]),
        row.want.map(([code, object]) => [code, object]),
      )
      found.forEach((finding, index) => {
        assert.equal(finding.severity, 'error')
        assert.match(finding.message, row.want[index][2])
      })
    })
  }

  it('headless: the service port refused on every pod while the target port is open confirms the trap (error, with evidence)', () => {
    const out = headlessRun([
      reach('10.244.1.5', 8000, 'endpoint', 'open'),
      reach('10.244.2.7', 8000, 'endpoint', 'open'),
      reach('10.244.1.5', 80, 'service-port-on-endpoint', 'refused'),
      reach('10.244.2.7', 80, 'service-port-on-endpoint', 'refused'),
    ])
    const traps = out.findings.filter((finding) => finding.code === 'HeadlessPortMismatch')
    assert.equal(traps.length, 1)
    assert.equal(traps[0].severity, 'error')
    const original = HEADLESS.findings.find((finding) => finding.code === 'HeadlessPortMismatch')!
    assert.equal(
      traps[0].message,
      `${original.message} (seen from the resolver pod: 10.244.1.5:80 refused, :8000 open; 10.244.2.7:80 refused, :8000 open)`,
    )
    assert.match(traps[0].message, /:80 refused, :8000 open/)
    assert.equal(traps[0].hint, original.hint)
    // The service port on the pods is the trap's evidence, not a PortUnreachable of its own.
    assert.deepEqual(dnsFindings(out), [])
    assert.equal(out.summary.errors, HEADLESS.summary.errors + 1)
    assert.equal(out.summary.warnings, HEADLESS.summary.warnings - 1)
  })

  it('headless: something answers on the service port of one pod: the trap stays a warning, with the evidence', () => {
    const out = headlessRun([
      reach('10.244.1.5', 8000, 'endpoint', 'open'),
      reach('10.244.1.5', 80, 'service-port-on-endpoint', 'open'),
      reach('10.244.2.7', 80, 'service-port-on-endpoint', 'refused'),
    ])
    const [trap] = out.findings.filter((finding) => finding.code === 'HeadlessPortMismatch')
    assert.equal(trap.severity, 'warning')
    assert.match(
      trap.message,
      /\(seen from the resolver pod: 10\.244\.1\.5:80 open, :8000 open; 10\.244\.2\.7:80 refused\)$/,
    )
  })

  it('headless: no probe of the service port: the trap is kept as diagnosed', () => {
    const out = headlessRun([reach('10.244.1.5', 8000, 'endpoint', 'open')])
    assert.deepEqual(
      out.findings.filter((finding) => finding.code === 'HeadlessPortMismatch'),
      HEADLESS.findings.filter((finding) => finding.code === 'HeadlessPortMismatch'),
    )
  })

  it('headless: the target port refused too is a PortUnreachable of its own', () => {
    const out = headlessRun([
      reach('10.244.1.5', 8000, 'endpoint', 'refused'),
      reach('10.244.1.5', 80, 'service-port-on-endpoint', 'refused'),
    ])
    assert.deepEqual(
      dnsFindings(out).map((finding) => [finding.code, finding.object]),
      [['PortUnreachable', 'endpoint/10.244.1.5']],
    )
    const [trap] = out.findings.filter((finding) => finding.code === 'HeadlessPortMismatch')
    assert.match(trap.message, /10\.244\.1\.5:80 refused, :8000 refused\)$/)
  })
})

describe('applyDnsObservation: problems, ordering, summary', () => {
  it('each problem is a ResolverUnavailable warning with the problem as message', () => {
    const problems = ['CoreDNS pods unreadable: pods is forbidden', 'replica coredns-x has no IP']
    const out = applyDnsObservation(CLUSTERIP, observation([NAMESERVER], truthful(CLUSTERIP, NAMESERVER), [], problems))
    const found = out.findings.filter((finding) => finding.code === 'ResolverUnavailable')
    assert.deepEqual(
      found.map((finding) => [finding.severity, finding.object, finding.message]),
      problems.map((problem) => ['warning', 'service/web', problem]),
    )
    assert.ok(
      out.records.every((record) => record.status === 'match'),
      'the rest of the check still counts',
    )
  })

  it('findings come errors first, then warnings, then infos; the summary counts them', () => {
    const queries = [
      ...truthful(HEADLESS, NAMESERVER, {[`${HD} A`]: {answers: answersOf(['A', '10.244.1.5'])}}),
      ...truthful(HEADLESS, R1),
    ]
    const out = applyDnsObservation(
      HEADLESS,
      observation([NAMESERVER, R1], queries, [reach('10.244.1.5', 8000, 'endpoint', 'refused')], ['a problem']),
    )
    const order = {error: 0, warning: 1, info: 2}
    const ranks = out.findings.map((finding) => order[finding.severity])
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    )
    assert.deepEqual(
      codes(dnsFindings(out)).sort(),
      ['DNSRecordMissing', 'PortUnreachable', 'ResolverUnavailable'],
      'a replica that gives the expected answer is not outvoted by a wrong nameserver answer',
    )
    // Errors: DNSRecordMissing, PortUnreachable; warnings: the fixture's ReadinessProbeFailing (pod hdls-2) and
    // HeadlessPortMismatch, and the problem's ResolverUnavailable.
    assert.deepEqual(out.summary, {errors: 2, warnings: 3, infos: 0})
    assert.ok(out.summary.errors >= 2 && out.summary.warnings >= 2, JSON.stringify(out.summary))
  })
})

describe('applyDnsObservation: answers a DNS cache may still hold', () => {
  const T0 = '2026-11-29T10:00:00.000Z'
  const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString()
  const cache = (layer: string, successTtl: number, denialTtl: number, disabled = false) => ({
    layer,
    successTtl,
    denialTtl,
    successDisabled: disabled,
    denialDisabled: disabled,
    source: 'configmap/kube-system/coredns',
  })
  // The report after readiness was fixed at T0: hdls-1's own name is now expected.
  const fixedAt = (
    caches: ReturnType<typeof cache>[],
    implementation: 'coredns' | 'unknown' = 'coredns',
  ): ServiceReport => ({
    ...HEADLESS,
    endpointsChangedAt: T0,
    dnsServer: {...HEADLESS.dnsServer!, implementation, caches, ttl: 30},
  })
  const stillNxdomain = {[`10-244-2-7.${HD} A`]: {rcode: 'NXDOMAIN' as const, answers: []}}
  const run = (report: ServiceReport, seconds: number, changes: Record<string, Reply> = stillNxdomain) =>
    applyDnsObservation(report, {
      ...observation([NAMESERVER], truthful(report, NAMESERVER, changes)),
      observedAt: at(seconds),
    })

  it('5 s after the change, under `cache 30`: a warning naming the cache and when it expires, no error', () => {
    const out = run(fixedAt([cache('coredns', 30, 30)]), 5)
    assert.deepEqual(codes(dnsFindings(out)), [])
    const cached = out.findings.filter((finding) => finding.code === 'DNSAnswerCached')
    assert.equal(cached.length, 1)
    assert.equal(cached[0].severity, 'warning')
    assert.match(
      cached[0].message,
      /^10-244-2-7\.hdls\.default\.svc\.cluster\.local\. A 10\.244\.2\.7 is expected but nameserver \(10\.96\.0\.10\) answered NXDOMAIN; the endpoints changed at 2026-11-29T10:00:00.000Z, 5 s before the question, and the CoreDNS cache may keep a negative answer for 30 s: expect the right answer by 2026-11-29T10:00:30.000Z$/,
    )
    assert.equal(cached[0].details?.expiresAt, '2026-11-29T10:00:30.000Z')
    assert.equal(out.summary.errors, 0)
  })

  it('40 s after the change the window is over: the missing record is an error again', () => {
    const out = run(fixedAt([cache('coredns', 30, 30)]), 40)
    assert.deepEqual(codes(dnsFindings(out)), ['DNSRecordMissing'])
    assert.equal(out.findings.filter((finding) => finding.code === 'DNSAnswerCached').length, 0)
  })

  it("kubeadm's newer `disable success/denial cluster.local`: no cache holds the zone, so it is an error at once", () => {
    const out = run(fixedAt([cache('coredns', 30, 30, true)]), 5)
    assert.deepEqual(codes(dnsFindings(out)), ['DNSRecordMissing'])
  })

  it('NodeLocal DNSCache caps negative answers at 5 s: 8 s after the change it no longer explains an NXDOMAIN', () => {
    const out = run(fixedAt([cache('coredns', 30, 30, true), cache('node-local-dns', 30, 5)]), 8)
    assert.deepEqual(codes(dnsFindings(out)), ['DNSRecordMissing'])
  })

  it('a stale positive answer whose TTL counts down is a cached copy: it expires after its TTL', () => {
    const report = {...fixedAt([cache('coredns', 30, 30)]), endpointsChangedAt: undefined}
    const out = run(report, 100, {
      [`${HD} A`]: {
        answers: [...answersOf(['A', '10.244.1.5'], ['A', '10.244.2.7']), {type: 'A', ttl: 12, data: '10.244.3.9'}],
      },
    })
    assert.deepEqual(codes(dnsFindings(out)), [])
    const cached = out.findings.filter((finding) => finding.code === 'DNSAnswerCached')
    assert.equal(cached.length, 1)
    assert.match(cached[0].message, /answered 10\.244\.3\.9, .*its TTL 12 s is below the server's 30 s/)
    assert.equal(cached[0].details?.expiresAt, at(112))
  })

  it('a name in no zone the server serves (a wrong --cluster-domain) is never explained by a cache', () => {
    const report = {
      ...fixedAt([cache('coredns', 30, 30)]),
      dnsServer: {...fixedAt([cache('coredns', 30, 30)]).dnsServer!, zones: ['other.zone']},
    }
    const out = run(report, 5)
    assert.deepEqual(codes(dnsFindings(out)), ['DNSRecordMissing'])
  })

  it("a ClusterIP Service's own name follows the Service, not its endpoints: a fresh endpoint change does not excuse it", () => {
    const report: ServiceReport = {
      ...CLUSTERIP,
      endpointsChangedAt: T0,
      serviceChangedAt: at(-3600),
      dnsServer: {...CLUSTERIP.dnsServer!, caches: [cache('coredns', 30, 30)], ttl: 30},
    }
    const out = run(report, 5, {[`${WEB} A`]: {rcode: 'NXDOMAIN' as const, answers: []}})
    assert.deepEqual(codes(dnsFindings(out)), ['DNSRecordMissing'])
    // Its endpoints' own names do follow the endpoints.
    const endpointName = report.records.find((record) => record.type === 'A' && record.name !== WEB)!
    const cachedOut = run(report, 5, {[`${endpointName.name} A`]: {rcode: 'NXDOMAIN' as const, answers: []}})
    assert.deepEqual(codes(dnsFindings(cachedOut)), [])
    assert.equal(cachedOut.findings.filter((finding) => finding.code === 'DNSAnswerCached').length, 1)
  })

  it('an unknown DNS server: a mismatch is a warning whose hint names what was assumed', () => {
    const out = run(fixedAt([], 'unknown'), 100)
    const missing = out.findings.filter((finding) => finding.code === 'DNSRecordMissing')
    assert.equal(missing.length, 1)
    assert.equal(missing[0].severity, 'warning')
    assert.match(missing[0].hint, /DNS server is unknown .* --dns-server/)
  })

  it('a Corefile changed 30 s before the question, with `reload`: the replicas may still run the old one (a warning until it is applied)', () => {
    // kubelet: "sync period + ttl of ConfigMaps cache" (1 min each, configure-pod-configmap); plugin/reload/setup.go:
    // each check after the interval plus up to half the jitter (30 s, 15 s): applied by 120 + 30 + 7.5 s.
    const changed = (reload: {intervalSeconds: number; jitterSeconds: number} | null): ServiceReport => ({
      ...fixedAt([]),
      endpointsChangedAt: at(-3600),
      dnsServer: {...fixedAt([]).dnsServer!, corefileChangedAt: at(-30), reload},
    })
    const out = run(changed({intervalSeconds: 30, jitterSeconds: 15}), 0)
    assert.deepEqual(codes(dnsFindings(out)), [])
    const pending = out.findings.filter((finding) => finding.code === 'DNSCorefilePending')
    assert.equal(pending.length, 1)
    assert.equal(pending[0].severity, 'warning')
    assert.equal(
      pending[0].message,
      '10-244-2-7.hdls.default.svc.cluster.local. A 10.244.2.7 is expected but nameserver (10.96.0.10) answered NXDOMAIN; the Corefile changed at 2026-11-29T09:59:30.000Z, 30 s before the question, and the replicas may still run the one before: expect it applied by 2026-11-29T10:02:07.500Z',
    )
    assert.equal(pending[0].details?.expiresAt, '2026-11-29T10:02:07.500Z')
    // After the window: an error again.
    assert.deepEqual(codes(dnsFindings(run(changed({intervalSeconds: 30, jitterSeconds: 15}), 160))), [
      'DNSRecordMissing',
    ])
    // No reload: no time applies the change, so the window says nothing.
    assert.deepEqual(codes(dnsFindings(run(changed(null), 0))), ['DNSRecordMissing'])
  })

  it('inside the window, replicas known to have started after the change loaded it: their answers are judged as usual', () => {
    const report: ServiceReport = {
      ...fixedAt([]),
      endpointsChangedAt: at(-3600),
      dnsServer: {
        ...fixedAt([]).dnsServer!,
        corefileChangedAt: at(-30),
        reload: {intervalSeconds: 30, jitterSeconds: 15},
      },
    }
    const withStarts = (starts: Record<string, string>) =>
      applyDnsObservation(report, {
        ...observation(
          [NAMESERVER, R1, R2],
          [NAMESERVER, R1, R2].flatMap((server) => truthful(report, server, stillNxdomain)),
        ),
        observedAt: at(0),
        replicaStarts: starts,
      })
    // Both restarted after the change (a rollout): the NXDOMAIN is an error at once.
    assert.deepEqual(codes(dnsFindings(withStarts({[R1.label]: at(-20), [R2.label]: at(-10)}))), ['DNSRecordMissing'])
    // One still from before: the nameserver may be sent to it, so the mismatch may be the old Corefile's.
    const mixed = withStarts({[R1.label]: at(-20), [R2.label]: at(-600)})
    assert.deepEqual(codes(dnsFindings(mixed)), [])
    assert.equal(mixed.findings.filter((finding) => finding.code === 'DNSCorefilePending').length, 1)
    // A start that could not be read counts as from before.
    assert.deepEqual(codes(dnsFindings(withStarts({[R1.label]: at(-20)}))), [])
  })

  it('servers answering version.bind with different releases (a rollout): a mismatch is a warning naming them', () => {
    const report = fixedAt([])
    const mixed = {
      ...report,
      dnsServer: {
        ...report.dnsServer!,
        serverReleases: [
          {server: 'nameserver', answer: '"CoreDNS-1.11.3"', release: '1.11.3'},
          {server: 'coredns-b', answer: '"CoreDNS-1.12.0"', release: '1.12.0'},
        ],
      },
    }
    const missing = run(mixed, 100).findings.filter((finding) => finding.code === 'DNSRecordMissing')
    assert.equal(missing.length, 1)
    assert.equal(missing[0].severity, 'warning')
    assert.match(missing[0].hint, /^the DNS servers run different releases \(1\.11\.3, 1\.12\.0; /)
    // One release named by every server: an error as before.
    const agreed = {
      ...mixed,
      dnsServer: {...mixed.dnsServer, serverReleases: mixed.dnsServer.serverReleases.slice(0, 1)},
    }
    const stillError = run(agreed, 100).findings.filter((finding) => finding.code === 'DNSRecordMissing')
    assert.equal(stillError[0].severity, 'error')
  })
})

describe('applyDnsObservation: endpoints that could not be read (a forbidden namespace in a scan)', () => {
  // scan's gather notes a refused EndpointSlice list as a ReadProblem; buildReport then marks the report
  // endpointsUnread. The answers CoreDNS gives from the endpoints it does see are neither confirmed nor refuted.
  const unreadHeadless = buildReport({
    service: headless('hdls', [port('http', 80, 'TCP', 8000)]),
    endpointSlices: [],
    pods: [],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [{what: 'endpointslices in default', resource: 'endpointslices', message: 'Forbidden'}],
  })
  const readHeadless = {...unreadHeadless, endpointsUnread: undefined}
  const podAnswers = (report: ServiceReport) =>
    questionsFor(report).map((question): QueryResult => ({
      server: NAMESERVER.label,
      name: question.name,
      type: question.type,
      rcode: 'NOERROR',
      answers: question.type === 'A' ? answersOf(['A', '10.244.1.5'], ['A', '10.244.2.7']) : [],
      timeMs: 1,
      transport: 'TCP',
    }))
  const rows: Array<{name: string; report: ServiceReport; codes: string[]; records: string[]}> = [
    {
      name: 'unread: the pod IPs DNS answers for the headless name are not judged (no DNSRecordUnexpected)',
      report: unreadHeadless,
      codes: [],
      records: [],
    },
    {
      // No endpoints: the headless name must answer NXDOMAIN (CoreDNS kubernetes plugin, no endpoints -> NXDOMAIN).
      name: 'the same answers with the endpoints read (and empty): DNSNameShouldNotResolve, as before',
      report: readHeadless,
      codes: ['DNSNameShouldNotResolve', 'DNSNameShouldNotResolve'],
      records: [`unexpected ${HD} A 10.244.1.5`, `unexpected ${HD} A 10.244.2.7`],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.equal(unreadHeadless.endpointsUnread, true)
      const out = applyDnsObservation(row.report, observation([NAMESERVER], podAnswers(row.report)))
      assert.deepEqual(codes(dnsFindings(out)), row.codes)
      assert.deepEqual(statuses(out), row.records)
    })
})
