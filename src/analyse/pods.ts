// Facts about pods that both the endpoint view and the diagnosis rules need. Pure functions.
import type {Container, KubeEvent, Pod, Probe} from '../model/k8s.js'

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value)
}

export function podIsReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false
}

export function podAddresses(pod: Pod): string[] {
  const listed = pod.status?.podIPs?.map((entry) => entry.ip) ?? []
  if (listed.length > 0) return listed
  return pod.status?.podIP ? [pod.status.podIP] : []
}

/** Waiting reasons that mean the container will not become ready without someone acting. */
const BROKEN_WAITING_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
])

export interface PodTrouble {
  /** A kubectl-like status word: Pending, CrashLoopBackOff, ImagePullBackOff, Failed, ... */
  reason: string
  detail: string
  restarts: number
}

/** Why a pod is not running normally, or null when its containers are all running (ready or not). */
export function podTrouble(pod: Pod, events: KubeEvent[] = []): PodTrouble | null {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
  const restarts = statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0)
  for (const status of statuses) {
    const waiting = status.state?.waiting
    if (waiting?.reason && BROKEN_WAITING_REASONS.has(waiting.reason)) {
      const last = status.lastState?.terminated
      const lastExit = last ? `; last exit ${last.reason ?? 'code'} ${last.exitCode ?? ''}`.trimEnd() : ''
      return {
        reason: waiting.reason,
        detail: `container ${status.name}: ${waiting.reason}${waiting.message ? ` (${oneLine(waiting.message)})` : ''}${lastExit}`,
        restarts,
      }
    }
  }
  const phase = pod.status?.phase
  if (phase === 'Pending') {
    const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled')
    if (scheduled?.status === 'False') {
      const event = lastEventFor(events, pod, ['FailedScheduling'])
      const why = scheduled.message ?? event?.message ?? scheduled.reason ?? 'not scheduled'
      return {reason: 'Pending', detail: `not scheduled: ${oneLine(why)}`, restarts}
    }
    const waiting = statuses.find((status) => status.state?.waiting)?.state?.waiting
    return {
      reason: 'Pending',
      detail: waiting?.reason ? `containers waiting: ${waiting.reason}` : 'containers not started yet',
      restarts,
    }
  }
  if (phase === 'Failed' || phase === 'Succeeded') {
    return {
      reason: phase,
      detail: `pod ${phase.toLowerCase()}${pod.status?.reason ? `: ${pod.status.reason}` : ''}`,
      restarts,
    }
  }
  const terminated = statuses.find((status) => status.state?.terminated)
  if (terminated) {
    return {
      reason: 'Terminated',
      detail: `container ${terminated.name} terminated: ${terminated.state?.terminated?.reason ?? 'exited'}`,
      restarts,
    }
  }
  return null
}

/** The probe in kubectl describe's words: exec [cmd], http-get http://:8080/healthz, tcp-socket :5432, grpc :9000. */
export function describeProbe(probe: Probe): string {
  if (probe.exec) return `exec [${(probe.exec.command ?? []).join(' ')}]`
  if (probe.httpGet) {
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase()
    return `http-get ${scheme}://${probe.httpGet.host ?? ''}:${probe.httpGet.port}${probe.httpGet.path ?? '/'}`
  }
  if (probe.tcpSocket) return `tcp-socket ${probe.tcpSocket.host ?? ''}:${probe.tcpSocket.port}`
  if (probe.grpc) return `grpc :${probe.grpc.port}${probe.grpc.service ? ` service=${probe.grpc.service}` : ''}`
  return 'probe'
}

/**
 * When an event last happened, in ms (0 when it says no time). Compared as numbers: the API writes lastTimestamp
 * in seconds and eventTime in microseconds ("...:05Z", "...:05.250000Z"), which compare wrongly as text ('.' sorts
 * before 'Z').
 */
function eventTime(event: KubeEvent): number {
  return (
    Date.parse(
      event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp ?? '',
    ) || 0
  )
}

/** The newest event about this pod with one of the reasons (and message prefix, if given). */
export function lastEventFor(
  events: KubeEvent[],
  pod: Pod,
  reasons: string[],
  messagePrefix?: string,
): KubeEvent | undefined {
  const matching = events.filter(
    (event) =>
      event.involvedObject.kind === 'Pod' &&
      event.involvedObject.name === pod.metadata.name &&
      (!event.involvedObject.uid || !pod.metadata.uid || event.involvedObject.uid === pod.metadata.uid) &&
      reasons.includes(event.reason ?? '') &&
      (!messagePrefix || (event.message ?? '').startsWith(messagePrefix)),
  )
  // A stable sort: events of the same time keep the API's order, and the last listed wins, as before.
  return matching.sort((a, b) => eventTime(a) - eventTime(b)).at(-1)
}

export function containersWithReadinessProbe(pod: Pod): Container[] {
  return pod.spec.containers.filter((container) => container.readinessProbe)
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
