// `--from`'s live check: the ephemeral container in the client pod, against a fake API (as live-dns.test.ts does
// for the resolver pod). What is checked is the conversation: the patch of pods/ephemeralcontainers (a strategic
// merge patch with the restricted container), the wait until it runs, the exec into it, the file that ends it,
// and how each refusal is reported. (The container running for real is test/e2e/client.test.ts.)
//
// Kubernetes rules the rows rely on:
// - Ephemeral containers are added through the pods/ephemeralcontainers subresource; "ephemeral containers may
//   not have ports, ... resources" and cannot be removed or restarted
//   (https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/). kubectl debug sends a strategic merge
//   patch to that subresource (k8s.io/kubectl v0.32.4 pkg/cmd/debug/debug.go, debugByEphemeralContainer).
// - A 404 from that subresource means ephemeral containers are disabled (same file: "The apiserver will return a
//   404 when the EphemeralContainers feature is disabled because the `/ephemeralcontainers` subresource is
//   missing").
// - The restricted Pod Security Standard: runAsNonRoot true, allowPrivilegeEscalation false, capabilities drop ALL,
//   seccompProfile RuntimeDefault (or Localhost), each allowed on the container
//   (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted); it applies to ephemeral
//   containers too.
// - An ephemeral container's state is in status.ephemeralContainerStatuses (API reference, PodStatus).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import type {Readable, Writable} from 'node:stream'
import {PatchStrategy, setHeaderOptions} from '../../src/kube/client-node.js'
import {ApiError, type KubeGateway} from '../../src/kube/gateway.js'
import {EphemeralUnavailable, ephemeralContainerSpec} from '../../src/kube/ephemeral-resolver.js'
import {ResolverForbidden} from '../../src/kube/resolver-pod.js'
import {LiveDnsCheck, type LiveDnsOptions} from '../../src/kube/live-dns.js'
import {InspectError} from '../../src/errors.js'

const RESOLV_CONF =
  'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:2\n'

interface Call {
  container: string
  stdin: string
}

interface Patch {
  name: string
  namespace: string
  body: {spec: {ephemeralContainers: Array<Record<string, unknown>>}}
  contentType: string | undefined
}

/** Container states the pod reads return in turn (the last one repeats). */
type State = Record<string, unknown> | undefined

function fakeCluster(options: {states?: State[]; patchError?: ApiError} = {}) {
  const calls: Call[] = []
  const patches: Patch[] = []
  const states = options.states ?? [undefined, {waiting: {reason: 'ContainerCreating'}}, {running: {}}]
  let reads = 0
  class FakeExec {
    async exec(
      _namespace: string,
      _pod: string,
      container: string,
      _command: string[],
      stdout: Writable,
      _stderr: Writable,
      stdin: Readable,
      _tty: boolean,
      status: (value: unknown) => void,
    ) {
      const call: Call = {container, stdin: ''}
      calls.push(call)
      const socket = Object.assign(new EventEmitter(), {close: () => socket.emit('close')})
      stdin.on('data', (chunk) => {
        call.stdin += chunk
        if (!call.stdin.endsWith('\nexit\n')) return
        if (call.stdin.startsWith('cat /etc/resolv.conf')) stdout.write(RESOLV_CONF)
        status({status: 'Success'})
        setImmediate(() => socket.emit('close'))
      })
      return socket
    }
  }
  let container = ''
  const gateway = {
    client: {Exec: FakeExec, PatchStrategy, setHeaderOptions},
    config: {},
    core: {
      patchNamespacedPodEphemeralcontainers: async (
        param: Omit<Patch, 'contentType'>,
        config: {middleware: Array<{pre: (request: unknown) => unknown}>},
      ) => {
        // The header the middleware sets on the request, read as client-node's request context would take it.
        let contentType: string | undefined
        for (const middleware of config.middleware)
          middleware.pre({
            setHeaderParam: (key: string, value: string) => key === 'Content-Type' && (contentType = value),
          })
        patches.push({...param, contentType})
        if (options.patchError) throw options.patchError
        container = param.body.spec.ephemeralContainers[0].name as string
        return {}
      },
      readNamespacedPod: async () => {
        const state = states[Math.min(reads++, states.length - 1)]
        return {status: {phase: 'Running', ephemeralContainerStatuses: state ? [{name: container, state}] : []}}
      },
    },
    call: <T>(_what: string, request: () => Promise<T>) => request(),
    explain: (_what: string, error: unknown) => error as Error,
    listEndpointSlices: async () => [],
  } as unknown as KubeGateway
  return {gateway, calls, patches}
}

const OPTIONS: LiveDnsOptions = {
  via: 'pod',
  namespace: 'shop',
  image: 'localhost/svc-inspect/resolver:v1',
  ephemeralIn: 'frontend-7d4b9-x2x4q',
  startTimeoutMs: 2000,
  queryTimeoutSeconds: 2,
  lifetimeSeconds: 180,
}

describe('the ephemeral container of --from', () => {
  it('the container: the resolver image, restricted on the container itself, no resources or ports, ended by a file', () => {
    assert.deepEqual(ephemeralContainerSpec('svc-inspect-1a2b3', 'localhost/svc-inspect/resolver:v1', 180), {
      name: 'svc-inspect-1a2b3',
      image: 'localhost/svc-inspect/resolver:v1',
      imagePullPolicy: 'IfNotPresent',
      command: [
        'sh',
        '-c',
        "trap 'exit 0' TERM INT; i=0; while [ $i -lt 180 ] && [ ! -e /tmp/svc-inspect.done ]; do sleep 1; i=$((i+1)); done",
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
    })
  })

  it("one strategic merge patch adds it; once it runs, its scripts are exec'd in it (here resolv.conf); close() ends it", async () => {
    const {gateway, calls, patches} = fakeCluster()
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    assert.deepEqual(await check.searchDomains(), ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'])
    await check.close()

    assert.equal(patches.length, 1)
    const container = patches[0].body.spec.ephemeralContainers[0].name as string
    assert.match(container, /^svc-inspect-[0-9a-f]{5}$/)
    assert.deepEqual(patches[0], {
      name: 'frontend-7d4b9-x2x4q',
      namespace: 'shop',
      body: {
        spec: {ephemeralContainers: [ephemeralContainerSpec(container, 'localhost/svc-inspect/resolver:v1', 180)]},
      },
      contentType: 'application/strategic-merge-patch+json',
    })
    assert.deepEqual(calls, [
      {container, stdin: 'cat /etc/resolv.conf\nexit\n'},
      {container, stdin: 'touch /tmp/svc-inspect.done\nexit\n'},
    ])
    assert.deepEqual(check.describeResolver(), {
      pod: 'shop/frontend-7d4b9-x2x4q',
      ephemeralContainer: container,
      image: 'localhost/svc-inspect/resolver:v1',
      created: true,
      nameserver: '10.96.0.10',
      search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:2'],
    })
  })

  for (const row of [
    {
      name: 'RBAC refuses the patch: EphemeralUnavailable (a ResolverForbidden: the check degrades to a warning)',
      error: new ApiError(
        403,
        'pod/frontend ephemeralcontainers',
        'Forbidden: user "dev" cannot patch resource "pods/ephemeralcontainers"',
      ),
      degrades: true,
      message:
        'may not add an ephemeral container to pod shop/frontend-7d4b9-x2x4q: Forbidden: user "dev" cannot patch resource "pods/ephemeralcontainers"',
    },
    {
      name: 'the subresource is not served (404): ephemeral containers disabled, the check degrades too',
      error: new ApiError(
        404,
        'pod/frontend ephemeralcontainers',
        'NotFound: the server could not find the requested resource',
      ),
      degrades: true,
      message:
        'ephemeral containers are not available (pod shop/frontend-7d4b9-x2x4q: NotFound: the server could not find the requested resource)',
    },
    {
      name: 'Pod Security refuses it: an error (exit 2), not a warning',
      error: new ApiError(
        403,
        'pod/frontend ephemeralcontainers',
        'Forbidden: pods "frontend" is forbidden: violates PodSecurity "restricted:latest"',
      ),
      degrades: false,
      message:
        'cannot add an ephemeral container to pod shop/frontend-7d4b9-x2x4q: Forbidden: pods "frontend" is forbidden: violates PodSecurity "restricted:latest"',
    },
  ]) {
    it(row.name, async () => {
      const {gateway, calls} = fakeCluster({patchError: row.error})
      const error = await LiveDnsCheck.open(gateway, OPTIONS).then(
        () => assert.fail('open() should fail'),
        (reason: unknown) => reason as Error,
      )
      assert.equal(error.message, row.message)
      assert.equal(error instanceof ResolverForbidden, row.degrades)
      assert.equal(error instanceof EphemeralUnavailable, row.degrades)
      assert.equal(error instanceof InspectError, !row.degrades)
      assert.deepEqual(calls, [], "nothing was added, so nothing is exec'd")
    })
  }

  for (const row of [
    {
      name: 'an image the node cannot pull: one line naming it',
      state: {waiting: {reason: 'ErrImagePull', message: 'pull access denied\nmore'}},
      message:
        /^ephemeral container cannot start: ErrImagePull for image localhost\/svc-inspect\/resolver:v1 \(pull access denied\); pass a dig-capable image the node can run with --image$/,
    },
    {
      name: 'a container that ends before it is used (e.g. no sh in the image): one line with its exit',
      state: {terminated: {reason: 'StartError', exitCode: 128, message: 'exec: "sh": executable file not found'}},
      message:
        /^ephemeral container svc-inspect-[0-9a-f]{5} in pod shop\/frontend-7d4b9-x2x4q ended \(StartError 128: exec: "sh": executable file not found\) before it could be used$/,
    },
  ]) {
    it(row.name, async () => {
      const {gateway, calls} = fakeCluster({states: [row.state]})
      await assert.rejects(LiveDnsCheck.open(gateway, OPTIONS), (error: Error) => {
        assert.ok(error instanceof InspectError)
        assert.match(error.message, row.message)
        return true
      })
      // The container was added: it is told to exit even though it failed (the exec may find it gone).
      assert.deepEqual(
        calls.map((call) => call.stdin),
        ['touch /tmp/svc-inspect.done\nexit\n'],
      )
    })
  }

  it('a container that does not start in time: one line with the last state seen', async () => {
    const {gateway} = fakeCluster({states: [{waiting: {reason: 'ContainerCreating'}}]})
    await assert.rejects(
      LiveDnsCheck.open(gateway, {...OPTIONS, startTimeoutMs: 500}),
      /^InspectError: ephemeral container svc-inspect-[0-9a-f]{5} in pod shop\/frontend-7d4b9-x2x4q did not start within 1s \(last state: ContainerCreating\)$/,
    )
  })
})
