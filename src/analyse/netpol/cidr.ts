// IPv4 and IPv6 addresses and CIDRs for ipBlock matching, as Go's net.ParseCIDR / IPNet.Contains read them
// (what the reference implementation and cyclonus use): the two families never contain each other, and an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as the IPv4 address.
import {InspectError} from '../../errors.js'

export interface Address {
  family: 4 | 6
  value: bigint
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0n
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    value = (value << 8n) | BigInt(Number(part))
  }

  return value
}

function parseIPv6(text: string): bigint | undefined {
  let head = text
  let tail: bigint[] = []
  // A trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups.
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/)
  if (dotted) {
    const v4 = parseIPv4(dotted[2])
    if (v4 === undefined) return undefined
    head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1)
    tail = [v4 >> 16n, v4 & 0xffffn]
  }

  const halves = head.split('::')
  if (halves.length > 2) return undefined
  const groups = (part: string) => (part === '' ? [] : part.split(':'))
  const left = groups(halves[0])
  const right = halves.length === 2 ? groups(halves[1]) : []
  const known = left.length + right.length + tail.length
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined
  const all = [...left, ...Array.from({length: 8 - known}, () => '0'), ...right]
  let value = 0n
  for (const group of all) {
    if (!/^[\da-fA-F]{1,4}$/.test(group)) return undefined
    value = (value << 16n) | BigInt(Number.parseInt(group, 16))
  }

  for (const group of tail) value = (value << 16n) | group
  return value
}

const MAPPED_PREFIX = 0xffffn << 32n

export function parseAddress(text: string): Address | undefined {
  const v4 = parseIPv4(text)
  if (v4 !== undefined) return {family: 4, value: v4}
  const v6 = parseIPv6(text)
  if (v6 === undefined) return undefined
  if (v6 >> 32n === 0xffffn) return {family: 4, value: v6 - MAPPED_PREFIX}
  return {family: 6, value: v6}
}

export interface Cidr {
  family: 4 | 6
  network: bigint
  bits: number
  text: string
}

export function parseCidr(text: string): Cidr {
  const match = text.match(/^([^/]+)\/(\d{1,3})$/)
  const v6 = match?.[1].includes(':')
  let value = match ? (v6 ? parseIPv6(match[1]) : parseIPv4(match[1])) : undefined
  let bits = match ? Number(match[2]) : Number.NaN
  let family: 4 | 6 = v6 ? 6 : 4
  if (value === undefined || bits > (family === 4 ? 32 : 128)) {
    throw new InspectError(`invalid CIDR "${text}" in a NetworkPolicy ipBlock`)
  }

  // Go reads ::ffff:10.0.0.0/104 as 10.0.0.0/8, as it reads the addresses.
  if (family === 6 && bits >= 96 && value >> 32n === 0xffffn) {
    family = 4
    value -= MAPPED_PREFIX
    bits -= 96
  }

  // Go's ParseCIDR masks the host bits: 10.1.2.3/8 is 10.0.0.0/8.
  const host = BigInt((family === 4 ? 32 : 128) - bits)
  return {family, network: (value >> host) << host, bits, text}
}

export function cidrContains(cidr: Cidr, address: Address): boolean {
  if (cidr.family !== address.family) return false
  const host = BigInt((cidr.family === 4 ? 32 : 128) - cidr.bits)
  return address.value >> host === cidr.network >> host
}
