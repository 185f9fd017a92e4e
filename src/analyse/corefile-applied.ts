// A Corefile that changed after the replicas started, in a Corefile without `reload`: CoreDNS reads its Corefile at
// start only (plugin/reload is what re-reads it), so those replicas still serve the one before, however long ago the
// change was. Their DNS mismatches are then not the Service's problem but the change's: warnings that say so, and one
// CorefileNotApplied finding with the fix. Pure; the replicas' start times are read only when this can apply.
import type {Finding, ServiceReport} from '../model/report.js'
import {addFindings} from './report.js'

/** The findings a Corefile the replicas never loaded can explain. */
const DNS_MISMATCHES = new Set([
  'DNSRecordMissing',
  'DNSRecordUnexpected',
  'DNSNameShouldNotResolve',
  'DNSReplicaInconsistent',
])

/** Whether the replicas' start times are worth reading: DNS mismatches, a known Corefile change, no `reload`. */
export function mayRunOldCorefile(report: ServiceReport): boolean {
  return (
    report.dnsServer?.reload === null &&
    report.dnsServer.corefileChangedAt !== undefined &&
    report.findings.some((finding) => DNS_MISMATCHES.has(finding.code) && finding.severity === 'error')
  )
}

/**
 * The report with the replicas that started before the Corefile's last change named: `starts` maps a replica (the
 * CoreDNS pod) to when its container started. Unchanged when none started before it.
 */
export function explainOldCorefile(report: ServiceReport, starts: Map<string, string>): ServiceReport {
  const changedAt = report.dnsServer?.corefileChangedAt
  if (!mayRunOldCorefile(report) || !changedAt) return report
  const stale = [...starts]
    .filter(([, started]) => Date.parse(started) < Date.parse(changedAt))
    .map(([pod]) => pod)
    .sort()
  if (stale.length === 0) return report
  const why = `the Corefile changed at ${changedAt}, after CoreDNS ${stale.join(', ')} started, and has no reload plugin: ${stale.length > 1 ? 'they still serve' : 'it still serves'} the Corefile from before`
  const findings: Finding[] = report.findings.map((finding) =>
    DNS_MISMATCHES.has(finding.code) && finding.severity === 'error'
      ? {...finding, severity: 'warning', hint: `${why}; the records were predicted from the new one`}
      : finding,
  )
  return addFindings({...report, findings: []}, [
    ...findings,
    {
      code: 'CorefileNotApplied',
      severity: 'warning',
      object: 'configmap/kube-system/coredns',
      message: why,
      hint: 'restart them to load it (kubectl -n kube-system rollout restart deployment coredns), or add `reload` to the Corefile',
    },
  ])
}
