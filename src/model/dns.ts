// The live DNS check's vocabulary and the report's `dns` section: what the resolver backends (kube) gather,
// what the diff (analyse) reads, and what `-o json|yaml` prints.
import type {RecordType} from './report.js'

/** What the check asks: the record types it predicts, and TXT for the server's own release (version.bind). */
export type QueryType = RecordType | 'TXT'

export interface DnsQuestion {
  name: string
  type: QueryType
  /** CH for the CHAOS class (version.bind); IN when absent. */
  class?: 'CH'
}

/** A DNS server the check asks: the resolver's own nameserver (what applications use) or one CoreDNS replica. */
export interface DnsServer {
  /** `nameserver` for the pod's resolv.conf server, else the CoreDNS pod name. */
  label: string
  address: string
  port: number
  replica: boolean
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT' | 'ERROR'

export interface DnsAnswer {
  type: string
  ttl: number
  data: string
}

export interface QueryResult {
  server: string
  name: string
  type: QueryType
  rcode: Rcode
  answers: DnsAnswer[]
  /** In a report: the answer's PTR records that name other Services (left out of `answers`, counted here). */
  answersForOtherServices?: number
  timeMs: number | null
  /** The transport of the answer: TCP (the pod backend asks over TCP), UDP for a server that left TCP unanswered. */
  transport?: string
  error?: string
  /** Why the query got no (whole) answer, decided where dig's output is read: the findings use this, not `error`. */
  failure?: QueryFailure
}

/** What went wrong with a query, in the words the findings use. */
export type QueryFailure = 'timeout' | 'refused' | 'too-large' | 'error'

export interface ReachTarget {
  address: string
  port: number
  /** What the target stands for, e.g. `clusterIP`, `endpoint`, `endpoint (service port)`. */
  role: 'clusterIP' | 'endpoint' | 'service-port-on-endpoint'
  protocol: string
}

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

export interface DnsObservation {
  via: 'pod' | 'port-forward'
  servers: DnsServer[]
  queries: QueryResult[]
  reachability: ReachResult[]
  /** The UDP and TCP checks of each server (pod backend). */
  transports?: TransportCheck[]
  resolver: Record<string, unknown>
  /** When the answers were taken (ISO time): a cache may be older than the endpoints' last change. */
  observedAt?: string
  timings: Record<string, number>
  /** Problems that kept part of the check from running (e.g. CoreDNS replicas unreadable). */
  problems: string[]
  /**
   * CoreDNS replicas that left the kube-dns Service while the check ran (read again after a batch in which their
   * questions failed): their failures are DNSServerGoneDuringCheck, not DNS errors.
   */
  departedReplicas?: DepartedReplica[]
  /**
   * When each CoreDNS replica's container started (pod name -> ISO time), read while a Corefile change may still be
   * on its way to the replicas: one started after the change has loaded it.
   */
  replicaStarts?: Record<string, string>
}

/** A CoreDNS replica that was a ready endpoint of kube-system/kube-dns when the check began and is not one after. */
export interface DepartedReplica {
  /** The server's label: the replica's pod name. */
  label: string
  address: string
  port: number
  /** What the endpoints read after the batch say: not listed (or the address is another pod's), terminating, not ready. */
  now: 'gone' | 'terminating' | 'not-ready'
  /** false: it had left during an earlier batch, so this batch did not ask it. */
  asked: boolean
}

export interface DnsSection extends Omit<DnsObservation, 'problems'> {
  primaryServer: string | null
  problems: string[]
}
