// `inspect` with the live DNS check: resolver up, the cluster domain from its resolv.conf when nothing
// better said it, one batch, the diff; a --expect contract checked on the same answers.
import {applyDnsObservation} from '../analyse/dns-diff.js'
import {evaluateExpectations, expectationFindings, type Expectation} from '../analyse/expectations.js'
import {addFindings, buildReport, resolverUnavailable} from '../analyse/report.js'
import type {QueryResult} from '../dns/types.js'
import type {KubeGateway} from '../kube/gateway.js'
import {LiveDnsCheck, type LiveDnsOptions} from '../kube/live-dns.js'
import {ResolverForbidden} from '../kube/resolver-pod.js'
import type {ServiceReport, ServiceSnapshot} from '../model/report.js'

export async function inspectLive(
  gateway: KubeGateway,
  snapshot: ServiceSnapshot,
  options: LiveDnsOptions,
  expectations: Expectation[],
  contractSource: string | undefined,
  progress: (message: string) => void,
): Promise<ServiceReport> {
  let report = buildReport(snapshot)
  progress(options.via === 'pod' ? `starting resolver pod in ${options.namespace}` : 'port-forwarding to the CoreDNS pods')
  let check: LiveDnsCheck
  try {
    check = await LiveDnsCheck.open(gateway, {...options, onProgress: progress})
  } catch (error) {
    if (error instanceof ResolverForbidden) return resolverUnavailable(report, error.message)
    throw error
  }
  try {
    const zone = check.clusterDomain()
    if (snapshot.clusterDomain.source === 'default' && zone) report = buildReport({...snapshot, clusterDomain: {value: zone, source: 'resolv.conf'}})
    progress('querying the cluster DNS')
    report = applyDnsObservation(report, await check.observe(report, expectations.map(({name, type}) => ({name, type}))))
  } finally {
    await check.close()
  }
  if (expectations.length === 0) return report
  const dns = report.dns as {queries: QueryResult[]; primaryServer: string | null}
  const results = evaluateExpectations(expectations, dns.queries.filter(query => query.server === dns.primaryServer))
  return {...addFindings(report, expectationFindings(results, contractSource ?? 'the contract')), expectations: results}
}
