// --via port-forward: no pod at all. One port-forward to each CoreDNS replica's TCP 53, queries pipelined
// over that one stream (RFC 1035 4.2.2 length-prefixed messages), encoded and decoded with dns2.
import {PassThrough} from 'node:stream'
import type {DnsAnswer, DnsQuestion, DnsServer, QueryResult} from '../dns/types.js'
import type {KubeGateway} from './gateway.js'

interface Dns2Packet {
  header: {id: number; rcode: number; rd: number}
  questions: Array<{name: string; type: number; class: number}>
  answers: Array<Record<string, unknown> & {type: number; ttl: number}>
  toBuffer(): Buffer
}

const RCODES: Record<number, QueryResult['rcode']> = {0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 5: 'REFUSED'}

export async function queryReplicaViaPortForward(
  gateway: KubeGateway,
  replica: DnsServer & {pod: string; namespace: string},
  questions: DnsQuestion[],
  timeoutMs: number,
): Promise<QueryResult[]> {
  const {default: dns2} = (await import('dns2')) as unknown as {default: {Packet: any}}
  const {Packet} = dns2
  const typeNames = Object.fromEntries(
    Object.entries(Packet.TYPE as Record<string, number>).map(([name, code]) => [code, name]),
  )
  const input = new PassThrough()
  const output = new PassThrough()
  const errors = new PassThrough()
  const started = new Map<number, number>()
  const results = new Map<number, QueryResult>()
  const forward = new gateway.client.PortForward(gateway.config, true)
  const socket = await forward.portForward(replica.namespace, replica.pod, [replica.port], output, errors, input)
  const close = () => {
    const ws = typeof socket === 'function' ? socket() : socket
    ws?.close()
    input.end()
  }
  try {
    await new Promise<void>((resolve) => {
      let pending = Buffer.alloc(0)
      const timer = setTimeout(resolve, timeoutMs)
      output.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const length = pending.readUInt16BE(0)
          const packet = Packet.parse(pending.subarray(2, 2 + length)) as Dns2Packet
          pending = pending.subarray(2 + length)
          const index = packet.header.id - 1
          const question = questions[index]
          if (!question) continue
          results.set(index, {
            server: replica.label,
            name: question.name,
            type: question.type,
            rcode: RCODES[packet.header.rcode] ?? 'ERROR',
            answers: packet.answers
              .map((answer) => toAnswer(answer, typeNames))
              .filter((answer): answer is DnsAnswer => answer !== null),
            timeMs: Date.now() - (started.get(index) ?? Date.now()),
            transport: 'TCP (port-forward)',
          })
          if (results.size === questions.length) {
            clearTimeout(timer)
            resolve()
          }
        }
      })
      questions.forEach((question, index) => {
        const packet = new Packet() as Dns2Packet
        packet.header.id = index + 1
        packet.header.rd = 1
        packet.questions.push({
          name: question.name.replace(/\.$/, ''),
          type: Packet.TYPE[question.type],
          class: Packet.CLASS.IN,
        })
        const message = packet.toBuffer()
        const length = Buffer.alloc(2)
        length.writeUInt16BE(message.length)
        started.set(index, Date.now())
        input.write(Buffer.concat([length, message]))
      })
      if (questions.length === 0) resolve()
    })
  } finally {
    close()
  }
  return questions.map(
    (question, index) =>
      results.get(index) ?? {
        server: replica.label,
        ...question,
        rcode: 'TIMEOUT' as const,
        answers: [],
        timeMs: null,
        error: 'no answer through the port-forward',
      },
  )
}

function toAnswer(
  answer: Record<string, unknown> & {type: number; ttl: number},
  typeNames: Record<number, string>,
): DnsAnswer | null {
  const type = typeNames[answer.type]
  const dot = (name: unknown) => `${String(name).toLowerCase().replace(/\.$/, '')}.`
  switch (type) {
    case 'A':
      return {type, ttl: answer.ttl, data: String(answer.address)}
    case 'AAAA':
      return {type, ttl: answer.ttl, data: canonicalIPv6(String(answer.address))}
    case 'SRV':
      return {type, ttl: answer.ttl, data: `${answer.priority} ${answer.weight} ${answer.port} ${dot(answer.target)}`}
    case 'PTR':
    case 'CNAME':
      return {type, ttl: answer.ttl, data: dot(answer.domain)}
    default:
      return null
  }
}

/** dns2 prints IPv6 uncompressed; the WHATWG URL parser gives the canonical RFC 5952 form. */
function canonicalIPv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1)
  } catch {
    return address
  }
}
