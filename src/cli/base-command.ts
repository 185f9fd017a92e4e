// What every svc-inspect command shares: kubectl's connection flags, -o, colour, and the error contract
// (one `error:` line on stderr, exit 2, never a stack trace).
import {io} from './io.js'
import {readFile} from 'node:fs/promises'
import {Command, Flags} from '@oclif/core'
import {InspectError, EXIT_CANNOT_INSPECT, oneLineMessage} from '../errors.js'
import {dns1123LabelError, dns1123SubdomainError} from '../analyse/dns-names.js'
import {OUTPUT_FORMATS, type OutputFormat} from '../render/index.js'
import type {ConnectionOptions} from '../kube/gateway.js'
// A constant only: importing it does not load the resolver code.
export const DEFAULT_RESOLVER_IMAGE = 'docker.io/nicolaka/netshoot:v0.13'

export const connectionFlags = {
  kubeconfig: Flags.string({
    description: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).',
    helpGroup: 'KUBECTL',
  }),
  context: Flags.string({description: 'The kubeconfig context to use.', helpGroup: 'KUBECTL'}),
  cluster: Flags.string({description: 'The kubeconfig cluster to use.', helpGroup: 'KUBECTL'}),
  user: Flags.string({description: 'The kubeconfig user to use.', helpGroup: 'KUBECTL'}),
  namespace: Flags.string({
    char: 'n',
    description: "Namespace (default: the context's namespace, else default).",
    helpGroup: 'KUBECTL',
  }),
  'request-timeout': Flags.string({
    description: 'Time to wait for one API request before giving up, e.g. 10s, 1m; 0 waits forever.',
    default: '0',
    helpGroup: 'KUBECTL',
  }),
}

export const outputFlags = {
  output: Flags.string({char: 'o', description: 'Output format.', options: [...OUTPUT_FORMATS], default: 'table'}),
  'no-color': Flags.boolean({
    description: 'Never colour the output (also: NO_COLOR=1). Colour is only used on a terminal.',
    default: false,
  }),
}

/** What the user says about the cluster's DNS server, over what the cluster says (see docs/reference.md, "DNS servers"). */
export const dnsServerFlags = {
  'dns-server': Flags.string({
    description: 'The cluster DNS server, when detection cannot tell or is wrong (default: from kube-system).',
    options: ['coredns', 'kube-dns'],
    helpGroup: 'DNS SERVER',
  }),
  'dns-version': Flags.string({
    description: "The DNS server's release, e.g. 1.12.0 (default: the image tag of its Deployment).",
    helpGroup: 'DNS SERVER',
  }),
  corefile: Flags.string({
    description: 'A Corefile to predict records for, instead of the kube-system/coredns ConfigMap.',
    helpGroup: 'DNS SERVER',
  }),
}

/** The --dns-server, --dns-version and --corefile flags as the core takes them (the Corefile read here). */
export async function dnsFlagValues(flags: {
  'dns-server'?: string
  'dns-version'?: string
  corefile?: string
}): Promise<{server?: 'coredns' | 'kube-dns'; version?: string; corefile?: string}> {
  const version = flags['dns-version']?.replace(/^v/, '')
  if (version !== undefined && !/^\d+\.\d+(\.\d+)?([-+.][0-9A-Za-z.-]+)?$/.test(version))
    throw new InspectError(`invalid --dns-version "${flags['dns-version']}": use a release such as 1.12.0`)
  let corefile: string | undefined
  if (flags.corefile !== undefined) {
    corefile = await readFile(flags.corefile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new InspectError(
        `cannot read --corefile ${flags.corefile}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      )
    })
    const [{parseCorefile}] = await Promise.all([import('../analyse/dns-server/corefile.js')])
    try {
      parseCorefile(corefile)
    } catch (error) {
      throw new InspectError(`--corefile ${flags.corefile}: ${(error as Error).message}`)
    }
  }
  return {server: flags['dns-server'] as 'coredns' | 'kube-dns' | undefined, version, corefile}
}

export abstract class BaseCommand extends Command {
  /** Turns every failure into `error: <one line>` and exit code 2: the "could not inspect" contract. */
  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    if (error.oclif?.exit === 0) return
    io.err.write(`error: ${oneLineMessage(error)}\n`)
    if (process.env.SVC_INSPECT_DEBUG && !(error instanceof InspectError)) io.err.write(`${error.stack}\n`)
    process.exitCode = EXIT_CANNOT_INSPECT
  }
}

/** kubectl's duration syntax for --request-timeout: a number of seconds, or 500ms, 10s, 2m, 1h. */
export function parseDuration(value: string, flag: string): number {
  const match = value.trim().match(/^(\d+(?:\.\d+)?)(ms|s|m|h)?$/)
  if (!match)
    throw new InspectError(`invalid value "${value}" for --${flag}: use a duration such as 30s or 2m (0 for none)`)
  const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(match[1]) * unit)
}

export function validateNamespace(namespace: string | undefined): void {
  if (namespace === undefined) return
  const problem = dns1123LabelError(namespace)
  if (problem) throw new InspectError(`invalid namespace "${namespace}": ${problem}`)
}

export function validateClusterDomain(domain: string | undefined): void {
  if (domain === undefined) return
  const problem = dns1123SubdomainError(domain)
  if (problem) throw new InspectError(`invalid --cluster-domain "${domain}": ${problem}`)
}

export function connectionOptions(flags: {
  kubeconfig?: string
  context?: string
  cluster?: string
  user?: string
  namespace?: string
  'request-timeout': string
}): ConnectionOptions {
  validateNamespace(flags.namespace)
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    cluster: flags.cluster,
    user: flags.user,
    namespace: flags.namespace,
    requestTimeoutMs: parseDuration(flags['request-timeout'], 'request-timeout'),
  }
}

export function outputFormat(value: string): OutputFormat {
  return value as OutputFormat
}

export const resolverFlags = {
  via: Flags.string({
    description: 'How to reach the cluster DNS: a resolver pod, or port-forwards to the CoreDNS pods (no pod created).',
    options: ['pod', 'port-forward'],
    default: 'pod',
    helpGroup: 'DNS CHECK',
  }),
  image: Flags.string({
    description: 'Image of the resolver pod: must have sh, BIND 9.16+ dig and nc.',
    helpGroup: 'DNS CHECK',
  }),
  'resolver-namespace': Flags.string({
    description: "Namespace of the resolver pod (default: the service's, so its resolv.conf is the clients').",
    helpGroup: 'DNS CHECK',
  }),
  'resolver-pod': Flags.string({
    description: 'Use this existing pod as the resolver instead of creating one.',
    helpGroup: 'DNS CHECK',
  }),
  timeout: Flags.string({
    description: 'How long the resolver pod may take to start.',
    default: '60s',
    helpGroup: 'DNS CHECK',
  }),
  'query-timeout': Flags.integer({
    description: 'Seconds to wait for each DNS answer and TCP connect.',
    default: 2,
    min: 1,
    max: 30,
    helpGroup: 'DNS CHECK',
  }),
  'no-reach': Flags.boolean({
    description: 'Ask DNS only: skip the TCP reachability probes.',
    default: false,
    helpGroup: 'DNS CHECK',
  }),
}

export interface ResolverFlagValues {
  via: string
  image?: string
  'resolver-namespace'?: string
  'resolver-pod'?: string
  timeout: string
  'query-timeout': number
  'no-reach'?: boolean
}

export function liveDnsOptions(
  flags: ResolverFlagValues,
  serviceNamespace: string,
  onProgress?: (message: string) => void,
) {
  validateNamespace(flags['resolver-namespace'])
  return {
    via: flags.via as 'pod' | 'port-forward',
    namespace: flags['resolver-namespace'] ?? serviceNamespace,
    image: flags.image ?? process.env.SVC_INSPECT_RESOLVER_IMAGE ?? DEFAULT_RESOLVER_IMAGE,
    existingPod: flags['resolver-pod'],
    startTimeoutMs: parseDuration(flags.timeout, 'timeout'),
    queryTimeoutSeconds: flags['query-timeout'],
    reach: !flags['no-reach'],
    onProgress,
  }
}
