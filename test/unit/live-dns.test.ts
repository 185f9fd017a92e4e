// LiveDnsCheck's conversation with the resolver pod, against a fake API whose exec runs nothing: it records
// what the check sends and answers as the pod's shell would. What is checked is the protocol: how many execs a
// check costs, what each shell gets on stdin, and that a shell never used is closed. (What the scripts do is
// tested by running them with sh and dig in dig.test.ts, and against the real cluster in test/e2e.)
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import {readFileSync} from 'node:fs'
import type {Writable, Readable} from 'node:stream'
import {buildReport} from '../../src/analyse/report.js'
import {questionsFor} from '../../src/analyse/dns-diff.js'
import {ApiError, type KubeGateway} from '../../src/kube/gateway.js'
import {LiveDnsCheck, type LiveDnsOptions} from '../../src/kube/live-dns.js'
import type {EndpointSlice} from '../../src/model/k8s.js'
import type {ServiceReport} from '../../src/model/report.js'
import {recordedService} from './recorded.js'

const BATCH_SCRIPT = readFileSync(new URL('../../src/kube/resolver-batch.sh', import.meta.url), 'utf8')

/** The data section of a batch's input: the lines of the here-document after the script. */
function batchDataOf(input: string): string[] {
  const data = /\nsvc_inspect_batch <<'SVC_INSPECT_DATA'\n([^]*?)\nSVC_INSPECT_DATA(?:\n|$)/.exec(
    input.slice(BATCH_SCRIPT.length),
  )
  assert.ok(data, 'a data section after the script')
  return data[1].split('\n')
}

const RESOLV_CONF =
  'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n'

/** kube-system/kube-dns as the EndpointSlice controller writes it: two ready CoreDNS replicas. */
const kubeDnsSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {name: 'kube-dns-x7k2p', namespace: 'kube-system', labels: {'kubernetes.io/service-name': 'kube-dns'}},
  addressType: 'IPv4',
  ports: [
    {name: 'dns', port: 53, protocol: 'UDP'},
    {name: 'dns-tcp', port: 53, protocol: 'TCP'},
  ],
  endpoints: [
    {
      addresses: ['10.244.0.2'],
      conditions: {ready: true},
      targetRef: {kind: 'Pod', name: 'coredns-6f6ddb4548-6mfzv', namespace: 'kube-system'},
    },
    {
      addresses: ['10.244.0.3'],
      conditions: {ready: true},
      targetRef: {kind: 'Pod', name: 'coredns-6f6ddb4548-9wgl8', namespace: 'kube-system'},
    },
  ],
} as unknown as EndpointSlice

interface ExecCall {
  container: string
  command: string[]
  stdin: string
  closedByClient: boolean
}

/** dig +yaml's shape, one NOERROR answer with no records per question: enough for the parser. */
const digAnswers = (count: number) =>
  '- type: MESSAGE\n  message:\n    response_message_data:\n      status: NOERROR\n'.repeat(count)

/**
 * The API as LiveDnsCheck and ResolverPod use it; the exec answers a script once it has read `exit`. With
 * `slowTeardown`, the exit status and the close of a batch's exec never come (the client must close it).
 */
function fakeCluster(
  questionCount: number,
  options: {
    replicas?: () => Promise<EndpointSlice[]>
    containers?: string[]
    slowTeardown?: boolean
    podPhase?: string
    podMissing?: boolean
    /** What creating a pod fails with (the API's refusal). */
    createRefused?: ApiError
    /** The batch's shell fails: this on stderr, no output, exit status Failure (e.g. an image without sh features). */
    batchFails?: string
  } = {},
) {
  const calls: ExecCall[] = []
  class FakeExec {
    async exec(
      _namespace: string,
      _pod: string,
      container: string,
      command: string[],
      stdout: Writable,
      stderr: Writable,
      stdin: Readable,
      _tty: boolean,
      status: (value: unknown) => void,
    ) {
      const call: ExecCall = {container, command, stdin: '', closedByClient: false}
      calls.push(call)
      const socket = Object.assign(new EventEmitter(), {
        close() {
          call.closedByClient = true
          socket.emit('close')
        },
      })
      stdin.on('data', (chunk) => {
        call.stdin += chunk
        if (!call.stdin.endsWith('\nexit\n')) return
        const script = call.stdin.slice(0, -'\nexit\n'.length)
        if (options.batchFails && script !== 'cat /etc/resolv.conf') {
          stderr.write(options.batchFails)
          status({status: 'Failure', message: 'command terminated with non-zero exit code: exit status 2'})
          setImmediate(() => socket.emit('close'))
          return
        }
        stdout.write(script === 'cat /etc/resolv.conf' ? RESOLV_CONF : batchOutput(script))
        if (options.slowTeardown && script !== 'cat /etc/resolv.conf') return
        status({status: 'Success'})
        setImmediate(() => socket.emit('close'))
      })
      return socket
    }
  }
  // What the batch prints, as the pod would print it (uncompressed, as without gzip): resolv.conf when a server is
  // the nameserver of resolv.conf (`server - 53` in the data), the reach section, a section per server (the TCP
  // check, the questions, the UDP check), the end line.
  const batchOutput = (input: string) => {
    const servers = batchDataOf(input).filter((line) => line.startsWith('server '))
    return [
      ...(servers.some((line) => line.startsWith('server - ')) ? [`=== svc-inspect resolv.conf\n${RESOLV_CONF}`] : []),
      '=== svc-inspect reach\n',
      ...servers.map((_, index) => `=== svc-inspect s${index}\n${digAnswers(questionCount + 2)}`),
      '=== svc-inspect end\n',
    ].join('')
  }
  const gateway = {
    client: {Exec: FakeExec},
    config: {},
    core: {
      createNamespacedPod: async () => {
        throw options.createRefused ?? new Error('unexpected create')
      },
      readNamespacedPod: async () => {
        await settle() // the early shell's exec has started by the time the read answers
        if (options.podMissing) throw new Error('pods "dnsutils" not found')
        return {
          status: {phase: options.podPhase ?? 'Running'},
          spec: {
            containers: (options.containers ?? ['dnsutils']).map((name) => ({
              name,
              image: `registry.example/${name}:1`,
            })),
          },
        }
      },
    },
    call: <T>(_what: string, request: () => Promise<T>) => request(),
    explain: (_what: string, error: unknown) => error as Error,
    listEndpointSlices: options.replicas ?? (async () => [kubeDnsSlice]),
  } as unknown as KubeGateway
  return {gateway, calls}
}

const OPTIONS: LiveDnsOptions = {
  via: 'pod',
  namespace: 'default',
  image: 'unused',
  existingPod: 'dnsutils',
  startTimeoutMs: 1000,
  queryTimeoutSeconds: 2,
  reach: false,
}

function report(source: 'coredns-configmap' | 'default'): ServiceReport {
  return buildReport({
    service: recordedService('web'),
    endpointSlices: [],
    pods: [],
    events: [],
    clusterDomain: {value: 'cluster.local', source},
    readProblems: [],
  })
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('LiveDnsCheck and the resolver pod: one exec per check', () => {
  it('the domain known: one shell, opened ahead, gets the whole batch on stdin, which reads resolv.conf itself', async () => {
    const web = report('coredns-configmap')
    const {gateway, calls} = fakeCluster(questionsFor(web).length)
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    assert.equal(calls.length, 1, 'the shell is started when the check opens, before any script exists')
    assert.equal(calls[0].stdin, '')
    const observation = await check.observe(web)
    await check.close()

    assert.equal(calls.length, 1, 'one exec for the whole check')
    // Started before the pod's read: no container named, so the API server picks the pod's only one.
    assert.deepEqual([calls[0].container, calls[0].command], ['', ['sh', '-s']])
    const input = calls[0].stdin
    assert.ok(input.startsWith(BATCH_SCRIPT) && input.endsWith('\nexit\n'), 'the batch, which ends the shell itself')
    // The nameserver is read by the batch from resolv.conf, then the two replicas by address.
    assert.deepEqual(
      batchDataOf(input).filter((line) => line.startsWith('server ')),
      ['server - 53', 'server 10.244.0.2 53', 'server 10.244.0.3 53'],
    )
    assert.deepEqual(
      observation.servers.map((server) => `${server.label} ${server.address}`),
      ['nameserver 10.96.0.10', 'coredns-6f6ddb4548-6mfzv 10.244.0.2', 'coredns-6f6ddb4548-9wgl8 10.244.0.3'],
    )
    assert.equal(observation.queries.length, 3 * questionsFor(web).length)
    assert.deepEqual(
      observation.transports,
      observation.servers.map((server) => ({server: server.label, tcp: true, udp: true})),
    )
    assert.equal(observation.resolver.nameserver, '10.96.0.10')
  })

  it('a second check reuses what the first learnt: the nameserver by address, resolv.conf not read again', async () => {
    const web = report('coredns-configmap')
    const {gateway, calls} = fakeCluster(questionsFor(web).length)
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    await check.observe(web)
    await check.observe(web)
    await check.close()
    assert.equal(calls.length, 2)
    assert.deepEqual(
      batchDataOf(calls[1].stdin).filter((line) => line.startsWith('server ')),
      ['server 10.96.0.10 53', 'server 10.244.0.2 53', 'server 10.244.0.3 53'],
    )
  })

  it('the domain needed first (no ConfigMap): resolv.conf in the opened shell, then the batch in a second one', async () => {
    const web = report('default')
    const {gateway, calls} = fakeCluster(questionsFor(web).length)
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    assert.equal(await check.clusterDomain(), 'cluster.local')
    assert.deepEqual(await check.searchDomains(), ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'])
    await check.observe(web)
    await check.close()
    assert.deepEqual(
      calls.map((call) => (call.stdin.startsWith(BATCH_SCRIPT) ? 'the batch' : call.stdin)),
      ['cat /etc/resolv.conf\nexit\n', 'the batch'],
    )
    assert.deepEqual(
      batchDataOf(calls[1].stdin).filter((line) => line.startsWith('server ')),
      ['server 10.96.0.10 53', 'server 10.244.0.2 53', 'server 10.244.0.3 53'],
      'resolv.conf known: the nameserver by address',
    )
  })

  it('a --resolver-pod with several containers: the shell started before its read is closed, the batch runs in its first container', async () => {
    const web = report('coredns-configmap')
    const {gateway, calls} = fakeCluster(questionsFor(web).length, {containers: ['dnsutils', 'sidecar']})
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    const observation = await check.observe(web)
    await check.close()
    assert.deepEqual(
      calls.map((call) => [call.container, call.stdin === '' ? 'nothing sent' : 'the batch']),
      [
        ['', 'nothing sent'],
        ['dnsutils', 'the batch'],
      ],
    )
    assert.equal(calls[0].closedByClient, true, 'the early shell is closed')
    assert.equal(observation.queries.length, 3 * questionsFor(web).length)
  })

  for (const row of [
    {
      name: 'a --resolver-pod that is not running: one clear error, and the shell started before its read is closed',
      options: {podPhase: 'Pending'},
      error: /--resolver-pod dnsutils is Pending$/,
    },
    {
      name: 'a --resolver-pod that does not exist: its read fails, and the shell started before it is closed',
      options: {podMissing: true},
      error: /pods "dnsutils" not found/,
    },
  ]) {
    it(row.name, async () => {
      const {gateway, calls} = fakeCluster(0, row.options)
      await assert.rejects(LiveDnsCheck.open(gateway, OPTIONS), row.error)
      await settle()
      assert.deepEqual(
        calls.map((call) => [call.container, call.stdin, call.closedByClient]),
        [['', '', true]],
      )
    })
  }

  it(
    "the batch's output is complete at its end line: the check closes the exec instead of waiting for its teardown",
    {timeout: 5000},
    async () => {
      const web = report('coredns-configmap')
      const {gateway, calls} = fakeCluster(questionsFor(web).length, {slowTeardown: true})
      const check = await LiveDnsCheck.open(gateway, OPTIONS)
      const observation = await check.observe(web)
      await check.close()
      assert.equal(observation.queries.length, 3 * questionsFor(web).length)
      assert.ok(observation.queries.every((query) => query.rcode === 'NOERROR'))
      assert.deepEqual(
        calls.map((call) => call.closedByClient),
        [true],
      )
    },
  )

  it("a batch whose shell fails before its end line: one error with stderr's first line, reason Failed", async () => {
    const web = report('coredns-configmap')
    const {gateway} = fakeCluster(questionsFor(web).length, {
      batchFails: 'sh: 12: Syntax error: "(" unexpected\nsh: more\n',
    })
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    await assert.rejects(check.observe(web), {
      name: 'InspectError',
      message: 'command in resolver pod dnsutils failed: sh: 12: Syntax error: "(" unexpected',
      reason: 'Failed',
    })
    await check.close()
  })

  it('a shell never used is closed by close(), with nothing sent to it', async () => {
    const {gateway, calls} = fakeCluster(0)
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    await settle()
    await check.close()
    assert.deepEqual(
      calls.map((call) => [call.stdin, call.closedByClient]),
      [['', true]],
    )
  })

  it('a failure to find the replicas (not an API refusal) fails open() and closes the shell it had started', async () => {
    const {gateway, calls} = fakeCluster(0, {
      replicas: () => settle().then(() => Promise.reject(new Error('socket hang up'))),
    })
    await assert.rejects(LiveDnsCheck.open(gateway, OPTIONS), /socket hang up/)
    await settle()
    assert.deepEqual(
      calls.map((call) => call.closedByClient),
      [true],
    )
  })
})

describe("the API refusing the live check: errors with a reason, worded from the API's own message", () => {
  // The Status messages as the API server words them: RBAC's
  // (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go, forbiddenMessage) and Pod Security
  // admission's (k8s.io/pod-security-admission/admission/admission.go: `violates PodSecurity %q: %s`), both 403
  // Forbidden; a 422 for a pod the API rejects as invalid.
  const RBAC =
    'Forbidden: pods is forbidden: User "reader" cannot create resource "pods" in API group "" in the namespace "default"'
  const rows: Array<{name: string; refusal: ApiError; error: string; message: string; reason: string}> = [
    {
      name: 'RBAC forbids creating pods: ResolverForbidden (the check degrades to a finding), reason Forbidden',
      refusal: new ApiError(403, 'create pod/svc-inspect-resolver-1a2b3', RBAC),
      error: 'ResolverForbidden',
      message: `cannot create pods in namespace default: ${RBAC}`,
      reason: 'Forbidden',
    },
    {
      name: 'Pod Security refuses the pod: an InspectError (exit 2), reason Forbidden',
      refusal: new ApiError(
        403,
        'create pod/svc-inspect-resolver-1a2b3',
        'Forbidden: pods "svc-inspect-resolver-1a2b3" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod or container "resolver" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      ),
      error: 'InspectError',
      message:
        'cannot create the resolver pod in namespace default: Forbidden: pods "svc-inspect-resolver-1a2b3" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod or container "resolver" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      reason: 'Forbidden',
    },
    {
      name: 'a pod the API rejects as invalid: an InspectError, reason Invalid',
      refusal: new ApiError(
        422,
        'create pod/svc-inspect-resolver-1a2b3',
        'HTTP 422: Pod "svc-inspect-resolver-1a2b3" is invalid: spec.containers[0].image: Required value',
      ),
      error: 'InspectError',
      message:
        'cannot create the resolver pod in namespace default: HTTP 422: Pod "svc-inspect-resolver-1a2b3" is invalid: spec.containers[0].image: Required value',
      reason: 'Invalid',
    },
  ]
  for (const row of rows) {
    it(row.name, async () => {
      const {gateway} = fakeCluster(0, {createRefused: row.refusal})
      await assert.rejects(LiveDnsCheck.open(gateway, {...OPTIONS, existingPod: undefined}), {
        name: row.error,
        message: row.message,
        reason: row.reason,
      })
    })
  }

  it("the CoreDNS replicas unreadable (RBAC): a problem in the API's words, and only the pod's nameserver asked", async () => {
    const refusal = new ApiError(
      403,
      'endpointslices',
      'Forbidden: endpointslices.discovery.k8s.io is forbidden: User "reader" cannot list resource "endpointslices" in API group "discovery.k8s.io" in the namespace "kube-system"',
    )
    const web = report('coredns-configmap')
    const {gateway} = fakeCluster(questionsFor(web).length, {replicas: () => Promise.reject(refusal)})
    const check = await LiveDnsCheck.open(gateway, OPTIONS)
    const observation = await check.observe(web)
    await check.close()
    assert.deepEqual(observation.problems, [
      'could not read the CoreDNS replicas (kube-system/kube-dns EndpointSlices): Forbidden: endpointslices.discovery.k8s.io is forbidden: User "reader" cannot list resource "endpointslices" in API group "discovery.k8s.io" in the namespace "kube-system"; only the pod\'s nameserver was asked',
    ])
    assert.deepEqual(
      observation.servers.map((server) => `${server.label} ${server.address}`),
      ['nameserver 10.96.0.10'],
    )
  })
})
