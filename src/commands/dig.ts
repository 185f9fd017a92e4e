import {isIP} from 'node:net'
import {Args, Flags} from '@oclif/core'
import {
  BaseCommand,
  connectionFlags,
  connectionOptions,
  liveDnsOptions,
  outputFlags,
  resolverFlags,
} from '../cli/base-command.js'
import {transportTrouble} from '../analyse/dns-diff.js'
import {isRecordType} from '../dns/dig.js'
import type {QueryResult, TransportCheck} from '../dns/types.js'
import {EXIT_CLEAN, EXIT_PROBLEMS, InspectError} from '../errors.js'
import type {RecordType} from '../model/report.js'

export default class Dig extends BaseCommand {
  static override summary = 'Ask the cluster DNS one question from inside the cluster, through every CoreDNS replica.'
  static override description = `The "run a dnsutils pod and nslookup" of the Kubernetes docs in one command: starts the resolver pod (or port-forwards to CoreDNS), asks the pod's nameserver and each CoreDNS replica, prints every answer and removes the pod. A name without a trailing dot is expanded with the pod's search path, as applications do. Exit code 1 when the name does not resolve.`

  static override examples = [
    'kubectl svc-inspect dig my-svc -n shop',
    'kubectl svc-inspect dig _http._tcp.my-svc.shop.svc.cluster.local. SRV',
    'kubectl svc-inspect dig 10.96.0.10 PTR',
  ]

  static override args = {
    name: Args.string({description: 'Name to look up (or an IP address, for PTR).', required: false}),
    type: Args.string({description: 'Record type: A, AAAA, SRV, PTR or CNAME.', default: 'A'}),
  }

  static override flags = {
    ...connectionFlags,
    ...outputFlags,
    output: Flags.string({
      char: 'o',
      description: 'Output format.',
      options: ['table', 'json', 'yaml'],
      default: 'table',
    }),
    ...resolverFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Dig)
    if (!args.name) throw new InspectError('a name is required: kubectl svc-inspect dig NAME [TYPE]')
    const type = args.type.toUpperCase()
    if (!isRecordType(type))
      throw new InspectError(`unsupported record type "${args.type}": use A, AAAA, SRV, PTR or CNAME`)
    const connection = connectionOptions(flags)
    const [{KubeGateway}, {LiveDnsCheck}, {reverseName}] = await Promise.all([
      import('../kube/gateway.js'),
      import('../kube/live-dns.js'),
      import('../analyse/dns-names.js'),
    ])
    const gateway = await KubeGateway.connect(connection)
    const check = await LiveDnsCheck.open(gateway, liveDnsOptions(flags, gateway.defaultNamespace))
    let results: QueryResult[]
    let transports: TransportCheck[]
    let candidates: string[]
    try {
      const name = isIP(args.name) ? reverseName(args.name) : args.name.toLowerCase()
      const questionType: RecordType = isIP(args.name) ? 'PTR' : type
      candidates = name.endsWith('.')
        ? [name]
        : [...(await check.searchDomains()).map((domain) => `${name}.${domain}.`), `${name}.`]
      const answered = await check.ask(
        candidates.map((candidate) => ({name: candidate, type: questionType})),
        [],
        candidates.at(-1)!,
      )
      results = answered.queries
      transports = answered.transports
    } finally {
      await check.close()
    }
    // The name a stub resolver would settle on: the first candidate (in search order) that has answers.
    const resolvedName =
      candidates.find((candidate) =>
        results.some((result) => result.name === candidate && result.answers.length > 0),
      ) ?? null
    const shown = results.filter(
      (result) => result.name === (resolvedName ?? candidates[0]) || (resolvedName === null && candidates.length === 1),
    )
    if (flags.output === 'json' || flags.output === 'yaml') {
      const {renderMachine} = await import('../render/index.js')
      process.stdout.write(
        await renderMachine(
          {
            apiVersion: 'svc-inspect/v1alpha1',
            kind: 'DigResult',
            question: {name: args.name, type},
            resolvedName,
            resolver: check.describeResolver(),
            results: shown,
            transports,
          },
          flags.output,
        ),
      )
    } else {
      const {kubectlTable} = await import('../render/style.js')
      const rows = shown.flatMap((result) =>
        result.answers.length > 0
          ? result.answers.map((answer) => [
              result.server,
              result.name,
              result.rcode,
              answer.type,
              answer.data,
              String(answer.ttl),
              result.timeMs === null ? '-' : `${result.timeMs}ms`,
            ])
          : [
              [
                result.server,
                result.name,
                result.rcode,
                '-',
                result.error ?? '',
                '-',
                result.timeMs === null ? '-' : `${result.timeMs}ms`,
              ],
            ],
      )
      process.stdout.write(`${kubectlTable(['SERVER', 'NAME', 'RCODE', 'TYPE', 'DATA', 'TTL', 'TIME'], rows)}\n`)
      // The answers came over TCP (or UDP when TCP went unanswered): say when one transport does not work.
      for (const check of transports) {
        for (const {says} of transportTrouble(check)) process.stdout.write(`warning: ${check.server} ${says}\n`)
      }
    }
    process.exitCode = resolvedName ? EXIT_CLEAN : EXIT_PROBLEMS
  }
}
