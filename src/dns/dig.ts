// dig's answers as the resolver batch prints them (`dig +yaml`, BIND 9.16+): one YAML list item per question, in
// the order asked, a DIG_ERROR item for a question nobody answered. Pure parsing; the batch that runs dig and
// gathers its output is the resolver protocol, src/kube/resolver-batch.ts.
import {InspectError} from '../errors.js'
import {
  recordData,
  TOO_LARGE,
  type DnsAnswer,
  type DnsQuestion,
  type DnsServer,
  type QueryResult,
  type Rcode,
} from './types.js'

/** The error of a question dig printed nothing for (its output ended early). */
const NO_RESULT = 'no result from dig'

/** `;; Connection to A#53(A) for x. failed: connection refused.` -> `connection refused`. */
export function tcpFailureReason(line: string): string {
  const match = /(?:failed|communications error to \S+): (.+?)\.?$/.exec(line.trim())
  return match ? match[1] : line.replace(/^;; /, '').trim()
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
  return digResults(await digMessages(output), asked)
}

/**
 * dig's items for the questions asked, in order: a MESSAGE per answered question, a DIG_ERROR per question nobody
 * answered (other item types, e.g. the query itself with +qr, are not printed with the batch's flags). Fewer items
 * than questions: dig's output ended early.
 */
export async function digMessages(output: string): Promise<DigItem[]> {
  let items: DigItem[]
  try {
    // The YAML parser, for output readDigItems does not recognise, is loaded only then.
    items = readDigItems(output) ?? ((await import('yaml')).parse(output) as DigItem[] | null) ?? []
  } catch (error) {
    throw new InspectError(
      `cannot parse dig output (does the resolver image have BIND 9.16+ dig with +yaml?): ${(error as Error).message.split('\n')[0]}`,
      'Failed',
      {cause: error},
    )
  }
  if (!Array.isArray(items))
    throw new InspectError('unexpected dig output: not a YAML list (does the image have BIND 9.16+ dig?)', 'Failed')
  return items.filter((item) => item.type === 'MESSAGE' || item.type === 'DIG_ERROR')
}

/** One result per question asked, from dig's items in the same order (see digMessages). */
export function digResults(
  messages: DigItem[],
  asked: Array<{server: DnsServer; question: DnsQuestion}>,
): QueryResult[] {
  return asked.map(({server, question}, index) => toResult(messages[index], server, question))
}

/**
 * The lines of dig's +yaml output that readDigItems reads, with dig's fixed indentation: an item (`- type:`), its
 * message, three fields of the message, the rcode, a section, a section's record. One regular expression over
 * the whole text finds them, natively: two thirds of the lines are fields nothing reads, and a JavaScript loop
 * over every line runs cold in a one-shot CLI (docs/performance.md).
 */
const DIG_LINES =
  /^(?:- type: (\S+)| {2}message:(.*)| {4}(query_time|response_time|socket_protocol): (.*)| {6}status: (\S+)| {6}([A-Z]+_SECTION):| {8}- (.*)| {6}flags: (.*))$/gm

/**
 * dig's +yaml output has one fixed shape; reading just the fields we use is far faster than a general YAML parser.
 * Returns null when the text does not have that shape (another indentation, a message
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
    // dig's words are read here, once: the findings go by `failure`.
    const failure = timedOut ? 'timeout' : /connection refused/i.test(text) ? 'refused' : 'error'
    return {...base, rcode: timedOut ? 'TIMEOUT' : 'ERROR', answers: [], timeMs: null, error: text, failure}
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
      ? {
          error: `${TOO_LARGE}: truncated even over TCP, ${answers.length} records received`,
          failure: 'too-large' as const,
        }
      : known
        ? {}
        : {error: `the server answered ${status}`}),
  }
}

const RCODES = new Set(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED'])
/** dig's timestamps: `2026-11-24T08:19:02.548Z`. */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?Z$/

/**
 * How long a query took, from dig's query and response times. On the same day (all but a query across
 * midnight) the times of day are enough, and cheaper than two Dates per answer.
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

/** `name. 30 IN SRV 0 50 8080 target.` -> {type: SRV, ttl: 30, data: "0 50 8080 target."} (names lowercased). */
export function parseRecordLine(line: string): (DnsAnswer & {owner: string}) | null {
  const text = line.trim()
  // dig separates the fields with single spaces: they are cut out without a regular expression per record, which
  // was a measurable part of the parsing (docs/performance.md); anything else takes the general way.
  const parts = /[\t\n]| {2}/.test(text) ? text.split(/\s+/) : text.split(' ', 4)
  if (parts.length < 4) return null
  const owner = parts[0]
  const ttl = parts[1]
  const klass = parts[2]
  const type = parts[3]
  const rest =
    parts.length > 4 ? parts.slice(4).join(' ') : text.slice(owner.length + ttl.length + klass.length + type.length + 4)
  // CH: the server's own release (version.bind TXT), the one CHAOS question the check asks.
  if ((klass !== 'IN' && (klass !== 'CH' || type !== 'TXT')) || rest === '') return null
  return {owner: owner.toLowerCase(), type, ttl: Number(ttl), data: recordData(type, rest)}
}
