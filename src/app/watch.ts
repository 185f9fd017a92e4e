// inspect --watch: a timeline of a service's pods, endpoints and DNS answers. Every EndpointSlice change
// re-runs the DNS check until the answers catch up, and says how long DNS took to follow (the propagation
// delay: EndpointSlice -> CoreDNS informer -> CoreDNS cache).
import {applyDnsObservation} from '../analyse/dns-diff.js'
import {buildReport} from '../analyse/report.js'
import {podIsReady, selectorMatches} from '../analyse/pods.js'
import type {KubeGateway} from '../kube/gateway.js'
import type {LiveDnsCheck, LiveDnsOptions} from '../kube/live-dns.js'
import {watchService, type WatchEvent} from '../kube/watcher.js'
import type {ServiceReport, ServiceSnapshot} from '../model/report.js'

export interface WatchOptions {
  clusterDomainFlag?: string
  dns?: LiveDnsOptions
  /** Stop after this long (tests, CI); default: until Ctrl-C. */
  durationMs?: number
  /** How long to keep re-asking DNS after a change before calling it not propagated. */
  settleMs: number
  emit: (event: TimelineEvent) => void
}

export interface TimelineEvent {
  time: string
  kind: 'start' | 'pod' | 'endpoint' | 'dns' | 'end'
  message: string
  /** Seconds between the endpoint change and this DNS change, for kind dns. */
  afterSeconds?: number
}

const clock = () => new Date().toISOString().slice(11, 19)

export async function watchInspect(
  gateway: KubeGateway,
  namespace: string,
  serviceName: string,
  options: WatchOptions,
): Promise<void> {
  const emit = (kind: TimelineEvent['kind'], message: string, afterSeconds?: number) =>
    options.emit({time: clock(), kind, message, ...(afterSeconds === undefined ? {} : {afterSeconds})})
  let snapshot = await gateway.gatherService(namespace, serviceName, options.clusterDomainFlag)
  let check: LiveDnsCheck | null = null
  if (options.dns) {
    const {LiveDnsCheck} = await import('../kube/live-dns.js')
    const lifetimeSeconds = options.durationMs ? Math.ceil(options.durationMs / 1000) + 120 : 24 * 3600
    check = await LiveDnsCheck.open(gateway, {...options.dns, lifetimeSeconds})
    const zone = snapshot.clusterDomain.source === 'default' ? await check.clusterDomain() : null
    if (zone) snapshot = {...snapshot, clusterDomain: {value: zone, source: 'resolv.conf'}}
  }
  let report = buildReport(snapshot)
  let observed = check ? resolvedRecords(applyDnsObservation(report, await check.observe(report))) : new Set<string>()
  const endpoints = endpointStates(report)
  const pods = new Map<string, boolean>(
    snapshot.pods
      .filter((pod) => matches(snapshot, pod.metadata.labels))
      .map((pod) => [pod.metadata.name, podIsReady(pod)]),
  )
  emit(
    'start',
    `watching service/${serviceName} in ${namespace}: ${[...endpoints.values()].filter((state) => state.ready).length}/${endpoints.size} endpoints ready${check ? `, ${observed.size} DNS answers` : ''}`,
  )

  let busy = Promise.resolve()
  const refresh = (changedAt: number) => {
    busy = busy
      .then(async () => {
        snapshot = await gateway
          .gatherService(namespace, serviceName, options.clusterDomainFlag)
          .then((next) => ({...next, clusterDomain: snapshot.clusterDomain}))
        report = buildReport(snapshot)
        const now = endpointStates(report)
        for (const [address, state] of now) {
          const before = endpoints.get(address)
          if (!before)
            emit('endpoint', `endpoint ${address}${podLabel(state.pod)} added (${state.ready ? 'ready' : 'not ready'})`)
          else if (before.ready !== state.ready)
            emit(
              'endpoint',
              `endpoint ${address}${podLabel(state.pod)} ${state.ready ? 'became ready' : 'became not ready'}`,
            )
        }
        for (const [address, state] of endpoints)
          if (!now.has(address)) emit('endpoint', `endpoint ${address}${podLabel(state.pod)} removed`)
        endpoints.clear()
        for (const [address, state] of now) endpoints.set(address, state)
        if (check) observed = await followDns(check, report, observed, changedAt, options.settleMs, emit)
      })
      .catch((error) => emit('end', `refresh failed: ${(error as Error).message}`))
  }

  let debounce: NodeJS.Timeout | undefined
  const onEvent = (event: WatchEvent) => {
    if (event.kind === 'Pod') {
      const name = event.object.metadata.name
      const ready = event.phase !== 'DELETED' && podIsReady(event.object)
      const before = pods.get(name)
      if (event.phase === 'DELETED') {
        pods.delete(name)
        emit('pod', `pod/${name} deleted`)
      } else if (before === undefined) {
        pods.set(name, ready)
        emit('pod', `pod/${name} created (${ready ? 'Ready' : 'not ready'})`)
      } else if (before !== ready) {
        pods.set(name, ready)
        emit('pod', `pod/${name} ${ready ? 'NotReady -> Ready' : 'Ready -> NotReady'}`)
      }
      return
    }
    const changedAt = Date.now()
    clearTimeout(debounce)
    debounce = setTimeout(() => refresh(changedAt), 150)
  }
  const selector = report.service.selector
    ? Object.entries(report.service.selector)
        .map(([key, value]) => `${key}=${value}`)
        .join(',')
    : null
  let failure: unknown
  const stop = await watchService(gateway, namespace, serviceName, selector, onEvent, (error) => (failure = error))
  try {
    const started = Date.now()
    while (!failure && (!options.durationMs || Date.now() - started < options.durationMs))
      await new Promise((resolve) => setTimeout(resolve, 200))
    clearTimeout(debounce)
    await busy
    // The watch's failure is rethrown as it came (an Error from client-node, which the command reports).
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (failure) throw failure
    emit('end', 'watch ended')
  } finally {
    stop()
    await check?.close()
  }
}

/** Re-asks DNS until it shows the new expected records (or settleMs passes), reporting each change. */
async function followDns(
  check: LiveDnsCheck,
  report: ServiceReport,
  previous: Set<string>,
  changedAt: number,
  settleMs: number,
  emit: (kind: TimelineEvent['kind'], message: string, afterSeconds?: number) => void,
): Promise<Set<string>> {
  let current = previous
  while (true) {
    const checked = applyDnsObservation(report, await check.observe(report))
    const next = resolvedRecords(checked)
    const after = Number(((Date.now() - changedAt) / 1000).toFixed(1))
    for (const key of next)
      if (!current.has(key)) emit('dns', `${key} appeared (${after.toFixed(1)} s after the endpoint change)`, after)
    for (const key of current)
      if (!next.has(key)) emit('dns', `${key} disappeared (${after.toFixed(1)} s after the endpoint change)`, after)
    current = next
    const settled =
      checked.records.every((record) => record.status === 'match') &&
      !checked.findings.some((finding) => finding.code === 'DNSNameShouldNotResolve')
    if (settled) return current
    if (Date.now() - changedAt > settleMs) {
      emit(
        'dns',
        `DNS has not caught up ${Math.round(settleMs / 1000)} s after the change (${checked.records.filter((record) => record.status !== 'match').length} records differ)`,
      )
      return current
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** What the primary server answers for the service's names: `NAME TYPE DATA` for matching and unexpected records. */
function resolvedRecords(report: ServiceReport): Set<string> {
  return new Set(
    report.records
      .filter((record) => record.status === 'match' || record.status === 'unexpected')
      .map((record) => `${record.type} ${record.name} ${record.data}`),
  )
}

function endpointStates(report: ServiceReport): Map<string, {ready: boolean; pod: string | null}> {
  return new Map(report.endpoints.map((endpoint) => [endpoint.address, {ready: endpoint.ready, pod: endpoint.pod}]))
}

function matches(snapshot: ServiceSnapshot, labels: Record<string, string> | undefined): boolean {
  const selector = snapshot.service.spec.selector
  return Boolean(selector && Object.keys(selector).length > 0 && selectorMatches(selector, labels))
}

const podLabel = (pod: string | null) => (pod ? ` (pod/${pod})` : '')
