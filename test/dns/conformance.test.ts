// The DNS conformance tier, comparison half: every recording of a real DNS server (test/dns/record.ts, or
// the directory SVC_INSPECT_DNS_RECORDINGS names) plus the kube-dns fixture is replayed through the model:
// profile from the recorded Corefile (or kube-dns's fixed profile), predictAnswers(objects, profile,
// questions), and each predicted rcode and answer set must equal the recorded one. One test per recording;
// a failure lists every mismatching question as `NAME TYPE: expected <recorded>, got <predicted>`.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {profileFromCorefile} from '../../src/analyse/dns-server/detect.js'
import {kubeDnsProfile, type DnsProfile} from '../../src/analyse/dns-server/profile.js'
import {predictAnswers} from '../../src/analyse/dns-server/predict.js'
import {releaseQuestions, serverReleases} from '../../src/analyse/dns-server/release.js'
import type {QueryResult} from '../../src/model/dns.js'
import {compareAnswers, type RecordedQuestion} from './compare.js'

interface Recording {
  server: string
  zone: string
  /** Forward zones of the kubernetes plugin (record.ts); the kube-dns fixture has only `zone`. */
  zones?: string[]
  /** What the server forwarded to; record.ts: `unreachable: ...`. */
  upstream?: string
  version?: string
  corefile?: string
  corefileName?: string
  objects: unknown[]
  questions: RecordedQuestion[]
  /** record.ts: the answer to `version.bind. CH TXT`, asked where the Corefile has `chaos`. */
  versionBind?: {rcode: QueryResult['rcode']; answers: Array<{type: string; ttl: number; data: string}>}
}

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..')
const RECORDINGS = process.env.SVC_INSPECT_DNS_RECORDINGS || path.join(HERE, 'recordings')
const KUBE_DNS_FIXTURE = path.resolve(REPO, '..', 'shared', 'fixtures', 'kube-dns-1.26.7.json')

/**
 * Answers the model does not predict, each with why. A mismatch not listed here fails; a listed one that no
 * recording shows any more is printed (a fresh recording may not repeat an unexplained answer), so the list can
 * be pruned.
 */
const KNOWN_DIFFERENCES: Array<{recording: RegExp; question: RegExp; why: string}> = [
  {
    recording: /-k3s\.json$/,
    question: /^(bare\.alpha\.svc\.tier\.test\. (A|SRV)|2\.9\.250\.10\.in-addr\.arpa\. PTR):/,
    why: 'k3s answers bare.alpha from its hosts file (NodeHosts), which runs before kubernetes; the model does not read hosts files and the report lists the hosts plugin under dnsServer.mayChangeAnswers',
  },
]

function recordingFiles(): string[] {
  const files = existsSync(RECORDINGS)
    ? readdirSync(RECORDINGS)
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => path.join(RECORDINGS, file))
    : []
  if (existsSync(KUBE_DNS_FIXTURE)) files.push(KUBE_DNS_FIXTURE)
  return files
}

function profileOf(recording: Recording): DnsProfile {
  if (recording.server.startsWith('kube-dns')) {
    const version = recording.version ?? recording.server.split(/\s+/)[1] ?? null
    return kubeDnsProfile(recording.zone, version, 'recording', 'flag')
  }
  assert.ok(recording.corefile, `${recording.server}: the recording has no corefile`)
  return profileFromCorefile(recording.corefile, {
    version: recording.version ?? null,
    source: 'recording',
    sourceKind: 'flag',
    zoneHint: recording.zone,
  })
}

describe('DNS conformance: the model predicts what real DNS servers answered', () => {
  const files = recordingFiles()
  it('has recordings to compare', () => {
    assert.ok(files.length > 0, `no recordings in ${RECORDINGS} and no ${KUBE_DNS_FIXTURE}`)
  })
  for (const file of files) {
    const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording
    const label = `${path.basename(file)} (${recording.server}${recording.corefileName ? `, ${recording.corefileName}` : ''})`
    it(label, () => {
      const profile = profileOf(recording)
      const questions = recording.questions.map(({name, type}) => ({name, type}))
      const predicted = recording.upstream?.startsWith('unreachable')
        ? predictAnswers(recording.objects, profile, questions, 'unreachable')
        : predictAnswers(recording.objects, profile, questions)
      const zones = recording.zones ?? [recording.zone]
      const {mismatches: all, compared} = compareAnswers(recording.questions, predicted, zones)
      const known = KNOWN_DIFFERENCES.filter((entry) => entry.recording.test(path.basename(file)))
      const mismatches = all.filter((mismatch) => !known.some((entry) => entry.question.test(mismatch)))
      for (const entry of known)
        if (!all.some((mismatch) => entry.question.test(mismatch)))
          console.log(`known difference not seen in ${path.basename(file)}: ${entry.question} (${entry.why})`)
      if (mismatches.length > 0)
        assert.fail(
          `${mismatches.length} of ${compared} questions differ from what ${recording.server} answered ` +
            `(expected = recorded, got = predicted):\n  ${mismatches.join('\n  ')}`,
        )
      // The live check asks version.bind exactly where the profile says the server answers it with its release
      // (record.ts asks it where the Corefile has `chaos`), and reads from the answer the release that was built.
      assert.equal(
        releaseQuestions(profile).length > 0,
        recording.versionBind !== undefined,
        'version.bind asked by the check exactly where the server was asked it',
      )
      if (recording.versionBind) {
        const {rcode, answers} = recording.versionBind
        const releases = serverReleases([
          {server: 'recorded', name: 'version.bind.', type: 'TXT', rcode, answers, timeMs: null},
        ])
        assert.deepEqual(
          releases.map((entry) => entry.release),
          [recording.version],
          JSON.stringify(recording.versionBind),
        )
      }
    })
  }
})
