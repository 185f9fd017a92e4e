// The resolver pod: one short-lived pod per run from which DNS is asked exactly where applications ask it.
// Admitted under the restricted Pod Security Standard; deleted on success, error and signals; stopped by the
// kubelet (activeDeadlineSeconds) even if the CLI dies without cleaning up.
import {randomBytes} from 'node:crypto'
import {PassThrough} from 'node:stream'
import {InspectError} from '../errors.js'
import type {Pod} from '../model/k8s.js'
import {registerCleanup} from './cleanup.js'
import {ApiError, type KubeGateway} from './gateway.js'

export const RESOLVER_LABELS = {
  'app.kubernetes.io/name': 'svc-inspect-resolver',
  'app.kubernetes.io/managed-by': 'svc-inspect',
}
export const RESOLVER_SELECTOR = Object.entries(RESOLVER_LABELS)
  .map(([key, value]) => `${key}=${value}`)
  .join(',')
const CONTAINER = 'resolver'

export interface ResolverPodOptions {
  namespace: string
  image: string
  /** How long the pod may take to start. */
  startTimeoutMs: number
  /** Reuse this pod instead of creating one (it must have sh, dig and nc). */
  existingPod?: string
  /** How long the pod may live (--watch keeps it for the whole watch); default: start timeout + 2 minutes. */
  lifetimeSeconds?: number
  onProgress?: (message: string) => void
}

export function resolverPodManifest(name: string, image: string, lifetimeSeconds: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: {...RESOLVER_LABELS},
      annotations: {'svc-inspect/purpose': 'ephemeral DNS resolver; safe to delete'},
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 0,
      activeDeadlineSeconds: lifetimeSeconds,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65534,
        runAsGroup: 65534,
        seccompProfile: {type: 'RuntimeDefault'},
      },
      containers: [
        {
          name: CONTAINER,
          image,
          imagePullPolicy: 'IfNotPresent',
          // The container ends by itself too, so an orphan costs nothing even before the deadline.
          command: ['sh', '-c', `trap 'exit 0' TERM INT; sleep ${lifetimeSeconds} & wait`],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: {drop: ['ALL']},
            runAsNonRoot: true,
          },
          // The batch is CPU-bound while it runs (one dig per server, in parallel): a 500m limit doubled its time
          // (docs/performance.md), so the limit is one CPU; the request stays small.
          resources: {requests: {cpu: '10m', memory: '16Mi'}, limits: {cpu: '1', memory: '256Mi'}},
          volumeMounts: [{name: 'tmp', mountPath: '/tmp'}],
        },
      ],
      volumes: [{name: 'tmp', emptyDir: {sizeLimit: '16Mi'}}],
    },
  } as unknown as Pod
}

/** RBAC forbids creating the resolver pod: the caller skips the live check with a finding instead of failing. */
export class ResolverForbidden extends Error {
  readonly reason = 'Forbidden'
  constructor(message: string) {
    super(message)
    this.name = 'ResolverForbidden'
  }
}

/**
 * Whether a 403 came from Pod Security admission rather than RBAC. Both are a Status with reason Forbidden; only
 * the message tells them apart: the admission's says `violates PodSecurity "LEVEL:VERSION": ...`
 * (kubernetes staging/src/k8s.io/pod-security-admission/admission/admission.go, forbiddenResponse).
 */
function refusedByPodSecurity(error: ApiError): boolean {
  return error.detail.includes('PodSecurity')
}

export class ResolverPod {
  private startedShell: PodShell | null = null

  private constructor(
    private readonly gateway: KubeGateway,
    readonly namespace: string,
    readonly name: string,
    readonly image: string,
    readonly created: boolean,
    readonly startMs: number,
    private readonly release: () => Promise<void>,
    /** The container commands run in: ours, or the first one of a --resolver-pod. */
    private readonly container: string = CONTAINER,
  ) {}

  static async start(gateway: KubeGateway, options: ResolverPodOptions): Promise<ResolverPod> {
    const started = Date.now()
    if (options.existingPod) {
      // The shell is not kept waiting for the pod's read (an exec's set-up is the slowest step of a run): without
      // a container named, the API server picks the pod's only one, as kubectl exec does. A pod with more gets a
      // shell in its first container once the read names it.
      const early = new PodShell(gateway, options.namespace, options.existingPod, '')
      const pod = await gateway
        .call(`pod/${options.existingPod}`, () =>
          gateway.core.readNamespacedPod({name: options.existingPod!, namespace: options.namespace}),
        )
        .catch((error) => {
          early.abort()
          throw error
        })
      if (pod.status?.phase !== 'Running') {
        early.abort()
        throw new InspectError(`--resolver-pod ${options.existingPod} is ${pod.status?.phase ?? 'not running'}`)
      }
      const containers = pod.spec?.containers ?? []
      const resolver = new ResolverPod(
        gateway,
        options.namespace,
        options.existingPod,
        containers[0]?.image ?? 'unknown',
        false,
        0,
        async () => {},
        containers[0]?.name,
      )
      if (containers.length === 1) resolver.startedShell = early
      else early.abort()
      return resolver
    }
    const name = `svc-inspect-resolver-${randomBytes(3).toString('hex').slice(0, 5)}`
    const lifetimeSeconds = options.lifetimeSeconds ?? Math.max(60, Math.ceil(options.startTimeoutMs / 1000) + 120)
    let creation: Promise<unknown> = Promise.resolve()
    let created = false
    // Registered before the create is sent: a signal during the request waits for it, then deletes. Only a
    // pod that exists is deleted, so a refused create cannot turn into a second (delete) error.
    const release = registerCleanup(async () => {
      await creation.catch(() => undefined)
      if (created) await deletePod(gateway, options.namespace, name)
    })
    try {
      creation = gateway
        .call(`create pod/${name}`, () =>
          gateway.core.createNamespacedPod({
            namespace: options.namespace,
            body: resolverPodManifest(name, options.image, lifetimeSeconds) as never,
          }),
        )
        .then(() => {
          created = true
        })
      await creation
      options.onProgress?.(`resolver pod ${options.namespace}/${name} created`)
      await waitRunning(gateway, options.namespace, name, options.image, options.startTimeoutMs)
    } catch (error) {
      await release().catch(() => undefined)
      if (error instanceof ApiError) {
        // RBAC says no: the check degrades (a finding). Pod Security says no: the pod itself is wrong, exit 2.
        if (error.reason === 'Forbidden' && !refusedByPodSecurity(error))
          throw new ResolverForbidden(`cannot create pods in namespace ${options.namespace}: ${error.detail}`)
        throw new InspectError(
          `cannot create the resolver pod in namespace ${options.namespace}: ${error.detail}`,
          error.reason,
          {cause: error},
        )
      }
      throw error
    }
    return new ResolverPod(gateway, options.namespace, name, options.image, true, Date.now() - started, release)
  }

  /** A shell started now (or the one started with a --resolver-pod's read), to be given its script later (see PodShell). */
  shell(): PodShell {
    const started = this.startedShell
    this.startedShell = null
    return started ?? new PodShell(this.gateway, this.namespace, this.name, this.container)
  }

  async stop(): Promise<void> {
    this.startedShell?.abort()
    this.startedShell = null
    await this.release()
  }
}

async function deletePod(gateway: KubeGateway, namespace: string, name: string): Promise<void> {
  try {
    await gateway.core.deleteNamespacedPod({name, namespace, gracePeriodSeconds: 0})
  } catch (error) {
    if ((error as {code?: number}).code !== 404) throw error
  }
}

/** Waits for Running, or explains in one line why the pod will not start (image, admission, scheduling). */
async function waitRunning(
  gateway: KubeGateway,
  namespace: string,
  name: string,
  image: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastState = 'Pending'
  while (Date.now() < deadline) {
    const pod = await gateway.call(`pod/${name}`, () => gateway.core.readNamespacedPod({name, namespace}))
    const status = pod.status
    if (status?.phase === 'Running') return
    if (status?.phase === 'Failed' || status?.phase === 'Succeeded') {
      throw new InspectError(
        `resolver pod ${name} ended (${status.phase}${status.reason ? `: ${status.reason}` : ''}) before it could be used`,
        'Failed',
      )
    }
    const waiting = status?.containerStatuses?.[0]?.state?.waiting
    if (waiting?.reason && /ImagePull|ErrImage|InvalidImageName/.test(waiting.reason)) {
      throw new InspectError(
        `resolver pod cannot start: ${waiting.reason} for image ${image}${waiting.message ? ` (${waiting.message.split('\n')[0]})` : ''}; pass a reachable dig-capable image with --image`,
        'Failed',
      )
    }
    if (waiting?.reason && /CreateContainer|RunContainer|CrashLoop/.test(waiting.reason)) {
      throw new InspectError(
        `resolver pod cannot start: ${waiting.reason}${waiting.message ? ` (${waiting.message.split('\n')[0]})` : ''}`,
        'Failed',
      )
    }
    const unscheduled = status?.conditions?.find(
      (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
    )
    lastState =
      waiting?.reason ??
      (unscheduled ? `unschedulable: ${unscheduled.message ?? unscheduled.reason}` : (status?.phase ?? 'Pending'))
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new InspectError(
    `resolver pod ${name} did not start within ${Math.round(timeoutMs / 1000)}s (last state: ${lastState})`,
    'Timeout',
  )
}

/** `svc-inspect cleanup`: resolver pods left behind (e.g. by a CLI killed with SIGKILL), found by label. */
export async function deleteLeftoverResolvers(gateway: KubeGateway, namespace: string | undefined): Promise<string[]> {
  const list = await gateway.call('pods', () =>
    namespace
      ? gateway.core.listNamespacedPod({namespace, labelSelector: RESOLVER_SELECTOR})
      : gateway.core.listPodForAllNamespaces({labelSelector: RESOLVER_SELECTOR}),
  )
  const deleted: string[] = []
  for (const pod of list.items) {
    const ns = pod.metadata?.namespace ?? 'default'
    const name = pod.metadata?.name ?? ''
    await gateway.call(`delete pod/${name}`, () => deletePod(gateway, ns, name))
    deleted.push(`${ns}/${name}`)
  }
  return deleted
}

interface ExecStatus {
  status?: string
  message?: string
}

/**
 * What the shell uses of the exec's WebSocket. client-node types it with @types/ws, which is not installed, so its
 * type does not resolve here.
 */
interface ExecSocket {
  close(): void
  on(event: 'close', listener: () => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

/**
 * `sh -s` in the pod, started before its script is known: the exec's set-up (API server, kubelet, container
 * runtime) is the slowest step of a run, and overlaps with whatever the caller does until it has the script. One
 * use.
 */
export class PodShell {
  private readonly stdin = new PassThrough()
  private socket: ExecSocket | null = null
  private aborted = false
  private readonly finished: Promise<{status: ExecStatus; stdout: Buffer; stderr: string}>
  private readonly stdout = new PassThrough()
  private readonly out: Buffer[] = []

  constructor(
    gateway: KubeGateway,
    namespace: string,
    private readonly pod: string,
    container: string,
  ) {
    const exec = new gateway.client.Exec(gateway.config)
    const {stdout, out} = this
    const stderr = new PassThrough()
    const err: Buffer[] = []
    stdout.on('data', (chunk: Buffer) => out.push(chunk))
    stderr.on('data', (chunk: Buffer) => err.push(chunk))
    this.finished = new Promise((resolve, reject) => {
      let status: ExecStatus = {}
      const opened = exec.exec(
        namespace,
        pod,
        container,
        ['sh', '-s'],
        stdout,
        stderr,
        this.stdin,
        false,
        (reported) => {
          status = reported
        },
      ) as Promise<unknown> as Promise<ExecSocket>
      opened
        .then((socket) => {
          this.socket = socket
          socket.on('close', () =>
            resolve({status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8')}),
          )
          socket.on('error', reject)
          if (this.aborted) socket.close()
        })
        .catch((error) => reject(gateway.explain(`exec in pod/${pod}`, error)))
    })
    // A shell that is never used may fail unseen; run() reports the failure of one that is.
    this.finished.catch(() => undefined)
  }

  /**
   * Resolves with stdout, as bytes; rejects with stderr's first line when the script exits non-zero. A script
   * whose last line prints `endMarker` is done when stdout ends with it: its output is returned at once, and the
   * exec is closed rather than waited for.
   */
  async run(script: string, endMarker?: string): Promise<Buffer> {
    const complete = endMarker ? this.outputEndingWith(Buffer.from(endMarker)) : null
    // The script ends the shell itself: ending stdin instead would close the whole stream on the v4 exec
    // protocol (before v5, Kubernetes < 1.30), output and all.
    this.stdin.write(`${script}\nexit\n`)
    const ended = await (complete ? Promise.race([this.finished, complete]) : this.finished)
    if (ended === null) {
      this.abort()
      return Buffer.concat(this.out)
    }
    const {status, stdout, stderr} = ended
    if (status.status && status.status !== 'Success') {
      throw new InspectError(
        `command in resolver pod ${this.pod} failed: ${stderr.trim().split('\n')[0] || status.message || status.status}`,
        'Failed',
      )
    }
    return stdout
  }

  /** Resolves (with null) once stdout ends with `marker`; chunks reach `out` first (that listener came first). */
  private outputEndingWith(marker: Buffer): Promise<null> {
    return new Promise((resolve) => {
      let tail = Buffer.alloc(0)
      this.stdout.on('data', (chunk: Buffer) => {
        tail = Buffer.concat([tail, chunk]).subarray(-marker.length)
        if (tail.equals(marker)) resolve(null)
      })
    })
  }

  /** Ends a shell that will not be used (or whose output is complete). */
  abort(): void {
    this.aborted = true
    this.socket?.close()
  }
}
