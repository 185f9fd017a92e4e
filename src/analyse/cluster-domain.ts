// Where the cluster domain comes from: a flag, the Corefile of kube-system/coredns, a pod's resolv.conf.
import type {ConfigMap} from '../model/k8s.js'
import type {ClusterDomainSource} from '../model/report.js'

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local'

/**
 * The first forward zone of the Corefile's `kubernetes` plugin block, e.g. `kubernetes cluster.local
 * in-addr.arpa ip6.arpa {` -> cluster.local. Reverse zones are skipped; comments are ignored.
 */
export function zoneFromCorefile(corefile: string): string | null {
  const forwardZone = (zones: string[]) =>
    zones
      .map((zone) => zone.replace(/:\d+$/, ''))
      .find((zone) => zone !== '.' && zone !== '' && !/(^|\.)(in-addr|ip6)\.arpa\.?$/.test(zone))
  // The zones of the server block we are in: `kubernetes {` with no zones of its own serves those.
  let blockZones: string[] = []
  let depth = 0
  for (const rawLine of corefile.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim()
    if (depth === 0 && line.endsWith('{'))
      blockZones = line
        .slice(0, -1)
        .trim()
        .split(/[\s,]+/)
        .filter(Boolean)
    const match = line.match(/^kubernetes(\s+[^{]*)?(\{|$)/)
    if (match) {
      const own = (match[1] ?? '').trim().split(/\s+/).filter(Boolean)
      const zone = forwardZone(own.length > 0 ? own : blockZones)
      if (zone) return zone.replace(/\.$/, '').toLowerCase()
    }
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length
  }
  return null
}

export function zoneFromCoreDnsConfigMap(configMap: ConfigMap | undefined): string | null {
  const corefile = configMap?.data?.Corefile
  return corefile ? zoneFromCorefile(corefile) : null
}

/** A pod's resolv.conf lists `search <ns>.svc.<zone> svc.<zone> <zone>`: the zone is what follows `<ns>.svc.`. */
export function zoneFromResolvConf(resolvConf: string, namespace: string): string | null {
  // The last search line wins, as in glibc's resolver.
  for (const line of resolvConf.split('\n').reverse()) {
    const words = line.trim().split(/\s+/)
    if (words[0] !== 'search') continue
    const prefix = `${namespace}.svc.`
    const entry = words.slice(1).find((word) => word.startsWith(prefix))
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
