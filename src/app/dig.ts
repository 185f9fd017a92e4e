// `dig`: one question through the resolver's nameserver and every CoreDNS replica, with the stub resolver's
// search-path expansion for a name without a trailing dot.
import {isIP} from 'node:net'
import {reverseName} from '../analyse/dns-names.js'
import type {QueryResult, TransportCheck} from '../dns/types.js'
import type {KubeGateway} from '../kube/gateway.js'
import {LiveDnsCheck, type LiveDnsOptions} from '../kube/live-dns.js'
import type {RecordType} from '../model/report.js'
import {findClient, type ClientOptions} from './client.js'

export interface DigOutcome {
  /** The name a stub resolver would settle on: the first candidate (in search order) that has answers. */
  resolvedName: string | null
  resolver: Record<string, unknown>
  /** The results for the resolved name (or the first candidate when none resolved). */
  results: QueryResult[]
  transports: TransportCheck[]
}

/** Asks `name` (an IP address asks its PTR name) of type `type` through a live check opened with `options`. */
export async function digLive(
  gateway: KubeGateway,
  name: string,
  type: RecordType,
  options: LiveDnsOptions,
  client?: ClientOptions,
): Promise<DigOutcome> {
  // --from: asked from the client pod (an ephemeral container in it), with its resolv.conf and search path.
  const found = client ? (await findClient(gateway, options.namespace, client)).pod : undefined
  const check = await LiveDnsCheck.open(
    gateway,
    found ? {...options, namespace: found.metadata.namespace ?? 'default', ephemeralIn: found.metadata.name} : options,
  )
  let results: QueryResult[]
  let transports: TransportCheck[]
  let candidates: string[]
  try {
    const asked = isIP(name) ? reverseName(name) : name.toLowerCase()
    const questionType: RecordType = isIP(name) ? 'PTR' : type
    candidates = asked.endsWith('.')
      ? [asked]
      : [...(await check.searchDomains()).map((domain) => `${asked}.${domain}.`), `${asked}.`]
    const batch = await check.ask(
      candidates.map((candidate) => ({name: candidate, type: questionType})),
      [],
      candidates.at(-1)!,
    )
    results = batch.queries
    transports = batch.transports
  } finally {
    await check.close()
  }
  const resolvedName =
    candidates.find((candidate) => results.some((result) => result.name === candidate && result.answers.length > 0)) ??
    null
  const shown = results.filter(
    (result) => result.name === (resolvedName ?? candidates[0]) || (resolvedName === null && candidates.length === 1),
  )
  return {resolvedName, resolver: check.describeResolver(), results: shown, transports}
}
