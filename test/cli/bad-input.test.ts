// Bad input: one `error:` line on stderr, nothing on stdout, exit 2, never a stack trace.
import assert from 'node:assert/strict'
import {writeFileSync, mkdtempSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {after, before, describe, it} from 'node:test'
import {cli, ROOT} from '../support/run.js'
import {runInProcess} from '../support/in-process.js'

const dir = mkdtempSync(`${tmpdir()}/svc-inspect-bad-`)
const file = (name: string, content: string) => {
  writeFileSync(`${dir}/${name}`, content)
  return `${dir}/${name}`
}
const dump = `${ROOT}examples/dumps/003-headless-port-mapping.yaml`
const TWO_CONTEXTS = `apiVersion: v1
kind: Config
clusters:
- {name: c1, cluster: {server: "https://127.0.0.1:1"}}
- {name: c2, cluster: {server: "https://127.0.0.1:2"}}
- {name: c3, cluster: {server: "https://127.0.0.1:3"}}
users: [{name: u, user: {token: t}}]
contexts:
- {name: first, context: {cluster: c1, user: u}}
- {name: second, context: {cluster: c2, user: u}}
current-context: first
`

/**
 * In process (test/support/in-process.ts) unless `spawned`: a case with stdin, and a few kept as the packaging
 * contract (the bundle's own error handling, as kubectl runs it).
 */
const cases: Array<{name: string; args: string[]; stderr: RegExp; input?: string; spawned?: boolean}> = [
  {
    name: 'missing file',
    args: ['web', '-f', `${dir}/absent.yaml`],
    stderr: /^error: cannot read .*absent\.yaml: no such file$/,
    spawned: true,
  },
  {name: 'a directory', args: ['web', '-f', dir], stderr: /^error: cannot read .*: is a directory$/},
  {
    name: 'malformed YAML',
    args: ['web', '-f', file('bad.yaml', 'kind: Service\nmetadata: {name: web\n')],
    stderr: /^error: .*bad\.yaml(:\d+)?: not valid YAML or JSON: /,
  },
  {
    name: 'malformed JSON',
    args: ['web', '-f', file('bad.json', '{"kind": "Service", ')],
    stderr: /^error: .*bad\.json(:\d+)?: not valid YAML or JSON: /,
  },
  {
    name: 'file with no Service',
    args: ['web', '-f', file('pods.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n')],
    stderr: /^error: .*pods\.yaml contains no Service$/,
  },
  {name: 'empty stdin', args: ['web', '-f', '-'], stderr: /^error: stdin contains no Service$/, input: ''},
  {
    name: 'unknown service',
    args: ['nope', '-f', dump],
    stderr: /^error: services "nope" not found in .*003-headless-port-mapping\.yaml$/,
  },
  {
    name: 'unknown service in namespace',
    args: ['svc-chroma', '-n', 'other', '-f', dump],
    stderr: /^error: services "svc-chroma" not found in namespace "other" in /,
  },
  {
    name: 'no service name',
    args: ['-f', dump],
    stderr: /^error: a Service name is required: kubectl svc-inspect SERVICE \[-n NAMESPACE\]$/,
  },
  {
    name: 'service name with capitals (DNS-1035)',
    args: ['Web', '-f', dump],
    stderr:
      /^error: invalid Service name "Web": must consist of lower case alphanumeric characters or '-', start with an alphabetic character/,
  },
  {
    name: 'service name starting with a digit (DNS-1035)',
    args: ['1web', '-f', dump],
    stderr: /^error: invalid Service name "1web"/,
  },
  {
    name: 'service name too long',
    args: ['a'.repeat(64), '-f', dump],
    stderr: /^error: invalid Service name "a{64}": must be no more than 63 characters$/,
  },
  {
    name: 'invalid namespace',
    args: ['web', '-n', 'Bad_NS', '-f', dump],
    stderr: /^error: invalid namespace "Bad_NS": /,
  },
  {
    name: 'bad -o value',
    args: ['web', '-f', dump, '-o', 'xml'],
    stderr: /^error: Expected --output=xml to be one of: table, wide, json, yaml, junit$/,
  },
  {name: 'unknown flag', args: ['web', '-f', dump, '--frobnicate'], stderr: /^error: Nonexistent flag: --frobnicate/},
  {
    name: 'bad --request-timeout',
    args: ['web', '-f', dump, '--request-timeout', 'soon'],
    stderr: /^error: invalid value "soon" for --request-timeout: use a duration such as 30s or 2m \(0 for none\)$/,
  },
  {
    name: 'bad --cluster-domain',
    args: ['web', '-f', dump, '--cluster-domain', 'bad_domain..'],
    stderr: /^error: invalid --cluster-domain "bad_domain\.\.": /,
  },
  {
    name: '--from with --resolver-pod (the live check runs in the client pod)',
    args: ['web', '--from', 'frontend', '--resolver-pod', 'dnsutils'],
    stderr:
      /^error: --from runs the live check in the client pod: drop --resolver-pod, or pass --no-dns for the static verdicts alone$/,
  },
  {
    name: '--from with --via port-forward',
    args: ['web', '--from', 'frontend', '--via', 'port-forward'],
    stderr:
      /^error: --from runs the live check in the client pod: drop --via port-forward, or pass --no-dns for the static verdicts alone$/,
  },
  {
    name: 'bad --via',
    args: ['web', '-f', dump, '--via', 'carrier-pigeon'],
    stderr: /^error: Expected --via=carrier-pigeon to be one of: pod, port-forward$/,
  },
  {
    name: 'unreadable kubeconfig',
    args: ['web', '--kubeconfig', `${dir}/absent-kubeconfig`, '--no-dns'],
    stderr: /^error: cannot load kubeconfig .*absent-kubeconfig: /,
  },
  {
    name: 'API server unreachable',
    args: [
      'web',
      '--kubeconfig',
      file(
        'kubeconfig',
        'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
      ),
      '--no-dns',
    ],
    stderr: /^error: cannot reach https:\/\/127\.0\.0\.1:1 \(service\/web\): ECONNREFUSED$/,
  },
  {
    name: 'unknown context',
    args: ['web', '--kubeconfig', `${dir}/kubeconfig`, '--context', 'nope', '--no-dns'],
    stderr: /^error: context "nope" does not exist in kubeconfig$/,
  },
  // Which server a request goes to proves the kubectl-style overrides: --context picks a context, --cluster and --user swap parts of it.
  {
    name: '--context picks the other context',
    args: ['web', '--kubeconfig', file('two.kubeconfig', TWO_CONTEXTS), '--context', 'second', '--no-dns'],
    stderr: /^error: cannot reach https:\/\/127\.0\.0\.1:2 \(service\/web\): ECONNREFUSED$/,
  },
  {
    name: '--cluster swaps the cluster of the current context',
    args: ['web', '--kubeconfig', `${dir}/two.kubeconfig`, '--cluster', 'c3', '--no-dns'],
    stderr: /^error: cannot reach https:\/\/127\.0\.0\.1:3 \(service\/web\): ECONNREFUSED$/,
  },
  {
    name: 'unknown --cluster',
    args: ['web', '--kubeconfig', `${dir}/two.kubeconfig`, '--cluster', 'nope', '--no-dns'],
    stderr: /^error: cluster "nope" does not exist in kubeconfig$/,
  },
  {
    name: 'unknown --user',
    args: ['web', '--kubeconfig', `${dir}/two.kubeconfig`, '--user', 'nope', '--no-dns'],
    stderr: /^error: user "nope" does not exist in kubeconfig$/,
  },
  {
    name: 'dig -o wide is not an output of dig',
    args: ['dig', 'web', '-o', 'wide'],
    stderr: /^error: Expected --output=wide to be one of: table, json, yaml$/,
    spawned: true,
  },
  {
    name: 'dig with an unsupported type',
    args: ['dig', 'web', 'MX'],
    stderr: /^error: unsupported record type "MX": use A, AAAA, SRV, PTR or CNAME$/,
  },
  {
    name: '--name without --from',
    args: ['svc-chroma', '-f', dump, '--name', 'svc-chroma.seed-port'],
    stderr: /^error: --name needs --from: the names tried depend on the client pod$/,
  },
  {
    name: '--name with a port out of range',
    args: ['svc-chroma', '-f', dump, '--from', 'p', '--name', 'svc-chroma:70000'],
    stderr: /^error: invalid --name "svc-chroma:70000": use NAME or NAME:PORT \(a DNS name, a port from 1 to 65535\)$/,
  },
  {
    name: '--name with an empty label',
    args: ['svc-chroma', '-f', dump, '--from', 'p', '--name', 'svc..chroma'],
    stderr: /^error: invalid --name "svc\.\.chroma": use NAME or NAME:PORT/,
  },
]

describe('bad input: one line on stderr, exit 2', () => {
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const result =
        testCase.spawned || testCase.input !== undefined
          ? await cli(testCase.args, {input: testCase.input})
          : await runInProcess(testCase.args)
      assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`)
      assert.equal(result.stdout, '')
      const lines = result.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, `exactly one line: ${JSON.stringify(result.stderr)}`)
      assert.match(lines[0], testCase.stderr)
      assert.doesNotMatch(result.stderr, /\s+at .*\(.*:\d+:\d+\)/, 'no stack trace')
    })
  }
})

describe('an API server that never answers', () => {
  // Accepts connections on loopback and never says a word, not even the TLS handshake.
  const held: net.Socket[] = []
  const blackHole = net.createServer((socket) => {
    socket.on('error', () => {})
    held.push(socket)
  })
  let kubeconfig = ''
  before(async () => {
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve))
    const {port} = blackHole.address() as net.AddressInfo
    kubeconfig = file(
      'black-hole.kubeconfig',
      `apiVersion: v1
kind: Config
clusters: [{name: hole, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: hole, context: {cluster: hole, user: u}}]
current-context: hole
`,
    )
  })
  after(() => {
    for (const socket of held) socket.destroy()
    blackHole.close()
  })

  it('--request-timeout 1s: one error line and exit 2, and the CLI ends (its request aborted, not left open)', async () => {
    const result = await cli(['web', '-n', 'shop', '--no-dns', '--kubeconfig', kubeconfig, '--request-timeout', '1s'], {
      timeoutMs: 20_000,
    })
    assert.equal(result.signal, null, 'the CLI ended by itself (not killed after 20 s)')
    assert.equal(result.code, 2, result.stderr)
    assert.equal(result.stderr, 'error: service/web: request timed out after 1s\n')
  })

  it("without --request-timeout (waits forever, as kubectl): the TLS handshake still gives up after 10 s, as kubectl's", async () => {
    const result = await cli(['web', '-n', 'shop', '--no-dns', '--kubeconfig', kubeconfig], {timeoutMs: 40_000})
    assert.equal(result.signal, null, 'the CLI ended by itself (not killed after 40 s)')
    assert.equal(result.code, 2, result.stderr)
    assert.match(
      result.stderr,
      /^error: cannot reach https:\/\/127\.0\.0\.1:\d+ \(service\/web\): TLS handshake timeout after 10s\n$/,
    )
  })
})
