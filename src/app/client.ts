// `--from`: the client's view added to a report, from a cluster or from a dump: static NetworkPolicy verdicts,
// the client's own resolver and the traffic policies on its node (src/analyse/client-view.ts).
import {clientView, needsClientNode} from '../analyse/client-view.js'
import {parseClientTarget, pickClientPod} from '../analyse/client-target.js'
import type {NameFlag} from '../analyse/client-dns.js'
import {addFindings} from '../analyse/report.js'
import type {KubeGateway} from '../kube/gateway.js'
import type {Pod} from '../model/k8s.js'
import type {ClusterObjects, ReadProblem, ServiceReport} from '../model/report.js'

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
  const namespace = options.namespace ?? report.service.namespace
  const target = parseClientTarget(options.target)
  const context = await gateway.readClientContext(namespace, report.service.namespace)
  const pod = pickClientPod(context.pods, target, namespace)
  // The Node is read only when its zone decides which endpoints serve the client and no endpoint tells it.
  const problems: ReadProblem[] = []
  const node = needsClientNode(report, pod) ? await gateway.readNode(pod.spec.nodeName!, problems) : undefined
  const notes = problems.map(
    (problem) => `${problem.what} not readable (${problem.message}): the client's zone is not known`,
  )
  return withClient(report, {...context, pod, node, name: options.name}, notes)
}
