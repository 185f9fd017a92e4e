// `inspect` with the live DNS check: gather while the resolver comes up, the cluster domain from its
// resolv.conf when nothing better said it, one batch, the diff; a --expect contract checked on the same answers.
import {applyDnsObservation, corefileSettlesAt, questionKey, questionsFor} from '../analyse/dns-diff.js'
import {explainOldCorefile, mayRunOldCorefile} from '../analyse/corefile-applied.js'
import {isReleaseQuestion, releaseQuestions, serverReleases, withServerReleases} from '../analyse/dns-server/release.js'
import {dnsServerSection} from '../analyse/dns-server/section.js'
import type {Expectation} from '../analyse/expectations.js'
import {addFindings, buildReport, resolverUnavailable} from '../analyse/report.js'
import type {KubeGateway} from '../kube/gateway.js'
import type {DnsFlags} from '../model/dns-profile.js'
import {LiveDnsCheck, type LiveDnsOptions} from '../kube/live-dns.js'
import {ResolverForbidden} from '../kube/resolver-pod.js'
import {EphemeralUnavailable} from '../kube/ephemeral-resolver.js'
import type {ServiceReport, ServiceSnapshot} from '../model/report.js'
import type {DnsQuestion} from '../model/dns.js'

/**
 * `inspect` against a cluster with the live check. The reads of the slices, pods and events start with the
 * Service's; the check's start (the resolver pod, the CoreDNS replicas, a shell in the pod) overlaps them, but
 * begins only once the Service is known to exist, so a mistyped name creates nothing (with --resolver-pod,
 * which creates nothing, it begins at once).
 */
export async function inspectLive(
  gateway: KubeGateway,
  target: {namespace: string; name: string; clusterDomainFlag?: string; dnsFlags?: DnsFlags; waitDns?: boolean},
  options: LiveDnsOptions,
  expectations: Expectation[],
  contractSource: string | undefined,
  progress: (message: string) => void,
  /** More questions to ask in the same batch, from the report (e.g. the names a client's resolver tries). */
  moreQuestions: (report: ServiceReport) => DnsQuestion[] = () => [],
): Promise<ServiceReport> {
  const serviceRead = gateway.readService(target.namespace, target.name)
  const surroundings = gateway.readSurroundings(
    target.namespace,
    target.name,
    target.clusterDomainFlag,
    target.dnsFlags,
  )
  surroundings.catch(() => undefined) // awaited below, unless the Service read fails first
  const open = () => LiveDnsCheck.open(gateway, {...options, onProgress: progress})
  // A --resolver-pod check creates nothing, so it opens (an exec in that pod) alongside the reads.
  const openedEarly = options.via === 'pod' && options.existingPod ? open() : null
  openedEarly?.catch(() => undefined)
  let service
  try {
    service = await serviceRead
  } catch (error) {
    await openedEarly?.then(
      (check) => check.close(),
      () => undefined,
    )
    throw error
  }
  progress(
    options.via !== 'pod'
      ? 'port-forwarding to the CoreDNS pods'
      : options.ephemeralIn
        ? `adding an ephemeral container to pod ${options.namespace}/${options.ephemeralIn}`
        : `starting resolver pod in ${options.namespace}`,
  )
  const [gathered, opened] = await Promise.allSettled([surroundings, openedEarly ?? open()])
  if (gathered.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close()
    throw gathered.reason
  }
  let snapshot: ServiceSnapshot = {service, ...gathered.value}
  let report = buildReport(snapshot)
  if (opened.status === 'rejected') {
    if (opened.reason instanceof ResolverForbidden)
      return resolverUnavailable(
        report,
        opened.reason.message,
        opened.reason instanceof EphemeralUnavailable ? opened.reason.hint : undefined,
      )
    throw opened.reason
  }
  const check = opened.value
  try {
    // Only when nothing better said it: reading resolv.conf first costs an exec (the batch reads it anyway).
    const zone = snapshot.clusterDomain.source === 'default' ? await check.clusterDomain() : null
    if (zone) {
      snapshot = {...snapshot, clusterDomain: {value: zone, source: 'resolv.conf'}}
      report = buildReport(snapshot)
    }
    progress('querying the cluster DNS')
    const questions = [
      ...expectations.map(({name, type}) => ({name, type})),
      ...moreQuestions(report),
      ...releaseQuestions(snapshot.dnsProfile),
    ]
    let predicted = report
    check.followCorefileChange(corefileSettlesAt(report.dnsServer))
    const gatheredProfile = snapshot.dnsProfile
    const observeAndJudge = async () => {
      let observation = await check.observe(predicted, questions)
      const releases = serverReleases(observation.queries)
      if (releases.length > 0 && gatheredProfile) {
        // The servers said which release runs: the records are predicted for it (rebuilt only when it differs).
        const profile = withServerReleases(gatheredProfile, releases, target.dnsFlags?.version)
        const asked = new Set([...questionsFor(predicted), ...questions].map(questionKey))
        snapshot = {...snapshot, dnsProfile: profile}
        predicted =
          profile.version === predicted.dnsServer?.version
            ? {...predicted, dnsServer: dnsServerSection(profile)}
            : buildReport(snapshot)
        // Another release may predict names the batch did not ask: asked again, with them.
        if (questionsFor(predicted).some((question) => !asked.has(questionKey(question))))
          observation = await check.observe(predicted, questions)
      }
      return applyDnsObservation(predicted, {
        ...observation,
        queries: observation.queries.filter((query) => !isReleaseQuestion(query)),
      })
    }
    report = await observeAndJudge()
    const expiry = cacheExpiry(report)
    if (target.waitDns && expiry !== null) {
      // Answers a cache still holds, or a changed Corefile not yet applied: wait until the last of them is over,
      // then ask everything again.
      progress(`waiting for the DNS cache or the Corefile reload until ${new Date(expiry).toISOString()}`)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry - Date.now()) + 1000))
      progress('querying the cluster DNS again')
      report = await observeAndJudge()
    }
    if (mayRunOldCorefile(report)) {
      // Only on DNS errors under a changed Corefile without reload: when did the replicas start?
      report = explainOldCorefile(report, await check.replicaStarts())
    }
  } finally {
    await check.close()
  }
  if (expectations.length === 0) return report
  // Loaded only for a contract: the module brings the YAML parser with it.
  const {evaluateExpectations, expectationFindings} = await import('../analyse/expectations.js')
  const dns = report.dns! // applyDnsObservation above set it
  const results = evaluateExpectations(
    expectations,
    dns.queries.filter((query) => query.server === dns.primaryServer),
  )
  return {...addFindings(report, expectationFindings(results, contractSource ?? 'the contract')), expectations: results}
}

/**
 * The moment the last answer a cache may still hold expires, or the replicas have applied a changed Corefile
 * (DNSAnswerCached, DNSCorefilePending), or null.
 */
function cacheExpiry(report: ServiceReport): number | null {
  const times = report.findings
    .filter((finding) => finding.code === 'DNSAnswerCached' || finding.code === 'DNSCorefilePending')
    .map((finding) => Date.parse(String(finding.details?.expiresAt)))
    .filter(Number.isFinite)
  return times.length > 0 ? Math.max(...times) : null
}
