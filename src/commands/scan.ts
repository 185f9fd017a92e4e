import {io} from '../cli/io.js'
import {Flags} from '@oclif/core'
import {
  BaseCommand,
  connectionFlags,
  connectionOptions,
  liveDnsOptions,
  outputFlags,
  resolverFlags,
  dnsFlagValues,
  dnsServerFlags,
  validateClusterDomain,
} from '../cli/base-command.js'
import {EXIT_CLEAN, EXIT_PROBLEMS, InspectError} from '../errors.js'
import type {Service} from '../model/k8s.js'
import type {ServiceReport} from '../model/report.js'
import type {QueryResult} from '../dns/types.js'
import {readContract} from '../cli/contract.js'
import type {ScanProgress} from '../app/scan.js'

export default class Scan extends BaseCommand {
  static override summary = 'Inspect many services: a namespace, a label selector, or the whole cluster.'
  static override description = `Reads the services' namespaces (up to --concurrency at once), then asks every service's DNS questions through one resolver pod, in --resolver-namespace (default: the current namespace), in batches; --resolver-per-namespace creates one resolver pod per scanned namespace instead, in that namespace (for reachability as seen from each namespace). Prints a summary table, a ServiceReportList (-o json|yaml) or JUnit XML (-o junit: a testsuite per namespace, a testcase per service, a failure per error finding). --expect FILE adds a DNS contract checked against the live answers (its format: docs/reference.md, --expect).

Exit codes: 0 no error findings, 1 error findings or a failed expectation, 2 could not inspect.`

  static override examples = [
    'kubectl svc-inspect scan -n shop',
    'kubectl svc-inspect scan -A -o junit > svc-inspect.xml',
    'kubectl svc-inspect scan -n db -l app=mongo --expect dns-contract.yaml',
    'kubectl svc-inspect scan -A --no-dns -f cluster-dump.yaml',
  ]

  static override flags = {
    ...connectionFlags,
    ...outputFlags,
    'all-namespaces': Flags.boolean({char: 'A', description: 'Scan every namespace.', default: false}),
    selector: Flags.string({
      char: 'l',
      description: 'Only services matching this label selector (e.g. app=web,tier!=cache).',
    }),
    'cluster-domain': Flags.string({
      description: 'Cluster DNS domain (default: read from the kube-system/coredns ConfigMap).',
    }),
    'from-file': Flags.string({
      char: 'f',
      description: 'Scan objects from a file (`-` for stdin) instead of a cluster (no DNS check).',
    }),
    'no-dns': Flags.boolean({description: 'Skip the live DNS check (read-only).', default: false}),
    expect: Flags.string({description: 'A DNS contract (YAML) to check against the live answers.'}),
    concurrency: Flags.integer({description: 'Namespaces inspected at once.', default: 4, min: 1, max: 32}),
    ...dnsServerFlags,
    ...resolverFlags,
    'resolver-namespace': Flags.string({
      description:
        'Namespace of the resolver pod (default: the current namespace; with --resolver-per-namespace: each scanned namespace).',
      helpGroup: 'DNS CHECK',
    }),
    'resolver-per-namespace': Flags.boolean({
      description:
        'One resolver pod per scanned namespace instead of one for the whole scan: TCP probes then start from each namespace (NetworkPolicy).',
      default: false,
      helpGroup: 'DNS CHECK',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Scan)
    validateClusterDomain(flags['cluster-domain'])
    const connection = connectionOptions(flags)
    if (flags.expect && (flags['no-dns'] || flags['from-file']))
      throw new InspectError('--expect needs the live DNS check: drop --no-dns / --from-file')
    const expectations = flags.expect ? await readContract(flags.expect) : undefined
    const progress = await this.progress()
    let reports: ServiceReport[]
    let contractAnswers: QueryResult[] = []
    let printedRows = false
    try {
      if (flags['from-file']) {
        const [{readObjectsFile}, {scanObjects}, {selectorMatcher}] = await Promise.all([
          import('../gather/from-file.js'),
          import('../app/scan.js'),
          import('../analyse/label-selector.js'),
        ])
        const objects = await readObjectsFile(flags['from-file'])
        const matches = selectorMatcher(flags.selector)
        const inScope = (service: Service) =>
          (flags['all-namespaces'] || (service.metadata.namespace ?? 'default') === (flags.namespace ?? 'default')) &&
          matches(service.metadata.labels)
        reports = scanObjects(
          objects,
          {clusterDomainFlag: flags['cluster-domain'], dnsFlags: await dnsFlagValues(flags)},
          inScope,
        )
      } else {
        const [{KubeGateway}, {scanCluster}] = await Promise.all([
          import('../kube/gateway.js'),
          import('../app/scan.js'),
        ])
        const gateway = await KubeGateway.connect(connection)
        const services = await gateway.listServices(
          flags['all-namespaces'] ? undefined : gateway.defaultNamespace,
          flags.selector,
        )
        // A table is printed as batches finish (each group aligned on its own, as kubectl's chunks are).
        const streamed = flags.output === 'table' || flags.output === 'wide' ? await this.rowPrinter(flags) : undefined
        const result = await scanCluster(gateway, services, {
          clusterDomainFlag: flags['cluster-domain'],
          dnsFlags: await dnsFlagValues(flags),
          concurrency: flags.concurrency,
          // No namespace unless given: the scan picks the current one, or each scanned one (per namespace).
          dns: flags['no-dns']
            ? undefined
            : {...liveDnsOptions(flags, gateway.defaultNamespace), namespace: flags['resolver-namespace']},
          resolverPerNamespace: flags['resolver-per-namespace'],
          allNamespaces: flags['all-namespaces'],
          onProgress: progress.update,
          extraQuestions: expectations?.map(({name, type}) => ({name, type})),
          onReports:
            streamed &&
            ((group) => {
              progress.clear()
              streamed.print(group)
            }),
        })
        printedRows = streamed?.printed() ?? false
        reports = result.reports
        contractAnswers = result.extraAnswers
      }
    } finally {
      progress.stop()
    }
    const [
      {reportList, renderScanTable, renderScanFooter, renderJUnit},
      {renderMachine, renderHuman, jsonListChunks, writeChunks},
    ] = await Promise.all([import('../render/scan.js'), import('../render/index.js')])
    const contract = expectations
      ? (await import('../analyse/expectations.js')).evaluateExpectations(expectations, contractAnswers)
      : undefined
    const list = reportList(reports, contract)
    if (flags.output === 'junit') io.out.write(renderJUnit(list))
    else if (flags.output === 'json') await writeChunks(io.out, jsonListChunks(list as never))
    else if (flags.output === 'yaml') io.out.write(await renderMachine(list, flags.output))
    else
      io.out.write(
        await renderHuman(
          list,
          (value, palette) =>
            printedRows ? renderScanFooter(value, palette) : renderScanTable(value, palette, flags.output === 'wide'),
          flags['no-color'],
        ),
      )
    process.exitCode = list.summary.errors > 0 ? EXIT_PROBLEMS : EXIT_CLEAN
  }

  /** "read 12/100 namespaces, asked 1200/4000 names" on stderr, only on a terminal. */
  private async progress() {
    const {Spinner} = await import('../cli/spinner.js')
    const spinner = new Spinner()
    spinner.update('listing services')
    return {
      update: ({namespacesRead, namespaces, namesAsked, names}: ScanProgress) =>
        spinner.update(
          `read ${namespacesRead}/${namespaces} namespaces${names > 0 ? `, asked ${namesAsked}/${names} names` : ''}`,
        ),
      stop: () => spinner.stop(),
      clear: () => spinner.clear(),
    }
  }

  /** Prints groups of table rows on stdout, the column names with the first. */
  private async rowPrinter(flags: {output: string; 'no-color': boolean}) {
    const [{renderScanRows}, {paletteFor}] = await Promise.all([
      import('../render/scan.js'),
      import('../render/style.js'),
    ])
    const palette = paletteFor(io.out, flags['no-color'])
    let rows = 0
    return {
      print: (reports: ServiceReport[]) => {
        if (reports.length === 0) return
        io.out.write(renderScanRows(reports, palette, flags.output === 'wide', rows === 0))
        rows += reports.length
      },
      printed: () => rows > 0,
    }
  }
}
