// The report's `dnsServer` section and its one-line summary: what the records were predicted for. Pure.
import type {DnsServerSection} from '../../model/report.js'
import type {DnsProfile} from './profile.js'
import {namedReleases} from './release.js'

/** The kubernetes plugin options that change which records exist, spelled as in a Corefile. */
function optionsThatChangeRecords(profile: DnsProfile): string[] {
  if (profile.implementation === 'kube-dns') return []
  const options = profile.kubernetes
  const out: string[] = [`pods ${options.pods}`, `ttl ${options.ttl}`]
  if (options.endpointPodNames) out.push('endpoint_pod_names')
  if (options.ignoreEmptyService) out.push('ignore empty_service')
  if (options.noEndpoints) out.push('noendpoints')
  if (options.namespaces) out.push(`namespaces ${options.namespaces.join(' ')}`)
  if (options.namespaceLabels) out.push(`namespace_labels ${options.namespaceLabels}`)
  if (options.labels) out.push(`labels ${options.labels}`)
  if (options.fallthrough)
    out.push(`fallthrough${options.fallthrough.length ? ` ${options.fallthrough.join(' ')}` : ''}`)
  return out
}

export function dnsServerSection(profile: DnsProfile): DnsServerSection {
  return {
    implementation: profile.implementation,
    version: profile.version,
    source: profile.source,
    assumed: profile.sourceKind === 'default',
    zones: profile.kubernetes.zones,
    ttl: profile.kubernetes.ttl,
    // kube-dns: pkg/dns SetDefaults MinTtl 60; CoreDNS: the SOA minimum is the plugin's ttl.
    negativeTtl: profile.implementation === 'kube-dns' ? 60 : profile.kubernetes.ttl,
    options: optionsThatChangeRecords(profile),
    caches: profile.caches.map(({layer, successTtl, denialTtl, successDisabled, denialDisabled, source}) => ({
      layer,
      successTtl,
      denialTtl,
      successDisabled,
      denialDisabled,
      source,
    })),
    mayChangeAnswers: profile.shadowing.map((plugin) => plugin.text),
    notes: profile.notes,
    ...(profile.corefileChangedAt ? {corefileChangedAt: profile.corefileChangedAt} : {}),
    ...(profile.reload !== undefined ? {reload: profile.reload} : {}),
    ...(profile.serverReleases ? {serverReleases: profile.serverReleases} : {}),
  }
}

const NAMES = {coredns: 'CoreDNS', 'kube-dns': 'kube-dns', unknown: 'unknown DNS server'}

/** e.g. `CoreDNS 1.12.0 (deployment/kube-system/coredns), zone cluster.local, endpoint_pod_names, cache 30 s`. */
export function dnsServerLine(section: DnsServerSection): string {
  // The workload only: the image (in the JSON report) makes the line too long for a terminal.
  const witnesses = [section.assumed ? 'assumed' : section.source.replace(/ image .*$/, '')]
  const releases = namedReleases(section.serverReleases ?? [])
  if (releases.length === 1 && releases[0] === section.version) witnesses.push('version.bind')
  if (releases.length > 1) witnesses.push(`servers answer ${releases.join(', ')}`)
  const parts = [
    `${NAMES[section.implementation]}${section.version ? ` ${section.version}` : ''} (${witnesses.join(', ')})`,
    `zone${section.zones.length > 1 ? 's' : ''} ${section.zones.join(', ')}`,
    ...section.options.filter((option) => !/^(pods insecure|fallthrough)/.test(option)),
  ]
  for (const cache of section.caches) {
    const layer = cache.layer === 'coredns' ? 'cache' : `${cache.layer} cache`
    if (cache.successDisabled && cache.denialDisabled) parts.push(`${layer} off for the zone`)
    else
      parts.push(
        `${layer} ${Math.max(cache.successDisabled ? 0 : cache.successTtl, cache.denialDisabled ? 0 : cache.denialTtl)} s`,
      )
  }
  return parts.join(', ')
}
