// A changed Corefile the replicas never loaded (analyse/corefile-applied.ts). CoreDNS reads its Corefile at start;
// only plugin/reload re-reads it (plugin/reload/reload.go: a ticker compares the file's hash). Without `reload`, a
// replica that started before the ConfigMap's last write serves the Corefile from before.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {explainOldCorefile, mayRunOldCorefile} from '../../src/analyse/corefile-applied.js'
import {buildReport} from '../../src/analyse/report.js'
import type {Finding, ServiceReport} from '../../src/model/report.js'
import {clusterIP, port} from './factories.js'

const CHANGED = '2026-12-06T06:00:00.000Z'
const missing: Finding = {
  code: 'DNSRecordMissing',
  severity: 'error',
  object: 'service/web',
  message: 'web.default.svc.cluster.local. A 10.96.0.10 is expected but nameserver (10.96.0.10) answered NXDOMAIN',
  hint: 'the DNS server serves what it sees in EndpointSlices',
}
const other: Finding = {
  code: 'PortUnreachable',
  severity: 'error',
  object: 'service/web',
  message: '10.96.0.10:80 refused',
  hint: 'x',
}

function reportWith(
  findings: Finding[],
  reload: {intervalSeconds: number; jitterSeconds: number} | null,
): ServiceReport {
  const report = buildReport({
    service: clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080)]),
    endpointSlices: [],
    pods: [],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
  return {
    ...report,
    dnsServer: {...report.dnsServer!, corefileChangedAt: CHANGED, reload},
    findings,
    summary: {errors: findings.filter((finding) => finding.severity === 'error').length, warnings: 0, infos: 0},
  }
}

describe('mayRunOldCorefile: when the replicas start times are worth a read', () => {
  const rows: Array<[string, ServiceReport, boolean]> = [
    ['a DNS error, no reload, a known change', reportWith([missing], null), true],
    [
      'with reload: the window (DNSCorefilePending) covers it instead',
      reportWith([missing], {intervalSeconds: 30, jitterSeconds: 15}),
      false,
    ],
    ['no DNS error', reportWith([other], null), false],
    [
      'no known change (--corefile, or a ConfigMap without times)',
      {
        ...reportWith([missing], null),
        dnsServer: {...reportWith([missing], null).dnsServer!, corefileChangedAt: undefined},
      },
      false,
    ],
  ]
  for (const [name, report, expected] of rows) it(name, () => assert.equal(mayRunOldCorefile(report), expected))
})

describe('explainOldCorefile', () => {
  it('a replica started before the change: DNS errors become warnings saying why, one CorefileNotApplied with the fix', () => {
    const out = explainOldCorefile(
      reportWith([missing, other], null),
      new Map([
        ['coredns-b', '2026-12-06T06:05:00Z'],
        ['coredns-a', '2026-12-01T08:00:00Z'],
      ]),
    )
    const why = `the Corefile changed at ${CHANGED}, after CoreDNS coredns-a started, and has no reload plugin: it still serves the Corefile from before`
    assert.deepEqual(out.findings, [
      other,
      {...missing, severity: 'warning', hint: `${why}; the records were predicted from the new one`},
      {
        code: 'CorefileNotApplied',
        severity: 'warning',
        object: 'configmap/kube-system/coredns',
        message: why,
        hint: 'restart them to load it (kubectl -n kube-system rollout restart deployment coredns), or add `reload` to the Corefile',
      },
    ])
    assert.deepEqual(out.summary, {errors: 1, warnings: 2, infos: 0})
  })

  it('every replica started after the change (they loaded it): unchanged, the errors stand', () => {
    const report = reportWith([missing], null)
    assert.equal(explainOldCorefile(report, new Map([['coredns-a', '2026-12-06T06:00:01Z']])), report)
    assert.equal(explainOldCorefile(report, new Map()), report)
  })
})
