// Expected records vs what the cluster's DNS answered, and what the reachability probes saw. Pure: the
// resolver backends gather QueryResults and ReachResults; this decides match / missing / unexpected.
import type {DnsRecord, DnsServerSection, Finding, RecordType, ServiceReport} from '../model/report.js'
import {
  answered,
  parseSrv,
  primaryServer,
  queryFailure,
  reachKey,
  SLOW_ANSWER_MS,
  type DnsAnswer,
  type QueryFailure,
  type QueryResult,
  type ReachResult,
  type TransportCheck,
} from '../dns/types.js'
import type {DepartedReplica, DnsObservation, DnsSection} from '../model/dns.js'
import {hostPort, reverseName} from './dns-names.js'
import {failedForDeparture} from './replica-departure.js'
import {addFindings} from './report.js'
import {namedReleases} from './dns-server/release.js'

export type {DnsObservation, DnsSection} from '../model/dns.js'

/** A question's identity, `name type`: how questions, expected records and answers are matched up. */
export const questionKey = ({name, type}: {name: string; type: string}) => `${name} ${type}`

/** The questions a report needs answered: every expected record's (name, type) and every must-not-resolve name. */
export function questionsFor(
  report: Pick<ServiceReport, 'records' | 'mustNotResolve'>,
): Array<{name: string; type: RecordType}> {
  const seen = new Map<string, {name: string; type: RecordType}>()
  for (const {name, type} of [...report.records, ...report.mustNotResolve])
    seen.set(questionKey({name, type}), {name, type})
  return [...seen.values()]
}

/** SRV equality ignores priority and weight: CoreDNS recomputes weights per answer; port and target matter. */
function identity(type: string, data: string): string {
  if (type !== 'SRV') return data.toLowerCase()
  const srv = parseSrv(data)
  return `${srv.port} ${srv.target.toLowerCase()}`
}

/** `port target.` of SRV data, and its `priority weight`: how the SRV findings quote them. */
function srvTarget(data: string): string {
  const srv = parseSrv(data)
  return `${srv.port} ${srv.target}`
}
function srvWeights(data: string): string {
  const srv = parseSrv(data)
  return `${srv.priority} ${srv.weight}`
}

/** The expected records grouped by question: the diff looks them up once per question, not by a scan each. */
function recordsByQuestion(report: ServiceReport): Map<string, DnsRecord[]> {
  const grouped = new Map<string, DnsRecord[]>()
  for (const record of report.records) {
    const key = questionKey(record)
    const group = grouped.get(key)
    if (group) group.push(record)
    else grouped.set(key, [record])
  }
  return grouped
}

export function applyDnsObservation(report: ServiceReport, observation: DnsObservation): ServiceReport {
  const primary = primaryServer(observation.servers)
  const byServer = new Map<string, Map<string, QueryResult>>()
  for (const result of observation.queries) {
    const map = byServer.get(result.server) ?? new Map<string, QueryResult>()
    map.set(questionKey(result), result)
    byServer.set(result.server, map)
  }
  const expectedByQuestion = recordsByQuestion(report)
  const primaryResults: Map<string, QueryResult> =
    (primary && byServer.get(primary.label)) || new Map<string, QueryResult>()
  const service = `service/${report.service.name}`
  const base = `${report.service.name}.${report.service.namespace}.svc.${report.clusterDomain}.`
  // HeadlessPortMismatch comes back from reachFindings, with the probes' evidence when there is some.
  const kept = report.findings.filter((finding) => finding.code !== 'HeadlessPortMismatch')
  const findings: Finding[] = []
  const records: DnsRecord[] = []

  for (const question of questionsFor(report)) {
    const key = questionKey(question)
    const expected = expectedByQuestion.get(key) ?? []
    const result = primaryResults.get(key)
    if (!result || !answered(result)) {
      records.push(...expected)
      continue
    }
    const observed = result.answers.filter((answer) => answer.type === question.type)
    const observedById = new Map<string, (typeof observed)[number]>()
    for (const answer of observed) {
      const id = identity(answer.type, answer.data)
      if (!observedById.has(id)) observedById.set(id, answer)
    }
    for (const record of expected) {
      const observedRecord = observedById.get(identity(record.type, record.data))
      const status = observedRecord ? 'match' : 'missing'
      records.push({...record, status})
      if (
        status === 'match' &&
        record.type === 'SRV' &&
        observedRecord &&
        observedRecord.data.toLowerCase() !== record.data
      ) {
        findings.push({
          code: 'DNSSrvWeightDiffers',
          severity: 'info',
          object: service,
          message: `${record.name} SRV to ${srvTarget(record.data)} answered with priority/weight ${srvWeights(observedRecord.data)}, expected ${srvWeights(record.data)}`,
          hint: 'port and target match; CoreDNS computes the weight from how many answers it returns (e.g. an address listed in two slices counts twice)',
        })
      }
      if (status === 'missing') {
        const message = `${record.name} ${record.type} ${record.data} is expected but ${primary?.label} (${primary?.address}) answered ${describe(result, question.type)}`
        findings.push(
          cachedAnswer(report, observation, record.name, observed.length === 0, null, service, message) ??
            corefilePending(report, observation, service, message) ??
            trustOf(report, {
              code: 'DNSRecordMissing',
              severity: 'error',
              object: service,
              message,
              hint: 'the DNS server serves what it sees in EndpointSlices: check the slice, its logs, and its cache (changes can take up to the TTL to show)',
            }),
        )
      }
    }
    const expectedIds = new Set(expected.map((record) => identity(record.type, record.data)))
    const mustNotResolve = report.mustNotResolve.find((absent) => absent.name === question.name)
    for (const answer of observed) {
      if (expectedIds.has(identity(answer.type, answer.data))) continue
      if (question.type === 'PTR' && !namesService(answer, base)) continue
      // Endpoints that could not be read explain nothing and rule nothing out: ReadFailed says the report is partial.
      if (report.endpointsUnread && followsEndpoints(report, question.name)) continue
      records.push({name: question.name, type: question.type, data: answer.data, status: 'unexpected'})
      const message = `${question.name} ${question.type} answered ${answer.data}, which the Service's endpoints ${mustNotResolve ? 'no longer list' : 'do not explain'}`
      const pending =
        cachedAnswer(report, observation, question.name, false, answer.ttl, service, message) ??
        corefilePending(report, observation, service, message)
      if (pending) {
        findings.push(pending)
        continue
      }
      findings.push(
        trustOf(
          report,
          mustNotResolve
            ? {
                code: 'DNSNameShouldNotResolve',
                severity: 'error',
                object: service,
                message: `${question.name} ${question.type} answered ${answer.data}, but it should not resolve: ${mustNotResolve.reason}`,
                hint: 'a stale answer: check the CoreDNS cache TTL and whether the EndpointSlice still lists the address',
              }
            : {
                code: 'DNSRecordUnexpected',
                severity: 'error',
                object: service,
                message: `${question.name} ${question.type} answered ${answer.data}, which the Service's endpoints do not explain`,
                hint: 'a stale or foreign answer: compare with the EndpointSlices, and check for a stub domain or hosts entry shadowing the name',
              },
        ),
      )
    }
  }

  findings.push(
    ...replicaFindings(observation, byServer, primary?.label, expectedSignatures(report, expectedByQuestion)).map(
      (finding) =>
        corefilePending(report, observation, finding.object, finding.message, finding.object.split('/').pop()) ??
        releasesTrust(report, finding),
    ),
  )
  const departed = new Set((observation.departedReplicas ?? []).map((replica) => replica.label))
  findings.push(...departureFindings(observation))
  findings.push(...timeoutFindings(observation, service, departed))
  findings.push(...slowFindings(observation, service))
  findings.push(...transportFindings(observation, service, departed))
  findings.push(...reachFindings(report, observation, service))
  findings.push(
    ...observation.problems.map((problem) => ({
      code: 'ResolverUnavailable',
      severity: 'warning' as const,
      object: service,
      message: problem,
      hint: 'part of the live DNS check did not run; the rest of the report still holds',
    })),
  )
  const dns: DnsSection = {
    ...observation,
    queries: observation.queries.map((result) => ownPtrAnswers(result, base)),
    primaryServer: primary?.label ?? null,
  }
  return {...addFindings({...report, findings: kept}, findings), records, dns}
}

/** A pod IP's PTR also names every other Service that selects the pod: not this Service's business. */
function namesService(answer: DnsAnswer, base: string): boolean {
  return answer.type !== 'PTR' || answer.data === base || answer.data.endsWith(`.${base}`)
}

/**
 * The report keeps a PTR answer's records that name this Service and counts the others: a pod behind a thousand
 * Services has a thousand PTR records, and each Service's report carrying all of them made a scan's JSON grow
 * with the square of the Services.
 */
function ownPtrAnswers(result: QueryResult, base: string): QueryResult {
  if (result.type !== 'PTR') return result
  const own = result.answers.filter((answer) => namesService(answer, base))
  if (own.length === result.answers.length) return result
  return {...result, answers: own, answersForOtherServices: result.answers.length - own.length}
}

/**
 * A mismatch a cache can explain: the endpoints changed less than a cache window ago (the longest time a layer
 * may keep such an answer: its cap, bounded by the record TTL or, for negative answers, the SOA minimum), or the
 * answer's TTL is below the server's own, so a cache is counting it down. Then the finding says when the cache
 * lets go, as a warning: the server is not wrong, only not yet told.
 */
function cachedAnswer(
  report: ServiceReport,
  observation: DnsObservation,
  name: string,
  negative: boolean,
  answerTtl: number | null,
  service: string,
  message: string,
): Finding | null {
  const server = report.dnsServer
  if (!server || !observation.observedAt) return null
  // A name in no zone the server serves (e.g. a wrong --cluster-domain) is not a question of caches.
  const reverse = /\.(in-addr|ip6)\.arpa\.$/.test(name)
  if (!reverse && !server.zones.some((zone) => name.endsWith(`.${zone.replace(/\.$/, '')}.`))) return null
  const observedAt = Date.parse(observation.observedAt)
  // A layer keeps an answer for its TTL (a negative one: the SOA minimum) cut to the layer's cap, and at least
  // CoreDNS cache's MINTTL of 5 s.
  const answerTtlOf = negative ? (server.negativeTtl ?? server.ttl) : server.ttl
  const windows = server.caches.map((cache) => {
    if (negative ? cache.denialDisabled : cache.successDisabled) return 0
    return Math.max(5, Math.min(negative ? cache.denialTtl : cache.successTtl, answerTtlOf))
  })
  const window = Math.max(0, ...windows)
  let expiresAt: number | null = null
  let why = ''
  const fromEndpoints = followsEndpoints(report, name)
  const changes = [report.serviceChangedAt, fromEndpoints ? report.endpointsChangedAt : undefined]
    .map((time) => (time ? Date.parse(time) : Number.NaN))
    .filter(Number.isFinite)
  const changedAt = changes.length > 0 ? Math.max(...changes) : Number.NaN
  if (window > 0 && Number.isFinite(changedAt) && observedAt - changedAt < window * 1000) {
    expiresAt = changedAt + window * 1000
    why = `the ${fromEndpoints ? 'endpoints' : 'Service'} changed at ${new Date(changedAt).toISOString()}, ${Math.max(0, Math.round((observedAt - changedAt) / 1000))} s before the question, and ${cacheNames(server.caches)} may keep ${negative ? 'a negative' : 'an'} answer for ${window} s`
  } else if (answerTtl !== null && server.caches.length > 0 && answerTtl < server.ttl) {
    expiresAt = observedAt + answerTtl * 1000
    why = `its TTL ${answerTtl} s is below the server's ${server.ttl} s, so ${cacheNames(server.caches)} is serving a copy`
  }
  if (expiresAt === null) return null
  return {
    code: 'DNSAnswerCached',
    severity: 'warning',
    object: service,
    message: `${message}; ${why}: expect the right answer by ${new Date(expiresAt).toISOString()}`,
    hint: 'run again after that time, or pass --wait-dns to wait for the cache and ask again',
    details: {expiresAt: new Date(expiresAt).toISOString()},
  }
}

/**
 * The kubelet refreshes a pod's copy of a ConfigMap on its periodic sync, using its ConfigMap cache: "the total delay
 * ... can be as long as kubelet sync period + ttl of ConfigMaps cache in kubelet" (configure-pod-configmap), 1 min
 * each by default.
 */
const KUBELET_CONFIGMAP_REFRESH_SECONDS = 120

/**
 * When the replicas running before a Corefile change have surely applied it (ms), or null when no time does: the
 * kubelet's refresh, then `reload` (plugin/reload: every interval, plus up to half the jitter). Null without a known
 * change or without `reload` (replicas then keep the Corefile they started with).
 */
export function corefileSettlesAt(server: DnsServerSection | undefined): number | null {
  if (!server?.corefileChangedAt || !server.reload) return null
  const changedAt = Date.parse(server.corefileChangedAt)
  if (!Number.isFinite(changedAt)) return null
  const window = KUBELET_CONFIGMAP_REFRESH_SECONDS + server.reload.intervalSeconds + server.reload.jitterSeconds / 2
  return changedAt + window * 1000
}

/**
 * A mismatch while the replicas may still run the Corefile from before its last change: a warning that says when the
 * change is applied, like a cached answer. A replica known to have started after the change loaded it at start: its
 * own answers (`replica`), or the nameserver's when every replica did, are judged as usual.
 */
function corefilePending(
  report: ServiceReport,
  observation: DnsObservation,
  object: string,
  message: string,
  replica?: string,
): Finding | null {
  const server = report.dnsServer
  const settlesAt = corefileSettlesAt(server)
  if (settlesAt === null || !observation.observedAt || !server?.corefileChangedAt) return null
  const changedAt = Date.parse(server.corefileChangedAt)
  const observedAt = Date.parse(observation.observedAt)
  if (!(observedAt < settlesAt)) return null
  const starts = observation.replicaStarts
  if (starts) {
    const loadedIt = (label: string) => Date.parse(starts[label] ?? '') > changedAt
    const replicas = replica ? [replica] : observation.servers.filter((s) => s.replica).map((s) => s.label)
    if (replicas.length > 0 && replicas.every(loadedIt)) return null
  }
  return {
    code: 'DNSCorefilePending',
    severity: 'warning',
    object,
    message: `${message}; the Corefile changed at ${server.corefileChangedAt}, ${Math.max(0, Math.round((observedAt - changedAt) / 1000))} s before the question, and the replicas may still run the one before: expect it applied by ${new Date(settlesAt).toISOString()}`,
    hint: "the kubelet refreshes the replicas' copy of the ConfigMap within about 2 min, and the reload plugin applies it within its interval; run again after that time, or pass --wait-dns",
    details: {expiresAt: new Date(settlesAt).toISOString()},
  }
}

/** Whether a name's answers follow the Service's endpoints: a ClusterIP Service's own names follow the Service alone. */
function followsEndpoints(report: ServiceReport, name: string): boolean {
  const base = `${report.service.name}.${report.service.namespace}.svc.`
  return (
    report.service.headless || (!name.startsWith(base) && !name.startsWith('_') && !reverseOfClusterIP(report, name))
  )
}

function reverseOfClusterIP(report: ServiceReport, name: string): boolean {
  return report.service.clusterIPs.some((ip) => reverseName(ip) === name)
}

function cacheNames(caches: NonNullable<ServiceReport['dnsServer']>['caches']): string {
  const names = caches.map((cache) => (cache.layer === 'coredns' ? 'the CoreDNS cache' : `the ${cache.layer} cache`))
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0]
}

/**
 * With an unknown DNS server the prediction is an assumption: its mismatches are warnings that say so. So are they
 * when the servers answer version.bind with different releases (a rollout): which release answered is not known.
 */
function trustOf(report: ServiceReport, finding: Finding): Finding {
  if (report.dnsServer?.implementation === 'unknown')
    return {
      ...finding,
      severity: 'warning',
      hint: `the cluster's DNS server is unknown (${report.dnsServer.source}): records were predicted as CoreDNS serves them; name the server with --dns-server, --dns-version or --corefile`,
    }
  return releasesTrust(report, finding)
}

function releasesTrust(report: ServiceReport, finding: Finding): Finding {
  const releases = namedReleases(report.dnsServer?.serverReleases ?? [])
  if (releases.length < 2) return finding
  return {
    ...finding,
    severity: 'warning',
    hint: `the DNS servers run different releases (${releases.join(', ')}; see dnsServer.serverReleases), whose answers can differ: run again once the rollout is done`,
  }
}

function describe(result: QueryResult, type: string): string {
  const answers = result.answers.filter((answer) => answer.type === type)
  if (result.rcode !== 'NOERROR') return result.rcode
  if (answers.length === 0) return 'no records (NODATA)'
  return answers.map((answer) => answer.data).join(', ')
}

function answerSignature(result: QueryResult | undefined): string {
  if (!result) return 'none'
  if (!answered(result)) return result.rcode
  const answers = result.answers
    .filter((answer) => answer.type === result.type)
    .map((answer) => identity(answer.type, answer.data))
    .sort()
  return `${result.rcode}:${answers.join(',')}`
}

/** `NOERROR:a,b` -> `a,b`, `NOERROR:` -> `no records`, `NXDOMAIN:` -> `NXDOMAIN`. */
function shownSignature(signature: string): string {
  return signature.replace(/^NOERROR:/, '').replace(/^([A-Z]+):$/, '$1') || 'no records'
}

/** What a correct server answers to each of the report's questions, in answerSignature's form. */
function expectedSignatures(report: ServiceReport, expectedByQuestion: Map<string, DnsRecord[]>): Map<string, string> {
  const signatures = new Map<string, string>()
  for (const [key, expected] of expectedByQuestion) {
    if (expected.length > 0)
      signatures.set(
        key,
        `NOERROR:${expected
          .map((record) => identity(record.type, record.data))
          .sort()
          .join(',')}`,
      )
  }
  for (const absent of report.mustNotResolve) signatures.set(questionKey(absent), 'NXDOMAIN:')
  return signatures
}

/**
 * A replica is inconsistent when its answer differs from the reference: the expected answer when some server
 * gave it (so a wrong replica cannot outvote right ones), else what most servers said.
 */
function replicaFindings(
  observation: DnsObservation,
  byServer: Map<string, Map<string, QueryResult>>,
  primaryLabel: string | undefined,
  expected: Map<string, string>,
): Finding[] {
  const replicas = observation.servers.filter((server) => server.replica)
  if (replicas.length < 2 && !(replicas.length === 1 && primaryLabel && primaryLabel !== replicas[0].label)) return []
  const findings: Finding[] = []
  const questions = new Map<string, {name: string; type: string}>()
  for (const result of observation.queries) questions.set(questionKey(result), result)
  for (const [key, question] of questions) {
    const signatures = observation.servers.map((server) => ({
      server,
      signature: answerSignature(byServer.get(server.label)?.get(key)),
    }))
    const comparable = signatures.filter(
      (entry) => entry.signature !== 'TIMEOUT' && entry.signature !== 'ERROR' && entry.signature !== 'none',
    )
    const counts = new Map<string, number>()
    for (const entry of comparable) counts.set(entry.signature, (counts.get(entry.signature) ?? 0) + 1)
    if (counts.size < 2) continue
    const wanted = expected.get(key)
    const majority = wanted && counts.has(wanted) ? wanted : [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0]
    for (const entry of comparable) {
      if (!entry.server.replica || entry.signature === majority) continue
      findings.push({
        code: 'DNSReplicaInconsistent',
        severity: 'error',
        object: `pod/kube-system/${entry.server.label}`,
        message: `CoreDNS replica ${entry.server.label} (${entry.server.address}) answers ${question.name} ${question.type} differently: ${shownSignature(entry.signature)} instead of ${shownSignature(majority)}`,
        hint: "clients get different answers depending on which replica kube-proxy picks: check that replica's logs, its Corefile reload and its connection to the API server",
      })
      if (findings.length > 50) return findings
    }
  }
  return findings
}

const DEPARTED_WHAT: Record<DepartedReplica['now'], string> = {
  gone: "left the endpoints of kube-system/kube-dns (its pod was deleted, or its address is now another pod's)",
  terminating: 'began terminating (its endpoint of kube-system/kube-dns is terminating)',
  'not-ready': 'stopped being ready (its endpoint of kube-system/kube-dns is not ready)',
}

/**
 * A replica that left the kube-dns Service during the check: its unanswered questions, or that it was no longer
 * asked, in one warning. Clients are not sent to it any more (kube-proxy uses ready endpoints), so what it did not
 * answer is not an answer they keep getting.
 */
function departureFindings(observation: DnsObservation): Finding[] {
  return (observation.departedReplicas ?? []).flatMap((replica): Finding[] => {
    const mine = observation.queries.filter((result) => result.server === replica.label)
    const failed = mine.filter(failedForDeparture)
    if (replica.asked && failed.length === 0) return []
    const who = `CoreDNS replica ${replica.address} (pod kube-system/${replica.label})`
    return [
      {
        code: 'DNSServerGoneDuringCheck',
        severity: 'warning',
        object: `pod/kube-system/${replica.label}`,
        message: replica.asked
          ? `${failed.length} of ${mine.length} queries to ${who} got no answer: the replica ${DEPARTED_WHAT[replica.now]} during the check`
          : `${who} was not asked: it ${DEPARTED_WHAT[replica.now]} during the check`,
        hint: 'kube-proxy sends clients only to ready endpoints, so this is not an answer clients keep getting; the other servers were judged. If replicas come and go without a rollout, check the CoreDNS pods and their events',
        details: {replica: replica.label, address: replica.address, now: replica.now},
      },
    ]
  })
}

/**
 * Queries a server did not answer, one finding per server and kind: no answer in time (DNSTimeout), a refused
 * connection, an answer too large for a DNS message, another error. A late answer is not among them (slowFindings).
 * A departed replica's failures are its DNSServerGoneDuringCheck (a too-large answer still counts: it came).
 */
function timeoutFindings(observation: DnsObservation, service: string, departed: Set<string>): Finding[] {
  return observation.servers.flatMap((server) => {
    const mine = observation.queries.filter((result) => result.server === server.label)
    const byKind = new Map<QueryFailure, QueryResult[]>()
    for (const result of mine) {
      const kind = queryFailure(result)
      if (kind && !(departed.has(server.label) && failedForDeparture(result)))
        byKind.set(kind, [...(byKind.get(kind) ?? []), result])
    }
    const who = `${server.replica ? 'CoreDNS replica ' : ''}${server.label} (${server.address}:${server.port})`
    const object = server.replica ? `pod/kube-system/${server.label}` : service
    return [...byKind].map(([kind, failed]): Finding => {
      const first = failed[0]
      const count = `${failed.length} of ${mine.length} queries to ${who}`
      if (kind === 'too-large')
        return {
          code: 'DNSAnswerTooLarge',
          severity: 'error',
          object,
          message: `${count} got an answer too large for a DNS message, truncated even over TCP (e.g. ${first.name} ${first.type}: ${first.answers.length} records received)`,
          hint: 'clients get a partial answer or none: too many records for one name, e.g. a pod IP behind hundreds of Services has a PTR record for each',
        }
      if (kind === 'refused')
        return {
          code: 'DNSConnectionRefused',
          severity: 'error',
          object,
          message: `${count} were refused: nothing listens on ${server.address}:${server.port} (${first.error})`,
          hint: server.replica
            ? 'this replica does not listen on its DNS port: check that CoreDNS is running in that pod and its Corefile port'
            : 'nothing listens behind the cluster DNS address: check the kube-dns Service, its endpoints and kube-proxy',
        }
      return {
        code: kind === 'timeout' ? 'DNSTimeout' : 'DNSQueryFailed',
        severity: 'error',
        object,
        message: `${count} got no answer: ${first.error ?? first.rcode}`,
        hint: server.replica
          ? 'this replica does not answer: check that the pod is running and listening on 53, and NetworkPolicies'
          : 'the cluster DNS service does not answer: check the kube-dns Service, its endpoints, kube-proxy and the CoreDNS pods',
      }
    })
  })
}

/** Answers that came late but inside the query timeout: slow, with their times, never a timeout. */
function slowFindings(observation: DnsObservation, service: string): Finding[] {
  return observation.servers.flatMap((server) => {
    const mine = observation.queries.filter((result) => result.server === server.label)
    const slow = mine.filter((result) => answered(result) && (result.timeMs ?? 0) >= SLOW_ANSWER_MS)
    if (slow.length === 0) return []
    const slowest = slow.reduce((a, b) => ((b.timeMs ?? 0) > (a.timeMs ?? 0) ? b : a))
    return [
      {
        code: 'DNSSlowAnswer',
        severity: 'warning' as const,
        object: server.replica ? `pod/kube-system/${server.label}` : service,
        message: `${slow.length} of ${mine.length} answers from ${server.replica ? 'CoreDNS replica ' : ''}${server.label} (${server.address}:${server.port}) took ${SLOW_ANSWER_MS} ms or more, within the query timeout: slowest ${slowest.timeMs} ms (${slowest.name} ${slowest.type})`,
        hint: "clients with a shorter timeout give up: check the CoreDNS pods' CPU (limits, throttling), their upstreams and their logs",
      },
    ]
  })
}

/**
 * A server that answers over one transport only. Applications ask over UDP first: without it they time out,
 * even though every record is there over TCP. Without TCP they fail on answers too large for UDP (truncated),
 * e.g. the A records of a headless service with many endpoints.
 */
function transportFindings(observation: DnsObservation, service: string, departed: Set<string>): Finding[] {
  return (observation.transports ?? []).flatMap((check) => {
    const server = observation.servers.find((candidate) => candidate.label === check.server)
    if (!server || departed.has(server.label)) return []
    const who = `${server.replica ? 'CoreDNS replica ' : ''}${server.label} (${hostPort(server.address, server.port)})`
    const object = server.replica ? `pod/kube-system/${server.label}` : service
    return transportTrouble(check).map(({severity, says, hint}) => ({
      code: 'DNSTransportUnanswered',
      severity,
      object,
      message: `${who} ${says}`,
      hint,
    }))
  })
}

/** What is wrong with a server's transports, in words that follow its name (also `svc-inspect dig`'s warnings). */
export function transportTrouble(
  check: TransportCheck,
): Array<{severity: 'error' | 'warning'; says: string; hint: string}> {
  const trouble: Array<{severity: 'error' | 'warning'; says: string; hint: string}> = []
  if (check.udp === false) {
    trouble.push({
      severity: 'error',
      says: `answers over TCP but not over UDP (${check.error ?? 'no answer'}): applications ask over UDP first, and time out`,
      hint: 'allow UDP 53 to the kube-dns Service and the CoreDNS pods (NetworkPolicies, host firewalls), and check kube-proxy',
    })
  }
  if (!check.tcp) {
    trouble.push({
      severity: 'warning',
      says: 'answers over UDP but not over TCP (the check asked over UDP instead): answers too large for UDP, such as the records of a headless service with many endpoints, will not resolve',
      hint: 'allow TCP 53 as well as UDP 53: the kube-dns Service has both ports, and clients retry truncated answers over TCP',
    })
  }
  return trouble
}

function reachFindings(report: ServiceReport, observation: DnsObservation, service: string): Finding[] {
  const findings: Finding[] = []
  const closed = (result: ReachResult) => result.state !== 'open'
  for (const result of observation.reachability) {
    if (result.role === 'service-port-on-endpoint' || !closed(result)) continue
    findings.push({
      code: 'PortUnreachable',
      severity: 'error',
      object: result.role === 'clusterIP' ? service : `endpoint/${result.address}`,
      message: `${result.role === 'clusterIP' ? 'ClusterIP' : 'ready endpoint'} ${hostPort(result.address, result.port)}/${result.protocol} is ${result.state}${result.detail ? ` (${result.detail})` : ''}`,
      hint:
        result.role === 'clusterIP'
          ? 'kube-proxy forwards to the endpoints: if they answer directly, check kube-proxy; if not, the pods do not listen on the targetPort'
          : 'the pod is ready but nothing listens on this port: check targetPort against the port the application listens on',
    })
  }
  // Seed 003: the headless port trap, with evidence from the pods themselves.
  for (const finding of report.findings.filter((candidate) => candidate.code === 'HeadlessPortMismatch')) {
    const servicePort = Number(finding.details?.port)
    const targetPort = Number(finding.details?.targetPort)
    const onServicePort = observation.reachability.filter(
      (result) => result.role === 'service-port-on-endpoint' && result.port === servicePort,
    )
    const onTarget = observation.reachability.filter(
      (result) => result.role === 'endpoint' && result.port === targetPort,
    )
    if (onServicePort.length === 0) {
      findings.push(finding)
      continue
    }
    const evidence = onServicePort
      .slice(0, 3)
      .map((result) => {
        const target = onTarget.find((candidate) => candidate.address === result.address)
        return `${hostPort(result.address, servicePort)} ${result.state}${target ? `, :${targetPort} ${target.state}` : ''}`
      })
      .join('; ')
    const confirmed = onServicePort.every(closed)
    findings.push({
      ...finding,
      severity: confirmed ? 'error' : finding.severity,
      message: `${finding.message} (seen from the resolver pod: ${evidence})`,
    })
  }
  return findings
}

/** The part of a shared batch (one resolver per namespace in a scan) that concerns one service. */
export function observationFor(
  report: ServiceReport,
  observation: DnsObservation,
  targets: Array<{address: string; port: number}>,
): DnsObservation {
  const questions = new Set(questionsFor(report).map(questionKey))
  const wanted = new Set(targets.map(reachKey))
  return {
    ...observation,
    queries: observation.queries.filter((result) => questions.has(questionKey(result))),
    reachability: observation.reachability.filter((result) => wanted.has(reachKey(result))),
  }
}
