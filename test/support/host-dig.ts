// The e2e suite's own DNS check: dig run by the test on the host (the local cluster routes the service and pod
// ranges to it, see test/cluster/README.md), not by the tool, so that "the tool says match" is compared with what
// the servers answer to someone else.
import {spawnSync} from 'node:child_process'
import {kubectl} from './run.js'

export interface HostAnswer {
  rcode: string
  /** Answer records of the asked type, as `TYPE DATA` (SRV without its weight, which CoreDNS varies per answer). */
  records: string[]
}

/** The CoreDNS pods' addresses, read with kubectl (not from the tool's report). */
export function coreDnsAddresses(): string[] {
  return kubectl([
    'get',
    'pods',
    '-n',
    'kube-system',
    '-l',
    'k8s-app=kube-dns',
    '-o',
    'jsonpath={.items[*].status.podIP}',
  ])
    .trim()
    .split(/\s+/)
    .filter(Boolean)
}

/** Asks `server` every question in one dig run (over TCP: answers of any size), keyed by `NAME TYPE`. */
export function digFromHost(server: string, questions: Array<{name: string; type: string}>): Map<string, HostAnswer> {
  const args = ['+tcp', '+noall', '+answer', '+comments', '+question', '+time=3', '+tries=2', `@${server}`]
  for (const {name, type} of questions) args.push(name, type)
  const result = spawnSync('dig', args, {encoding: 'utf8', maxBuffer: 1 << 26})
  if (result.error) throw new Error(`dig (bind9-dnsutils) is needed for the e2e DNS check: ${result.error.message}`)
  const answers = new Map<string, HostAnswer>()
  // One block per question: a ->>HEADER<<- line with its status, the QUESTION line, then the answer records.
  let current: {key: string; answer: HostAnswer} | undefined
  let status = ''
  for (const line of result.stdout.split('\n')) {
    const header = /status: ([A-Z]+)/.exec(line)
    if (header) {
      status = header[1]
      current = undefined
      continue
    }
    const question = /^;([^\s;]\S*)\s+IN\s+([A-Z0-9]+)\s*$/.exec(line)
    if (question) {
      const key = `${question[1].toLowerCase()} ${question[2]}`
      current = {key, answer: {rcode: status, records: []}}
      answers.set(key, current.answer)
      continue
    }
    if (!current || line.startsWith(';') || line.trim() === '') continue
    const [, , , type, ...data] = line.split(/\s+/)
    if (`${current.key.split(' ')[1]}` !== type) continue
    current.answer.records.push(`${type} ${normalize(type, data.join(' '))}`)
  }
  for (const {name, type} of questions)
    if (!answers.has(`${name.toLowerCase()} ${type}`))
      throw new Error(`dig gave no answer for ${name} ${type}:\n${result.stdout}`)
  return answers
}

/** Record data compared as the servers may vary it: lower case; SRV as priority, port and target. */
export function normalize(type: string, data: string): string {
  const lower = data.toLowerCase()
  if (type !== 'SRV') return lower
  const [priority, , port, target] = lower.split(/\s+/)
  return `${priority} ${port} ${target}`
}
