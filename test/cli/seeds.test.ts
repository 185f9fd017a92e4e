// The CLI over the bundled dumps of the four seed scenarios (recorded from the local cluster by
// examples/record.ts): table and JSON output, exit codes. A spawned process, as kubectl runs the plugin.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseSrv} from '../../src/dns/types.js'
import type {ServiceReport} from '../../src/model/report.js'
import {cli, ROOT} from '../support/run.js'
import {runInProcess} from '../support/in-process.js'

const dump = (name: string) => `${ROOT}examples/dumps/${name}.yaml`

async function json(
  service: string,
  namespace: string,
  file: string,
): Promise<{code: number | null; report: ServiceReport}> {
  const result = await runInProcess([service, '-n', namespace, '-f', dump(file), '-o', 'json'])
  assert.equal(result.stderr, '')
  return {code: result.code, report: JSON.parse(result.stdout) as ServiceReport}
}

const codes = (report: ServiceReport) => report.findings.map((finding) => finding.code)

describe('seed 000: headless service, readiness probe failing until touch /var/ready', () => {
  it('JSON: NoEndpoints and one ReadinessProbeFailing per pod quoting the kubelet, exit 1', async () => {
    const {code, report} = await json('test-headless-svc', 'seed-readiness', '000-headless-readiness')
    assert.equal(code, 1)
    assert.equal(report.apiVersion, 'svc-inspect/v1alpha1')
    assert.equal(report.kind, 'ServiceReport')
    assert.equal(report.service.headless, true)
    assert.deepEqual(report.service.ports, [{name: '', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: null}])
    assert.equal(report.clusterDomainSource, 'coredns-configmap')
    assert.ok(codes(report).includes('NoEndpoints'))
    const probes = report.findings.filter((finding) => finding.code === 'ReadinessProbeFailing')
    assert.equal(probes.length, 3)
    assert.ok(
      probes.every((finding) =>
        /exec \[cat \/var\/ready\].*Readiness probe failed: cat: can't open '\/var\/ready'/.test(finding.message),
      ),
    )
    assert.ok(
      probes.every((finding) =>
        /kubectl exec -n seed-readiness tomcat-\S+ -c tomcat -- cat \/var\/ready/.test(finding.hint),
      ),
    )
    assert.deepEqual(
      report.records.filter((record) => record.type === 'A'),
      [],
    )
    assert.equal(report.mustNotResolve[0].name, `test-headless-svc.seed-readiness.svc.${report.clusterDomain}.`)
    // Errors: NoEndpoints and the three ReadinessProbeFailing; the warning: HeadlessPortMismatch (80 -> 8080 on a
    // headless service, which translates no port).
    assert.deepEqual(report.summary, {errors: 4, warnings: 1, infos: 0})
  })

  it('table: endpoints not ready with the reason, the findings with hints', async () => {
    const result = await runInProcess([
      'test-headless-svc',
      '-n',
      'seed-readiness',
      '-f',
      dump('000-headless-readiness'),
    ])
    assert.equal(result.code, 1)
    assert.match(result.stdout, /^Service:\s+seed-readiness\/test-headless-svc$/m)
    assert.match(result.stdout, /^Type:\s+ClusterIP \(headless\)$/m)
    assert.match(result.stdout, /ENDPOINTS \(0 ready of 3, from EndpointSlice\)/)
    assert.equal(result.stdout.match(/false\s+false\s+false\s+ReadinessProbeFailing/g)?.length, 3)
    assert.match(result.stdout, /^ERROR\s+NoEndpoints\s+service\/test-headless-svc$/m)
    assert.match(result.stdout, /NAMES THAT MUST NOT RESOLVE/)
    // eslint-disable-next-line no-control-regex -- an ANSI escape is what this looks for
    assert.doesNotMatch(result.stdout, /\x1b\[/, 'no colour when not a terminal')
  })

  it('after touch /var/ready: three A records on the pod IPs, per-endpoint names, SRV on the endpoint port', async () => {
    const {report} = await json('test-headless-svc', 'seed-readiness', '000-headless-readiness-fixed')
    assert.ok(!codes(report).includes('NoEndpoints'))
    const base = `test-headless-svc.seed-readiness.svc.${report.clusterDomain}.`
    const addresses = report.endpoints.map((endpoint) => endpoint.address).sort()
    assert.equal(addresses.length, 3)
    assert.deepEqual(
      report.records
        .filter((record) => record.name === base && record.type === 'A')
        .map((record) => record.data)
        .sort(),
      addresses,
    )
    for (const address of addresses) {
      const label = address.replaceAll('.', '-')
      assert.ok(report.records.some((record) => record.name === `${label}.${base}` && record.data === address))
      assert.ok(
        report.records.some(
          (record) => record.type === 'SRV' && record.name === base && record.data === `0 33 8080 ${label}.${base}`,
        ),
      )
    }
    assert.ok(codes(report).includes('HeadlessPortMismatch'), 'port 80 -> 8080 on a headless service')
  })
})

describe('seed 001: Service types', () => {
  it('ClusterIP: A on the ClusterIP, SRV _http._tcp, PTR, no errors, exit 0', async () => {
    const {code, report} = await json('demoapp-svc', 'seed-types', '001-service-types')
    assert.equal(code, 0, JSON.stringify(report.findings))
    const [ip] = report.service.clusterIPs
    const base = `demoapp-svc.seed-types.svc.${report.clusterDomain}.`
    assert.deepEqual(
      report.records.find((record) => record.type === 'A'),
      {name: base, type: 'A', data: ip, status: 'expected', basis: 'spec'},
    )
    assert.ok(
      report.records.some((record) => record.name === `_http._tcp.${base}` && record.data === `0 100 80 ${base}`),
    )
    assert.ok(
      report.records.some(
        (record) =>
          record.type === 'PTR' &&
          record.data === base &&
          record.name === `${ip.split('.').reverse().join('.')}.in-addr.arpa.`,
      ),
    )
  })

  it('NodePort and LoadBalancer have the same records as ClusterIP; the header shows the nodePort', async () => {
    const nodePort = await runInProcess(['demoapp-nodeport-svc', '-n', 'seed-types', '-f', dump('001-service-types')])
    assert.equal(nodePort.code, 0)
    assert.match(nodePort.stdout, /^Type:\s+NodePort$/m)
    assert.match(nodePort.stdout, /http 80\/TCP -> 80 \(nodePort 30080\)/)
    const {code, report} = await json('demoapp-loadbalancer-svc', 'seed-types', '001-service-types')
    assert.equal(code, 0)
    assert.equal(report.service.type, 'LoadBalancer')
    assert.equal(report.service.ports[0].targetPort, 'http')
    const base = `demoapp-loadbalancer-svc.seed-types.svc.${report.clusterDomain}.`
    assert.equal(report.records.filter((record) => record.type === 'A' && record.name === base).length, 1)
    // CoreDNS also answers each ready endpoint's own name under a ClusterIP Service (kubernetes.go findServices).
    const ready = report.endpoints.filter((endpoint: {ready: boolean}) => endpoint.ready)
    assert.ok(ready.length > 0)
    assert.deepEqual(
      report.records
        .filter((record) => record.type === 'A' && record.name !== base)
        .map((record) => `${record.name} ${record.data} ${record.basis}`)
        .sort(),
      ready
        .map(
          (endpoint: {address: string}) =>
            `${endpoint.address.replaceAll('.', '-')}.${base} ${endpoint.address} coredns`,
        )
        .sort(),
    )
  })

  it('ExternalName: one CNAME to the external name, no endpoints', async () => {
    const {code, report} = await json('externalname-redis-svc', 'seed-types', '001-service-types')
    assert.equal(code, 0)
    assert.deepEqual(report.records, [
      {
        name: `externalname-redis-svc.seed-types.svc.${report.clusterDomain}.`,
        type: 'CNAME',
        data: 'redis.ik8s.io.',
        status: 'expected',
        basis: 'spec',
      },
    ])
    assert.deepEqual(report.endpoints, [])
  })

  it('a selector that matches nothing shows the nearest pods and the differing label, exit 1', async () => {
    const result = await runInProcess(['app1-nginx', '-n', 'seed-types', '-f', dump('001-service-types')])
    assert.equal(result.code, 1)
    assert.match(result.stdout, /ERROR\s+SelectorMatchesNoPods\s+service\/app1-nginx/)
    assert.match(result.stdout, /selector app=demoapp,version=v2 matches none of the 2 pods in namespace seed-types/)
    assert.match(result.stdout, /nearest: pod\/demoapp-\S+ \[app=demoapp,\S*version=v1\]: version=v1 \(want v2\)/)
  })
})

describe('seed 002: MongoDB-like StatefulSet behind a headless service', () => {
  it('per-pod hostname records and SRV _mongodb._tcp carrying 27017 to each member', async () => {
    const {code, report} = await json('mongodb-headless-service', 'infrastructure', '002-headless-mongodb')
    assert.equal(code, 0, JSON.stringify(report.findings))
    const base = `mongodb-headless-service.infrastructure.svc.${report.clusterDomain}.`
    assert.deepEqual(report.endpoints.map((endpoint) => endpoint.hostname).sort(), [
      'mongodb-0',
      'mongodb-1',
      'mongodb-2',
    ])
    for (const endpoint of report.endpoints) {
      assert.ok(
        report.records.some(
          (record) =>
            record.type === 'A' && record.name === `${endpoint.hostname}.${base}` && record.data === endpoint.address,
        ),
      )
      assert.ok(
        report.records.some((record) => record.type === 'PTR' && record.data === `${endpoint.hostname}.${base}`),
      )
    }
    const srv = report.records
      .filter((record) => record.name === `_mongodb._tcp.${base}`)
      .map((record) => record.data)
      .sort()
    assert.deepEqual(
      srv,
      [0, 1, 2].map((ordinal) => `0 33 27017 mongodb-${ordinal}.${base}`),
    )
  })
})

describe('seed 003: headless port 80 -> targetPort 8000', () => {
  it('HeadlessPortMismatch says clients dialing :80 reach nothing and SRV carries 8000', async () => {
    const {report} = await json('svc-chroma', 'seed-ports', '003-headless-port-mapping')
    const finding = report.findings.find((candidate) => candidate.code === 'HeadlessPortMismatch')
    assert.ok(finding)
    assert.match(
      finding.message,
      /clients dialing svc-chroma:80 reach the pod IPs on port 80, where nothing listens; pods listen on 8000/,
    )
    assert.match(
      finding.hint,
      new RegExp(
        `SRV _http\\._tcp\\.svc-chroma\\.seed-ports\\.svc\\.${report.clusterDomain.replaceAll('.', '\\.')}\\. \\(it carries 8000\\)`,
      ),
    )
    const srv = report.records.filter((record) => record.type === 'SRV' && record.name.startsWith('_http._tcp.'))
    assert.equal(srv.length, 2)
    assert.ok(srv.every((record) => parseSrv(record.data).port === 8000))
  })

  it('-o yaml prints the same report as YAML', async () => {
    const result = await runInProcess([
      'svc-chroma',
      '-n',
      'seed-ports',
      '-f',
      dump('003-headless-port-mapping'),
      '-o',
      'yaml',
    ])
    assert.match(result.stdout, /^apiVersion: svc-inspect\/v1alpha1\nkind: ServiceReport\n/)
    assert.match(result.stdout, /code: HeadlessPortMismatch/)
  })

  it('-o wide adds the hostname and ports columns', async () => {
    const result = await cli(['svc-chroma', '-n', 'seed-ports', '-f', dump('003-headless-port-mapping'), '-o', 'wide'])
    assert.match(result.stdout, /HOSTNAME\s+PORTS/)
    assert.match(result.stdout, /http:8000\/TCP/)
  })

  it('reads the dump from stdin with -f -', async () => {
    const {readFileSync} = await import('node:fs')
    const result = await cli(['svc-chroma', '-n', 'seed-ports', '-f', '-', '-o', 'json'], {
      input: readFileSync(dump('003-headless-port-mapping'), 'utf8'),
    })
    assert.equal(JSON.parse(result.stdout).service.name, 'svc-chroma')
  })
})
