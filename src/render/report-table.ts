// The human view of a ServiceReport: describe-like header, then endpoints, records and findings as tables.
import type {ChalkInstance} from 'chalk'
import type {ClientSection, ServiceReport, TrafficSection} from '../model/report.js'
import {dnsServerLine} from '../analyse/dns-server/section.js'
import {hostPort} from '../analyse/dns-names.js'
import {kubectlTable, severityColor, statusColor} from './style.js'

export interface TableOptions {
  wide: boolean
  palette: ChalkInstance
}

const DOMAIN_SOURCE: Record<ServiceReport['clusterDomainSource'], string> = {
  flag: 'from --cluster-domain',
  'coredns-configmap': 'from the kube-system/coredns ConfigMap',
  'resolv.conf': "from the resolver pod's resolv.conf",
  default: 'assumed',
}

export function renderReportTable(report: ServiceReport, options: TableOptions): string {
  const {palette} = options
  const {service} = report
  const sections: string[] = []
  const ports = service.ports
    .map(
      (port) =>
        `${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol} -> ${port.targetPort}${port.nodePort ? ` (nodePort ${port.nodePort})` : ''}`,
    )
    .join(', ')
  const header: Array<[string, string]> = [
    ['Service', `${service.namespace}/${service.name}`],
    ['Type', `${service.type}${service.headless ? ' (headless)' : ''}`],
    service.externalName !== undefined
      ? ['External name', service.externalName]
      : ['Cluster IPs', service.headless ? 'None' : service.clusterIPs.join(', ') || '<pending>'],
    ['Ports', ports || '<none>'],
    [
      'Selector',
      service.selector
        ? Object.entries(service.selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')
        : '<none>',
    ],
    ['Cluster domain', `${report.clusterDomain} (${DOMAIN_SOURCE[report.clusterDomainSource]})`],
  ]
  if (report.dnsServer) header.push(['DNS', dnsServerLine(report.dnsServer)])
  // NetworkPolicy's verdict per target port, when the policies were read.
  for (const port of report.access?.ports ?? []) header.push([`Ingress ${port.port}/${port.protocol}`, port.mayReach])
  if (report.client) {
    const allowed = report.client.paths.filter((path) => path.allowed).length
    const dns = report.client.dns ? `; ${report.client.dns.replace(/^[^:]*: /, '')}` : ''
    header.push([
      'From',
      `${report.client.pod}: ${allowed} of ${report.client.paths.length} endpoint paths allowed${dns}`,
    ])
  }
  if (report.traffic) header.push(['Traffic', trafficLine(report.traffic)])
  if (service.publishNotReadyAddresses) header.push(['Publish not ready', 'true'])
  const width = Math.max(...header.map(([key]) => key.length)) + 2
  sections.push(header.map(([key, value]) => `${palette.bold(`${key}:`.padEnd(width))}${value}`).join('\n'))

  if (report.client?.lookup) sections.push(clientSection(report.client, palette))

  if (service.type !== 'ExternalName') {
    const ready = report.endpoints.filter((endpoint) => endpoint.ready).length
    const title = `ENDPOINTS (${ready} ready of ${report.endpoints.length}, from ${report.endpointSource === 'none' ? 'nothing' : report.endpointSource})`
    if (report.endpoints.length === 0) sections.push(`${palette.bold(title)}\n<none>`)
    else {
      const head = [
        'ADDRESS',
        'POD',
        'NODE',
        'READY',
        'SERVING',
        'TERMINATING',
        'REASON',
        ...(options.wide ? ['HOSTNAME', 'PORTS'] : []),
      ]
      const rows = report.endpoints.map((endpoint) => [
        endpoint.address,
        endpoint.pod ?? '<none>',
        endpoint.node ?? '<none>',
        endpoint.ready ? palette.green('true') : palette.red('false'),
        String(endpoint.serving),
        String(endpoint.terminating),
        endpoint.reason ?? '',
        ...(options.wide
          ? [
              endpoint.hostname ?? '<none>',
              endpoint.ports
                .map((port) => `${port.name ? `${port.name}:` : ''}${port.port}/${port.protocol}`)
                .join(','),
            ]
          : []),
      ])
      sections.push(`${palette.bold(title)}\n${kubectlTable(head, rows)}`)
    }
  }

  if (report.client?.live) sections.push(clientLiveTable(report.client, palette))

  const recordTitle = report.records.some((record) => record.status !== 'expected')
    ? 'DNS RECORDS (expected vs observed)'
    : 'EXPECTED DNS RECORDS'
  if (report.records.length === 0) sections.push(`${palette.bold(recordTitle)}\n<none>`)
  else {
    const rows = report.records.map((record) => [
      record.name,
      record.type,
      record.data,
      statusColor(palette, record.status)(record.status),
    ])
    sections.push(`${palette.bold(recordTitle)}\n${kubectlTable(['NAME', 'TYPE', 'DATA', 'STATUS'], rows)}`)
  }
  if (report.mustNotResolve.length > 0) {
    const rows = report.mustNotResolve.map((absent) => [absent.name, absent.type, absent.reason])
    sections.push(
      `${palette.bold('NAMES THAT MUST NOT RESOLVE (NXDOMAIN)')}\n${kubectlTable(['NAME', 'TYPE', 'WHY'], rows)}`,
    )
  }

  if (report.expectations?.length) {
    const rows = report.expectations.map((result) => [
      result.name,
      result.type,
      result.rule,
      result.status === 'pass' ? palette.green('pass') : palette.red('FAIL'),
      result.message,
    ])
    sections.push(
      `${palette.bold('DNS CONTRACT (--expect)')}\n${kubectlTable(['NAME', 'TYPE', 'RULE', 'RESULT', 'DETAIL'], rows)}`,
    )
  }

  const {errors, warnings, infos} = report.summary
  const findingsTitle = `FINDINGS (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${infos} info)`
  if (report.findings.length === 0)
    sections.push(`${palette.bold(findingsTitle)}\n${palette.green('no problems found')}`)
  else {
    const lines = report.findings.map((finding) => {
      const color = severityColor(palette, finding.severity)
      return `${color(finding.severity.toUpperCase().padEnd(8))}${palette.bold(finding.code)}  ${finding.object}\n        ${finding.message}\n        ${palette.dim(`hint: ${finding.hint}`)}`
    })
    sections.push(`${palette.bold(findingsTitle)}\n${lines.join('\n')}`)
  }
  return `${sections.join('\n\n')}\n`
}

/** The header's Traffic line: each policy that differs from the default, and the hints. */
function trafficLine(traffic: TrafficSection): string {
  const parts: string[] = []
  const nodes = traffic.nodesWithEndpoints.join(', ') || 'none'
  if (traffic.internalTrafficPolicy === 'Local') parts.push(`internal Local (endpoints on ${nodes})`)
  if (traffic.externalTrafficPolicy === 'Local')
    parts.push(
      `external Local (endpoints on ${nodes}${traffic.healthCheckNodePort ? `; health check node port ${traffic.healthCheckNodePort}` : ''})`,
    )
  if (traffic.sessionAffinity === 'ClientIP') parts.push(`affinity ClientIP (${traffic.affinityTimeoutSeconds} s)`)
  const hints = traffic.nodeHints
    ? traffic.nodeHints.map((group) => `${group.node} -> ${group.endpoints.join(' ')}`)
    : traffic.zoneHints?.map((group) => `${group.zone} -> ${group.endpoints.join(' ')}`)
  if (traffic.trafficDistribution || hints)
    parts.push(`${traffic.trafficDistribution ?? 'hints'}${hints ? ` (${hints.join('; ')})` : ' (no complete hints)'}`)
  return parts.join('; ') || 'default'
}

/** `--from`: the client's resolv.conf, the names its resolver asks, where the app's connection goes. */
function clientSection(client: ClientSection, palette: TableOptions['palette']): string {
  const where = [client.node ? `on ${client.node}` : '', client.zone ? `zone ${client.zone.name}` : '']
    .filter(Boolean)
    .join(', ')
  const lines: string[] = [palette.bold(`CLIENT ${client.pod}${where ? ` (${where})` : ''}`)]
  const resolver = client.resolver
  if (resolver)
    lines.push(
      `resolv.conf (dnsPolicy ${resolver.dnsPolicy}): nameserver ${resolver.nameservers.join(' ') || '<none>'}; search ${resolver.searches.join(' ') || '<none>'}; options ${resolver.options.join(' ') || '<none>'} (ndots ${resolver.ndots})`,
    )
  const lookup = client.lookup!
  if (lookup.tries.length === 0) lines.push(`"${lookup.name}" is an address, not looked up; dials ${lookup.dials}`)
  else {
    // With the live check, what the client's nameserver answered for each name, asked from the client pod.
    const live = lookup.tries.some((entry) => entry.live)
    const rows = lookup.tries.map((entry) => [
      entry.name,
      entry.answer === 'records' ? palette.green('records') : entry.answer,
      ...(live
        ? [entry.live ? `${entry.live.rcode}${entry.live.records ? ` (${entry.live.records})` : ''}` : '-']
        : []),
      entry.note ?? '',
    ])
    lines.push(kubectlTable([`NAMES ASKED FOR "${lookup.name}"`, 'EXPECTED', ...(live ? ['LIVE'] : []), 'WHY'], rows))
    lines.push(
      lookup.answeredBy
        ? `answered by ${lookup.answeredBy}; dials ${lookup.dials}`
        : palette.red(`"${lookup.name}" does not resolve to the Service from this pod`),
    )
  }
  if (client.traffic)
    lines.push(`kube-proxy: ${client.traffic.rule}: ${client.traffic.endpoints.join(', ') || 'no endpoint'}`)
  for (const assumption of resolver?.assumptions ?? []) lines.push(palette.dim(`assumed: ${assumption}`))
  if (client.note) lines.push(palette.dim(`note: ${client.note}`))
  return lines.join('\n')
}

/** `--from` with the live check: each path's static verdict beside what the client pod's own namespace saw. */
function clientLiveTable(client: ClientSection, palette: ChalkInstance): string {
  const live = client.live!
  const verdict = (allowed: boolean | undefined) =>
    allowed === undefined ? '-' : allowed ? palette.green('allowed') : palette.red('denied')
  const agree = (agrees: boolean | undefined) =>
    agrees === undefined ? '-' : agrees ? palette.green('yes') : palette.yellow.bold('NO')
  const title = `FROM ${client.pod}${live.container ? ` (live: ephemeral container ${live.container})` : ''}`
  const lines: string[] = []
  if (live.unavailable) lines.push(`live evidence: none (${live.unavailable})`)
  else {
    const rows = [
      ...client.paths.map((path) => [
        `${hostPort(path.endpoint, path.port)}/${path.protocol}`,
        'endpoint',
        verdict(path.allowed),
        path.live ?? '-',
        agree(path.agrees),
      ]),
      ...live.clusterIPs.map((entry) => [
        `${hostPort(entry.address, entry.port)}/TCP`,
        'ClusterIP',
        verdict(entry.allowed),
        entry.state,
        agree(entry.agrees),
      ]),
      ...(live.dns
        ? (['UDP', 'TCP'] as const).map((protocol) => {
            const seen = protocol === 'UDP' ? live.dns!.udp : live.dns!.tcp
            const allowed = client.dnsAllowed?.[protocol === 'UDP' ? 'udp' : 'tcp']
            // Compared per protocol, where the DNS verdict is comparable at all (the cluster DNS is the nameserver).
            const agrees = live.dns!.agrees === undefined || seen === null ? undefined : seen === allowed
            return [
              `${hostPort(live.dns!.nameserver, 53)}/${protocol}`,
              'DNS',
              verdict(allowed),
              seen === null ? '-' : seen ? 'answered' : 'unanswered',
              agree(agrees),
            ]
          })
        : []),
    ]
    lines.push(kubectlTable(['TARGET', 'KIND', 'STATIC', 'LIVE', 'AGREE'], rows))
    if (live.resolver) {
      const {nameserver, search, options} = live.resolver
      lines.push(
        `resolv.conf: nameserver ${nameserver ?? '<none>'}; search ${search.join(' ') || '<none>'}; options ${options.join(' ') || '<none>'}`,
      )
    }
  }
  lines.push(palette.dim(`note: ${live.note}`))
  return `${palette.bold(title)}\n${lines.join('\n')}`
}
