// `--from TARGET`: which pod is the client. TARGET is a pod name, pod/NAME, deploy/NAME or sts/NAME (then one ready
// pod of it, as kubectl exec deploy/NAME picks one). Pure: the pods come from the cluster or a dump.
import {InspectError} from '../errors.js'
import type {Pod} from '../model/k8s.js'
import {podIsReady} from './pods.js'

export interface ClientTarget {
  kind: 'pod' | 'deploy' | 'sts'
  name: string
}

const KINDS: Record<string, ClientTarget['kind']> = {
  pod: 'pod',
  pods: 'pod',
  po: 'pod',
  deploy: 'deploy',
  deployment: 'deploy',
  deployments: 'deploy',
  sts: 'sts',
  statefulset: 'sts',
  statefulsets: 'sts',
}

export function parseClientTarget(text: string): ClientTarget {
  const [kind, name, ...rest] = text.includes('/') ? text.split('/') : ['pod', text]
  const known = KINDS[kind.toLowerCase()]
  if (!known || !name || rest.length > 0 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name))
    throw new InspectError(`invalid --from "${text}": use POD, pod/NAME, deploy/NAME or sts/NAME`)
  return {kind: known, name}
}

/** The client pod: the named one, or a ready, running pod of the Deployment or StatefulSet. */
export function pickClientPod(pods: Pod[], target: ClientTarget, namespace: string): Pod {
  const inNamespace = pods.filter((pod) => (pod.metadata.namespace ?? 'default') === namespace)
  const label = `${target.kind === 'pod' ? 'pod' : target.kind}/${target.name}`
  let candidates: Pod[]
  if (target.kind === 'pod') candidates = inNamespace.filter((pod) => pod.metadata.name === target.name)
  else {
    // A Deployment's pods are owned by its ReplicaSets, named NAME-<hash>; a StatefulSet owns its pods itself.
    const owned = (pod: Pod) =>
      (pod.metadata.ownerReferences ?? []).some((owner) =>
        target.kind === 'sts'
          ? owner.kind === 'StatefulSet' && owner.name === target.name
          : owner.kind === 'ReplicaSet' && owner.name.startsWith(`${target.name}-`),
      )
    candidates = inNamespace.filter(owned)
  }
  if (candidates.length === 0) throw new InspectError(`--from ${label}: not found in namespace "${namespace}"`)
  const running = candidates.filter(
    (pod) => pod.status?.phase === 'Running' && pod.status.podIP && !pod.metadata.deletionTimestamp,
  )
  const ready = running.filter(podIsReady)
  const chosen = ready[0] ?? running[0]
  if (!chosen)
    throw new InspectError(
      `--from ${label}: no running pod (${candidates.map((pod) => `${pod.metadata.name} ${pod.status?.phase ?? 'Unknown'}`).join(', ')})`,
    )
  return chosen
}
