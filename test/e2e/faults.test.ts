// Failure modes of the live DNS check on the real local cluster: a CoreDNS replica answering differently,
// CoreDNS down, the CLI killed mid-run, restricted Pod Security, an image that cannot be pulled; plus the
// `dig` and `cleanup` commands.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, before, describe, it} from 'node:test'
import type {ServiceReport} from '../../src/model/report.js'
import {CLI, cli, kubectl, ROOT, sleep, waitFor} from '../support/run.js'
import {
  clusterZone,
  coreDnsImage,
  RESOLVER_ARGS,
  RESOLVER_IMAGE,
  RESOLVER_LABEL,
  resolverPods,
  waitEndpoints,
  waitPods,
  webWorkload,
} from '../support/scenarios.js'

const NS = 'e2e-faults'
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
let zone = ''

const workload = `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
${webWorkload(NS)}`

async function inspectWeb(extra: string[] = []): Promise<{code: number | null; report: ServiceReport; stderr: string}> {
  const result = await cli(['web', '-n', NS, '-o', 'json', ...RESOLVER_ARGS, ...extra])
  assert.ok(result.stdout.startsWith('{'), `no JSON: ${result.stdout.slice(0, 200)} / ${result.stderr}`)
  return {code: result.code, report: JSON.parse(result.stdout), stderr: result.stderr}
}

async function coreDnsReplicas(count: number): Promise<void> {
  kubectl(['scale', 'deployment', 'coredns', '-n', 'kube-system', `--replicas=${count}`])
  if (count === 0) {
    await waitFor(
      'CoreDNS pods gone',
      () => kubectl(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'name']).trim() === '',
    )
  } else {
    await waitPods('kube-system', 'k8s-app=kube-dns', count, true)
    await waitEndpoints('kube-system', 'kube-dns', count, true)
  }
}

describe('live DNS check failure modes', {timeout: 900_000}, () => {
  before(async () => {
    zone = clusterZone()
    kubectl(['apply', '-f', '-'], workload)
    await waitPods(NS, 'app=web', 1, true)
    await waitEndpoints(NS, 'web', 1, true)
  })
  after(() => {
    kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false'])
  })

  it('a healthy ClusterIP service: every record matches on every replica, exit 0, resolver pod deleted', async () => {
    const {code, report} = await inspectWeb()
    assert.equal(code, 0, JSON.stringify(report.findings))
    assert.ok(
      report.records.every((record) => record.status === 'match'),
      JSON.stringify(report.records),
    )
    const dns = report.dns!
    // Asked over TCP; each server answered the TCP and the UDP check.
    assert.deepEqual(
      dns.transports,
      dns.servers.map((server) => ({server: server.label, tcp: true, udp: true})),
    )
    assert.ok(
      dns.queries.every((query) => query.transport === 'TCP'),
      JSON.stringify(dns.queries.map((query) => query.transport)),
    )
    assert.equal(resolverPods(), '')
  })

  it('a Service that does not exist, with --resolver-pod (whose shell opens alongside the read): one line, exit 2, no hang', async () => {
    kubectl([
      'run',
      'fault-resolver',
      '-n',
      NS,
      '--image',
      RESOLVER_IMAGE,
      '--image-pull-policy',
      'Never',
      '--restart',
      'Never',
      '--command',
      '--',
      'sleep',
      '600',
    ])
    try {
      await waitPods(NS, 'run=fault-resolver', 1, true)
      const started = Date.now()
      // A shell left open would keep the CLI alive: the timeout would end it with a signal, not exit 2.
      const result = await cli(['no-such-service', '-n', NS, '--resolver-pod', 'fault-resolver'], {timeoutMs: 30_000})
      assert.equal(result.code, 2, result.stderr)
      assert.equal(result.stderr, `error: services "no-such-service" not found in namespace "${NS}"\n`)
      assert.ok(Date.now() - started < 20_000)
    } finally {
      kubectl(['delete', 'pod', 'fault-resolver', '-n', NS, '--ignore-not-found', '--grace-period=0', '--force'])
    }
  })

  it('restricted Pod Security: the resolver pod is admitted where root pods are not', async () => {
    assert.throws(
      () =>
        kubectl([
          'run',
          'rootpod',
          '-n',
          'svc-inspect-restricted',
          '--image',
          RESOLVER_IMAGE,
          '--image-pull-policy',
          'Never',
          '--restart',
          'Never',
        ]),
      /violates PodSecurity "restricted/,
    )
    const {code, report} = await inspectWeb(['--resolver-namespace', 'svc-inspect-restricted'])
    assert.equal(code, 0, JSON.stringify(report.findings))
    assert.match(report.dns!.resolver.pod as string, /^svc-inspect-restricted\/svc-inspect-resolver-/)
    assert.equal(resolverPods(), '')
  })

  it('a resolver image that cannot be pulled: one line naming the reason, exit 2, nothing left behind', async () => {
    const result = await cli(['web', '-n', NS, '--image', 'localhost:5999/svc-inspect/absent:v1', '--timeout', '40s'])
    assert.equal(result.code, 2)
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
    assert.match(
      result.stderr,
      /^error: resolver pod cannot start: (ErrImagePull|ImagePullBackOff) for image localhost:5999\/svc-inspect\/absent:v1/,
    )
    assert.equal(resolverPods(), '')
  })

  it('one CoreDNS replica serving wrong data -> DNSReplicaInconsistent naming it', async () => {
    const corefile = `.:53 {\n    errors\n    hosts {\n        10.9.9.9 web.${NS}.svc.${zone}\n        fallthrough\n    }\n    kubernetes ${zone} in-addr.arpa ip6.arpa {\n        pods insecure\n        fallthrough in-addr.arpa ip6.arpa\n    }\n}\n`
    const rogue = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {name: 'coredns-rogue', namespace: 'kube-system'},
          data: {Corefile: corefile},
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {name: 'coredns-rogue', namespace: 'kube-system', labels: {'k8s-app': 'kube-dns'}},
          spec: {
            serviceAccountName: 'coredns',
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: 'coredns',
                image: coreDnsImage(),
                imagePullPolicy: 'Never',
                args: ['-conf', '/etc/coredns/Corefile'],
                volumeMounts: [{name: 'config', mountPath: '/etc/coredns'}],
              },
            ],
            volumes: [{name: 'config', configMap: {name: 'coredns-rogue'}}],
          },
        },
      ],
    }
    kubectl(['apply', '-f', '-'], JSON.stringify(rogue))
    try {
      await waitEndpoints('kube-system', 'kube-dns', 3, true)
      const {code, report} = await inspectWeb()
      assert.equal(code, 1)
      const inconsistent = report.findings.filter((finding) => finding.code === 'DNSReplicaInconsistent')
      assert.ok(inconsistent.length >= 1, JSON.stringify(report.findings))
      assert.ok(
        inconsistent.every((finding) => finding.object === 'pod/kube-system/coredns-rogue'),
        JSON.stringify(inconsistent),
      )
      assert.match(inconsistent[0].message, /10\.9\.9\.9/)
    } finally {
      kubectl([
        'delete',
        'pod,configmap',
        'coredns-rogue',
        '-n',
        'kube-system',
        '--ignore-not-found',
        '--grace-period=0',
        '--force',
      ])
      await waitEndpoints('kube-system', 'kube-dns', 2, true)
    }
  })

  it('CoreDNS down -> DNSTimeout, exit 1, and the resolver pod is still deleted', async () => {
    await coreDnsReplicas(0)
    try {
      const {code, report} = await inspectWeb()
      assert.equal(code, 1)
      const timeouts = report.findings.filter((finding) => finding.code === 'DNSTimeout')
      assert.equal(timeouts.length, 1, JSON.stringify(report.findings))
      assert.match(timeouts[0].message, /queries to nameserver \(10\.96\.0\.10:53\) got no answer/)
      assert.equal(resolverPods(), '')
    } finally {
      await coreDnsReplicas(2)
    }
  })

  it('the CLI killed with SIGINT/SIGTERM at random points in 20 runs leaves no resolver pod', async () => {
    const outcomes: string[] = []
    for (let run = 0; run < 20; run++) {
      const signal: NodeJS.Signals = run % 2 === 0 ? 'SIGINT' : 'SIGTERM'
      const delay = 150 + Math.floor(Math.random() * 2000)
      const child = spawn(process.execPath, [CLI, 'web', '-n', NS, ...RESOLVER_ARGS], {cwd: ROOT, stdio: 'ignore'})
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      await sleep(delay)
      child.kill(signal)
      const code = await exited
      outcomes.push(`${signal}@${delay}ms->${code}`)
    }
    // Deletion is immediate (grace period 0); give the API a moment to drop the objects.
    await waitFor(`no resolver pods after ${outcomes.join(' ')}`, () => resolverPods() === '', 20_000)
  })

  it('`scan -A` killed with SIGINT/SIGTERM at random points in 10 runs leaves no resolver pod', async () => {
    const outcomes: string[] = []
    for (let run = 0; run < 10; run++) {
      const signal: NodeJS.Signals = run % 2 === 0 ? 'SIGINT' : 'SIGTERM'
      const delay = 200 + Math.floor(Math.random() * 2500)
      const child = spawn(process.execPath, [CLI, 'scan', '-A', '--resolver-namespace', NS, ...RESOLVER_ARGS], {
        cwd: ROOT,
        stdio: 'ignore',
      })
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      await sleep(delay)
      child.kill(signal)
      const code = await exited
      outcomes.push(`${signal}@${delay}ms->${code}`)
      // A run that ended before the signal exited 0 or 1; one cut short exited 130/143 once it had registered a
      // clean-up (before it creates anything), or died of the signal itself before that (code null: nothing
      // created yet). Never a crash's exit code.
      assert.ok([0, 1, 130, 143, null].includes(code), outcomes.join(' '))
    }
    await waitFor(`no resolver pods after ${outcomes.join(' ')}`, () => resolverPods() === '', 20_000)
  })

  it('a Service deleted while the scan runs: ServiceDeletedDuringScan (a warning), not a DNS error; the others judged', async () => {
    // Its own name each run: a namespace of an earlier run may still be terminating, its names still cached.
    const doomed = `${NS}-doomed-${Date.now().toString(36)}`
    kubectl(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Namespace
metadata: {name: ${doomed}}
---
${webWorkload(doomed)}
---
apiVersion: v1
kind: Service
metadata: {name: gone, namespace: ${doomed}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]`,
    )
    try {
      await waitPods(doomed, 'app=web', 1, true)
      await waitEndpoints(doomed, 'web', 1, true)
      await waitEndpoints(doomed, 'gone', 1, true)
      const scan = cli(['scan', '-n', doomed, '-o', 'json', '--resolver-namespace', NS, ...RESOLVER_ARGS], {
        timeoutMs: 120_000,
      })
      // The resolver pod is created once the Services are listed; the answers come after it runs.
      await waitFor('the scan resolver pod', () => resolverPods() !== '', 30_000, 50)
      kubectl(['delete', 'service', 'gone', '-n', doomed, '--wait=true'])
      const result = await scan
      assert.equal(result.code, 0, result.stdout.slice(0, 3000))
      const list = JSON.parse(result.stdout) as {items: ServiceReport[]}
      const byName = new Map(list.items.map((report) => [report.service.name, report]))
      const gone = byName.get('gone')!
      assert.deepEqual(
        gone.findings.filter((finding) => finding.severity !== 'info').map((finding) => finding.code),
        ['ServiceDeletedDuringScan'],
        JSON.stringify(gone.findings),
      )
      const web = byName.get('web')!
      assert.ok(
        web.records.every((record) => record.status === 'match'),
        JSON.stringify(web.records),
      )
    } finally {
      kubectl(['delete', 'namespace', doomed, '--ignore-not-found', '--wait=false'])
    }
  })

  it('a CoreDNS replica deleted during the batch: DNSServerGoneDuringCheck (a warning) naming it, not DNSTimeout; every Service judged, exit 0', async () => {
    // Enough selector-less Services (each with an EndpointSlice of two addresses of its own, as
    // bench/scan-scale.mjs makes them) for the batches to run a few seconds; nothing is dialled (--no-reach).
    // A namespace of an earlier run, still being deleted, holds Services with the same addresses and maybe the same
    // ClusterIPs: a replica still serving them answers PTR questions with their names.
    await waitFor(
      "earlier runs' namespaces gone",
      () => !kubectl(['get', 'namespaces', '-o', 'name']).includes(`namespace/${NS}-many-`),
      300_000,
      2000,
    )
    const many = `${NS}-many-${Date.now().toString(36)}`
    const count = 800
    const items: unknown[] = [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: many}}]
    for (let at = 0; at < count; at++) {
      const address = (n: number) => `10.246.${Math.floor(n / 250)}.${(n % 250) + 1}`
      items.push(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {name: `svc-${at}`, namespace: many},
          spec: {ports: [{name: 'http', port: 80, targetPort: 8080}]},
        },
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {name: `svc-${at}-1`, namespace: many, labels: {'kubernetes.io/service-name': `svc-${at}`}},
          addressType: 'IPv4',
          ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
          endpoints: [address(at * 2), address(at * 2 + 1)].map((ip) => ({addresses: [ip], conditions: {ready: true}})),
        },
      )
    }
    kubectl(['apply', '-f', '-'], JSON.stringify({apiVersion: 'v1', kind: 'List', items}))
    const [victim, victimIP] = kubectl([
      'get',
      'pods',
      '-n',
      'kube-system',
      '-l',
      'k8s-app=kube-dns',
      '-o',
      'jsonpath={.items[0].metadata.name} {.items[0].status.podIP}',
    ]).split(' ')
    try {
      const scan = cli(['scan', '-n', many, '-o', 'json', '--no-reach', '--resolver-namespace', NS, ...RESOLVER_ARGS], {
        timeoutMs: 180_000,
      })
      let ended: Awaited<typeof scan> | undefined
      void scan.then((result) => (ended = result))
      // The batches start as soon as the resolver pod runs; they last a few seconds for this many names.
      await waitFor(
        'the scan resolver pod running',
        () =>
          ended ||
          kubectl(['get', 'pods', '-n', NS, '-l', RESOLVER_LABEL, '-o', 'jsonpath={.items[*].status.phase}']).includes(
            'Running',
          ),
        60_000,
        50,
      )
      assert.equal(ended, undefined, `the scan ended before its resolver pod was seen running: ${ended?.stderr}`)
      // At once: the replicas were read when the check opened, and the first batch is about to start or running.
      // (A second's wait let all batches finish before the kill in one run of four.)
      kubectl(['delete', 'pod', victim, '-n', 'kube-system', '--grace-period=0', '--force'])
      const result = await scan
      assert.equal(result.stderr, '')
      const list = JSON.parse(result.stdout) as {items: ServiceReport[]; summary: Record<string, number>}
      const errors = list.items.flatMap((report) =>
        report.findings
          .filter((finding) => finding.severity === 'error')
          .map((finding) => `${report.service.name}: ${finding.code} ${finding.object} ${finding.message}`),
      )
      assert.equal(result.code, 0, `${errors.length} errors, e.g. ${errors.slice(0, 5).join('\n')}`)
      assert.equal(list.items.length, count)
      const findings = list.items.flatMap((report) => report.findings)
      assert.deepEqual(
        [...new Set(findings.filter((finding) => finding.severity !== 'info').map((finding) => finding.code))],
        ['DNSServerGoneDuringCheck'],
        JSON.stringify(findings.filter((finding) => finding.severity !== 'info').slice(0, 5)),
      )
      const gone = findings.filter((finding) => finding.code === 'DNSServerGoneDuringCheck')
      assert.ok(gone.length > 0 && gone.length < count * 2, `${gone.length} warnings`)
      const victimText = `CoreDNS replica ${victimIP} (pod kube-system/${victim})`
      for (const finding of gone) {
        assert.equal(finding.severity, 'warning')
        assert.equal(finding.object, `pod/kube-system/${victim}`)
        assert.match(
          finding.message,
          new RegExp(
            `^(\\d+ of \\d+ queries to ${escape(victimText)} got no answer: the replica|${escape(victimText)} was not asked: it) left the endpoints of kube-system/kube-dns \\(its pod was deleted, or its address is now another pod's\\) during the check$`,
          ),
        )
      }
      assert.deepEqual(list.summary, {
        services: count,
        errors: 0,
        warnings: gone.length,
        infos: count,
        servicesWithErrors: 0,
      })
      // Every Service is judged on the servers that stayed: the nameserver and the other replica answered all.
      for (const report of list.items) {
        assert.ok(
          report.records.every((record) => record.status === 'match'),
          `${report.service.name}: ${JSON.stringify(report.records)}`,
        )
        const others = report.dns!.servers.filter((server) => server.label !== victim)
        for (const server of others)
          assert.ok(
            report
              .dns!.queries.filter((query) => query.server === server.label)
              .every((query) => query.rcode === 'NOERROR'),
            `${report.service.name} on ${server.label}`,
          )
      }
      const departed = list.items.flatMap((report) => report.dns!.departedReplicas ?? [])
      assert.ok(departed.length > 0)
      assert.deepEqual(
        [...new Set(departed.map((replica) => `${replica.label} ${replica.address} ${replica.now}`))],
        [`${victim} ${victimIP} gone`],
      )
      assert.equal(resolverPods(), '')
    } finally {
      kubectl(['delete', 'namespace', many, '--ignore-not-found', '--wait=false'])
      await waitPods('kube-system', 'k8s-app=kube-dns', 2, true)
      await waitEndpoints('kube-system', 'kube-dns', 2, true)
    }
  })

  it('`cleanup` deletes leftover resolver pods by label', async () => {
    kubectl([
      'run',
      'svc-inspect-resolver-left',
      '-n',
      NS,
      '--image',
      RESOLVER_IMAGE,
      '--image-pull-policy',
      'Never',
      '--restart',
      'Never',
      '--labels',
      `${RESOLVER_LABEL},app.kubernetes.io/managed-by=svc-inspect`,
    ])
    const result = await cli(['cleanup', '-n', NS])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, new RegExp(`pod/${NS}/svc-inspect-resolver-left deleted`))
    await waitFor('leftover gone', () => resolverPods() === '', 20_000)
  })

  it('`dig` resolves a short name through the search path on every replica', async () => {
    const result = await cli(['dig', 'web', '-n', NS, '-o', 'json', ...RESOLVER_ARGS])
    assert.equal(result.code, 0, result.stderr)
    const dig = JSON.parse(result.stdout)
    assert.equal(dig.resolvedName, `web.${NS}.svc.${zone}.`)
    const clusterIP = kubectl(['get', 'svc', 'web', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])
    assert.ok(dig.results.length >= 3)
    assert.ok(
      dig.results.every((entry: {answers: Array<{data: string}>}) =>
        entry.answers.some((answer) => answer.data === clusterIP),
      ),
    )
    const missing = await cli(['dig', 'no-such-service', '-n', NS, ...RESOLVER_ARGS])
    assert.equal(missing.code, 1)
    assert.match(missing.stdout, /NXDOMAIN/)
  })
})
