import type {EndpointView} from '../model/report.js'

/**
 * The endpoints DNS and kube-proxy send clients to. Spec 2.4.1: ready endpoints only. The EndpointSlice
 * controller marks every endpoint ready when publishNotReadyAddresses is set, so a recorded slice that says
 * otherwise is stale and the service setting is honoured instead.
 */
export function publishedEndpoints(endpoints: EndpointView[], publishNotReadyAddresses: boolean): EndpointView[] {
  return publishNotReadyAddresses ? endpoints : endpoints.filter((endpoint) => endpoint.ready)
}
