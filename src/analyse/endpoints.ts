// One view of a Service's endpoints, whichever API they came from: EndpointSlices (discovery.k8s.io/v1) or,
// on clusters without it, core/v1 Endpoints. Pure.
import type {Endpoints, EndpointSlice, EndpointSliceEndpoint} from '../model/k8s.js'
import type {EndpointPortView, EndpointView} from '../model/report.js'

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'

export function slicesOfService(slices: EndpointSlice[], namespace: string, service: string): EndpointSlice[] {
  return slices.filter(
    (slice) =>
      slice.metadata.labels?.[SERVICE_NAME_LABEL] === service &&
      (slice.metadata.namespace ?? namespace) === namespace &&
      slice.addressType !== 'FQDN',
  )
}

/**
 * Endpoints from slices, one entry per address. An address listed in several slices (the controller moving it
 * between slices) is merged: CoreDNS serves it if any slice says ready, and the ports are the union.
 * A nil condition means "unknown" and is read as ready, as the API documents and CoreDNS does.
 */
export function endpointsFromSlices(slices: EndpointSlice[]): EndpointView[] {
  const byAddress = new Map<string, EndpointView>()
  for (const slice of slices) {
    const ports: EndpointPortView[] = (slice.ports ?? [])
      .filter((port) => port.port !== null && port.port !== undefined)
      .map((port) => ({name: port.name ?? '', port: port.port as number, protocol: port.protocol ?? 'TCP'}))
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready ?? true
      const serving = endpoint.conditions?.serving ?? ready
      const terminating = endpoint.conditions?.terminating ?? false
      for (const address of endpoint.addresses) {
        const known = byAddress.get(address)
        if (known) {
          known.ready ||= ready
          known.serving ||= serving
          known.terminating &&= terminating
          known.ports = mergePorts(known.ports, ports)
          continue
        }
        byAddress.set(address, {
          address,
          ready,
          serving,
          terminating,
          hostname: endpoint.hostname ?? null,
          pod:
            endpoint.targetRef?.kind === 'Pod' || endpoint.targetRef?.kind === undefined
              ? (endpoint.targetRef?.name ?? null)
              : null,
          node: endpoint.nodeName ?? null,
          ports,
          ...topologyOf(endpoint),
        })
      }
    }
  }
  return [...byAddress.values()]
}

/** The endpoint's zone and hints, only when set: reports of Services without them keep their shape. */
function topologyOf(endpoint: EndpointSliceEndpoint): Pick<EndpointView, 'zone' | 'hints'> {
  const forZones = endpoint.hints?.forZones?.map((hint) => hint.name) ?? []
  const forNodes = endpoint.hints?.forNodes?.map((hint) => hint.name) ?? []
  const hints = {
    ...(forZones.length > 0 ? {forZones} : {}),
    ...(forNodes.length > 0 ? {forNodes} : {}),
  }
  return {
    ...(endpoint.zone ? {zone: endpoint.zone} : {}),
    ...(forZones.length > 0 || forNodes.length > 0 ? {hints} : {}),
  }
}

/** core/v1 Endpoints: `addresses` are ready, `notReadyAddresses` are not; there is no terminating state. */
export function endpointsFromLegacy(endpoints: Endpoints): EndpointView[] {
  const views: EndpointView[] = []
  for (const subset of endpoints.subsets ?? []) {
    const ports = (subset.ports ?? []).map((port) => ({
      name: port.name ?? '',
      port: port.port,
      protocol: port.protocol ?? 'TCP',
    }))
    const add = (list: typeof subset.addresses, ready: boolean) => {
      for (const address of list ?? []) {
        views.push({
          address: address.ip,
          ready,
          serving: ready,
          terminating: false,
          hostname: address.hostname ?? null,
          pod: address.targetRef?.name ?? null,
          node: address.nodeName ?? null,
          ports,
        })
      }
    }
    add(subset.addresses, true)
    add(subset.notReadyAddresses, false)
  }
  return views
}

function mergePorts(a: EndpointPortView[], b: EndpointPortView[]): EndpointPortView[] {
  const merged = [...a]
  for (const port of b) {
    if (
      !merged.some((known) => known.name === port.name && known.port === port.port && known.protocol === port.protocol)
    )
      merged.push(port)
  }
  return merged
}
