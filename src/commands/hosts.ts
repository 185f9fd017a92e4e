import {Args, Flags} from '@oclif/core'
import {
  BaseCommand,
  connectionFlags,
  connectionOptions,
  liveDnsOptions,
  resolverFlags,
  validateClusterDomain,
} from '../cli/base-command.js'
import {primaryServer} from '../dns/types.js'
import {EXIT_CLEAN, EXIT_PROBLEMS, InspectError} from '../errors.js'

export default class Hosts extends BaseCommand {
  static override summary =
    'Print a client seed list (host:port) for a service, from what the cluster DNS really answers.'
  static override description = `Asks the cluster DNS (resolver pod or port-forward, as inspect does) for SRV _<port>._<proto>.<service>; without SRV answers, uses the A/AAAA answers plus the port (the targetPort for a headless service, which translates no port). --format mongodb prints a connection string for a replica set behind a headless service (seed 002). Exit code 1 when DNS gives no hosts.`

  static override examples = [
    'kubectl svc-inspect hosts mongo -n db',
    'kubectl svc-inspect hosts mongo -n db --format mongodb --replica-set rs0',
    'kubectl svc-inspect hosts web -n shop --port-name http --format csv',
  ]

  static override args = {service: Args.string({description: 'Name of the Service.', required: false})}

  static override flags = {
    ...connectionFlags,
    format: Flags.string({
      description: 'Output format.',
      options: ['lines', 'csv', 'mongodb', 'json'],
      default: 'lines',
    }),
    'replica-set': Flags.string({description: 'Replica set name for --format mongodb.'}),
    'port-name': Flags.string({description: 'Which service port (by name) the hosts are for (default: the first).'}),
    'cluster-domain': Flags.string({
      description: 'Cluster DNS domain (default: read from the kube-system/coredns ConfigMap).',
    }),
    ...resolverFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Hosts)
    if (!args.service)
      throw new InspectError('a Service name is required: kubectl svc-inspect hosts SERVICE [-n NAMESPACE]')
    validateClusterDomain(flags['cluster-domain'])
    const connection = connectionOptions(flags)
    const [{KubeGateway}, {LiveDnsCheck}, {seedList, seedQuestions, seedPort, formatSeedList}, {chooseClusterDomain}] =
      await Promise.all([
        import('../kube/gateway.js'),
        import('../kube/live-dns.js'),
        import('../analyse/hosts.js'),
        import('../analyse/cluster-domain.js'),
      ])
    const gateway = await KubeGateway.connect(connection)
    const service = await gateway.readService(gateway.defaultNamespace, args.service)
    if (flags['port-name'] && !seedPort(service, flags['port-name'])) {
      throw new InspectError(
        `service ${args.service} has no port named "${flags['port-name']}" (ports: ${(service.spec.ports ?? []).map((port) => port.name || port.port).join(', ')})`,
      )
    }
    const configured = flags['cluster-domain'] ? null : await gateway.readCoreDnsZone().catch(() => null)
    const check = await LiveDnsCheck.open(gateway, liveDnsOptions(flags, gateway.defaultNamespace))
    let list
    try {
      const zone = chooseClusterDomain(
        flags['cluster-domain'],
        configured ?? (flags['cluster-domain'] ? null : await check.clusterDomain()),
      ).value
      const {queries, servers} = await check.ask(seedQuestions(service, flags['port-name'], zone), [], zone)
      const primary = primaryServer(servers)
      list = seedList(
        service,
        flags['port-name'],
        zone,
        queries.filter((query) => query.server === primary?.label),
      )
    } finally {
      await check.close()
    }
    if (flags.format === 'json')
      process.stdout.write(
        `${JSON.stringify({apiVersion: 'svc-inspect/v1alpha1', kind: 'SeedList', ...list}, null, 2)}\n`,
      )
    else process.stdout.write(formatSeedList(list, flags.format as 'lines' | 'csv' | 'mongodb', flags['replica-set']))
    if (list.hosts.length === 0) process.stderr.write(`no hosts: DNS returned no records for ${list.source}\n`)
    process.exitCode = list.hosts.length > 0 ? EXIT_CLEAN : EXIT_PROBLEMS
  }
}
