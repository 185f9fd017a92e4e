// The dig side of the live DNS check: the batch script sent to the resolver pod, and the parsing of what it
// prints. The parser is tested on real `dig +yaml` output (BIND 9.18.49), recorded from a throwaway dns2
// server on 127.0.0.1 by fixtures/dig/capture.mjs, exactly as batchScript runs dig (`> sN.out 2>&1`).
// The last block runs the generated script itself with sh, dig and nc against loopback servers.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {execFile, spawnSync} from 'node:child_process'
import dgram from 'node:dgram'
import {chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {gzipSync} from 'node:zlib'
import {Packet, createServer} from 'dns2'
import {
  BATCH_END,
  batchScript,
  decodeScriptOutput,
  isRecordType,
  parseBatchOutput,
  parseDigYaml,
  parseReachOutput,
  parseRecordLine,
  readDigItems,
  shellQuote,
  tcpFailureReason,
  type DigItem,
} from '../../src/dns/dig.js'
import {parse as parseYaml} from 'yaml'
import type {DnsAnswer, DnsQuestion, DnsServer, QueryResult, ReachTarget} from '../../src/dns/types.js'
import {queryFailure} from '../../src/dns/types.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dig')
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')

const Z = 'default.svc.cluster.local'
const nameserver: DnsServer = {label: 'nameserver', address: '10.96.0.10', port: 53, replica: false}
const replicaA: DnsServer = {label: 'coredns-5d78c9869d-4xk2p', address: '10.244.0.3', port: 53, replica: true}
const replicaB: DnsServer = {label: 'coredns-5d78c9869d-q8wzt', address: '10.244.0.4', port: 53, replica: true}

const q = (name: string, type: DnsQuestion['type']): DnsQuestion => ({name, type})
const asked = (questions: DnsQuestion[], server: DnsServer = nameserver) =>
  questions.map((question) => ({server, question}))
const a = (type: string, ttl: number, data: string): DnsAnswer => ({type, ttl, data})

// ---------------------------------------------------------------------------------------------------------
// parseDigYaml on recorded output
// ---------------------------------------------------------------------------------------------------------

interface Want {
  rcode: QueryResult['rcode']
  answers?: DnsAnswer[]
  /** Only the answer count, for long answers. */
  answerCount?: number
  transport?: string
  error?: RegExp
}

interface FixtureCase {
  file: string
  what: string
  questions: DnsQuestion[]
  want: Want[]
}

const fixtureCases: FixtureCase[] = [
  {
    file: 'answers.yaml',
    what: 'A, AAAA, SRV, PTR, CNAME answers, one MESSAGE per question in the order asked',
    questions: [
      q(`web.${Z}.`, 'A'),
      q(`web6.${Z}.`, 'AAAA'),
      q(`_http._tcp.web.${Z}.`, 'SRV'),
      q(`hdls.${Z}.`, 'A'),
      q(`hdls.${Z}.`, 'SRV'),
      q('10.0.96.10.in-addr.arpa.', 'PTR'),
      q(`ext.${Z}.`, 'CNAME'),
      q(`ext.${Z}.`, 'A'),
    ],
    want: [
      {rcode: 'NOERROR', answers: [a('A', 30, '10.96.0.10')], transport: 'UDP'},
      {rcode: 'NOERROR', answers: [a('AAAA', 5, 'fd00:10:96::a')], transport: 'UDP'},
      {rcode: 'NOERROR', answers: [a('SRV', 30, `0 100 80 web.${Z}.`)], transport: 'UDP'},
      {rcode: 'NOERROR', answers: [a('A', 30, '10.244.1.5'), a('A', 30, '10.244.2.7')], transport: 'UDP'},
      // The server wrote "Web-0.Hdls..." (dig prints it as received, see the fixture): targets come out lowercased.
      {
        rcode: 'NOERROR',
        answers: [a('SRV', 30, `0 50 8080 web-0.hdls.${Z}.`), a('SRV', 30, `0 50 8080 10-244-2-7.hdls.${Z}.`)],
        transport: 'UDP',
      },
      {rcode: 'NOERROR', answers: [a('PTR', 30, `web.${Z}.`)], transport: 'UDP'},
      {rcode: 'NOERROR', answers: [a('CNAME', 30, 'shop.example.com.')], transport: 'UDP'},
      // An A question answered with a CNAME chain: every answer is kept, typed; the diff filters by type.
      {rcode: 'NOERROR', answers: [a('CNAME', 30, 'shop.example.com.'), a('A', 30, '192.0.2.80')], transport: 'UDP'},
    ],
  },
  {
    file: 'rcodes.yaml',
    what: 'NXDOMAIN, NODATA (NOERROR without answers), SERVFAIL, REFUSED, then a normal answer',
    questions: [
      q(`gone.${Z}.`, 'A'),
      q(`web.${Z}.`, 'AAAA'),
      q(`broken.${Z}.`, 'A'),
      q(`refused.${Z}.`, 'A'),
      q(`web.${Z}.`, 'A'),
    ],
    want: [
      // The SOA of the authority section is not an answer.
      {rcode: 'NXDOMAIN', answers: []},
      {rcode: 'NOERROR', answers: []},
      {rcode: 'SERVFAIL', answers: []},
      {rcode: 'REFUSED', answers: []},
      {rcode: 'NOERROR', answers: [a('A', 30, '10.96.0.10')]},
    ],
  },
  {
    file: 'mid-timeout.yaml',
    what: 'a question the server never answers: a DIG_ERROR item in its place keeps the later ones aligned',
    questions: [q(`web.${Z}.`, 'A'), q(`drop.${Z}.`, 'A'), q(`hdls.${Z}.`, 'A')],
    want: [
      {rcode: 'NOERROR', answers: [a('A', 30, '10.96.0.10')]},
      {rcode: 'TIMEOUT', answers: [], error: /^no servers could be reached$/},
      {rcode: 'NOERROR', answers: [a('A', 30, '10.244.1.5'), a('A', 30, '10.244.2.7')]},
    ],
  },
  {
    file: 'truncated-tcp.yaml',
    what: 'an answer too large for UDP (TC set): dig retried over TCP and says so in socket_protocol',
    questions: [q(`big.${Z}.`, 'A'), q(`web.${Z}.`, 'A')],
    want: [
      {rcode: 'NOERROR', answerCount: 120, transport: 'TCP'},
      {rcode: 'NOERROR', answers: [a('A', 30, '10.96.0.10')], transport: 'UDP'},
    ],
  },
  {
    file: 'silent-server.yaml',
    what: 'a server that reads queries and answers none: every question TIMEOUT',
    questions: [q(`web.${Z}.`, 'A'), q(`_http._tcp.web.${Z}.`, 'SRV')],
    want: [
      {rcode: 'TIMEOUT', answers: [], error: /no servers could be reached/},
      {rcode: 'TIMEOUT', answers: [], error: /no servers could be reached/},
    ],
  },
  {
    file: 'closed-port.yaml',
    what: 'nothing listens on the port (ICMP port unreachable): dig reports it the same way, TIMEOUT',
    questions: [q(`web.${Z}.`, 'A'), q(`hdls.${Z}.`, 'SRV')],
    want: [
      {rcode: 'TIMEOUT', answers: [], error: /no servers could be reached/},
      {rcode: 'TIMEOUT', answers: [], error: /no servers could be reached/},
    ],
  },
]

// dig's default output, with the question, authority and additional sections batchScript leaves out: read alike.
fixtureCases.push({
  ...fixtureCases[0],
  file: 'answers-full.yaml',
  what: `${fixtureCases[0].what}, with every section (dig's default)`,
})

describe('parseDigYaml: recorded dig +yaml output (BIND 9.18)', () => {
  for (const row of fixtureCases) {
    it(`${row.file}: ${row.what}`, async () => {
      const results = await parseDigYaml(fixture(row.file), asked(row.questions))
      assert.equal(results.length, row.questions.length)
      results.forEach((result, index) => {
        const want = row.want[index]
        const label = `#${index} ${row.questions[index].name} ${row.questions[index].type}`
        assert.equal(result.server, 'nameserver', label)
        assert.equal(result.name, row.questions[index].name, label)
        assert.equal(result.type, row.questions[index].type, label)
        assert.equal(result.rcode, want.rcode, label)
        if (want.answers) assert.deepEqual(result.answers, want.answers, label)
        if (want.answerCount !== undefined) assert.equal(result.answers.length, want.answerCount, label)
        if (want.transport) assert.equal(result.transport, want.transport, label)
        if (want.rcode === 'TIMEOUT' || want.rcode === 'ERROR') {
          assert.equal(result.timeMs, null, label)
          assert.match(result.error ?? '', want.error ?? /./, label)
        } else {
          assert.equal(result.error, undefined, label)
          // query_time/response_time are !!timestamp values with millisecond precision.
          assert.equal(typeof result.timeMs, 'number', label)
          assert.ok(
            Number.isInteger(result.timeMs) && result.timeMs! >= 0 && result.timeMs! < 5000,
            `${label}: timeMs ${result.timeMs}`,
          )
        }
      })
    })
  }

  it('the recorded MESSAGE items name the questions in the order asked (what the alignment relies on)', () => {
    // Independent of the parser: read QUESTION_SECTION lines straight from the text (the full capture has them).
    const text = fixture('answers-full.yaml')
    const questions = [...text.matchAll(/^ {8}- '(\S+) IN (\S+)'$/gm)].map((match) => `${match[1]} ${match[2]}`)
    const row = fixtureCases[0]
    assert.deepEqual(
      questions,
      row.questions.map((question) => `${question.name} ${question.type}`),
    )
  })

  it('the truncated answer is complete after the TCP retry: all 120 addresses, in order', async () => {
    const [big] = await parseDigYaml(fixture('truncated-tcp.yaml'), asked([q(`big.${Z}.`, 'A'), q(`web.${Z}.`, 'A')]))
    assert.equal(big.answers[0].data, '10.244.3.1')
    assert.equal(big.answers[119].data, '10.244.3.120')
    assert.ok(big.answers.every((answer) => answer.type === 'A' && answer.ttl === 30))
    assert.equal(new Set(big.answers.map((answer) => answer.data)).size, 120)
  })

  it('too-large-tcp.yaml: an answer truncated (TC) over TCP keeps what fitted and says it was too large', async () => {
    const [ptr, web] = await parseDigYaml(
      fixture('too-large-tcp.yaml'),
      asked([q('10.0.244.10.in-addr.arpa.', 'PTR'), q(`web.${Z}.`, 'A')]),
    )
    assert.equal(ptr.rcode, 'NOERROR')
    assert.equal(ptr.answers.length, 3)
    assert.equal(ptr.error, 'answer too large for a DNS message: truncated even over TCP, 3 records received')
    assert.equal(queryFailure(ptr), 'too-large')
    assert.equal(web.error, undefined)
    assert.equal(queryFailure(web), null)
  })

  it('headerless-ptr-tcp.yaml: a 1,000-record PTR answer that dig printed without its header (CoreDNS, over TCP) is NOERROR with every record', async () => {
    const text = fixture('headerless-ptr-tcp.yaml')
    assert.ok(readDigItems(text), 'read by the fast reader, not left to the YAML parser')
    const [ptr] = await parseDigYaml(text, asked([q('1.0.247.10.in-addr.arpa.', 'PTR')]))
    assert.equal(ptr.rcode, 'NOERROR')
    assert.equal(ptr.answers.length, 1000)
    assert.equal(ptr.error, undefined)
    assert.equal(ptr.transport, 'TCP')
    assert.ok(ptr.answers.every((answer) => /^10-247-0-1\.svc-\d\.bsh-\d+\.svc\.cluster\.local\.$/.test(answer.data)))
  })

  it("dig's TCP error lines give their reason", () => {
    assert.equal(
      tcpFailureReason(';; Connection to 127.0.0.1#15399(127.0.0.1) for x. failed: connection refused.'),
      'connection refused',
    )
    assert.equal(tcpFailureReason(';; communications error to 10.244.0.2#53: end of file'), 'end of file')
  })

  it('results carry the server label they were asked of (replica results stay apart)', async () => {
    const questions = [q(`web.${Z}.`, 'A'), q(`drop.${Z}.`, 'A'), q(`hdls.${Z}.`, 'A')]
    const results = await parseDigYaml(fixture('mid-timeout.yaml'), asked(questions, replicaA))
    assert.deepEqual(
      results.map((result) => result.server),
      Array(3).fill(replicaA.label),
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// parseDigYaml on hand-written edge cases
// ---------------------------------------------------------------------------------------------------------

const message = (status: string, answers: string[], extra = '') => `- type: MESSAGE
  message:
    type: RECURSIVE_RESPONSE
    query_time: !!timestamp 2024-05-14T09:12:03.100Z
    response_time: !!timestamp 2024-05-14T09:12:03.112Z
    socket_protocol: UDP
${extra}    response_message_data:
      status: ${status}
      QUESTION_SECTION:
        - 'x. IN A'
${answers.length ? `      ANSWER_SECTION:\n${answers.map((line) => `        - '${line}'`).join('\n')}\n` : ''}`

describe('parseDigYaml: edge cases', () => {
  const one = [q(`web.${Z}.`, 'A')]
  const two = [q(`web.${Z}.`, 'A'), q(`hdls.${Z}.`, 'SRV')]

  const cases: Array<{name: string; output: string; questions: DnsQuestion[]; want: Array<Partial<QueryResult>>}> = [
    {
      name: 'timeMs is response_time minus query_time',
      output: message('NOERROR', [`web.${Z}. 30 IN A 10.96.0.10`]),
      questions: one,
      want: [{rcode: 'NOERROR', timeMs: 12, transport: 'UDP', answers: [a('A', 30, '10.96.0.10')]}],
    },
    {
      name: 'timeMs across midnight',
      output: message('NOERROR', [])
        .replace('2024-05-14T09:12:03.100Z', '2024-05-14T23:59:59.990Z')
        .replace('2024-05-14T09:12:03.112Z', '2024-05-15T00:00:00.005Z'),
      questions: one,
      want: [{rcode: 'NOERROR', timeMs: 15}],
    },
    {
      name: 'timeMs from times without milliseconds, or with fewer digits',
      output: message('NOERROR', []).replace('03.100Z', '03Z').replace('03.112Z', '04.2Z'),
      questions: one,
      want: [{rcode: 'NOERROR', timeMs: 1200}],
    },
    {
      name: 'fewer items than questions: the rest are ERROR "no result from dig"',
      output: message('NOERROR', [`web.${Z}. 30 IN A 10.96.0.10`]),
      questions: two,
      want: [{rcode: 'NOERROR'}, {rcode: 'ERROR', answers: [], timeMs: null, error: 'no result from dig'}],
    },
    {
      name: 'empty output: every question ERROR',
      output: '',
      questions: two,
      want: [
        {rcode: 'ERROR', error: 'no result from dig'},
        {rcode: 'ERROR', error: 'no result from dig'},
      ],
    },
    {
      name: 'BIND 9.16 timeout wording ("connection timed out; ...") is TIMEOUT too',
      output: '- type: DIG_ERROR\n  message: |\n    connection timed out; no servers could be reached\n',
      questions: one,
      want: [{rcode: 'TIMEOUT', error: 'connection timed out; no servers could be reached'}],
    },
    {
      name: "another DIG_ERROR is ERROR, with dig's words",
      output: "- type: DIG_ERROR\n  message: |\n    couldn't get address for 'nowhere.invalid': not found\n",
      questions: one,
      want: [{rcode: 'ERROR', timeMs: null, error: "couldn't get address for 'nowhere.invalid': not found"}],
    },
    {
      name: 'a status outside the known rcodes (FORMERR, NOTIMP) is ERROR',
      output: message('NOTIMP', []),
      questions: one,
      want: [{rcode: 'ERROR', answers: []}],
    },
    {
      name: 'a MESSAGE without response_message_data is ERROR, not a crash',
      output: '- type: MESSAGE\n  message:\n    socket_protocol: UDP\n',
      questions: one,
      want: [{rcode: 'ERROR', answers: [], timeMs: null}],
    },
    {
      name: 'items other than MESSAGE and DIG_ERROR (e.g. +qr query items) do not shift the alignment',
      output: `- type: RECURSIVE_QUERY\n  message:\n    query_time: !!timestamp 2024-05-14T09:12:03.100Z\n${message('NXDOMAIN', [])}`,
      questions: one,
      want: [{rcode: 'NXDOMAIN', answers: []}],
    },
    {
      name: 'answer lines of another class or too short are dropped',
      output: message('NOERROR', [`web.${Z}. 30 CH A 10.96.0.10`, 'garbage', `web.${Z}. 30 IN A 10.96.0.11`]),
      questions: one,
      want: [{rcode: 'NOERROR', answers: [a('A', 30, '10.96.0.11')]}],
    },
  ]

  for (const row of cases) {
    it(row.name, async () => {
      const results = await parseDigYaml(row.output, asked(row.questions))
      assert.equal(results.length, row.questions.length)
      row.want.forEach((want, index) => {
        for (const [key, value] of Object.entries(want))
          assert.deepEqual(results[index][key as keyof QueryResult], value, `#${index} ${key}`)
      })
    })
  }

  const notDigYaml: Array<[string, RegExp]> = [
    // An old dig rejecting +yaml: valid YAML, but a mapping, not a list.
    [
      'Invalid option: +yaml\n',
      /^Error: unexpected dig output: not a YAML list \(does the image have BIND 9\.16\+ dig\?\)$/,
    ],
    ['just some words\n', /not a YAML list/],
    // No dig at all: not even YAML.
    [
      'sh: dig: not found\n',
      /^Error: cannot parse dig output \(does the resolver image have BIND 9\.16\+ dig with \+yaml\?\)/,
    ],
  ]
  for (const [output, want] of notDigYaml) {
    it(`${JSON.stringify(output)} is an error that names BIND 9.16+`, async () => {
      await assert.rejects(parseDigYaml(output, asked(one)), want)
    })
  }

  it('text that is not YAML at all is an error naming BIND 9.16+ and the first line of the parse error', async () => {
    await assert.rejects(parseDigYaml('- type: MESSAGE\n  message: [unclosed\n', asked(one)), (error) => {
      assert.match(
        (error as Error).message,
        /^cannot parse dig output \(does the resolver image have BIND 9\.16\+ dig with \+yaml\?\): /,
      )
      assert.doesNotMatch((error as Error).message, /\n/)
      return true
    })
  })
})

// ---------------------------------------------------------------------------------------------------------
// parseRecordLine, shellQuote, isRecordType
// ---------------------------------------------------------------------------------------------------------

describe('parseRecordLine', () => {
  const cases: Array<[string, ReturnType<typeof parseRecordLine>]> = [
    [`web.${Z}. 30 IN A 10.96.0.10`, {owner: `web.${Z}.`, type: 'A', ttl: 30, data: '10.96.0.10'}],
    [
      `Web.Default.svc.cluster.local. 5 IN AAAA fd00:10:96::a`,
      {owner: `web.${Z}.`, type: 'AAAA', ttl: 5, data: 'fd00:10:96::a'},
    ],
    [
      `_http._tcp.hdls.${Z}. 30 IN SRV 0 50 8080 Web-0.HDLS.${Z}.`,
      {owner: `_http._tcp.hdls.${Z}.`, type: 'SRV', ttl: 30, data: `0 50 8080 web-0.hdls.${Z}.`},
    ],
    [
      `10.0.96.10.in-addr.arpa. 30 IN PTR WEB.${Z}.`,
      {owner: '10.0.96.10.in-addr.arpa.', type: 'PTR', ttl: 30, data: `web.${Z}.`},
    ],
    [
      `ext.${Z}. 30 IN CNAME Shop.Example.COM.`,
      {owner: `ext.${Z}.`, type: 'CNAME', ttl: 30, data: 'shop.example.com.'},
    ],
    [`${Z}. 30 IN NS NS.DNS.${Z}.`, {owner: `${Z}.`, type: 'NS', ttl: 30, data: `ns.dns.${Z}.`}],
    // Text keeps its case and its inner spaces (joined by one).
    [`t.${Z}. 30 IN TXT "Hello  World"`, {owner: `t.${Z}.`, type: 'TXT', ttl: 30, data: '"Hello World"'}],
    [
      '  padded.example.   60   IN   A   192.0.2.1  ',
      {owner: 'padded.example.', type: 'A', ttl: 60, data: '192.0.2.1'},
    ],
    [`web.${Z}. 30 CH A 10.96.0.10`, null],
    [`web.${Z}. 30 IN A`, null],
    ['', null],
  ]
  for (const [line, want] of cases) {
    it(JSON.stringify(line), () => assert.deepEqual(parseRecordLine(line), want))
  }
})

describe('shellQuote', () => {
  const words = ['web.default.svc.cluster.local.', "it's", "''", '', '$(rm -rf /) `x` $HOME', 'a b\tc\nd', '\\']
  for (const word of words) {
    it(`sh reads ${JSON.stringify(word)} back unchanged`, () => {
      const quoted = shellQuote(word)
      assert.match(quoted, /^'.*'$/s)
      const out = spawnSync('sh', ['-c', `printf %s ${quoted}`], {encoding: 'utf8'})
      assert.equal(out.status, 0, out.stderr)
      assert.equal(out.stdout, word)
    })
  }
})

describe('isRecordType', () => {
  for (const type of ['A', 'AAAA', 'SRV', 'PTR', 'CNAME'])
    it(`${type} is one`, () => assert.equal(isRecordType(type), true))
  for (const type of ['a', 'NS', 'SOA', 'TXT', ''])
    it(`${JSON.stringify(type)} is not`, () => assert.equal(isRecordType(type), false))
})

// ---------------------------------------------------------------------------------------------------------
// batchScript: the text
// ---------------------------------------------------------------------------------------------------------

const scriptQuestions = [q(`web.${Z}.`, 'A'), q(`_http._tcp.web.${Z}.`, 'SRV'), q('10.0.96.10.in-addr.arpa.', 'PTR')]
const scriptServers = [nameserver, replicaA, replicaB]
const scriptTargets: ReachTarget[] = [
  {address: '10.96.0.10', port: 80, role: 'clusterIP', protocol: 'TCP'},
  {address: '10.244.1.5', port: 8080, role: 'endpoint', protocol: 'TCP'},
  {address: 'fd00:10:244:1::5', port: 8080, role: 'endpoint', protocol: 'TCP'},
]
const options = {timeoutSeconds: 3, probeName: 'kubernetes.default.svc.cluster.local.'}

describe('batchScript', () => {
  const script = batchScript(scriptQuestions, scriptServers, scriptTargets, options)
  const lines = script.split('\n')
  const ask = lines.slice(lines.indexOf('ask() {'), lines.indexOf('}') + 1)
  const jobs = lines.filter((line) => line.startsWith('( ask '))
  const probe = "'kubernetes.default.svc.cluster.local.' SOA"

  it('works in a directory of its own under /tmp, starts from clean output files, and compresses its sections with gzip -1 when the image has it', () => {
    assert.deepEqual(lines.slice(0, 5), [
      'cd /tmp || exit 1',
      // One directory per shell: batches run at once in one pod keep their files apart.
      'd=svc-inspect.$$; mkdir -p $d && cd $d || exit 1',
      'rm -f s*.out s*.dead r.out c.out e.out',
      // Whether gzip works is learnt by using it (see the sections below), not by a trial run.
      "if command -v gzip >/dev/null; then z='gzip -1'; else z=cat; fi",
      // The text sections' headings and the end line, ready for the last cat.
      "echo '=== svc-inspect reach' > r.out; echo '=== svc-inspect end' > e.out",
    ])
    assert.equal(lines.at(-1), 'rm -f s*.out r.out c.out e.out; cd .. && rmdir $d', 'cleans up last')
  })

  it('one function asks every question of one server: dig +yaml over TCP on one connection, or over UDP', () => {
    assert.equal(ask[1], '  i=$1; if [ "$2" = tcp ]; then t="+tcp +keepopen +tries=2"; else t=+notcp; fi; shift 2; p=')
    const digs = ask.filter((line) => line.startsWith('  dig +yaml'))
    assert.equal(digs.length, 1, 'a few questions: one dig process')
    const asked = scriptQuestions.map((question) => `${shellQuote(question.name)} ${question.type}`).join(' ')
    // The TCP check first, the questions in order, the UDP check last (+notcp: that question alone over UDP).
    assert.equal(
      digs[0],
      `  dig +yaml +noall +answer +time=3 +tries=1 $t "$@" ${probe} ${asked} ${probe} +notcp > s$i.0.out 2>&1 & p="$p $!"`,
    )
    assert.equal(script.split('dig +yaml').length - 1, 1, 'the questions are written once, not once per server')
  })

  it('a background job per server: over TCP, then over UDP if the TCP check went unanswered, into its own sN.out', () => {
    assert.equal(jobs.length, scriptServers.length)
    scriptServers.forEach((server, index) => {
      const job = jobs[index]
      assert.ok(job.startsWith(`( ask ${index} tcp '@${server.address}'; tcp=; if [ ! -e s${index}.dead ]; then `), job)
      // The TCP check's answer says socket_protocol TCP within its first lines.
      assert.ok(
        job.includes(`case $l in 'socket_protocol: TCP') tcp=1; break;; esac; n=$((n+1)); done < s${index}.0.out; fi;`),
        job,
      )
      assert.ok(
        job.includes(
          `if [ -z "$tcp" ]; then [ -e s${index}.dead ] || dig +time=3 +tries=1 +tcp '@${server.address}' ${probe} 2>&1 | ` +
            `grep -m1 -E 'failed: |communications error' | sed 's/^/TCP_FAILURE /' > s${index}.why; ` +
            `rm -f s${index}.dead; ask ${index} udp '@${server.address}'; fi;`,
        ),
        job,
      )
      // Its section, marked, compressed as soon as it is complete.
      assert.ok(
        job.includes(
          `{ echo '=== svc-inspect s${index}'; [ -n "$tcp" ] || echo TCP_UNANSWERED; cat s${index}.why s${index}.0.out 2>/dev/null; } | $z > s${index}.out`,
        ),
        job,
      )
      assert.ok(job.endsWith(` rm -f s${index}.0.out s${index}.dead s${index}.why ) &`), job)
    })
  })

  it('a server on another port gets -p, per dig process', () => {
    const text = batchScript(scriptQuestions, [{...replicaA, port: 5353}], [], options)
    assert.ok(text.includes(`( ask 0 tcp '@${replicaA.address}' -p 5353;`), text)
    assert.ok(text.includes(`ask 0 udp '@${replicaA.address}' -p 5353;`), text)
  })

  it('splits many questions over several dig processes per server, gathered back in order', () => {
    const many = Array.from({length: 600}, (_, index) => ({
      name: `n${index}.default.svc.cluster.local.`,
      type: 'A' as const,
    }))
    const text = batchScript(many, scriptServers.slice(0, 1), [], {timeoutSeconds: 2, probeName: 'cluster.local'})
    const digs = text.split('\n').filter((line) => line.startsWith('  dig +yaml'))
    assert.equal(digs.length, 3, '600 questions: 250 + 250 + 100')
    assert.ok(
      digs[0].includes("\"$@\" 'cluster.local' SOA 'n0.default.svc.cluster.local.' A") &&
        digs[0].endsWith('> s$i.0.out 2>&1 & p="$p $!"'),
      digs[0],
    )
    assert.ok(
      digs[1].includes('"$@" \'n250.default.svc.cluster.local.\' A') && digs[1].includes('> s$i.1.out'),
      digs[1],
    )
    assert.ok(digs[2].includes("'n599.default.svc.cluster.local.' A 'cluster.local' SOA +notcp > s$i.2.out"), digs[2])
    assert.ok(text.includes('cat s0.why s0.0.out s0.1.out s0.2.out 2>/dev/null; } | $z > s0.out'), text)
  })

  it('thousands of questions: at most 12 dig processes per batch, shared among the servers, each with a longer slice', () => {
    const many = Array.from({length: 5000}, (_, index) => ({
      name: `n${index}.default.svc.cluster.local.`,
      type: 'A' as const,
    }))
    const text = batchScript(many, scriptServers.slice(0, 1), [], {timeoutSeconds: 2, probeName: 'cluster.local'})
    const digs = text.split('\n').filter((line) => line.startsWith('  dig +yaml'))
    // One server: 12 digs of 417 questions; the dig lines are written once for all servers.
    assert.equal(digs.length, 12)
    assert.ok(digs[1].includes("'n417.default.svc.cluster.local.' A") && !digs[0].includes("'n417."), digs[1])
    const three = batchScript(many, scriptServers.slice(0, 3), [], {timeoutSeconds: 2, probeName: 'cluster.local'})
    assert.equal(three.split('\n').filter((line) => line.startsWith('  dig +yaml')).length, 4, '3 servers x 4 digs')
  })

  it("a watchdog per ask probes the server (SOA of the probe name, same transport, the questions' timeout) after 0.5 s; on dig exit 9 it kills the digs and marks the server dead", () => {
    const watchdog = ask.find((line) => line.includes('trap'))!
    // The digs start first, in the background, their PIDs kept; then the watchdog, in the background too.
    assert.equal(
      watchdog,
      `  ( trap 'kill $s 2>/dev/null; wait $s; exit 0' TERM; sleep 0.5 2>/dev/null & s=$!; wait $s; dig +time=${options.timeoutSeconds} +tries=1 $t "$@" ${probe} >/dev/null 2>&1; ` +
        'if [ $? -eq 9 ] && kill $p 2>/dev/null; then : > s$i.dead; fi ) </dev/null >/dev/null 2>&1 & w=$!',
    )
    // Digs done: the watchdog is stopped; killed digs: it is left to leave its mark. Either way it is waited for.
    assert.equal(ask.at(-2), '  wait $p; [ $? -gt 128 ] || kill $w 2>/dev/null; wait $w')
    // Dead over UDP too (after TCP): UNREACHABLE.
    jobs.forEach((job, index) => {
      const section = `echo '=== svc-inspect s${index}'; echo UNREACHABLE`
      // Compressed, or as text if the image's gzip fails.
      assert.ok(
        job.includes(
          `if [ -e s${index}.dead ]; then { ${section}; } | $z > s${index}.out || { ${section}; } > s${index}.out;`,
        ),
        job,
      )
    })
  })

  it('reads the nameserver from /etc/resolv.conf for a server without an address, and prints the file', () => {
    const own = {...nameserver, address: ''}
    const text = batchScript(scriptQuestions, [own, replicaA], [], options)
    const lines = text.split('\n')
    assert.equal(
      lines[4],
      "echo '=== svc-inspect reach' > r.out; echo '=== svc-inspect end' > e.out; echo '=== svc-inspect resolv.conf' > c.out",
    )
    assert.equal(
      lines[5],
      'ns=; while read -r key value rest; do if [ "$key" = nameserver ]; then ns=$value; break; fi; done < /etc/resolv.conf',
    )
    const line = lines.find((candidate) => candidate.includes('"@$ns"'))!
    assert.ok(line.startsWith('if [ -n "$ns" ]; then ( ask 0 tcp "@$ns"; '), line)
    assert.ok(
      line.endsWith(
        " ) & else { echo '=== svc-inspect s0'; echo NO_NAMESERVER; } | $z > s0.out || { echo '=== svc-inspect s0'; echo NO_NAMESERVER; } > s0.out; fi",
      ),
      line,
    )
    assert.ok(
      lines.some((candidate) => candidate.includes(`'@${replicaA.address}'`)),
      'replicas keep their address',
    )
    assert.equal(
      lines[lines.indexOf('wait') + 1],
      'cat c.out /etc/resolv.conf r.out s0.out s1.out e.out 2>/dev/null',
      'resolv.conf first, under its heading',
    )
    assert.equal(spawnSync('sh', ['-n', '-c', text]).status, 0, 'the script parses')
    assert.ok(!script.includes('resolv.conf'), 'servers with addresses: resolv.conf is neither read nor printed')
  })

  it('names are single-quoted: a name with a quote cannot break out', () => {
    const nasty = batchScript([q("x';reboot;'.example.", 'A')], [nameserver], [], options)
    assert.ok(nasty.includes(`'x'\\'';reboot;'\\''.example.' A`), nasty)
    assert.equal(spawnSync('sh', ['-n', '-c', nasty]).status, 0, 'the script parses')
  })

  it('one background nc per target with the timeout, classifying open / refused / timeout / error into r.out', () => {
    const ncLines = lines.filter((line) => /\bnc\b/.test(line))
    assert.equal(ncLines.length, scriptTargets.length)
    scriptTargets.forEach((target, index) => {
      const line = ncLines[index]
      assert.ok(line.includes(`out=$(nc -v -w 3 '${target.address}' ${target.port} </dev/null 2>&1)`), line)
      // busybox nc has no -v: the same probe again without it.
      assert.ok(
        line.includes(`*nvalid*option*|*sage:*) out=$(nc -w 3 '${target.address}' ${target.port} </dev/null 2>&1)`),
        line,
      )
      assert.ok(line.includes(`echo "${target.address} ${target.port} open" >> r.out`), line)
      assert.ok(line.includes('*efused*) s=refused') && line.includes('s=timeout') && line.includes('s="error '), line)
      assert.ok(line.endsWith(' ) &'), line)
    })
  })

  it("waits for every job, then prints in one cat the reach section as text, each server's (compressed on its own) and the end line", () => {
    const wait = lines.indexOf('wait')
    const lastJob = lines.map((text, index) => (text.endsWith(' &') ? index : -1)).reduce((a, b) => Math.max(a, b))
    assert.ok(wait > lastJob, 'wait comes after the last background job')
    assert.deepEqual(lines.slice(wait + 1), [
      'cat r.out s0.out s1.out s2.out e.out 2>/dev/null',
      'rm -f s*.out r.out c.out e.out; cd .. && rmdir $d',
    ])
    assert.equal(BATCH_END, '=== svc-inspect end\n')
  })

  it('is valid sh, with and without targets', () => {
    for (const text of [
      script,
      batchScript(scriptQuestions, [nameserver], [], options),
      batchScript([], [], [], options),
    ]) {
      const out = spawnSync('sh', ['-n', '-c', text], {encoding: 'utf8'})
      assert.equal(out.status, 0, out.stderr)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------
// parseBatchOutput / parseReachOutput on composed output
// ---------------------------------------------------------------------------------------------------------

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
// The probe part of the script, run by sh with stand-in nc commands that print what real ones print
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

describe('batchScript probes: nc messages to states', () => {
  const target: ReachTarget = {address: '10.244.1.5', port: 8000, role: 'endpoint', protocol: 'TCP'}
  for (const row of ncCases) {
    it(row.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'svc-inspect-nc-'))
      try {
        const fake = (out: string, rc: number) => `printf '%s\\n' ${shellQuote(out)}; exit ${rc}`
        writeFileSync(
          join(dir, 'nc'),
          `#!/bin/sh\nif [ "$1" = -v ]; then ${fake(...row.verbose)}; else ${fake(...row.plain)}; fi\n`,
        )
        chmodSync(join(dir, 'nc'), 0o755)
        const script = batchScript([], [], [target], {timeoutSeconds: 1, probeName: 'x.'}).replace(
          'cd /tmp || exit 1',
          `cd ${shellQuote(dir)} || exit 1`,
        )
        const out = spawnSync('sh', ['-c', script], {env: {...process.env, PATH: `${dir}:${process.env.PATH}`}})
        assert.equal(out.status, 0, String(out.stderr))
        const text = decodeScriptOutput(out.stdout)
        const [result] = (await parseBatchOutput(text, [], [], [target])).reachability
        assert.equal(result.state, row.state, text)
        assert.equal(result.detail, row.detail, text)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  }
})

describe("the script's output, compressed or not", () => {
  const target: ReachTarget = {address: '127.0.0.1', port: 9, role: 'endpoint', protocol: 'TCP'}
  // One server, whose dig (a stand-in) answers nothing: its section says only that the TCP check went unanswered.
  const server: DnsServer = {label: 'nameserver', address: '127.0.0.1', port: 53, replica: false}
  const runScript = (gzip: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'svc-inspect-gzip-'))
    try {
      writeFileSync(join(dir, 'nc'), '#!/bin/sh\necho "nc: Connection refused"; exit 1\n')
      writeFileSync(join(dir, 'dig'), '#!/bin/sh\nexit 0\n')
      writeFileSync(join(dir, 'gzip'), `#!/bin/sh\n${gzip}\n`)
      for (const command of ['nc', 'dig', 'gzip']) chmodSync(join(dir, command), 0o755)
      const script = batchScript([], [server], [target], {timeoutSeconds: 1, probeName: 'x.'}).replace(
        'cd /tmp || exit 1',
        `cd ${shellQuote(dir)} || exit 1`,
      )
      const out = spawnSync('sh', ['-c', script], {env: {...process.env, PATH: `${dir}:${process.env.PATH}`}})
      assert.equal(out.status, 0, String(out.stderr))
      return out.stdout
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }

  const PLAIN = '=== svc-inspect reach\n127.0.0.1 9 refused\n=== svc-inspect s0\nTCP_UNANSWERED\n'

  it('an image whose gzip fails (or has none): plain text, read the same', async () => {
    const bytes = runScript('exit 127')
    assert.equal(bytes.toString('utf8'), `${PLAIN}${BATCH_END}`)
    assert.equal(decodeScriptOutput(bytes), PLAIN, 'the end line is not part of the answers')
    const parsed = await parseBatchOutput(decodeScriptOutput(bytes), [], [server], [target])
    assert.deepEqual(
      parsed.reachability.map((result) => result.state),
      ['refused'],
    )
    assert.deepEqual(parsed.transports, [{server: 'nameserver', tcp: false, udp: null}])
  })

  it("with gzip: the reach section as text, the server's section a gzip member, the end line as text; read the same", () => {
    const bytes = runScript('exec gzip "$@"'.replace('gzip', which('gzip')))
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
        error.name === 'InspectError' && /^cannot read the resolver pod's answers: gzip: /.test(error.message),
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
// The generated script, run for real: sh + dig + nc against servers on 127.0.0.1
// ---------------------------------------------------------------------------------------------------------

const run = promisify(execFile)
const which = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], {encoding: 'utf8'}).stdout.trim()
const DIG = which('dig')
const NC_OPENBSD = which('nc.openbsd')
const BUSYBOX = which('busybox')

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

const ncVariants = [
  // netshoot (the default resolver image) ships OpenBSD netcat: silent on failure unless -v.
  {name: 'OpenBSD nc (netshoot)', command: NC_OPENBSD ? `exec ${NC_OPENBSD} "$@"` : '', available: Boolean(NC_OPENBSD)},
  // busybox nc (the test cluster's resolver image): no -v, says why on failure by itself.
  {name: 'busybox nc', command: BUSYBOX ? `exec ${BUSYBOX} nc "$@"` : '', available: Boolean(BUSYBOX)},
]

// In CI a missing tool fails the test, since a skip reads as a pass there; elsewhere it skips with the reason.
const IN_CI = process.env.CI === 'true' || process.env.CI === '1'

describe('batchScript run by sh against loopback servers', () => {
  for (const variant of ncVariants) {
    const missing = !DIG ? 'no dig on PATH' : !variant.available ? `no ${variant.name} on PATH` : ''
    it(
      `dig sections, an unreachable server and TCP probes, with ${variant.name}`,
      {skip: missing && !IN_CI ? missing : false, timeout: 30_000},
      async () => {
        if (missing)
          assert.fail(`${missing}: this test needs dig, busybox and OpenBSD nc (nc.openbsd); install them in CI`)
        const dir = mkdtempSync(join(tmpdir(), 'svc-inspect-batch-'))
        const bin = join(dir, 'bin')
        const work = join(dir, 'work')
        spawnSync('mkdir', ['-p', bin, work])
        writeFileSync(join(bin, 'dig'), DIG_SHIM)
        writeFileSync(join(bin, 'nc'), `#!/bin/sh\n${variant.command}\n`)
        chmodSync(join(bin, 'dig'), 0o755)
        chmodSync(join(bin, 'nc'), 0o755)

        const dns = loopbackDns()
        const udpOnly = loopbackDns({udp: true})
        const tcpOnly = loopbackDns({tcp: true})
        const closing = loopbackDns({udp: true, tcp: true}, {closeAfterAnswer: true})
        const listener = net.createServer((socket) => socket.on('error', () => {}))
        // The dead replica reads every query and answers none, as a CoreDNS pod behind a dropping network would.
        const silent = dgram.createSocket('udp4')
        silent.on('message', () => {})
        try {
          await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve))
          const dnsPort = await freePort()
          await dns.listen({udp: {port: dnsPort, address: '127.0.0.1'}, tcp: {port: dnsPort, address: '127.0.0.1'}})
          const udpOnlyPort = await freePort()
          await udpOnly.listen({udp: {port: udpOnlyPort, address: '127.0.0.1'}})
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
          const script = batchScript(questions, servers, targets, {timeoutSeconds: 1, probeName: `probe.${Z}.`})
          assert.ok(script.startsWith('cd /tmp || exit 1\n'))
          // Same script, but in a private directory instead of the machine's /tmp.
          const resolvConf = join(dir, 'resolv.conf')
          writeFileSync(resolvConf, `search ${Z} svc.cluster.local\nnameserver 127.0.0.1\n`)
          const local = script
            .replace('cd /tmp || exit 1', `cd ${shellQuote(work)} || exit 1`)
            .replaceAll('/etc/resolv.conf', resolvConf)
          const {stdout: bytes} = await run('sh', ['-c', local], {
            encoding: 'buffer',
            env: {
              ...process.env,
              PATH: `${bin}:${process.env.PATH}`,
              SVC_TEST_DNS_PORT: String(dnsPort),
              SVC_TEST_PORT_dead: String(silent.address().port),
              SVC_TEST_PORT_udponly: String(udpOnlyPort),
              SVC_TEST_PORT_tcponly: String(tcpOnlyPort),
              SVC_TEST_PORT_closing: String(closingPort),
            },
            timeout: 20_000,
          })
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
          await Promise.all([dns.close(), udpOnly.close(), tcpOnly.close(), closing.close()])
          rmSync(dir, {recursive: true, force: true})
        }
      },
    )
  }
})

describe('batchScript run by sh: slow is not dead, refused is not a timeout', () => {
  it(
    'a server answering after 1.2 s (query timeout 2 s) is asked everything, its times kept; a closed port is refused',
    {skip: !DIG ? 'no dig on PATH' : false, timeout: 30_000},
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'svc-inspect-slow-'))
      const bin = join(dir, 'bin')
      const work = join(dir, 'work')
      spawnSync('mkdir', ['-p', bin, work])
      writeFileSync(join(bin, 'dig'), DIG_SHIM)
      chmodSync(join(bin, 'dig'), 0o755)
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
        const script = batchScript(questions, servers, [], {timeoutSeconds: 2, probeName: `probe.${Z}.`}).replace(
          'cd /tmp || exit 1',
          `cd ${shellQuote(work)} || exit 1`,
        )
        const {stdout: bytes} = await run('sh', ['-c', script], {
          encoding: 'buffer',
          env: {
            ...process.env,
            PATH: `${bin}:${process.env.PATH}`,
            SVC_TEST_PORT_slow: String(slowPort),
            SVC_TEST_PORT_closed: String(closedPort),
          },
          timeout: 25_000,
        })
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
        rmSync(dir, {recursive: true, force: true})
      }
    },
  )
})

describe('readDigItems: the fast reader of dig +yaml agrees with a YAML parser on every recorded capture', () => {
  const fixtures = new URL('./fixtures/dig/', import.meta.url)
  const shape = (items: DigItem[]) =>
    items
      .filter((item) => item.type === 'MESSAGE' || item.type === 'DIG_ERROR')
      .map((item) =>
        typeof item.message === 'string' || !item.message
          ? {type: item.type, message: String(item.message ?? '').trim()}
          : {
              type: item.type,
              status: item.message.response_message_data?.status,
              answers: item.message.response_message_data?.ANSWER_SECTION ?? [],
              questions: item.message.response_message_data?.QUESTION_SECTION ?? [],
              queried: new Date(item.message.query_time!).getTime(),
              responded: new Date(item.message.response_time!).getTime(),
              protocol: item.message.socket_protocol,
            },
      )
  for (const name of readdirSync(fixtures).filter((file) => file.endsWith('.yaml'))) {
    it(name, () => {
      const text = readFileSync(new URL(name, fixtures), 'utf8')
      const fast = readDigItems(text)
      assert.ok(fast, 'recognised as dig output')
      assert.deepEqual(shape(fast), shape((parseYaml(text) as DigItem[] | null) ?? []))
    })
  }
  it('text that is not dig +yaml output is left to the YAML parser (null)', () => {
    assert.equal(readDigItems('foo: bar\n'), null)
  })
})
