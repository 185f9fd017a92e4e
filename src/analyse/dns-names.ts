// Name arithmetic shared by the record rules: FQDNs, dashed-IP labels, reverse names. No I/O.
import {isIPv4, isIPv6} from 'node:net'

/**
 * A key whose plain string order is the natural order (10.0.0.9 before 10.0.0.10, pod-2 before pod-10): each run
 * of digits becomes "0", a character for its length, and the digits without leading zeros. A longer number
 * sorts after a shorter one, numbers of one length digit by digit, and against anything else the run compares as
 * its first digit would (as "0": no other character falls between the digits). Sorting many names by their
 * keys, computed once each, compares them natively: comparing them character by character in JavaScript is
 * slow in a one-shot CLI, whose JIT is cold (docs/performance.md).
 */
export function naturalKey(text: string): string {
  return text.replace(/\d+/g, (run) => {
    const digits = run.length > 1 && run.charCodeAt(0) === 48 ? run.replace(/^0+(?=\d)/, '') : run
    return `0${String.fromCharCode(0x100 + digits.length)}${digits}`
  })
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Natural order, for sorts of a few items; large sorts compare naturalKey()s computed once per item. Not
 * Intl.Collator: creating one loads ICU's collation data on every run (docs/performance.md).
 */
export function naturalOrder(a: string, b: string): number {
  return a === b ? 0 : byKey(naturalKey(a), naturalKey(b))
}

/**
 * Sorts by keys per item, left to right: strings in natural order, numbers (small, non-negative integers) by
 * value; ties keep their order. Each item becomes one string, and the strings are sorted without a comparator,
 * natively: a JavaScript comparator runs cold in a one-shot CLI (docs/performance.md).
 */
export function sortNaturally<T>(items: T[], keysOf: (item: T) => Array<string | number>): T[] {
  // Names recur among the keys (a headless service's name heads 200 of its records): each is converted once.
  const converted = new Map<string, string>()
  const convert = (key: string | number) => {
    if (typeof key === 'number') return String.fromCharCode(0x100 + key)
    let natural = converted.get(key)
    if (natural === undefined) converted.set(key, (natural = naturalKey(key)))
    return natural
  }
  // "\0" joins the keys: it sorts before every character, so a key that is a prefix of another sorts first.
  const keyed = items.map(
    (item, index) => `${keysOf(item).map(convert).join('\0')}\0${index.toString(36).padStart(4, '0')}`,
  )
  keyed.sort()
  return keyed.map((key) => items[Number.parseInt(key.slice(key.lastIndexOf('\0') + 1), 36)])
}

/** Lowercase, dot-joined, with exactly one trailing dot: the form every record name and target takes. */
export function fqdn(...labels: string[]): string {
  let joined = ''
  for (const label of labels) {
    // Dots trimmed from each end by hand: a regular expression per label was most of a record's cost.
    let start = 0
    let end = label.length
    while (start < end && label.charCodeAt(start) === 46) start++
    while (end > start && label.charCodeAt(end - 1) === 46) end--
    if (start === end) continue
    const trimmed = start === 0 && end === label.length ? label : label.slice(start, end)
    joined = joined === '' ? trimmed : `${joined}.${trimmed}`
  }
  return `${joined.toLowerCase()}.`
}

export function serviceFqdn(service: string, namespace: string, zone: string): string {
  return fqdn(service, namespace, 'svc', zone)
}

export function addressFamily(ip: string): 'IPv4' | 'IPv6' | null {
  if (isIPv4(ip)) return 'IPv4'
  if (isIPv6(ip)) return 'IPv6'
  return null
}

export function addressRecordType(ip: string): 'A' | 'AAAA' {
  return addressFamily(ip) === 'IPv6' ? 'AAAA' : 'A'
}

/**
 * The label CoreDNS gives an endpoint without a hostname (kubernetes.go endpointHostname): dots or colons
 * replaced by dashes. Newer CoreDNS appends "0" when an IPv6 address ends in "::" so the label does not end
 * in a dash (not a valid label); we follow that, since a trailing dash cannot be queried anyway.
 */
export function dashedAddress(ip: string): string {
  if (ip.includes('.')) return ip.replaceAll('.', '-')
  const dashed = ip.replaceAll(':', '-')
  return dashed.endsWith('-') ? `${dashed}0` : dashed
}

/** Expands an IPv6 address to its 8 groups of 4 hex digits. */
export function expandIPv6(ip: string): string[] {
  let text = ip.toLowerCase()
  const embeddedV4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/)
  if (embeddedV4) {
    const bytes = embeddedV4[1].split('.').map(Number)
    const tail = `${((bytes[0] << 8) | bytes[1]).toString(16)}:${((bytes[2] << 8) | bytes[3]).toString(16)}`
    text = text.slice(0, -embeddedV4[1].length) + tail
  }
  const [head, tail] = text.split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : []
  const missing = 8 - headGroups.length - tailGroups.length
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups]
  return groups.map((group) => group.padStart(4, '0'))
}

/** The PTR owner name of an address (RFC 1035 3.5 in-addr.arpa, RFC 3596 2.5 ip6.arpa). */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return fqdn(...ip.split('.').reverse(), 'in-addr', 'arpa')
  const nibbles = expandIPv6(ip).join('').split('').reverse()
  return fqdn(...nibbles, 'ip6', 'arpa')
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Service names must be DNS-1035 labels (apimachinery validation.IsDNS1035Label). */
export function dns1035LabelError(value: string): string | null {
  if (value.length > 63) return 'must be no more than 63 characters'
  if (!DNS1035_LABEL.test(value)) {
    return "must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
  }
  return null
}

/** Namespaces are DNS-1123 labels. */
export function dns1123LabelError(value: string): string | null {
  if (value.length > 63) return 'must be no more than 63 characters'
  if (!DNS1123_LABEL.test(value)) {
    return "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
  }
  return null
}

/** A cluster domain is a DNS-1123 subdomain (kubelet --cluster-domain), given with or without a trailing dot. */
export function dns1123SubdomainError(value: string): string | null {
  const bare = value.replace(/\.$/, '')
  if (bare.length === 0 || bare.length > 253) return 'must be between 1 and 253 characters'
  for (const label of bare.split('.')) {
    if (dns1123LabelError(label)) return `label "${label}" is not a valid DNS-1123 label`
  }
  return null
}

/** ADDRESS:PORT, an IPv6 address in brackets (as URLs and dig write it). */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}
