// The DNS server's own word on its release (analyse/dns-server/release.ts): which Corefiles make the live check ask
// `version.bind. CH TXT`, how the answers are read, and what they change in the profile. The answer's shape is
// CoreDNS's (plugin/chaos/setup.go: caddy.AppName + "-" + caddy.AppVersion, i.e. "CoreDNS-1.11.3"; chaos.go answers
// TXT in class CH, TTL 0), recorded from a real CoreDNS in fixtures/dig/version-bind-chaos.yaml and, for every
// release of the DNS tier, in test/dns/recordings/*-kubeadm-chaos.json.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {profileFromCorefile} from '../../src/analyse/dns-server/detect.js'
import {
  namedReleases,
  releaseQuestions,
  serverReleases,
  VERSION_QUESTION,
  withServerReleases,
} from '../../src/analyse/dns-server/release.js'
import {assumedProfile, kubeDnsProfile, type DnsProfile} from '../../src/analyse/dns-server/profile.js'
import type {QueryResult} from '../../src/model/dns.js'

const corefile = (plugins: string, extraBlocks = '') => `.:53 {
    errors
    ${plugins}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
}
${extraBlocks}`

const fromCorefile = (text: string) =>
  profileFromCorefile(text, {
    version: '1.11.3',
    source: 'deployment/kube-system/coredns image registry.k8s.io/coredns/coredns:v1.11.3',
    sourceKind: 'deployment',
  })

describe('answersVersionBind: whether the Corefile makes the server answer version.bind with its release', () => {
  const rows: Array<{name: string; source: string; text: string; expected: boolean}> = [
    {
      name: 'kubeadm: no chaos plugin, not asked',
      source: 'kubeadm cmd/kubeadm/app/phases/addons/dns/manifests.go CoreDNSConfigMap',
      text: corefile(''),
      expected: false,
    },
    {
      name: '`chaos` without arguments in the root block: "CoreDNS-<release>"',
      source: 'plugin/chaos/setup.go parse: no args -> chaosVersion',
      text: corefile('chaos'),
      expected: true,
    },
    {
      name: '`chaos VERSION`: a version of its own, which says nothing about the release',
      source: 'plugin/chaos/setup.go parse: one arg -> version = args[0]',
      text: corefile('chaos CoreDNS-001'),
      expected: false,
    },
    {
      name: 'chaos only in a block for another zone: version.bind. goes to the root block',
      source: 'core/dnsserver/server.go ServeDNS: longest matching zone',
      text: corefile('', 'example.org:53 {\n    chaos\n}\n'),
      expected: false,
    },
    {
      name: 'a block of its own for version.bind with chaos: it answers',
      source: 'core/dnsserver/server.go ServeDNS: longest matching zone',
      text: corefile('', 'version.bind:53 {\n    chaos\n}\n'),
      expected: true,
    },
    {
      name: 'chaos in the root block, but a version.bind block without it takes the name',
      source: 'core/dnsserver/server.go ServeDNS: longest matching zone',
      text: corefile('chaos', 'version.bind:53 {\n    whoami\n}\n'),
      expected: false,
    },
  ]
  for (const row of rows)
    it(`${row.name} (${row.source})`, () => {
      const profile = fromCorefile(row.text)
      assert.equal(profile.answersVersionBind ?? false, row.expected)
      assert.deepEqual(releaseQuestions(profile), row.expected ? [VERSION_QUESTION] : [])
    })

  it("behind NodeLocal DNSCache: not asked (the node's cache would forward it upstream, maybe to a timeout)", () => {
    const profile = fromCorefile(corefile('chaos'))
    const nodeLocal = {
      layer: 'node-local-dns' as const,
      successTtl: 30,
      denialTtl: 5,
      successDisabled: false,
      denialDisabled: false,
      source: 'configmap/kube-system/node-local-dns',
    }
    assert.deepEqual(releaseQuestions({...profile, caches: [...profile.caches, nodeLocal]}), [])
  })

  it('kube-dns, an assumed server and no profile: never asked (dnsmasq would answer with its own version)', () => {
    assert.deepEqual(releaseQuestions(kubeDnsProfile('cluster.local', '1.26.7', 'test', 'deployment')), [])
    assert.deepEqual(releaseQuestions(assumedProfile('cluster.local')), [])
    assert.deepEqual(releaseQuestions(undefined), [])
  })
})

const answer = (server: string, text: string | null, rcode: QueryResult['rcode'] = 'NOERROR'): QueryResult => ({
  server,
  name: 'version.bind.',
  type: 'TXT',
  rcode,
  answers: text === null ? [] : [{type: 'TXT', ttl: 0, data: text}],
  timeMs: 1,
})

describe('serverReleases: each server answer, and the release it names', () => {
  it('reads "CoreDNS-X.Y.Z" (quoted as dig prints TXT data); keeps text naming none; drops failures and other questions', () => {
    const queries: QueryResult[] = [
      answer('nameserver', '"CoreDNS-1.11.3"'),
      answer('coredns-a', '"CoreDNS-v1.12.0"'),
      answer('coredns-b', '"CoreDNS-001"'),
      answer('coredns-c', null, 'REFUSED'),
      answer('coredns-d', null, 'TIMEOUT'),
      answer('coredns-e', null),
      {...answer('nameserver', '"CoreDNS-1.11.3"'), name: 'web.default.svc.cluster.local.', type: 'A'},
    ]
    assert.deepEqual(serverReleases(queries), [
      {server: 'nameserver', answer: '"CoreDNS-1.11.3"', release: '1.11.3'},
      {server: 'coredns-a', answer: '"CoreDNS-v1.12.0"', release: '1.12.0'},
      {server: 'coredns-b', answer: '"CoreDNS-001"', release: null},
    ])
    assert.deepEqual(namedReleases(serverReleases(queries)), ['1.11.3', '1.12.0'])
  })
})

describe('withServerReleases: what the answers change in the profile', () => {
  const TAGGED: DnsProfile = {
    ...assumedProfile('cluster.local'),
    version: '1.12.0',
    source: 'deployment/kube-system/coredns image mirror.example/coredns:v1.12.0',
    sourceKind: 'deployment',
    answersVersionBind: true,
  }
  const said = (...releases: Array<[string, string]>) =>
    releases.map(([server, release]) => ({server, answer: `"CoreDNS-${release}"`, release}))
  const rows: Array<{
    name: string
    profile: DnsProfile
    answers: ReturnType<typeof said>
    flag?: string
    expected: DnsProfile
  }> = [
    {name: 'no answers: unchanged', profile: TAGGED, answers: [], expected: TAGGED},
    {
      name: "every server names the tag's release: confirmed",
      profile: TAGGED,
      answers: said(['nameserver', '1.12.0'], ['coredns-a', '1.12.0']),
      expected: {
        ...TAGGED,
        source: `${TAGGED.source}; release confirmed by version.bind`,
        serverReleases: said(['nameserver', '1.12.0'], ['coredns-a', '1.12.0']),
      },
    },
    {
      name: 'every server names another release than the tag: the servers decide, and the note says so',
      profile: TAGGED,
      answers: said(['nameserver', '1.11.3'], ['coredns-a', '1.11.3']),
      expected: {
        ...TAGGED,
        version: '1.11.3',
        sourceKind: 'server',
        source: `${TAGGED.source}; release 1.11.3 from version.bind`,
        notes: ['the image tag says 1.12.0, the servers answer version.bind with 1.11.3: records predicted for 1.11.3'],
        serverReleases: said(['nameserver', '1.11.3'], ['coredns-a', '1.11.3']),
      },
    },
    {
      name: 'a release the tag did not give (no tag): taken from the servers',
      profile: {...TAGGED, version: null},
      answers: said(['coredns-a', '1.11.3']),
      expected: {
        ...TAGGED,
        version: '1.11.3',
        sourceKind: 'server',
        source: `${TAGGED.source}; release 1.11.3 from version.bind`,
        notes: ["release 1.11.3 from the servers' version.bind answers"],
        serverReleases: said(['coredns-a', '1.11.3']),
      },
    },
    {
      name: "--dns-version given: the flag is kept, the servers' answer noted",
      profile: TAGGED,
      answers: said(['coredns-a', '1.11.3']),
      flag: 'v1.12.0',
      expected: {
        ...TAGGED,
        notes: ['the servers answer version.bind with release 1.11.3; --dns-version v1.12.0 kept'],
        serverReleases: said(['coredns-a', '1.11.3']),
      },
    },
    {
      name: 'servers naming different releases (a rollout): the release stays, the note names each answer',
      profile: TAGGED,
      answers: said(['nameserver', '1.11.3'], ['coredns-a', '1.11.3'], ['coredns-b', '1.12.0']),
      expected: {
        ...TAGGED,
        notes: [
          'the DNS servers answer different releases (nameserver "CoreDNS-1.11.3", coredns-a "CoreDNS-1.11.3", coredns-b "CoreDNS-1.12.0"): a rollout in progress or a stale replica; records predicted for 1.12.0',
        ],
        serverReleases: said(['nameserver', '1.11.3'], ['coredns-a', '1.11.3'], ['coredns-b', '1.12.0']),
      },
    },
  ]
  for (const row of rows)
    it(row.name, () => assert.deepEqual(withServerReleases(row.profile, row.answers, row.flag), row.expected))

  it('an answer naming no release: a note, nothing else changes', () => {
    const answers = [{server: 'coredns-a', answer: '"my-dns"', release: null}]
    assert.deepEqual(withServerReleases(TAGGED, answers, undefined), {
      ...TAGGED,
      notes: ['version.bind names no CoreDNS release (coredns-a "my-dns")'],
      serverReleases: answers,
    })
  })
})
