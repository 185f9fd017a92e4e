// The resolver protocol (docs/design.md, "The resolver protocol"): what the CLI writes to the resolver pod's shell
// for one batch (the static script resolver-batch.sh, then the questions, servers and targets as data), and what it
// makes of the output.
import {gunzipSync} from 'node:zlib'
import {digMessages, digResults, tcpFailureReason} from '../dns/dig.js'
import {
  answered,
  reachKey,
  type DnsQuestion,
  type DnsServer,
  type QueryResult,
  type ReachResult,
  type ReachTarget,
  type TransportCheck,
} from '../dns/types.js'
import {InspectError} from '../errors.js'
import BATCH_SCRIPT from './resolver-batch.sh'

const SECTION = '=== svc-inspect'
/**
 * The batch's last line. Its output is complete once this arrives: the exec's teardown (the shell's exit, its
 * status, the stream's close) need not be waited for (see PodShell.run).
 */
export const BATCH_END = `${SECTION} end\n`
/** The line that ends the data section (a here-document), which no data line can be: each starts with a keyword. */
const DATA_END = 'SVC_INSPECT_DATA'
/**
 * dig asks its questions one after another: one process per server is fastest up to a few hundred questions;
 * beyond that, slices of this many run in parallel.
 */
const QUESTIONS_PER_DIG = 250
/**
 * dig processes per batch at most, shared among the servers: a batch of thousands of questions gets longer slices,
 * not more processes (each dig holds a few MB and about 30 KB per question it is given, and the pod has a 256Mi limit).
 */
export const DIGS_PER_BATCH = 12
/** What the batch writes for the pod's nameserver when its resolv.conf names none. */
const NO_NAMESERVER = 'NO_NAMESERVER'
/** What the batch writes for a server that did not answer its probe query (its digs killed). */
const UNREACHABLE = 'UNREACHABLE'
/** The first line of a server's section when it left the TCP check unanswered and was asked over UDP. */
const TCP_UNANSWERED = 'TCP_UNANSWERED'
/**
 * The line after TCP_UNANSWERED: why TCP failed, in dig's words (`dig +yaml` says only "no servers could be
 * reached"), e.g. `;; Connection to 10.244.0.2#53(10.244.0.2) for x. failed: connection refused.`
 */
const TCP_FAILURE = 'TCP_FAILURE'

export interface BatchOptions {
  timeoutSeconds: number
  /** The zone apex whose SOA the transport checks and the probe query ask. */
  probeName: string
  /** Where the batch makes its directory; default /tmp (the pod's emptyDir). For tests. */
  workDir?: string
  /** The resolv.conf read for a server without an address; default /etc/resolv.conf. For tests. */
  resolvConf?: string
  /** Dig processes for the whole batch, shared among the servers; default DIGS_PER_BATCH. */
  digs?: number
}

/**
 * What the resolver pod's `sh -s` gets for one batch, but the final `exit` (PodShell.run adds it): every question
 * asked of every server (a server without an address is the nameserver of the pod's resolv.conf, which the batch
 * then prints too), and every TCP target probed. The script is the same for every batch; only the data differs.
 */
export function batchInput(
  questions: DnsQuestion[],
  servers: DnsServer[],
  targets: ReachTarget[],
  options: BatchOptions,
): string {
  return `${BATCH_SCRIPT}\nsvc_inspect_batch <<'${DATA_END}'\n${batchData(questions, servers, targets, options).join('\n')}\n${DATA_END}`
}

/** The data section of a batch, one item a line (the format is described at the top of resolver-batch.sh). */
export function batchData(
  questions: DnsQuestion[],
  servers: DnsServer[],
  targets: ReachTarget[],
  options: BatchOptions,
): string[] {
  const lines = [`timeout ${options.timeoutSeconds}`, `probe ${dataWord(options.probeName)}`]
  for (const server of servers) lines.push(`server ${server.address ? dataWord(server.address) : '-'} ${server.port}`)
  if (targets.length > 0)
    lines.push(['reach', ...targets.flatMap((target) => [dataWord(target.address), target.port])].join(' '))
  if (options.workDir !== undefined) lines.push(`dir ${options.workDir}`)
  if (options.resolvConf !== undefined) lines.push(`resolv ${options.resolvConf}`)
  // One dig process per line and server (the same lines for every server), the lines last.
  for (const chunk of digChunks(questions, servers.length, options.digs))
    lines.push(['questions', ...chunk.flatMap(questionWords)].join(' '))
  return lines
}

/** A question as dig's words: NAME TYPE, and the class when it is not IN (`version.bind. TXT CH`). */
function questionWords(question: DnsQuestion): string[] {
  const words = [dataWord(question.name), question.type]
  return question.class ? [...words, question.class] : words
}

/** The questions of each dig process a server gets (at least one, maybe empty), in order. */
export function digChunks(questions: DnsQuestion[], serverCount: number, digs = DIGS_PER_BATCH): DnsQuestion[][] {
  const digsPerServer = Math.max(1, Math.floor(digs / Math.max(1, serverCount)))
  const perDig = Math.max(QUESTIONS_PER_DIG, Math.ceil(questions.length / digsPerServer))
  const chunks: DnsQuestion[][] = []
  for (let start = 0; start === 0 || start < questions.length; start += perDig)
    chunks.push(questions.slice(start, start + perDig))
  return chunks
}

/**
 * A name (or address) as one word of the data: ASCII whitespace and control characters as `\DDD`, which dig reads
 * back as the same byte (RFC 1035 5.1), so the word cannot be split nor end its line. The rest is passed as it is,
 * as it was when each name was a quoted shell word.
 */
function dataWord(text: string): string {
  if (text === '') throw new InspectError('cannot ask about an empty name')
  return text.replace(/[^!-~\u0080-\uffff]/g, (character) => `\\${String(character.charCodeAt(0)).padStart(3, '0')}`)
}

/** A gzip member's first bytes: magic number, deflate. Text has no 0x1f. */
const GZIP_START = Buffer.from([0x1f, 0x8b, 0x08])

/**
 * What the batch printed, as text: the small sections as text, then the servers' sections, which are gzip members
 * when the image has gzip, then BATCH_END (dropped).
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
    throw new InspectError(`cannot read the resolver pod's answers: gzip: ${(error as Error).message}`, 'Failed', {
      cause: error,
    })
  }
}

export interface BatchOutput {
  queries: QueryResult[]
  reachability: ReachResult[]
  /** How each server answered the transport checks (none for a server skipped or not asked). */
  transports: TransportCheck[]
  /** The resolver pod's /etc/resolv.conf, when the batch read it (for a server without an address). */
  resolvConf?: string
}

/** Stands for a transport check in the list of questions dig was asked; only its rcode is read. */
const TRANSPORT_CHECK: DnsQuestion = {name: '(transport check)', type: 'A'}

export async function parseBatchOutput(
  output: string,
  questions: DnsQuestion[],
  servers: DnsServer[],
  targets: ReachTarget[],
  /** As the batch was written (BatchOptions.digs). */
  digs = DIGS_PER_BATCH,
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
      // dig was asked the TCP check, the questions, then the UDP check (see ask in resolver-batch.sh), one part of
      // them per dig process.
      const {results: parsed, complete} = await partResults(text, server, digChunks(questions, servers.length, digs))
      const results = parsed.map((result) =>
        tcpFailure && !answered(result) ? withTcpFailure(result, tcpFailure) : result,
      )
      const udpCheck = results.at(-1)!
      // A UDP check dig never got to (its output ends early) says nothing about UDP.
      const udp = complete ? answered(udpCheck) : null
      transports.push({
        server: server.label,
        tcp: overTcp,
        udp,
        ...(udp === false ? {error: udpCheck.error ?? udpCheck.rcode} : {}),
      })
      return results.slice(1, -1)
    }),
  )
  const resolvConf = sections.get('resolv.conf')
  return {
    queries: perServer.flat(),
    reachability: parseReachOutput(sections.get('reach') ?? '', targets),
    transports,
    ...(resolvConf === undefined ? {} : {resolvConf}),
  }
}

const PART = /^PART (\d+) (\d+)$/gm

/**
 * A server's results: each dig's part read with its own questions (the TCP check before the first part's, the UDP
 * check after the last part's), so a dig stopped early leaves its own questions unanswered, never shifts the next
 * part's answers onto them. `complete`: the last dig got to the UDP check. Output without PART lines (an older
 * batch, the tests' captures) is one part.
 */
async function partResults(
  text: string,
  server: DnsServer,
  chunks: DnsQuestion[][],
): Promise<{results: QueryResult[]; complete: boolean}> {
  const marks = [...text.matchAll(PART)]
  const parts =
    marks.length === 0
      ? [{text, status: 0, questions: chunks.flat()}]
      : marks.map((mark, index) => ({
          text: text.slice(mark.index + mark[0].length, marks[index + 1]?.index ?? text.length),
          status: Number(mark[2]),
          questions: chunks[Number(mark[1])] ?? [],
        }))
  const results: QueryResult[] = []
  let complete = false
  for (const [index, part] of parts.entries()) {
    const asked = [
      ...(index === 0 ? [TRANSPORT_CHECK] : []),
      ...part.questions,
      ...(index === parts.length - 1 ? [TRANSPORT_CHECK] : []),
    ].map((question) => ({server, question}))
    const messages = await partMessages(part.text, part.status)
    const stopped =
      part.status > 128
        ? `dig was stopped by signal ${part.status - 128}${part.status === 137 ? ' (SIGKILL: the resolver pod out of memory?)' : ''} before answering`
        : undefined
    results.push(
      ...digResults(messages, asked).map((result, at) =>
        stopped && at >= messages.length ? {...result, error: stopped} : result,
      ),
    )
    if (index === parts.length - 1) complete = messages.length >= asked.length
  }
  return {results, complete}
}

/**
 * A part's dig items. A dig stopped by a signal may have been cut inside its last item, which could then read as
 * an answer with records missing: that item is dropped, whole or not, and its question counts as unanswered.
 */
async function partMessages(text: string, status: number) {
  if (status <= 128) return digMessages(text)
  const lastItem = text.lastIndexOf('\n- type: ')
  return digMessages(lastItem < 0 ? '' : text.slice(0, lastItem + 1)).catch(() => [])
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
    ...(refused ? {failure: 'refused' as const} : {}),
    error: `${result.error ?? result.rcode}; over TCP: ${reason}`,
  }
}

/** The output by section (`=== svc-inspect NAME` lines); text before the first marker is dropped. */
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

/** The reach section's lines (`ADDRESS PORT STATE [DETAIL]`), one result per target in target order. */
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
