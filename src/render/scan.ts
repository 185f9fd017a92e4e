// Renderers for many reports: the scan summary table, the ServiceReportList, and JUnit XML for CI.
import type {ChalkInstance} from 'chalk'
import {bySeverity, REPORT_API_VERSION, type Finding, type ServiceReport} from '../model/report.js'
import type {ExpectationResult} from '../analyse/expectations.js'
import {kubectlTable, severityColor} from './style.js'

export interface ServiceReportList {
  apiVersion: typeof REPORT_API_VERSION
  kind: 'ServiceReportList'
  items: ServiceReport[]
  expectations?: ExpectationResult[]
  summary: {services: number; errors: number; warnings: number; infos: number; servicesWithErrors: number}
}

export function reportList(items: ServiceReport[], expectations?: ExpectationResult[]): ServiceReportList {
  const sum = (key: 'errors' | 'warnings' | 'infos') => items.reduce((total, item) => total + item.summary[key], 0)
  // inspect --expect already turned failed entries into ExpectationFailed findings: count each failure once.
  const asFindings = items.reduce(
    (total, item) => total + item.findings.filter((finding) => finding.code === 'ExpectationFailed').length,
    0,
  )
  const failedExpectations = expectations?.filter((result) => result.status === 'fail').length ?? 0
  return {
    apiVersion: REPORT_API_VERSION,
    kind: 'ServiceReportList',
    items,
    ...(expectations ? {expectations} : {}),
    summary: {
      services: items.length,
      errors: sum('errors') - asFindings + failedExpectations,
      warnings: sum('warnings'),
      infos: sum('infos'),
      servicesWithErrors: items.filter((item) => item.summary.errors > 0).length,
    },
  }
}

export function worstFinding(report: ServiceReport): Finding | undefined {
  return [...report.findings].sort(bySeverity)[0]
}

function dnsColumn(report: ServiceReport): string {
  if (!report.dns) return 'skipped'
  const checked = report.records.filter((record) => record.status !== 'expected')
  const ok = checked.filter((record) => record.status === 'match').length
  return `${ok} ok / ${checked.length - ok} mismatch`
}

export function renderScanTable(list: ServiceReportList, palette: ChalkInstance, wide: boolean): string {
  const table = list.items.length > 0 ? renderScanRows(list.items, palette, wide, true) : 'No services found.\n'
  return `${table}${renderScanFooter(list, palette)}`
}

/** The table's rows for these reports (with the column names when `head`): a scan prints them as batches finish. */
export function renderScanRows(reports: ServiceReport[], palette: ChalkInstance, wide: boolean, head: boolean): string {
  const rows = reports.map((report) => {
    const worst = worstFinding(report)
    const ready = report.endpoints.filter((endpoint) => endpoint.ready).length
    // Unread (forbidden) endpoints are not 0/0.
    const endpoints =
      report.service.type === 'ExternalName'
        ? '-'
        : report.endpointsUnread
          ? '?'
          : `${ready}/${report.endpoints.length}`
    return [
      report.service.namespace,
      report.service.name,
      report.service.headless ? 'Headless' : report.service.type,
      endpoints,
      dnsColumn(report),
      worst
        ? severityColor(palette, worst.severity)(`${worst.severity.toUpperCase()} ${worst.code}`)
        : palette.green('OK'),
      ...(wide ? [worst ? worst.message : ''] : []),
    ]
  })
  const names = ['NAMESPACE', 'SERVICE', 'TYPE', 'ENDPOINTS', 'DNS', 'WORST FINDING', ...(wide ? ['MESSAGE'] : [])]
  return `${kubectlTable(head ? names : [], rows)}\n`
}

/** What follows the rows: the DNS contract's results, if any, and the summary line. */
export function renderScanFooter(list: ServiceReportList, palette: ChalkInstance): string {
  const lines: string[] = []
  if (list.expectations?.length) {
    lines.push('', palette.bold('DNS CONTRACT'))
    lines.push(
      kubectlTable(
        ['NAME', 'TYPE', 'RULE', 'RESULT', 'DETAIL'],
        list.expectations.map((result) => [
          result.name,
          result.type,
          result.rule,
          result.status === 'pass' ? palette.green('pass') : palette.red('FAIL'),
          result.message,
        ]),
      ),
    )
  }
  const {services, errors, warnings, servicesWithErrors} = list.summary
  lines.push(
    '',
    `${services} service${services === 1 ? '' : 's'}: ${servicesWithErrors} with errors (${errors} errors, ${warnings} warnings)`,
  )
  return `${lines.join('\n')}\n`
}

const escapeXml = (text: string) =>
  text
    .replace(/[<>&"']/g, (char) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;'})[char]!)
    // eslint-disable-next-line no-control-regex -- control characters are what this strips
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')

/**
 * JUnit XML as CI tools read it (Jenkins, GitLab, GitHub reporters): a testsuite per namespace, a testcase
 * per service, one <failure> per error finding (message, hint in the body); warnings and infos go to
 * <system-out>. A DNS contract (--expect) adds a testsuite with a testcase per entry.
 */
export function renderJUnit(list: ServiceReportList): string {
  const suites = new Map<string, ServiceReport[]>()
  for (const item of list.items)
    suites.set(item.service.namespace, [...(suites.get(item.service.namespace) ?? []), item])
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>']
  const totalTests = list.items.length + (list.expectations?.length ?? 0)
  const failing = (item: ServiceReport) =>
    item.findings.some((finding) => finding.severity === 'error' && finding.code !== 'ExpectationFailed')
  const totalFailures =
    list.items.filter(failing).length + (list.expectations?.filter((result) => result.status === 'fail').length ?? 0)
  out.push(`<testsuites name="svc-inspect" tests="${totalTests}" failures="${totalFailures}" errors="0">`)
  for (const [namespace, items] of suites) {
    const failures = items.filter(failing).length
    out.push(
      `  <testsuite name="${escapeXml(namespace)}" tests="${items.length}" failures="${failures}" errors="0" skipped="0">`,
    )
    for (const item of items) {
      const time = item.dns ? ` time="${((item.dns.timings?.queryMs ?? 0) / 1000).toFixed(3)}"` : ''
      out.push(
        `    <testcase classname="svc-inspect.${escapeXml(namespace)}" name="${escapeXml(item.service.name)}"${time}>`,
      )
      // A failed --expect entry is its own testcase in the dns-contract suite, not a failure of the service.
      for (const finding of item.findings.filter(
        (candidate) => candidate.severity === 'error' && candidate.code !== 'ExpectationFailed',
      )) {
        out.push(
          `      <failure type="${escapeXml(finding.code)}" message="${escapeXml(`${finding.code}: ${finding.message}`)}">${escapeXml(`${finding.object}: ${finding.message}\nhint: ${finding.hint}`)}</failure>`,
        )
      }
      const notes = item.findings.filter((candidate) => candidate.severity !== 'error')
      if (notes.length > 0) {
        out.push(
          `      <system-out>${escapeXml(notes.map((note) => `${note.severity.toUpperCase()} ${note.code} ${note.object}: ${note.message}`).join('\n'))}</system-out>`,
        )
      }
      out.push('    </testcase>')
    }
    out.push('  </testsuite>')
  }
  if (list.expectations?.length) {
    const failures = list.expectations.filter((result) => result.status === 'fail').length
    out.push(
      `  <testsuite name="dns-contract" tests="${list.expectations.length}" failures="${failures}" errors="0" skipped="0">`,
    )
    for (const result of list.expectations) {
      out.push(
        `    <testcase classname="svc-inspect.dns-contract" name="${escapeXml(`${result.name} ${result.type} ${result.rule}`)}">`,
      )
      if (result.status === 'fail')
        out.push(
          `      <failure type="ExpectationFailed" message="${escapeXml(result.message)}">${escapeXml(result.message)}</failure>`,
        )
      out.push('    </testcase>')
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  return `${out.join('\n')}\n`
}
