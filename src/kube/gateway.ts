// The only code that talks to the API server. Everything it returns is in wire form (plain JSON, string
// timestamps), the same shape a dump file has, so the analysis never knows where its input came from.
// client-node is loaded here, lazily, and only by commands that need a cluster.
import {Agent as HttpAgent} from 'node:http'
import {Agent as HttpsAgent, type RequestOptions} from 'node:https'
import {isIP, type Socket} from 'node:net'
import {checkServerIdentity, createSecureContext, type PeerCertificate} from 'node:tls'
import type {CoreV1Api, DiscoveryV1Api, KubeConfig, RequestContext} from '@kubernetes/client-node'
import {HttpProxyAgent, HttpsProxyAgent} from 'hpagent'
import {SocksProxyAgent} from 'socks-proxy-agent'
import {chooseClusterDomain, zoneFromCoreDnsConfigMap} from '../analyse/cluster-domain.js'
import {podIsReady} from '../analyse/pods.js'
import {InspectError, type ErrorReason} from '../errors.js'
import type {
  ConfigMap,
  Endpoints,
  EndpointSlice,
  KubeEvent,
  KubeObject,
  Node,
  Pod,
  Service,
  Workload,
} from '../model/k8s.js'
import {detectDnsProfile} from '../analyse/dns-server/detect.js'
import type {DnsProfile} from '../analyse/dns-server/profile.js'
import type {DnsFlags} from '../model/dns-profile.js'
import type {ClusterObjects, ReadProblem, ServiceSnapshot} from '../model/report.js'

export interface ConnectionOptions {
  kubeconfig?: string
  context?: string
  cluster?: string
  user?: string
  namespace?: string
  /** 0 = no timeout, as kubectl's --request-timeout=0. */
  requestTimeoutMs: number
}

type ClientNode = typeof import('./client-node.js')

/**
 * The label the DNS Deployment carries on kubeadm, kind, k3s, EKS, AKS and GKE (CoreDNS and kube-dns alike):
 * only it is listed, not all of kube-system.
 */
const DNS_WORKLOADS = 'k8s-app=kube-dns'

export class KubeGateway {
  private constructor(
    readonly client: ClientNode,
    readonly config: KubeConfig,
    readonly core: CoreV1Api,
    readonly discovery: DiscoveryV1Api,
    readonly defaultNamespace: string,
    private readonly requestTimeoutMs: number,
  ) {}

  static async connect(options: ConnectionOptions): Promise<KubeGateway> {
    const client = await import('./client-node.js')
    const config = sharedConnectionsConfig(client, options.requestTimeoutMs)
    try {
      if (options.kubeconfig) config.loadFromFile(options.kubeconfig)
      else config.loadFromDefault()
    } catch (error) {
      throw new InspectError(
        `cannot load kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${(error as Error).message}`,
      )
    }
    applyOverrides(config, options)
    if (!config.getCurrentCluster())
      throw new InspectError('no cluster in kubeconfig: set --kubeconfig, KUBECONFIG or --context')
    const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace
    return new KubeGateway(
      client,
      config,
      config.makeApiClient(client.CoreV1Api),
      config.makeApiClient(client.DiscoveryV1Api),
      options.namespace ?? contextNamespace ?? 'default',
      options.requestTimeoutMs,
    )
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? 'the API server'
  }

  /** Runs one API call with the request timeout, and turns transport errors into one-line InspectErrors. */
  async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout =
      this.requestTimeoutMs > 0
        ? new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new InspectError(`${what}: request timed out after ${this.requestTimeoutMs / 1000}s`, 'Timeout'),
                ),
              this.requestTimeoutMs,
            )
          })
        : undefined
    try {
      return await (timeout ? Promise.race([request(), timeout]) : request())
    } catch (error) {
      throw this.explain(what, error)
    } finally {
      clearTimeout(timer)
    }
  }

  explain(what: string, error: unknown): Error {
    if (error instanceof InspectError) return error
    if ((error as Error | undefined)?.name === 'AbortError')
      return new InspectError(`${what}: request timed out after ${this.requestTimeoutMs / 1000}s`, 'Timeout')
    const status = statusOf(error)
    if (status !== undefined) {
      const message = apiMessage(error)
      const kind =
        status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : status === 401 ? 'Unauthorized' : `HTTP ${status}`
      return new ApiError(status, what, `${kind}${message ? `: ${message}` : ''}`)
    }
    const code =
      (error as {code?: string; cause?: {code?: string}}).code ?? (error as {cause?: {code?: string}}).cause?.code
    // node-fetch says `request to URL failed, reason: WHY`: the URL is in the line already.
    const message = ((error as Error).message ?? String(error)).replace(/^request to \S+ failed, reason: /, '')
    return new InspectError(`cannot reach ${this.server} (${what}): ${code ?? message}`, 'Unreachable')
  }

  /** Reads a Service and everything the analysis needs about it, all at once. */
  async gatherService(
    namespace: string,
    name: string,
    clusterDomainFlag?: string,
    dnsFlags: DnsFlags = {},
  ): Promise<ServiceSnapshot> {
    const service = this.readService(namespace, name)
    const surroundings = this.readSurroundings(namespace, name, clusterDomainFlag, dnsFlags)
    // Settled here too, so a failed read beside a missing Service is not an unhandled rejection.
    surroundings.catch(() => undefined)
    return {service: await service, ...(await surroundings)}
  }

  /**
   * Everything about a Service but the Service itself: its slices (or v1 Endpoints), pods, events, the cluster
   * domain. None of these reads needs the Service object, so they run alongside its read. The events only
   * explain pods that are not ready (a failing probe, a pod not scheduled): with every pod ready, they are not
   * read.
   */
  async readSurroundings(
    namespace: string,
    name: string,
    clusterDomainFlag?: string,
    dnsFlags: DnsFlags = {},
  ): Promise<Omit<ServiceSnapshot, 'service'>> {
    const readProblems: ReadProblem[] = []
    const tolerate = <T>(what: string, read: () => Promise<T>, fallback: T) =>
      readOrNote(readProblems, what, read, fallback, what)
    const podsRead = tolerate('pods', () => this.listPods(namespace), [] as Pod[])
    const dnsServer = this.readDnsServer(readProblems, {...dnsFlags, clusterDomain: clusterDomainFlag})
    const access = this.readNetworkPolicies(namespace)
    const [slices, pods, events, corefileZone, dnsProfile, policies] = await Promise.all([
      this.listEndpointSlices(namespace, name).catch((error) => {
        if (error instanceof ApiError && error.reason === 'NotFound') return undefined
        throw error
      }),
      podsRead,
      podsRead.then((list) =>
        list.every(podIsReady) ? [] : tolerate('events', () => this.listPodEvents(namespace), [] as KubeEvent[]),
      ),
      dnsServer.then(({zone}) => (clusterDomainFlag ? null : zone)),
      dnsServer.then(({profile}) => profile),
      access,
    ])
    const endpoints =
      slices === undefined
        ? await tolerate('endpoints', () => this.readEndpoints(namespace, name), undefined)
        : undefined
    return {
      endpointSlices: slices,
      endpoints,
      pods,
      events,
      clusterDomain: chooseClusterDomain(clusterDomainFlag, corefileZone),
      readProblems,
      dnsProfile,
      ...policies,
    }
  }

  /**
   * What `--from` needs: the pods of the client's and the Service's namespaces, their NetworkPolicies (and the
   * namespaces' labels when a policy selects by namespace), the cluster DNS pods and the kube-dns Service's IP.
   * The client's namespace must exist; a refused read of the DNS pods only leaves the DNS verdict out.
   */
  async readClientContext(
    clientNamespace: string,
    serviceNamespace: string,
  ): Promise<{
    pods: Pod[]
    networkPolicies: KubeObject[]
    namespaces: KubeObject[]
    dnsPods: Pod[]
    dnsServiceIP?: string
  }> {
    const namespaces = [...new Set([clientNamespace, serviceNamespace])]
    const ignored: ReadProblem[] = []
    const [podLists, policyLists, dnsPods, dnsService] = await Promise.all([
      Promise.all(namespaces.map((namespace) => this.listPods(namespace))),
      Promise.all(namespaces.map((namespace) => this.readNetworkPolicies(namespace))),
      readOrNote(ignored, 'dns pods', () => this.listPods('kube-system', 'k8s-app=kube-dns'), [] as Pod[]),
      this.readService('kube-system', 'kube-dns').catch(() => undefined),
    ])
    const pods = podLists.flat()
    if (podLists[0].length === 0) {
      await this.call(`namespace/${clientNamespace}`, () => this.core.readNamespace({name: clientNamespace})).catch(
        (error: unknown) => {
          if (error instanceof ApiError && error.reason === 'NotFound')
            throw new InspectError(`--from: namespace "${clientNamespace}" not found`)
          throw error
        },
      )
    }
    return {
      pods: [...pods, ...dnsPods],
      networkPolicies: policyLists.flatMap((entry) => entry.networkPolicies ?? []),
      namespaces: policyLists.find((entry) => entry.namespaces)?.namespaces ?? [],
      dnsPods,
      dnsServiceIP: dnsService?.spec.clusterIP,
    }
  }

  /**
   * `--from`: the client's Node, for its zone label; read only when the zone decides where the client's traffic
   * goes. Refused or gone: undefined, and the problem is noted (the report then says the zone is not known).
   */
  async readNode(name: string, problems: ReadProblem[]): Promise<Node | undefined> {
    return readOrNote(
      problems,
      `node/${name}`,
      async () => wire<Node>(await this.call(`node/${name}`, () => this.core.readNode({name}))),
      undefined,
    )
  }

  /**
   * The namespace's NetworkPolicies, and the namespaces' labels when a policy selects by namespace. Not readable
   * (forbidden): nothing is said about access, rather than a guess.
   */
  async readNetworkPolicies(namespace: string): Promise<{networkPolicies?: KubeObject[]; namespaces?: KubeObject[]}> {
    const networking = this.config.makeApiClient(this.client.NetworkingV1Api)
    const unreadable: ReadProblem[] = []
    const policies = await readOrNote(
      unreadable,
      'networkpolicies',
      () =>
        this.listAll<KubeObject>('networkpolicies', (_continue) =>
          networking.listNamespacedNetworkPolicy({namespace, limit: 500, _continue}),
        ),
      undefined,
    )
    if (!policies) return {}
    const bySelector = policies.some((policy) => JSON.stringify(policy).includes('"namespaceSelector"'))
    if (!bySelector) return {networkPolicies: policies}
    const namespaces = await readOrNote(
      unreadable,
      'namespaces',
      () => this.listAll<KubeObject>('namespaces', (_continue) => this.core.listNamespace({limit: 500, _continue})),
      [] as KubeObject[],
    )
    return {networkPolicies: policies, namespaces}
  }

  /**
   * Which DNS server the cluster runs, at which release and with which options: kube-system's DNS Deployments
   * (the image names the server and its release), the coredns and node-local-dns ConfigMaps (the latter stands
   * for NodeLocal DNSCache's DaemonSet, one read fewer). Each read may be refused; the profile then says what it
   * could not read, and a flag can say it instead.
   */
  async readDnsServer(
    readProblems: ReadProblem[],
    flags: DnsFlags,
  ): Promise<{profile: DnsProfile; zone: string | null}> {
    // Refusals become one problem: which reads would have named the server, and why they failed.
    const refused: ReadProblem[] = []
    const tolerate = <T>(what: string, read: () => Promise<T>, fallback: T) => readOrNote(refused, what, read, fallback)
    const apps = this.config.makeApiClient(this.client.AppsV1Api)
    const configMap = (name: string) =>
      tolerate(
        `configmap/kube-system/${name}`,
        async () => [
          wire<ConfigMap>(
            await this.call(`configmap/kube-system/${name}`, () =>
              this.core.readNamespacedConfigMap({name, namespace: 'kube-system'}),
            ),
          ),
        ],
        [] as ConfigMap[],
      )
    const [deployments, coredns, nodeLocal] = await Promise.all([
      flags.server && flags.version
        ? ([] as Workload[])
        : tolerate(
            'deployments in kube-system',
            () =>
              this.listAll<Workload>('deployments', (_continue) =>
                apps.listNamespacedDeployment({
                  namespace: 'kube-system',
                  labelSelector: DNS_WORKLOADS,
                  limit: 500,
                  _continue,
                }),
              ),
            [] as Workload[],
          ),
      flags.corefile ? ([] as ConfigMap[]) : configMap('coredns'),
      configMap('node-local-dns'),
    ])
    const configMaps = [...coredns, ...nodeLocal]
    if (refused.length > 0)
      readProblems.push({
        what: `${refused.map((problem) => problem.what).join(', ')} (which DNS server runs)`,
        message: refused[0].message,
      })
    return {
      profile: detectDnsProfile({configMaps, deployments, flags}),
      zone: zoneFromCoreDnsConfigMap(coredns[0]),
    }
  }

  /**
   * Everything a scan of one namespace needs, one list call per kind (paginated): services (optionally by
   * label), EndpointSlices (v1 Endpoints on clusters without them), pods and pod events.
   */
  async gatherNamespace(
    namespace: string,
    services: Service[],
  ): Promise<{objects: ClusterObjects; readProblems: ReadProblem[]}> {
    const readProblems: ReadProblem[] = []
    const tolerate = <T>(what: string, read: () => Promise<T[]>) =>
      readOrNote(readProblems, `${what} in ${namespace}`, read, [] as T[], what)
    // A namespace that cannot be read (forbidden, deleted mid-scan) is a problem for its services' reports, not
    // the end of the scan. Not served (404) means the cluster has no EndpointSlice API: Endpoints are read.
    let served = true
    const [slices, pods] = await Promise.all([
      tolerate<EndpointSlice>('endpointslices', () =>
        this.listEndpointSlices(namespace).catch((error) => {
          if (error instanceof ApiError && error.reason === 'NotFound') served = false
          throw error
        }),
      ),
      tolerate<Pod>('pods', () => this.listPods(namespace)),
    ])
    // Events only explain pods that are not ready.
    const events = pods.every(podIsReady)
      ? []
      : await tolerate<KubeEvent>('events', () => this.listPodEvents(namespace))
    const endpoints = served
      ? []
      : await tolerate('endpoints', () =>
          this.listAll<Endpoints>('endpoints', (_continue) =>
            this.core.listNamespacedEndpoints({namespace, limit: 500, _continue}),
          ),
        )
    return {
      objects: {services, endpointSlices: served ? slices : [], endpoints, pods, events, configMaps: []},
      // The lists run at once and fail in any order: the same refusals read the same every run.
      readProblems: readProblems.sort((a, b) => a.what.localeCompare(b.what)),
    }
  }

  /**
   * For a scan of every namespace: one paginated list of EndpointSlices and one of pods for the whole cluster,
   * instead of two per namespace. Throws ApiError when a cluster-wide list is refused (the caller then reads
   * namespace by namespace) or not served.
   */
  async listClusterWide(): Promise<{endpointSlices: EndpointSlice[]; pods: Pod[]}> {
    const [endpointSlices, pods] = await Promise.all([
      this.listAll<EndpointSlice>('endpointslices', (_continue) =>
        this.discovery.listEndpointSliceForAllNamespaces({limit: 500, _continue}),
      ),
      this.listAll<Pod>('pods', (_continue) => this.core.listPodForAllNamespaces({limit: 500, _continue})),
    ])
    return {endpointSlices, pods}
  }

  /** A namespace's pod events, or a ReadProblem in `problems` when refused. */
  async podEventsOrNote(namespace: string, problems: ReadProblem[]): Promise<KubeEvent[]> {
    return readOrNote(
      problems,
      `events in ${namespace}`,
      () => this.listPodEvents(namespace),
      [] as KubeEvent[],
      'events',
    )
  }

  async readService(namespace: string, name: string): Promise<Service> {
    try {
      return wire(await this.call(`service/${name}`, () => this.core.readNamespacedService({name, namespace})))
    } catch (error) {
      if (error instanceof ApiError && error.reason === 'NotFound')
        throw new InspectError(`services "${name}" not found in namespace "${namespace}"`, 'NotFound')
      if (error instanceof ApiError) throw new InspectError(error.message, error.reason)
      throw error
    }
  }

  async listServices(namespace: string | undefined, labelSelector?: string): Promise<Service[]> {
    return this.listAll(`services`, (_continue) =>
      namespace
        ? this.core.listNamespacedService({namespace, labelSelector, limit: 500, _continue})
        : this.core.listServiceForAllNamespaces({labelSelector, limit: 500, _continue}),
    )
  }

  async listEndpointSlices(namespace: string, serviceName?: string): Promise<EndpointSlice[]> {
    const labelSelector = serviceName ? `kubernetes.io/service-name=${serviceName}` : undefined
    return this.listAll('endpointslices', (_continue) =>
      this.discovery.listNamespacedEndpointSlice({namespace, labelSelector, limit: 500, _continue}),
    )
  }

  async readEndpoints(namespace: string, name: string): Promise<Endpoints> {
    return wire(await this.call(`endpoints/${name}`, () => this.core.readNamespacedEndpoints({name, namespace})))
  }

  async listPods(namespace: string, labelSelector?: string): Promise<Pod[]> {
    return this.listAll('pods', (_continue) =>
      this.core.listNamespacedPod({namespace, labelSelector, limit: 500, _continue}),
    )
  }

  /**
   * When each named pod's running container started (else the pod itself), for the pods that can be read: a pod
   * gone or refused is left out, not an error.
   */
  async readPodStarts(namespace: string, names: string[]): Promise<Map<string, string>> {
    const starts = new Map<string, string>()
    await Promise.all(
      names.map(async (name) => {
        const pod = await this.call(`pod/${name}`, () => this.core.readNamespacedPod({name, namespace}))
          .then((read) => wire<Pod>(read))
          .catch(() => null)
        const started =
          pod?.status?.containerStatuses?.find((status) => status.state?.running?.startedAt)?.state?.running
            ?.startedAt ?? pod?.status?.startTime
        if (started) starts.set(name, started)
      }),
    )
    return starts
  }

  async listPodEvents(namespace: string): Promise<KubeEvent[]> {
    return this.listAll('events', (_continue) =>
      this.core.listNamespacedEvent({namespace, fieldSelector: 'involvedObject.kind=Pod', limit: 500, _continue}),
    )
  }

  async readCoreDnsZone(): Promise<string | null> {
    const configMap: ConfigMap = wire(
      await this.call('configmap/kube-system/coredns', () =>
        this.core.readNamespacedConfigMap({name: 'coredns', namespace: 'kube-system'}),
      ),
    )
    return zoneFromCoreDnsConfigMap(configMap)
  }

  /** Follows limit/continue so a large list never arrives in one response. */
  async listAll<T>(
    what: string,
    page: (continueToken?: string) => Promise<{items: unknown[]; metadata?: {_continue?: string}}>,
  ): Promise<T[]> {
    const items: T[] = []
    let token: string | undefined
    do {
      const response = await this.call(what, () => page(token))
      items.push(...response.items.map((item) => wire<T>(item)))
      // `continue` as the API sends it (the bundle's wire form), `_continue` as client-node's models name it.
      // Not unnecessary: it adds `continue`, which the rule's comparison of optional properties misses.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      const metadata = response.metadata as {_continue?: string; continue?: string} | undefined
      token = metadata?.continue || metadata?._continue || undefined
    } while (token)
    return items
  }
}

/**
 * A read the report can do without: a refusal (e.g. forbidden) becomes a ReadProblem, which the diagnosis turns
 * into a finding, and the fallback is used. Not found is simply nothing to report; transport errors still throw.
 */
async function readOrNote<T>(
  problems: ReadProblem[],
  what: string,
  read: () => Promise<T>,
  fallback: T,
  resource?: string,
): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    if (error.reason !== 'NotFound') problems.push({what, message: error.detail, ...(resource ? {resource} : {})})
    return fallback
  }
}

/**
 * A status the API server answered with. The message is `what: detail`, e.g.
 * `service/web: Forbidden: services "web" is forbidden ...`; code reads `reason`.
 */
export class ApiError extends Error {
  readonly reason: ErrorReason
  constructor(
    readonly status: number,
    /** The request, e.g. `service/web`. */
    readonly what: string,
    /** The message without the request: the kind (`Forbidden`, `HTTP 500`) and the API's own message. */
    readonly detail: string,
  ) {
    super(`${what}: ${detail}`)
    this.name = 'ApiError'
    this.reason = reasonOfStatus(status)
  }
}

function reasonOfStatus(status: number): ErrorReason {
  if (status === 404) return 'NotFound'
  if (status === 403) return 'Forbidden'
  if (status === 401) return 'Unauthorized'
  if (status === 400 || status === 422) return 'Invalid'
  if (status === 408 || status === 504) return 'Timeout'
  return 'Failed'
}

/**
 * The analysis reads wire JSON; client-node hands back model instances with Date objects, which are turned back
 * into the API's own spelling: RFC 3339 in whole seconds ("2026-01-01T00:00:00Z", as metav1.Time writes it), with
 * milliseconds only when there are some. A model's fields take their API names again where the model renames them
 * (its public getAttributeTypeMap(): NetworkPolicyIngressRule's `from` is `_from` in the model, and a rule read
 * with `_from` would admit every source). A plain object (as a test's fake may give) is taken as it is.
 */
export function wire<T>(value: unknown): T {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) === Object.prototype)
    return value as T
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key, json: unknown) {
      const original = this[key]
      if (original instanceof Date && !Number.isNaN(original.getTime()))
        return original.toISOString().replace(/\.000Z$/, 'Z')
      return apiNames(original) ?? json
    }),
  ) as T
}

type AttributeMap = Array<{name: string; baseName: string}>

/** A model instance with its fields under their API names, when the model renames any; else undefined. */
function apiNames(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const map = (value.constructor as {getAttributeTypeMap?: () => AttributeMap}).getAttributeTypeMap?.()
  const renamed = map?.filter((attribute) => attribute.name !== attribute.baseName)
  if (!renamed?.length) return undefined
  const names = new Map(renamed.map((attribute) => [attribute.name, attribute.baseName]))
  return Object.fromEntries(Object.entries(value).map(([name, field]) => [names.get(name) ?? name, field]))
}

function statusOf(error: unknown): number | undefined {
  const code = (error as {code?: unknown}).code
  return typeof code === 'number' ? code : undefined
}

function apiMessage(error: unknown): string {
  const body = (error as {body?: unknown}).body
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as {message?: string}).message ?? ''
    } catch {
      return body.slice(0, 200)
    }
  }
  return (body as {message?: string} | undefined)?.message ?? ''
}

/** How long an idle connection is kept for the next call (Node's own default agent keeps them 5 s too). */
export const IDLE_CONNECTION_MS = 5000

/** The TLS options client-node's applyToHTTPSOptions fills in from the kubeconfig (and an exec credential). */
const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const

/**
 * client-node's KubeConfig, with the connections it hands out shared, through its two public hooks (every API
 * client call goes through applySecurityAuthentication; exec, port-forward and watch through
 * applyToHTTPSOptions):
 *  - client-node makes a new agent for every request, so every API call opened its own TLS connection with a
 *    full handshake, costly for the CLI and the API server alike (docs/performance.md). One keep-alive agent per
 *    set of options reuses connections and resumes TLS sessions. Idle connections are closed after IDLE_CONNECTION_MS,
 *    so a --watch that reads again minutes later does not write into one a load balancer has silently dropped.
 *    The options carry the CA and client certificate, which an exec credential plugin may rotate: they are in
 *    the key. Without a proxy, the agent's connections also share one TLS context: the first reads open several
 *    at once, and each would parse the CA and client key again.
 *  - --request-timeout ends each API request (AbortSignal), not only the wait for it.
 * The agent is chosen as client-node chooses it (direct, HTTP(S) proxy through hpagent, SOCKS through
 * socks-proxy-agent), with the packages' public constructors; client-node's own choice has run first (in
 * super.applyToHTTPSOptions), so a kubeconfig it refuses is refused with its message.
 */
function sharedConnectionsConfig(client: ClientNode, requestTimeoutMs: number): KubeConfig {
  class SharedConnectionsConfig extends client.KubeConfig {
    private readonly agents = new Map<string, HttpAgent>()

    override async applyToHTTPSOptions(opts: Parameters<KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
      await super.applyToHTTPSOptions(opts)
      const cluster = this.getCurrentCluster()
      // client-node types opts with isomorphic-ws's ClientOptions, whose types (@types/ws) are not installed.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-member-access
      if (cluster) opts.agent = this.sharedAgent(cluster, opts as RequestOptions)
    }

    override async applySecurityAuthentication(context: RequestContext): Promise<void> {
      const opts: RequestOptions = {}
      await this.applyToHTTPSOptions(opts)
      for (const [name, value] of Object.entries(opts.headers ?? {})) context.setHeaderParam(name, String(value))
      if (opts.auth) context.setHeaderParam('Authorization', `Basic ${Buffer.from(opts.auth).toString('base64')}`)
      if (opts.agent instanceof HttpAgent) context.setAgent(opts.agent)
      if (requestTimeoutMs > 0) context.setSignal(AbortSignal.timeout(requestTimeoutMs))
    }

    private sharedAgent(cluster: {server: string; proxyUrl?: string}, opts: RequestOptions): HttpAgent {
      const tls: Record<string, unknown> = {}
      for (const name of TLS_OPTIONS) if (opts[name] !== undefined) tls[name] = opts[name]
      // Certificates come as Buffers, which JSON.stringify would spell out byte by byte, for every call.
      const key = JSON.stringify([
        cluster.server,
        cluster.proxyUrl,
        Object.entries(tls).map(([name, value]) => [name, Buffer.isBuffer(value) ? value.toString('base64') : value]),
      ])
      let agent = this.agents.get(key)
      if (!agent) this.agents.set(key, (agent = newAgent(cluster, tls)))
      return agent
    }
  }
  return new SharedConnectionsConfig()
}

function newAgent({server, proxyUrl}: {server: string; proxyUrl?: string}, tls: Record<string, unknown>): HttpAgent {
  // `timeout` is the idle time of a kept connection; a request without a timeout of its own ignores it.
  const options = {...tls, keepAlive: true, timeout: IDLE_CONNECTION_MS}
  if (proxyUrl?.startsWith('socks'))
    return new SocksProxyAgent(proxyUrl, {...options, ...identityOfAddress(server, tls)})
  if (proxyUrl && server.startsWith('https:')) return new HttpsProxyAgent({...options, proxy: proxyUrl})
  if (proxyUrl) return new HttpProxyAgent({...options, proxy: proxyUrl})
  if (server.startsWith('http:')) return new HttpAgent(options)
  return new ConnectionSetUpLimitedAgent({...options, secureContext: createSecureContext(tls)})
}

/**
 * Through a SOCKS proxy, socks-proxy-agent gives TLS no host name for an API server named by its IP address,
 * and Node then checks the certificate against "localhost": `server: https://10.0.0.1:6443` with
 * `proxy-url: socks5://...` failed with ERR_TLS_CERT_ALTNAME_INVALID where kubectl connects. The agent's options
 * reach tls.connect, so its checkServerIdentity checks the certificate against that address instead, as Node does
 * without a proxy.
 */
function identityOfAddress(server: string, tls: Record<string, unknown>): {checkServerIdentity?: unknown} {
  const host = new URL(server).hostname.replace(/^\[(.*)\]$/, '$1')
  if (!isIP(host) || tls.servername) return {}
  return {checkServerIdentity: (_name: string, certificate: PeerCertificate) => checkServerIdentity(host, certificate)}
}

/** How long a new connection may take to connect, then to finish its TLS handshake (client-go's dial and handshake timeouts). */
export const CONNECT_TIMEOUT_MS = 30_000
export const HANDSHAKE_TIMEOUT_MS = 10_000

/**
 * Node waits for a TCP connect or a TLS handshake as long as the OS lets it, forever for a server that accepts
 * and then says nothing; kubectl gives up after 30 s and 10 s. Without --request-timeout (kubectl's default),
 * the CLI would hang on such a server, in CI too; with these limits it says why and exits 2.
 * (Agent#createConnection is Node's documented hook for this.)
 */
class ConnectionSetUpLimitedAgent extends HttpsAgent {
  override createConnection(...args: Parameters<HttpsAgent['createConnection']>): Socket {
    const socket = super.createConnection(...args) as Socket
    let timer = setTimeout(
      () => socket.destroy(new SetUpTimeout(`dial tcp: i/o timeout after ${CONNECT_TIMEOUT_MS / 1000}s`)),
      CONNECT_TIMEOUT_MS,
    ).unref()
    socket.once('connect', () => {
      clearTimeout(timer)
      timer = setTimeout(
        () => socket.destroy(new SetUpTimeout(`TLS handshake timeout after ${HANDSHAKE_TIMEOUT_MS / 1000}s`)),
        HANDSHAKE_TIMEOUT_MS,
      ).unref()
    })
    socket.once('secureConnect', () => clearTimeout(timer))
    socket.once('close', () => clearTimeout(timer))
    return socket
  }
}

/** No errno code: explain() then shows its message, which says which step timed out. */
class SetUpTimeout extends Error {}

/** --context, --cluster, --user, like kubectl: pick a context, then swap its cluster or user. */
function applyOverrides(config: KubeConfig, options: ConnectionOptions): void {
  if (options.context) {
    if (!config.getContextObject(options.context))
      throw new InspectError(`context "${options.context}" does not exist in kubeconfig`)
    config.setCurrentContext(options.context)
  }
  if (!options.cluster && !options.user) return
  const current = config.getContextObject(config.getCurrentContext())
  if (options.cluster && !config.getCluster(options.cluster))
    throw new InspectError(`cluster "${options.cluster}" does not exist in kubeconfig`)
  if (options.user && !config.getUser(options.user))
    throw new InspectError(`user "${options.user}" does not exist in kubeconfig`)
  const context = {
    name: 'svc-inspect-override',
    cluster: options.cluster ?? current?.cluster ?? '',
    user: options.user ?? current?.user ?? '',
    namespace: current?.namespace,
  }
  config.loadFromOptions({
    clusters: config.getClusters(),
    users: config.getUsers(),
    contexts: [...config.getContexts(), context],
    currentContext: context.name,
  })
}
