// The vocabulary of a predicted answer, shared by the CoreDNS and kube-dns models. Pure.
import {isIPv4, isIPv6} from 'node:net'

export type PredictedRcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL'

export interface PredictedRecord {
  name: string
  type: string
  ttl: number
  /** As dig prints it: an address, an FQDN with a trailing dot, or `priority weight port target.` for SRV. */
  data: string
}

export interface PredictedAnswer {
  name: string
  type: string
  rcode: PredictedRcode
  answers: PredictedRecord[]
  /**
   * The answer is the upstream resolver's, not the cluster DNS server's own: a PTR for an address it does not
   * know (fallthrough or forwarding), or the chase of an ExternalName's CNAME. The model cannot know it.
   */
  upstream?: boolean
}

/**
 * What the upstream resolver answers, when the caller knows (the conformance tier forwards to a port where
 * nothing listens: every upstream question fails). Unknown by default.
 */
export type Upstream = 'unknown' | 'unreachable'

export interface Question {
  name: string
  type: string
}

export const lower = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase()

export function ipFamilyType(ip: string): 'A' | 'AAAA' | null {
  if (isIPv4(ip)) return 'A'
  if (isIPv6(ip)) return 'AAAA'
  return null
}

/** `name` below `zone` (both lowercase, trailing dots), as labels left to right; null when not in the zone. */
export function labelsBelow(name: string, zone: string): string[] | null {
  if (name === zone) return []
  if (!name.endsWith(`.${zone}`)) return null
  return name.slice(0, -zone.length - 1).split('.')
}

/** The longest of `zones` that contains `name`. */
export function zoneOf(name: string, zones: string[]): string | null {
  let best: string | null = null
  for (const zone of zones) {
    if ((name === zone || name.endsWith(`.${zone}`)) && (best === null || zone.length > best.length)) best = zone
  }
  return best
}

/** The address a reverse name stands for, or null (RFC 1035 3.5, RFC 3596 2.5). */
export function addressFromReverse(name: string): string | null {
  const v4 = name.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.$/)
  if (v4) return [v4[4], v4[3], v4[2], v4[1]].map(Number).join('.')
  const v6 = name.match(/^((?:[0-9a-f]\.){32})ip6\.arpa\.$/)
  if (!v6) return null
  const nibbles = v6[1].split('.').filter(Boolean).reverse().join('')
  const groups = nibbles.match(/.{4}/g)!.map((group) => group.replace(/^0+(?=.)/, ''))
  return compressIPv6(groups)
}

/** RFC 5952 text form: the longest run of two or more zero groups becomes `::`. */
export function compressIPv6(groups: string[]): string {
  let bestStart = -1
  let bestLength = 0
  for (let start = 0; start < groups.length;) {
    if (groups[start] !== '0') {
      start++
      continue
    }
    let end = start
    while (end < groups.length && groups[end] === '0') end++
    if (end - start > bestLength && end - start >= 2) {
      bestStart = start
      bestLength = end - start
    }
    start = end
  }
  if (bestStart < 0) return groups.join(':')
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`
}

/** SRV weight as both servers compute it (plugin/backend_lookup.go SRV, skydns): floor(100 / entries), at least 1. */
export function srvWeight(entries: number): number {
  return Math.max(1, Math.floor(100 / Math.max(entries, 1)))
}
