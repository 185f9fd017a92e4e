// Watches of one service's EndpointSlices and pods (client-node Watch), as a stream of change callbacks.
import type {EndpointSlice, Pod} from '../model/k8s.js'
import type {KubeGateway} from './gateway.js'

export type WatchEvent = {kind: 'EndpointSlice'; phase: string; object: EndpointSlice} | {kind: 'Pod'; phase: string; object: Pod}

export async function watchService(
  gateway: KubeGateway,
  namespace: string,
  service: string,
  podSelector: string | null,
  onEvent: (event: WatchEvent) => void,
  onError: (error: unknown) => void,
): Promise<() => void> {
  const watch = new gateway.client.Watch(gateway.config)
  const wire = <T>(value: unknown) => JSON.parse(JSON.stringify(value)) as T
  const controllers = [
    await watch.watch(
      `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
      {labelSelector: `kubernetes.io/service-name=${service}`},
      (phase, object) => onEvent({kind: 'EndpointSlice', phase, object: wire(object)}),
      error => error && onError(error),
    ),
  ]
  if (podSelector) {
    controllers.push(
      await watch.watch(
        `/api/v1/namespaces/${namespace}/pods`,
        {labelSelector: podSelector},
        (phase, object) => onEvent({kind: 'Pod', phase, object: wire(object)}),
        error => error && onError(error),
      ),
    )
  }
  return () => controllers.forEach(controller => controller.abort())
}
