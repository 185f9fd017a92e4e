// Comparing a recorded DNS server's answers with a model's predicted ones, question by question: the rcode,
// and the answer section as a multiset of `name type ttl data` (SRV data carries all four fields). TTLs are
// compared exactly: the recorder asks each question once per server start, so no answer came from a cache.

export interface RecordedAnswer {
  name: string
  type: string
  ttl: number
  data: string
}
export interface RecordedQuestion {
  name: string
  type: string
  rcode: string
  answers: RecordedAnswer[]
}

const NAME_DATA = new Set(['CNAME', 'PTR', 'NS', 'DNAME'])

const lowerFqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase()

/** One answer as compared: owner name and name-valued data lowercased with a trailing dot. */
export function answerKey(answer: RecordedAnswer): string {
  let data = String(answer.data).trim()
  if (NAME_DATA.has(answer.type)) data = lowerFqdn(data)
  if (answer.type === 'SRV') {
    const [priority, weight, port, target = ''] = data.split(/\s+/)
    data = `${priority} ${weight} ${port} ${lowerFqdn(target)}`
  }
  return `${lowerFqdn(answer.name)} ${answer.type} ${answer.ttl} ${data}`
}

const questionKey = (q: {name: string; type: string}) => `${lowerFqdn(q.name)} ${q.type.toUpperCase()}`

function describe(q: {rcode: string; answers: RecordedAnswer[]} | undefined): string {
  if (!q) return 'no prediction'
  const answers = q.answers.map(answerKey).sort()
  return answers.length ? `${q.rcode} [${answers.join(', ')}]` : `${q.rcode} (no answers)`
}

export interface Comparison {
  mismatches: string[]
  compared: number
  /** Questions outside the server's zones the model declined (null): not compared. */
  declined: string[]
}

const inZones = (name: string, zones: string[]) =>
  /\.(in-addr|ip6)\.arpa\.$/.test(name) ||
  zones.some((zone) => name === lowerFqdn(zone) || name.endsWith(`.${lowerFqdn(zone)}`))

/**
 * Every question whose prediction differs, as `NAME TYPE: expected <recorded>, got <predicted>`. `predicted` is in
 * the questions' order; null means the model cannot say, which is accepted only outside the recording's forward
 * zones and the reverse zones (a name only the upstream or another plugin answers).
 */
export function compareAnswers(
  recorded: RecordedQuestion[],
  predicted: Array<RecordedQuestion | null>,
  zones: string[],
): Comparison {
  const mismatches: string[] = []
  const declined: string[] = []
  recorded.forEach((q, index) => {
    const p = predicted[index] ?? undefined
    if (p && questionKey(p) !== questionKey(q)) {
      mismatches.push(`${questionKey(q)}: the prediction at this index is for ${questionKey(p)}`)
      return
    }
    if (!p && !inZones(lowerFqdn(q.name), zones)) {
      declined.push(questionKey(q))
      return
    }
    const want = q.answers.map(answerKey).sort()
    const got = p ? p.answers.map(answerKey).sort() : []
    if (!p || p.rcode !== q.rcode || want.join('\n') !== got.join('\n'))
      mismatches.push(`${questionKey(q)}: expected ${describe(q)}, got ${describe(p)}`)
  })
  return {mismatches, compared: recorded.length - declined.length, declined}
}
