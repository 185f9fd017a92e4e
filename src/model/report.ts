// The ServiceReport contract (`-o json|yaml`). Later features add fields; none is renamed or removed.
import type {ConfigMap, Endpoints, EndpointSlice, KubeEvent, KubeObject, Pod, Service, Workload} from './k8s.js'

import type {DnsSection, ReachResult} from './dns.js'
import type {DnsProfile as DnsServerProfile} from './dns-profile.js'

export const REPORT_API_VERSION = 'svc-inspect/v1alpha1'

export type Severity = 'error' | 'warning' | 'info'

const SEVERITY_RANK: Record<Severity, number> = {error: 0, warning: 1, info: 2}

/** Errors first, then warnings, then infos (a stable sort keeps each rule's order). */
export function bySeverity(a: {severity: Severity}, b: {severity: Severity}): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
}

export interface Finding {
  code: string
  severity: Severity
  /** The object the finding is about, `kind/name` as kubectl prints it. */
  object: string
  message: string
  hint: string
  /** Machine-readable facts behind the message, when a finding has them (e.g. the ports of HeadlessPortMismatch). */
  details?: Record<string, string | number | boolean>
}

/** The record types svc-inspect predicts, asks and accepts in a contract or on `dig`'s command line. */
export const RECORD_TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'CNAME'] as const
export type RecordType = (typeof RECORD_TYPES)[number]

export function isRecordType(value: string): value is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(value)
}
export type RecordStatus = 'expected' | 'match' | 'missing' | 'unexpected'
/** Where a record's rule comes from: the Kubernetes DNS spec, or only the server that serves it. */
export type RecordBasis = 'spec' | 'coredns' | 'kube-dns'

export interface DnsRecord {
  /** Lowercase FQDN with a trailing dot. */
  name: string
  type: RecordType
  /** A/AAAA: the address; SRV: "<priority> <weight> <port> <target.>"; PTR/CNAME: an FQDN with a trailing dot. */
  data: string
  status: RecordStatus
  /** Expected records: the rule's source. Absent on answers nobody expected. */
  basis?: RecordBasis
}

/** A name that must not resolve at all (NXDOMAIN), e.g. a not-ready pod's per-endpoint name. */
export interface AbsentName {
  name: string
  type: RecordType
  reason: string
  /** NXDOMAIN: the name does not exist; NODATA: it exists, without records of this type. */
  rcode?: 'NXDOMAIN' | 'NODATA'
}

export interface EndpointPortView {
  name: string
  port: number
  protocol: string
}

export interface EndpointView {
  address: string
  ready: boolean
  serving: boolean
  terminating: boolean
  hostname: string | null
  pod: string | null
  node: string | null
  ports: EndpointPortView[]
  /** Why the endpoint is not ready, when the pod tells us (table column REASON). */
  reason?: string
  /** The endpoint's zone, as its EndpointSlice says (the node's topology.kubernetes.io/zone). */
  zone?: string
  /** The EndpointSlice's topology hints: the zones and nodes kube-proxy sends this endpoint traffic from. */
  hints?: {forZones?: string[]; forNodes?: string[]}
}

export interface ServicePortView {
  name: string
  port: number
  targetPort: number | string
  protocol: string
  nodePort: number | null
}

export interface ServiceView {
  namespace: string
  name: string
  type: string
  headless: boolean
  clusterIPs: string[]
  ports: ServicePortView[]
  selector: Record<string, string> | null
  publishNotReadyAddresses: boolean
  externalName?: string
}

export type ClusterDomainSource = 'flag' | 'coredns-configmap' | 'resolv.conf' | 'default'

export interface ServiceReport {
  apiVersion: typeof REPORT_API_VERSION
  kind: 'ServiceReport'
  service: ServiceView
  clusterDomain: string
  clusterDomainSource: ClusterDomainSource
  endpointSource: 'EndpointSlice' | 'Endpoints' | 'none'
  /** The endpoints could not be read (e.g. forbidden in a scanned namespace): what DNS answers from them is not judged. */
  endpointsUnread?: boolean
  /** The latest change to the Service's endpoints the API shows (slice change-trigger time, pod readiness): what a DNS cache may not have seen yet. */
  endpointsChangedAt?: string
  /** The Service's last write (managedFields, else creation): a ClusterIP Service's names follow it alone. */
  serviceChangedAt?: string
  endpoints: EndpointView[]
  records: DnsRecord[]
  mustNotResolve: AbsentName[]
  findings: Finding[]
  summary: {errors: number; warnings: number; infos: number}
  /** The cluster's DNS server as the records were predicted for it. */
  dnsServer?: DnsServerSection
  /** Who may reach the Service's pods under its namespace's NetworkPolicies (static: ingress at the pods only). */
  access?: AccessSection
  /** `--from`: the client's view (static NetworkPolicy verdicts). */
  client?: ClientSection
  /** The Service's traffic policies, when any differs from the default or its endpoints carry topology hints. */
  traffic?: TrafficSection
  /** Filled by the live DNS check; absent with --no-dns or --from-file. */
  dns?: DnsSection
  /** Results of a --expect DNS contract. */
  expectations?: Array<{
    name: string
    type: RecordType
    rule: string
    status: 'pass' | 'fail'
    message: string
    line: number
  }>
}

/** A read that failed without making the inspection impossible (e.g. events forbidden). */
export interface ReadProblem {
  what: string
  message: string
  /**
   * The kind of object that could not be read (`pods`, `endpointslices`, `endpoints`, `events`): the rules that
   * would conclude from its absence (no endpoints, no pods) say nothing instead.
   */
  resource?: string
}

/** Everything gathered about one Service, from a cluster or from a file: the sole input of the analysis. */
export interface ServiceSnapshot {
  service: Service
  /** undefined when the discovery.k8s.io/v1 API is not served; then `endpoints` is used. */
  endpointSlices?: EndpointSlice[]
  endpoints?: Endpoints
  /** Pods of the service's namespace (all of them: "nearest labels" needs the non-matching ones too). */
  pods: Pod[]
  events: KubeEvent[]
  clusterDomain: {value: string; source: ClusterDomainSource}
  readProblems: ReadProblem[]
  /** The cluster's DNS server profile; absent: kubeadm-style CoreDNS is assumed. */
  dnsProfile?: DnsServerProfile
  /** networking.k8s.io/v1 NetworkPolicies of the Service's namespace; absent when not read (then no access section). */
  networkPolicies?: KubeObject[]
  /** Namespaces with their labels, for policies' namespaceSelectors (read only when a policy has one). */
  namespaces?: KubeObject[]
}

export interface ClusterObjects {
  services: Service[]
  endpointSlices: EndpointSlice[]
  endpoints: Endpoints[]
  pods: Pod[]
  events: KubeEvent[]
  configMaps: ConfigMap[]
  /** kube-system's Deployments and DaemonSets: which DNS server runs, at which release. */
  deployments?: Workload[]
  daemonSets?: Workload[]
  networkPolicies?: KubeObject[]
  namespaces?: KubeObject[]
  /** Nodes (for `--from`: the client node's zone label). */
  nodes?: KubeObject[]
}

/** `--from`: the client pod's view under NetworkPolicy, per endpoint and port, and its DNS egress. */
export interface ClientSection {
  pod: string
  paths: Array<{
    endpoint: string
    port: number
    protocol: string
    allowed: boolean
    summary: string
    /** Live evidence: a TCP connect from the client's network namespace (absent: not probed, e.g. UDP). */
    live?: ReachResult['state']
    liveDetail?: string
    /** Whether the static verdict and the live evidence say the same; absent when the evidence decides nothing. */
    agrees?: boolean
  }>
  /** Whether the client may ask the cluster DNS over UDP and TCP 53. */
  dns?: string
  /** The same verdict per protocol. */
  dnsAllowed?: {udp: boolean; tcp: boolean}
  /** What the verdicts could not see (e.g. a dump without NetworkPolicies). */
  note?: string
  /** The node the client runs on (spec.nodeName). */
  node?: string
  /** Its zone (topology.kubernetes.io/zone) and where that came from, when known. */
  zone?: {name: string; source: string}
  /** The resolv.conf the kubelet gives the client, from its dnsPolicy and dnsConfig. */
  resolver?: ClientResolver
  /** The names the client's resolver tries for the name the app uses, and the port it dials. */
  lookup?: ClientLookup
  /** Which endpoints kube-proxy on the client's node sends its ClusterIP traffic to. */
  traffic?: ClientTraffic
  /** The live check from the client's own network namespace (an ephemeral container in the client pod). */
  live?: ClientLiveSection
}

/**
 * The client's resolv.conf as the kubelet writes it (pkg/kubelet/network/dns/dns.go). The node's own entries,
 * which the API does not show, appear as the placeholders `<node's nameservers>`, `<node's search domains>`,
 * `<node's options>`.
 */
export interface ClientResolver {
  dnsPolicy: string
  /** What the kubelet starts from: the cluster DNS and search list, the node's resolv.conf, or nothing (None). */
  base: 'cluster' | 'node' | 'none'
  nameservers: string[]
  searches: string[]
  options: string[]
  ndots: number
  /** Entries the kubelet leaves out (over its limits), as its DNSConfigForming event says. */
  dropped?: string[]
  /** What was assumed, e.g. that the kubelet's --cluster-dns is the kube-dns Service's IP. */
  assumptions: string[]
}

export interface ClientLookup {
  /** The name as the app uses it (default: the Service's short name). */
  name: string
  /** true when given with --name, false for the default. */
  given: boolean
  /** The port the app dials, when given. */
  port: number | null
  /**
   * The names the resolver asks in order (glibc and Go's order; musl differs only when the name has ndots dots
   * or more: it then asks the name alone), up to the first expected to answer. answer: records (one of the
   * Service's names with records), no-records (one of its names without records), other (a name in the cluster
   * zone that is not the Service's: NXDOMAIN unless another object has it), upstream (outside the cluster zone,
   * forwarded), unknown (built from the node's search domains).
   */
  tries: Array<{
    name: string
    answer: 'records' | 'no-records' | 'other' | 'upstream' | 'unknown'
    note?: string
    /** What the client's nameserver answered for this name, asked from the client pod (the live check). */
    live?: {rcode: string; records: number}
  }>
  /** The first name expected to answer with the Service's records, or null. */
  answeredBy: string | null
  /** Where the app's connection goes, in words (e.g. `ClusterIP 10.96.0.10:80/TCP -> endpoints on 8080`). */
  dials: string
}

export interface ClientTraffic {
  /** The rule kube-proxy applies on the client's node. */
  rule: string
  /** The endpoints that client's ClusterIP traffic may go to. */
  endpoints: string[]
}

/** The Service's traffic policies, as kube-proxy applies them (pkg/proxy/topology.go). */
export interface TrafficSection {
  internalTrafficPolicy: string
  externalTrafficPolicy?: string
  healthCheckNodePort?: number
  sessionAffinity: string
  /** sessionAffinity ClientIP: how long a client sticks to its endpoint (default 10800). */
  affinityTimeoutSeconds?: number
  trafficDistribution?: string
  /** Nodes with a ready endpoint (else a serving, terminating one): where Local policies find one. */
  nodesWithEndpoints: string[]
  /** Ready endpoints per zone hint, when every ready endpoint has one (else kube-proxy ignores the hints). */
  zoneHints?: Array<{zone: string; endpoints: string[]}>
  /** Ready endpoints per node hint, likewise. */
  nodeHints?: Array<{node: string; endpoints: string[]}>
}

/** What the ephemeral container in the client pod saw, beside the static verdicts. */
export interface ClientLiveSection {
  /** The ephemeral container's name; absent when the live check could not run. */
  container?: string
  image?: string
  /** Said plainly in every report: Kubernetes keeps the ephemeral container in the pod's spec. */
  note: string
  /** Why there is no live evidence (RBAC, ephemeral containers disabled, --no-reach). */
  unavailable?: string
  /** The client's resolver settings, from its resolv.conf; `agrees`: with the one predicted from its spec. */
  resolver?: {nameserver: string | null; search: string[]; options: string[]; agrees?: boolean}
  /** The client's nameserver over UDP and TCP (null: not asked), beside the static DNS verdict. */
  dns?: {nameserver: string; udp: boolean | null; tcp: boolean; agrees?: boolean}
  /**
   * TCP connects to the Service's ClusterIPs (kube-proxy picks an endpoint); `allowed`: the static verdict when it is
   * the same for every endpoint behind the port.
   */
  clusterIPs: Array<{
    address: string
    port: number
    state: ReachResult['state']
    detail?: string
    allowed?: boolean
    agrees?: boolean
  }>
}

/** NetworkPolicy's verdict on the Service's target ports: which sources its pods admit, per port. */
export interface AccessSection {
  /** The policies that select the Service's pods for ingress, `namespace/name`. */
  policies: string[]
  ports: Array<{port: number | string; protocol: string; mayReach: string}>
}

/** What the report says about the DNS server it predicted records for (`dnsServer`). */
export interface DnsServerSection {
  implementation: 'coredns' | 'kube-dns' | 'unknown'
  version: string | null
  /** Where the implementation and release came from. */
  source: string
  /** true when nothing in the cluster or the flags said which server runs. */
  assumed: boolean
  zones: string[]
  /** The TTL of the records the server answers. */
  ttl: number
  /** The TTL of its negative answers (the SOA minimum): CoreDNS's ttl, kube-dns's 60. */
  negativeTtl?: number
  /** The options that change which records exist, as the Corefile spells them (e.g. `endpoint_pod_names`, `ttl 30`). */
  options: string[]
  caches: Array<{
    layer: string
    successTtl: number
    denialTtl: number
    successDisabled: boolean
    denialDisabled: boolean
    source: string
  }>
  /** Plugins that can answer before the kubernetes plugin, e.g. `hosts /etc/coredns/NodeHosts`. */
  mayChangeAnswers: string[]
  notes: string[]
  /** When the Corefile's ConfigMap was last written; absent when the Corefile was not read from the cluster. */
  corefileChangedAt?: string
  /** The Corefile's `reload` period; null: no `reload` (the replicas keep the Corefile they started with). */
  reload?: {intervalSeconds: number; jitterSeconds: number} | null
  /** The servers' answers to version.bind, when the live check asked it (the Corefile's chaos plugin answers it). */
  serverReleases?: Array<{server: string; answer: string; release: string | null}>
}
