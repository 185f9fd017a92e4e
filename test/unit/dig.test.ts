// dig's answers as the live DNS check reads them: the parser is tested on real `dig +yaml` output (BIND 9.18.49),
// recorded from a throwaway dns2 server on 127.0.0.1 by fixtures/dig/capture.mjs, exactly as the resolver batch
// runs dig (`> sN.M.out 2>&1`). The batch itself is tested in resolver-batch.test.ts.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseDigYaml, parseRecordLine, readDigItems, tcpFailureReason, type DigItem} from '../../src/dns/dig.js'
import {parse as parseYaml} from 'yaml'
import type {DnsAnswer, DnsQuestion, DnsServer, QueryResult} from '../../src/dns/types.js'
import {queryFailure} from '../../src/dns/types.js'
import {isRecordType} from '../../src/model/report.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dig')
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')

const Z = 'default.svc.cluster.local'
const nameserver: DnsServer = {label: 'nameserver', address: '10.96.0.10', port: 53, replica: false}
const replicaA: DnsServer = {label: 'coredns-5d78c9869d-4xk2p', address: '10.244.0.3', port: 53, replica: true}

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
    // Recorded from a real CoreDNS 1.12.0 (Corefile `.:15353 { chaos }`) on 127.0.0.1 with the batch's options:
    // dig +yaml +noall +answer +tcp +keepopen version.bind. TXT CH
    file: 'version-bind-chaos.yaml',
    what: "the server's release: a CHAOS-class TXT answer, single-quoted by dig's YAML, read with its quotes",
    questions: [{name: 'version.bind.', type: 'TXT', class: 'CH'}],
    want: [{rcode: 'NOERROR', answers: [a('TXT', 0, '"CoreDNS-1.12.0"')], transport: 'TCP'}],
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

// dig's default output, with the question, authority and additional sections the resolver batch leaves out: read alike.
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
      /^InspectError: unexpected dig output: not a YAML list \(does the image have BIND 9\.16\+ dig\?\)$/,
    ],
    ['just some words\n', /not a YAML list/],
    // No dig at all: not even YAML.
    [
      'sh: dig: not found\n',
      /^InspectError: cannot parse dig output \(does the resolver image have BIND 9\.16\+ dig with \+yaml\?\)/,
    ],
  ]
  for (const [output, want] of notDigYaml) {
    it(`${JSON.stringify(output)} is an error that names BIND 9.16+, reason Failed`, async () => {
      await assert.rejects(parseDigYaml(output, asked(one)), want)
      await assert.rejects(parseDigYaml(output, asked(one)), {reason: 'Failed'})
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
// parseRecordLine; isRecordType (model/report.ts: the one list of record types)
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
    // The CHAOS class only for the server's release (CoreDNS plugin/chaos answers TXT in class CH); other CH records
    // are dropped.
    [
      'version.bind. 0 CH TXT "CoreDNS-1.11.3"',
      {owner: 'version.bind.', type: 'TXT', ttl: 0, data: '"CoreDNS-1.11.3"'},
    ],
    [`web.${Z}. 30 CH A 10.96.0.10`, null],
    [`web.${Z}. 30 IN A`, null],
    ['', null],
  ]
  for (const [line, want] of cases) {
    it(JSON.stringify(line), () => assert.deepEqual(parseRecordLine(line), want))
  }
})

describe('isRecordType', () => {
  for (const type of ['A', 'AAAA', 'SRV', 'PTR', 'CNAME'])
    it(`${type} is one`, () => assert.equal(isRecordType(type), true))
  for (const type of ['a', 'NS', 'SOA', 'TXT', ''])
    it(`${JSON.stringify(type)} is not`, () => assert.equal(isRecordType(type), false))
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
