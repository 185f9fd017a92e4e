// The client's view (`--from`): may this pod reach the Service's ready endpoints on their target ports, and may
// it ask the cluster DNS over UDP and TCP 53 (static NetworkPolicy verdicts from the policies of both namespaces)?
// Which names does its own resolver ask for the name the app uses, and which endpoints does kube-proxy on its
// node send it to? The live evidence (connecting from the client's own network namespace) is not part of this
// module.
import type {Node, Pod} from '../model/k8s.js'
import type {ClientSection, Finding, ServiceReport} from '../model/report.js'
import {clientDns, servesNodeLocalCache, type NameFlag} from './client-dns.js'
import {dnsEgress, evaluateTraffic, type NetpolInput} from './netpol/evaluate.js'
import type {NetpolPod, NetworkPolicy} from './netpol/types.js'
import {clientTraffic, zoneFromEndpoints, zoneMatters} from './traffic.js'

export const ZONE_LABEL = 'topology.kubernetes.io/zone'

export interface ClientContext {
  pod: Pod
  /** NetworkPolicies of the client's and the Service's namespaces. */
  networkPolicies: unknown[]
  namespaces: unknown[]
  /** Every pod known: endpoint pods, the client, the cluster DNS pods. */
  pods: Pod[]
  /** The cluster DNS pods (k8s-app=kube-dns in kube-system), when read. */
  dnsPods: Pod[]
  dnsServiceIP?: string
  /** The client's Node, when read (its zone label). */
  node?: Node
  /** `--name NAME[:PORT]`: the name the app uses (default: the Service's short name). */
  name?: NameFlag
}

export function clientView(
  report: ServiceReport,
  context: ClientContext,
): {client: ClientSection; findings: Finding[]} {
  const input: NetpolInput = {
    policies: context.networkPolicies as NetworkPolicy[],
    namespaces: context.namespaces as NetpolInput['namespaces'],
    pods: context.pods,
  }
  const client = context.pod as NetpolPod
  const who = `pod/${client.metadata.namespace ?? 'default'}/${client.metadata.name}`
  const findings: Finding[] = []
  const paths: ClientSection['paths'] = []
  const byName = new Map(
    context.pods.map((pod) => [`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, pod]),
  )
  for (const endpoint of report.endpoints.filter((candidate) => candidate.ready && candidate.pod)) {
    const target = byName.get(`${report.service.namespace}/${endpoint.pod}`)
    if (!target) continue
    for (const port of endpoint.ports) {
      const verdict = evaluateTraffic(input, {
        source: {pod: client},
        destination: {pod: target, ip: endpoint.address},
        port: port.port,
        protocol: port.protocol,
      })
      paths.push({
        endpoint: endpoint.address,
        port: port.port,
        protocol: port.protocol,
        allowed: verdict.allowed,
        summary: verdict.summary,
      })
      if (!verdict.egress.allowed)
        findings.push(block('NetworkPolicyBlocksEgress', who, verdict.egress.summary, "the client's egress"))
      if (!verdict.ingress.allowed)
        findings.push(block('NetworkPolicyBlocksIngress', who, verdict.ingress.summary, "the endpoint's ingress"))
    }
  }
  let dns: string | undefined
  let dnsAllowed: ClientSection['dnsAllowed']
  if (context.dnsPods.length > 0 || context.dnsServiceIP) {
    const result = dnsEgress(input, client, {pods: context.dnsPods, serviceIP: context.dnsServiceIP})
    dns = result.summary
    dnsAllowed = {udp: result.udp.allowed, tcp: result.tcp.allowed}
    if (result.problem) {
      findings.push({
        code: 'NetworkPolicyBlocksDns',
        severity: result.problem === 'tcp-blocked' ? 'warning' : 'error',
        object: who,
        message: result.summary,
        hint:
          result.problem === 'tcp-blocked'
            ? 'allow TCP 53 as well as UDP 53 to the cluster DNS pods: answers too large for UDP are retried over TCP'
            : 'add an egress rule to the cluster DNS pods (namespace kube-system, k8s-app=kube-dns) on UDP and TCP 53',
      })
    }
  }
  const lookup = clientDns(report, context.pod, clusterDnsOf(report, context), context.name)
  findings.push(...lookup.findings)
  const nodeName = context.pod.spec.nodeName
  const zone = nodeName ? clientZone(report, nodeName, context.node) : undefined
  const traffic = clientTraffic(report, who, nodeName, zone?.name)
  findings.push(...traffic.findings)
  return {
    client: {
      pod: who,
      paths,
      ...(dns ? {dns, dnsAllowed} : {}),
      ...(nodeName ? {node: nodeName} : {}),
      ...(zone ? {zone} : {}),
      resolver: lookup.resolver,
      lookup: lookup.lookup,
      ...(traffic.traffic ? {traffic: traffic.traffic} : {}),
    },
    findings: dedupe(findings),
  }
}

/** The names the client's resolver tries for the app's name, alone (what the live check asks from the client pod). */
export function clientLookup(report: ServiceReport, context: ClientContext): ClientSection['lookup'] {
  return clientDns(report, context.pod, clusterDnsOf(report, context), context.name).lookup
}

/** Whether the client's Node must be read: its zone decides where its traffic goes and nothing else tells it. */
export function needsClientNode(report: ServiceReport, pod: Pod): boolean {
  const node = pod.spec.nodeName
  return !!node && zoneMatters(report) && !zoneFromEndpoints(report.endpoints, node)
}

function clusterDnsOf(report: ServiceReport, context: ClientContext) {
  return {
    clusterDomain: report.clusterDomain,
    serviceIPs: context.dnsServiceIP ? [context.dnsServiceIP] : [],
    nodeLocalCache: servesNodeLocalCache(report),
  }
}

/** The zone of the client's node: its Node's label, else an endpoint on that node (its slice copies the label). */
function clientZone(report: ServiceReport, node: string, object: Node | undefined): ClientSection['zone'] {
  const label = object?.metadata.labels?.[ZONE_LABEL]
  if (label) return {name: label, source: `node/${node} label ${ZONE_LABEL}`}
  const fromEndpoint = zoneFromEndpoints(report.endpoints, node)
  if (fromEndpoint) return {name: fromEndpoint, source: `the zone of ${report.service.name}'s endpoint on ${node}`}
  return undefined
}

function block(code: string, object: string, summary: string, side: string): Finding {
  return {
    code,
    severity: 'error',
    object,
    message: summary,
    hint: `a NetworkPolicy on ${side} drops this traffic: add a rule that admits it (the message names the nearest rule and what differs)`,
  }
}

/** One finding per message: several endpoints blocked by the same rule say it once each, not once per port. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>()
  return findings.filter((finding) => {
    const key = `${finding.code} ${finding.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
