// The live DNS check: ask the cluster's DNS what it answers — through the resolver pod's own nameserver and
// each CoreDNS replica directly — and probe reachability, in one batch. Produces a DnsObservation for the
// pure diff in analyse/dns-diff.ts.
import {zoneFromResolvConf} from '../analyse/cluster-domain.js'
import {questionKey, questionsFor, type DnsObservation} from '../analyse/dns-diff.js'
import {endpointsFromSlices} from '../analyse/endpoints.js'
import {departedReplicas, replicasWithFailures} from '../analyse/replica-departure.js'
import {reachTargetsFor} from '../analyse/reach-targets.js'
import {
  reachKey,
  type DnsQuestion,
  type DnsServer,
  type QueryResult,
  type ReachResult,
  type ReachTarget,
  type TransportCheck,
} from '../dns/types.js'
import {InspectError} from '../errors.js'
import type {DepartedReplica} from '../model/dns.js'
import type {ServiceReport} from '../model/report.js'
import {EphemeralResolver} from './ephemeral-resolver.js'
import {ApiError, type KubeGateway} from './gateway.js'
import {queryReplicaViaPortForward} from './port-forward-resolver.js'
import {BATCH_END, batchInput, decodeScriptOutput, parseBatchOutput} from './resolver-batch.js'
import {ResolverPod, type PodShell} from './resolver-pod.js'

export interface LiveDnsOptions {
  via: 'pod' | 'port-forward'
  namespace: string
  image: string
  existingPod?: string
  startTimeoutMs: number
  queryTimeoutSeconds: number
  /** TCP reachability probes (pod backend only); default on. */
  reach?: boolean
  lifetimeSeconds?: number
  /**
   * `--from`: run in this pod of `namespace` (the client), through an ephemeral container, instead of a resolver
   * pod: its network namespace and resolv.conf are the client's.
   */
  ephemeralIn?: string
  /** Dig processes per batch (see BatchOptions.digs): a scan with two batches in flight halves them. */
  digsPerBatch?: number
  onProgress?: (message: string) => void
}

/** Where the batch runs: a resolver pod (created or --resolver-pod) or an ephemeral container in the client pod. */
type Resolver = ResolverPod | EphemeralResolver

interface Replica extends DnsServer {
  pod: string
  namespace: string
}

/** The port CoreDNS pods serve DNS on: the endpoint port of kube-dns's UDP port (53, or e.g. 5353 on OpenShift). */
function dnsPort(ports: Array<{port: number; protocol: string}>): number {
  return (
    ports.find((port) => port.protocol === 'UDP')?.port ??
    ports.find((port) => port.port === 53 || port.port === 5353)?.port ??
    53
  )
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>()
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item)
  return [...seen.values()]
}

const serverOf = ({label, address, port, replica}: Replica): DnsServer => ({label, address, port, replica})

/** The CoreDNS replicas: ready endpoints of kube-system/kube-dns. Unreadable (RBAC) is a problem, not a failure. */
async function findReplicas(gateway: KubeGateway, problems: string[]): Promise<Replica[]> {
  try {
    const slices = await gateway.listEndpointSlices('kube-system', 'kube-dns')
    return endpointsFromSlices(slices)
      .filter((endpoint) => endpoint.ready && endpoint.pod)
      .map((endpoint) => ({
        label: endpoint.pod!,
        address: endpoint.address,
        port: dnsPort(endpoint.ports),
        replica: true,
        pod: endpoint.pod!,
        namespace: 'kube-system',
      }))
  } catch (error) {
    if (error instanceof ApiError) {
      problems.push(
        `could not read the CoreDNS replicas (kube-system/kube-dns EndpointSlices): ${error.detail}; only the pod's nameserver was asked`,
      )
      return []
    }
    throw error
  }
}

export class LiveDnsCheck {
  private nameserver: string | null = null
  /** null until read: by the first batch, which prints it, or by readResolvConf(). */
  private resolvConf: string | null = null
  /** A shell already started in the resolver pod for the next script (its set-up overlaps the caller's work). */
  private nextShell: PodShell | null = null
  /** Replicas found gone from kube-dns after a batch: later batches do not ask them. */
  private readonly departed = new Map<string, DepartedReplica>()
  /** Until when (ms) a Corefile change may still be on its way to the replicas (followCorefileChange). */
  private corefileSettlesAt = 0
  private starts: Promise<Map<string, string>> | null = null

  private constructor(
    private readonly gateway: KubeGateway,
    private readonly options: LiveDnsOptions,
    private readonly resolver: Resolver | null,
    private readonly replicas: Replica[],
    /** What kept part of the check from running (e.g. the replicas unreadable). */
    private readonly problems: string[],
  ) {}

  /** Starts the resolver (pod backend) while it finds the CoreDNS replicas. Call close() in a finally. */
  static async open(gateway: KubeGateway, options: LiveDnsOptions): Promise<LiveDnsCheck> {
    // The shell for the first script is opened as soon as the pod is there (see PodShell).
    const starting: Promise<Resolver> | null =
      options.via !== 'pod'
        ? null
        : options.ephemeralIn
          ? EphemeralResolver.start(gateway, {
              namespace: options.namespace,
              pod: options.ephemeralIn,
              image: options.image,
              startTimeoutMs: options.startTimeoutMs,
              lifetimeSeconds: options.lifetimeSeconds,
              onProgress: options.onProgress,
            })
          : ResolverPod.start(gateway, {
              namespace: options.namespace,
              image: options.image,
              startTimeoutMs: options.startTimeoutMs,
              existingPod: options.existingPod,
              lifetimeSeconds: options.lifetimeSeconds,
              onProgress: options.onProgress,
            })
    const started = starting
      ? starting.then((resolver) => ({resolver, shell: resolver.shell()}))
      : Promise.resolve({resolver: null, shell: null})
    const problems: string[] = []
    const [resolverStart, replicasFound] = await Promise.allSettled([started, findReplicas(gateway, problems)])
    if (replicasFound.status === 'rejected') {
      if (resolverStart.status === 'fulfilled') {
        resolverStart.value.shell?.abort()
        await resolverStart.value.resolver?.stop()
      }
      throw replicasFound.reason
    }
    if (resolverStart.status === 'rejected') throw resolverStart.reason
    const {resolver, shell} = resolverStart.value
    const replicas = replicasFound.value
    const check = new LiveDnsCheck(gateway, options, resolver, replicas, problems)
    check.nextShell = shell
    if (options.via === 'port-forward' && replicas.length === 0) {
      throw new InspectError(
        `--via port-forward needs the CoreDNS pods, and none were found: ${problems.join('; ') || 'kube-system/kube-dns has no ready endpoints'}`,
        'Failed',
      )
    }
    return check
  }

  /** The resolver pod's /etc/resolv.conf: read by the first batch, or by an exec of its own when needed before. */
  private async readResolvConf(): Promise<string> {
    if (this.resolvConf === null) this.learnResolvConf(this.resolver ? await this.run('cat /etc/resolv.conf') : '')
    return this.resolvConf!
  }

  private learnResolvConf(text: string): void {
    this.resolvConf = text
    this.nameserver = text.match(/^\s*nameserver\s+(\S+)/m)?.[1] ?? null
  }

  /**
   * The cluster domain as the resolver pod's search path shows it, for when the ConfigMap did not tell. The
   * search line names the namespace the pod runs in (--resolver-namespace), not necessarily the service's.
   */
  async clusterDomain(): Promise<string | null> {
    return this.resolver ? zoneFromResolvConf(await this.readResolvConf(), this.resolver.namespace) : null
  }

  /** Asks the report's questions (plus extra ones, e.g. a --expect contract's) and probes its targets. */
  async observe(report: ServiceReport, extraQuestions: DnsQuestion[] = []): Promise<DnsObservation> {
    return this.observeBatch(
      [...questionsFor(report), ...extraQuestions],
      this.reachTargets(report),
      report.clusterDomain,
    )
  }

  /** The TCP probes for a report: none with --no-reach or --via port-forward (no pod to connect from). */
  reachTargets(report: ServiceReport): ReachTarget[] {
    return this.options.via === 'pod' && this.options.reach !== false ? reachTargetsFor(report) : []
  }

  /**
   * One batch for any set of questions and targets (duplicates dropped): a single service's, or a whole
   * namespace's in a scan. The observation carries what kept part of the check from running.
   */
  async observeBatch(questions: DnsQuestion[], targets: ReachTarget[], probeName: string): Promise<DnsObservation> {
    const started = Date.now()
    const {servers, queries, reachability, transports} = await this.ask(
      uniqueBy(questions, questionKey),
      uniqueBy(targets, reachKey),
      probeName,
    )
    const departed = await this.departedDuring(servers, queries)
    const replicaStarts = Date.now() < this.corefileSettlesAt ? await this.replicaStarts() : null
    return {
      via: this.options.via,
      servers,
      queries,
      reachability,
      transports,
      resolver: this.describeResolver(),
      observedAt: new Date().toISOString(),
      timings: {
        ...(this.resolver?.created ? {resolverStartMs: this.resolver.startMs} : {}),
        queryMs: Date.now() - started,
      },
      problems: [
        ...this.problems,
        ...(this.options.via === 'port-forward'
          ? ['reachability is not tested with --via port-forward (no pod to connect from)']
          : []),
      ],
      ...(departed.length > 0 ? {departedReplicas: departed} : {}),
      ...(replicaStarts ? {replicaStarts: Object.fromEntries(replicaStarts)} : {}),
    }
  }

  /**
   * A Corefile change that the replicas may not all have applied until `settlesAt` (ms): until then each batch's
   * observation carries when the replicas started (read once), so that those started since are judged as usual.
   */
  followCorefileChange(settlesAt: number | null): void {
    this.corefileSettlesAt = settlesAt ?? 0
  }

  /** When each replica's container started, read once (a replica that cannot be read is left out). */
  replicaStarts(): Promise<Map<string, string>> {
    this.starts ??= this.gateway.readPodStarts(
      'kube-system',
      this.replicas.map((replica) => replica.pod),
    )
    return this.starts
  }

  /**
   * The replicas that left kube-system/kube-dns while the batch ran: when a replica's questions failed, its
   * endpoints are read again (the replica list was read when the check opened). Those asked in this batch, and
   * those that had left before it (not asked). A refused re-read leaves the failures as they are.
   */
  private async departedDuring(servers: DnsServer[], queries: QueryResult[]): Promise<DepartedReplica[]> {
    const unexplained = replicasWithFailures(servers, queries).filter((server) => !this.departed.has(server.label))
    if (unexplained.length > 0) {
      try {
        const now = endpointsFromSlices(await this.gateway.listEndpointSlices('kube-system', 'kube-dns'))
        for (const replica of departedReplicas(unexplained, now)) this.departed.set(replica.label, replica)
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
      }
    }
    const asked = new Set(servers.map((server) => server.label))
    return [...this.departed.values()].map((replica) => ({...replica, asked: asked.has(replica.label)}))
  }

  /** Every question against the nameserver and every replica (and every TCP target), in one batch. */
  async ask(
    questions: DnsQuestion[],
    targets: ReachTarget[],
    probeName: string,
  ): Promise<{
    servers: DnsServer[]
    queries: QueryResult[]
    reachability: ReachResult[]
    transports: TransportCheck[]
  }> {
    if (this.options.via === 'port-forward') {
      const timeoutMs = this.options.queryTimeoutSeconds * 1000 + 2000
      const replicas = this.replicasToAsk()
      const queries = (
        await Promise.all(
          replicas.map((replica) => queryReplicaViaPortForward(this.gateway, replica, questions, timeoutMs)),
        )
      ).flat()
      // A port-forward carries TCP only: there is no UDP to check, and TCP is what it asked over.
      return {servers: replicas.map(serverOf), queries, reachability: [], transports: []}
    }
    // Until resolv.conf is known, the batch reads the nameserver from it (an address-less server) and prints it.
    const nameserver = this.resolvConf === null ? '' : this.nameserver
    const servers: DnsServer[] = [
      ...(nameserver === null ? [] : [{label: 'nameserver', address: nameserver, port: 53, replica: false}]),
      ...this.replicasToAsk().map(serverOf),
    ]
    const input = batchInput(questions, servers, targets, {
      timeoutSeconds: this.options.queryTimeoutSeconds,
      probeName,
      digs: this.options.digsPerBatch,
    })
    const {resolvConf, ...observed} = await parseBatchOutput(
      await this.run(input, BATCH_END),
      questions,
      servers,
      targets,
      this.options.digsPerBatch,
    )
    if (resolvConf !== undefined) this.learnResolvConf(resolvConf)
    // The nameserver as resolv.conf names it; dropped when it names none (the batch asked it nothing then).
    const askedServers = servers.flatMap((server) =>
      server.address ? [server] : this.nameserver ? [{...server, address: this.nameserver}] : [],
    )
    return {servers: askedServers, ...observed}
  }

  /** The replicas found when the check opened, less those that left kube-dns since. */
  private replicasToAsk(): Replica[] {
    return this.replicas.filter((replica) => !this.departed.has(replica.label))
  }

  /** The resolver pod's search domains, for expanding a short name as its stub resolver would. */
  async searchDomains(): Promise<string[]> {
    return (
      (await this.readResolvConf())
        .match(/^\s*search\s+(.+)$/m)?.[1]
        .trim()
        .split(/\s+/) ?? []
    )
  }

  describeResolver(): Record<string, unknown> {
    if (!this.resolver) return {replicas: this.replicas.map((replica) => `${replica.namespace}/${replica.pod}`)}
    if (this.resolver instanceof EphemeralResolver) {
      // The client's own resolver settings, as its resolv.conf says them (read by the batch, no exec of its own).
      const conf = this.resolvConf ?? ''
      const field = (key: string) =>
        conf
          .match(new RegExp(`^\\s*${key}\\s+(.+)$`, 'm'))?.[1]
          .trim()
          .split(/\s+/) ?? []
      return {
        pod: `${this.resolver.namespace}/${this.resolver.name}`,
        ephemeralContainer: this.resolver.container,
        image: this.resolver.image,
        created: true,
        nameserver: this.nameserver,
        search: field('search'),
        options: field('options'),
      }
    }
    return {
      pod: `${this.resolver.namespace}/${this.resolver.name}`,
      image: this.resolver.image,
      created: this.resolver.created,
      nameserver: this.nameserver,
    }
  }

  /** Runs a script in the resolver pod, in the shell started ahead for it if there is one. */
  private async run(script: string, endMarker?: string): Promise<string> {
    const shell = this.nextShell ?? this.resolver!.shell()
    this.nextShell = null
    return decodeScriptOutput(await shell.run(script, endMarker))
  }

  async close(): Promise<void> {
    this.nextShell?.abort()
    this.nextShell = null
    await this.resolver?.stop()
  }
}
