// The four seed scenarios on the real local cluster: inspect explains them, and the expected records are
// cross-checked against what the cluster's CoreDNS really answers (through every replica).
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {parseSrv} from '../../src/dns/types.js'
import type {ServiceReport} from '../../src/model/report.js'
import {cli, kubectl} from '../support/run.js'
import {
  applyScenario,
  clusterZone,
  deleteScenario,
  RESOLVER_ARGS,
  resolverPods,
  SCENARIOS,
  touchReady,
  waitEndpoints,
} from '../support/scenarios.js'
import {coreDnsAddresses, digFromHost, normalize} from '../support/host-dig.js'

let zone = ''
/** When the live check asked the headless name while no pod was ready: CoreDNS (`cache 30`) keeps that NXDOMAIN. */
let askedWhileNotReady = 0

async function inspect(
  service: string,
  namespace: string,
  extra: string[] = [],
): Promise<{code: number | null; report: ServiceReport; stderr: string}> {
  const result = await cli([service, '-n', namespace, '-o', 'json', ...RESOLVER_ARGS, ...extra])
  assert.ok(
    result.stdout.startsWith('{'),
    `expected JSON on stdout, got: ${result.stdout.slice(0, 200)} / stderr: ${result.stderr}`,
  )
  return {code: result.code, report: JSON.parse(result.stdout) as ServiceReport, stderr: result.stderr}
}

const codes = (report: ServiceReport) => report.findings.map((finding) => finding.code)
const fqdn = (service: string, namespace: string) => `${service}.${namespace}.svc.${zone}.`

/**
 * The cross-check of issue 4: every expected record answered, nothing else answered, every replica agrees. The
 * tool's own verdicts are checked first; then the test asks every CoreDNS pod itself (dig on the host) and compares
 * the answers with the expected records, so a tool that called a wrong answer `match` fails here.
 */
function assertDnsAgrees(report: ServiceReport): void {
  assertToolSaysMatch(report)
  const questions = [
    ...new Map(
      [...report.records, ...report.mustNotResolve.map((absent) => ({name: absent.name, type: absent.type}))].map(
        (question) => [`${question.name} ${question.type}`, {name: question.name, type: question.type}],
      ),
    ).values(),
  ]
  const servers = coreDnsAddresses()
  assert.ok(servers.length >= 2, `CoreDNS pods: ${servers.join(' ')}`)
  for (const server of servers) {
    const answers = digFromHost(server, questions)
    for (const {name, type} of questions) {
      const expected = report.records
        .filter((record) => record.name === name && record.type === type)
        .map((record) => `${type} ${normalize(type, record.data)}`)
        .sort()
      const seen = answers.get(`${name.toLowerCase()} ${type}`)!
      // A pod IP's PTR also names the other Services selecting the pod: only this Service's names are compared.
      const base = `${report.service.name}.${report.service.namespace}.svc.${zone}.`
      const mine =
        type === 'PTR'
          ? seen.records.filter((record) => record === `PTR ${base}` || record.endsWith(`.${base}`))
          : seen.records
      assert.deepEqual(
        mine.sort(),
        expected,
        `${server} answered ${name} ${type} with ${seen.rcode} ${JSON.stringify(seen.records)}`,
      )
      const absent = report.mustNotResolve.find((entry) => entry.name === name && entry.type === type)
      if (absent?.rcode)
        assert.equal(seen.rcode, absent.rcode === 'NODATA' ? 'NOERROR' : 'NXDOMAIN', `${server}: ${name} ${type}`)
    }
  }
}

function assertToolSaysMatch(report: ServiceReport): void {
  const notMatching = report.records.filter((record) => record.status !== 'match')
  assert.deepEqual(notMatching, [], `records not matching the live DNS: ${JSON.stringify(notMatching)}`)
  assert.ok(report.records.length > 0, 'no records were checked')
  const dnsCodes = codes(report).filter((code) => code.startsWith('DNS'))
  assert.deepEqual(
    dnsCodes,
    [],
    `DNS findings: ${JSON.stringify(report.findings.filter((finding) => finding.code.startsWith('DNS')))}`,
  )
  const dns = report.dns!
  assert.ok(dns.servers.filter((server) => server.replica).length >= 2, 'every CoreDNS replica is asked')
}

describe('seed scenarios on the local cluster', {timeout: 600_000}, () => {
  before(async () => {
    zone = clusterZone()
    for (const scenario of Object.values(SCENARIOS)) deleteScenario(scenario)
    await Promise.all(Object.values(SCENARIOS).map((scenario) => applyScenario(scenario)))
  })
  after(() => {
    for (const scenario of Object.values(SCENARIOS)) deleteScenario(scenario)
  })

  it('seed 000: readiness probe failing -> no endpoints, no A records, the probe and the kubelet event named', async () => {
    const {code, report} = await inspect('test-headless-svc', 'seed-readiness', ['--no-dns'])
    assert.equal(code, 1)
    assert.equal(report.clusterDomain, zone)
    assert.equal(report.clusterDomainSource, 'coredns-configmap')
    assert.ok(codes(report).includes('NoEndpoints'))
    const probe = report.findings.filter((finding) => finding.code === 'ReadinessProbeFailing')
    assert.equal(probe.length, 3, 'one finding per pod')
    for (const finding of probe) {
      assert.equal(finding.severity, 'error')
      assert.match(finding.message, /exec \[cat \/var\/ready\]/)
      assert.match(finding.message, /Readiness probe failed: cat: can't open '\/var\/ready': No such file or directory/)
    }
    assert.equal(report.records.filter((record) => record.type === 'A').length, 0)
    assert.ok(report.mustNotResolve.some((absent) => absent.name === fqdn('test-headless-svc', 'seed-readiness')))
    assert.equal(report.endpoints.length, 3)
    assert.ok(report.endpoints.every((endpoint) => !endpoint.ready && endpoint.reason === 'ReadinessProbeFailing'))
  })

  it('seed 000 live: the headless name is NXDOMAIN while no pod is ready', async () => {
    askedWhileNotReady = Date.now()
    const {code, report} = await inspect('test-headless-svc', 'seed-readiness')
    assert.equal(code, 1)
    assert.ok(!codes(report).includes('DNSNameShouldNotResolve'), JSON.stringify(report.findings))
    const dns = report.dns!
    const base = dns.queries.filter(
      (query) => query.name === fqdn('test-headless-svc', 'seed-readiness') && query.type === 'A',
    )
    assert.ok(base.length >= 3, 'asked the nameserver and both replicas')
    assert.ok(
      base.every((query) => query.rcode === 'NXDOMAIN'),
      JSON.stringify(base),
    )
  })

  it('seed 000 fixed: after `touch /var/ready` the endpoints are ready and their A records match', async () => {
    touchReady('seed-readiness', 'app=tomcat')
    await waitEndpoints('seed-readiness', 'test-headless-svc', 3, true)
    const podIPs = JSON.parse(kubectl(['get', 'pods', '-n', 'seed-readiness', '-l', 'app=tomcat', '-o', 'json']))
      .items.map((pod: {status: {podIP: string}}) => pod.status.podIP)
      .sort()
    // At once: a cache may still hold the NXDOMAIN asked above. That is a warning naming the cache, never an error.
    const first = await inspect('test-headless-svc', 'seed-readiness')
    const secondsSinceAsked = (Date.now() - askedWhileNotReady) / 1000
    // Exit 1 all the same, for one error only: the service's own port trap (headless 80 -> 8080), seen below.
    assert.equal(first.code, 1)
    assert.deepEqual(
      first.report.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.code),
      ['HeadlessPortMismatch'],
    )
    const cached = first.report.findings.filter((finding) => finding.code === 'DNSAnswerCached')
    for (const finding of cached) assert.match(finding.message, /the CoreDNS cache may keep a negative answer for 30 s/)
    const stale = first.report.records.filter((record) => record.status !== 'match')
    assert.equal(stale.length > 0, cached.length > 0, JSON.stringify({stale, cached}))
    // Printed, not asserted: whether a cache still holds the NXDOMAIN depends on the time since it was asked and
    // on which CoreDNS replica kube-proxy picked each time.
    console.log(
      `seed 000 fixed: ${cached.length} cached answers ${secondsSinceAsked.toFixed(1)} s after the NXDOMAIN was asked`,
    )
    // --wait-dns waits for the cache and asks again: everything matches.
    const {report} = await inspect('test-headless-svc', 'seed-readiness', ['--wait-dns'])
    assert.ok(!codes(report).includes('DNSAnswerCached'), JSON.stringify(report.findings))
    const base = report.records.filter(
      (record) => record.name === fqdn('test-headless-svc', 'seed-readiness') && record.type === 'A',
    )
    assert.deepEqual(base.map((record) => record.data).sort(), podIPs)
    assert.ok(!codes(report).includes('NoEndpoints'))
    assert.ok(!codes(report).includes('ReadinessProbeFailing'))
    assertDnsAgrees(report)
    // The service says 80 -> 8080 with no ClusterIP: the same trap as seed 003, shown with evidence.
    const trap = report.findings.find((finding) => finding.code === 'HeadlessPortMismatch')
    assert.ok(trap, 'HeadlessPortMismatch reported')
    assert.match(trap.message, /:80 refused, :8080 open/)
  })

  it('seed 001: ClusterIP, NodePort and LoadBalancer records match the live DNS and the ClusterIP answers', async () => {
    for (const service of ['demoapp-svc', 'demoapp-nodeport-svc', 'demoapp-loadbalancer-svc']) {
      const {code, report} = await inspect(service, 'seed-types')
      assert.equal(code, 0, `${service}: ${JSON.stringify(report.findings)}`)
      assertDnsAgrees(report)
      assert.ok(report.records.some((record) => record.type === 'A' && record.data === report.service.clusterIPs[0]))
      assert.ok(
        report.records.some(
          (record) => record.type === 'SRV' && record.name === `_http._tcp.${fqdn(service, 'seed-types')}`,
        ),
      )
      const reach = report.dns!.reachability
      assert.ok(
        reach.some((result) => result.role === 'clusterIP' && result.state === 'open'),
        JSON.stringify(reach),
      )
    }
  })

  it('seed 001: ExternalName is a CNAME, and a selector typo names the nearest pod labels', async () => {
    const external = await inspect('externalname-redis-svc', 'seed-types')
    assert.deepEqual(
      external.report.records.map((record) => [record.type, record.data, record.status]),
      [['CNAME', 'redis.ik8s.io.', 'match']],
    )
    assert.equal(external.code, 0)
    const typo = await inspect('app1-nginx', 'seed-types', ['--no-dns'])
    assert.equal(typo.code, 1)
    const finding = typo.report.findings.find((candidate) => candidate.code === 'SelectorMatchesNoPods')
    assert.ok(finding)
    assert.match(finding.hint, /version=v1 \(want v2\)/)
  })

  it('seed 002: a MongoDB-like StatefulSet gets per-pod names and SRV _mongodb._tcp with port 27017', async () => {
    const {code, report} = await inspect('mongodb-headless-service', 'infrastructure')
    assert.equal(code, 0, JSON.stringify(report.findings))
    assertDnsAgrees(report)
    const base = fqdn('mongodb-headless-service', 'infrastructure')
    for (const ordinal of [0, 1, 2])
      assert.ok(report.records.some((record) => record.type === 'A' && record.name === `mongodb-${ordinal}.${base}`))
    const srv = report.records.filter((record) => record.type === 'SRV' && record.name === `_mongodb._tcp.${base}`)
    assert.deepEqual(
      srv.map((record) => record.data).sort(),
      [0, 1, 2].map((ordinal) => `0 33 27017 mongodb-${ordinal}.${base}`),
    )
  })

  it('seed 002 via port-forward: the same records, and no pod created', async () => {
    const before = resolverPods()
    const {report} = await inspect('mongodb-headless-service', 'infrastructure', ['--via', 'port-forward'])
    assertDnsAgrees(report)
    assert.equal(report.dns!.via, 'port-forward')
    assert.equal(resolverPods(), before)
  })

  it('seed 003: the headless port trap is reported with evidence, and SRV carries the real port', async () => {
    // --wait-dns: run again right after the suite (the single-executable pass), the scenario's pods are new and
    // CoreDNS may still hold the first pass's answers for up to 30 s; the tool waits for that cache itself.
    const {code, report} = await inspect('svc-chroma', 'seed-ports', ['--wait-dns'])
    assert.equal(code, 1)
    assertDnsAgrees(report)
    const trap = report.findings.find((finding) => finding.code === 'HeadlessPortMismatch')
    assert.ok(trap)
    assert.equal(trap.severity, 'error')
    assert.match(trap.message, /:80 refused, :8000 open/)
    const srv = report.records.filter(
      (record) => record.type === 'SRV' && record.name === `_http._tcp.${fqdn('svc-chroma', 'seed-ports')}`,
    )
    assert.equal(srv.length, 2)
    assert.ok(srv.every((record) => parseSrv(record.data).port === 8000))
  })

  it('table output of a live check shows the statuses', async () => {
    const result = await cli(['svc-chroma', '-n', 'seed-ports', ...RESOLVER_ARGS])
    assert.equal(result.code, 1)
    assert.match(result.stdout, /DNS RECORDS \(expected vs observed\)/)
    assert.match(result.stdout, /_http\._tcp\.svc-chroma\.seed-ports\.svc\.\S+\s+SRV\s+0 50 8000 \S+\s+match/)
    assert.match(result.stdout, /ERROR\s+HeadlessPortMismatch/)
  })

  it('--cluster-domain overrides detection, and the live DNS then shows the records missing', async () => {
    const {code, report} = await inspect('demoapp-svc', 'seed-types', ['--cluster-domain', 'wrong.example'])
    assert.equal(report.clusterDomainSource, 'flag')
    assert.equal(code, 1)
    assert.ok(report.records.some((record) => record.status === 'missing'))
    assert.ok(codes(report).includes('DNSRecordMissing'))
  })
})
