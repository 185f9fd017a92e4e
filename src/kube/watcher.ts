// Watches of one service's EndpointSlices and pods (client-node Watch), as a stream of change callbacks.
// resourceVersion "0" starts from the API server's watch cache (as informers do): a watch without one
// waits for the cache to reach etcd's latest revision, which can time out on a quiet resource. A watch
// the server closes (its request timeout) is opened again.
import type {EndpointSlice, Pod} from '../model/k8s.js'
import {wire, type KubeGateway} from './gateway.js'

export type WatchEvent =
  {kind: 'EndpointSlice'; phase: string; object: EndpointSlice} | {kind: 'Pod'; phase: string; object: Pod}

export async function watchService(
  gateway: KubeGateway,
  namespace: string,
  service: string,
  podSelector: string | null,
  onEvent: (event: WatchEvent) => void,
  onError: (error: unknown) => void,
): Promise<() => void> {
  const watch = new gateway.client.Watch(gateway.config)
  const controllers = new Set<AbortController>()
  let stopped = false
  const open = async (kind: WatchEvent['kind'], path: string, labelSelector: string) => {
    const controller = await watch.watch(
      path,
      {labelSelector, resourceVersion: '0', allowWatchBookmarks: false},
      (phase, object) => {
        if (phase === 'ERROR') onError(new Error(`watch ${kind}: ${(object as {message?: string}).message ?? 'error'}`))
        else onEvent({kind, phase, object: wire(object)} as WatchEvent)
      },
      (error) => {
        controllers.delete(controller)
        if (stopped) return
        if (error && (error as {name?: string}).name !== 'AbortError') onError(error)
        else void open(kind, path, labelSelector).catch(onError)
      },
    )
    controllers.add(controller)
  }
  await open(
    'EndpointSlice',
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    `kubernetes.io/service-name=${service}`,
  )
  if (podSelector) await open('Pod', `/api/v1/namespaces/${namespace}/pods`, podSelector)
  return () => {
    stopped = true
    for (const controller of controllers) controller.abort()
  }
}
