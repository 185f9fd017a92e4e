// The vocabulary of the live DNS check, shared by the resolver backends (gather) and the diff (analyse).
import type {RecordType} from '../model/report.js'

export interface DnsQuestion {
  name: string
  type: RecordType
}

/** A DNS server the check asks: the resolver's own nameserver (what applications use) or one CoreDNS replica. */
export interface DnsServer {
  /** `nameserver` for the pod's resolv.conf server, else the CoreDNS pod name. */
  label: string
  address: string
  port: number
  replica: boolean
}

/** The server whose answers count as what applications see: the pod's nameserver, else the first replica. */
export function primaryServer<T extends DnsServer>(servers: T[]): T | undefined {
  return servers.find((server) => !server.replica) ?? servers[0]
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT' | 'ERROR'

/** Whether the server answered at all (any rcode), as opposed to a timeout or an error of the query itself. */
export function answered(result: Pick<QueryResult, 'rcode'>): boolean {
  return result.rcode !== 'TIMEOUT' && result.rcode !== 'ERROR'
}

/** What went wrong with a query, in the words the findings use; null when it got a whole answer. */
export type QueryFailure = 'timeout' | 'refused' | 'too-large' | 'error'

/**
 * Why a query got no (whole) answer, from its rcode and dig's error: no answer in time, a refused connection
 * (nothing listens there), an answer too large for a DNS message even over TCP, or another error.
 */
export function queryFailure(result: Pick<QueryResult, 'rcode' | 'error'>): QueryFailure | null {
  if (result.error?.startsWith('answer too large')) return 'too-large'
  if (answered(result)) return null
  if (/connection refused/i.test(result.error ?? '')) return 'refused'
  return result.rcode === 'TIMEOUT' ? 'timeout' : 'error'
}

/** An answer that took at least this long is slow (CoreDNS answers in a few ms), even inside the query timeout. */
export const SLOW_ANSWER_MS = 1000

export interface DnsAnswer {
  type: string
  ttl: number
  data: string
}

export interface QueryResult {
  server: string
  name: string
  type: RecordType
  rcode: Rcode
  answers: DnsAnswer[]
  timeMs: number | null
  /** The transport of the answer: TCP (the pod backend asks over TCP), UDP for a server that left TCP unanswered. */
  transport?: string
  error?: string
}

export interface ReachTarget {
  address: string
  port: number
  /** What the target stands for, e.g. `clusterIP`, `endpoint`, `endpoint (service port)`. */
  role: 'clusterIP' | 'endpoint' | 'service-port-on-endpoint'
  protocol: string
}

/** A TCP target's identity, `address port`: how targets, the script's lines and results are matched up. */
export const reachKey = ({address, port}: {address: string; port: number | string}) => `${address} ${port}`

export interface ReachResult extends ReachTarget {
  state: 'open' | 'refused' | 'timeout' | 'error'
  detail?: string
}

/**
 * What a server did with the two questions applications depend on besides the answers: one over UDP (which they
 * ask first) and one over TCP (which they need for answers too large for UDP).
 */
export interface TransportCheck {
  server: string
  /** false: the TCP check went unanswered, and the questions were asked over UDP instead. */
  tcp: boolean
  /** false: the UDP check went unanswered; null: dig never got to it. */
  udp: boolean | null
  /** What dig said of the unanswered UDP check. */
  error?: string
}
