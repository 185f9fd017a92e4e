// Client seed lists from the *observed* DNS (seed 002: a MongoDB replica set found through a headless
// service): SRV answers give host and port; without them, A answers plus the service port.
import {parseSrv, type DnsQuestion, type QueryResult} from '../dns/types.js'
import type {Service} from '../model/k8s.js'
import {hostPort, naturalOrder, serviceFqdn} from './dns-names.js'
import {srvName} from './expected-records.js'

export interface SeedHost {
  host: string
  port: number
}

export interface SeedList {
  hosts: SeedHost[]
  /** The query the hosts came from, e.g. `SRV _mongodb._tcp.mongo.db.svc.cluster.local.`. */
  source: string
}

/** Which port the seed list is for: the named one, else the service's first port. */
export function seedPort(service: Service, portName: string | undefined) {
  const ports = service.spec.ports ?? []
  const port = portName ? ports.find((candidate) => candidate.name === portName) : ports[0]
  return port
}

export function seedQuestions(service: Service, portName: string | undefined, zone: string): DnsQuestion[] {
  const base = serviceFqdn(service.metadata.name, service.metadata.namespace ?? 'default', zone)
  const port = seedPort(service, portName)
  const questions: DnsQuestion[] = [
    {name: base, type: 'A'},
    {name: base, type: 'AAAA'},
  ]
  if (port?.name) questions.unshift({name: srvName(port.name, port.protocol, base), type: 'SRV' as const})
  return questions
}

export function seedList(
  service: Service,
  portName: string | undefined,
  zone: string,
  answers: QueryResult[],
): SeedList {
  const port = seedPort(service, portName)
  const [srvQuestion] = seedQuestions(service, portName, zone)
  const byQuestion = (name: string, type: string) =>
    answers.find((result) => result.name === name && result.type === type)
  const strip = (name: string) => name.replace(/\.$/, '')
  const byHost = (a: SeedHost, b: SeedHost) => naturalOrder(a.host, b.host)
  if (srvQuestion.type === 'SRV') {
    const srv = byQuestion(srvQuestion.name, 'SRV')?.answers.filter((answer) => answer.type === 'SRV') ?? []
    if (srv.length > 0) {
      const hosts = srv.map((answer) => {
        const {port, target} = parseSrv(answer.data)
        return {host: strip(target), port}
      })
      return {hosts: hosts.sort(byHost), source: `SRV ${srvQuestion.name}`}
    }
  }
  const base = serviceFqdn(service.metadata.name, service.metadata.namespace ?? 'default', zone)
  const addresses = [...(byQuestion(base, 'A')?.answers ?? []), ...(byQuestion(base, 'AAAA')?.answers ?? [])].filter(
    (answer) => answer.type === 'A' || answer.type === 'AAAA',
  )
  // A headless service translates no port: its clients must use the targetPort when it is a number.
  const headless = service.spec.clusterIP === 'None'
  const number = headless && typeof port?.targetPort === 'number' ? port.targetPort : (port?.port ?? 0)
  return {
    hosts: addresses.map((answer) => ({host: answer.data, port: number})).sort(byHost),
    source: `A/AAAA ${base} + port ${number}`,
  }
}

export function formatSeedList(list: SeedList, format: 'lines' | 'csv' | 'mongodb', replicaSet?: string): string {
  const hostAndPort = (entry: SeedHost) => hostPort(entry.host, entry.port)
  if (format === 'csv') return `host,port\n${list.hosts.map((entry) => `${entry.host},${entry.port}`).join('\n')}\n`
  if (format === 'mongodb')
    return `mongodb://${list.hosts.map(hostAndPort).join(',')}/${replicaSet ? `?replicaSet=${encodeURIComponent(replicaSet)}` : ''}\n`
  return list.hosts.map(hostAndPort).join('\n') + (list.hosts.length > 0 ? '\n' : '')
}
