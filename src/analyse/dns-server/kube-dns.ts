// What kube-dns (kubernetes/dns, GKE Standard's default server) answers, from the Services and core/v1 Endpoints
// it watches. Its records live in a tree of skydns entries (pkg/dns/dns.go newPortalService,
// generateRecordsForHeadlessService, newExternalNameService); a name answers with the entries stored directly
// at it, never those of the names below it. Checked against a recording of kube-dns 1.26.7
// (shared/fixtures/kube-dns-1.26.7.json).
import {isIP} from 'node:net'
import type {Service} from '../../model/k8s.js'
import {
  addressFromReverse,
  ipFamilyType,
  labelsBelow,
  lower,
  srvWeight,
  type PredictedAnswer,
  type PredictedRecord,
  type Question,
  type Upstream,
} from './answer.js'
import type {DnsProfile} from './profile.js'
import {clusterIPsOf, namespaceOf, type IndexedWorld} from './world.js'

/** pkg/dns/util defaultTTL, and the priority and weight GetSkyMsg gives every entry. */
const TTL = 30
const PRIORITY = 10

/** One skydns entry: an address or a name (CNAME), with a port for SRV, stored at `owner`. */
interface SkyEntry {
  host: string
  port: number
  /** The FQDN an SRV answer names as its target: the entry's own name, or a port entry's Service. */
  target: string
}

/**
 * The label kube-dns gives an address without a hostname (pkg/dns/util GetSkyMsg/HashServiceRecord): the FNV-1a
 * hash of the skydns entry as Go's %v prints it, in hex, and that text's bytes in hex again.
 */
export function kubeDnsHashLabel(ip: string): string {
  const text = `&{${ip} 0 10 10  false 30 0  }`
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return Buffer.from(hash.toString(16), 'utf8').toString('hex')
}

export class KubeDnsModel {
  /** Entries by owner name (lowercase FQDN), and the names that exist as tree nodes without entries of their own. */
  private readonly entries = new Map<string, SkyEntry[]>()
  private readonly nodes = new Set<string>()
  private readonly reverseNames = new Map<string, string>()
  private readonly zone: string

  constructor(
    private readonly world: IndexedWorld,
    profile: DnsProfile,
    private readonly upstream: Upstream = 'unknown',
  ) {
    this.zone = lower(profile.kubernetes.zones[0] ?? 'cluster.local')
    for (const service of world.services.values()) this.addService(service)
  }

  private add(owner: string, entry: SkyEntry): void {
    const list = this.entries.get(owner)
    if (list) list.push(entry)
    else this.entries.set(owner, [entry])
  }

  private addService(service: Service): void {
    const namespace = namespaceOf(service)
    const base = `${service.metadata.name}.${namespace}.svc.${this.zone}`
    if (service.spec.type === 'ExternalName') {
      // An entry named like the Service on its namespace's node: the namespace name answers it too.
      const host = service.spec.externalName ?? ''
      if (!host) return
      const entry = {host, port: 0, target: base}
      this.add(base, entry)
      this.add(`${namespace}.svc.${this.zone}`, entry)
      return
    }
    const clusterIPs = clusterIPsOf(service)
    if (clusterIPs.length > 0) {
      this.nodes.add(base)
      for (const ip of clusterIPs) {
        const label = kubeDnsHashLabel(ip)
        this.add(`${label}.${base}`, {host: ip, port: 0, target: `${label}.${base}`})
        // The service name answers with the entries stored at it: one per cluster IP, port 0.
        this.add(base, {host: ip, port: 0, target: `${label}.${base}`})
        for (const port of service.spec.ports ?? []) {
          if (!port.name || !(port.protocol ?? 'TCP')) continue
          const owner = `_${port.name}._${(port.protocol ?? 'TCP').toLowerCase()}.${base}`
          this.add(owner, {host: ip, port: port.port, target: base})
        }
        this.reverseNames.set(ip, base)
      }
      return
    }
    // Headless: the ready addresses of the Endpoints object (kube-dns does not read EndpointSlices).
    const endpoints = this.world.legacyEndpoints(namespace, service.metadata.name)
    for (const subset of endpoints?.subsets ?? []) {
      for (const address of subset.addresses ?? []) {
        const label = address.hostname || kubeDnsHashLabel(address.ip)
        const owner = `${label.toLowerCase()}.${base}`
        this.add(owner, {host: address.ip, port: 0, target: owner})
        this.add(base, {host: address.ip, port: 0, target: owner})
        for (const port of subset.ports ?? []) {
          if (!port.name || !(port.protocol ?? 'TCP')) continue
          this.add(`_${port.name}._${(port.protocol ?? 'TCP').toLowerCase()}.${base}`, {
            host: address.ip,
            port: port.port,
            target: owner,
          })
        }
        // PTR only for named headless endpoints; the map keeps the last writer.
        if (address.hostname) this.reverseNames.set(address.ip, owner)
      }
    }
  }

  answer(question: Question): PredictedAnswer | null {
    const name = lower(question.name)
    const type = question.type.toUpperCase()
    const address = addressFromReverse(name)
    if (address !== null) {
      if (type !== 'PTR') return null
      const target = this.reverseNames.get(address)
      if (target) return {name, type, rcode: 'NOERROR', answers: [record(name, 'PTR', target)]}
      // An address it does not know is forwarded upstream (AA=0).
      return this.upstream === 'unreachable'
        ? {name, type, rcode: 'SERVFAIL', answers: []}
        : {name, type, rcode: 'NXDOMAIN', answers: [], upstream: true}
    }
    const labels = labelsBelow(name, this.zone)
    if (labels === null) return null
    if (labels[labels.length - 1] === 'pod' && labels.length === 3) return this.pod(name, type, labels[0])
    const entries = this.entries.get(name)
    if (!entries) {
      const exists =
        this.nodes.has(name) ||
        labels.length === 0 ||
        (labels.length === 1 && (labels[0] === 'svc' || labels[0] === 'pod'))
      return {name, type, rcode: exists && type !== 'CNAME' ? 'NOERROR' : 'NXDOMAIN', answers: []}
    }
    switch (type) {
      case 'A':
      case 'AAAA':
        return this.addresses(name, type, entries)
      case 'SRV': {
        const weight = srvWeight(entries.length)
        const seen = new Set<string>()
        const answers: PredictedRecord[] = []
        for (const entry of entries) {
          const target = isIP(entry.host) === 0 ? lower(entry.host) : entry.target
          if (seen.has(`${target} ${entry.port}`)) continue
          seen.add(`${target} ${entry.port}`)
          answers.push(record(name, 'SRV', `${PRIORITY} ${weight} ${entry.port} ${target}`))
        }
        return {name, type, rcode: 'NOERROR', answers}
      }
      case 'CNAME': {
        const cnames = entries.filter((entry) => isIP(entry.host) === 0)
        if (cnames.length === 0) return {name, type, rcode: 'NXDOMAIN', answers: []}
        return {name, type, rcode: 'NOERROR', answers: cnames.map((entry) => record(name, 'CNAME', lower(entry.host)))}
      }
      default:
        return null
    }
  }

  private addresses(name: string, type: string, entries: SkyEntry[]): PredictedAnswer {
    const answers: PredictedRecord[] = []
    let upstream = false
    for (const entry of entries) {
      const family = ipFamilyType(entry.host)
      if (family === type) {
        if (!answers.some((answer) => answer.data === entry.host)) answers.push(record(name, type, entry.host))
      } else if (family === null) {
        // A CNAME is answered only with the chase's records: an unresolvable target leaves no answer at all.
        upstream ||= this.upstream !== 'unreachable'
      }
    }
    return {name, type, rcode: 'NOERROR', answers, ...(upstream ? {upstream} : {})}
  }

  /** `a-b-c-d.<any>.pod.<zone>`: an A record for any IPv4 address, nothing verified (pkg/dns isPodRecord). */
  private pod(name: string, type: string, label: string): PredictedAnswer {
    const ip = label.replaceAll('-', '.')
    if (isIP(ip) !== 4) return {name, type, rcode: 'NOERROR', answers: []}
    return {name, type, rcode: 'NOERROR', answers: type === 'A' ? [record(name, 'A', ip)] : []}
  }
}

function record(name: string, type: string, data: string): PredictedRecord {
  return {name, type, ttl: TTL, data}
}
