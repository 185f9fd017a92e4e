// A CoreDNS replica that stopped answering during the live check because it left the kube-dns Service (deleted,
// terminating, no longer ready) is not a DNS defect clients keep seeing: kube-proxy sends them to ready endpoints
// only. Pure: the live check re-reads kube-system/kube-dns after a batch in which a replica's questions failed,
// and these functions decide which failures that re-read explains.
import {queryFailure, type DnsServer, type QueryResult} from '../dns/types.js'
import type {DepartedReplica} from '../model/dns.js'
import type {EndpointView} from '../model/report.js'

/**
 * A failure a departed replica explains: no answer, a refused connection, a dig error. An answer too large for a
 * DNS message came from a live server and says something about the records, whoever sent it.
 */
export function failedForDeparture(result: Pick<QueryResult, 'rcode' | 'failure'>): boolean {
  const failure = queryFailure(result)
  return failure !== null && failure !== 'too-large'
}

/** The CoreDNS replicas (not the resolver's nameserver) with at least one failed query: worth a re-read. */
export function replicasWithFailures(
  servers: DnsServer[],
  queries: Array<Pick<QueryResult, 'server' | 'rcode' | 'failure'>>,
): DnsServer[] {
  const failing = new Set(queries.filter(failedForDeparture).map((result) => result.server))
  return servers.filter((server) => server.replica && failing.has(server.label))
}

/**
 * Of the replicas whose questions failed, those the kube-dns endpoints read after the batch no longer list as a
 * ready endpoint of the same pod at the same address: `gone` (not listed, or the address now belongs to another
 * pod), `terminating`, or `not-ready`. A replica still ready there did not answer for reasons of its own: it is
 * left out (its failures stay errors). A replica's label is its pod's name (see findReplicas in kube/live-dns.ts).
 */
export function departedReplicas(failing: DnsServer[], endpointsNow: EndpointView[]): DepartedReplica[] {
  return failing.flatMap((server): DepartedReplica[] => {
    if (!server.replica) return []
    const listed = endpointsNow.find(
      (endpoint) => endpoint.address === server.address && (endpoint.pod === null || endpoint.pod === server.label),
    )
    if (listed?.ready) return []
    const now = !listed ? 'gone' : listed.terminating ? 'terminating' : 'not-ready'
    return [{label: server.label, address: server.address, port: server.port, now, asked: true}]
  })
}
