// `scan`: many services, one gather per namespace, one resolver pod and one DNS batch per namespace,
// namespaces in parallel up to a bound. Reuses the single-service pieces: snapshots from an object index,
// buildReport, the live check and its per-service diff.
import {applyDnsObservation, observationFor, questionKey, questionsFor} from '../analyse/dns-diff.js'
import {buildReport, resolverUnavailable} from '../analyse/report.js'
import {indexObjects, snapshotFromIndex} from '../gather/objects.js'
import type {DnsFlags} from '../model/dns-profile.js'
import type {ReadProblem} from '../model/report.js'
import type {KubeGateway} from '../kube/gateway.js'
import type {LiveDnsOptions} from '../kube/live-dns.js'
import {primaryServer, type DnsQuestion, type QueryResult} from '../dns/types.js'
import type {Service} from '../model/k8s.js'
import type {ClusterObjects, ServiceReport} from '../model/report.js'
import {chooseClusterDomain} from '../analyse/cluster-domain.js'

export interface ScanOptions {
  clusterDomainFlag?: string
  /** --dns-server, --dns-version, --corefile. */
  dnsFlags?: DnsFlags
  concurrency: number
  /** Live DNS options without the namespace: the resolver goes to each scanned namespace (or this one). */
  dns?: Omit<LiveDnsOptions, 'namespace'> & {namespace?: string}
  onProgress?: (done: number, total: number) => void
  /** Extra questions (a --expect contract) asked in the first namespace's batch; their answers are returned. */
  extraQuestions?: DnsQuestion[]
}

export interface ScanResult {
  reports: ServiceReport[]
  /** Answers to extraQuestions from the primary server. */
  extraAnswers: QueryResult[]
}

const namespaceOf = (service: Service) => service.metadata.namespace ?? 'default'

/** Offline scan over a dump (no DNS check). */
export function scanObjects(
  objects: ClusterObjects,
  options: Pick<ScanOptions, 'clusterDomainFlag' | 'dnsFlags'>,
  filter: (service: Service) => boolean,
): ServiceReport[] {
  const index = indexObjects(objects)
  return objects.services
    .filter(filter)
    .sort(byName)
    .map((service) => buildReport(snapshotFromIndex(index, service, options.clusterDomainFlag, options.dnsFlags)))
}

export async function scanCluster(
  gateway: KubeGateway,
  services: Service[],
  options: ScanOptions,
): Promise<ScanResult> {
  const byNamespace = new Map<string, Service[]>()
  for (const service of services.sort(byName))
    byNamespace.set(namespaceOf(service), [...(byNamespace.get(namespaceOf(service)) ?? []), service])
  const dnsReadProblems: ReadProblem[] = []
  const dnsServer = await gateway.readDnsServer(dnsReadProblems, {
    ...options.dnsFlags,
    clusterDomain: options.clusterDomainFlag,
  })
  const zone = options.clusterDomainFlag ? null : dnsServer.zone
  let done = 0
  const reports: ServiceReport[] = []
  let extraAnswers: QueryResult[] = []
  let extraPending = options.extraQuestions ?? []
  await mapLimit([...byNamespace], options.concurrency, async ([namespace, members]) => {
    const {objects, readProblems} = await gateway.gatherNamespace(namespace, members)
    const index = indexObjects(objects)
    const clusterDomain = chooseClusterDomain(options.clusterDomainFlag, zone)
    let namespaceReports = members.map((service) =>
      buildReport({
        ...snapshotFromIndex(index, service, options.clusterDomainFlag),
        clusterDomain,
        readProblems: [...dnsReadProblems, ...readProblems],
        dnsProfile: dnsServer.profile,
      }),
    )
    if (options.dns) {
      const extra = extraPending
      extraPending = []
      const checked = await checkNamespace(gateway, namespace, namespaceReports, options.dns, extra)
      namespaceReports = checked.reports
      if (extra.length > 0) extraAnswers = checked.extraAnswers
    }
    reports.push(...namespaceReports)
    done += members.length
    options.onProgress?.(done, services.length)
  })
  reports.sort(
    (a, b) => a.service.namespace.localeCompare(b.service.namespace) || a.service.name.localeCompare(b.service.name),
  )
  return {reports, extraAnswers}
}

async function checkNamespace(
  gateway: KubeGateway,
  namespace: string,
  reports: ServiceReport[],
  dns: NonNullable<ScanOptions['dns']>,
  extraQuestions: DnsQuestion[],
): Promise<ScanResult> {
  const [{LiveDnsCheck}, {ResolverForbidden}] = await Promise.all([
    import('../kube/live-dns.js'),
    import('../kube/resolver-pod.js'),
  ])
  let check
  try {
    check = await LiveDnsCheck.open(gateway, {...dns, namespace: dns.namespace ?? namespace})
  } catch (error) {
    if (!(error instanceof ResolverForbidden)) throw error
    return {reports: reports.map((report) => resolverUnavailable(report, error.message)), extraAnswers: []}
  }
  try {
    const targets = reports.map((report) => check.reachTargets(report))
    const shared = await check.observeBatch(
      [...reports.flatMap((report) => questionsFor(report)), ...extraQuestions],
      targets.flat(),
      reports[0].clusterDomain,
    )
    const primary = primaryServer(shared.servers)
    const asked = new Set(extraQuestions.map(questionKey))
    return {
      reports: reports.map((report, index) =>
        applyDnsObservation(report, observationFor(report, shared, targets[index])),
      ),
      extraAnswers: shared.queries.filter(
        (result) => result.server === primary?.label && asked.has(questionKey(result)),
      ),
    }
  } finally {
    await check.close()
  }
}

function byName(a: Service, b: Service): number {
  return namespaceOf(a).localeCompare(namespaceOf(b)) || a.metadata.name.localeCompare(b.metadata.name)
}

/** Runs work over items with at most `limit` in flight. */
export async function mapLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const runners = Array.from({length: Math.max(1, Math.min(limit, items.length))}, async () => {
    while (next < items.length) {
      const item = items[next++]
      await work(item)
    }
  })
  await Promise.all(runners)
}
