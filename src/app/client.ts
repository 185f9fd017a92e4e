// `--from`: the client's view added to a report, from a cluster or from a dump. The verdicts are static
// NetworkPolicy evaluations (src/analyse/client-view.ts).
import {clientView} from '../analyse/client-view.js'
import {parseClientTarget, pickClientPod} from '../analyse/client-target.js'
import {addFindings} from '../analyse/report.js'
import type {KubeGateway} from '../kube/gateway.js'
import type {Pod} from '../model/k8s.js'
import type {ClusterObjects, ServiceReport} from '../model/report.js'

export interface ClientOptions {
  /** --from TARGET */
  target: string
  /** --from-namespace, default the Service's. */
  namespace?: string
}

function withClient(report: ServiceReport, found: Parameters<typeof clientView>[1], note?: string): ServiceReport {
  const {client, findings} = clientView(report, found)
  return {...addFindings(report, findings), client: note ? {...client, note} : client}
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
  return withClient(
    report,
    {
      pod,
      networkPolicies: policies,
      namespaces: objects.namespaces ?? [],
      pods: objects.pods,
      dnsPods: objects.pods.filter(isDnsPod),
      dnsServiceIP: dnsService?.spec.clusterIP,
    },
    policies.length === 0 ? 'no NetworkPolicy in the dump: every path counts as allowed' : undefined,
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
  return withClient(report, {...context, pod})
}
