// Diagnosis rules: each a pure function from what was gathered to findings. A rule says what is wrong, about
// which object, and what to do; the severity says whether it breaks the service (error), may break it or
// some clients (warning), or is context (info).
import {isIP} from 'node:net'
import type {Pod, Service, ServicePort} from '../model/k8s.js'
import {
  bySeverity,
  type ClusterDomainSource,
  type EndpointView,
  type Finding,
  type ReadProblem,
  type Severity,
} from '../model/report.js'
import type {KubeEvent} from '../model/k8s.js'
import {serviceFqdn} from './dns-names.js'
import {clusterIPsOf, isHeadless, srvName} from './expected-records.js'
import {publishedEndpoints} from './published.js'
import {
  containersWithReadinessProbe,
  describeProbe,
  lastEventFor,
  oneLine,
  podIsReady,
  podTrouble,
  selectorMatches,
} from './pods.js'

export interface DiagnosisInput {
  service: Service
  endpoints: EndpointView[]
  endpointSource: 'EndpointSlice' | 'Endpoints' | 'none'
  /** All pods of the namespace. */
  pods: Pod[]
  events: KubeEvent[]
  clusterDomain: string
  clusterDomainSource: ClusterDomainSource
  readProblems: ReadProblem[]
}

interface Context extends DiagnosisInput {
  namespace: string
  selector: Record<string, string> | null
  matchedPods: Pod[]
  /** Whether DNS/kube-proxy have at least one endpoint to send clients to. */
  hasPublishedEndpoints: boolean
  /** error when nothing serves the service, warning when others still do. */
  podImpact: Severity
}

export type Rule = (context: Context) => Finding[]

export function diagnose(input: DiagnosisInput): Finding[] {
  const context = buildContext(input)
  const findings = RULES.flatMap((rule) => rule(context))
  return findings.sort(bySeverity)
}

export function buildContext(input: DiagnosisInput): Context {
  const namespace = input.service.metadata.namespace ?? 'default'
  const selector =
    input.service.spec.selector && Object.keys(input.service.spec.selector).length > 0
      ? input.service.spec.selector
      : null
  const matchedPods = selector ? input.pods.filter((pod) => selectorMatches(selector, pod.metadata.labels)) : []
  const hasPublishedEndpoints =
    publishedEndpoints(input.endpoints, input.service.spec.publishNotReadyAddresses ?? false).length > 0
  return {
    ...input,
    namespace,
    selector,
    matchedPods,
    hasPublishedEndpoints,
    podImpact: hasPublishedEndpoints ? 'warning' : 'error',
  }
}

const isExternalName = (context: Context) => context.service.spec.type === 'ExternalName'
const serviceRef = (context: Context) => `service/${context.service.metadata.name}`
const podRef = (pod: Pod) => `pod/${pod.metadata.name}`
const isTerminating = (pod: Pod) => Boolean(pod.metadata.deletionTimestamp)

/** Whether a read of this kind of object was refused: its absence then proves nothing (ReadFailed says so). */
const unread = (context: Pick<Context, 'readProblems'>, ...resources: string[]) =>
  context.readProblems.some((problem) => resources.includes(problem.resource ?? problem.what))

export const noEndpoints: Rule = (context) => {
  if (isExternalName(context) || context.hasPublishedEndpoints) return []
  // A scan of a namespace whose EndpointSlices may not be read: no endpoints seen is not no endpoints.
  if (context.endpoints.length === 0 && unread(context, 'endpointslices', 'endpoints')) return []
  const notReady = context.endpoints.length
  const name = serviceFqdn(context.service.metadata.name, context.namespace, context.clusterDomain)
  const effect = isHeadless(context.service)
    ? `DNS answers NXDOMAIN for ${name}`
    : `connections to ${clusterIPsOf(context.service).join(', ') || 'the ClusterIP'} are rejected by kube-proxy`
  const why =
    notReady > 0
      ? notReady === 1
        ? 'its only endpoint is not ready'
        : `all ${notReady} endpoints are not ready`
      : context.selector
        ? unread(context, 'pods')
          ? 'no EndpointSlice lists an address; the pods could not be read'
          : `${context.matchedPods.length} pod${plural(context.matchedPods.length)} ${context.matchedPods.length === 1 ? 'matches' : 'match'} the selector`
        : 'the service has no selector and nobody created endpoints for it'
  return [
    {
      code: 'NoEndpoints',
      severity: 'error',
      object: serviceRef(context),
      message: `no ready endpoints (${why}); ${effect}`,
      hint:
        notReady > 0 || context.matchedPods.length > 0
          ? 'see the pod findings below for why they are not ready'
          : 'give the service a selector that matches running pods, or create an EndpointSlice for it',
    },
  ]
}

export const noSelector: Rule = (context) => {
  if (isExternalName(context) || context.selector) return []
  return [
    {
      code: 'NoSelector',
      severity: 'info',
      object: serviceRef(context),
      message: `the service has no selector: its endpoints are managed by hand (${context.endpoints.length === 0 && unread(context, 'endpointslices', 'endpoints') ? 'they could not be read' : `${context.endpoints.length} address${context.endpoints.length === 1 ? '' : 'es'} found`})`,
      hint: `create EndpointSlices labelled kubernetes.io/service-name=${context.service.metadata.name}, or add a selector`,
    },
  ]
}

export const selectorMatchesNoPods: Rule = (context) => {
  if (!context.selector || context.matchedPods.length > 0) return []
  // Endpoints naming pods prove the selector matches something we were not shown (a dump without pods,
  // or pods unreadable): say nothing rather than something false.
  if (context.endpoints.some((endpoint) => endpoint.pod) || unread(context, 'pods')) return []
  const selector = context.selector
  const selectorText = formatLabels(selector)
  const scored = context.pods
    .map((pod) => ({
      pod,
      score: Object.entries(selector).filter(([key, value]) => pod.metadata.labels?.[key] === value).length,
    }))
    .sort((a, b) => b.score - a.score || a.pod.metadata.name.localeCompare(b.pod.metadata.name))
  const nearest = scored.slice(0, 3)
  const hint =
    nearest.length === 0
      ? `namespace ${context.namespace} has no pods; check the workload is deployed in this namespace`
      : 'nearest: ' +
        nearest
          .map(({pod}) => {
            const differences = Object.entries(selector)
              .filter(([key, value]) => pod.metadata.labels?.[key] !== value)
              .map(([key, value]) =>
                pod.metadata.labels?.[key] === undefined
                  ? `no label ${key} (want ${value})`
                  : `${key}=${pod.metadata.labels[key]} (want ${value})`,
              )
            return `${podRef(pod)} [${formatLabels(pod.metadata.labels ?? {}) || 'no labels'}]: ${differences.join(', ')}`
          })
          .join('; ')
  return [
    {
      code: 'SelectorMatchesNoPods',
      severity: 'error',
      object: serviceRef(context),
      message: `selector ${selectorText} matches none of the ${context.pods.length} pod${plural(context.pods.length)} in namespace ${context.namespace}`,
      hint,
    },
  ]
}

export const readinessProbeFailing: Rule = (context) =>
  context.matchedPods.flatMap((pod) => {
    if (isTerminating(pod) || podIsReady(pod) || podTrouble(pod, context.events)) return []
    const statuses = pod.status?.containerStatuses ?? []
    return containersWithReadinessProbe(pod)
      .filter((container) => statuses.find((status) => status.name === container.name)?.ready === false)
      .map((container) => {
        const probe = describeProbe(container.readinessProbe!)
        const event = lastEventFor(context.events, pod, ['Unhealthy'], 'Readiness probe')
        const said = event?.message ? `: "${oneLine(event.message)}"` : ' (no Unhealthy event recorded yet)'
        const command = container.readinessProbe!.exec?.command
        const tryIt = command
          ? `run it yourself: kubectl exec -n ${context.namespace} ${pod.metadata.name} -c ${container.name} -- ${command.join(' ')}`
          : `check that container ${container.name} answers ${probe}`
        return {
          code: 'ReadinessProbeFailing',
          severity: context.podImpact,
          object: podRef(pod),
          message: `readiness probe ${probe} of container ${container.name} is failing${said}`,
          hint: `the pod stays out of the endpoints until the probe passes; ${tryIt}`,
        }
      })
  })

export const podNotRunning: Rule = (context) =>
  context.matchedPods.flatMap((pod) => {
    if (isTerminating(pod)) return []
    const trouble = podTrouble(pod, context.events)
    if (!trouble) return []
    return [
      {
        code: 'PodNotRunning',
        severity: context.podImpact,
        object: podRef(pod),
        message: `${trouble.reason}: ${trouble.detail}${trouble.restarts > 0 ? ` (${trouble.restarts} restart${plural(trouble.restarts)})` : ''}`,
        hint: HINTS_BY_REASON[trouble.reason] ?? `kubectl describe pod -n ${context.namespace} ${pod.metadata.name}`,
      },
    ]
  })

const HINTS_BY_REASON: Record<string, string> = {
  CrashLoopBackOff: 'the container keeps exiting; read its previous logs: kubectl logs --previous',
  ImagePullBackOff: 'the image cannot be pulled: check its name, tag and imagePullSecrets',
  ErrImagePull: 'the image cannot be pulled: check its name, tag and imagePullSecrets',
  ErrImageNeverPull: 'imagePullPolicy is Never and the image is not on the node',
  CreateContainerConfigError: 'a referenced ConfigMap or Secret (or key) is missing',
  Pending: 'the scheduler or the kubelet has not started the pod: kubectl describe pod shows why',
}

export const podTerminating: Rule = (context) =>
  context.matchedPods.filter(isTerminating).map((pod) => ({
    code: 'PodTerminating',
    severity: 'warning' as const,
    object: podRef(pod),
    message: `terminating since ${pod.metadata.deletionTimestamp}: its endpoint is no longer ready, so DNS and kube-proxy stop sending new clients to it`,
    hint: 'expected during a rollout; a pod stuck terminating usually has a finalizer or a node that is gone',
  }))

export const namedTargetPortNotFound: Rule = (context) =>
  (context.service.spec.ports ?? []).flatMap((port) => {
    if (typeof port.targetPort !== 'string' || context.matchedPods.length === 0) return []
    const missing = context.matchedPods.filter(
      (pod) => containerPortByName(pod, port.targetPort as string) === undefined,
    )
    if (missing.length === 0) return []
    const declared = declaredPorts(missing[0])
    return [
      {
        code: 'NamedTargetPortNotFound',
        severity: missing.length === context.matchedPods.length ? 'error' : 'warning',
        object: serviceRef(context),
        message: `port ${portLabel(port)} targets the named port "${port.targetPort}", which ${missing.length} of ${context.matchedPods.length} pod${plural(context.matchedPods.length)} do not declare (${missing.slice(0, 3).map(podRef).join(', ')}${missing.length > 3 ? ', ...' : ''}); such pods get no endpoint for this port`,
        hint: `declare containerPort name "${port.targetPort}" in the pod template, or set targetPort to a number${declared ? ` (the pods declare ${declared})` : ''}`,
      },
    ]
  })

export const targetPortNotDeclared: Rule = (context) =>
  (context.service.spec.ports ?? []).flatMap((port) => {
    if (typeof port.targetPort === 'string' || context.matchedPods.length === 0) return []
    const target = port.targetPort ?? port.port
    const protocol = port.protocol ?? 'TCP'
    const declaresIt = (pod: Pod) =>
      pod.spec.containers.some((container) =>
        container.ports?.some((p) => p.containerPort === target && (p.protocol ?? 'TCP') === protocol),
      )
    if (context.matchedPods.some(declaresIt)) return []
    const declared = declaredPorts(context.matchedPods[0])
    return [
      {
        code: 'TargetPortNotDeclared',
        severity: declared ? 'warning' : 'info',
        object: serviceRef(context),
        message: `targetPort ${target}/${protocol} of port ${portLabel(port)} is not declared by any container of the selected pods${declared ? ` (they declare ${declared})` : ''}`,
        hint: declared
          ? `if the application listens on one of the declared ports, set targetPort to it`
          : 'declaring containerPort is optional, but it documents where the application listens and allows named targetPorts',
      },
    ]
  })

export const headlessPortMismatch: Rule = (context) => {
  if (!isHeadless(context.service)) return []
  const fqdn = serviceFqdn(context.service.metadata.name, context.namespace, context.clusterDomain)
  return (context.service.spec.ports ?? []).flatMap((port) => {
    const target = resolvedTargetPort(port, context)
    if (target === undefined || target === port.port) return []
    const srv = port.name ? srvName(port.name, port.protocol, fqdn) : fqdn
    return [
      {
        code: 'HeadlessPortMismatch',
        severity: 'warning' as const,
        object: serviceRef(context),
        message: `port ${port.port} -> targetPort ${target}: the service is headless, so clients dialing ${context.service.metadata.name}:${port.port} reach the pod IPs on port ${port.port}, where nothing listens; pods listen on ${target}`,
        hint: `without a ClusterIP there is no port translation: dial port ${target}, read it from SRV ${srv} (it carries ${target}), or set port: ${target}`,
        details: {port: port.port, targetPort: target},
      },
    ]
  })
}

export const podSubdomainMismatch: Rule = (context) => {
  if (!isHeadless(context.service)) return []
  return context.matchedPods
    .filter((pod) => pod.spec.hostname && pod.spec.subdomain !== context.service.metadata.name)
    .map((pod) => ({
      code: 'PodSubdomainMismatch',
      severity: 'warning' as const,
      object: podRef(pod),
      message: `pod has hostname "${pod.spec.hostname}" but subdomain "${pod.spec.subdomain ?? ''}", not "${context.service.metadata.name}": it gets no ${pod.spec.hostname}.${context.service.metadata.name} record, only a dashed-IP name`,
      hint: `set spec.subdomain (a StatefulSet's serviceName) to "${context.service.metadata.name}"`,
    }))
}

export const publishNotReady: Rule = (context) => {
  if (!context.service.spec.publishNotReadyAddresses) return []
  const notReadyPods = context.matchedPods.filter((pod) => !podIsReady(pod))
  if (notReadyPods.length === 0) return []
  return [
    {
      code: 'PublishNotReadyAddresses',
      severity: 'info',
      object: serviceRef(context),
      message: `publishNotReadyAddresses is set: ${notReadyPods.length} not-ready pod${plural(notReadyPods.length)} still ${notReadyPods.length === 1 ? 'gets' : 'get'} DNS records`,
      hint: 'intended for peer discovery (e.g. StatefulSets bootstrapping); clients may reach pods that are not ready',
    },
  ]
}

export const externalNameIsAddress: Rule = (context) => {
  const target = context.service.spec.externalName
  if (!isExternalName(context) || !target || isIP(target) === 0) return []
  return [
    {
      code: 'ExternalNameIsAddress',
      severity: 'error',
      object: serviceRef(context),
      message: `externalName ${target} is an IP address; DNS serves no CNAME for it and the name does not resolve`,
      hint: 'use a DNS name, or a service without selector plus an EndpointSlice holding the address',
    },
  ]
}

export const clusterDomainAssumed: Rule = (context) =>
  context.clusterDomainSource === 'default'
    ? [
        {
          code: 'ClusterDomainAssumed',
          severity: 'info',
          object: 'configmap/kube-system/coredns',
          message: `cluster domain not found in the coredns ConfigMap; assuming ${context.clusterDomain}`,
          hint: 'pass --cluster-domain if the cluster uses another one',
        },
      ]
    : []

export const legacyEndpoints: Rule = (context) =>
  context.endpointSource === 'Endpoints'
    ? [
        {
          code: 'EndpointsAPIFallback',
          severity: 'info',
          object: serviceRef(context),
          message: 'discovery.k8s.io/v1 EndpointSlices are not served; endpoints read from core/v1 Endpoints',
          hint: 'terminating and serving conditions are not available from that API',
        },
      ]
    : []

export const readFailed: Rule = (context) =>
  context.readProblems.map((problem) => ({
    code: 'ReadFailed',
    severity: 'warning' as const,
    object: problem.what,
    message: `could not read ${problem.what}: ${problem.message}`,
    hint: 'the report is missing what this read would have shown; check RBAC (kubectl auth can-i) or retry',
  }))

export const RULES: Rule[] = [
  noEndpoints,
  selectorMatchesNoPods,
  noSelector,
  readinessProbeFailing,
  podNotRunning,
  podTerminating,
  namedTargetPortNotFound,
  targetPortNotDeclared,
  headlessPortMismatch,
  podSubdomainMismatch,
  publishNotReady,
  externalNameIsAddress,
  clusterDomainAssumed,
  legacyEndpoints,
  readFailed,
]

/** The port pods really listen on for this service port: numeric targetPort, or the named port resolved. */
export function resolvedTargetPort(
  port: ServicePort,
  context: {matchedPods: Pod[]; endpoints: EndpointView[]},
): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort
  if (port.targetPort === undefined) return port.port
  const name = port.targetPort
  for (const pod of context.matchedPods) {
    const found = containerPortByName(pod, name)
    if (found !== undefined) return found
  }
  // Endpoint ports carry the service port's name and the resolved number.
  const fromEndpoint = context.endpoints.flatMap((endpoint) => endpoint.ports).find((p) => p.name === (port.name ?? ''))
  return fromEndpoint?.port
}

function containerPortByName(pod: Pod, name: string): number | undefined {
  for (const container of pod.spec.containers) {
    const found = container.ports?.find((p) => p.name === name)
    if (found) return found.containerPort
  }
  return undefined
}

function declaredPorts(pod: Pod): string {
  return pod.spec.containers
    .flatMap((container) => container.ports ?? [])
    .map((p) => `${p.name ? `${p.name}/` : ''}${p.containerPort}`)
    .join(', ')
}

function portLabel(port: ServicePort): string {
  return port.name ? `${port.name} (${port.port})` : String(port.port)
}

function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}

function plural(count: number): string {
  return count === 1 ? '' : 's'
}
