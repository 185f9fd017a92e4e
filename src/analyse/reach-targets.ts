// Which TCP connections the resolver pod tries: the ClusterIP on each service port, each ready endpoint on
// its endpoint port, and for a headless service the *service* port on each endpoint (seed 003's trap).
import type {ServiceReport} from '../model/report.js'
import {reachKey, type ReachTarget} from '../dns/types.js'
import {publishedEndpoints} from './published.js'

export function reachTargetsFor(report: ServiceReport, limit = 256): ReachTarget[] {
  const targets = new Map<string, ReachTarget>()
  const add = (target: ReachTarget) => {
    const key = reachKey(target)
    if (!targets.has(key) && targets.size < limit) targets.set(key, target)
  }
  const tcp = (protocol: string) => protocol.toUpperCase() === 'TCP'
  const endpoints = publishedEndpoints(report.endpoints, report.service.publishNotReadyAddresses)
  if (report.service.type === 'ExternalName') return []
  if (!report.service.headless && endpoints.length > 0) {
    for (const ip of report.service.clusterIPs) {
      for (const port of report.service.ports.filter((candidate) => tcp(candidate.protocol)))
        add({address: ip, port: port.port, role: 'clusterIP', protocol: 'TCP'})
    }
  }
  for (const endpoint of endpoints) {
    for (const port of endpoint.ports.filter((candidate) => tcp(candidate.protocol)))
      add({address: endpoint.address, port: port.port, role: 'endpoint', protocol: 'TCP'})
  }
  if (report.service.headless) {
    for (const endpoint of endpoints) {
      const endpointPorts = new Set(endpoint.ports.map((port) => port.port))
      for (const port of report.service.ports.filter(
        (candidate) => tcp(candidate.protocol) && !endpointPorts.has(candidate.port),
      )) {
        add({address: endpoint.address, port: port.port, role: 'service-port-on-endpoint', protocol: 'TCP'})
      }
    }
  }
  return [...targets.values()]
}
