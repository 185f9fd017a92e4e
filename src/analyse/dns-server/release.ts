// The DNS server's own word on its release. CoreDNS's chaos plugin answers `version.bind. CH TXT` with
// "CoreDNS-<release>" (plugin/chaos/setup.go: caddy.AppName + "-" + caddy.AppVersion) when the Corefile gives it no
// version of its own. The image tag says which release was meant; the answer says which one runs. Pure.
import type {DnsQuestion, QueryResult} from '../../model/dns.js'
import type {DnsProfile, ServerRelease} from './profile.js'

export const VERSION_QUESTION: DnsQuestion = {name: 'version.bind.', type: 'TXT', class: 'CH'}

export function isReleaseQuestion(question: {name: string; type: string}): boolean {
  return question.type === 'TXT' && question.name === VERSION_QUESTION.name
}

/**
 * The question a live check adds to its batch (asked of every server): only where the Corefile's chaos plugin answers
 * it with the release. Not behind NodeLocal DNSCache: the pod's nameserver is then the node's cache, whose Corefile
 * forwards names outside the cluster zone upstream, and a question upstream may wait out the query timeout and hold
 * the whole batch.
 */
export function releaseQuestions(profile: DnsProfile | undefined): DnsQuestion[] {
  if (profile?.implementation !== 'coredns' || !profile.answersVersionBind) return []
  return profile.caches.some((cache) => cache.layer === 'node-local-dns') ? [] : [VERSION_QUESTION]
}

const COREDNS_RELEASE = /^"CoreDNS-v?(\d+\.\d+\.\d+)"$/

/** The servers' answers to version.bind, in the order of the queries; questions without an answer are left out. */
export function serverReleases(queries: QueryResult[]): ServerRelease[] {
  return queries.flatMap((query) => {
    if (!isReleaseQuestion(query) || query.rcode !== 'NOERROR') return []
    const text = query.answers.find((answer) => answer.type === 'TXT')?.data
    if (text === undefined) return []
    return [{server: query.server, answer: text, release: COREDNS_RELEASE.exec(text)?.[1] ?? null}]
  })
}

/** The distinct releases the servers named, in the order first seen. */
export function namedReleases(releases: ServerRelease[]): string[] {
  return [...new Set(releases.flatMap((entry) => (entry.release ? [entry.release] : [])))]
}

/**
 * The profile with the servers' answers. A release they all name replaces the image tag's (a mirrored or vendor
 * image's tag need not be its release), and the records are then predicted for it; a --dns-version flag is kept
 * (the user said so) with a note. Servers naming different releases (a rollout, a stale replica) leave the release
 * as it was, and say so: the diff then reports its mismatches as warnings.
 */
export function withServerReleases(
  profile: DnsProfile,
  releases: ServerRelease[],
  versionFlag: string | undefined,
): DnsProfile {
  if (releases.length === 0) return profile
  const named = namedReleases(releases)
  const answers = releases.map((entry) => `${entry.server} ${entry.answer}`).join(', ')
  const withAnswers = {...profile, serverReleases: releases}
  if (named.length === 0)
    return {...withAnswers, notes: [...profile.notes, `version.bind names no CoreDNS release (${answers})`]}
  if (named.length > 1)
    return {
      ...withAnswers,
      notes: [
        ...profile.notes,
        `the DNS servers answer different releases (${answers}): a rollout in progress or a stale replica; records predicted for ${profile.version ?? 'the newest rules'}`,
      ],
    }
  const [release] = named
  if (release === profile.version)
    return {...withAnswers, source: `${profile.source}; release confirmed by version.bind`}
  if (versionFlag !== undefined)
    return {
      ...withAnswers,
      notes: [
        ...profile.notes,
        `the servers answer version.bind with release ${release}; --dns-version ${versionFlag} kept`,
      ],
    }
  return {
    ...withAnswers,
    version: release,
    sourceKind: 'server',
    source: `${profile.source}; release ${release} from version.bind`,
    notes: [
      ...profile.notes,
      profile.version
        ? `the image tag says ${profile.version}, the servers answer version.bind with ${release}: records predicted for ${release}`
        : `release ${release} from the servers' version.bind answers`,
    ],
  }
}
