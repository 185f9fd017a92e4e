// The live scan's batching: the services' questions go through one live check in batches of bounded size, a
// reachability target shared by several services is probed once, and each service gets back its own answers.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {Pod, Service} from '../../src/model/k8s.js'
import type {ServiceReport} from '../../src/model/report.js'
import type {DnsQuestion, ReachTarget} from '../../src/dns/types.js'
import {buildReport} from '../../src/analyse/report.js'
import {questionsFor, type DnsObservation} from '../../src/analyse/dns-diff.js'
import {reachTargetsFor} from '../../src/analyse/reach-targets.js'
import {batchesOf, checkBatches, judgeOnlyServicesStillThere, scanCluster} from '../../src/app/scan.js'
import {KubeGateway} from '../../src/kube/gateway.js'
import {clusterIP, port, svcName} from './factories.js'
import {controllerSlices, pod} from './recorded.js'

function reportOf(service: Service, pods: Pod[]): ServiceReport {
  return buildReport({
    service,
    endpointSlices: controllerSlices(service, pods),
    pods,
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
}

// Two Services on the same two pods (same selector, same target port), and one on a pod of its own.
const shared = [
  pod({name: 'web-a', ip: '10.244.1.10', labels: {app: 'web'}}),
  pod({name: 'web-b', ip: '10.244.2.11', labels: {app: 'web'}}),
]
const web = reportOf(clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)], {selector: {app: 'web'}}), shared)
const alias = reportOf(
  clusterIP('alias', '10.96.0.11', [port('http', 80, 'TCP', 8080)], {selector: {app: 'web'}}),
  shared,
)
const db = reportOf(clusterIP('db', '10.96.0.12', [port('pg', 5432, 'TCP', 5432)]), [
  pod({name: 'db-0', ip: '10.244.3.5', labels: {app: 'db'}}),
])

/** A live check that answers every question NOERROR with its name as data, and every target open. */
function fakeCheck() {
  const batches: Array<{questions: DnsQuestion[]; targets: ReachTarget[]}> = []
  return {
    batches,
    reachTargets: (report: ServiceReport) => reachTargetsFor(report),
    async observeBatch(questions: DnsQuestion[], targets: ReachTarget[]): Promise<DnsObservation> {
      batches.push({questions, targets})
      return {
        via: 'pod',
        servers: [{label: 'nameserver', address: '10.96.0.10', port: 53, replica: false}],
        queries: questions.map((question) => ({
          server: 'nameserver',
          ...question,
          rcode: 'NOERROR',
          answers: [{type: 'TXT', ttl: 5, data: question.name}],
          timeMs: 1,
        })),
        reachability: targets.map((target) => ({...target, state: 'open'})),
        transports: [],
        resolver: {},
        timings: {queryMs: 1},
        problems: [],
      }
    },
  }
}

describe('batchesOf', () => {
  it('groups reports in order up to the question limit, never splitting a report', () => {
    const counts = [web, alias, db].map((report) => questionsFor(report).length)
    assert.deepEqual(batchesOf([web, alias, db], counts[0] + counts[1]), [[web, alias], [db]])
    assert.deepEqual(batchesOf([web, alias, db], 1), [[web], [alias], [db]])
    assert.deepEqual(batchesOf([web, alias, db], 10_000), [[web, alias, db]])
    assert.deepEqual(batchesOf([], 10), [])
  })
})

describe('checkBatches', () => {
  it('probes a pod:port shared by two services once, and gives each service its own answers and probes', async () => {
    const check = fakeCheck()
    const {reports} = await checkBatches(check, [[web, alias], [db]], [])
    assert.equal(check.batches.length, 2)
    const probed = check.batches.flatMap((batch) => batch.targets.map((target) => `${target.address}:${target.port}`))
    assert.equal(new Set(probed).size, probed.length, `each target once: ${probed.join(', ')}`)
    assert.ok(probed.includes('10.244.1.10:8080') && probed.includes('10.244.3.5:5432'))
    for (const report of reports) {
      const mine = new Set(questionsFor(report).map(({name, type}) => `${name} ${type}`))
      assert.deepEqual(new Set((report.dns as DnsObservation).queries.map(({name, type}) => `${name} ${type}`)), mine)
      const reached = (report.dns as DnsObservation).reachability.map((result) => `${result.address}:${result.port}`)
      assert.deepEqual(
        reached.sort(),
        reachTargetsFor(report)
          .map((target) => `${target.address}:${target.port}`)
          .sort(),
      )
    }
    // The second service on the same pods got the probes made in the first one's batch.
    assert.ok((reports[1].dns as DnsObservation).reachability.some((result) => result.address === '10.244.2.11'))
  })

  it('two batches in flight; each is finished in order (what a streamed table prints), its result being the final one', async () => {
    const check = fakeCheck()
    const events: string[] = []
    const asked = check.observeBatch.bind(check)
    // The first batch answers after the second: it is still finished first.
    let calls = 0
    check.observeBatch = async (questions, targets) => {
      const number = ++calls
      events.push(`asked ${number}`)
      await new Promise((resolve) => setTimeout(resolve, number === 1 ? 30 : 0))
      events.push(`answered ${number}`)
      return asked(questions, targets)
    }
    const {reports} = await checkBatches(check, [[web, alias], [db]], [], undefined, (batch) => {
      events.push(`finished ${batch.map((report) => report.service.name).join('+')}`)
      return batch.map((report) => ({...report, clusterDomain: `finished.${report.service.name}`}))
    })
    assert.deepEqual(events, ['asked 1', 'asked 2', 'answered 2', 'answered 1', 'finished web+alias', 'finished db'])
    assert.deepEqual(
      reports.map((report) => report.clusterDomain),
      ['finished.web', 'finished.alias', 'finished.db'],
    )
  })

  it("asks a contract's questions in the first batch and returns the primary server's answers to them", async () => {
    const check = fakeCheck()
    const extra = [{name: `extra.${svcName('web')}`, type: 'A' as const}]
    const {extraAnswers} = await checkBatches(check, [[web], [db]], extra)
    assert.ok(check.batches[0].questions.some((question) => question.name === extra[0].name))
    assert.ok(!check.batches[1].questions.some((question) => question.name === extra[0].name))
    assert.deepEqual(
      extraAnswers.map((answer) => answer.name),
      [extra[0].name],
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// The reads: a KubeGateway over a fake API (only the list calls the scan makes)
// ---------------------------------------------------------------------------------------------------------

const forbidden = (what: string) => Object.assign(new Error(what), {code: 403, body: JSON.stringify({message: what})})

function fakeGateway(options: {clusterWide: boolean; forbiddenNamespaces?: string[]}) {
  const calls: string[] = []
  const page = (items: unknown[]) => ({items, metadata: {}})
  const inNamespace = (namespace: string, kind: string, items: unknown[]) => {
    calls.push(`${kind} ${namespace}`)
    if (options.forbiddenNamespaces?.includes(namespace)) throw forbidden(`${kind} is forbidden in ${namespace}`)
    return page(items)
  }
  const gateway = Object.create(KubeGateway.prototype) as KubeGateway
  Object.assign(gateway, {
    requestTimeoutMs: 0,
    core: {
      listPodForAllNamespaces: async () => {
        calls.push('pods *')
        if (!options.clusterWide) throw forbidden('pods is forbidden at the cluster scope')
        return page(shared.map((item) => ({...item, metadata: {...item.metadata, namespace: 'default'}})))
      },
      listNamespacedPod: async ({namespace}: {namespace: string}) => inNamespace(namespace, 'pods', shared),
      listNamespacedEvent: async ({namespace}: {namespace: string}) => inNamespace(namespace, 'events', []),
    },
    discovery: {
      listEndpointSliceForAllNamespaces: async () => {
        calls.push('endpointslices *')
        if (!options.clusterWide) throw forbidden('endpointslices is forbidden at the cluster scope')
        return page(controllerSlices(svc('web', 'default'), shared))
      },
      listNamespacedEndpointSlice: async ({namespace}: {namespace: string}) =>
        inNamespace(namespace, 'endpointslices', []),
    },
    readDnsServer: async () => ({zone: 'cluster.local', profile: undefined}),
  })
  return {gateway, calls}
}

const svc = (name: string, namespace: string) =>
  ({
    ...clusterIP(name, '10.96.1.1', [port('http', 80, 'TCP', 8080)], {selector: {app: 'web'}}),
    metadata: {name, namespace},
  }) as Service

describe('scanCluster reads', () => {
  it('-A: one list of EndpointSlices and one of pods for the whole cluster, none per namespace', async () => {
    const {gateway, calls} = fakeGateway({clusterWide: true})
    const {reports} = await scanCluster(gateway, [svc('web', 'default'), svc('api', 'shop')], {
      concurrency: 4,
      allNamespaces: true,
      clusterDomainFlag: 'cluster.local',
    })
    assert.deepEqual(calls.sort(), ['endpointslices *', 'pods *'])
    assert.equal(reports.length, 2)
    assert.equal(reports.find((report) => report.service.name === 'web')?.endpoints.length, 2)
  })

  it('a namespace that cannot be read is a ReadFailed finding for its services, and the scan goes on', async () => {
    const {gateway, calls} = fakeGateway({clusterWide: false, forbiddenNamespaces: ['secret']})
    const {reports} = await scanCluster(gateway, [svc('web', 'default'), svc('vault', 'secret')], {
      concurrency: 4,
      allNamespaces: true,
      clusterDomainFlag: 'cluster.local',
    })
    // The cluster-wide lists were refused: read namespace by namespace.
    assert.ok(calls.includes('endpointslices default') && calls.includes('pods secret'), calls.join(', '))
    const vault = reports.find((report) => report.service.name === 'vault')!
    const failed = vault.findings.filter((finding) => finding.code === 'ReadFailed')
    assert.deepEqual(failed.map((finding) => finding.object).sort(), ['endpointslices in secret', 'pods in secret'])
    const webReport = reports.find((report) => report.service.name === 'web')!
    assert.ok(!webReport.findings.some((finding) => finding.code === 'ReadFailed'))
  })
})

describe('scan progress', () => {
  it('counts namespaces read, and the names asked as each batch is answered', async () => {
    const {gateway} = fakeGateway({clusterWide: true})
    const seen: string[] = []
    await scanCluster(gateway, [svc('web', 'default'), svc('api', 'shop')], {
      concurrency: 1,
      allNamespaces: true,
      clusterDomainFlag: 'cluster.local',
      onProgress: (progress) => seen.push(`${progress.namespacesRead}/${progress.namespaces}`),
    })
    assert.deepEqual(seen, ['0/2', '1/2', '2/2'])
    const asked: number[] = []
    await checkBatches(fakeCheck(), [[web, alias], [db]], [], (count) => asked.push(count))
    assert.deepEqual(asked, [questionsFor(web).length + questionsFor(alias).length, questionsFor(db).length])
  })
})

describe('Services deleted while the scan asked their names', () => {
  // Reads at the start: web (uid-web), db (uid-db), alias (uid-alias), all in "default".
  const withUid = (report: ServiceReport, uid: string) =>
    ({
      ...clusterIP(report.service.name, '10.96.0.10', []),
      metadata: {name: report.service.name, namespace: 'default', uid},
    }) as Service
  const read = [withUid(web, 'uid-web'), withUid(db, 'uid-db'), withUid(alias, 'uid-alias')]
  const missing = (report: ServiceReport): ServiceReport => ({
    ...report,
    findings: [...report.findings, {code: 'DNSRecordMissing', severity: 'error', object: 'x', message: 'm', hint: 'h'}],
    summary: {...report.summary, errors: report.summary.errors + 1},
  })
  const gatewayListing = (now: Service[] | Error, listed: string[]) => {
    const gateway = Object.create(KubeGateway.prototype) as KubeGateway
    Object.assign(gateway, {
      listServices: async (namespace: string) => {
        listed.push(namespace)
        if (now instanceof Error) throw now
        return now
      },
    })
    return gateway
  }
  const unchecked = new Map([web, db, alias].map((report) => [`default/${report.service.name}`, report]))

  it('a Service gone (db) or there under a new uid (alias): its unchecked report and a warning; one still there keeps its errors', async () => {
    const listed: string[] = []
    const now = [withUid(web, 'uid-web'), withUid(alias, 'uid-alias-2')]
    const out = await judgeOnlyServicesStillThere(
      gatewayListing(now, listed),
      [missing(web), missing(db), missing(alias)],
      unchecked,
      read,
    )
    assert.deepEqual(listed, ['default'])
    assert.deepEqual(
      out.map((report) => [
        report.service.name,
        report.findings.map((finding) => `${finding.severity} ${finding.code}`),
      ]),
      [
        ['web', ['error DNSRecordMissing']],
        ['db', ['warning TargetPortNotDeclared', 'warning ServiceDeletedDuringScan']],
        ['alias', ['warning ServiceDeletedDuringScan']],
      ],
    )
    assert.equal(
      out[1].findings.find((finding) => finding.code === 'ServiceDeletedDuringScan')?.message,
      'default/db was deleted while the scan asked its DNS names: its live answers are not judged',
    )
    assert.match(out[2].findings[0].message, /^default\/alias was deleted and created again while/)
    assert.deepEqual(out[1].summary, {errors: 0, warnings: 2, infos: 0}, 'the DNS error is gone with the live answers')
  })

  it('a cache warning only (DNSAnswerCached on a Service created and deleted within the window): judged the same', async () => {
    const listed: string[] = []
    const cached: ServiceReport = {
      ...db,
      findings: [...db.findings, {code: 'DNSAnswerCached', severity: 'warning', object: 'x', message: 'm', hint: 'h'}],
      summary: {...db.summary, warnings: db.summary.warnings + 1},
    }
    const out = await judgeOnlyServicesStillThere(
      gatewayListing([withUid(web, 'uid-web')], listed),
      [cached],
      unchecked,
      read,
    )
    assert.deepEqual(listed, ['default'])
    assert.deepEqual(
      out[0].findings.map((finding) => finding.code),
      ['TargetPortNotDeclared', 'ServiceDeletedDuringScan'],
    )
  })

  it('no DNS errors added: nothing is listed again', async () => {
    const listed: string[] = []
    const out = await judgeOnlyServicesStillThere(gatewayListing([], listed), [web, db], unchecked, read)
    assert.deepEqual(listed, [])
    assert.deepEqual(out, [web, db])
  })

  it('the list fails (forbidden): the reports stay as they are', async () => {
    const checked = [missing(db)]
    const out = await judgeOnlyServicesStillThere(gatewayListing(new Error('forbidden'), []), checked, unchecked, read)
    assert.deepEqual(out, checked)
  })
})
