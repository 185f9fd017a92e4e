// Where the cluster domain comes from: a flag, the Corefile of kube-system/coredns, a pod's resolv.conf.
import type {ConfigMap} from '../model/k8s.js'
import type {ClusterDomainSource} from '../model/report.js'

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local'

/**
 * The first forward zone of the Corefile's `kubernetes` plugin block, e.g. `kubernetes cluster.local
 * in-addr.arpa ip6.arpa {` -> cluster.local. Reverse zones are skipped; comments are ignored.
 */
export function zoneFromCorefile(corefile: string): string | null {
  for (const rawLine of corefile.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim()
    const match = line.match(/^kubernetes(\s+[^{]*)?(\{|$)/)
    if (!match) continue
    const zones = (match[1] ?? '').trim().split(/\s+/).filter(Boolean)
    const forward = zones.find(zone => !/(^|\.)(in-addr|ip6)\.arpa\.?$/.test(zone))
    if (forward) return forward.replace(/\.$/, '').toLowerCase()
  }
  return null
}

export function zoneFromCoreDnsConfigMap(configMap: ConfigMap | undefined): string | null {
  const corefile = configMap?.data?.Corefile
  return corefile ? zoneFromCorefile(corefile) : null
}

/** A pod's resolv.conf lists `search <ns>.svc.<zone> svc.<zone> <zone>`: the zone is what follows `<ns>.svc.`. */
export function zoneFromResolvConf(resolvConf: string, namespace: string): string | null {
  for (const line of resolvConf.split('\n')) {
    const words = line.trim().split(/\s+/)
    if (words[0] !== 'search') continue
    const prefix = `${namespace}.svc.`
    const entry = words.slice(1).find(word => word.startsWith(prefix))
    if (entry) return entry.slice(prefix.length).replace(/\.$/, '').toLowerCase()
  }
  return null
}

export function chooseClusterDomain(
  flag: string | undefined,
  fromConfigMap: string | null,
): {value: string; source: ClusterDomainSource} {
  if (flag) return {value: flag.replace(/\.$/, '').toLowerCase(), source: 'flag'}
  if (fromConfigMap) return {value: fromConfigMap, source: 'coredns-configmap'}
  return {value: DEFAULT_CLUSTER_DOMAIN, source: 'default'}
}
