// `--from`: the live check from the client pod's own network namespace. An ephemeral container with the resolver
// image is added to the client pod through the pods/ephemeralcontainers subresource (a strategic merge patch, as
// `kubectl debug` sends), and the batch runs in it through exec, as in a resolver pod. Its traffic leaves from the
// client's address, so NetworkPolicy treats it as the client's, and it reads the client's resolv.conf.
//
// Kubernetes cannot remove an ephemeral container: it stays in the pod's spec, and in its status as terminated,
// until the pod is replaced. This one exits as soon as the check is done (a file in its /tmp tells it to), or at
// the latest after its lifetime, and uses nothing after that.
import {randomBytes} from 'node:crypto'
import {InspectError} from '../errors.js'
import {registerCleanup} from './cleanup.js'
import {ApiError, type KubeGateway} from './gateway.js'
import {PodShell, ResolverForbidden} from './resolver-pod.js'

/** The file whose creation ends the container's wait (in its own /tmp: every container has its own root). */
const DONE_FILE = '/tmp/svc-inspect.done'

export interface EphemeralResolverOptions {
  /** The client pod's namespace and name. */
  namespace: string
  pod: string
  image: string
  startTimeoutMs: number
  /** The longest the container may wait for the check (if the CLI dies before telling it to exit). */
  lifetimeSeconds?: number
  onProgress?: (message: string) => void
}

/** The live check's ephemeral container could not be added (RBAC, or ephemeral containers not served). */
export class EphemeralUnavailable extends ResolverForbidden {
  readonly hint =
    "grant patch on pods/ephemeralcontainers and create on pods/exec in the client's namespace (the svc-inspect-client role in deploy/rbac.yaml), or pass --no-dns for the static verdicts alone"
}

/**
 * The container: the resolver image under the restricted Pod Security Standard, set on the container itself (the
 * client pod's own securityContext may allow more, or less). No resources, ports or probes: the API rejects them
 * on ephemeral containers. It waits for DONE_FILE, checking once a second, for at most `lifetimeSeconds`.
 */
export function ephemeralContainerSpec(name: string, image: string, lifetimeSeconds: number): Record<string, unknown> {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    command: [
      'sh',
      '-c',
      `trap 'exit 0' TERM INT; i=0; while [ $i -lt ${lifetimeSeconds} ] && [ ! -e ${DONE_FILE} ]; do sleep 1; i=$((i+1)); done`,
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      allowPrivilegeEscalation: false,
      capabilities: {drop: ['ALL']},
      seccompProfile: {type: 'RuntimeDefault'},
    },
    terminationMessagePolicy: 'File',
  }
}

export class EphemeralResolver {
  readonly created = true

  private constructor(
    private readonly gateway: KubeGateway,
    /** The client pod's namespace and name: where the batch runs. */
    readonly namespace: string,
    readonly name: string,
    readonly container: string,
    readonly image: string,
    readonly startMs: number,
    private readonly release: () => Promise<void>,
  ) {}

  static async start(gateway: KubeGateway, options: EphemeralResolverOptions): Promise<EphemeralResolver> {
    const started = Date.now()
    const container = `svc-inspect-${randomBytes(3).toString('hex').slice(0, 5)}`
    const lifetimeSeconds = options.lifetimeSeconds ?? Math.max(60, Math.ceil(options.startTimeoutMs / 1000) + 120)
    const what = `pod/${options.pod} ephemeralcontainers`
    let patch: Promise<unknown> = Promise.resolve()
    let added = false
    // Registered before the patch is sent, as the resolver pod's deletion is: on a signal the container is told to
    // exit (it cannot be removed).
    const release = registerCleanup(async () => {
      await patch.catch(() => undefined)
      if (added) await finish(gateway, options.namespace, options.pod, container)
    })
    try {
      const {PatchStrategy, setHeaderOptions} = gateway.client
      patch = gateway
        .call(what, () =>
          gateway.core.patchNamespacedPodEphemeralcontainers(
            {
              name: options.pod,
              namespace: options.namespace,
              body: {spec: {ephemeralContainers: [ephemeralContainerSpec(container, options.image, lifetimeSeconds)]}},
            },
            setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
          ),
        )
        .then(() => {
          added = true
        })
      await patch
      options.onProgress?.(`ephemeral container ${container} added to pod ${options.namespace}/${options.pod}`)
      await waitRunning(gateway, options, container)
    } catch (error) {
      await release().catch(() => undefined)
      throw explainPatchError(error, options)
    }
    return new EphemeralResolver(
      gateway,
      options.namespace,
      options.pod,
      container,
      options.image,
      Date.now() - started,
      release,
    )
  }

  shell(): PodShell {
    return new PodShell(this.gateway, this.namespace, this.name, this.container)
  }

  /** Tells the container to exit (once; a failure is ignored: it exits by itself at the end of its lifetime). */
  async stop(): Promise<void> {
    await this.release().catch(() => undefined)
  }
}

async function finish(gateway: KubeGateway, namespace: string, pod: string, container: string): Promise<void> {
  await new PodShell(gateway, namespace, pod, container).run(`touch ${DONE_FILE}`).catch(() => undefined)
}

/**
 * RBAC refusing the patch, or a cluster that does not serve the subresource (404, as `kubectl debug` reads it:
 * ephemeral containers disabled): the live check degrades to a warning. Pod Security refusing it, or anything
 * else, is an error.
 */
function explainPatchError(error: unknown, options: EphemeralResolverOptions): unknown {
  if (!(error instanceof ApiError)) return error
  const where = `pod ${options.namespace}/${options.pod}`
  if (error.status === 403 && !/PodSecurity/.test(error.detail))
    return new EphemeralUnavailable(`may not add an ephemeral container to ${where}: ${error.detail}`)
  if (error.status === 404)
    return new EphemeralUnavailable(`ephemeral containers are not available (${where}: ${error.detail})`)
  return new InspectError(`cannot add an ephemeral container to ${where}: ${error.detail}`, error.reason)
}

/** Waits until the container runs, or explains in one line why it will not (image, runtime, early exit). */
async function waitRunning(gateway: KubeGateway, options: EphemeralResolverOptions, container: string): Promise<void> {
  const deadline = Date.now() + options.startTimeoutMs
  let lastState = 'not started'
  while (Date.now() < deadline) {
    const pod = await gateway.call(`pod/${options.pod}`, () =>
      gateway.core.readNamespacedPod({name: options.pod, namespace: options.namespace}),
    )
    const state = pod.status?.ephemeralContainerStatuses?.find((status) => status.name === container)?.state
    if (state?.running) return
    if (state?.terminated) {
      const {reason, exitCode, message} = state.terminated
      throw new InspectError(
        `ephemeral container ${container} in pod ${options.namespace}/${options.pod} ended (${reason ?? 'exit'} ${exitCode}${message ? `: ${message.split('\n')[0]}` : ''}) before it could be used`,
      )
    }
    const waiting = state?.waiting
    if (waiting?.reason && /ImagePull|ErrImage|InvalidImageName|CreateContainer|RunContainer/.test(waiting.reason)) {
      throw new InspectError(
        `ephemeral container cannot start: ${waiting.reason} for image ${options.image}${waiting.message ? ` (${waiting.message.split('\n')[0]})` : ''}; pass a dig-capable image the node can run with --image`,
      )
    }
    lastState = waiting?.reason ?? (state ? 'waiting' : 'not started')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new InspectError(
    `ephemeral container ${container} in pod ${options.namespace}/${options.pod} did not start within ${Math.round(options.startTimeoutMs / 1000)}s (last state: ${lastState})`,
  )
}
