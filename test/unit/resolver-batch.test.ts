// The resolver protocol (src/kube/resolver-batch.sh and resolver-batch.ts): the data a batch is given, the batch
// run by sh (dash, and busybox sh as in the test cluster's resolver image) as the pod runs it, and the parsing of
// what it prints. The script is checked by `sh -n` and shellcheck, run with stand-ins for dig, nc and gzip that
// record how they were called, and run for real: dig against DNS servers on 127.0.0.1 (dns2), nc against ports on
// 127.0.0.1. The parsing of dig's own output is tested on recorded captures in dig.test.ts.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import dgram from 'node:dgram'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'
import {Packet, createServer} from 'dns2'
import type {InspectError} from '../../src/errors.js'
import {
  queryFailure,
  type DnsQuestion,
  type DnsServer,
  type QueryResult,
  type ReachTarget,
} from '../../src/dns/types.js'
import {
  BATCH_END,
  batchData,
  batchInput,
  decodeScriptOutput,
  parseBatchOutput,
  parseReachOutput,
  type BatchOptions,
} from '../../src/kube/resolver-batch.js'

const SCRIPT = fileURLToPath(new URL('../../src/kube/resolver-batch.sh', import.meta.url))
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dig')
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')

const Z = 'default.svc.cluster.local'
const PROBE = 'kubernetes.default.svc.cluster.local.'
const nameserver: DnsServer = {label: 'nameserver', address: '10.96.0.10', port: 53, replica: false}
const replicaA: DnsServer = {label: 'coredns-5d78c9869d-4xk2p', address: '10.244.0.3', port: 53, replica: true}
const replicaB: DnsServer = {label: 'coredns-5d78c9869d-q8wzt', address: '10.244.0.4', port: 53, replica: true}
/** The pod's nameserver before resolv.conf is known: the batch reads it from the file. */
const ownNameserver: DnsServer = {...nameserver, address: ''}
const q = (name: string, type: DnsQuestion['type']): DnsQuestion => ({name, type})
const endpoint = (address: string, port: number): ReachTarget => ({address, port, role: 'endpoint', protocol: 'TCP'})

// ---------------------------------------------------------------------------------------------------------
// The tools, and how the batch is run
// ---------------------------------------------------------------------------------------------------------

const which = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], {encoding: 'utf8'}).stdout.trim()
const DIG = which('dig')
const NC_OPENBSD = which('nc.openbsd')
const BUSYBOX = which('busybox')
const SHELLCHECK = which('shellcheck')

// In CI a missing tool fails its test, since a skip reads as a pass there (.ci/run installs them with
// test/install-tools.sh); elsewhere the test is skipped, with the reason.
const IN_CI = process.env.CI === 'true' || process.env.CI === '1'
function needs(tools: Record<string, string>): {missing: string; skip: string | false} {
  const absent = Object.keys(tools).filter((tool) => !tools[tool])
  const missing = absent.length > 0 ? `not on PATH: ${absent.join(', ')} (test/install-tools.sh installs them)` : ''
  return {missing, skip: missing && !IN_CI ? missing : false}
}

/**
 * The shells the batch is run by: the machine's sh (dash on Debian), and busybox sh, the resolver image's shell in
 * the test cluster (its applets come before PATH, so the stand-ins for nc and gzip are only used with dash).
 */
const SHELLS: Array<{name: string; command: string[]; tools: Record<string, string>}> = [
  {name: 'sh', command: ['sh'], tools: {}},
  {name: 'busybox sh', command: [BUSYBOX || 'busybox', 'sh'], tools: {busybox: BUSYBOX}},
]

interface Run {
  stdout: Buffer
  stderr: string
  status: number | null
}

/** Runs a batch as the resolver pod does: its input on the stdin of `sh -s`, then `exit`. */
function runBatch(input: string, env: NodeJS.ProcessEnv, shell: string[] = ['sh'], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell[0], [...shell.slice(1), '-s'], {env, stdio: ['pipe', 'pipe', 'pipe']})
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8'), status})
    })
    child.stdin.end(`${input}\nexit\n`)
  })
}

/**
 * A stand-in for dig that records its arguments, one a line, in $FAKE_DIG_LOG/<its PID>, and answers each question
 * (a NAME TYPE pair) of a +yaml call with one record whose data is the name as dig received it, over the transport
 * its options ask for (+tcp; a +notcp after a question: that one over UDP). FAKE_DIG_NO_TCP: nothing answers over
 * TCP (a plain dig over TCP prints dig's refused-connection line). FAKE_DIG_SLEEP: a +yaml call only sleeps.
 * FAKE_DIG_PROBE_STATUS: the exit status of a call without +yaml (a probe query).
 */
const DIG_STANDIN = `#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_DIG_LOG/$$"
transport=UDP yaml=''
for arg; do
  case $arg in
    +tcp) transport=TCP ;;
    +yaml) yaml=1 ;;
  esac
done
if [ -z "$yaml" ]; then
  if [ "$transport" = TCP ] && [ -n "$FAKE_DIG_NO_TCP" ]; then
    echo ';; Connection to 127.0.0.1#53(127.0.0.1) for x. failed: connection refused.'
    exit 9
  fi
  exit "\${FAKE_DIG_PROBE_STATUS:-0}"
fi
if [ -n "$FAKE_DIG_SLEEP" ]; then exec sleep "$FAKE_DIG_SLEEP"; fi
pending='' proto='' name='' skip=''
emit() {
  [ -n "$pending" ] || return 0
  if [ "$proto" = TCP ] && [ -n "$FAKE_DIG_NO_TCP" ]; then
    printf -- '- type: DIG_ERROR\\n  message: |\\n    no servers could be reached\\n'
  elif [ "$pending" = "$FAKE_DIG_KILLED_AT" ]; then
    # As the kernel's OOM killer leaves it: the item cut after its first lines, the process gone (status 137).
    printf -- '- type: MESSAGE\\n  message:\\n    socket_protocol: %s\\n    response_message_data:\\n      status: NOERR' "$proto"
    kill -9 $$
  else
    printf -- '- type: MESSAGE\\n  message:\\n    socket_protocol: %s\\n    response_message_data:\\n      status: NOERROR\\n      ANSWER_SECTION:\\n        - %s 30 IN A %s\\n' "$proto" "$pending" "$pending"
  fi
  pending=''
}
for arg; do
  if [ -n "$skip" ]; then skip=''; continue; fi
  case $arg in
    -p) skip=1 ;;
    +notcp) proto=UDP ;;
    +* | @*) ;;
    *)
      if [ -z "$name" ]; then
        emit
        name=$arg
      else
        pending=$name proto=$transport name=''
      fi
      ;;
  esac
done
emit
`

/** A scratch directory with bin/ (stand-ins, first on PATH), work/ (the batch's dir) and log/ (the dig calls). */
function scratch(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const paths = {dir, bin: join(dir, 'bin'), work: join(dir, 'work'), log: join(dir, 'log')}
  for (const path of [paths.bin, paths.work, paths.log]) mkdirSync(path)
  const tool = (name: string, text: string) => {
    writeFileSync(join(paths.bin, name), text)
    chmodSync(join(paths.bin, name), 0o755)
  }
  /** The dig calls, each its arguments, sorted (the calls run in parallel). */
  const digCalls = () =>
    readdirSync(paths.log)
      .map((file) => readFileSync(join(paths.log, file), 'utf8').split('\n').slice(0, -1))
      .sort((a, b) => (a.join(' ') < b.join(' ') ? -1 : 1))
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    PATH: `${paths.bin}:${process.env.PATH}`,
    FAKE_DIG_LOG: paths.log,
    ...extra,
  })
  return {...paths, tool, digCalls, env, remove: () => rmSync(dir, {recursive: true, force: true})}
}

/** The batch's options in a scratch directory: its work directory there, and that resolv.conf. */
const optionsIn = (work: string, extra: Partial<BatchOptions> = {}): BatchOptions => ({
  timeoutSeconds: 3,
  probeName: PROBE,
  workDir: work,
  ...extra,
})

/** A query as the stand-in dig answers it: one record, its data the name. */
const echoed = (question: DnsQuestion, server: string, transport = 'TCP'): QueryResult => ({
  server,
  name: question.name,
  type: question.type,
  rcode: 'NOERROR',
  answers: [{type: 'A', ttl: 30, data: question.name}],
  timeMs: null,
  transport,
})

// ---------------------------------------------------------------------------------------------------------
// The script, checked
// ---------------------------------------------------------------------------------------------------------

describe('resolver-batch.sh, checked', () => {
  for (const shell of SHELLS) {
    const need = needs(shell.tools)
    it(`${shell.name} -n: the script alone, and as the pod gets it with data`, {skip: need.skip}, () => {
      if (need.missing) assert.fail(need.missing)
      const inputs = [
        readFileSync(SCRIPT, 'utf8'),
        batchInput([], [], [], {timeoutSeconds: 1, probeName: 'x.'}),
        batchInput([q(`web.${Z}.`, 'A')], [ownNameserver, replicaA], [endpoint('10.244.1.5', 80)], {
          timeoutSeconds: 3,
          probeName: PROBE,
        }),
      ]
      for (const input of inputs) {
        const out = spawnSync(shell.command[0], [...shell.command.slice(1), '-n'], {input, encoding: 'utf8'})
        assert.equal(out.status, 0, out.stderr)
        assert.equal(out.stderr, '')
      }
    })
  }

  const need = needs({shellcheck: SHELLCHECK})
  it('shellcheck (POSIX sh) finds nothing', {skip: need.skip}, () => {
    if (need.missing) assert.fail(need.missing)
    const out = spawnSync(SHELLCHECK, ['--shell=sh', '--format=gcc', SCRIPT], {encoding: 'utf8'})
    assert.equal(out.stdout, '')
    assert.equal(out.status, 0, out.stderr)
  })
})

// ---------------------------------------------------------------------------------------------------------
// batchData: what a batch is given
// ---------------------------------------------------------------------------------------------------------

describe('batchData: the questions, servers and targets as data, one item a line', () => {
  const rows: Array<{
    name: string
    questions: DnsQuestion[]
    servers: DnsServer[]
    targets: ReachTarget[]
    options?: Partial<BatchOptions>
    want: string[]
  }> = [
    {
      name: 'settings, servers in order (a port other than 53 kept), the targets on one line, the questions last',
      questions: [q(`web.${Z}.`, 'A'), q(`_http._tcp.web.${Z}.`, 'SRV'), q('10.0.96.10.in-addr.arpa.', 'PTR')],
      servers: [nameserver, {...replicaA, port: 5353}],
      targets: [
        {address: '10.96.0.10', port: 80, role: 'clusterIP', protocol: 'TCP'},
        endpoint('fd00:10:244:1::5', 8080),
      ],
      want: [
        'timeout 3',
        `probe ${PROBE}`,
        'server 10.96.0.10 53',
        'server 10.244.0.3 5353',
        'reach 10.96.0.10 80 fd00:10:244:1::5 8080',
        `questions web.${Z}. A _http._tcp.web.${Z}. SRV 10.0.96.10.in-addr.arpa. PTR`,
      ],
    },
    {
      name: 'a server without an address is the nameserver of resolv.conf: -',
      questions: [q(`web.${Z}.`, 'A')],
      servers: [ownNameserver, replicaA],
      targets: [],
      want: ['timeout 3', `probe ${PROBE}`, 'server - 53', 'server 10.244.0.3 53', `questions web.${Z}. A`],
    },
    {
      name: "the server's release: version.bind asked in class CH (dig reads NAME TYPE CLASS), the others in IN",
      questions: [q(`web.${Z}.`, 'A'), {name: 'version.bind.', type: 'TXT', class: 'CH'}],
      servers: [replicaA],
      targets: [],
      want: ['timeout 3', `probe ${PROBE}`, 'server 10.244.0.3 53', `questions web.${Z}. A version.bind. TXT CH`],
    },
    {
      name: 'no questions: one dig process all the same, for the transport checks',
      questions: [],
      servers: [replicaA],
      targets: [],
      want: ['timeout 3', `probe ${PROBE}`, 'server 10.244.0.3 53', 'questions'],
    },
    {
      name: 'whitespace and control characters in a name as \\DDD (dig reads them back); quotes, $ and ` as they are',
      questions: [
        q('a b.example.', 'A'),
        q('tab\there.example.', 'A'),
        q('new\nline.example.', 'A'),
        q("x';reboot;'.example.", 'A'),
        q('$(touch${IFS}pwned)`touch${IFS}pwned`*.example.', 'A'),
        q('back\\slash.example.', 'A'),
      ],
      servers: [replicaA],
      targets: [],
      options: {probeName: 'zone with space.'},
      want: [
        'timeout 3',
        'probe zone\\032with\\032space.',
        'server 10.244.0.3 53',
        "questions a\\032b.example. A tab\\009here.example. A new\\010line.example. A x';reboot;'.example. A $(touch${IFS}pwned)`touch${IFS}pwned`*.example. A back\\slash.example. A",
      ],
    },
    {
      name: 'the work directory and resolv.conf, when given (tests)',
      questions: [],
      servers: [],
      targets: [],
      options: {workDir: '/scratch/work', resolvConf: '/scratch/resolv.conf'},
      want: ['timeout 3', `probe ${PROBE}`, 'dir /scratch/work', 'resolv /scratch/resolv.conf', 'questions'],
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(
        batchData(row.questions, row.servers, row.targets, {timeoutSeconds: 3, probeName: PROBE, ...row.options}),
        row.want,
      )
    })
  }

  const many = (count: number) => Array.from({length: count}, (_, index) => q(`n${index}.${Z}.`, 'A'))
  /** Each questions line as [its number of questions, its first name, its last name]. */
  const slices = (lines: string[]) =>
    lines
      .filter((line) => line.startsWith('questions'))
      .map((line) => {
        const words = line.split(' ').slice(1)
        return [words.length / 2, words[0], words.at(-2)]
      })
  it('600 questions, one server: dig processes of 250 questions, in order', () => {
    assert.deepEqual(slices(batchData(many(600), [replicaA], [], {timeoutSeconds: 2, probeName: PROBE})), [
      [250, `n0.${Z}.`, `n249.${Z}.`],
      [250, `n250.${Z}.`, `n499.${Z}.`],
      [100, `n500.${Z}.`, `n599.${Z}.`],
    ])
  })
  it('5,000 questions: at most 12 dig processes per batch, shared among the servers, each with a longer slice', () => {
    const one = slices(batchData(many(5000), [replicaA], [], {timeoutSeconds: 2, probeName: PROBE}))
    assert.equal(one.length, 12)
    assert.deepEqual(one[0], [417, `n0.${Z}.`, `n416.${Z}.`])
    assert.deepEqual(one[11], [413, `n4587.${Z}.`, `n4999.${Z}.`])
    const three = slices(
      batchData(many(5000), [nameserver, replicaA, replicaB], [], {timeoutSeconds: 2, probeName: PROBE}),
    )
    assert.deepEqual(three, [
      [1250, `n0.${Z}.`, `n1249.${Z}.`],
      [1250, `n1250.${Z}.`, `n2499.${Z}.`],
      [1250, `n2500.${Z}.`, `n3749.${Z}.`],
      [1250, `n3750.${Z}.`, `n4999.${Z}.`],
    ])
  })
  it('an empty name cannot be asked (it would shift every answer after it): an InspectError', () => {
    assert.throws(
      () => batchData([q('', 'A')], [replicaA], [], {timeoutSeconds: 2, probeName: PROBE}),
      (error: Error) => error.name === 'InspectError' && error.message === 'cannot ask about an empty name',
    )
  })
  it('batchInput: the script, then the data as a here-document for svc_inspect_batch', () => {
    const input = batchInput([q(`web.${Z}.`, 'A')], [replicaA], [], {timeoutSeconds: 3, probeName: PROBE})
    assert.equal(
      input,
      `${readFileSync(SCRIPT, 'utf8')}\nsvc_inspect_batch <<'SVC_INSPECT_DATA'\ntimeout 3\nprobe ${PROBE}\nserver 10.244.0.3 53\nquestions web.${Z}. A\nSVC_INSPECT_DATA`,
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// The batch run by sh, with a stand-in dig that records how it was called
// ---------------------------------------------------------------------------------------------------------

/** The arguments of one +yaml dig call: its options, the server, then the TCP check, the questions, the UDP check. */
const digCall = (transport: 'tcp' | 'udp', server: string[], questions: DnsQuestion[], timeout = 3) => [
  '+yaml',
  '+noall',
  '+answer',
  `+time=${timeout}`,
  '+tries=1',
  ...(transport === 'tcp' ? ['+tcp', '+keepopen', '+tries=2'] : ['+notcp']),
  ...server,
  PROBE,
  'SOA',
  ...questions.flatMap((question) => [question.name, question.type]),
  PROBE,
  'SOA',
  '+notcp',
]

for (const shell of SHELLS) {
  const need = needs(shell.tools)
  const options = {skip: need.skip, timeout: 30_000}

  describe(`the batch run by ${shell.name}, with a stand-in dig`, () => {
    const questions = [q(`web.${Z}.`, 'A'), q(`_http._tcp.web.${Z}.`, 'SRV'), q('10.0.96.10.in-addr.arpa.', 'PTR')]

    it(
      'one dig per server over TCP on one connection: the TCP check first, the UDP check last, -p for a port other than 53; resolv.conf read and printed',
      options,
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-batch-')
        try {
          at.tool('dig', DIG_STANDIN)
          const resolvConf = join(at.dir, 'resolv.conf')
          writeFileSync(resolvConf, `search ${Z} svc.cluster.local\nnameserver 127.0.0.53\n`)
          const servers = [ownNameserver, {...replicaA, port: 5353}, replicaB]
          const input = batchInput(questions, servers, [], optionsIn(at.work, {resolvConf}))
          const run = await runBatch(input, at.env(), shell.command)
          assert.equal(run.status, 0, run.stderr)
          assert.deepEqual(at.digCalls(), [
            digCall('tcp', ['@10.244.0.3', '-p', '5353'], questions),
            digCall('tcp', ['@10.244.0.4'], questions),
            digCall('tcp', ['@127.0.0.53'], questions),
          ])
          const text = run.stdout.toString('latin1')
          assert.ok(text.startsWith(`=== svc-inspect resolv.conf\nsearch ${Z}`), 'resolv.conf first, as text')
          assert.ok(run.stdout.includes(Buffer.from([0x1f, 0x8b, 0x08])), "the servers' sections gzipped")
          assert.ok(text.endsWith(BATCH_END), 'the end line last')
          const parsed = await parseBatchOutput(decodeScriptOutput(run.stdout), questions, servers, [])
          assert.deepEqual(
            parsed.queries.map((result) => ({...result, timeMs: null})),
            servers.flatMap((server) => questions.map((question) => echoed(question, server.label))),
          )
          assert.deepEqual(parsed.transports, [
            {server: 'nameserver', tcp: true, udp: true},
            {server: replicaA.label, tcp: true, udp: true},
            {server: replicaB.label, tcp: true, udp: true},
          ])
          assert.equal(parsed.resolvConf, `search ${Z} svc.cluster.local\nnameserver 127.0.0.53`)
          assert.deepEqual(readdirSync(at.work), [], 'the batch cleans up its files')
        } finally {
          at.remove()
        }
      },
    )

    it(
      '600 questions: three dig processes per server at once, their answers gathered back in order',
      options,
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-batch-')
        try {
          at.tool('dig', DIG_STANDIN)
          const many = Array.from({length: 600}, (_, index) => q(`n${index}.${Z}.`, 'A'))
          const run = await runBatch(batchInput(many, [replicaA], [], optionsIn(at.work)), at.env(), shell.command)
          assert.equal(run.status, 0, run.stderr)
          const calls = at.digCalls().map((call) => {
            const asked = call.filter((arg) => arg.endsWith('.'))
            return [asked.length, asked[0], asked.at(-1), call.at(-1)]
          })
          // The TCP check with the first slice, the UDP check (+notcp) with the last.
          assert.deepEqual(calls, [
            [251, PROBE, `n249.${Z}.`, 'A'],
            [250, `n250.${Z}.`, `n499.${Z}.`, 'A'],
            [101, `n500.${Z}.`, PROBE, '+notcp'],
          ])
          const parsed = await parseBatchOutput(decodeScriptOutput(run.stdout), many, [replicaA], [])
          assert.deepEqual(
            parsed.queries.map((result) => ({...result, timeMs: null})),
            many.map((question) => echoed(question, replicaA.label)),
          )
        } finally {
          at.remove()
        }
      },
    )

    it(
      'a dig killed mid-answer (the pod out of memory): its unanswered questions say so, the other digs keep their own answers',
      options,
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-batch-')
        try {
          at.tool('dig', DIG_STANDIN)
          const many = Array.from({length: 600}, (_, index) => q(`n${index}.${Z}.`, 'A'))
          const run = await runBatch(
            batchInput(many, [replicaA], [], optionsIn(at.work)),
            at.env({FAKE_DIG_KILLED_AT: `n100.${Z}.`}),
            shell.command,
          )
          assert.equal(run.status, 0, run.stderr)
          const parsed = await parseBatchOutput(decodeScriptOutput(run.stdout), many, [replicaA], [])
          const stopped = 'dig was stopped by signal 9 (SIGKILL: the resolver pod out of memory?) before answering'
          // The first dig (n0..n249) answered n0..n99 and was killed on n100 (its cut item dropped); the second
          // and third digs' answers stay theirs.
          assert.deepEqual(
            parsed.queries.map((result) => ({...result, timeMs: null})),
            many.map((question, index) =>
              index >= 100 && index < 250
                ? {server: replicaA.label, ...question, rcode: 'ERROR', answers: [], timeMs: null, error: stopped}
                : echoed(question, replicaA.label),
            ),
          )
          assert.deepEqual(parsed.transports, [{server: replicaA.label, tcp: true, udp: true}])
        } finally {
          at.remove()
        }
      },
    )

    it('the TCP check unanswered: one plain dig over TCP says why, then every question over UDP', options, async () => {
      if (need.missing) assert.fail(need.missing)
      const at = scratch('svc-inspect-batch-')
      try {
        at.tool('dig', DIG_STANDIN)
        const run = await runBatch(
          batchInput(questions, [replicaA], [], optionsIn(at.work)),
          at.env({FAKE_DIG_NO_TCP: '1'}),
          shell.command,
        )
        assert.equal(run.status, 0, run.stderr)
        // A probe query of the watchdog (a slow machine) is left out: asserted on its own below.
        const calls = at
          .digCalls()
          .filter((call) => call[0] === '+yaml' || (call.includes('+tcp') && !call.includes('+keepopen')))
        assert.deepEqual(calls, [
          ['+time=3', '+tries=1', '+tcp', '@10.244.0.3', PROBE, 'SOA'],
          digCall('udp', ['@10.244.0.3'], questions),
          digCall('tcp', ['@10.244.0.3'], questions),
        ])
        const text = decodeScriptOutput(run.stdout)
        assert.ok(text.includes('=== svc-inspect s0\nTCP_UNANSWERED\nTCP_FAILURE ;; Connection to'), text)
        const parsed = await parseBatchOutput(text, questions, [replicaA], [])
        assert.deepEqual(
          parsed.queries.map((result) => ({...result, timeMs: null})),
          questions.map((question) => echoed(question, replicaA.label, 'UDP')),
        )
        assert.deepEqual(parsed.transports, [{server: replicaA.label, tcp: false, udp: true}])
      } finally {
        at.remove()
      }
    })

    it(
      "digs still running after 0.5 s: a probe query with the questions' transport and timeout; no reply (dig exits 9): the digs killed, the server UNREACHABLE over TCP and then UDP",
      options,
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-batch-')
        try {
          at.tool('dig', DIG_STANDIN)
          const started = Date.now()
          const run = await runBatch(
            batchInput(questions, [replicaA], [], optionsIn(at.work)),
            at.env({FAKE_DIG_SLEEP: '20', FAKE_DIG_PROBE_STATUS: '9'}),
            shell.command,
          )
          assert.equal(run.status, 0, run.stderr)
          assert.ok(Date.now() - started < 10_000, 'the sleeping digs were killed, not waited for')
          assert.deepEqual(at.digCalls(), [
            ['+time=3', '+tries=1', '+notcp', '@10.244.0.3', PROBE, 'SOA'],
            ['+time=3', '+tries=1', '+tcp', '+keepopen', '+tries=2', '@10.244.0.3', PROBE, 'SOA'],
            digCall('udp', ['@10.244.0.3'], questions),
            digCall('tcp', ['@10.244.0.3'], questions),
          ])
          const text = decodeScriptOutput(run.stdout)
          assert.equal(text, '=== svc-inspect reach\n=== svc-inspect s0\nUNREACHABLE\n')
          const parsed = await parseBatchOutput(text, questions, [replicaA], [])
          assert.deepEqual(
            parsed.queries,
            questions.map((question) => ({
              server: replicaA.label,
              ...question,
              rcode: 'TIMEOUT',
              answers: [],
              timeMs: null,
              error: 'no answer to a probe query; server skipped',
            })),
          )
          assert.deepEqual(parsed.transports, [])
          assert.deepEqual(readdirSync(at.work), [], 'the batch cleans up its files')
        } finally {
          at.remove()
        }
      },
    )

    it('a resolv.conf that names no nameserver: that server asked nothing, its section says so', options, async () => {
      if (need.missing) assert.fail(need.missing)
      const at = scratch('svc-inspect-batch-')
      try {
        at.tool('dig', DIG_STANDIN)
        const resolvConf = join(at.dir, 'resolv.conf')
        writeFileSync(resolvConf, 'search example\n')
        const servers = [ownNameserver, replicaA]
        const run = await runBatch(
          batchInput(questions, servers, [], optionsIn(at.work, {resolvConf})),
          at.env(),
          shell.command,
        )
        assert.equal(run.status, 0, run.stderr)
        assert.deepEqual(at.digCalls(), [digCall('tcp', ['@10.244.0.3'], questions)])
        const text = decodeScriptOutput(run.stdout)
        assert.ok(text.includes('=== svc-inspect s0\nNO_NAMESERVER\n'), text)
        const parsed = await parseBatchOutput(text, questions, servers, [])
        assert.deepEqual(
          parsed.queries.map((result) => result.server),
          questions.map(() => replicaA.label),
        )
        assert.equal(parsed.resolvConf, 'search example')
      } finally {
        at.remove()
      }
    })

    it('servers with addresses: resolv.conf is neither read nor printed', options, async () => {
      if (need.missing) assert.fail(need.missing)
      const at = scratch('svc-inspect-batch-')
      try {
        at.tool('dig', DIG_STANDIN)
        const resolvConf = join(at.dir, 'no-such-resolv.conf')
        const run = await runBatch(
          batchInput(questions, [replicaA], [], optionsIn(at.work, {resolvConf})),
          at.env(),
          shell.command,
        )
        assert.equal(run.status, 0, run.stderr)
        assert.doesNotMatch(run.stderr, /resolv/)
        const text = decodeScriptOutput(run.stdout)
        assert.doesNotMatch(text, /resolv\.conf/)
        assert.equal((await parseBatchOutput(text, questions, [replicaA], [])).resolvConf, undefined)
      } finally {
        at.remove()
      }
    })

    it(
      'names reach dig as data, never as code: quotes, $( ), backquotes and globs as they are, whitespace as \\DDD',
      options,
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-batch-')
        try {
          at.tool('dig', DIG_STANDIN)
          const nasty = [
            q("x';reboot;'.example.", 'A'),
            q('$(touch${IFS}pwned).example.', 'A'),
            q('`touch${IFS}pwned`.example.', 'A'),
            // Globbed, it would be the batch's own r.out and e.out.
            q('*.out', 'A'),
            q('a b.example.', 'A'),
            q('new\nline.example.', 'A'),
          ]
          const run = await runBatch(batchInput(nasty, [replicaA], [], optionsIn(at.work)), at.env(), shell.command)
          assert.equal(run.status, 0, run.stderr)
          assert.deepEqual(at.digCalls(), [
            digCall(
              'tcp',
              ['@10.244.0.3'],
              [...nasty.slice(0, 4), q('a\\032b.example.', 'A'), q('new\\010line.example.', 'A')],
            ),
          ])
          assert.equal(existsSync(join(at.work, 'pwned')), false)
          assert.deepEqual(readdirSync(at.work), [], 'nothing was created, and the batch cleaned up')
          const parsed = await parseBatchOutput(decodeScriptOutput(run.stdout), nasty, [replicaA], [])
          assert.deepEqual(
            parsed.queries.map((result) => [result.name, result.rcode]),
            nasty.map((question) => [question.name, 'NOERROR']),
          )
        } finally {
          at.remove()
        }
      },
    )

    it(
      "an earlier batch's files in the same directory (the same shell PID) do not leak into the output",
      options,
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-batch-')
        try {
          at.tool('dig', DIG_STANDIN)
          // The shell that runs the batch is the one that left the files: exec keeps its PID.
          const stale = join(at.work, 'svc-inspect.$$')
          const leave = `mkdir -p ${stale} && cd ${stale} && echo '=== svc-inspect s0' > s0.out && echo UNREACHABLE >> s0.out && : > s0.dead && echo '10.0.0.1 80 open' > r.out && echo junk > s0.0.out && cd /`
          const shellLine = [...shell.command, '-s'].join(' ')
          const run = await runBatch(
            `${leave}\nexec ${shellLine} <<'RUN_BATCH'\n${batchInput(questions, [replicaA], [], optionsIn(at.work))}\nexit\nRUN_BATCH`,
            at.env(),
            shell.command,
          )
          assert.equal(run.status, 0, run.stderr)
          const parsed = await parseBatchOutput(decodeScriptOutput(run.stdout), questions, [replicaA], [])
          assert.deepEqual(
            parsed.queries.map((result) => ({...result, timeMs: null})),
            questions.map((question) => echoed(question, replicaA.label)),
          )
          assert.deepEqual(readdirSync(at.work), [])
        } finally {
          at.remove()
        }
      },
    )
  })
}

// ---------------------------------------------------------------------------------------------------------
// parseBatchOutput / parseReachOutput on composed output
// ---------------------------------------------------------------------------------------------------------

const scriptServers = [nameserver, replicaA, replicaB]

describe('parseBatchOutput', async () => {
  const questions = [q(`web.${Z}.`, 'A'), q(`drop.${Z}.`, 'A'), q(`hdls.${Z}.`, 'A')]
  const targets: ReachTarget[] = [
    {address: '10.96.0.10', port: 80, role: 'clusterIP', protocol: 'TCP'},
    {address: '10.244.1.5', port: 8000, role: 'endpoint', protocol: 'TCP'},
    {address: '10.244.1.5', port: 80, role: 'service-port-on-endpoint', protocol: 'TCP'},
    {address: '10.244.2.7', port: 8000, role: 'endpoint', protocol: 'TCP'},
    {address: 'fd00:10:244:1::5', port: 8000, role: 'endpoint', protocol: 'TCP'},
    {address: '10.244.9.9', port: 8000, role: 'endpoint', protocol: 'TCP'},
  ]
  // As the script prints it: sections in server order (each a transport check, the answers, a transport
  // check), r.out lines in completion order.
  const check = (protocol: string) =>
    `- type: MESSAGE\n  message:\n    socket_protocol: ${protocol}\n    response_message_data:\n      status: NOERROR`
  const checked = (answers: string) => [check('TCP'), answers.trimEnd(), check('UDP')].join('\n')
  const output = [
    '=== svc-inspect s0',
    checked(fixture('mid-timeout.yaml')),
    '=== svc-inspect s1',
    'UNREACHABLE',
    '=== svc-inspect s2',
    checked(fixture('mid-timeout.yaml')),
    '=== svc-inspect reach',
    '10.244.1.5 80 refused',
    'fd00:10:244:1::5 8000 open',
    '10.244.1.5 8000 open',
    '10.96.0.10 80 timeout',
    '10.244.2.7 8000 error nc: connect to 10.244.2.7 port 8000 (tcp) failed: No route to host',
    '',
  ].join('\n')
  const parsed = await parseBatchOutput(output, questions, scriptServers, targets)

  it('one result per (server, question), servers in order', () => {
    assert.deepEqual(
      parsed.queries.map((result) => `${result.server} ${result.name}`),
      scriptServers.flatMap((server) => questions.map((question) => `${server.label} ${question.name}`)),
    )
  })

  it('a server section parses as dig +yaml', () => {
    const mine = parsed.queries.filter((result) => result.server === 'nameserver')
    assert.deepEqual(
      mine.map((result) => result.rcode),
      ['NOERROR', 'TIMEOUT', 'NOERROR'],
    )
    assert.deepEqual(
      mine[2].answers.map((answer) => answer.data),
      ['10.244.1.5', '10.244.2.7'],
    )
    assert.deepEqual(
      parsed.queries.filter((result) => result.server === replicaB.label).map((result) => result.rcode),
      ['NOERROR', 'TIMEOUT', 'NOERROR'],
    )
  })

  it('the transport checks of each server that was asked; none for one skipped', () => {
    assert.deepEqual(parsed.transports, [
      {server: nameserver.label, tcp: true, udp: true},
      {server: replicaB.label, tcp: true, udp: true},
    ])
  })

  it('recorded over TCP with both checks answered: the answers between the checks, transport TCP', async () => {
    const questions = [q(`web.${Z}.`, 'A'), q(`hdls.${Z}.`, 'SRV'), q(`gone.${Z}.`, 'A')]
    const result = await parseBatchOutput(
      `=== svc-inspect s0\n${fixture('checked-tcp.yaml')}`,
      questions,
      [nameserver],
      [],
    )
    assert.deepEqual(
      result.queries.map((query) => [
        query.name,
        query.rcode,
        query.answers.map((answer) => answer.data),
        query.transport,
      ]),
      [
        [`web.${Z}.`, 'NOERROR', ['10.96.0.10'], 'TCP'],
        [`hdls.${Z}.`, 'NOERROR', [`0 50 8080 web-0.hdls.${Z}.`, `0 50 8080 10-244-2-7.hdls.${Z}.`], 'TCP'],
        [`gone.${Z}.`, 'NXDOMAIN', [], 'TCP'],
      ],
    )
    assert.deepEqual(result.transports, [{server: nameserver.label, tcp: true, udp: true}])
  })

  it("recorded against a server closed to UDP: the answers stand, the UDP check is unanswered with dig's reason", async () => {
    const questions = [q(`web.${Z}.`, 'A'), q(`hdls.${Z}.`, 'SRV'), q(`gone.${Z}.`, 'A')]
    const result = await parseBatchOutput(
      `=== svc-inspect s0\n${fixture('checked-udp-unanswered.yaml')}`,
      questions,
      [replicaA],
      [],
    )
    assert.deepEqual(
      result.queries.map((query) => query.rcode),
      ['NOERROR', 'NOERROR', 'NXDOMAIN'],
    )
    assert.deepEqual(result.transports, [
      {server: replicaA.label, tcp: true, udp: false, error: 'no servers could be reached'},
    ])
  })

  it('recorded over UDP after the TCP check went unanswered (TCP_UNANSWERED first): tcp false, answers over UDP', async () => {
    const questions = [q(`web.${Z}.`, 'A'), q(`hdls.${Z}.`, 'SRV'), q(`gone.${Z}.`, 'A')]
    const result = await parseBatchOutput(
      `=== svc-inspect s0\nTCP_UNANSWERED\n${fixture('checked-udp.yaml')}`,
      questions,
      [nameserver],
      [],
    )
    assert.deepEqual(
      result.queries.map((query) => [query.rcode, query.transport]),
      [
        ['NOERROR', 'UDP'],
        ['NOERROR', 'UDP'],
        ['NXDOMAIN', 'UDP'],
      ],
    )
    assert.deepEqual(result.transports, [{server: nameserver.label, tcp: false, udp: true}])
  })

  it('output that ends before the UDP check says nothing about UDP (null), and the missing answers are errors', async () => {
    const questions = [q(`web.${Z}.`, 'A'), q(`hdls.${Z}.`, 'A')]
    const result = await parseBatchOutput(`=== svc-inspect s0\n${check('TCP')}\n`, questions, [nameserver], [])
    assert.deepEqual(
      result.queries.map((query) => [query.rcode, query.error]),
      [
        ['ERROR', 'no result from dig'],
        ['ERROR', 'no result from dig'],
      ],
    )
    assert.deepEqual(result.transports, [{server: nameserver.label, tcp: true, udp: null}])
  })

  it('an UNREACHABLE section makes every question of that server TIMEOUT, with the reason', () => {
    const skipped = parsed.queries.filter((result) => result.server === replicaA.label)
    assert.equal(skipped.length, questions.length)
    for (const result of skipped) {
      assert.equal(result.rcode, 'TIMEOUT')
      assert.deepEqual(result.answers, [])
      assert.equal(result.timeMs, null)
      assert.equal(result.error, 'no answer to a probe query; server skipped')
    }
  })

  it('reach lines map onto the targets, in target order; a target with no line was not tested', () => {
    assert.deepEqual(
      parsed.reachability.map((result) => [result.address, result.port, result.role, result.state, result.detail]),
      [
        ['10.96.0.10', 80, 'clusterIP', 'timeout', undefined],
        ['10.244.1.5', 8000, 'endpoint', 'open', undefined],
        ['10.244.1.5', 80, 'service-port-on-endpoint', 'refused', undefined],
        ['10.244.2.7', 8000, 'endpoint', 'error', 'nc: connect to 10.244.2.7 port 8000 (tcp) failed: No route to host'],
        ['fd00:10:244:1::5', 8000, 'endpoint', 'open', undefined],
        ['10.244.9.9', 8000, 'endpoint', 'error', 'not tested'],
      ],
    )
    assert.ok(parsed.reachability.every((result) => result.protocol === 'TCP'))
  })

  it('a resolv.conf section comes back as resolvConf; NO_NAMESERVER (resolv.conf names none) asks that server nothing', async () => {
    const resolvConf =
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5'
    const own = {...nameserver, address: ''}
    const text = `=== svc-inspect resolv.conf\n${resolvConf}\n=== svc-inspect s0\nNO_NAMESERVER\n=== svc-inspect reach\n`
    const result = await parseBatchOutput(text, questions, [own], [])
    assert.equal(result.resolvConf?.trim(), resolvConf)
    assert.deepEqual(result.queries, [])
    assert.equal(parsed.resolvConf, undefined, 'no section, no resolvConf')
  })

  it('no sections at all (the exec printed nothing): every query ERROR, every target not tested', async () => {
    const empty = await parseBatchOutput('', questions, [nameserver], targets.slice(0, 1))
    assert.deepEqual(
      empty.queries.map((result) => [result.rcode, result.error]),
      questions.map(() => ['ERROR', 'no result from dig']),
    )
    assert.deepEqual(
      empty.reachability.map((result) => [result.state, result.detail]),
      [['error', 'not tested']],
    )
  })

  it('text before the first marker (e.g. a shell warning) is ignored', async () => {
    const noisy = await parseBatchOutput(`sh: warning: something\n${output}`, questions, scriptServers, targets)
    assert.deepEqual(noisy, parsed)
  })
})

describe('parseReachOutput', () => {
  const target = (address: string, port: number): ReachTarget => ({address, port, role: 'endpoint', protocol: 'TCP'})
  const cases: Array<{
    name: string
    output: string
    targets: ReachTarget[]
    want: Array<[string, string | undefined]>
  }> = [
    {name: 'open', output: '10.0.0.1 80 open', targets: [target('10.0.0.1', 80)], want: [['open', undefined]]},
    {name: 'refused', output: '10.0.0.1 80 refused', targets: [target('10.0.0.1', 80)], want: [['refused', undefined]]},
    {name: 'timeout', output: '10.0.0.1 80 timeout', targets: [target('10.0.0.1', 80)], want: [['timeout', undefined]]},
    {
      name: 'error keeps its detail',
      output: '10.0.0.1 80 error nc: bad address',
      targets: [target('10.0.0.1', 80)],
      want: [['error', 'nc: bad address']],
    },
    {
      name: 'error without detail',
      output: '10.0.0.1 80 error ',
      targets: [target('10.0.0.1', 80)],
      want: [['error', undefined]],
    },
    {
      name: 'an unknown state word is error, the rest its detail',
      output: '10.0.0.1 80 weird stuff',
      targets: [target('10.0.0.1', 80)],
      want: [['error', 'stuff']],
    },
    {
      name: 'the port must match too',
      output: '10.0.0.1 8080 open',
      targets: [target('10.0.0.1', 80)],
      want: [['error', 'not tested']],
    },
    {
      name: 'IPv6 addresses',
      output: 'fd00::5 443 open\n',
      targets: [target('fd00::5', 443)],
      want: [['open', undefined]],
    },
    {
      name: 'blank, short and indented lines',
      output: '\n  10.0.0.1 80 open  \n10.0.0.2\n10.0.0.2 81\n',
      targets: [target('10.0.0.1', 80), target('10.0.0.2', 81)],
      want: [
        ['open', undefined],
        ['error', 'not tested'],
      ],
    },
    {
      name: 'a later line for the same target wins',
      output: '10.0.0.1 80 timeout\n10.0.0.1 80 open',
      targets: [target('10.0.0.1', 80)],
      want: [['open', undefined]],
    },
    {name: 'no targets, no results', output: '10.0.0.1 80 open', targets: [], want: []},
  ]
  for (const row of cases) {
    it(row.name, () => {
      const results = parseReachOutput(row.output, row.targets)
      assert.deepEqual(
        results.map((result) => [result.state, result.detail]),
        row.want,
      )
      results.forEach((result, index) =>
        assert.deepEqual(
          {address: result.address, port: result.port, role: result.role, protocol: result.protocol},
          row.targets[index],
        ),
      )
    })
  }
})

// ---------------------------------------------------------------------------------------------------------
// The TCP probes, run by sh with stand-in nc commands that print what real ones print
// ---------------------------------------------------------------------------------------------------------

interface NcCase {
  name: string
  /** What `nc -v ...` prints (2>&1) and its exit status. */
  verbose: [string, number]
  /** What plain `nc ...` prints and its exit status (asked only when -v is rejected). */
  plain: [string, number]
  state: string
  detail?: string
}

const BUSYBOX_NO_V =
  "nc: invalid option -- 'v'\nBusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: nc [-iN] [-wN] [-l] [-p PORT] [-f FILE|IPADDR PORT] [-e PROG]"

const ncCases: NcCase[] = [
  // OpenBSD netcat 1.219 (Debian 12; netshoot's netcat-openbsd): silent without -v, reasons with it.
  {
    name: 'OpenBSD nc, open',
    verbose: ['Connection to 10.244.1.5 8000 port [tcp/*] succeeded!', 0],
    plain: ['', 0],
    state: 'open',
  },
  {
    name: 'OpenBSD nc, refused',
    verbose: ['nc: connect to 10.244.1.5 port 8000 (tcp) failed: Connection refused', 1],
    plain: ['', 1],
    state: 'refused',
  },
  {
    name: 'OpenBSD nc, connect timeout',
    verbose: ['nc: connect to 10.244.1.5 port 8000 (tcp) failed: Connection timed out', 1],
    plain: ['', 1],
    state: 'timeout',
  },
  {
    name: 'OpenBSD nc, no route',
    verbose: ['nc: connect to 10.244.1.5 port 8000 (tcp) failed: No route to host', 1],
    plain: ['', 1],
    state: 'error',
    detail: 'nc: connect to 10.244.1.5 port 8000 (tcp) failed: No route to host',
  },
  // BusyBox v1.35.0 nc: rejects -v, explains failures by itself.
  {name: 'busybox nc, open', verbose: [BUSYBOX_NO_V, 1], plain: ['', 0], state: 'open'},
  {
    name: 'busybox nc, refused',
    verbose: [BUSYBOX_NO_V, 1],
    plain: ["nc: can't connect to remote host (10.244.1.5): Connection refused", 1],
    state: 'refused',
  },
  {name: 'busybox nc, timeout', verbose: [BUSYBOX_NO_V, 1], plain: ['nc: timed out', 1], state: 'timeout'},
  {
    name: 'busybox nc, bad address',
    verbose: [BUSYBOX_NO_V, 1],
    plain: ["nc: bad address '10.244.1.5'", 1],
    state: 'error',
    detail: "nc: bad address '10.244.1.5'",
  },
]

/** A word single-quoted for sh, for the stand-ins' own text. */
const quoted = (word: string) => `'${word.replaceAll("'", "'\\''")}'`

describe('the TCP probes: nc messages to states', () => {
  const target = endpoint('10.244.1.5', 8000)
  for (const row of ncCases) {
    it(row.name, async () => {
      const at = scratch('svc-inspect-nc-')
      try {
        const fake = (out: string, rc: number) => `printf '%s\\n' ${quoted(out)}; exit ${rc}`
        at.tool(
          'nc',
          `#!/bin/sh\nprintf '%s\\n' "$*" >> "$NC_LOG"\nif [ "$1" = -v ]; then ${fake(...row.verbose)}; else ${fake(...row.plain)}; fi\n`,
        )
        const ncLog = join(at.dir, 'nc.log')
        const run = await runBatch(
          batchInput([], [], [target], optionsIn(at.work, {timeoutSeconds: 1})),
          at.env({NC_LOG: ncLog}),
        )
        assert.equal(run.status, 0, run.stderr)
        // -v first; without it only when the option is rejected (busybox).
        assert.deepEqual(
          readFileSync(ncLog, 'utf8').split('\n').slice(0, -1),
          row.verbose[0].includes('invalid option')
            ? ['-v -w 1 10.244.1.5 8000', '-w 1 10.244.1.5 8000']
            : ['-v -w 1 10.244.1.5 8000'],
        )
        const text = decodeScriptOutput(run.stdout)
        const [result] = (await parseBatchOutput(text, [], [], [target])).reachability
        assert.equal(result.state, row.state, text)
        assert.equal(result.detail, row.detail, text)
      } finally {
        at.remove()
      }
    })
  }
})

describe("the batch's output, compressed or not", () => {
  const target = endpoint('127.0.0.1', 9)
  // One server, whose dig (a stand-in) answers nothing: its section says only that the TCP check went unanswered.
  const server: DnsServer = {label: 'nameserver', address: '127.0.0.1', port: 53, replica: false}
  const runWithGzip = async (gzip: string) => {
    const at = scratch('svc-inspect-gzip-')
    try {
      at.tool('nc', '#!/bin/sh\necho "nc: Connection refused"; exit 1\n')
      at.tool('dig', '#!/bin/sh\nexit 0\n')
      at.tool('gzip', `#!/bin/sh\necho "$*" >> "$GZIP_LOG"\n${gzip}\n`)
      const gzipLog = join(at.dir, 'gzip.log')
      const run = await runBatch(
        batchInput([], [server], [target], optionsIn(at.work, {timeoutSeconds: 1})),
        at.env({GZIP_LOG: gzipLog}),
      )
      assert.equal(run.status, 0, run.stderr)
      // The fastest level: what matters is passing less through the runtime, the kubelet and the API server.
      assert.equal(readFileSync(gzipLog, 'utf8'), '-1\n')
      return run.stdout
    } finally {
      at.remove()
    }
  }

  const PLAIN = '=== svc-inspect reach\n127.0.0.1 9 refused\n=== svc-inspect s0\nTCP_UNANSWERED\n\nPART 0 0\n'

  it('an image whose gzip fails (or has none): plain text, read the same', async () => {
    const bytes = await runWithGzip('exit 127')
    assert.equal(BATCH_END, '=== svc-inspect end\n')
    assert.equal(bytes.toString('utf8'), `${PLAIN}${BATCH_END}`)
    assert.equal(decodeScriptOutput(bytes), PLAIN, 'the end line is not part of the answers')
    const parsed = await parseBatchOutput(decodeScriptOutput(bytes), [], [server], [target])
    assert.deepEqual(
      parsed.reachability.map((result) => result.state),
      ['refused'],
    )
    assert.deepEqual(parsed.transports, [{server: 'nameserver', tcp: false, udp: null}])
  })

  it("with gzip: the reach section as text, the server's section a gzip member, the end line as text; read the same", async () => {
    const bytes = await runWithGzip(`exec ${which('gzip')} "$@"`)
    const text = bytes.toString('latin1')
    assert.ok(text.startsWith('=== svc-inspect reach\n127.0.0.1 9 refused\n\x1f\x8b'), JSON.stringify(text))
    assert.ok(text.endsWith(BATCH_END))
    assert.equal(decodeScriptOutput(bytes), PLAIN)
  })

  it('a gzip stream cut short is one clear error, not a stack trace', () => {
    const whole = gzipSync('=== svc-inspect reach\n10.0.0.1 80 open\n')
    assert.throws(
      () => decodeScriptOutput(whole.subarray(0, whole.length - 6)),
      (error: Error) =>
        error.name === 'InspectError' &&
        (error as InspectError).reason === 'Failed' &&
        /^cannot read the resolver pod's answers: gzip: /.test(error.message),
    )
  })

  it('gzip members one after another decode as one text', () => {
    const text = '=== svc-inspect reach\n10.0.0.1 80 open\n'
    const halves = [gzipSync(text.slice(0, 10)), gzipSync(text.slice(10))]
    assert.equal(decodeScriptOutput(Buffer.concat(halves)), text)
    assert.equal(decodeScriptOutput(Buffer.from(text)), text)
  })

  it('text, gzip members and the end line decode as one text, without the end line', () => {
    const text = '=== svc-inspect reach\n10.0.0.1 80 open\n'
    const sections = ['=== svc-inspect s0\nUNREACHABLE\n', '=== svc-inspect s1\nUNREACHABLE\n']
    const bytes = Buffer.concat([
      Buffer.from(text),
      ...sections.map((section) => gzipSync(section)),
      Buffer.from(BATCH_END),
    ])
    assert.equal(decodeScriptOutput(bytes), text + sections.join(''))
    assert.equal(decodeScriptOutput(Buffer.from(`${text}${BATCH_END}`)), text)
  })
})

// ---------------------------------------------------------------------------------------------------------
// The batch run for real: sh + dig + nc against servers on 127.0.0.1
// ---------------------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const {port} = probe.address() as net.AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** The answers CoreDNS would give for a ClusterIP service `web` and a headless `hdls`, on 127.0.0.1 only. */
function loopbackDns(
  transports: {udp?: boolean; tcp?: boolean} = {udp: true, tcp: true},
  options: {closeAfterAnswer?: boolean} = {},
) {
  const T = Packet.TYPE
  const zone: Record<string, Record<number, Array<Record<string, unknown>>>> = {
    [`web.${Z}`]: {[T.A]: [{type: T.A, address: '10.96.0.10'}], [T.AAAA]: []},
    [`hdls.${Z}`]: {
      [T.SRV]: [
        {type: T.SRV, priority: 0, weight: 50, port: 8000, target: `Web-0.hdls.${Z}`},
        {type: T.SRV, priority: 0, weight: 50, port: 8000, target: `10-244-2-7.hdls.${Z}`},
      ],
    },
  }
  return createServer({
    ...transports,
    handle: (request: any, send: (response: any) => void, client: any) => {
      const [question] = request.questions
      // dns2's typings lack RCODE and the record shapes: the wire-level object is built by hand.
      const response: any = Packet.createResponseFromRequest(request)
      const records = zone[question.name.toLowerCase()]
      if (!records) response.header.rcode = 3 // NXDOMAIN
      for (const record of records?.[question.type] ?? [])
        response.answers.push({name: question.name, class: Packet.CLASS.IN, ttl: 30, ...record})
      send(response)
      // RFC 7766 lets a server close a TCP connection after any answer.
      if (options.closeAfterAnswer && typeof client?.end === 'function') client.end()
    },
  })
}

// dig in the resolver pod asks port 53; here the shim adds -p. `@NAME.invalid` stands for a replica on
// 127.0.0.1 at the port in $SVC_TEST_PORT_NAME: `dead` reads queries and answers none, `udponly` and
// `tcponly` answer over one transport only.
const DIG_SHIM = `#!/bin/sh
port=$SVC_TEST_DNS_PORT
n=$#
for arg in "$@"; do
  case $arg in
    @*.invalid) name=\${arg#@}; eval "port=\\$SVC_TEST_PORT_\${name%.invalid}"; set -- "$@" "@127.0.0.1";;
    *) set -- "$@" "$arg";;
  esac
done
shift $n
exec ${DIG || 'dig'} -p "$port" "$@"
`

const loopbackVariants: Array<{name: string; shell: string[]; nc: string; tools: Record<string, string>}> = [
  // netshoot (the default resolver image) ships OpenBSD netcat: silent on failure unless -v.
  {
    name: 'sh, OpenBSD nc (netshoot)',
    shell: ['sh'],
    nc: `exec ${NC_OPENBSD} "$@"`,
    tools: {dig: DIG, 'nc.openbsd': NC_OPENBSD},
  },
  // busybox nc: no -v, says why on failure by itself.
  {name: 'sh, busybox nc', shell: ['sh'], nc: `exec ${BUSYBOX} nc "$@"`, tools: {dig: DIG, busybox: BUSYBOX}},
  // The test cluster's resolver image: busybox sh and its applets (nc among them), and dig.
  {name: 'busybox sh and its nc', shell: [BUSYBOX || 'busybox', 'sh'], nc: '', tools: {dig: DIG, busybox: BUSYBOX}},
]

describe('the batch run against DNS servers and ports on 127.0.0.1, with dig and nc', () => {
  for (const variant of loopbackVariants) {
    const need = needs(variant.tools)
    it(
      `dig sections, an unreachable server and TCP probes: ${variant.name}`,
      {skip: need.skip, timeout: 30_000},
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-batch-')
        const {dir, work} = at
        at.tool('dig', DIG_SHIM)
        if (variant.nc) at.tool('nc', `#!/bin/sh\n${variant.nc}\n`)

        const dns = loopbackDns()
        const udpOnly = loopbackDns({udp: true})
        const tcpOnly = loopbackDns({tcp: true})
        const closing = loopbackDns({udp: true, tcp: true}, {closeAfterAnswer: true})
        const listener = net.createServer((socket) => socket.on('error', () => {}))
        // The dead replica reads every query and answers none, as a CoreDNS pod behind a dropping network would.
        const silent = dgram.createSocket('udp4')
        silent.on('message', () => {})
        // The TCP side of the ports served over UDP only is held by a server that closes every connection at once:
        // dig's TCP questions fail there as they would on a closed port, and no other process (test files run in
        // parallel) can take the port and answer them.
        const tcpHolders = [0, 1].map(() => net.createServer((socket) => socket.destroy()))
        const hold = (server: net.Server, port: number) =>
          new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve))
        try {
          await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve))
          await hold(tcpHolders[0], silent.address().port)
          const dnsPort = await freePort()
          await dns.listen({udp: {port: dnsPort, address: '127.0.0.1'}, tcp: {port: dnsPort, address: '127.0.0.1'}})
          const udpOnlyPort = await freePort()
          await udpOnly.listen({udp: {port: udpOnlyPort, address: '127.0.0.1'}})
          await hold(tcpHolders[1], udpOnlyPort)
          const tcpOnlyPort = await freePort()
          await tcpOnly.listen({tcp: {port: tcpOnlyPort, address: '127.0.0.1'}})
          const closingPort = await freePort()
          await closing.listen({
            udp: {port: closingPort, address: '127.0.0.1'},
            tcp: {port: closingPort, address: '127.0.0.1'},
          })
          await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
          const openPort = (listener.address() as net.AddressInfo).port
          const closedPort = await freePort()

          const questions = [q(`web.${Z}.`, 'A'), q(`gone.${Z}.`, 'A'), q(`hdls.${Z}.`, 'SRV'), q(`web.${Z}.`, 'AAAA')]
          // The pod's nameserver as the check first asks it: read by the script from resolv.conf.
          const servers: DnsServer[] = [
            {label: 'nameserver', address: '', port: 53, replica: false},
            {label: 'coredns-dead', address: 'dead.invalid', port: 53, replica: true},
            {label: 'coredns-udponly', address: 'udponly.invalid', port: 53, replica: true},
            {label: 'coredns-tcponly', address: 'tcponly.invalid', port: 53, replica: true},
            {label: 'coredns-closing', address: 'closing.invalid', port: 53, replica: true},
          ]
          const targets: ReachTarget[] = [
            {address: '127.0.0.1', port: openPort, role: 'endpoint', protocol: 'TCP'},
            {address: '127.0.0.1', port: closedPort, role: 'clusterIP', protocol: 'TCP'},
          ]
          // In a private directory instead of the machine's /tmp, with a resolv.conf of its own.
          const resolvConf = join(dir, 'resolv.conf')
          writeFileSync(resolvConf, `search ${Z} svc.cluster.local\nnameserver 127.0.0.1\n`)
          const input = batchInput(questions, servers, targets, {
            timeoutSeconds: 1,
            probeName: `probe.${Z}.`,
            workDir: work,
            resolvConf,
          })
          const {
            stdout: bytes,
            status,
            stderr,
          } = await runBatch(
            input,
            at.env({
              SVC_TEST_DNS_PORT: String(dnsPort),
              SVC_TEST_PORT_dead: String(silent.address().port),
              SVC_TEST_PORT_udponly: String(udpOnlyPort),
              SVC_TEST_PORT_tcponly: String(tcpOnlyPort),
              SVC_TEST_PORT_closing: String(closingPort),
            }),
            variant.shell,
          )
          assert.equal(status, 0, stderr)
          // The servers' sections compressed (the machine's gzip, as a resolver image's would be), after the text ones.
          assert.ok(bytes.toString('latin1').startsWith('=== svc-inspect resolv.conf\n'), 'text first')
          assert.ok(bytes.includes(Buffer.from([0x1f, 0x8b, 0x08])), 'gzip members')
          assert.ok(bytes.toString('latin1').endsWith(BATCH_END), 'the end line last')
          const stdout = decodeScriptOutput(bytes)
          const parsed = await parseBatchOutput(stdout, questions, servers, targets)

          const answers = [
            ['NOERROR', ['A 10.96.0.10']],
            ['NXDOMAIN', []],
            ['NOERROR', [`SRV 0 50 8000 web-0.hdls.${Z}.`, `SRV 0 50 8000 10-244-2-7.hdls.${Z}.`]],
            ['NOERROR', []],
          ]
          const of = (server: string) => parsed.queries.filter((result) => result.server === server)
          const shown = (results: QueryResult[]) =>
            results.map((result) => [result.rcode, result.answers.map((answer) => `${answer.type} ${answer.data}`)])
          // Both transports: asked over TCP. One only: the same answers, over that one.
          assert.deepEqual(shown(of('nameserver')), answers, stdout)
          assert.ok(
            of('nameserver').every((result) => result.transport === 'TCP' && typeof result.timeMs === 'number'),
            stdout,
          )
          assert.deepEqual(shown(of('coredns-udponly')), answers, stdout)
          assert.ok(
            of('coredns-udponly').every((result) => result.transport === 'UDP'),
            stdout,
          )
          assert.deepEqual(shown(of('coredns-tcponly')), answers, stdout)
          assert.ok(
            of('coredns-tcponly').every((result) => result.transport === 'TCP'),
            stdout,
          )
          // A server that closes the connection after each answer: every question still answered, over TCP.
          assert.deepEqual(shown(of('coredns-closing')), answers, stdout)
          assert.ok(
            of('coredns-closing').every((result) => result.transport === 'TCP'),
            stdout,
          )
          assert.deepEqual(
            parsed.transports.map(({server, tcp, udp}) => [server, tcp, udp]),
            [
              ['nameserver', true, true],
              ['coredns-udponly', false, true],
              ['coredns-tcponly', true, false],
              ['coredns-closing', true, true],
            ],
            stdout,
          )
          const skipped = of('coredns-dead')
          assert.deepEqual(
            skipped.map((result) => result.rcode),
            ['TIMEOUT', 'TIMEOUT', 'TIMEOUT', 'TIMEOUT'],
            stdout,
          )
          assert.match(skipped[0].error ?? '', /server skipped/)
          assert.deepEqual(
            parsed.reachability.map((result) => [result.port, result.state]),
            [
              [openPort, 'open'],
              [closedPort, 'refused'],
            ],
            stdout,
          )
          assert.equal(parsed.resolvConf, `search ${Z} svc.cluster.local\nnameserver 127.0.0.1`)
          assert.deepEqual(
            spawnSync('ls', ['-A', work], {encoding: 'utf8'}).stdout,
            '',
            'the script cleans up its files',
          )
        } finally {
          silent.close()
          await new Promise((resolve) => listener.close(resolve))
          await Promise.all(tcpHolders.map((server) => new Promise((resolve) => server.close(resolve))))
          await Promise.all([dns.close(), udpOnly.close(), tcpOnly.close(), closing.close()])
          at.remove()
        }
      },
    )
  }
})

describe('the batch run against DNS servers on 127.0.0.1: slow is not dead, refused is not a timeout', () => {
  for (const shell of SHELLS) {
    const need = needs({dig: DIG, ...shell.tools})
    it(
      `a server answering after 1.2 s (query timeout 2 s) is asked everything, its times kept; a closed port is refused (${shell.name})`,
      {skip: need.skip, timeout: 30_000},
      async () => {
        if (need.missing) assert.fail(need.missing)
        const at = scratch('svc-inspect-slow-')
        const {work} = at
        at.tool('dig', DIG_SHIM)
        // A CoreDNS replica starved of CPU: every answer, right, but late (past the watchdog's 0.5 s).
        const T = Packet.TYPE
        const slow = createServer({
          udp: true,
          tcp: true,
          handle: (request: any, send: (response: any) => void) => {
            const response: any = Packet.createResponseFromRequest(request)
            const [question] = request.questions
            if (question.type === T.A)
              response.answers.push({
                name: question.name,
                type: T.A,
                class: Packet.CLASS.IN,
                ttl: 30,
                address: '10.96.0.10',
              })
            setTimeout(() => send(response), 1200)
          },
        })
        try {
          const slowPort = await freePort()
          await slow.listen({udp: {port: slowPort, address: '127.0.0.1'}, tcp: {port: slowPort, address: '127.0.0.1'}})
          const closedPort = await freePort()
          const questions = [q(`web.${Z}.`, 'A'), q(`api.${Z}.`, 'A')]
          const servers: DnsServer[] = [
            {label: 'coredns-slow', address: 'slow.invalid', port: 53, replica: true},
            {label: 'coredns-closed', address: 'closed.invalid', port: 53, replica: true},
          ]
          const input = batchInput(questions, servers, [], {timeoutSeconds: 2, probeName: `probe.${Z}.`, workDir: work})
          const {
            stdout: bytes,
            status,
            stderr,
          } = await runBatch(
            input,
            at.env({SVC_TEST_PORT_slow: String(slowPort), SVC_TEST_PORT_closed: String(closedPort)}),
            shell.command,
            25_000,
          )
          assert.equal(status, 0, stderr)
          const stdout = decodeScriptOutput(bytes)
          const parsed = await parseBatchOutput(stdout, questions, servers, [])
          const of = (server: string) => parsed.queries.filter((result) => result.server === server)
          assert.deepEqual(
            of('coredns-slow').map((result) => [result.rcode, result.answers.length]),
            [
              ['NOERROR', 1],
              ['NOERROR', 1],
            ],
            stdout,
          )
          assert.ok(
            of('coredns-slow').every((result) => (result.timeMs ?? 0) >= 1000),
            stdout,
          )
          assert.deepEqual(
            of('coredns-closed').map((result) => [result.rcode, queryFailure(result)]),
            [
              ['ERROR', 'refused'],
              ['ERROR', 'refused'],
            ],
            stdout,
          )
          assert.match(of('coredns-closed')[0].error ?? '', /over TCP: connection refused$/)
          assert.deepEqual(readdirSync(work), [], 'the script cleans up its files')
        } finally {
          await slow.close()
          at.remove()
        }
      },
    )
  }
})
