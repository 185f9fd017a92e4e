import {io} from '../cli/io.js'
import {Args, Flags} from '@oclif/core'
import {
  BaseCommand,
  connectionFlags,
  connectionOptions,
  dnsFlagValues,
  dnsServerFlags,
  liveDnsOptions,
  parseDuration,
  outputFlags,
  outputFormat,
  resolverFlags,
  validateClusterDomain,
  validateNamespace,
  type ResolverFlagValues,
} from '../cli/base-command.js'
import {dns1035LabelError} from '../analyse/dns-names.js'
import {parseClientTarget} from '../analyse/client-target.js'
import {parseNameFlag, type NameFlag} from '../analyse/client-dns.js'
import {EPHEMERAL_NOTE} from '../analyse/client-live.js'
import {EXIT_CLEAN, EXIT_PROBLEMS, InspectError} from '../errors.js'
import type {ConnectionOptions, KubeGateway} from '../kube/gateway.js'
import type {LiveDnsOptions} from '../kube/live-dns.js'
import type {ServiceReport} from '../model/report.js'
import type {Expectation} from '../analyse/expectations.js'
import {readContract} from '../cli/contract.js'
import type {OutputFormat} from '../render/index.js'
import type {DnsFlags} from '../model/dns-profile.js'

interface InspectOptions {
  service: string
  namespace?: string
  fromFile?: string
  clusterDomain?: string
  dnsFlags: DnsFlags
  connection: ConnectionOptions
  output: OutputFormat
  noColor: boolean
  dns: boolean
  resolver: ResolverFlagValues
  expect?: string
  watch: boolean
  watchDurationMs?: number
  waitDns: boolean
  /** --from, --from-namespace, --name: the client pod whose view is added. */
  client?: {target: string; namespace?: string; name?: NameFlag}
  /** --name as given (checked in validate). */
  nameText?: string
}

export default class Inspect extends BaseCommand {
  static override summary =
    'Explain a Service: its endpoints (and why some are missing), its expected DNS records, and what is wrong.'
  static override description = `Reads the Service, its EndpointSlices, the pods its selector matches and their events, and the cluster domain from the kube-system/coredns ConfigMap. Computes the DNS records the Kubernetes DNS specification and CoreDNS define for it, and reports findings with hints.

Exit codes: 0 no error findings, 1 error findings, 2 could not inspect.`

  static override examples = [
    'kubectl svc-inspect my-svc -n shop',
    'kubectl svc-inspect my-svc -o json',
    'kubectl svc-inspect web --from-file dump.yaml   # offline, on `kubectl get svc,endpointslices,pods,events -o yaml`',
  ]

  static override args = {
    service: Args.string({description: 'Name of the Service.', required: false}),
  }

  static override flags = {
    ...connectionFlags,
    ...outputFlags,
    'cluster-domain': Flags.string({
      description: 'Cluster DNS domain (default: read from the kube-system/coredns ConfigMap, else cluster.local).',
    }),
    'from-file': Flags.string({
      char: 'f',
      description: 'Inspect objects from a file (YAML or JSON, `-` for stdin) instead of a cluster.',
    }),
    'no-dns': Flags.boolean({
      description: 'Skip the live DNS check (read-only: creates nothing in the cluster).',
      default: false,
    }),
    watch: Flags.boolean({
      char: 'w',
      description:
        'Keep watching the EndpointSlices and pods; print a timeline with the DNS propagation delay of each change.',
      default: false,
    }),
    'watch-duration': Flags.string({
      description: 'With --watch: stop after this long (e.g. 5m); default: until Ctrl-C.',
    }),
    expect: Flags.string({
      description: 'A DNS contract (YAML) to check against the live answers (its format: docs/reference.md, --expect).',
    }),
    from: Flags.string({
      description: `The client: POD, pod/NAME, deploy/NAME or sts/NAME. Adds whether NetworkPolicy lets it reach the endpoints on their target ports and the cluster DNS on UDP and TCP 53, the resolv.conf the kubelet gives it and the names its resolver asks (see --name), and which endpoints kube-proxy on its node sends it to (static verdicts); and runs the live check (DNS lookups, TCP connects) from the client pod's own network namespace, through an ephemeral container with the resolver image (patch pods/ephemeralcontainers, as kubectl debug does), the two side by side. ${EPHEMERAL_NOTE}. With --no-dns: the static verdicts alone, nothing is added to the pod.`,
    }),
    'from-namespace': Flags.string({description: "The client's namespace (default: the Service's)."}),
    name: Flags.string({
      description:
        "With --from: the name the app uses, NAME[:PORT] (e.g. web.shop:8080; default: the Service's short name, or SERVICE.NAMESPACE from another namespace). Shows the names the client's resolver tries, which answers, and where the app's connection goes.",
    }),
    'wait-dns': Flags.boolean({
      description:
        'When an answer may still come from a DNS cache (DNSAnswerCached), wait until the cache expires and ask again.',
      default: false,
    }),
    ...dnsServerFlags,
    ...resolverFlags,
  }

  async run(): Promise<void> {
    const options = await this.complete()
    this.validate(options)
    process.exitCode = options.watch ? await this.watch(options) : await this.inspect(options)
  }

  private async complete(): Promise<InspectOptions> {
    const {args, flags} = await this.parse(Inspect)
    if (!args.service) throw new InspectError('a Service name is required: kubectl svc-inspect SERVICE [-n NAMESPACE]')
    return {
      service: args.service,
      namespace: flags.namespace,
      fromFile: flags['from-file'],
      clusterDomain: flags['cluster-domain'],
      dnsFlags: await dnsFlagValues(flags),
      connection: connectionOptions(flags),
      output: outputFormat(flags.output),
      noColor: flags['no-color'],
      dns: !flags['no-dns'] && !flags['from-file'],
      resolver: flags,
      expect: flags.expect,
      watch: flags.watch,
      waitDns: flags['wait-dns'],
      client: flags.from ? {target: flags.from, namespace: flags['from-namespace']} : undefined,
      nameText: flags.name,
      watchDurationMs: flags['watch-duration'] ? parseDuration(flags['watch-duration'], 'watch-duration') : undefined,
    }
  }

  private validate(options: InspectOptions): void {
    const problem = dns1035LabelError(options.service)
    if (problem) throw new InspectError(`invalid Service name "${options.service}": ${problem}`)
    validateClusterDomain(options.clusterDomain)
    if (options.expect && !options.dns)
      throw new InspectError('--expect needs the live DNS check: drop --no-dns / --from-file')
    if (options.watch && options.fromFile) throw new InspectError('--watch needs a cluster: it cannot watch a file')
    if (options.client) {
      parseClientTarget(options.client.target)
      validateNamespace(options.client.namespace)
      if (options.watch) throw new InspectError('--from does not combine with --watch')
      // The live check runs in the client pod: another place to run it contradicts --from.
      const elsewhere = options.dns
        ? options.resolver['resolver-pod']
          ? '--resolver-pod'
          : options.resolver['resolver-namespace']
            ? '--resolver-namespace'
            : options.resolver.via === 'port-forward'
              ? '--via port-forward'
              : undefined
        : undefined
      if (elsewhere)
        throw new InspectError(
          `--from runs the live check in the client pod: drop ${elsewhere}, or pass --no-dns for the static verdicts alone`,
        )
    }
    if (options.nameText !== undefined) {
      if (!options.client) throw new InspectError('--name needs --from: the names tried depend on the client pod')
      const name = parseNameFlag(options.nameText)
      if (!name)
        throw new InspectError(
          `invalid --name "${options.nameText}": use NAME or NAME:PORT (a DNS name, a port from 1 to 65535)`,
        )
      options.client.name = name
    }
  }

  private async inspect(options: InspectOptions): Promise<number> {
    const expectations = options.expect ? await readContract(options.expect) : []
    const report = options.fromFile ? await this.fromFile(options) : await this.fromCluster(options, expectations)
    const {renderMachine, renderHuman} = await import('../render/index.js')
    if (options.output === 'junit') {
      const {reportList, renderJUnit} = await import('../render/scan.js')
      io.out.write(renderJUnit(reportList([report], report.expectations)))
    } else if (options.output === 'json' || options.output === 'yaml') {
      io.out.write(await renderMachine(report, options.output))
    } else {
      const {renderReportTable} = await import('../render/report-table.js')
      const wide = options.output === 'wide'
      io.out.write(
        await renderHuman(report, (value, palette) => renderReportTable(value, {wide, palette}), options.noColor),
      )
    }
    return report.summary.errors > 0 ? EXIT_PROBLEMS : EXIT_CLEAN
  }

  /** The live DNS check (src/app/inspect.ts; with --from, src/app/client.ts), with a spinner on a terminal. */
  private async live(
    gateway: KubeGateway,
    target: {namespace: string; name: string; clusterDomainFlag?: string; dnsFlags?: DnsFlags; waitDns?: boolean},
    options: LiveDnsOptions,
    expectations: Expectation[],
    source: string | undefined,
    client: InspectOptions['client'],
  ): Promise<ServiceReport> {
    const [{inspectLive}, {inspectFromClient}, {Spinner}] = await Promise.all([
      import('../app/inspect.js'),
      import('../app/client.js'),
      import('../cli/spinner.js'),
    ])
    const spinner = new Spinner()
    const progress = (message: string) => spinner.update(message)
    try {
      return client
        ? await inspectFromClient(gateway, target, options, client, expectations, source, progress)
        : await inspectLive(gateway, target, options, expectations, source, progress)
    } finally {
      spinner.stop()
    }
  }

  private async watch(options: InspectOptions): Promise<number> {
    const [{KubeGateway}, {watchInspect}] = await Promise.all([import('../kube/gateway.js'), import('../app/watch.js')])
    const gateway = await KubeGateway.connect(options.connection)
    const namespace = gateway.defaultNamespace
    const json = options.output === 'json'
    await watchInspect(gateway, namespace, options.service, {
      clusterDomainFlag: options.clusterDomain,
      dns: options.dns ? liveDnsOptions(options.resolver, namespace) : undefined,
      durationMs: options.watchDurationMs,
      settleMs: 60_000,
      emit: (event) => io.out.write(json ? `${JSON.stringify(event)}\n` : `${event.time} ${event.message}\n`),
    })
    return EXIT_CLEAN
  }

  private async fromFile(options: InspectOptions): Promise<ServiceReport> {
    const [{readObjectsFile}, {findService, snapshotFromObjects}, {buildReport}] = await Promise.all([
      import('../gather/from-file.js'),
      import('../gather/objects.js'),
      import('../analyse/report.js'),
    ])
    const objects = await readObjectsFile(options.fromFile!)
    const service = findService(
      objects,
      options.service,
      options.namespace,
      options.fromFile === '-' ? 'stdin' : options.fromFile!,
    )
    const report = buildReport(snapshotFromObjects(objects, service, options.clusterDomain, options.dnsFlags))
    if (!options.client) return report
    const {clientFromObjects} = await import('../app/client.js')
    return clientFromObjects(objects, report, options.client)
  }

  private async fromCluster(options: InspectOptions, expectations: Expectation[]): Promise<ServiceReport> {
    const [{KubeGateway}, {buildReport}] = await Promise.all([
      import('../kube/gateway.js'),
      import('../analyse/report.js'),
    ])
    const gateway = await KubeGateway.connect(options.connection)
    const namespace = gateway.defaultNamespace
    if (options.dns) {
      const target = {
        namespace,
        name: options.service,
        clusterDomainFlag: options.clusterDomain,
        dnsFlags: options.dnsFlags,
        waitDns: options.waitDns,
      }
      return this.live(
        gateway,
        target,
        liveDnsOptions(options.resolver, namespace),
        expectations,
        options.expect,
        options.client,
      )
    }
    const report = buildReport(
      await gateway.gatherService(namespace, options.service, options.clusterDomain, options.dnsFlags),
    )
    return this.withClient(gateway, report, options)
  }

  private async withClient(
    gateway: KubeGateway,
    report: ServiceReport,
    options: InspectOptions,
  ): Promise<ServiceReport> {
    if (!options.client) return report
    const {clientFromCluster} = await import('../app/client.js')
    return clientFromCluster(gateway, report, options.client)
  }
}
