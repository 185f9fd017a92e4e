// `--from` with the live check: the evidence gathered in the client pod's own network namespace (its TCP connects
// and its nameserver over UDP and TCP) set beside the static NetworkPolicy verdicts, path by path. Where they
// disagree, a LiveEvidenceDisagrees finding says so; where they agree that a policy drops the traffic, the live
// findings that report the drop (PortUnreachable, DNSTimeout, ...) name the policy instead of guessing a cause.
import type {DnsQuestion, ReachResult} from '../model/dns.js'
import type {ClientLiveSection, ClientSection, Finding, ServiceReport} from '../model/report.js'
import {NODE_LOCAL_DNS_ADDRESS, servesNodeLocalCache} from './client-dns.js'
import {hostPort} from './dns-names.js'
import {addFindings} from './report.js'

/** Said in every `--from` report with a live check, and in `--help`. */
export const EPHEMERAL_NOTE =
  "Kubernetes keeps an ephemeral container in the pod's spec until the pod is replaced; this one exits as soon as the check is done and uses nothing after"

type Path = ClientSection['paths'][number]

/**
 * What a TCP connect says about a policy verdict: accepted means nothing dropped it; a timeout means something
 * dropped it (a NetworkPolicy implementation drops, e.g. kube-network-policies returns NF_DROP for the first
 * packet). A refusal reached the address, but nothing listened (or an implementation rejects): it decides nothing.
 */
export function liveAgrees(allowed: boolean, state: ReachResult['state']): boolean | undefined {
  if (state === 'open') return allowed
  if (state === 'timeout') return !allowed
  return undefined
}

interface ResolverDescription {
  ephemeralContainer?: string
  image?: string
  nameserver?: string | null
  search?: string[]
  options?: string[]
}

/**
 * Adds the live evidence to the report's client section (from `report.dns`, the check having run in the client
 * pod) and the findings it implies. `dnsServiceIP`: the cluster DNS Service's address; the DNS verdict is only
 * compared when the client's nameserver is that address.
 */
export function applyClientLive(report: ServiceReport, dnsServiceIP?: string): ServiceReport {
  const client = report.client
  if (!client) return report
  const dns = report.dns
  if (!dns) {
    const skipped = report.findings.find((finding) => finding.code === 'ResolverUnavailable')
    const live: ClientLiveSection = {
      note: 'no ephemeral container was added to the pod',
      unavailable: skipped?.message ?? 'the live check did not run',
      clusterIPs: [],
    }
    return {...report, client: {...client, live}}
  }
  const resolver = dns.resolver as ResolverDescription
  const findings: Finding[] = []
  const who = client.pod

  const paths = client.paths.map((path): Path => {
    const result = dns.reachability.find(
      (candidate) =>
        candidate.role === 'endpoint' &&
        candidate.address === path.endpoint &&
        candidate.port === path.port &&
        candidate.protocol === path.protocol,
    )
    if (!result) return path
    const agrees = liveAgrees(path.allowed, result.state)
    return {
      ...path,
      live: result.state,
      ...(result.detail ? {liveDetail: result.detail} : {}),
      ...(agrees === undefined ? {} : {agrees}),
    }
  })
  for (const path of paths.filter((candidate) => candidate.agrees === false)) {
    findings.push(disagreement(who, `${hostPort(path.endpoint, path.port)}/${path.protocol}`, path.allowed, path.live!))
  }

  const clusterIPs = dns.reachability
    .filter((result) => result.role === 'clusterIP')
    .map((result) => {
      const expected = clusterIPVerdict(report, paths, result.port)
      const agrees = expected === undefined ? undefined : liveAgrees(expected, result.state)
      if (agrees === false)
        findings.push(
          disagreement(
            who,
            `ClusterIP ${hostPort(result.address, result.port)}/${result.protocol}`,
            expected!,
            result.state,
          ),
        )
      return {
        address: result.address,
        port: result.port,
        state: result.state,
        ...(result.detail ? {detail: result.detail} : {}),
        ...(expected === undefined ? {} : {allowed: expected}),
        ...(agrees === undefined ? {} : {agrees}),
      }
    })

  const nameserver = resolver.nameserver ?? null
  let dnsEvidence: ClientLiveSection['dns']
  if (nameserver) {
    const transport = dns.transports?.find((check) => check.server === 'nameserver')
    const asked = dns.queries.filter((query) => query.server === 'nameserver')
    // No transport check: the server was skipped as unreachable (every question timed out).
    const evidence = transport
      ? {udp: transport.udp, tcp: transport.tcp}
      : asked.length > 0 && asked.every((query) => query.rcode === 'TIMEOUT')
        ? {udp: false, tcp: false}
        : undefined
    if (evidence) {
      const comparable = client.dnsAllowed && (!dnsServiceIP || dnsServiceIP === nameserver)
      const agrees = comparable
        ? (evidence.udp === null || evidence.udp === client.dnsAllowed!.udp) && evidence.tcp === client.dnsAllowed!.tcp
        : undefined
      dnsEvidence = {nameserver, ...evidence, ...(agrees === undefined ? {} : {agrees})}
      if (agrees === false) findings.push(dnsDisagreement(who, nameserver, client.dnsAllowed!, evidence))
    }
  }

  const seenResolver = {nameserver, search: resolver.search ?? [], options: resolver.options ?? []}
  // NodeLocal DNSCache: the kubelet's --cluster-dns is then usually its link-local address, not the Service's IP.
  const resolverDiffers = client.resolver
    ? resolvConfDifferences(client.resolver, seenResolver, servesNodeLocalCache(report) ? [NODE_LOCAL_DNS_ADDRESS] : [])
    : undefined
  if (resolverDiffers?.length)
    findings.push({
      code: 'LiveEvidenceDisagrees',
      severity: 'warning',
      object: who,
      message: `the client's resolv.conf is not what the kubelet writes for its spec (dnsPolicy ${client.resolver!.dnsPolicy}): ${resolverDiffers.join('; ')}`,
      hint: "the kubelet's --cluster-dns or --resolv-conf differ from what was assumed (see the assumptions), NodeLocal DNSCache rewrites it, or the pod predates a change; the names tried were worked out from the prediction",
    })
  const {lookup, finding: lookupFinding} = liveLookup(report, client, nameserver, who)
  if (lookupFinding) findings.push(lookupFinding)
  const live: ClientLiveSection = {
    ...(resolver.ephemeralContainer ? {container: resolver.ephemeralContainer} : {}),
    ...(resolver.image ? {image: resolver.image} : {}),
    note: EPHEMERAL_NOTE,
    resolver: {...seenResolver, ...(resolverDiffers ? {agrees: resolverDiffers.length === 0} : {})},
    ...(dnsEvidence ? {dns: dnsEvidence} : {}),
    clusterIPs,
  }
  const attributed = attributeToPolicy(report.findings, paths, clusterIPs, dnsEvidence, client.dnsAllowed)
  return addFindings(
    {...report, findings: attributed, client: {...client, paths, ...(lookup ? {lookup} : {}), live}},
    findings,
  )
}

/**
 * The names the client's resolver tries for the name the app uses (client-dns.ts), as questions for the live check
 * in the client pod: A, or AAAA for a Service with IPv6 addresses only. Names built from the node's unknown search
 * domains are not asked.
 */
export function lookupQuestions(report: ServiceReport, lookup: ClientSection['lookup']): DnsQuestion[] {
  const addresses = [...report.service.clusterIPs, ...report.endpoints.map((endpoint) => endpoint.address)].filter(
    (address) => address && address !== 'None',
  )
  const type = addresses.length > 0 && addresses.every((address) => address.includes(':')) ? 'AAAA' : 'A'
  return (lookup?.tries ?? []).filter((entry) => !entry.name.includes('<')).map((entry) => ({name: entry.name, type}))
}

/**
 * The tries with what the client's nameserver answered for each (from the client pod), and the finding when the
 * first name that answered with records is not the one predicted.
 */
function liveLookup(
  report: ServiceReport,
  client: ClientSection,
  nameserver: string | null,
  who: string,
): {lookup?: ClientSection['lookup']; finding?: Finding} {
  const lookup = client.lookup
  const dns = report.dns
  if (!lookup || !dns || lookup.tries.length === 0) return {lookup}
  const primary = dns.primaryServer
  const asked = lookupQuestions(report, lookup)
  const tries = lookup.tries.map((entry) => {
    const question = asked.find((candidate) => candidate.name === entry.name)
    const result =
      question &&
      dns.queries.find(
        (query) => query.server === primary && query.name === question.name && query.type === question.type,
      )
    if (!result) return entry
    return {
      ...entry,
      live: {rcode: result.rcode, records: result.answers.filter((answer) => answer.type === question.type).length},
    }
  })
  const liveAnsweredBy = tries.find((entry) => entry.live && entry.live.rcode === 'NOERROR' && entry.live.records > 0)
  // Only answers decide: a timeout or an error says nothing about which name would answer (a policy may drop DNS).
  const decided = tries.every(
    (entry) => entry.answer === 'unknown' || (entry.live && ['NOERROR', 'NXDOMAIN'].includes(entry.live.rcode)),
  )
  let finding: Finding | undefined
  if (decided && (liveAnsweredBy?.name ?? null) !== lookup.answeredBy) {
    finding = {
      code: 'LiveEvidenceDisagrees',
      severity: 'warning',
      object: who,
      message: `"${lookup.name}" from the client: ${liveAnsweredBy ? `${liveAnsweredBy.name} answered first` : 'no name answered with records'} (its nameserver ${nameserver ?? '<none>'}), predicted ${lookup.answeredBy ?? 'no answer'}`,
      hint: "another object answers one of the names tried first (a Service of that name in the client's namespace, a search domain served elsewhere), or the records changed since they were read",
    }
  }
  return {lookup: {...lookup, tries}, finding}
}

/**
 * How the resolv.conf read in the client pod differs from the one predicted from its spec (client-dns.ts): the
 * first nameserver, the search list (the node's own domains, unknown to the prediction, may stand where its
 * placeholder is) and ndots. Nothing is compared where the prediction has only placeholders.
 */
export function resolvConfDifferences(
  predicted: NonNullable<ClientSection['resolver']>,
  seen: {nameserver: string | null; search: string[]; options: string[]},
  /** Other first nameservers that fit an assumption the prediction names (NodeLocal DNSCache's address). */
  alsoAccepted: string[] = [],
): string[] {
  const differences: string[] = []
  const first = predicted.nameservers[0]
  if (first && !first.startsWith('<') && seen.nameserver !== first && !alsoAccepted.includes(seen.nameserver ?? ''))
    differences.push(`nameserver ${seen.nameserver ?? '<none>'}, predicted ${first}`)
  const at = predicted.searches.findIndex((search) => search.startsWith('<'))
  const head = at === -1 ? predicted.searches : predicted.searches.slice(0, at)
  const tail = at === -1 ? [] : predicted.searches.slice(at + 1)
  const searchFits =
    at === -1
      ? sameList(seen.search, head)
      : seen.search.length >= head.length + tail.length &&
        sameList(seen.search.slice(0, head.length), head) &&
        sameList(seen.search.slice(seen.search.length - tail.length), tail)
  if (!searchFits)
    differences.push(
      `search ${seen.search.join(' ') || '<none>'}, predicted ${predicted.searches.join(' ') || '<none>'}`,
    )
  const ndotsOption = seen.options.find((option) => option.startsWith('ndots:'))
  const ndots = ndotsOption ? Number(ndotsOption.slice('ndots:'.length)) : 1
  const ndotsKnown = !predicted.options.some((option) => option.startsWith('<'))
  if (ndotsKnown && ndots !== predicted.ndots) differences.push(`ndots:${ndots}, predicted ndots:${predicted.ndots}`)
  return differences
}

const sameList = (a: string[], b: string[]) =>
  a.length === b.length && a.every((item, index) => item.toLowerCase() === b[index].toLowerCase())

/**
 * What the static verdicts say of a connect to the ClusterIP on a service port: kube-proxy sends it to one of the
 * ready endpoints, on the endpoint port named like the service port. Defined only when every such path has the
 * same verdict.
 */
function clusterIPVerdict(report: ServiceReport, paths: Path[], servicePort: number): boolean | undefined {
  const port = report.service.ports.find((candidate) => candidate.port === servicePort)
  if (!port) return undefined
  const verdicts = report.endpoints
    .filter((endpoint) => endpoint.ready)
    .flatMap((endpoint) =>
      endpoint.ports
        .filter((candidate) => (candidate.name ?? '') === (port.name ?? '') && candidate.protocol === port.protocol)
        .map(
          (candidate) =>
            paths.find((path) => path.endpoint === endpoint.address && path.port === candidate.port)?.allowed,
        ),
    )
  if (verdicts.length === 0 || verdicts.some((verdict) => verdict === undefined)) return undefined
  if (verdicts.every(Boolean)) return true
  if (verdicts.every((verdict) => !verdict)) return false
  return undefined
}

function disagreement(who: string, target: string, allowed: boolean, state: ReachResult['state']): Finding {
  return allowed
    ? {
        code: 'LiveEvidenceDisagrees',
        severity: 'warning',
        object: who,
        message: `${target}: the NetworkPolicies allow this connection, yet from the client's network namespace it was ${state === 'timeout' ? 'dropped (timeout)' : state}`,
        hint: 'something other than the NetworkPolicies read here drops it: a policy of the network plugin (e.g. AdminNetworkPolicy or a CNI-specific policy), a host firewall, or a policy changed since it was read',
      }
    : {
        code: 'LiveEvidenceDisagrees',
        severity: 'warning',
        object: who,
        message: `${target}: the NetworkPolicies deny this connection, yet from the client's network namespace it was accepted`,
        hint: "the cluster's network plugin does not enforce NetworkPolicy on this path (not every plugin implements it), or a policy changed since it was read",
      }
}

function dnsDisagreement(
  who: string,
  nameserver: string,
  allowed: {udp: boolean; tcp: boolean},
  seen: {udp: boolean | null; tcp: boolean},
): Finding {
  const words = (udp: boolean | null, tcp: boolean, verb: string, negative: string) =>
    `UDP ${udp === null ? 'not asked' : udp ? verb : negative}, TCP ${tcp ? verb : negative}`
  return {
    code: 'LiveEvidenceDisagrees',
    severity: 'warning',
    object: who,
    message: `DNS to ${nameserver}: the NetworkPolicies say ${words(allowed.udp, allowed.tcp, 'allowed', 'denied')}; from the client's network namespace it was ${words(seen.udp, seen.tcp, 'answered', 'unanswered')}`,
    hint: "where the policies deny and the server answered, the network plugin does not enforce them; where they allow and it went unanswered, look at the DNS pods and the client's nameserver",
  }
}

const POLICY_DNS_HINT =
  "the client's NetworkPolicies drop its DNS traffic (NetworkPolicyBlocksDns): these queries were dropped on the way, the server never saw them"

/**
 * Live findings that report traffic a policy drops, with the verdict and the evidence agreeing: their generic
 * hints (nothing listening, the DNS server down) would point away from the cause, so they name the policy.
 */
function attributeToPolicy(
  findings: Finding[],
  paths: Path[],
  clusterIPs: ClientLiveSection['clusterIPs'],
  dns: ClientLiveSection['dns'],
  dnsAllowed: ClientSection['dnsAllowed'],
): Finding[] {
  // PortUnreachable says `ready endpoint ADDRESS:PORT/TCP is timeout` (object endpoint/ADDRESS) or `ClusterIP ...`.
  const droppedPaths = paths
    .filter((path) => !path.allowed && path.agrees === true)
    .map((path) => ({
      object: `endpoint/${path.endpoint}`,
      text: `${hostPort(path.endpoint, path.port)}/${path.protocol} is timeout`,
    }))
  const droppedClusterIPs = clusterIPs
    .filter((entry) => entry.allowed === false && entry.agrees === true)
    .map((entry) => `ClusterIP ${hostPort(entry.address, entry.port)}/`)
  const dnsDropped = dns?.agrees === true && dnsAllowed && (!dnsAllowed.udp || !dnsAllowed.tcp)
  return findings.map((finding) => {
    if (
      finding.code === 'PortUnreachable' &&
      (droppedPaths.some(({object, text}) => finding.object === object && finding.message.includes(text)) ||
        droppedClusterIPs.some((prefix) => finding.message.startsWith(prefix)))
    ) {
      return {
        ...finding,
        hint: "a NetworkPolicy drops the client's connection (see NetworkPolicyBlocksIngress/Egress): the timeout is the policy, not the pod",
      }
    }
    if (dnsDropped && /^DNS(Timeout|RecordMissing|TransportUnanswered)$/.test(finding.code)) {
      // Only TCP denied: just the TCP transport finding is the policy's.
      if (dnsAllowed.udp && !(finding.code === 'DNSTransportUnanswered' && /TCP/.test(finding.message))) return finding
      return {...finding, hint: POLICY_DNS_HINT}
    }
    return finding
  })
}
