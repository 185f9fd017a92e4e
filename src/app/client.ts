// `--from`: the client's view added to a report, from a cluster or from a dump: static NetworkPolicy verdicts,
// the client's own resolver and the traffic policies on its node (src/analyse/client-view.ts); with the live
// check, the evidence from the client pod's own network namespace beside them (src/analyse/client-live.ts).
import {applyClientLive, lookupQuestions} from '../analyse/client-live.js'
import {clientLookup, clientView, needsClientNode, type ClientContext} from '../analyse/client-view.js'
import type {Expectation} from '../analyse/expectations.js'
import {parseClientTarget, pickClientPod} from '../analyse/client-target.js'
import type {NameFlag} from '../analyse/client-dns.js'
import {addFindings} from '../analyse/report.js'
import type {KubeGateway} from '../kube/gateway.js'
import type {LiveDnsOptions} from '../kube/live-dns.js'
import type {Pod} from '../model/k8s.js'
import type {ClusterObjects, ReadProblem, ServiceReport} from '../model/report.js'
import {inspectLive} from './inspect.js'

export interface ClientOptions {
  /** --from TARGET */
  target: string
  /** --from-namespace, default the Service's. */
  namespace?: string
  /** --name NAME[:PORT], parsed. */
  name?: NameFlag
}

function withClient(report: ServiceReport, found: Parameters<typeof clientView>[1], notes: string[]): ServiceReport {
  const {client, findings} = clientView(report, found)
  return {...addFindings(report, findings), client: notes.length > 0 ? {...client, note: notes.join('; ')} : client}
}

const isDnsPod = (pod: Pod) =>
  (pod.metadata.namespace ?? 'default') === 'kube-system' && pod.metadata.labels?.['k8s-app'] === 'kube-dns'

export function clientFromObjects(
  objects: ClusterObjects,
  report: ServiceReport,
  options: ClientOptions,
): ServiceReport {
  const namespace = options.namespace ?? report.service.namespace
  const pod = pickClientPod(objects.pods, parseClientTarget(options.target), namespace)
  const dnsService = objects.services.find(
    (service) => service.metadata.namespace === 'kube-system' && service.metadata.name === 'kube-dns',
  )
  const policies = objects.networkPolicies ?? []
  const node = objects.nodes?.find((candidate) => candidate.metadata.name === pod.spec.nodeName)
  const notes = policies.length === 0 ? ['no NetworkPolicy in the dump: every path counts as allowed'] : []
  if (!node && needsClientNode(report, pod))
    notes.push(`node/${pod.spec.nodeName} is not in the dump: the client's zone is not known`)
  return withClient(
    report,
    {
      pod,
      networkPolicies: policies,
      namespaces: objects.namespaces ?? [],
      pods: objects.pods,
      dnsPods: objects.pods.filter(isDnsPod),
      dnsServiceIP: dnsService?.spec.clusterIP,
      node,
      name: options.name,
    },
    notes,
  )
}

export async function clientFromCluster(
  gateway: KubeGateway,
  report: ServiceReport,
  options: ClientOptions,
): Promise<ServiceReport> {
  const found = await findClient(gateway, report.service.namespace, options)
  const {context, notes} = await withNode(gateway, report, found, options)
  return withClient(report, context, notes)
}

/** The client pod and what its verdicts need. A client or namespace that is not there: one error line. */
export async function findClient(
  gateway: KubeGateway,
  serviceNamespace: string,
  options: ClientOptions,
): Promise<ClientContext> {
  const namespace = options.namespace ?? serviceNamespace
  const target = parseClientTarget(options.target)
  const context = await gateway.readClientContext(namespace, serviceNamespace)
  return {...context, pod: pickClientPod(context.pods, target, namespace)}
}

/**
 * The client's Node, read only when its zone decides which endpoints serve the client and no endpoint tells it;
 * and the name the app uses. A refused read is a note: the zone is then not known.
 */
async function withNode(
  gateway: KubeGateway,
  report: ServiceReport,
  found: ClientContext,
  options: ClientOptions,
): Promise<{context: ClientContext; notes: string[]}> {
  const problems: ReadProblem[] = []
  const node = needsClientNode(report, found.pod)
    ? await gateway.readNode(found.pod.spec.nodeName!, problems)
    : undefined
  const notes = problems.map(
    (problem) => `${problem.what} not readable (${problem.message}): the client's zone is not known`,
  )
  return {context: {...found, node, name: options.name}, notes}
}

/**
 * `inspect --from` with the live check: the client pod is found first (so a wrong one creates nothing), then the
 * check runs in it through an ephemeral container, and the static verdicts and the live evidence are set side by
 * side. Ephemeral containers refused (RBAC) or not served: the static verdicts alone, with a warning.
 */
export async function inspectFromClient(
  gateway: KubeGateway,
  target: Parameters<typeof inspectLive>[1],
  liveOptions: LiveDnsOptions,
  options: ClientOptions,
  expectations: Expectation[],
  contractSource: string | undefined,
  progress: (message: string) => void,
): Promise<ServiceReport> {
  const found = await findClient(gateway, target.namespace, options)
  const report = await inspectLive(
    gateway,
    target,
    {...liveOptions, namespace: found.pod.metadata.namespace ?? 'default', ephemeralIn: found.pod.metadata.name},
    expectations,
    contractSource,
    progress,
    // The names the client's resolver tries, asked from the client pod too: its own lookup, live.
    (predicted) => lookupQuestions(predicted, clientLookup(predicted, {...found, name: options.name})),
  )
  const {context, notes} = await withNode(gateway, report, found, options)
  return applyClientLive(withClient(report, context, notes), found.dnsServiceIP)
}
