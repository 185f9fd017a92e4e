// CI and fleet features on the real local cluster: scan with JUnit (schema-validated), a DNS contract
// (--expect), client seed lists (hosts), the --watch timeline, and read-only RBAC.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {after, before, describe, it} from 'node:test'
import type {ServiceReport} from '../../src/model/report.js'
import {CLI, cli, kubectl, ROOT, waitFor} from '../support/run.js'
import {clusterZone, RESOLVER_ARGS, resolverPods, waitEndpoints, waitPods, webWorkload} from '../support/scenarios.js'

const NS = 'e2e-fleet'
const dir = mkdtempSync(`${tmpdir()}/svc-inspect-fleet-`)
let zone = ''

const workload = `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: Service
metadata: {name: mongo, namespace: ${NS}, labels: {app: mongo}}
spec:
  clusterIP: None
  selector: {app: mongo}
  ports: [{name: mongodb, port: 27017}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongo, namespace: ${NS}}
spec:
  serviceName: mongo
  replicas: 3
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: mongo}}
  template:
    metadata: {labels: {app: mongo}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: mongod
        image: localhost/svc-inspect/server:v1
        imagePullPolicy: Never
        command: [nc, -lk, -p, "27017"]
        ports: [{name: mongodb, containerPort: 27017}]
        readinessProbe: {tcpSocket: {port: mongodb}, periodSeconds: 2}
---
${webWorkload(NS)}
---
apiVersion: v1
kind: Service
metadata: {name: late, namespace: ${NS}, labels: {app: late}}
spec:
  clusterIP: None
  selector: {app: late}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: late, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: late}}
  template:
    metadata: {labels: {app: late}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: late
        image: localhost/svc-inspect/server:v1
        imagePullPolicy: Never
        ports: [{containerPort: 8080}]
        readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 1, failureThreshold: 1}
`

/** For the forbidden-namespace scan: a namespace the user may read, and one it may not. */
const OPEN = 'e2e-fleet-open'
const LOCKED = 'e2e-fleet-locked'

/** A kubeconfig for a service account of NS, on the admin's cluster. */
function serviceAccountKubeconfig(account: string): string {
  const admin = JSON.parse(kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']))
  return file(
    `${account}.kubeconfig`,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'local', cluster: admin.clusters[0].cluster}],
      users: [{name: account, user: {token: kubectl(['create', 'token', account, '-n', NS]).trim()}}],
      contexts: [{name: account, context: {cluster: 'local', user: account, namespace: NS}}],
      'current-context': account,
    }),
  )
}

const file = (name: string, content: string) => {
  writeFileSync(`${dir}/${name}`, content)
  return `${dir}/${name}`
}

describe('scan, DNS contract, seed lists, watch and RBAC on the local cluster', {timeout: 600_000}, () => {
  before(async () => {
    zone = clusterZone()
    kubectl(['apply', '-f', '-'], workload)
    await waitPods(NS, 'app=mongo', 3, true)
    await waitEndpoints(NS, 'mongo', 3, true)
    await waitPods(NS, 'app=web', 1, true)
    await waitPods(NS, 'app=late', 1, false)
  })
  after(() => {
    kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false'])
    kubectl(['delete', 'clusterrolebinding', 'e2e-fleet-reader', 'e2e-fleet-limited', '--ignore-not-found'])
    kubectl(['delete', 'rolebinding', 'e2e-fleet-limited', '-n', 'svc-inspect-restricted', '--ignore-not-found'])
    kubectl(['delete', 'rolebinding', 'e2e-fleet-coredns', '-n', 'kube-system', '--ignore-not-found'])
    kubectl(['delete', 'namespace', OPEN, LOCKED, '--ignore-not-found', '--wait=false'])
    kubectl(['delete', 'clusterrolebinding', 'e2e-fleet-partial', '--ignore-not-found'])
    kubectl(['delete', 'clusterrole', 'e2e-fleet-list-services', '--ignore-not-found'])
    kubectl(['delete', 'rolebinding', 'e2e-fleet-partial', '-n', 'kube-system', '--ignore-not-found'])
  })

  it('scan -A -o junit: valid JUnit, a testsuite per namespace, a testcase per service, failures for errors', async () => {
    const result = await cli(['scan', '-A', '-o', 'junit', ...RESOLVER_ARGS], {timeoutMs: 300_000})
    assert.equal(result.code, 1, `late has no ready endpoint: ${result.stderr}`)
    const xml = file('scan.xml', result.stdout)
    const lint = spawnSync('xmllint', ['--noout', '--schema', `${ROOT}test/e2e/schemas/junit.xsd`, xml], {
      encoding: 'utf8',
    })
    assert.equal(lint.status, 0, lint.stderr)
    assert.match(result.stdout, new RegExp(`<testsuite name="${NS}" tests="3" failures="1"`))
    assert.match(result.stdout, /<testsuite name="kube-system" tests="1" failures="0"/)
    assert.match(
      result.stdout,
      /<testcase classname="svc-inspect.e2e-fleet" name="late"[^>]*>\s*<failure type="NoEndpoints"/,
    )
    assert.equal(resolverPods(), '')
  })

  it('scan table and JSON: one row per service, ready/total endpoints, DNS ok counts', async () => {
    const table = await cli(['scan', '-n', NS, ...RESOLVER_ARGS])
    assert.match(table.stdout, /NAMESPACE\s+SERVICE\s+TYPE\s+ENDPOINTS\s+DNS\s+WORST FINDING/)
    assert.match(table.stdout, new RegExp(`${NS}\\s+mongo\\s+Headless\\s+3/3\\s+\\d+ ok / 0 mismatch\\s+OK`))
    assert.match(table.stdout, new RegExp(`${NS}\\s+late\\s+Headless\\s+0/1\\s+.*ERROR NoEndpoints`))
    const json = await cli(['scan', '-n', NS, '-l', 'app=mongo', '-o', 'json', ...RESOLVER_ARGS])
    const list = JSON.parse(json.stdout)
    assert.equal(list.kind, 'ServiceReportList')
    assert.deepEqual(
      list.items.map((item: {service: {name: string}}) => item.service.name),
      ['mongo'],
    )
    assert.equal(json.code, 0)
  })

  it('--expect: a contract that holds passes, one that does not fails with the entry named', async () => {
    const base = `mongo.${NS}.svc.${zone}`
    const good = file(
      'good.yaml',
      `${base}:\n  A: {count: 3}\n_mongodb._tcp.${base}:\n  SRV: {port: 27017, count: 3}\nnothing-here.${NS}.svc.${zone}: absent\n`,
    )
    const pass = await cli(['scan', '-n', NS, '-l', 'app=mongo', '--expect', good, '-o', 'junit', ...RESOLVER_ARGS])
    assert.equal(pass.code, 0, pass.stdout)
    assert.match(pass.stdout, /<testsuite name="dns-contract" tests="3" failures="0"/)
    const bad = file('bad.yaml', `${base}:\n  A: {count: 4}\n`)
    const fail = await cli(['inspect', 'mongo', '-n', NS, '--expect', bad, '-o', 'json', ...RESOLVER_ARGS])
    assert.equal(fail.code, 1)
    const report = JSON.parse(fail.stdout)
    assert.equal(report.expectations[0].status, 'fail')
    assert.match(report.expectations[0].message, /3 records, want 4/)
    assert.ok(report.findings.some((finding: {code: string}) => finding.code === 'ExpectationFailed'))
    const broken = file('broken.yaml', `${base}:\n  SRV:\n    cnt: 3\n`)
    const schema = await cli(['scan', '-n', NS, '--expect', broken])
    assert.equal(schema.code, 2)
    assert.match(schema.stderr, /^error: .*broken\.yaml:3: unknown rule "cnt" for SRV/)
  })

  it('hosts --format mongodb: a connection string from the observed SRV records', async () => {
    const result = await cli([
      'hosts',
      'mongo',
      '-n',
      NS,
      '--format',
      'mongodb',
      '--replica-set',
      'rs0',
      ...RESOLVER_ARGS,
    ])
    assert.equal(result.code, 0, result.stderr)
    const base = `mongo.${NS}.svc.${zone}`
    assert.equal(
      result.stdout.trim(),
      `mongodb://mongo-0.${base}:27017,mongo-1.${base}:27017,mongo-2.${base}:27017/?replicaSet=rs0`,
    )
    const lines = await cli(['hosts', 'web', '-n', NS, ...RESOLVER_ARGS])
    assert.equal(
      lines.stdout,
      `web.${NS}.svc.${zone}:80\n`,
      'a ClusterIP service with a named port: its SRV names the service',
    )
  })

  it('--watch: a readiness change is followed by the DNS records appearing, with the delay; Ctrl-C cleans up', async () => {
    const child = spawn(process.execPath, [CLI, 'late', '-n', NS, '--watch', '-o', 'json', ...RESOLVER_ARGS], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const events: Array<{kind: string; message: string; afterSeconds?: number}> = []
    let buffer = ''
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line))
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await waitFor('watch started', () => events.some((event) => event.kind === 'start'), 60_000)
      const pod = kubectl(['get', 'pods', '-n', NS, '-l', 'app=late', '-o', 'jsonpath={.items[0].metadata.name}'])
      kubectl(['exec', '-n', NS, pod, '--', 'touch', '/tmp/ready'])
      await waitFor(
        'DNS record appeared',
        () =>
          events.some(
            (event) => event.kind === 'dns' && /^A late\./.test(event.message) && /appeared/.test(event.message),
          ),
        90_000,
      )
    } finally {
      child.kill('SIGINT')
    }
    assert.equal(await exited, 130)
    assert.ok(
      events.some((event) => event.kind === 'pod' && /NotReady -> Ready/.test(event.message)),
      JSON.stringify(events),
    )
    assert.ok(
      events.some((event) => event.kind === 'endpoint' && /became ready/.test(event.message)),
      JSON.stringify(events),
    )
    const appeared = events.find((event) => event.kind === 'dns' && /appeared/.test(event.message))
    assert.ok(
      appeared && typeof appeared.afterSeconds === 'number' && appeared.afterSeconds >= 0,
      JSON.stringify(appeared),
    )
    await waitFor('no resolver pods', () => resolverPods() === '', 20_000)
  })

  it('on a terminal a spinner with the elapsed time runs on stderr while the check works; without one, stderr stays empty', async () => {
    const command = [process.execPath, CLI, 'web', '-n', NS, ...RESOLVER_ARGS, '--no-color']
      .map((word) => `'${word}'`)
      .join(' ')
    const tty = spawnSync('script', ['-qfec', command, '/dev/null'], {
      encoding: 'utf8',
      cwd: ROOT,
      env: {...process.env, NO_COLOR: '1'},
    })
    assert.equal(tty.status, 0, tty.stdout)
    assert.match(
      tty.stdout,
      /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] (starting resolver pod|resolver pod \S+ created|querying the cluster DNS) \(\d+\.\ds\)/,
    )
    assert.match(tty.stdout, /Service:\s+e2e-fleet\/web/)
    const piped = await cli(['web', '-n', NS, ...RESOLVER_ARGS])
    assert.equal(piped.code, 0)
    assert.equal(piped.stderr, '', 'no spinner when stderr is not a terminal')
  })

  it('read-only RBAC (deploy/rbac.yaml reader): the report without the live check and a ResolverUnavailable warning', async () => {
    kubectl(['apply', '-f', `${ROOT}deploy/rbac.yaml`])
    kubectl(['create', 'serviceaccount', 'reader', '-n', NS])
    kubectl([
      'create',
      'clusterrolebinding',
      'e2e-fleet-reader',
      '--clusterrole',
      'svc-inspect-reader',
      `--serviceaccount=${NS}:reader`,
    ])
    kubectl([
      'create',
      'rolebinding',
      'e2e-fleet-coredns',
      '-n',
      'kube-system',
      '--role',
      'svc-inspect-coredns',
      `--serviceaccount=${NS}:reader`,
    ])
    const token = kubectl(['create', 'token', 'reader', '-n', NS]).trim()
    const admin = JSON.parse(kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']))
    const cluster = admin.clusters[0].cluster
    const kubeconfig = file(
      'reader.kubeconfig',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'local', cluster}],
        users: [{name: 'reader', user: {token}}],
        contexts: [{name: 'reader', context: {cluster: 'local', user: 'reader', namespace: NS}}],
        'current-context': 'reader',
      }),
    )
    const live = await cli(['mongo', '--kubeconfig', kubeconfig, '-o', 'json', ...RESOLVER_ARGS])
    assert.equal(live.code, 0, live.stderr)
    const report = JSON.parse(live.stdout)
    const unavailable = report.findings.find((finding: {code: string}) => finding.code === 'ResolverUnavailable')
    assert.ok(unavailable, JSON.stringify(report.findings))
    assert.match(unavailable.message, /forbidden/i)
    assert.equal(report.clusterDomainSource, 'coredns-configmap')
    const readOnly = await cli(['mongo', '--kubeconfig', kubeconfig, '--no-dns', '-o', 'json'])
    assert.equal(readOnly.code, 0)
    assert.deepEqual(
      JSON.parse(readOnly.stdout).findings.filter((finding: {severity: string}) => finding.severity !== 'info'),
      [],
    )
    // No role at all: reading the service is forbidden, which is "could not inspect".
    kubectl(['create', 'serviceaccount', 'nobody', '-n', NS])
    const nobody = file(
      'nobody.kubeconfig',
      readFileSync(kubeconfig, 'utf8').replace(token, kubectl(['create', 'token', 'nobody', '-n', NS]).trim()),
    )
    const forbidden = await cli(['mongo', '--kubeconfig', nobody, '--no-dns'])
    assert.equal(forbidden.code, 2)
    assert.equal(forbidden.stderr.trim().split('\n').length, 1)
    assert.match(
      forbidden.stderr,
      /^error: service\/mongo: Forbidden: services "mongo" is forbidden: User "system:serviceaccount:e2e-fleet:nobody" cannot get resource "services"/,
    )
  })

  it('a forbidden namespace in a scan: ReadFailed warnings for its Services, the readable ones fully reported, exit 0; no right to list Services cluster-wide: one error line, exit 2', async () => {
    kubectl(['apply', '-f', `${ROOT}deploy/rbac.yaml`])
    kubectl(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Namespace
metadata: {name: ${OPEN}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${LOCKED}}
---
${webWorkload(OPEN)}
---
${webWorkload(LOCKED)}
---
apiVersion: v1
kind: Service
metadata: {name: web-headless, namespace: ${LOCKED}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]`,
    )
    // Services readable everywhere (a ClusterRole), everything else only in OPEN (the reader role bound there),
    // the CoreDNS replicas in kube-system, and the resolver pod in NS.
    kubectl(['create', 'serviceaccount', 'partial', '-n', NS])
    kubectl(['create', 'clusterrole', 'e2e-fleet-list-services', '--verb=get,list', '--resource=services'])
    kubectl([
      'create',
      'clusterrolebinding',
      'e2e-fleet-partial',
      '--clusterrole',
      'e2e-fleet-list-services',
      `--serviceaccount=${NS}:partial`,
    ])
    kubectl([
      'create',
      'rolebinding',
      'e2e-fleet-partial',
      '-n',
      OPEN,
      '--clusterrole',
      'svc-inspect-reader',
      `--serviceaccount=${NS}:partial`,
    ])
    kubectl([
      'create',
      'rolebinding',
      'e2e-fleet-partial',
      '-n',
      'kube-system',
      '--role',
      'svc-inspect-coredns',
      `--serviceaccount=${NS}:partial`,
    ])
    kubectl([
      'create',
      'rolebinding',
      'e2e-fleet-partial',
      '-n',
      NS,
      '--clusterrole',
      'svc-inspect-resolver',
      `--serviceaccount=${NS}:partial`,
    ])
    await waitPods(OPEN, 'app=web', 1, true)
    await waitPods(LOCKED, 'app=web', 1, true)
    await waitEndpoints(OPEN, 'web', 1, true)
    await waitEndpoints(LOCKED, 'web-headless', 1, true)
    const kubeconfig = serviceAccountKubeconfig('partial')
    type List = {items: ServiceReport[]; summary: {errors: number; warnings: number}}
    const forbiddenParts = (namespace: string) => [
      `ReadFailed warning endpointslices in ${namespace}`,
      `ReadFailed warning pods in ${namespace}`,
    ]
    const notInfo = (report: ServiceReport) =>
      report.findings
        .filter((finding) => finding.severity !== 'info')
        .map((finding) => `${finding.code} ${finding.severity} ${finding.object}`)
    // -A: the cluster-wide lists of slices and pods are refused, so each namespace is read on its own.
    for (const scope of [['-A'], ['-n', LOCKED]]) {
      const result = await cli([
        'scan',
        ...scope,
        '--kubeconfig',
        kubeconfig,
        '--resolver-namespace',
        NS,
        '-o',
        'json',
        ...RESOLVER_ARGS,
      ])
      assert.equal(result.code, 0, `${scope.join(' ')}: ${result.stderr}${result.stdout.slice(0, 3000)}`)
      assert.equal(result.stderr, '', 'no stack trace, no error line')
      const list = JSON.parse(result.stdout) as List
      assert.equal(list.summary.errors, 0, JSON.stringify(list.items.map(notInfo)))
      const byName = new Map(list.items.map((report) => [`${report.service.namespace}/${report.service.name}`, report]))
      for (const name of ['web', 'web-headless']) {
        const locked = byName.get(`${LOCKED}/${name}`)!
        assert.deepEqual(notInfo(locked), forbiddenParts(LOCKED), name)
        assert.equal(locked.endpointsUnread, true)
        assert.match(
          locked.findings.find((finding) => finding.object === `endpointslices in ${LOCKED}`)!.message,
          new RegExp(
            `^could not read endpointslices in ${LOCKED}: Forbidden: endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:${NS}:partial" cannot list resource "endpointslices"`,
          ),
        )
      }
      // Its ClusterIP Service's own names are still asked and answered.
      assert.ok(
        byName.get(`${LOCKED}/web`)!.records.every((record) => record.status === 'match'),
        JSON.stringify(byName.get(`${LOCKED}/web`)!.records),
      )
      if (scope[0] === '-A') {
        const open = byName.get(`${OPEN}/web`)!
        assert.deepEqual(notInfo(open), [])
        assert.deepEqual(
          open.endpoints.map((endpoint) => endpoint.ready),
          [true],
        )
        assert.ok(
          open.records.length >= 5 && open.records.every((record) => record.status === 'match'),
          JSON.stringify(open.records),
        )
        // So is every other namespace the user has no role in.
        assert.deepEqual(notInfo(byName.get('default/kubernetes')!), forbiddenParts('default'))
      } else assert.deepEqual([...byName.keys()].sort(), [`${LOCKED}/web`, `${LOCKED}/web-headless`])
      assert.equal(resolverPods(), '')
    }
    // Only namespaced roles: the Services of the whole cluster cannot be listed, which is "could not inspect".
    kubectl(['create', 'serviceaccount', 'confined', '-n', NS])
    kubectl([
      'create',
      'rolebinding',
      'e2e-fleet-confined',
      '-n',
      OPEN,
      '--clusterrole',
      'svc-inspect-reader',
      `--serviceaccount=${NS}:confined`,
    ])
    const confined = serviceAccountKubeconfig('confined')
    const refused = await cli(['scan', '-A', '--kubeconfig', confined, '--no-dns'])
    assert.equal(refused.code, 2)
    assert.equal(refused.stdout, '')
    assert.equal(
      refused.stderr,
      `error: services: Forbidden: services is forbidden: User "system:serviceaccount:${NS}:confined" cannot list resource "services" in API group "" at the cluster scope\n`,
    )
  })

  it("no access to kube-system: the cluster domain comes from the resolver pod's resolv.conf (in --resolver-namespace)", async () => {
    kubectl(['apply', '-f', `${ROOT}deploy/rbac.yaml`])
    kubectl(['create', 'serviceaccount', 'limited', '-n', NS])
    kubectl([
      'create',
      'clusterrolebinding',
      'e2e-fleet-limited',
      '--clusterrole',
      'svc-inspect-reader',
      `--serviceaccount=${NS}:limited`,
    ])
    kubectl([
      'create',
      'rolebinding',
      'e2e-fleet-limited',
      '-n',
      'svc-inspect-restricted',
      '--clusterrole',
      'svc-inspect-resolver',
      `--serviceaccount=${NS}:limited`,
    ])
    const admin = JSON.parse(kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']))
    const kubeconfig = file(
      'limited.kubeconfig',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'local', cluster: admin.clusters[0].cluster}],
        users: [{name: 'limited', user: {token: kubectl(['create', 'token', 'limited', '-n', NS]).trim()}}],
        contexts: [{name: 'limited', context: {cluster: 'local', user: 'limited', namespace: NS}}],
        'current-context': 'limited',
      }),
    )
    const result = await cli([
      'mongo',
      '--kubeconfig',
      kubeconfig,
      '--resolver-namespace',
      'svc-inspect-restricted',
      '-o',
      'json',
      ...RESOLVER_ARGS,
    ])
    const report = JSON.parse(result.stdout)
    assert.equal(result.code, 0, JSON.stringify(report.findings) + result.stderr)
    assert.equal(report.clusterDomainSource, 'resolv.conf')
    assert.equal(report.clusterDomain, zone)
    assert.ok(
      report.records.every((record: {status: string}) => record.status === 'match'),
      JSON.stringify(report.records),
    )
    const codes = report.findings.map((finding: {code: string}) => finding.code)
    assert.ok(codes.includes('ReadFailed'), 'the coredns ConfigMap read is reported as forbidden')
    assert.ok(
      report.dns.servers.filter((server: {replica: boolean}) => server.replica).length >= 2,
      'the reader role lists EndpointSlices everywhere, so the replicas are still asked',
    )
    assert.equal(resolverPods(), '')
  })
})
