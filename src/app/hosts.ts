// `hosts`: a client seed list from what the cluster DNS answers for a Service (SRV, else A/AAAA plus the port).
import {chooseClusterDomain} from '../analyse/cluster-domain.js'
import {seedList, seedPort, seedQuestions, type SeedList} from '../analyse/hosts.js'
import {primaryServer} from '../dns/types.js'
import {InspectError} from '../errors.js'
import type {KubeGateway} from '../kube/gateway.js'
import {LiveDnsCheck, type LiveDnsOptions} from '../kube/live-dns.js'

/** The seed list of `serviceName`'s port `portName` (default: the first), as the primary DNS server answers it. */
export async function hostsLive(
  gateway: KubeGateway,
  serviceName: string,
  target: {portName?: string; clusterDomainFlag?: string},
  options: LiveDnsOptions,
): Promise<SeedList> {
  const service = await gateway.readService(gateway.defaultNamespace, serviceName)
  if (target.portName && !seedPort(service, target.portName)) {
    throw new InspectError(
      `service ${serviceName} has no port named "${target.portName}" (ports: ${(service.spec.ports ?? []).map((port) => port.name || port.port).join(', ')})`,
    )
  }
  const configured = target.clusterDomainFlag ? null : await gateway.readCoreDnsZone().catch(() => null)
  const check = await LiveDnsCheck.open(gateway, options)
  try {
    const zone = chooseClusterDomain(
      target.clusterDomainFlag,
      configured ?? (target.clusterDomainFlag ? null : await check.clusterDomain()),
    ).value
    const {queries, servers} = await check.ask(seedQuestions(service, target.portName, zone), [], zone)
    const primary = primaryServer(servers)
    return seedList(
      service,
      target.portName,
      zone,
      queries.filter((query) => query.server === primary?.label),
    )
  } finally {
    await check.close()
  }
}
