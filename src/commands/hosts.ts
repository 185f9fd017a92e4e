import {io} from '../cli/io.js'
import {Args, Flags} from '@oclif/core'
import {
  BaseCommand,
  connectionFlags,
  connectionOptions,
  liveDnsOptions,
  resolverFlags,
  validateClusterDomain,
} from '../cli/base-command.js'
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
    const [{KubeGateway}, {hostsLive}, {formatSeedList}] = await Promise.all([
      import('../kube/gateway.js'),
      import('../app/hosts.js'),
      import('../analyse/hosts.js'),
    ])
    const gateway = await KubeGateway.connect(connection)
    const list = await hostsLive(
      gateway,
      args.service,
      {portName: flags['port-name'], clusterDomainFlag: flags['cluster-domain']},
      liveDnsOptions(flags, gateway.defaultNamespace),
    )
    if (flags.format === 'json')
      io.out.write(`${JSON.stringify({apiVersion: 'svc-inspect/v1alpha1', kind: 'SeedList', ...list}, null, 2)}\n`)
    else io.out.write(formatSeedList(list, flags.format as 'lines' | 'csv' | 'mongodb', flags['replica-set']))
    if (list.hosts.length === 0) io.err.write(`no hosts: DNS returned no records for ${list.source}\n`)
    process.exitCode = list.hosts.length > 0 ? EXIT_CLEAN : EXIT_PROBLEMS
  }
}
