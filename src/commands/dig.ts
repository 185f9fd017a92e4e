import {io} from '../cli/io.js'
import {Args, Flags} from '@oclif/core'
import {
  BaseCommand,
  connectionFlags,
  connectionOptions,
  liveDnsOptions,
  outputFlags,
  resolverFlags,
  validateNamespace,
} from '../cli/base-command.js'
import {EPHEMERAL_NOTE} from '../analyse/client-live.js'
import {parseClientTarget} from '../analyse/client-target.js'
import {transportTrouble} from '../analyse/dns-diff.js'
import {EXIT_CLEAN, EXIT_PROBLEMS, InspectError} from '../errors.js'
import {isRecordType, RECORD_TYPES} from '../model/report.js'

/** `A, AAAA, SRV, PTR or CNAME` */
const TYPE_LIST = `${RECORD_TYPES.slice(0, -1).join(', ')} or ${RECORD_TYPES.at(-1)}`

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
    type: Args.string({description: `Record type: ${TYPE_LIST}.`, default: 'A'}),
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
    from: Flags.string({
      description: `Ask from this client pod (POD, pod/NAME, deploy/NAME or sts/NAME) instead of a resolver pod: through an ephemeral container with the resolver image, in its network namespace and with its resolv.conf (its nameserver, search path and ndots). ${EPHEMERAL_NOTE}.`,
    }),
    'from-namespace': Flags.string({description: "The client's namespace (default: -n, else the context's)."}),
    ...resolverFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Dig)
    if (!args.name) throw new InspectError('a name is required: kubectl svc-inspect dig NAME [TYPE]')
    const type = args.type.toUpperCase()
    if (!isRecordType(type)) throw new InspectError(`unsupported record type "${args.type}": use ${TYPE_LIST}`)
    const client = flags.from ? {target: flags.from, namespace: flags['from-namespace']} : undefined
    if (client) {
      parseClientTarget(client.target)
      validateNamespace(client.namespace)
      const elsewhere = flags['resolver-pod']
        ? '--resolver-pod'
        : flags['resolver-namespace']
          ? '--resolver-namespace'
          : flags.via === 'port-forward'
            ? '--via port-forward'
            : undefined
      if (elsewhere) throw new InspectError(`--from asks from the client pod: drop ${elsewhere}`)
    }
    const connection = connectionOptions(flags)
    const [{KubeGateway}, {digLive}] = await Promise.all([import('../kube/gateway.js'), import('../app/dig.js')])
    const gateway = await KubeGateway.connect(connection)
    const {resolvedName, resolver, results, transports} = await digLive(
      gateway,
      args.name,
      type,
      liveDnsOptions(flags, gateway.defaultNamespace),
      client,
    )
    if (flags.output === 'json' || flags.output === 'yaml') {
      const {renderMachine} = await import('../render/index.js')
      io.out.write(
        await renderMachine(
          {
            apiVersion: 'svc-inspect/v1alpha1',
            kind: 'DigResult',
            question: {name: args.name, type},
            resolvedName,
            resolver,
            results,
            transports,
            ...(client ? {note: EPHEMERAL_NOTE} : {}),
          },
          flags.output,
        ),
      )
    } else {
      const {kubectlTable} = await import('../render/style.js')
      const rows = results.flatMap((result) =>
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
      io.out.write(`${kubectlTable(['SERVER', 'NAME', 'RCODE', 'TYPE', 'DATA', 'TTL', 'TIME'], rows)}\n`)
      // The answers came over TCP (or UDP when TCP went unanswered): say when one transport does not work.
      for (const check of transports) {
        for (const {says} of transportTrouble(check)) io.out.write(`warning: ${check.server} ${says}\n`)
      }
      if (client)
        io.out.write(
          `asked from pod ${String(resolver.pod)} (ephemeral container ${String(resolver.ephemeralContainer)}); note: ${EPHEMERAL_NOTE}\n`,
        )
    }
    process.exitCode = resolvedName ? EXIT_CLEAN : EXIT_PROBLEMS
  }
}
