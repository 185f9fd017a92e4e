// `scan`: many services, one gather per namespace (namespaces in parallel up to a bound), then one resolver pod
// for the whole scan, asked in batches of bounded size (or one pod and batch per namespace, on request). Reuses
// the single-service pieces: snapshots from an object index, buildReport, the live check and its per-service diff.
import {
  applyDnsObservation,
  corefileSettlesAt,
  questionKey,
  questionsFor,
  type DnsObservation,
} from '../analyse/dns-diff.js'
import {buildReport, deletedDuringScan, resolverUnavailable} from '../analyse/report.js'
import {indexObjects, snapshotFromIndex} from '../gather/objects.js'
import type {DnsFlags, DnsProfile} from '../model/dns-profile.js'
import {releaseQuestions, serverReleases, withServerReleases} from '../analyse/dns-server/release.js'
import {explainOldCorefile, mayRunOldCorefile} from '../analyse/corefile-applied.js'
import type {ReadProblem} from '../model/report.js'
import type {KubeGateway} from '../kube/gateway.js'
import type {LiveDnsCheck, LiveDnsOptions} from '../kube/live-dns.js'
import {primaryServer, reachKey, type DnsQuestion, type QueryResult, type ReachResult} from '../dns/types.js'
import type {EndpointSlice, Pod, Service} from '../model/k8s.js'
import {podIsReady} from '../analyse/pods.js'
import type {ClusterObjects, ServiceReport} from '../model/report.js'
import {chooseClusterDomain} from '../analyse/cluster-domain.js'

export interface ScanOptions {
  clusterDomainFlag?: string
  /** --dns-server, --dns-version, --corefile. */
  dnsFlags?: DnsFlags
  concurrency: number
  /**
   * Live DNS options. The namespace is the resolver pod's: by default one pod there (or in the current namespace)
   * for the whole scan; with resolverPerNamespace, one pod per scanned namespace, in that namespace unless given.
   */
  dns?: Omit<LiveDnsOptions, 'namespace'> & {namespace?: string}
  /** -A: the EndpointSlices and pods are read in one list each for the whole cluster. */
  allNamespaces?: boolean
  /** One resolver pod and batch per namespace (--resolver-per-namespace), for reachability from each namespace. */
  resolverPerNamespace?: boolean
  onProgress?: (progress: ScanProgress) => void
  /** Extra questions (a --expect contract) asked in the first batch; their answers are returned. */
  extraQuestions?: DnsQuestion[]
  /**
   * The finished reports in their final order, a group at a time: with one resolver pod, each batch's as soon as
   * it and the batches before it are answered (so a table can be printed as results arrive); else all at the end.
   */
  onReports?: (reports: ServiceReport[]) => void
}

/** How far a scan is: namespaces read, then DNS names asked (0 of 0 until known, or without a live check). */
export interface ScanProgress {
  namespacesRead: number
  namespaces: number
  namesAsked: number
  names: number
}

export interface ScanResult {
  reports: ServiceReport[]
  /** Answers to extraQuestions from the primary server. */
  extraAnswers: QueryResult[]
}

const namespaceOf = (service: Service) => service.metadata.namespace ?? 'default'

/**
 * Questions per batch (one exec) with one resolver pod: bounds the script, the pod's /tmp, and the output the CLI
 * holds at once; a service's questions are never split across batches. A dig's memory grows with the questions
 * it is given (about 30 KB each), so the questions in flight in the pod, two batches' worth, stay at 2,000.
 */
export const BATCH_QUESTIONS = 1000
/**
 * Batches in flight at once in the one resolver pod: two, so that the pod asks the next batch while the CLI reads
 * the last one; each with half the usual dig processes, so the pod holds no more digs than one batch (its memory
 * limit: more digs at once got them killed).
 */
const BATCHES_AT_ONCE = 2
const DIGS_PER_SCAN_BATCH = 6

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

type Opened = {check: LiveDnsCheck} | {unavailable: string}

async function openCheck(gateway: KubeGateway, dns: LiveDnsOptions): Promise<Opened> {
  const [{LiveDnsCheck}, {ResolverForbidden}] = await Promise.all([
    import('../kube/live-dns.js'),
    import('../kube/resolver-pod.js'),
  ])
  try {
    return {check: await LiveDnsCheck.open(gateway, dns)}
  } catch (error) {
    if (!(error instanceof ResolverForbidden)) throw error
    return {unavailable: error.message}
  }
}

/** The profile with the servers' answers to version.bind, when the profile says they answer it with the release. */
async function releaseFromServers(
  opening: Promise<Opened> | undefined,
  profile: DnsProfile,
  zone: string,
  versionFlag: string | undefined,
): Promise<DnsProfile> {
  const questions = releaseQuestions(profile)
  if (!opening || questions.length === 0) return profile
  const opened = await opening
  if (!('check' in opened)) return profile
  const {queries} = await opened.check.ask(questions, [], zone)
  return withServerReleases(profile, serverReleases(queries), versionFlag)
}

export async function scanCluster(
  gateway: KubeGateway,
  services: Service[],
  options: ScanOptions,
): Promise<ScanResult> {
  const byNamespace = new Map<string, Service[]>()
  for (const service of services.sort(byName))
    byNamespace.set(namespaceOf(service), [...(byNamespace.get(namespaceOf(service)) ?? []), service])
  const single = options.dns && !options.resolverPerNamespace && services.length > 0 ? options.dns : undefined
  // The one resolver pod starts while the namespaces are read (nothing is created when no service matched).
  const opening = single
    ? openCheck(gateway, {
        ...single,
        namespace: single.namespace ?? gateway.defaultNamespace,
        digsPerBatch: DIGS_PER_SCAN_BATCH,
      })
    : undefined
  opening?.catch(() => {}) // awaited below; a failure must not go unhandled while the reads run
  try {
    const dnsReadProblems: ReadProblem[] = []
    const [dnsServer, wide] = await Promise.all([
      gateway.readDnsServer(dnsReadProblems, {...options.dnsFlags, clusterDomain: options.clusterDomainFlag}),
      options.allNamespaces ? readClusterWide(gateway) : undefined,
    ])
    const zone = options.clusterDomainFlag ? null : dnsServer.zone
    // Where the server answers version.bind, its release is asked before the reports are built (one small exec,
    // while the namespaces are read): every report is then predicted for the release that runs.
    const profileReady = releaseFromServers(
      opening,
      dnsServer.profile,
      chooseClusterDomain(options.clusterDomainFlag, zone).value,
      options.dnsFlags?.version,
    )
    profileReady.catch(() => {}) // awaited below, after a namespace's reads
    // On DNS errors under a Corefile without reload changed since: the replicas' start times, read once per scan.
    let replicaStarts: Promise<Map<string, string>> | undefined
    const explainCorefile = async (batch: ServiceReport[]): Promise<ServiceReport[]> => {
      const suspects = batch.filter(mayRunOldCorefile)
      if (suspects.length === 0) return batch
      replicaStarts ??= gateway.readPodStarts(
        'kube-system',
        suspects[0].dns?.servers.filter((server) => server.replica).map((server) => server.label) ?? [],
      )
      const starts = await replicaStarts
      return batch.map((report) => explainOldCorefile(report, starts))
    }
    const progress: ScanProgress = {namespacesRead: 0, namespaces: byNamespace.size, namesAsked: 0, names: 0}
    const tell = () => options.onProgress?.({...progress})
    tell()
    const reports: ServiceReport[] = []
    /** Each report as it was before the live check, for the Services deleted while it ran. */
    const unchecked = new Map<string, ServiceReport>()
    let extraAnswers: QueryResult[] = []
    let extraPending = options.extraQuestions ?? []
    /** With a resolver pod per namespace: the profile after the servers' version.bind answers (asked once). */
    let perNamespaceProfile: Promise<DnsProfile> | undefined
    await mapLimit([...byNamespace], options.concurrency, async ([namespace, members]) => {
      const {objects, readProblems} = wide
        ? await fromClusterWide(gateway, wide, namespace, members)
        : await gateway.gatherNamespace(namespace, members)
      const index = indexObjects(objects)
      const clusterDomain = chooseClusterDomain(options.clusterDomainFlag, zone)
      let dnsProfile = await profileReady
      // With a resolver pod per namespace, its pod opens first: the servers' release, asked by the first
      // namespace's pod, serves every namespace.
      const opened =
        options.dns && options.resolverPerNamespace
          ? await openCheck(gateway, {...options.dns, namespace: options.dns.namespace ?? namespace})
          : undefined
      if (opened && 'check' in opened) {
        perNamespaceProfile ??= releaseFromServers(
          Promise.resolve(opened),
          dnsServer.profile,
          clusterDomain.value,
          options.dnsFlags?.version,
        )
        dnsProfile = await perNamespaceProfile.catch(async (error: unknown) => {
          await opened.check.close()
          throw error
        })
      }
      let namespaceReports: ServiceReport[]
      try {
        namespaceReports = members.map((service) =>
          buildReport({
            ...snapshotFromIndex(index, service, options.clusterDomainFlag),
            clusterDomain,
            readProblems: [...dnsReadProblems, ...readProblems],
            dnsProfile,
          }),
        )
      } catch (error) {
        if (opened && 'check' in opened) await opened.check.close() // its resolver pod is not left behind
        throw error
      }
      for (const report of namespaceReports) unchecked.set(reportKey(report), report)
      if (options.dns && opened) {
        const asking = namespaceReports.reduce((sum, report) => sum + questionsFor(report).length, 0)
        progress.names += asking
        const extra = extraPending
        extraPending = []
        if ('check' in opened) opened.check.followCorefileChange(corefileSettlesAt(namespaceReports[0]?.dnsServer))
        const checked =
          'check' in opened
            ? await checkBatches(opened.check, [namespaceReports], extra).finally(() => opened.check.close())
            : unavailable(namespaceReports, opened.unavailable)
        namespaceReports = checked.reports
        if (extra.length > 0) extraAnswers = checked.extraAnswers
      }
      reports.push(...namespaceReports)
      if (options.dns && options.resolverPerNamespace)
        progress.namesAsked += namespaceReports.reduce((sum, report) => sum + questionsFor(report).length, 0)
      progress.namespacesRead += 1
      tell()
    })
    sortReports(reports)
    if (!opening) {
      const finished = options.dns
        ? await explainCorefile(await judgeOnlyServicesStillThere(gateway, reports, unchecked, services))
        : reports
      options.onReports?.(finished)
      return {reports: finished, extraAnswers}
    }
    const opened = await opening
    progress.names = reports.reduce((sum, report) => sum + questionsFor(report).length, 0)
    tell()
    if (!('check' in opened)) {
      const skipped = unavailable(reports, opened.unavailable)
      options.onReports?.(skipped.reports)
      return skipped
    }
    opened.check.followCorefileChange(corefileSettlesAt(reports[0]?.dnsServer))
    // Batches follow the reports' order, so each finished batch continues the final list.
    return await checkBatches(
      opened.check,
      batchesOf(reports, BATCH_QUESTIONS),
      options.extraQuestions ?? [],
      (asked) => {
        progress.namesAsked += asked
        tell()
      },
      async (batch) => {
        const judged = await explainCorefile(await judgeOnlyServicesStillThere(gateway, batch, unchecked, services))
        options.onReports?.(judged)
        return judged
      },
    )
  } finally {
    const opened = await opening?.catch(() => undefined)
    if (opened && 'check' in opened) await opened.check.close()
  }
}

const reportKey = (report: ServiceReport) => `${report.service.namespace}/${report.service.name}`

/**
 * A scan's answers come seconds after its reads: a Service deleted in between (with its namespace, say) has DNS
 * errors (or cache warnings) that are not so. The namespaces whose live check added errors or warnings are listed
 * again; a Service gone from the list, or there under another uid, gets its unchecked report and a
 * ServiceDeletedDuringScan warning. A list that fails leaves the reports as they are.
 */
export async function judgeOnlyServicesStillThere(
  gateway: KubeGateway,
  checked: ServiceReport[],
  unchecked: Map<string, ServiceReport>,
  services: Service[],
): Promise<ServiceReport[]> {
  // Errors, or warnings such as DNSAnswerCached (a Service created and deleted within a cache window).
  const problems = (report: ServiceReport | undefined) =>
    report ? report.summary.errors + report.summary.warnings : Infinity
  const addedProblems = (report: ServiceReport) => problems(report) > problems(unchecked.get(reportKey(report)))
  const namespaces = [...new Set(checked.filter(addedProblems).map((report) => report.service.namespace))]
  if (namespaces.length === 0) return checked
  const readUids = new Map(
    services.map((service) => [`${namespaceOf(service)}/${service.metadata.name}`, service.metadata.uid]),
  )
  const nowUids = new Map<string, string | undefined>()
  const listed = new Set<string>()
  await mapLimit(namespaces, 8, async (namespace) => {
    const now = await gateway.listServices(namespace).catch(() => undefined)
    if (!now) return
    listed.add(namespace)
    for (const service of now) nowUids.set(`${namespace}/${service.metadata.name}`, service.metadata.uid)
  })
  return checked.map((report) => {
    const key = reportKey(report)
    if (!addedProblems(report) || !listed.has(report.service.namespace)) return report
    if (nowUids.has(key) && nowUids.get(key) === readUids.get(key)) return report
    return deletedDuringScan(unchecked.get(key)!, nowUids.has(key))
  })
}

interface ClusterWide {
  endpointSlices: Map<string, EndpointSlice[]>
  pods: Map<string, Pod[]>
}

/** One list per kind for the whole cluster, by namespace; undefined when refused (then read per namespace). */
async function readClusterWide(gateway: KubeGateway): Promise<ClusterWide | undefined> {
  const {ApiError} = await import('../kube/gateway.js')
  try {
    const {endpointSlices, pods} = await gateway.listClusterWide()
    return {endpointSlices: groupByNamespace(endpointSlices), pods: groupByNamespace(pods)}
  } catch (error) {
    // e.g. RBAC granting some namespaces only, or no EndpointSlice API (the per-namespace read has the fallback)
    if (error instanceof ApiError) return undefined
    throw error
  }
}

function groupByNamespace<T extends {metadata: {namespace?: string}}>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const namespace = item.metadata.namespace ?? 'default'
    const group = groups.get(namespace)
    if (group) group.push(item)
    else groups.set(namespace, [item])
  }
  return groups
}

async function fromClusterWide(
  gateway: KubeGateway,
  wide: ClusterWide,
  namespace: string,
  services: Service[],
): Promise<{objects: ClusterObjects; readProblems: ReadProblem[]}> {
  const pods = wide.pods.get(namespace) ?? []
  const readProblems: ReadProblem[] = []
  // Events only explain pods that are not ready: read for those namespaces only.
  const events = pods.every(podIsReady) ? [] : await gateway.podEventsOrNote(namespace, readProblems)
  return {
    objects: {
      services,
      endpointSlices: wide.endpointSlices.get(namespace) ?? [],
      endpoints: [],
      pods,
      events,
      configMaps: [],
    },
    readProblems,
  }
}

function unavailable(reports: ServiceReport[], reason: string): ScanResult {
  return {reports: reports.map((report) => resolverUnavailable(report, reason)), extraAnswers: []}
}

function sortReports(reports: ServiceReport[]): void {
  reports.sort(
    (a, b) => a.service.namespace.localeCompare(b.service.namespace) || a.service.name.localeCompare(b.service.name),
  )
}

/** Reports grouped in order into batches of about `limit` questions (a report with more is a batch of its own). */
export function batchesOf(reports: ServiceReport[], limit: number): ServiceReport[][] {
  const batches: ServiceReport[][] = []
  let current: ServiceReport[] = []
  let size = 0
  for (const report of reports) {
    const count = questionsFor(report).length
    if (current.length > 0 && size + count > limit) {
      batches.push(current)
      current = []
      size = 0
    }
    current.push(report)
    size += count
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/**
 * Asks the reports' questions batch by batch through one live check, and applies each report's answers. A
 * reachability target shared by several services (e.g. the same pods behind two Services) is probed once, in the
 * first batch that needs it. Batches are diffed, then given to `finish`, in order: a batch's probes may have run
 * in an earlier one, which is then always done.
 */
export async function checkBatches(
  check: Pick<LiveDnsCheck, 'reachTargets' | 'observeBatch'>,
  batches: ServiceReport[][],
  extraQuestions: DnsQuestion[],
  /** Called with the number of the reports' questions once each batch is answered. */
  onAnswered?: (questions: number) => void,
  /** Each batch's diffed reports, in batch order; what it returns is that batch's result. */
  finish: (reports: ServiceReport[]) => Promise<ServiceReport[]> | ServiceReport[] = (reports) => reports,
): Promise<ScanResult> {
  const targets = batches.map((batch) => batch.map((report) => check.reachTargets(report)))
  const assigned = new Set<string>()
  const batchTargets = targets.map((perReport) =>
    perReport.flat().filter((target) => {
      const key = reachKey(target)
      if (assigned.has(key)) return false
      assigned.add(key)
      return true
    }),
  )
  const observations: Array<DnsObservation | undefined> = Array.from({length: batches.length})
  const reached = new Map<string, ReachResult>()
  const finished: ServiceReport[][] = []
  const diffBatch = (index: number): ServiceReport[] => {
    const observation = observations[index]!
    for (const result of observation.reachability) reached.set(reachKey(result), result)
    const byQuestion = new Map<string, QueryResult[]>()
    for (const result of observation.queries) {
      const key = questionKey(result)
      const list = byQuestion.get(key)
      if (list) list.push(result)
      else byQuestion.set(key, [result])
    }
    return batches[index].map((report, at) =>
      applyDnsObservation(report, {
        ...observation,
        queries: questionsFor(report).flatMap((question) => byQuestion.get(questionKey(question)) ?? []),
        reachability: targets[index][at].flatMap((target) => reached.get(reachKey(target)) ?? []),
      }),
    )
  }
  // One finishing run at a time, each taking every answered batch next in order.
  let finishing = Promise.resolve()
  const finishAnswered = async () => {
    while (finished.length < batches.length && observations[finished.length])
      finished.push(await finish(diffBatch(finished.length)))
  }
  await mapLimit(
    batches.map((_, index) => index),
    BATCHES_AT_ONCE,
    async (index) => {
      const batch = batches[index]
      observations[index] = await check.observeBatch(
        [...batch.flatMap((report) => questionsFor(report)), ...(index === 0 ? extraQuestions : [])],
        batchTargets[index],
        batch[0].clusterDomain,
      )
      onAnswered?.(batch.reduce((sum, report) => sum + questionsFor(report).length, 0))
      finishing = finishing.then(finishAnswered)
      await finishing
    },
  )
  await finishing
  const reports = finished.flat()
  const first = observations[0]
  const primary = first && primaryServer(first.servers)
  const asked = new Set(extraQuestions.map(questionKey))
  return {
    reports,
    extraAnswers: first
      ? first.queries.filter((result) => result.server === primary?.label && asked.has(questionKey(result)))
      : [],
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
