// From a gathered snapshot to the ServiceReport: endpoints, expected records, findings. Pure.
import type {Pod} from '../model/k8s.js'
import {
  bySeverity,
  REPORT_API_VERSION,
  type EndpointView,
  type Finding,
  type ServiceReport,
  type ServiceSnapshot,
  type ServiceView,
} from '../model/report.js'
import {diagnose} from './diagnose.js'
import {sortNaturally} from './dns-names.js'
import {endpointsFromLegacy, endpointsFromSlices, slicesOfService} from './endpoints.js'
import {accessOf} from './access.js'
import {assumedProfile} from './dns-server/profile.js'
import {dnsServerSection} from './dns-server/section.js'
import {clusterIPsOf, expectedRecords, isHeadless} from './expected-records.js'
import {podIsReady, podTrouble, selectorMatches} from './pods.js'
import {lastWriteOf} from './times.js'
import {trafficOf} from './traffic.js'

export function buildReport(snapshot: ServiceSnapshot): ServiceReport {
  const {service} = snapshot
  const namespace = service.metadata.namespace ?? 'default'
  const {endpoints: found, endpointSource} = endpointViews(snapshot)
  const endpoints = sortNaturally(found, (endpoint) => [endpoint.address])
  for (const endpoint of endpoints) endpoint.reason = notReadyReason(endpoint, snapshot)
  const zone = snapshot.clusterDomain.value
  const profile = snapshot.dnsProfile ?? assumedProfile(zone)
  const {records, mustNotResolve} = expectedRecords(service, endpoints, zone, profile, {
    endpointSlices: snapshot.endpointSlices
      ? slicesOfService(snapshot.endpointSlices, namespace, service.metadata.name)
      : undefined,
    endpoints: snapshot.endpoints,
    pods: snapshot.pods,
  })
  const findings = diagnose({
    service,
    endpoints,
    endpointSource,
    pods: snapshot.pods,
    events: snapshot.events,
    clusterDomain: zone,
    clusterDomainSource: snapshot.clusterDomain.source,
    readProblems: snapshot.readProblems,
  })
  const {access, findings: accessFindings} = accessOf(snapshot)
  if (accessFindings.length > 0) findings.push(...accessFindings)
  const {traffic, findings: trafficFindings} = trafficOf(service, endpoints)
  if (trafficFindings.length > 0) findings.push(...trafficFindings)
  findings.sort(bySeverity)
  return {
    apiVersion: REPORT_API_VERSION,
    kind: 'ServiceReport',
    service: serviceView(snapshot, namespace),
    clusterDomain: zone,
    clusterDomainSource: snapshot.clusterDomain.source,
    endpointSource,
    ...(endpoints.length === 0 && endpointsUnread(snapshot) ? {endpointsUnread: true} : {}),
    endpoints,
    dnsServer: dnsServerSection(profile),
    ...(access ? {access} : {}),
    ...(traffic ? {traffic} : {}),
    ...endpointsChange(snapshot),
    records,
    mustNotResolve,
    findings,
    summary: summarize(findings),
  }
}

/** A refused read of the EndpointSlices (or v1 Endpoints): no endpoints seen is then not no endpoints. */
function endpointsUnread(snapshot: ServiceSnapshot): boolean {
  return snapshot.readProblems.some((problem) =>
    ['endpointslices', 'endpoints'].includes(problem.resource ?? problem.what),
  )
}

/** A report with more findings (severity order kept, summary recomputed). */
export function addFindings(report: ServiceReport, extra: Finding[]): ServiceReport {
  const findings = [...report.findings, ...extra].sort(bySeverity)
  return {...report, findings, summary: summarize(findings)}
}

/** The live check could not run (e.g. RBAC forbids the resolver pod): the report stands, and says so. */
export function resolverUnavailable(report: ServiceReport, reason: string, hint?: string): ServiceReport {
  return addFindings(report, [
    {
      code: 'ResolverUnavailable',
      severity: 'warning',
      object: `service/${report.service.name}`,
      message: `live DNS check skipped: ${reason}`,
      hint:
        hint ??
        'grant the svc-inspect-resolver role (deploy/rbac.yaml), use --via port-forward, or pass --no-dns for a read-only run',
    },
  ])
}

/**
 * A Service deleted (or deleted and created again) while a scan asked its names: DNS rightly no longer answers
 * them, so the live answers are not judged. The report is the one from before the live check, and says so.
 */
export function deletedDuringScan(unchecked: ServiceReport, replaced: boolean): ServiceReport {
  const service = `service/${unchecked.service.name}`
  return addFindings(unchecked, [
    {
      code: 'ServiceDeletedDuringScan',
      severity: 'warning',
      object: service,
      message: `${unchecked.service.namespace}/${unchecked.service.name} was ${replaced ? 'deleted and created again' : 'deleted'} while the scan asked its DNS names: its live answers are not judged`,
      hint: 'scan again for a verdict on DNS; the endpoint findings are those read before the deletion',
    },
  ])
}

export function summarize(findings: Finding[]): ServiceReport['summary'] {
  return {
    errors: findings.filter((finding) => finding.severity === 'error').length,
    warnings: findings.filter((finding) => finding.severity === 'warning').length,
    infos: findings.filter((finding) => finding.severity === 'info').length,
  }
}

function serviceView(snapshot: ServiceSnapshot, namespace: string): ServiceView {
  const {spec, metadata} = snapshot.service
  const view: ServiceView = {
    namespace,
    name: metadata.name,
    type: spec.type ?? 'ClusterIP',
    headless: isHeadless(snapshot.service),
    clusterIPs: clusterIPsOf(snapshot.service),
    ports: (spec.ports ?? []).map((port) => ({
      name: port.name ?? '',
      port: port.port,
      targetPort: port.targetPort ?? port.port,
      protocol: port.protocol ?? 'TCP',
      nodePort: port.nodePort ?? null,
    })),
    selector: spec.selector && Object.keys(spec.selector).length > 0 ? spec.selector : null,
    publishNotReadyAddresses: spec.publishNotReadyAddresses ?? false,
  }
  if (spec.type === 'ExternalName') view.externalName = spec.externalName ?? ''
  return view
}

function endpointViews(snapshot: ServiceSnapshot): {
  endpoints: EndpointView[]
  endpointSource: ServiceReport['endpointSource']
} {
  const {service} = snapshot
  if (service.spec.type === 'ExternalName') return {endpoints: [], endpointSource: 'none'}
  if (snapshot.endpointSlices) {
    const slices = slicesOfService(
      snapshot.endpointSlices,
      service.metadata.namespace ?? 'default',
      service.metadata.name,
    )
    return {endpoints: endpointsFromSlices(slices), endpointSource: 'EndpointSlice'}
  }
  if (snapshot.endpoints) return {endpoints: endpointsFromLegacy(snapshot.endpoints), endpointSource: 'Endpoints'}
  return {endpoints: [], endpointSource: 'none'}
}

/** The REASON column: why an endpoint is not ready, in kubectl's words where it has them. */
function notReadyReason(endpoint: EndpointView, snapshot: ServiceSnapshot): string | undefined {
  if (endpoint.ready && !endpoint.terminating) return undefined
  if (endpoint.terminating) return 'Terminating'
  const pod: Pod | undefined = snapshot.pods.find((candidate) => candidate.metadata.name === endpoint.pod)
  if (!pod) return 'NotReady'
  const trouble = podTrouble(pod, snapshot.events)
  if (trouble) return trouble.reason
  if (!podIsReady(pod) && pod.spec.containers.some((container) => container.readinessProbe))
    return 'ReadinessProbeFailing'
  return 'NotReady'
}

/**
 * When the Service's endpoints last changed, as far as the API shows: the EndpointSlice controller's
 * change-trigger annotation and the slices' last writes, the Service's pods' readiness transitions. A DNS
 * answer older than that may come from a cache.
 */
function endpointsChange(snapshot: ServiceSnapshot): {endpointsChangedAt?: string; serviceChangedAt?: string} {
  const times: number[] = []
  const add = (time: string | undefined) => {
    const value = time ? Date.parse(time) : Number.NaN
    if (Number.isFinite(value)) times.push(value)
  }
  const namespace = snapshot.service.metadata.namespace ?? 'default'
  const slices = snapshot.endpointSlices
    ? slicesOfService(snapshot.endpointSlices, namespace, snapshot.service.metadata.name)
    : []
  for (const object of [...slices, ...(snapshot.endpoints ? [snapshot.endpoints] : [])]) {
    add(object.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'])
    for (const field of object.metadata.managedFields ?? []) add(field.time)
  }
  const selector = snapshot.service.spec.selector
  if (selector && Object.keys(selector).length > 0) {
    for (const pod of snapshot.pods) {
      if (!selectorMatches(selector, pod.metadata.labels)) continue
      add(pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.lastTransitionTime)
      add(pod.metadata.deletionTimestamp)
    }
  }
  const serviceChangedAt = lastWriteOf(snapshot.service.metadata)
  return {
    ...(times.length > 0 ? {endpointsChangedAt: new Date(Math.max(...times)).toISOString()} : {}),
    ...(serviceChangedAt ? {serviceChangedAt} : {}),
  }
}
