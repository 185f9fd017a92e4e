// The batch sent to dig inside the resolver pod, and the parsing of what it prints (`dig +yaml`, BIND 9.16+):
// one YAML list item per query, in the order asked, DIG_ERROR items for queries nobody answered.
import {gunzipSync} from 'node:zlib'
import {InspectError} from '../errors.js'
import type {RecordType} from '../model/report.js'
import {
  answered,
  reachKey,
  type DnsAnswer,
  type DnsQuestion,
  type DnsServer,
  type QueryResult,
  type Rcode,
  type ReachResult,
  type ReachTarget,
  type TransportCheck,
} from './types.js'

const SECTION = '=== svc-inspect'
/**
 * The batch script's last line. Its output is complete once this arrives: the exec's teardown (the shell's exit,
 * its status, the stream's close: ~7 ms on a local cluster) need not be waited for (see PodShell.run).
 */
export const BATCH_END = `${SECTION} end\n`
const QUESTIONS_PER_DIG = 250
/**
 * dig processes per batch at most, shared among the servers: a batch of thousands of questions gets longer slices,
 * not more processes (each dig holds a few MB, and the pod has a 128Mi limit).
 */
const DIGS_PER_BATCH = 12
/** Seconds a server's digs may run before it gets a probe query (see batchScript). */
const PROBE_AFTER = '0.5'
const RESOLV_CONF = '/etc/resolv.conf'
/** What the script writes for the pod's nameserver when its resolv.conf names none. */
const NO_NAMESERVER = 'NO_NAMESERVER'
/** What the script writes for a server that did not answer its probe query (its digs killed). */
const UNREACHABLE = 'UNREACHABLE'
/** The error of a question dig printed nothing for (its output ended early). */
const NO_RESULT = 'no result from dig'
/** The first line of a server's section when it left the TCP check unanswered and was asked over UDP. */
const TCP_UNANSWERED = 'TCP_UNANSWERED'
/**
 * The line after TCP_UNANSWERED: why TCP failed, in dig's words (`dig +yaml` says only "no servers could be
 * reached"), e.g. `;; Connection to 10.244.0.2#53(10.244.0.2) for x. failed: connection refused.`
 */
const TCP_FAILURE = 'TCP_FAILURE'

/** Single-quotes a word for sh; names, types and addresses come from the API, but quoting costs nothing. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`
}

/**
 * One shell script for the whole check, run by one exec in the resolver pod: every question against every
 * server, the servers in parallel, and every TCP probe in parallel.
 *
 * Each server is asked over TCP, one connection per dig process (+keepopen): dig opens a new UDP socket per
 * question, and over a few hundred questions that makes UDP a third slower on two cores. The answers are the
 * same; what applications see of the transport is checked by two questions of their own (the SOA of the probe
 * name), one over TCP before the questions and one over UDP after them, since applications ask over UDP first and
 * need TCP for answers too large for UDP. A server that leaves the TCP check unanswered is asked everything
 * again over UDP, and its section starts with TCP_UNANSWERED.
 *
 * A server whose digs are still running after PROBE_AFTER gets a probe query, with the questions' timeout (a
 * server that answers late but within it is slow, not dead); if it does not answer that, its digs are killed
 * instead of timing out once per question. A server without an address is the pod's own
 * nameserver, read by the script from /etc/resolv.conf, which it then prints too: one exec instead of two.
 */
export function batchScript(
  questions: DnsQuestion[],
  servers: DnsServer[],
  targets: ReachTarget[],
  options: {timeoutSeconds: number; probeName: string},
): string {
  // Each section is compressed as soon as it is complete, when the image has gzip: the answers of a big service
  // are ~0.5 MB of YAML, ~35x smaller compressed, which the container runtime, the kubelet, the API server and
  // the CLI would otherwise each pass on in full. gzip members concatenated are one gzip stream.
  // Each exec's shell has its own PID, hence its own directory: batches run at once in one pod (a scan) do not
  // share files.
  const lines = [
    'cd /tmp || exit 1',
    `d=svc-inspect.$$; mkdir -p $d && cd $d || exit 1`,
    'rm -f s*.out s*.dead r.out c.out e.out',
    "if command -v gzip >/dev/null; then z='gzip -1'; else z=cat; fi",
  ]
  const readsResolvConf = servers.some((server) => !server.address)
  // The text sections' headings and the end line, written now (by the shell itself) so that one cat prints the
  // whole output at the end.
  lines.push(
    `echo '${SECTION} reach' > r.out; echo '${BATCH_END.trim()}' > e.out${readsResolvConf ? `; echo '${SECTION} resolv.conf' > c.out` : ''}`,
  )
  if (readsResolvConf)
    lines.push(
      `ns=; while read -r key value rest; do if [ "$key" = nameserver ]; then ns=$value; break; fi; done < ${RESOLV_CONF}`,
    )
  const probe = `${shellQuote(options.probeName)} SOA`
  // dig asks its questions one after another: one process per server is fastest up to a few hundred questions
  // (measured: 200 questions x 3 servers in ~0.08 s over TCP on 2 cores); beyond that, slices of
  // QUESTIONS_PER_DIG run in parallel. The transport checks go first and last.
  const digsPerServer = Math.max(1, Math.floor(DIGS_PER_BATCH / Math.max(1, servers.length)))
  const perDig = Math.max(QUESTIONS_PER_DIG, Math.ceil(questions.length / digsPerServer))
  const chunks: string[][] = []
  for (let start = 0; start < questions.length; start += perDig) {
    chunks.push(
      questions.slice(start, start + perDig).map((question) => `${shellQuote(question.name)} ${question.type}`),
    )
  }
  if (chunks.length === 0) chunks.push([])
  chunks[0].unshift(probe)
  chunks.at(-1)!.push(`${probe} +notcp`)
  if (servers.length > 0) {
    // +noall +answer: each message still has its status, times and transport, without the question, authority
    // and additional sections (an SRV answer's additional section repeats every target): a quarter less to send
    // and read.
    const digs = chunks.map(
      (chunk, part) =>
        `dig +yaml +noall +answer +time=${options.timeoutSeconds} +tries=1 $t "$@" ${chunk.join(' ')} > s$i.${part}.out 2>&1 & p="$p $!"`,
    )
    // The watchdog sleeps first: a batch of a few hundred questions is done by then and the watchdog is stopped,
    // so the probe's dig process (~10 ms of CPU) only runs for a server that is slow to finish. A sleep without
    // fractions fails at once, and the probe runs at once. It marks the server dead only if its kill reached the
    // digs. Stopped, it ends its sleep and waits for it, and ask waits for the watchdog: nothing is left to PID 1,
    // which in a --resolver-pod may never reap.
    const watchdog =
      `( trap 'kill $s 2>/dev/null; wait $s; exit 0' TERM; sleep ${PROBE_AFTER} 2>/dev/null & s=$!; wait $s; ` +
      `dig +time=${options.timeoutSeconds} +tries=1 $t "$@" ${probe} >/dev/null 2>&1; ` +
      `if [ $? -eq 9 ] && kill $p 2>/dev/null; then : > s$i.dead; fi ) </dev/null >/dev/null 2>&1 & w=$!`
    // ask N tcp|udp @SERVER [-p PORT]: every question against one server, into sN.*.out (sN.dead if it is dead).
    // Over TCP a question gets a second try: a server may close the connection after an answer (RFC 7766), and
    // dig +keepopen then fails the next question on the closed connection instead of opening a new one.
    lines.push(
      'ask() {',
      '  i=$1; if [ "$2" = tcp ]; then t="+tcp +keepopen +tries=2"; else t=+notcp; fi; shift 2; p=',
      ...digs.map((dig) => `  ${dig}`),
      `  ${watchdog}`,
      '  wait $p; [ $? -gt 128 ] || kill $w 2>/dev/null; wait $w',
      '}',
    )
  }
  servers.forEach((server, index) => {
    // -p is per dig process; each server has its own (CoreDNS pods may listen on 5353 behind port 53).
    const at = `${server.address ? shellQuote(`@${server.address}`) : '"@$ns"'}${server.port === 53 ? '' : ` -p ${server.port}`}`
    const parts = chunks.map((_, part) => `s${index}.${part}.out`).join(' ')
    // Answered over TCP: the TCP check (the first question) has socket_protocol TCP within its first lines.
    const answeredOverTcp =
      `tcp=; if [ ! -e s${index}.dead ]; then n=0; while [ $n -lt 16 ] && read -r l; do ` +
      `case $l in 'socket_protocol: TCP') tcp=1; break;; esac; n=$((n+1)); done < s${index}.0.out; fi;`
    const marker = `echo '${SECTION} s${index}'`
    const job =
      `( ask ${index} tcp ${at}; ${answeredOverTcp} if [ -z "$tcp" ]; then ${whyNotTcp(index, at, probe, options.timeoutSeconds)} rm -f s${index}.dead; ask ${index} udp ${at}; fi; ` +
      `if [ -e s${index}.dead ]; then ${compressed(`${marker}; echo ${UNREACHABLE}`, `s${index}.out`)}; ` +
      `else ${compressed(`${marker}; [ -n "$tcp" ] || echo ${TCP_UNANSWERED}; cat s${index}.why ${parts} 2>/dev/null`, `s${index}.out`)}; fi; rm -f ${parts} s${index}.dead s${index}.why ) &`
    lines.push(
      server.address
        ? job
        : `if [ -n "$ns" ]; then ${job} else ${compressed(`${marker}; echo ${NO_NAMESERVER}`, `s${index}.out`)}; fi`,
    )
  })
  for (const target of targets) {
    const address = shellQuote(target.address)
    // OpenBSD nc (netshoot's) says nothing on failure without -v; busybox nc has no -v (and says why anyway):
    // try -v, and fall back to plain nc when the option is rejected.
    const nc = `-w ${options.timeoutSeconds} ${address} ${target.port} </dev/null 2>&1`
    lines.push(
      `( out=$(nc -v ${nc}); rc=$?; if [ $rc -ne 0 ]; then case "$out" in *nvalid*option*|*sage:*) out=$(nc ${nc}); rc=$?;; esac; fi; ` +
        `if [ $rc -eq 0 ]; then echo "${target.address} ${target.port} open" >> r.out; ` +
        `else case "$out" in *efused*) s=refused;; *imed*out*|*imeout*) s=timeout;; *) s="error $(echo $out | tr -s '\\n' ' ')";; esac; ` +
        `echo "${target.address} ${target.port} $s" >> r.out; fi ) &`,
    )
  }
  lines.push('wait')
  // The whole output in one cat, the end line last: the small sections as text, then each server's (compressed).
  // Every process here runs after the queries, on the way to the answers. The clean-up runs after the end line:
  // a closed exec does not stop its process, and the next batch starts by removing these files anyway.
  const sections = [
    ...(readsResolvConf ? ['c.out', RESOLV_CONF] : []),
    'r.out',
    ...servers.map((_, index) => `s${index}.out`),
    'e.out',
  ]
  lines.push(`cat ${sections.join(' ')} 2>/dev/null`, 'rm -f s*.out r.out c.out e.out; cd .. && rmdir $d')
  return lines.join('\n')
}

/**
 * For a server whose TCP check went unanswered and that was not found dead: one plain dig of the probe over TCP,
 * whose error line says why (connection refused, end of file, ...), which +yaml does not.
 */
function whyNotTcp(index: number, at: string, probe: string, timeoutSeconds: number): string {
  return (
    `[ -e s${index}.dead ] || dig +time=${timeoutSeconds} +tries=1 +tcp ${at} ${probe} 2>&1 | ` +
    `grep -m1 -E 'failed: |communications error' | sed 's/^/${TCP_FAILURE} /' > s${index}.why;`
  )
}

/**
 * A section written to `file` through $z (gzip when the image has one), or as text when that gzip fails: whether
 * it works is learnt by using it, not by a trial run before the queries (a process on the way to them).
 */
function compressed(commands: string, file: string): string {
  return `{ ${commands}; } | $z > ${file} || { ${commands}; } > ${file}`
}

/** A gzip member's first bytes: magic number, deflate. Text has no 0x1f. */
const GZIP_START = Buffer.from([0x1f, 0x8b, 0x08])

/**
 * What the batch script printed, as text: the small sections as text, then the servers' sections, which are gzip
 * members when the image has gzip, then BATCH_END (dropped).
 */
export function decodeScriptOutput(output: Buffer): string {
  const end =
    output.length >= BATCH_END.length && output.toString('latin1', output.length - BATCH_END.length) === BATCH_END
      ? output.length - BATCH_END.length
      : output.length
  const firstMember = output.subarray(0, end).indexOf(GZIP_START)
  if (firstMember < 0) return output.toString('utf8', 0, end)
  try {
    return output.toString('utf8', 0, firstMember) + gunzipSync(output.subarray(firstMember, end)).toString('utf8')
  } catch (error) {
    // e.g. a section cut short when the pod's /tmp filled up
    throw new InspectError(`cannot read the resolver pod's answers: gzip: ${(error as Error).message}`)
  }
}

export interface BatchOutput {
  queries: QueryResult[]
  reachability: ReachResult[]
  /** How each server answered the transport checks (none for a server skipped or not asked). */
  transports: TransportCheck[]
  /** The resolver pod's /etc/resolv.conf, when the script read it (for a server without an address). */
  resolvConf?: string
}

/** Stands for a transport check in the list of questions dig was asked; only its rcode is read. */
const TRANSPORT_CHECK: DnsQuestion = {name: '(transport check)', type: 'A'}

export async function parseBatchOutput(
  output: string,
  questions: DnsQuestion[],
  servers: DnsServer[],
  targets: ReachTarget[],
): Promise<BatchOutput> {
  const sections = splitSections(output)
  const transports: TransportCheck[] = []
  const perServer = await Promise.all(
    servers.map(async (server, index): Promise<QueryResult[]> => {
      let text = sections.get(`s${index}`) ?? ''
      if (text.trim() === NO_NAMESERVER) return []
      if (text.trim() === UNREACHABLE) {
        return questions.map((question) => ({
          server: server.label,
          ...question,
          rcode: 'TIMEOUT' as const,
          answers: [],
          timeMs: null,
          error: 'no answer to a probe query; server skipped',
        }))
      }
      const overTcp = !text.startsWith(`${TCP_UNANSWERED}\n`)
      if (!overTcp) text = text.slice(TCP_UNANSWERED.length + 1)
      let tcpFailure: string | undefined
      if (text.startsWith(`${TCP_FAILURE} `)) {
        const lineEnd = text.indexOf('\n')
        tcpFailure = tcpFailureReason(text.slice(TCP_FAILURE.length + 1, lineEnd < 0 ? text.length : lineEnd))
        text = lineEnd < 0 ? '' : text.slice(lineEnd + 1)
      }
      // dig was asked the TCP check, the questions, then the UDP check (see batchScript).
      const asked = [TRANSPORT_CHECK, ...questions, TRANSPORT_CHECK].map((question) => ({server, question}))
      const results = (await parseDigYaml(text, asked)).map((result) =>
        tcpFailure && !answered(result) ? withTcpFailure(result, tcpFailure) : result,
      )
      const udpCheck = results.at(-1)!
      // A UDP check dig never got to (the output ends early) says nothing about UDP.
      const udp = udpCheck.error === NO_RESULT ? null : answered(udpCheck)
      transports.push({
        server: server.label,
        tcp: overTcp,
        udp,
        ...(udp === false ? {error: udpCheck.error ?? udpCheck.rcode} : {}),
      })
      return results.slice(1, -1)
    }),
  )
  const queries = perServer.flat()
  const resolvConf = sections.get('resolv.conf')
  return {
    queries,
    reachability: parseReachOutput(sections.get('reach') ?? '', targets),
    transports,
    ...(resolvConf === undefined ? {} : {resolvConf}),
  }
}

/** `;; Connection to A#53(A) for x. failed: connection refused.` -> `connection refused`. */
export function tcpFailureReason(line: string): string {
  const match = /(?:failed|communications error to \S+): (.+?)\.?$/.exec(line.trim())
  return match ? match[1] : line.replace(/^;; /, '').trim()
}

/**
 * A query neither transport answered, on a server whose TCP connection failed for a known reason: a refused
 * connection is said so (nothing listens there), not taken for a timeout.
 */
function withTcpFailure(result: QueryResult, reason: string): QueryResult {
  const refused = /refused/i.test(reason)
  return {
    ...result,
    rcode: refused ? 'ERROR' : result.rcode,
    error: `${result.error ?? result.rcode}; over TCP: ${reason}`,
  }
}

/** The script's output by section (`=== svc-inspect NAME` lines); text before the first marker is dropped. */
function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string>()
  const marker = `\n${SECTION}`
  let at = output.startsWith(SECTION) ? 0 : output.indexOf(marker)
  if (at > 0) at += 1
  while (at >= 0) {
    const lineEnd = output.indexOf('\n', at)
    const name = output.slice(at + SECTION.length, lineEnd < 0 ? output.length : lineEnd).trim()
    const next = lineEnd < 0 ? -1 : output.indexOf(marker, lineEnd)
    sections.set(name, lineEnd < 0 ? '' : output.slice(lineEnd + 1, next < 0 ? output.length : next))
    at = next < 0 ? -1 : next + 1
  }
  return sections
}

export interface DigItem {
  type?: string
  message?:
    | string
    | {
        query_time?: string | Date
        response_time?: string | Date
        socket_protocol?: string
        response_address?: string
        response_message_data?: {
          status?: string
          flags?: string
          QUESTION_SECTION?: string[]
          ANSWER_SECTION?: string[]
        }
      }
}

export async function parseDigYaml(
  output: string,
  asked: Array<{server: DnsServer; question: DnsQuestion}>,
): Promise<QueryResult[]> {
  let items: DigItem[]
  try {
    // The YAML parser, for output readDigItems does not recognise, is loaded only then (~10 ms otherwise spent).
    items = readDigItems(output) ?? ((await import('yaml')).parse(output) as DigItem[] | null) ?? []
  } catch (error) {
    throw new Error(
      `cannot parse dig output (does the resolver image have BIND 9.16+ dig with +yaml?): ${(error as Error).message.split('\n')[0]}`,
    )
  }
  if (!Array.isArray(items))
    throw new Error('unexpected dig output: not a YAML list (does the image have BIND 9.16+ dig?)')
  // dig prints one MESSAGE per answered query; errors come as DIG_ERROR; other item types (e.g. the query
  // itself with +qr) are not printed with our flags.
  const relevant = items.filter((item) => item.type === 'MESSAGE' || item.type === 'DIG_ERROR')
  return asked.map(({server, question}, index) => toResult(relevant[index], server, question))
}

/**
 * The lines of dig's +yaml output that readDigItems reads, with dig's fixed indentation: an item (`- type:`), its
 * message, three fields of the message, the rcode, a section, a section's record. One regular expression over
 * the whole text finds them, natively: two thirds of the lines are fields nothing reads, and a JavaScript loop
 * over every line runs cold in a one-shot CLI (parsing 609 answers, cold: 20-27 ms with that loop, 14-16 ms now).
 */
const DIG_LINES =
  /^(?:- type: (\S+)|  message:(.*)|    (query_time|response_time|socket_protocol): (.*)|      status: (\S+)|      ([A-Z]+_SECTION):|        - (.*)|      flags: (.*))$/gm

/**
 * dig's +yaml output has one fixed shape; reading just the fields we use is far faster than a general YAML parser
 * (0.4 s for 600 answers). Returns null when the text does not have that shape (another indentation, a message
 * without its status), and the caller falls back to the YAML parser.
 */
export function readDigItems(output: string): DigItem[] | null {
  const items: DigItem[] = []
  let item: DigItem | null = null
  let message: Exclude<DigItem['message'], string | undefined> | null = null
  let section: string[] | null = null
  const unquote = (value: string) =>
    value.startsWith("'") && value.endsWith("'") ? value.slice(1, -1).replaceAll("''", "'") : value
  // exec() in a loop and groups by index: matchAll's iterator and array destructuring are slow in cold code.
  const lines = new RegExp(DIG_LINES)
  let match: RegExpExecArray | null
  while ((match = lines.exec(output)) !== null) {
    const type = match[1]
    const messageValue = match[2]
    const field = match[3]
    const fieldValue = match[4]
    const status = match[5]
    const sectionName = match[6]
    const record = match[7]
    const flags = match[8]
    if (type !== undefined) {
      item = {type}
      items.push(item)
      message = null
      section = null
    } else if (!item) {
      return null
    } else if (messageValue !== undefined) {
      const value = messageValue.trim()
      if (value === '') {
        message = item.message = {response_message_data: {}}
      } else if (value === '|' || value === '|-') {
        // A DIG_ERROR's text: the lines after it, indented deeper than `message:`, up to the next item.
        const from = match.index + match[0].length + 1
        const next = output.indexOf('\n- ', from)
        item.message = output
          .slice(from, next < 0 ? output.length : next + 1)
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '')
          .join('\n')
      } else {
        return null // not a shape dig prints: let the YAML parser judge it
      }
    } else if (!message) {
      continue
    } else if (field !== undefined) {
      const value = fieldValue.trim()
      if (field === 'socket_protocol') message.socket_protocol = value
      else message[field as 'query_time' | 'response_time'] = value.replace(/^!!timestamp /, '')
    } else if (flags !== undefined) {
      message.response_message_data!.flags = flags.trim()
    } else if (status !== undefined) {
      message.response_message_data!.status = status
    } else if (sectionName !== undefined) {
      section =
        sectionName === 'ANSWER_SECTION' || sectionName === 'QUESTION_SECTION'
          ? (message.response_message_data![sectionName] = [])
          : null
    } else if (record !== undefined && section) {
      section.push(unquote(record.trim()))
    }
  }
  // Output with items whose fields were not found is another shape (e.g. another indentation): not ours to guess.
  // A message may come without its header but with its answers (see toResult).
  const unread = items.some(
    (candidate) =>
      candidate.type === 'MESSAGE' &&
      (typeof candidate.message !== 'object' ||
        !(candidate.message.response_message_data?.status || candidate.message.response_message_data?.ANSWER_SECTION)),
  )
  if (unread || (items.length === 0 && output.trim() !== '')) return null
  return items
}

function toResult(item: DigItem | undefined, server: DnsServer, question: DnsQuestion): QueryResult {
  const base = {server: server.label, name: question.name, type: question.type}
  if (!item) return {...base, rcode: 'ERROR', answers: [], timeMs: null, error: NO_RESULT}
  if (item.type === 'DIG_ERROR' || typeof item.message !== 'object' || !item.message) {
    const text = typeof item.message === 'string' ? item.message.trim() : 'dig error'
    const timedOut = /timed out|no servers could be reached/.test(text)
    return {...base, rcode: timedOut ? 'TIMEOUT' : 'ERROR', answers: [], timeMs: null, error: text}
  }
  const message = item.message
  const data = message.response_message_data ?? {}
  // dig +yaml prints some large answers without their header (status, flags): seen over TCP for a PTR answer of
  // 1,000 records (31,771 bytes) from CoreDNS. The answers are there; a message with answers is NOERROR.
  const status = data.status ?? (data.ANSWER_SECTION?.length ? 'NOERROR' : 'ERROR')
  const answers: DnsAnswer[] = []
  for (const line of data.ANSWER_SECTION ?? []) {
    const answer = parseRecordLine(line)
    if (answer) answers.push({type: answer.type, ttl: answer.ttl, data: answer.data})
  }
  // Truncated (TC) over TCP: the answer does not fit a DNS message (64 KiB), e.g. a pod IP with a PTR record
  // for each of ~1,000 Services; what fitted is kept.
  const truncated = message.socket_protocol === 'TCP' && /(?:^| )tc(?: |$)/.test(data.flags ?? '')
  const known = RCODES.has(status)
  return {
    ...base,
    rcode: known ? (status as Rcode) : 'ERROR',
    answers,
    timeMs: elapsedMs(message.query_time, message.response_time),
    transport: message.socket_protocol,
    ...(truncated
      ? {error: `${TOO_LARGE}: truncated even over TCP, ${answers.length} records received`}
      : known
        ? {}
        : {error: `the server answered ${status}`}),
  }
}

/** The start of the error of an answer too large for a DNS message (see queryFailure in types.ts). */
const TOO_LARGE = 'answer too large for a DNS message'
const RCODES = new Set(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED'])
/** dig's timestamps: `2026-11-24T08:19:02.548Z`. */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?Z$/

/**
 * How long a query took, from dig's query and response times. On the same day (all but a query across
 * midnight) the times of day are enough, and cheaper than two Dates per answer (1,200 of them for a big service).
 */
function elapsedMs(started: string | Date | undefined, ended: string | Date | undefined): number | null {
  if (started === undefined || ended === undefined) return null
  if (typeof started !== 'string' || typeof ended !== 'string' || started.slice(0, 10) !== ended.slice(0, 10)) {
    const ms = new Date(ended).getTime() - new Date(started).getTime()
    return Number.isFinite(ms) ? ms : null
  }
  const from = TIMESTAMP.exec(started)
  const to = TIMESTAMP.exec(ended)
  if (!from || !to) return null
  const of = (time: RegExpExecArray) =>
    ((Number(time[1]) * 60 + Number(time[2])) * 60 + Number(time[3])) * 1000 + Number((time[4] ?? '0').padEnd(3, '0'))
  return of(to) - of(from)
}

/** Record types whose data holds domain names: compared lowercased. */
const NAME_DATA_TYPES = new Set(['SRV', 'PTR', 'CNAME', 'NS'])

/** `name. 30 IN SRV 0 50 8080 target.` -> {type: SRV, ttl: 30, data: "0 50 8080 target."} (names lowercased). */
export function parseRecordLine(line: string): (DnsAnswer & {owner: string}) | null {
  const text = line.trim()
  // dig separates the fields with single spaces: cut them out with indexOf (a regular expression split per record
  // was a third of the parsing); anything else takes the general way.
  const parts = /[\t\n]| {2}/.test(text) ? text.split(/\s+/) : text.split(' ', 4)
  if (parts.length < 4) return null
  const owner = parts[0]
  const ttl = parts[1]
  const klass = parts[2]
  const type = parts[3]
  const rest =
    parts.length > 4 ? parts.slice(4).join(' ') : text.slice(owner.length + ttl.length + klass.length + type.length + 4)
  if (klass !== 'IN' || rest === '') return null
  const data = NAME_DATA_TYPES.has(type) ? rest.toLowerCase() : rest
  return {owner: owner.toLowerCase(), type, ttl: Number(ttl), data}
}

export function parseReachOutput(output: string, targets: ReachTarget[]): ReachResult[] {
  const states = new Map<string, {state: ReachResult['state']; detail?: string}>()
  for (const line of output.split('\n')) {
    const [address, port, state, ...detail] = line.trim().split(/\s+/)
    if (!address || !port || !state) continue
    const known: ReachResult['state'] = state === 'open' || state === 'refused' || state === 'timeout' ? state : 'error'
    states.set(reachKey({address, port}), {state: known, detail: detail.join(' ') || undefined})
  }
  return targets.map((target) => ({
    ...target,
    ...(states.get(reachKey(target)) ?? {state: 'error' as const, detail: 'not tested'}),
  }))
}

export function isRecordType(value: string): value is RecordType {
  return ['A', 'AAAA', 'SRV', 'PTR', 'CNAME'].includes(value)
}
