import type {EndpointView, ServiceReport} from '../model/report.js'

/** The endpoints DNS and kube-proxy send clients to (ready, or all with publishNotReadyAddresses). */
export function publishedEndpointViews(report: Pick<ServiceReport, 'service' | 'endpoints'>): EndpointView[] {
  return report.service.publishNotReadyAddresses ? report.endpoints : report.endpoints.filter(endpoint => endpoint.ready)
}
