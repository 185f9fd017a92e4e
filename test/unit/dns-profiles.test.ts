// Expected records under each DNS server profile: one table per option or release that changes answers, like
// CoreDNS's handler_*_test.go files. Each row lists the full record set and the names that must not resolve.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {EndpointSlice, Service} from '../../src/model/k8s.js'
import {expectedRecords} from '../../src/analyse/expected-records.js'
import {endpointsFromSlices, slicesOfService} from '../../src/analyse/endpoints.js'
import {assumedProfile, kubeDnsProfile, type DnsProfile} from '../../src/analyse/dns-server/profile.js'
import {dnsServerLine} from '../../src/analyse/dns-server/section.js'
import type {DnsServerSection} from '../../src/model/report.js'
import {clusterIP, endpoint, epPort, headless, port, rr, slice, svcName, NS} from './factories.js'

const coredns = (version: string | null, options: Partial<DnsProfile['kubernetes']> = {}): DnsProfile => {
  const base = assumedProfile('cluster.local')
  return {...base, version, kubernetes: {...base.kubernetes, ...options}}
}

interface Row {
  name: string
  cite: string
  profile: DnsProfile
  svc: Service
  slices: EndpointSlice[]
  want: string[]
  absent?: string[]
}

const hd = svcName('hdls')
const web = svcName('web')
const PTR4 = (a: string) => `${a.split('.').reverse().join('.')}.in-addr.arpa.`

const twoPods = [
  slice('hdls', [
    endpoint('10.244.1.5', {pod: 'hdls-a'}),
    endpoint('10.244.1.6', {pod: 'hdls-b', hostname: 'db-0'}),
    endpoint('10.244.1.7', {pod: 'hdls-c', ready: false}),
  ]),
]

const rows: Row[] = [
  {
    name: 'endpoint_pod_names: an endpoint without hostname is named by its pod; the hostname still wins',
    cite: 'CoreDNS kubernetes.go endpointHostname (endpointNameMode); dns-field.md section 1 "Endpoint label"',
    profile: coredns('1.11.3', {endpointPodNames: true}),
    svc: headless('hdls'),
    slices: twoPods,
    want: [
      `${hd} A 10.244.1.5`,
      `${hd} A 10.244.1.6`,
      `hdls-a.${hd} A 10.244.1.5`,
      `db-0.${hd} A 10.244.1.6`,
      `_http._tcp.${hd} SRV 0 50 8080 hdls-a.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 db-0.${hd}`,
      `${hd} SRV 0 50 8080 hdls-a.${hd}`,
      `${hd} SRV 0 50 8080 db-0.${hd}`,
      `${PTR4('10.244.1.5')} PTR hdls-a.${hd}`,
      `${PTR4('10.244.1.6')} PTR db-0.${hd}`,
    ],
    absent: [`hdls-c.${hd}`],
  },
  {
    name: 'endpoint_pod_names with a pod name of 64 characters: that endpoint keeps its dashed name',
    cite: 'CoreDNS object/endpoint.go EndpointSliceToEndpoints (len(TargetRef.Name) < 64, #4908 in 1.8.6)',
    profile: coredns('1.11.3', {endpointPodNames: true}),
    svc: headless('hdls'),
    slices: [
      slice('hdls', [
        endpoint('10.244.1.5', {pod: 'pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp'}),
      ]),
    ],
    want: [
      `${hd} A 10.244.1.5`,
      `10-244-1-5.${hd} A 10.244.1.5`,
      `_http._tcp.${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
    ],
  },
  {
    name: 'CoreDNS 1.12.0: endpoint PTRs only for endpoints with a hostname',
    cite: 'CoreDNS #6898 (v1.11.4, v1.12.0 reverse.go), reverted in v1.12.1 #7194; dns-field.md section 2',
    profile: coredns('1.12.0'),
    svc: headless('hdls'),
    slices: twoPods,
    want: [
      `${hd} A 10.244.1.5`,
      `${hd} A 10.244.1.6`,
      `10-244-1-5.${hd} A 10.244.1.5`,
      `db-0.${hd} A 10.244.1.6`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 db-0.${hd}`,
      `${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 50 8080 db-0.${hd}`,
      `${PTR4('10.244.1.6')} PTR db-0.${hd}`,
    ],
    absent: [`10-244-1-7.${hd}`],
  },
  {
    name: 'CoreDNS 1.12.1: the PTR of an endpoint without hostname is back, to its dashed name',
    cite: 'CoreDNS #7194 (v1.12.1 reverse.go)',
    profile: coredns('1.12.1'),
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.1.5')])],
    want: [
      `${hd} A 10.244.1.5`,
      `10-244-1-5.${hd} A 10.244.1.5`,
      `_http._tcp.${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
    ],
  },
  {
    name: 'CoreDNS before 1.12.3: an IPv6 address ending in "::" keeps its trailing dash',
    cite: 'CoreDNS #7431 (v1.12.3 endpointHostname appends "0")',
    profile: coredns('1.11.3'),
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('fd00:10:244:1::')])],
    want: [
      `${hd} AAAA fd00:10:244:1::`,
      `fd00-10-244-1--.${hd} AAAA fd00:10:244:1::`,
      `_http._tcp.${hd} SRV 0 100 8080 fd00-10-244-1--.${hd}`,
      `${hd} SRV 0 100 8080 fd00-10-244-1--.${hd}`,
      `0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa. PTR fd00-10-244-1--.${hd}`,
    ],
  },
  {
    name: 'ignore empty_service: a ClusterIP Service without a ready endpoint does not exist in DNS; its PTR stays',
    cite: 'CoreDNS kubernetes.go findServices ignoreEmptyService; handler_ignore_emptyservice_test.go; dns-field.md A',
    profile: coredns('1.11.3', {ignoreEmptyService: true}),
    svc: clusterIP('web', '10.96.0.10'),
    slices: [slice('web', [endpoint('10.244.1.5', {ready: false, pod: 'web-a'})])],
    want: [`${PTR4('10.96.0.10')} PTR ${web}`],
    absent: [web, `10-244-1-5.${web}`],
  },
  {
    name: 'noendpoints: headless names vanish, ClusterIP records stay',
    cite: 'CoreDNS setup.go noendpoints (no EndpointSlice watch); dns-field.md A',
    profile: coredns('1.11.3', {noEndpoints: true}),
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.1.5', {pod: 'hdls-a'})])],
    want: [],
    absent: [hd, `10-244-1-5.${hd}`],
  },
  {
    name: 'several zones: every record exists under each zone; PTRs name the first',
    cite: 'CoreDNS kubernetes.go (one zone per query), reverse.go primaryZone; dns-field.md A "several zones"',
    profile: coredns('1.11.3', {zones: ['cluster.local', 'other.test']}),
    svc: clusterIP('web', '10.96.0.10', [port('http', 80)]),
    slices: [],
    want: [
      `${web} A 10.96.0.10`,
      `web.${NS}.svc.other.test. A 10.96.0.10`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `${web} SRV 0 100 80 ${web}`,
      `_http._tcp.web.${NS}.svc.other.test. SRV 0 100 80 web.${NS}.svc.other.test.`,
      `web.${NS}.svc.other.test. SRV 0 100 80 web.${NS}.svc.other.test.`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
    ],
  },
  {
    name: 'kube-dns, headless: hashed labels for endpoints without hostname, priority 10, bare SRV on port 0, PTR only for the named one',
    cite: 'kubernetes/dns pkg/dns/dns.go generateRecordsForHeadlessService, util.GetSkyMsg; shared/fixtures/kube-dns-1.26.7.json; dns-field.md section 3',
    profile: kubeDnsProfile('cluster.local', '1.26.7', 'test', 'flag'),
    svc: headless('hdls'),
    slices: [
      slice(
        'hdls',
        [endpoint('10.0.0.1', {pod: 'hdls-a'}), endpoint('10.244.1.6', {hostname: 'db-0'})],
        [epPort('http', 8080)],
      ),
    ],
    want: [
      `${hd} A 10.0.0.1`,
      `${hd} A 10.244.1.6`,
      `3234633364383235.${hd} A 10.0.0.1`,
      `db-0.${hd} A 10.244.1.6`,
      `_http._tcp.${hd} SRV 10 50 8080 3234633364383235.${hd}`,
      `_http._tcp.${hd} SRV 10 50 8080 db-0.${hd}`,
      `${hd} SRV 10 50 0 3234633364383235.${hd}`,
      `${hd} SRV 10 50 0 db-0.${hd}`,
      `${PTR4('10.244.1.6')} PTR db-0.${hd}`,
    ],
  },
  {
    name: 'kube-dns, ClusterIP: the hashed name of the cluster IP, no per-endpoint names, bare SRV on port 0',
    cite: 'kubernetes/dns pkg/dns/dns.go newPortalService, addDNSUsingEndpoints returns early for ClusterIP; dns-field.md section 3',
    profile: kubeDnsProfile('cluster.local', '1.26.7', 'test', 'flag'),
    svc: clusterIP('web', '10.0.0.10', [port('http', 80)]),
    slices: [slice('web', [endpoint('10.244.1.5', {pod: 'web-a'})])],
    want: [
      `${web} A 10.0.0.10`,
      `32643961613639.${web} A 10.0.0.10`,
      `_http._tcp.${web} SRV 10 100 80 ${web}`,
      `${web} SRV 10 100 0 32643961613639.${web}`,
      `${PTR4('10.0.0.10')} PTR ${web}`,
    ],
  },
]

describe('expected records per DNS server profile', () => {
  for (const row of rows) {
    it(`${row.name} [${row.cite}]`, () => {
      const own = slicesOfService(row.slices, NS, row.svc.metadata.name)
      const out = expectedRecords(row.svc, endpointsFromSlices(own), 'cluster.local', row.profile, {
        endpointSlices: own,
      })
      assert.deepEqual(out.records.map(rr).sort(), [...row.want].sort())
      assert.deepEqual(out.mustNotResolve.map((absent) => absent.name).sort(), [...(row.absent ?? [])].sort())
    })
  }

  it('each record says whether the spec asks for it or only the server serves it', () => {
    const ownSlices = slicesOfService(twoPods, NS, 'hdls')
    const out = expectedRecords(headless('hdls'), endpointsFromSlices(ownSlices), 'cluster.local', coredns('1.11.3'), {
      endpointSlices: ownSlices,
    })
    const basis = Object.fromEntries(out.records.map((record) => [rr(record), record.basis]))
    assert.equal(basis[`${hd} A 10.244.1.5`], 'spec')
    assert.equal(basis[`db-0.${hd} A 10.244.1.6`], 'spec')
    // The name of a headless endpoint is the spec's (2.4.1); only its dashed form is CoreDNS's choice.
    assert.equal(basis[`10-244-1-5.${hd} A 10.244.1.5`], 'spec')
    assert.equal(basis[`${hd} SRV 0 50 8080 db-0.${hd}`], 'coredns')
    assert.equal(basis[`_http._tcp.${hd} SRV 0 50 8080 db-0.${hd}`], 'spec')
    assert.equal(basis[`${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`], 'spec')
    const own = slicesOfService([slice('web', [endpoint('10.244.2.5')])], NS, 'web')
    const clusterIPOut = expectedRecords(
      clusterIP('web', '10.96.0.10'),
      endpointsFromSlices(own),
      'cluster.local',
      coredns('1.11.3'),
      {endpointSlices: own},
    )
    const clusterIPBasis = Object.fromEntries(clusterIPOut.records.map((record) => [rr(record), record.basis]))
    assert.equal(clusterIPBasis[`10-244-2-5.${web} A 10.244.2.5`], 'coredns')
    assert.equal(clusterIPBasis[`${PTR4('10.244.2.5')} PTR 10-244-2-5.${web}`], 'coredns')
    assert.equal(clusterIPBasis[`${PTR4('10.96.0.10')} PTR ${web}`], 'spec')
  })
})

describe('the zones records are expected under', () => {
  it('a profile that does not serve the report zone (assumed, or another --cluster-domain) adds no zone of its own', () => {
    // No access to kube-system: the profile assumes cluster.local, the resolver pod's resolv.conf says e2e.test.
    const out = expectedRecords(clusterIP('web', '10.96.0.10', [port('http', 80)]), [], 'e2e.test', coredns(null))
    assert.deepEqual(out.records.map(rr).sort(), [
      `${PTR4('10.96.0.10')} PTR web.${NS}.svc.e2e.test.`,
      `_http._tcp.web.${NS}.svc.e2e.test. SRV 0 100 80 web.${NS}.svc.e2e.test.`,
      `web.${NS}.svc.e2e.test. A 10.96.0.10`,
      `web.${NS}.svc.e2e.test. SRV 0 100 80 web.${NS}.svc.e2e.test.`,
    ])
  })
})

describe('the DNS line of the table', () => {
  const section = (over: Partial<DnsServerSection>): DnsServerSection => ({
    implementation: 'coredns',
    version: '1.12.0',
    source: 'deployment/kube-system/coredns image registry.k8s.io/coredns/coredns:v1.12.0',
    assumed: false,
    zones: ['cluster.local'],
    ttl: 30,
    negativeTtl: 30,
    options: ['pods insecure', 'ttl 30', 'fallthrough in-addr.arpa ip6.arpa'],
    caches: [],
    mayChangeAnswers: [],
    notes: [],
    ...over,
  })
  const cache = {
    layer: 'coredns',
    successTtl: 30,
    denialTtl: 30,
    successDisabled: false,
    denialDisabled: false,
    source: 'x',
  }
  const rows: Array<[string, Partial<DnsServerSection>, string]> = [
    [
      'kubeadm with its cache',
      {caches: [cache]},
      'CoreDNS 1.12.0 (deployment/kube-system/coredns), zone cluster.local, ttl 30, cache 30 s',
    ],
    [
      'endpoint_pod_names, the newer kubeadm cache that skips the zone, NodeLocal DNSCache',
      {
        options: ['pods insecure', 'ttl 30', 'endpoint_pod_names'],
        caches: [
          {...cache, successDisabled: true, denialDisabled: true},
          {...cache, layer: 'node-local-dns', successTtl: 30, denialTtl: 5},
        ],
      },
      'CoreDNS 1.12.0 (deployment/kube-system/coredns), zone cluster.local, ttl 30, endpoint_pod_names, cache off for the zone, node-local-dns cache 30 s',
    ],
    [
      "the release every server answers to version.bind (here not the tag's): named as the witness",
      {
        version: '1.11.3',
        source: 'deployment/kube-system/coredns image mirror.example/coredns:v1.12.0; release 1.11.3 from version.bind',
        caches: [cache],
        serverReleases: [
          {server: 'nameserver', answer: '"CoreDNS-1.11.3"', release: '1.11.3'},
          {server: 'coredns-a', answer: '"CoreDNS-1.11.3"', release: '1.11.3'},
        ],
      },
      'CoreDNS 1.11.3 (deployment/kube-system/coredns, version.bind), zone cluster.local, ttl 30, cache 30 s',
    ],
    [
      'servers answering different releases (a rollout): both named',
      {
        serverReleases: [
          {server: 'coredns-a', answer: '"CoreDNS-1.11.3"', release: '1.11.3'},
          {server: 'coredns-b', answer: '"CoreDNS-1.12.0"', release: '1.12.0'},
        ],
      },
      'CoreDNS 1.12.0 (deployment/kube-system/coredns, servers answer 1.11.3, 1.12.0), zone cluster.local, ttl 30',
    ],
    [
      'kube-dns',
      {
        implementation: 'kube-dns',
        version: '1.26.7',
        source: 'deployment/kube-system/kube-dns image gke.gcr.io/k8s-dns-kube-dns:1.26.7',
        options: [],
      },
      'kube-dns 1.26.7 (deployment/kube-system/kube-dns), zone cluster.local',
    ],
    [
      'nothing read: assumed',
      {
        implementation: 'unknown',
        version: null,
        assumed: true,
        source: 'no DNS Deployment, DaemonSet or Corefile found',
      },
      'unknown DNS server (assumed), zone cluster.local, ttl 30',
    ],
  ]
  for (const [name, over, want] of rows) it(name, () => assert.equal(dnsServerLine(section(over)), want))
})
