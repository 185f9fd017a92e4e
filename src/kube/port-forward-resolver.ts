// --via port-forward: no pod at all. One port-forward to each CoreDNS replica's TCP 53, queries pipelined
// over that one stream (RFC 1035 4.2.2 length-prefixed messages), encoded and decoded with dns2.
import {PassThrough} from 'node:stream'
import type {Resource as Dns2Resource} from 'dns2'
import {recordData, type DnsAnswer, type DnsQuestion, type DnsServer, type QueryResult} from '../dns/types.js'
import type {KubeGateway} from './gateway.js'

/** The rcodes of a DNS message's header (RFC 1035 4.1.1) that have a name in the report; any other is ERROR. */
const RCODE_NAMES: Record<number, QueryResult['rcode']> = {0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 5: 'REFUSED'}

/**
 * What the port-forward uses of its WebSocket (or of the function that returns the current one). client-node
 * types it with @types/ws, which is not installed, so its type does not resolve here.
 */
type ForwardSocket = {close(): void} | (() => {close(): void} | null)

export async function queryReplicaViaPortForward(
  gateway: KubeGateway,
  replica: DnsServer & {pod: string; namespace: string},
  questions: DnsQuestion[],
  timeoutMs: number,
): Promise<QueryResult[]> {
  const {Packet} = await import('dns2')
  const typeNames: Record<number, string> = Object.fromEntries(
    Object.entries(Packet.TYPE).map(([name, code]) => [code, name]),
  )
  const input = new PassThrough()
  const output = new PassThrough()
  const errors = new PassThrough()
  const started = new Map<number, number>()
  const results = new Map<number, QueryResult>()
  const forward = new gateway.client.PortForward(gateway.config, true)
  const socket = (await (forward.portForward(
    replica.namespace,
    replica.pod,
    [replica.port],
    output,
    errors,
    input,
  ) as Promise<unknown>)) as ForwardSocket
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
          const packet = Packet.parse(pending.subarray(2, 2 + length))
          pending = pending.subarray(2 + length)
          const index = packet.header.id - 1
          const question = questions[index]
          if (!question) continue
          results.set(index, {
            server: replica.label,
            name: question.name,
            type: question.type,
            rcode: RCODE_NAMES[packet.header.rcode] ?? 'ERROR',
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
        const packet = new Packet()
        packet.header.id = index + 1
        packet.header.rd = 1
        packet.questions.push(
          new Packet.Question(question.name.replace(/\.$/, ''), Packet.TYPE[question.type], Packet.CLASS.IN),
        )
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

/** A dns2 record as an answer, its data in dig's presentation form (see recordData). */
function toAnswer(answer: Dns2Resource, typeNames: Record<number, string>): DnsAnswer | null {
  const type = typeNames[answer.type]
  const dot = (name: string | undefined) => `${String(name).replace(/\.$/, '')}.`
  const of = (data: string): DnsAnswer => ({type, ttl: answer.ttl, data: recordData(type, data)})
  switch (type) {
    case 'A':
      return of(String(answer.address))
    case 'AAAA':
      return of(canonicalIPv6(String(answer.address)))
    case 'SRV':
      return of(`${answer.priority} ${answer.weight} ${answer.port} ${dot(answer.target)}`)
    case 'PTR':
    case 'CNAME':
      return of(dot(answer.domain))
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
