// NetworkPolicy (networking.k8s.io/v1) evaluation: is this traffic allowed, by which policy and rule, and if not,
// which rule came nearest and what differs. Semantics from the API reference (NetworkPolicySpec, NetworkPolicyPeer,
// NetworkPolicyPort, IPBlock) and, where the reference is silent, the SIG Network reference implementation
// (sigs.k8s.io/kube-network-policies, pkg/networkpolicy): named ports resolve against the destination pod's
// container ports by name, number and protocol; host-network pods are not selectable (treated as their node IP).
//
// Pure: callers hand in policies, namespaces and pods; nothing here reads a cluster.
import {InspectError} from '../../errors.js'
import {type Address, cidrContains, parseAddress, parseCidr} from './cidr.js'
import {isEmptySelector, labelsText, selectorMatches, selectorText} from './selector.js'
import type {Namespace, NetpolPod, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType} from './types.js'

export type Direction = 'ingress' | 'egress'

export interface NetpolInput {
  policies: NetworkPolicy[]
  /** Namespaces with their labels; one missing here counts as labelled only kubernetes.io/metadata.name. */
  namespaces: Namespace[]
  /** Known pods: an IP peer that is one of these pods' IPs is treated as that pod. */
  pods?: NetpolPod[]
}

/** One end of the traffic: a pod (optionally which of its IPs) or a bare IP address. */
export type PeerRef = {pod: NetpolPod; ip?: string} | {ip: string}

export interface Traffic {
  source: PeerRef
  destination: PeerRef
  /** A number, or a port name resolved against the destination pod's container ports. */
  port: number | string
  /** TCP (default), UDP or SCTP. */
  protocol?: string
}

export interface RuleRef {
  /** namespace/name of the policy. */
  policy: string
  direction: Direction
  /** Index into spec.ingress or spec.egress. */
  rule: number
}

export type MismatchField = 'port' | 'peer' | 'ip' | 'namespace' | 'namespace-labels' | 'pod-labels'

export interface Mismatch {
  field: MismatchField
  detail: string
}

export interface NearestRule extends RuleRef {
  differs: Mismatch[]
}

export type VerdictReason = 'not-a-pod' | 'host-network' | 'not-isolated' | 'local-node' | 'allowed' | 'denied'

export interface Verdict {
  direction: Direction
  /** The pod whose policies decide this direction (the destination for ingress, the source for egress). */
  subject: string
  allowed: boolean
  reason: VerdictReason
  /** Whether a policy selects the subject for this direction, which then admits only what a rule allows. */
  isolated: boolean
  /** namespace/name of every policy selecting the subject for this direction. */
  selectedBy: string[]
  /** Every rule that admits the traffic (any one suffices). */
  allowedBy: RuleRef[]
  blockedBecause?: {
    /** Selecting policies with no rule at all for this direction: they only isolate (default deny). */
    defaultDeny: string[]
    /** The rule with the fewest differences from the traffic, if any policy has rules for this direction. */
    nearest?: NearestRule
  }
  summary: string
}

export interface TrafficVerdict {
  allowed: boolean
  ingress: Verdict
  egress: Verdict
  port: ResolvedPort
  summary: string
}

export interface ResolvedPort {
  number: number
  protocol: string
  /** The destination pod's container port name for this number and protocol, which named policy ports match. */
  name?: string
}

/** One end of the traffic, resolved. */
interface End {
  text: string
  pod?: NetpolPod
  /** A pod that policies can select and selectors can match: not host-network. */
  selectable: boolean
  namespace?: string
  namespaceLabels: Record<string, string>
  address?: Address
  ip?: string
}

const policyKey = (policy: NetworkPolicy) => `${policyNamespace(policy)}/${policy.metadata.name}`
const podKey = (pod: NetpolPod) => `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`
const ruleText = (ref: RuleRef) => `${ref.policy} ${ref.direction}[${ref.rule}]`

function policyNamespace(policy: NetworkPolicy): string {
  return policy.metadata.namespace ?? 'default'
}

/**
 * "If this field is not specified, it will default based on the existence of ingress or egress rules; policies
 * that contain an egress section are assumed to affect egress, and all policies (whether or not they contain an
 * ingress section) are assumed to affect ingress." (NetworkPolicySpec.policyTypes)
 */
export function effectivePolicyTypes(policy: NetworkPolicy): PolicyType[] {
  const explicit = policy.spec.policyTypes ?? []
  if (explicit.length > 0) return explicit
  return (policy.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress']
}

const isHostNetwork = (pod: NetpolPod) => pod.spec?.hostNetwork === true

export interface SelectingPolicy {
  policy: NetworkPolicy
  name: string
  types: PolicyType[]
}

/**
 * The policies whose podSelector selects the pod ("selects the pods to which this NetworkPolicy object applies";
 * "An empty podSelector matches all pods in this namespace"), in the pod's namespace, with the directions each
 * one isolates. A host-network pod is selected by none: implementations cannot tell its traffic from the node's.
 */
export function policiesSelecting(policies: NetworkPolicy[], pod: NetpolPod): SelectingPolicy[] {
  if (isHostNetwork(pod)) return []
  const namespace = pod.metadata.namespace ?? 'default'
  return policies
    .filter(
      (policy) =>
        policyNamespace(policy) === namespace && selectorMatches(policy.spec.podSelector, pod.metadata.labels),
    )
    .map((policy) => ({policy, name: policyKey(policy), types: effectivePolicyTypes(policy)}))
}

function namespaceLabels(input: NetpolInput, name: string): Record<string, string> {
  const found = input.namespaces.find((namespace) => namespace.metadata.name === name)
  // The API server sets this immutable label on every namespace (since 1.21); policies commonly select by it.
  return {'kubernetes.io/metadata.name': name, ...found?.metadata.labels}
}

function podIPs(pod: NetpolPod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((entry) => entry.ip)
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP)
  return ips
}

function address(ip: string): Address {
  const parsed = parseAddress(ip)
  if (!parsed) throw new InspectError(`invalid IP address "${ip}"`)
  return parsed
}

/** Resolves a pod end; `family` picks the pod IP of the other end's family when the other end is an IP. */
function podEnd(input: NetpolInput, pod: NetpolPod, ip: string | undefined, family?: 4 | 6): End {
  const namespace = pod.metadata.namespace ?? 'default'
  const ips = podIPs(pod)
  const chosen =
    ip ?? ips.find((candidate) => family === undefined || parseAddress(candidate)?.family === family) ?? ips[0]
  return {
    text: podKey(pod),
    pod,
    selectable: !isHostNetwork(pod),
    namespace,
    namespaceLabels: namespaceLabels(input, namespace),
    ...(chosen ? {ip: chosen, address: address(chosen)} : {}),
  }
}

function resolveEnd(input: NetpolInput, ref: PeerRef, other: PeerRef): End {
  // Traffic stays within one IP family: a dual-stack pod talks to an IPv6 peer from its IPv6 address.
  const otherIp = other.ip ?? ('pod' in other ? podIPs(other.pod)[0] : undefined)
  const otherFamily = otherIp === undefined ? undefined : parseAddress(otherIp)?.family
  if ('pod' in ref) return podEnd(input, ref.pod, ref.ip, otherFamily)
  // An IP that is a known pod's is that pod: policies select by the pod, whatever the caller called it.
  const owner = (input.pods ?? []).find((pod) => !isHostNetwork(pod) && podIPs(pod).includes(ref.ip))
  if (owner) return podEnd(input, owner, ref.ip)
  return {text: ref.ip, selectable: false, namespaceLabels: {}, ip: ref.ip, address: address(ref.ip)}
}

type ContainerPort = {name?: string; containerPort: number; protocol?: string}

function containerPorts(pod: NetpolPod | undefined): ContainerPort[] {
  return (pod?.spec?.containers ?? []).flatMap((container) => container.ports ?? [])
}

const protocolOf = (protocol: string | undefined) => (protocol ?? 'TCP').toUpperCase()

function resolvePort(destination: End, port: number | string, protocol: string | undefined): ResolvedPort {
  const ports = containerPorts(destination.pod)
  if (typeof port === 'string' && !/^\d+$/.test(port)) {
    const named = ports.find(
      (entry) => entry.name === port && (protocol === undefined || protocolOf(entry.protocol) === protocolOf(protocol)),
    )
    if (!named) {
      const where = destination.pod
        ? `pod ${destination.text} has no container port named "${port}"`
        : `${destination.text} is not a pod`
      throw new InspectError(`cannot resolve port "${port}": ${where}`)
    }

    return {number: named.containerPort, protocol: protocolOf(named.protocol), name: port}
  }

  const number = Number(port)
  const proto = protocolOf(protocol)
  const name = ports.find((entry) => entry.containerPort === number && protocolOf(entry.protocol) === proto)?.name
  return {number, protocol: proto, ...(name ? {name} : {})}
}

/**
 * NetworkPolicyPort: protocol "defaults to TCP"; port absent matches all ports of the protocol; "If present, only
 * traffic on the specified protocol AND port will be matched"; a named port matches the destination pod's
 * container port of that name (and protocol); endPort: "the range of ports from port to endPort, inclusive".
 */
function portMatches(entry: NetworkPolicyPort, port: ResolvedPort): boolean {
  if (protocolOf(entry.protocol) !== port.protocol) return false
  if (entry.port === undefined) return true
  if (typeof entry.port === 'string' && !/^\d+$/.test(entry.port)) return entry.port === port.name
  const start = Number(entry.port)
  return entry.endPort === undefined ? start === port.number : start <= port.number && port.number <= entry.endPort
}

function portText(entry: NetworkPolicyPort): string {
  const protocol = protocolOf(entry.protocol)
  if (entry.port === undefined) return `${protocol} (all ports)`
  return entry.endPort === undefined ? `${protocol} ${entry.port}` : `${protocol} ${entry.port}-${entry.endPort}`
}

function portsMismatch(ports: NetworkPolicyPort[] | undefined, port: ResolvedPort, destination: End): Mismatch[] {
  // "If this field is empty or missing, this rule matches all ports."
  if (!ports || ports.length === 0 || ports.some((entry) => portMatches(entry, port))) return []
  const allowed = ports.map((entry) => {
    if (typeof entry.port !== 'string' || /^\d+$/.test(entry.port)) return portText(entry)
    const named = containerPorts(destination.pod).find((candidate) => candidate.name === entry.port)
    const resolved = named
      ? `${protocolOf(named.protocol)} ${named.containerPort} on ${destination.text}`
      : `no such port on ${destination.text}`
    return `${portText(entry)} (${resolved})`
  })
  const traffic = `${port.protocol} ${port.number}${port.name ? ` (${port.name})` : ''}`
  return [{field: 'port', detail: `rule allows ${allowed.join(', ')}; traffic is ${traffic}`}]
}

/** How a peer (NetworkPolicyPeer) fails to match the other end of the traffic; [] when it matches. */
function peerMismatch(peer: NetworkPolicyPeer, policyNs: string, other: End): Mismatch[] {
  if (peer.ipBlock) {
    // IPBlock: "a particular CIDR ... that is allowed ... The except entry describes CIDRs that should not be
    // included within this rule." Matched against the address whether or not it is a pod's.
    const {cidr, except = []} = peer.ipBlock
    if (!other.address) return [{field: 'ip', detail: `rule allows ${cidr}; ${other.text} has no IP`}]
    if (!cidrContains(parseCidr(cidr), other.address)) {
      return [{field: 'ip', detail: `rule allows ${cidr}; ${other.ip} is outside it`}]
    }

    const excluded = except.find((entry) => cidrContains(parseCidr(entry), other.address!))
    return excluded
      ? [{field: 'ip', detail: `rule allows ${cidr} except ${excluded}; ${other.ip} is in ${excluded}`}]
      : []
  }

  if (!other.pod) return [{field: 'peer', detail: `rule selects pods; ${other.text} is not a pod`}]
  if (!other.selectable) {
    return [
      {field: 'peer', detail: `rule selects pods; ${other.text} is a host-network pod, which selectors do not match`},
    ]
  }

  const differs: Mismatch[] = []
  // NetworkPolicyPeer: without namespaceSelector, podSelector "selects the Pods matching PodSelector in the
  // policy's own Namespace"; namespaceSelector "if present but empty, it selects all namespaces".
  if (peer.namespaceSelector === undefined) {
    if (other.namespace !== policyNs) {
      differs.push({
        field: 'namespace',
        detail: `rule allows pods in namespace ${policyNs} only; ${other.text} is in ${other.namespace}`,
      })
    }
  } else if (!selectorMatches(peer.namespaceSelector, other.namespaceLabels)) {
    differs.push({
      field: 'namespace-labels',
      detail: `rule wants namespaces with ${selectorText(peer.namespaceSelector)}; namespace ${other.namespace} has ${labelsText(other.namespaceLabels)}`,
    })
  }

  if (peer.podSelector !== undefined && !selectorMatches(peer.podSelector, other.pod.metadata.labels)) {
    differs.push({
      field: 'pod-labels',
      detail: `rule wants pods with ${selectorText(peer.podSelector)}; ${other.text} has ${labelsText(other.pod.metadata.labels)}`,
    })
  }

  return differs
}

function peersMismatch(peers: NetworkPolicyPeer[] | undefined, policyNs: string, other: End): Mismatch[] {
  // from/to: "If this field is empty or missing, this rule matches all sources" (destinations); items are ORed.
  if (!peers || peers.length === 0) return []
  let best: Mismatch[] | undefined
  for (const peer of peers) {
    const differs = peerMismatch(peer, policyNs, other)
    if (differs.length === 0) return []
    if (!best || differs.length < best.length) best = differs
  }

  return best!
}

function directionVerdict(
  input: NetpolInput,
  direction: Direction,
  subject: End,
  other: End,
  destination: End,
  port: ResolvedPort,
): Verdict {
  const base = {direction, subject: subject.text, allowedBy: [] as RuleRef[], selectedBy: [] as string[]}
  const what = direction === 'ingress' ? `ingress to ${subject.text}` : `egress from ${subject.text}`
  if (!subject.pod) {
    const summary = `${what}: not a pod, NetworkPolicy does not apply`
    return {...base, allowed: true, reason: 'not-a-pod', isolated: false, summary}
  }

  if (!subject.selectable) {
    const summary = `${what}: host-network pod, which NetworkPolicy does not select (its traffic is the node's)`
    return {...base, allowed: true, reason: 'host-network', isolated: false, summary}
  }

  const type: PolicyType = direction === 'ingress' ? 'Ingress' : 'Egress'
  const selecting = policiesSelecting(input.policies, subject.pod).filter((entry) => entry.types.includes(type))
  const selectedBy = selecting.map((entry) => entry.name)
  if (selecting.length === 0) {
    const summary = `${what}: allowed, no policy selects the pod for ${direction}`
    return {...base, allowed: true, reason: 'not-isolated', isolated: false, summary}
  }

  // spec.ingress: traffic is allowed "if the traffic source is the pod's local node" (kubelet probes).
  if (
    direction === 'ingress' &&
    other.pod &&
    !other.selectable &&
    other.pod.spec?.nodeName !== undefined &&
    other.pod.spec.nodeName === subject.pod.spec?.nodeName
  ) {
    const summary = `${what}: allowed, the source is a host-network pod on the pod's own node`
    return {...base, selectedBy, allowed: true, reason: 'local-node', isolated: true, summary}
  }

  const allowedBy: RuleRef[] = []
  const defaultDeny: string[] = []
  let nearest: NearestRule | undefined
  for (const {policy, name} of selecting) {
    const rules =
      direction === 'ingress'
        ? (policy.spec.ingress ?? []).map((rule) => ({peers: rule.from, ports: rule.ports}))
        : (policy.spec.egress ?? []).map((rule) => ({peers: rule.to, ports: rule.ports}))
    // "If this field is empty then this NetworkPolicy does not allow any traffic (and serves solely to ensure that
    // the pods it selects are isolated by default)."
    if (rules.length === 0) defaultDeny.push(name)
    for (const [index, rule] of rules.entries()) {
      const differs = [
        ...portsMismatch(rule.ports, port, destination),
        ...peersMismatch(rule.peers, policyNamespace(policy), other),
      ]
      const ref = {policy: name, direction, rule: index}
      if (differs.length === 0) allowedBy.push(ref)
      else if (!nearest || differs.length < nearest.differs.length) nearest = {...ref, differs}
    }
  }

  if (allowedBy.length > 0) {
    const summary = `${what}: allowed by ${allowedBy.map((ref) => ruleText(ref)).join(', ')}`
    return {...base, selectedBy, allowed: true, reason: 'allowed', isolated: true, allowedBy, summary}
  }

  const parts = [`${what}: denied, isolated by ${selectedBy.join(', ')}`]
  if (defaultDeny.length > 0) parts.push(`default deny (no ${direction} rules) in ${defaultDeny.join(', ')}`)
  if (nearest) {
    parts.push(`nearest rule ${ruleText(nearest)}: ${nearest.differs.map((entry) => entry.detail).join('; ')}`)
  }

  return {
    ...base,
    selectedBy,
    allowed: false,
    reason: 'denied',
    isolated: true,
    blockedBecause: {defaultDeny, ...(nearest ? {nearest} : {})},
    summary: parts.join('; '),
  }
}

/**
 * Whether the traffic passes: "Outgoing traffic is allowed if there are no NetworkPolicies selecting the pod ...
 * OR if the traffic matches at least one egress rule across all of the NetworkPolicy objects whose podSelector
 * matches the pod", and the same for ingress at the destination; both directions must allow.
 */
export function evaluateTraffic(input: NetpolInput, traffic: Traffic): TrafficVerdict {
  const source = resolveEnd(input, traffic.source, traffic.destination)
  const destination = resolveEnd(input, traffic.destination, traffic.source)
  const port = resolvePort(destination, traffic.port, traffic.protocol)
  const ingress = directionVerdict(input, 'ingress', destination, source, destination, port)
  const egress = directionVerdict(input, 'egress', source, destination, destination, port)
  const allowed = ingress.allowed && egress.allowed
  const head = `${source.text} -> ${destination.text} ${port.protocol} ${port.number}: ${allowed ? 'allowed' : 'denied'}`
  const reasons = [egress, ingress].filter((verdict) => !verdict.allowed).map((verdict) => verdict.summary)
  return {allowed, ingress, egress, port, summary: reasons.length > 0 ? `${head} (${reasons.join(' | ')})` : head}
}

export interface DnsTarget {
  /** The cluster DNS pods (CoreDNS, kube-dns): policies act on the pod addresses the Service IP is rewritten to. */
  pods?: NetpolPod[]
  /** Used only when no pods are known: the DNS Service's ClusterIP as a bare address. */
  serviceIP?: string
  /** The DNS pods' target port; 53 unless the Service maps it elsewhere. */
  port?: number
}

export interface DnsProtocolResult {
  allowed: boolean
  verdicts: TrafficVerdict[]
}

export type DnsProblem = 'no-dns' | 'tcp-blocked' | 'udp-blocked'

export interface DnsEgressResult {
  udp: DnsProtocolResult
  tcp: DnsProtocolResult
  problem?: DnsProblem
  summary: string
}

/**
 * DNS from the client: UDP 53 and TCP 53 separately. A policy allowing only UDP 53 is the common mistake: replies
 * too large for UDP come back truncated and the resolver retries over TCP, which is then dropped.
 */
export function dnsEgress(input: NetpolInput, client: NetpolPod, target: DnsTarget): DnsEgressResult {
  const destinations: PeerRef[] = (target.pods ?? []).map((pod) => ({pod}))
  if (destinations.length === 0 && target.serviceIP) destinations.push({ip: target.serviceIP})
  if (destinations.length === 0) throw new InspectError('dnsEgress needs the DNS pods or the DNS Service IP')
  const check = (protocol: string): DnsProtocolResult => {
    const verdicts = destinations.map((destination) =>
      evaluateTraffic(input, {source: {pod: client}, destination, port: target.port ?? 53, protocol}),
    )
    return {allowed: verdicts.every((verdict) => verdict.allowed), verdicts}
  }

  const udp = check('UDP')
  const tcp = check('TCP')
  const who = podKey(client)
  const blocked = (result: DnsProtocolResult) =>
    result.verdicts
      .filter((verdict) => !verdict.allowed)
      .map((verdict) => [verdict.egress, verdict.ingress].filter((entry) => !entry.allowed)[0].summary)
  if (udp.allowed && tcp.allowed) return {udp, tcp, summary: `${who}: DNS allowed on UDP and TCP 53`}
  if (!udp.allowed && !tcp.allowed) {
    return {udp, tcp, problem: 'no-dns', summary: `${who}: DNS blocked on UDP and TCP 53: ${blocked(udp)[0]}`}
  }

  if (udp.allowed) {
    const summary = `${who}: DNS allowed on UDP 53 but not TCP 53 (truncated answers retried over TCP fail): ${blocked(tcp)[0]}`
    return {udp, tcp, problem: 'tcp-blocked', summary}
  }

  return {udp, tcp, problem: 'udp-blocked', summary: `${who}: DNS allowed on TCP 53 but not UDP 53: ${blocked(udp)[0]}`}
}

export interface WhoMayReach {
  /** True when some target pod admits every source on the port (no isolating policy, or a rule without from). */
  everyone: boolean
  /** The peers admitted, one phrase each. */
  peers: string[]
  summary: string
}

function peerPhrase(peer: NetworkPolicyPeer, policyNs: string): string {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except ?? []
    return except.length > 0 ? `${peer.ipBlock.cidr} except ${except.join(', ')}` : peer.ipBlock.cidr
  }

  const pods = isEmptySelector(peer.podSelector) ? 'all pods' : `pods with ${selectorText(peer.podSelector)}`
  if (peer.namespaceSelector === undefined) return `${pods} in namespace ${policyNs}`
  if (isEmptySelector(peer.namespaceSelector)) return `${pods} in all namespaces`
  return `${pods} in namespaces with ${selectorText(peer.namespaceSelector)}`
}

function reachOfPod(
  input: NetpolInput,
  pod: NetpolPod,
  port: ResolvedPort,
): {everyone: boolean; peers: string[]; line: string} {
  if (isHostNetwork(pod)) {
    return {everyone: true, peers: [], line: 'everyone (host-network pods are not subject to NetworkPolicy)'}
  }

  const selecting = policiesSelecting(input.policies, pod).filter((entry) => entry.types.includes('Ingress'))
  if (selecting.length === 0) return {everyone: true, peers: [], line: 'everyone (no policy selects the pods)'}
  const peers: string[] = []
  const open: string[] = []
  for (const {policy, name} of selecting) {
    for (const [index, rule] of (policy.spec.ingress ?? []).entries()) {
      if ((rule.ports ?? []).length > 0 && !(rule.ports ?? []).some((entry) => portMatches(entry, port))) continue
      if ((rule.from ?? []).length === 0) open.push(`${name} ingress[${index}]`)
      for (const peer of rule.from ?? []) {
        const phrase = peerPhrase(peer, policyNamespace(policy))
        if (!peers.includes(phrase)) peers.push(phrase)
      }
    }
  }

  if (open.length > 0) return {everyone: true, peers, line: `everyone (${open.join(', ')} allows all sources)`}
  if (peers.length > 0) return {everyone: false, peers, line: peers.join('; ')}
  const names = selecting.map((entry) => entry.name).join(', ')
  return {
    everyone: false,
    peers,
    line: `no one (isolated by ${names}; no ingress rule admits ${port.protocol} ${port.number})`,
  }
}

/**
 * Which sources may reach the target pods on a port, in one line: e.g. "pods with app=frontend in namespaces with
 * team=shop; 10.0.0.0/8 except 10.1.0.0/16", or "everyone (no policy selects the pods)". Only ingress at the
 * targets is considered; each source's own egress policies are not (they are per client: see evaluateTraffic).
 */
export function whoMayReach(
  input: NetpolInput,
  servicePods: NetpolPod[],
  port: number | string,
  protocol?: string,
): WhoMayReach {
  if (servicePods.length === 0) return {everyone: false, peers: [], summary: 'no one (no pods behind the Service)'}
  const lines = new Map<string, string[]>()
  let everyone = false
  const peers: string[] = []
  for (const pod of servicePods) {
    const end = podEnd(input, pod, undefined)
    const reach = reachOfPod(input, pod, resolvePort(end, port, protocol))
    everyone ||= reach.everyone
    for (const peer of reach.peers) if (!peers.includes(peer)) peers.push(peer)
    lines.set(reach.line, [...(lines.get(reach.line) ?? []), podKey(pod)])
  }

  const summary =
    lines.size === 1
      ? [...lines.keys()][0]
      : [...lines.entries()].map(([line, pods]) => `${pods.join(', ')}: ${line}`).join(' | ')
  return {everyone, peers, summary}
}
