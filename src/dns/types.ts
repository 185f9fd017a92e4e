// The vocabulary of the live DNS check, shared by the resolver backends (gather) and the diff (analyse).
import type {DnsServer, QueryFailure, QueryResult} from '../model/dns.js'

// The types live in the model (ServiceReport's dns section is made of them); the dns layer keeps their names.
export type {
  DnsAnswer,
  DnsQuestion,
  DnsServer,
  QueryFailure,
  QueryResult,
  Rcode,
  ReachResult,
  ReachTarget,
  TransportCheck,
} from '../model/dns.js'

/** The server whose answers count as what applications see: the pod's nameserver, else the first replica. */
export function primaryServer<T extends DnsServer>(servers: T[]): T | undefined {
  return servers.find((server) => !server.replica) ?? servers[0]
}

/**
 * Whether the server answered at all (any rcode), as opposed to a timeout or an error of the query itself: the
 * one meaning of `answered` (the records a name resolves to are `resolved`, a batch's outcome is its results).
 */
export function answered(result: Pick<QueryResult, 'rcode'>): boolean {
  return result.rcode !== 'TIMEOUT' && result.rcode !== 'ERROR'
}

/** The start of the error of an answer too large for a DNS message, even over TCP (the resolver backends write it). */
export const TOO_LARGE = 'answer too large for a DNS message'

/**
 * Why a query got no (whole) answer: no answer in time, a refused connection (nothing listens there), an answer
 * too large for a DNS message even over TCP, or another error; null when it got a whole answer. The reason is the
 * one the backend recorded when it read the answer (`failure`), else what the rcode says.
 */
export function queryFailure(result: Pick<QueryResult, 'rcode' | 'failure'>): QueryFailure | null {
  if (result.failure === 'too-large') return 'too-large'
  if (answered(result)) return null
  return result.failure ?? (result.rcode === 'TIMEOUT' ? 'timeout' : 'error')
}

/** An answer that took at least this long is slow (CoreDNS answers in a few ms), even inside the query timeout. */
export const SLOW_ANSWER_MS = 1000

/** Record types whose data holds domain names: compared lowercased. */
const NAME_DATA_TYPES = new Set(['SRV', 'PTR', 'CNAME', 'NS'])

/**
 * Record data as answers carry it, whichever backend read it: the presentation form (`priority weight port
 * target.` for SRV), names lowercased (DNS names compare case-insensitively, RFC 4343).
 */
export function recordData(type: string, data: string): string {
  return NAME_DATA_TYPES.has(type) ? data.toLowerCase() : data
}

/** SRV record data as dig prints it and the expected records write it: `priority weight port target.`. */
export interface SrvData {
  priority: number
  weight: number
  port: number
  target: string
}

/** The one parser of SRV data (indexed, not destructured: the diff runs it for every answer). */
export function parseSrv(data: string): SrvData {
  const fields = data.split(' ')
  return {priority: Number(fields[0]), weight: Number(fields[1]), port: Number(fields[2]), target: fields[3] ?? ''}
}

/** A TCP target's identity, `address port`: how targets, the script's lines and results are matched up. */
export const reachKey = ({address, port}: {address: string; port: number | string}) => `${address} ${port}`
