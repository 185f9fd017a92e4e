// `--from` with the live check: the static NetworkPolicy verdicts beside the evidence from the client pod's own
// network namespace (analyse/client-live.ts). Each row: policies, what the client's TCP connects and nameserver
// saw, and the whole client evidence and the findings the report then carries.
//
// What a connect says, and why (the rule each row relies on):
// - NetworkPolicy is enforced by the network plugin; "Network policies are implemented by the network plugin ...
//   Creating a NetworkPolicy resource without a controller that implements it will have no effect"
//   (https://kubernetes.io/docs/concepts/services-networking/network-policies/#prerequisites): a connect accepted
//   against a deny verdict is a plugin that does not enforce it.
// - The reference implementation (sigs.k8s.io/kube-network-policies v0.8.0, pkg/networkpolicy/controller.go) queues
//   the first packet of a connection and answers NF_DROP when no policy allows it: the client sees a timeout, not a
//   refusal. A refusal (RST) means the address was reached and nothing listened: it decides nothing about policy.
// - kube-proxy sends a ClusterIP connect to one ready endpoint, on the endpoint port named like the service port
//   (https://kubernetes.io/docs/reference/networking/virtual-ips/), so the ClusterIP's verdict is the endpoints'
//   when they all have the same one.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {KubeObject, Service} from '../../src/model/k8s.js'
import type {ClientSection, ClusterObjects, ServiceReport} from '../../src/model/report.js'
import type {DnsServer, QueryResult, ReachResult, TransportCheck} from '../../src/dns/types.js'
import {buildReport, resolverUnavailable} from '../../src/analyse/report.js'
import {applyDnsObservation, questionsFor} from '../../src/analyse/dns-diff.js'
import {
  applyClientLive,
  EPHEMERAL_NOTE,
  liveAgrees,
  lookupQuestions,
  resolvConfDifferences,
} from '../../src/analyse/client-live.js'
import {clientFromObjects} from '../../src/app/client.js'
import {renderReportTable} from '../../src/render/report-table.js'
import {Chalk} from 'chalk'
import {controllerSlices} from './recorded.js'
import {clientWorld} from './client-world.js'
import {clusterIP, port} from './factories.js'

const {web, webPod, frontend, coredns} = clientWorld('10.96.0.20')
const kubeDns: Service = {
  ...clusterIP('kube-dns', '10.96.0.10', [port('dns', 53, 'UDP', 53)]),
  metadata: {name: 'kube-dns', namespace: 'kube-system'},
}

const policy = (name: string, spec: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {name, namespace: 'default'},
    spec,
  }) as KubeObject
const DENY_WEB_INGRESS = policy('deny-web', {podSelector: {matchLabels: {app: 'web'}}, policyTypes: ['Ingress']})
const DENY_FRONTEND_EGRESS = policy('deny-out', {
  podSelector: {matchLabels: {app: 'frontend'}},
  policyTypes: ['Egress'],
})
/** Egress to the DNS pod on UDP 53 only, and to web on 8080. */
const UDP_DNS_ONLY = policy('udp-dns', {
  podSelector: {matchLabels: {app: 'frontend'}},
  policyTypes: ['Egress'],
  egress: [
    {to: [{ipBlock: {cidr: '10.244.0.2/32'}}], ports: [{protocol: 'UDP', port: 53}]},
    {to: [{podSelector: {matchLabels: {app: 'web'}}}], ports: [{port: 8080}]},
  ],
})

const NAMESERVER: DnsServer = {label: 'nameserver', address: '10.96.0.10', port: 53, replica: false}
const REPLICA: DnsServer = {label: 'coredns-1', address: '10.244.0.2', port: 53, replica: true}
const CONTAINER = 'svc-inspect-1a2b3'

interface Seen {
  endpoint: ReachResult['state']
  clusterIP: ReachResult['state']
  /** Per server: its transport check, or 'unreachable' (the batch skipped it: every question timed out). */
  dns: Pick<TransportCheck, 'tcp' | 'udp'> | 'unreachable'
  nameserver?: string
}

/** Each server's transport check as the batch reports it; none for a server it skipped as unreachable. */
const transports = (dns: Seen['dns'], servers: DnsServer[]): TransportCheck[] =>
  dns === 'unreachable' ? [] : servers.map((server) => ({server: server.label, ...dns}))

/** The report `inspect --from frontend-a` builds: buildReport, the live diff, the static client view, the evidence. */
function run(policies: KubeObject[], seen: Seen): ServiceReport {
  const objects: ClusterObjects = {
    services: [web, kubeDns],
    endpointSlices: controllerSlices(web, [webPod]),
    endpoints: [],
    pods: [webPod, frontend, coredns],
    events: [],
    configMaps: [],
    networkPolicies: policies,
    namespaces: [],
  }
  const report = buildReport({
    service: web,
    endpointSlices: objects.endpointSlices,
    pods: [webPod, frontend],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
  const nameserver = {...NAMESERVER, address: seen.nameserver ?? NAMESERVER.address}
  const answers = (server: DnsServer): QueryResult[] =>
    questionsFor(report).map(({name, type}) => {
      if (seen.dns === 'unreachable')
        return {
          server: server.label,
          name,
          type,
          rcode: 'TIMEOUT',
          answers: [],
          timeMs: null,
          error: 'no answer to a probe query; server skipped',
        }
      const records = report.records.filter((record) => record.name === name && record.type === type)
      return {
        server: server.label,
        name,
        type,
        rcode: records.length > 0 ? 'NOERROR' : 'NXDOMAIN',
        answers: records.map((record) => ({type, ttl: 30, data: record.data})),
        timeMs: 1,
        transport: seen.dns.tcp ? 'TCP' : 'UDP',
      }
    })
  const live = applyDnsObservation(report, {
    via: 'pod',
    servers: [nameserver, REPLICA],
    queries: [...answers(nameserver), ...answers(REPLICA)],
    reachability: [
      {address: '10.96.0.20', port: 80, role: 'clusterIP', protocol: 'TCP', state: seen.clusterIP},
      {address: '10.244.0.5', port: 8080, role: 'endpoint', protocol: 'TCP', state: seen.endpoint},
    ],
    transports: transports(seen.dns, [nameserver, REPLICA]),
    resolver: {
      pod: 'default/frontend-a',
      ephemeralContainer: CONTAINER,
      image: 'localhost/svc-inspect/resolver:v1',
      created: true,
      nameserver: nameserver.address,
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    },
    timings: {queryMs: 5},
    problems: [],
  })
  return applyClientLive(clientFromObjects(objects, live, {target: 'frontend-a'}), '10.96.0.10')
}

const RESOLVER = {
  nameserver: '10.96.0.10',
  search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
  options: ['ndots:5'],
}

/** The client section without the static summaries (tested with the evaluator in netpol.test.ts). */
const evidence = (client: ClientSection | undefined) => ({
  paths: client?.paths.map(({summary: _summary, ...path}) => path),
  dnsAllowed: client?.dnsAllowed,
  live: client?.live,
})
/** Findings of the rows' concern: the disagreements, and the live findings about dropped traffic, with their hints. */
const concerned = (report: ServiceReport) =>
  report.findings
    .filter((finding) =>
      /^(LiveEvidenceDisagrees|PortUnreachable|DNSTimeout|DNSTransportUnanswered)$/.test(finding.code),
    )
    .map((finding) => `${finding.code} ${finding.object}: ${finding.hint}`)

const POLICY_PORT_HINT =
  "a NetworkPolicy drops the client's connection (see NetworkPolicyBlocksIngress/Egress): the timeout is the policy, not the pod"
const POLICY_DNS_HINT =
  "the client's NetworkPolicies drop its DNS traffic (NetworkPolicyBlocksDns): these queries were dropped on the way, the server never saw them"
const NOT_ENFORCED_HINT =
  "the cluster's network plugin does not enforce NetworkPolicy on this path (not every plugin implements it), or a policy changed since it was read"

describe('liveAgrees: what a TCP connect says about a policy verdict', () => {
  for (const [allowed, state, expected] of [
    [true, 'open', true],
    [false, 'open', false], // accepted although denied: not enforced
    [false, 'timeout', true], // kube-network-policies drops: a timeout
    [true, 'timeout', false],
    [true, 'refused', undefined], // reached, nothing listens (or a rejecting plugin): decides nothing
    [false, 'refused', undefined],
    [true, 'error', undefined],
  ] as const) {
    it(`${allowed ? 'allowed' : 'denied'} + ${state} -> ${String(expected)}`, () => {
      assert.equal(liveAgrees(allowed, state), expected)
    })
  }
})

describe('applyClientLive: static verdicts and live evidence side by side', () => {
  it('no policy, everything connects and DNS answers both ways: all agree, nothing to report', () => {
    const out = run([], {endpoint: 'open', clusterIP: 'open', dns: {tcp: true, udp: true}})
    assert.deepEqual(evidence(out.client), {
      paths: [{endpoint: '10.244.0.5', port: 8080, protocol: 'TCP', allowed: true, live: 'open', agrees: true}],
      dnsAllowed: {udp: true, tcp: true},
      live: {
        container: CONTAINER,
        image: 'localhost/svc-inspect/resolver:v1',
        note: EPHEMERAL_NOTE,
        resolver: {...RESOLVER, agrees: true},
        dns: {nameserver: '10.96.0.10', udp: true, tcp: true, agrees: true},
        clusterIPs: [{address: '10.96.0.20', port: 80, state: 'open', allowed: true, agrees: true}],
      },
    })
    assert.deepEqual(concerned(out), [])
  })

  it("ingress default deny on the Service's pods, and the connects time out: they agree, and the timeouts name the policy", () => {
    const out = run([DENY_WEB_INGRESS], {endpoint: 'timeout', clusterIP: 'timeout', dns: {tcp: true, udp: true}})
    assert.deepEqual(evidence(out.client).paths, [
      {endpoint: '10.244.0.5', port: 8080, protocol: 'TCP', allowed: false, live: 'timeout', agrees: true},
    ])
    assert.deepEqual(evidence(out.client).live?.clusterIPs, [
      {address: '10.96.0.20', port: 80, state: 'timeout', allowed: false, agrees: true},
    ])
    assert.deepEqual(concerned(out), [
      `PortUnreachable service/web: ${POLICY_PORT_HINT}`,
      `PortUnreachable endpoint/10.244.0.5: ${POLICY_PORT_HINT}`,
    ])
  })

  it('ingress default deny, yet the connects are accepted: LiveEvidenceDisagrees (the plugin does not enforce it)', () => {
    const out = run([DENY_WEB_INGRESS], {endpoint: 'open', clusterIP: 'open', dns: {tcp: true, udp: true}})
    assert.deepEqual(evidence(out.client).paths, [
      {endpoint: '10.244.0.5', port: 8080, protocol: 'TCP', allowed: false, live: 'open', agrees: false},
    ])
    assert.deepEqual(
      out.findings.filter((finding) => finding.code === 'LiveEvidenceDisagrees').map((finding) => finding.message),
      [
        "10.244.0.5:8080/TCP: the NetworkPolicies deny this connection, yet from the client's network namespace it was accepted",
        "ClusterIP 10.96.0.20:80/TCP: the NetworkPolicies deny this connection, yet from the client's network namespace it was accepted",
      ],
    )
    assert.deepEqual(concerned(out), [
      `LiveEvidenceDisagrees pod/default/frontend-a: ${NOT_ENFORCED_HINT}`,
      `LiveEvidenceDisagrees pod/default/frontend-a: ${NOT_ENFORCED_HINT}`,
    ])
  })

  it("no policy, yet the connects time out: LiveEvidenceDisagrees, and PortUnreachable keeps its own hint (it is not a policy's)", () => {
    const out = run([], {endpoint: 'timeout', clusterIP: 'open', dns: {tcp: true, udp: true}})
    assert.deepEqual(
      out.findings
        .filter((finding) => /^(LiveEvidenceDisagrees|PortUnreachable)$/.test(finding.code))
        .map((finding) => `${finding.code}: ${finding.message}`),
      [
        'PortUnreachable: ready endpoint 10.244.0.5:8080/TCP is timeout',
        "LiveEvidenceDisagrees: 10.244.0.5:8080/TCP: the NetworkPolicies allow this connection, yet from the client's network namespace it was dropped (timeout)",
      ],
    )
    assert.equal(
      out.findings.find((finding) => finding.code === 'PortUnreachable')?.hint,
      'the pod is ready but nothing listens on this port: check targetPort against the port the application listens on',
    )
  })

  it('a refused connect decides nothing about the policy: no agreement claimed either way', () => {
    const out = run([DENY_WEB_INGRESS], {endpoint: 'refused', clusterIP: 'refused', dns: {tcp: true, udp: true}})
    assert.deepEqual(evidence(out.client).paths, [
      {endpoint: '10.244.0.5', port: 8080, protocol: 'TCP', allowed: false, live: 'refused'},
    ])
    assert.deepEqual(evidence(out.client).live?.clusterIPs, [
      {address: '10.96.0.20', port: 80, state: 'refused', allowed: false},
    ])
    assert.deepEqual(
      out.findings.filter((finding) => finding.code === 'LiveEvidenceDisagrees'),
      [],
    )
  })

  it("the client's egress denies everything, DNS included, and its nameserver was skipped as unreachable: they agree", () => {
    const out = run([DENY_FRONTEND_EGRESS], {endpoint: 'timeout', clusterIP: 'timeout', dns: 'unreachable'})
    assert.deepEqual(evidence(out.client), {
      paths: [{endpoint: '10.244.0.5', port: 8080, protocol: 'TCP', allowed: false, live: 'timeout', agrees: true}],
      dnsAllowed: {udp: false, tcp: false},
      live: {
        container: CONTAINER,
        image: 'localhost/svc-inspect/resolver:v1',
        note: EPHEMERAL_NOTE,
        resolver: {...RESOLVER, agrees: true},
        dns: {nameserver: '10.96.0.10', udp: false, tcp: false, agrees: true},
        clusterIPs: [{address: '10.96.0.20', port: 80, state: 'timeout', allowed: false, agrees: true}],
      },
    })
    assert.deepEqual(concerned(out), [
      `DNSTimeout service/web: ${POLICY_DNS_HINT}`,
      `DNSTimeout pod/kube-system/coredns-1: ${POLICY_DNS_HINT}`,
      `PortUnreachable service/web: ${POLICY_PORT_HINT}`,
      `PortUnreachable endpoint/10.244.0.5: ${POLICY_PORT_HINT}`,
    ])
    assert.ok(out.findings.some((finding) => finding.code === 'NetworkPolicyBlocksDns'))
  })

  it('egress allows DNS on UDP 53 only, and TCP 53 goes unanswered: they agree, and only the TCP finding names the policy', () => {
    const out = run([UDP_DNS_ONLY], {endpoint: 'open', clusterIP: 'open', dns: {tcp: false, udp: true}})
    assert.deepEqual(evidence(out.client).dnsAllowed, {udp: true, tcp: false})
    assert.deepEqual(evidence(out.client).live?.dns, {nameserver: '10.96.0.10', udp: true, tcp: false, agrees: true})
    assert.deepEqual(
      out.findings
        .filter((finding) => finding.code === 'DNSTransportUnanswered')
        .map((finding) => [finding.object, finding.hint === POLICY_DNS_HINT]),
      [
        ['service/web', true],
        ['pod/kube-system/coredns-1', true],
      ],
    )
  })

  it('egress denies DNS, yet the nameserver answers both ways: LiveEvidenceDisagrees on DNS', () => {
    const out = run([DENY_FRONTEND_EGRESS], {endpoint: 'timeout', clusterIP: 'timeout', dns: {tcp: true, udp: true}})
    assert.deepEqual(evidence(out.client).live?.dns, {nameserver: '10.96.0.10', udp: true, tcp: true, agrees: false})
    assert.deepEqual(
      out.findings.filter((finding) => finding.code === 'LiveEvidenceDisagrees').map((finding) => finding.message),
      [
        "DNS to 10.96.0.10: the NetworkPolicies say UDP denied, TCP denied; from the client's network namespace it was UDP answered, TCP answered",
      ],
    )
  })

  it('a client whose nameserver is not the cluster DNS (its own dnsConfig): the DNS evidence is shown, no agreement claimed', () => {
    const out = run([], {endpoint: 'open', clusterIP: 'open', dns: {tcp: true, udp: true}, nameserver: '10.96.0.53'})
    assert.deepEqual(evidence(out.client).live?.dns, {nameserver: '10.96.0.53', udp: true, tcp: true})
    assert.deepEqual(evidence(out.client).live?.resolver, {...RESOLVER, nameserver: '10.96.0.53', agrees: false})
    // The pod's spec gives the cluster DNS: a resolv.conf naming another server is said so.
    assert.deepEqual(
      out.findings.filter((finding) => finding.code === 'LiveEvidenceDisagrees').map((finding) => finding.message),
      [
        "the client's resolv.conf is not what the kubelet writes for its spec (dnsPolicy ClusterFirst): nameserver 10.96.0.53, predicted 10.96.0.10",
      ],
    )
  })

  it('no live check (ephemeral containers refused): the static verdicts stand, and the section says why there is no evidence', () => {
    const objects: ClusterObjects = {
      services: [web, kubeDns],
      endpointSlices: controllerSlices(web, [webPod]),
      endpoints: [],
      pods: [webPod, frontend, coredns],
      events: [],
      configMaps: [],
      networkPolicies: [],
      namespaces: [],
    }
    const report = resolverUnavailable(
      buildReport({
        service: web,
        endpointSlices: objects.endpointSlices,
        pods: [webPod, frontend],
        events: [],
        clusterDomain: {value: 'cluster.local', source: 'flag'},
        readProblems: [],
      }),
      'may not add an ephemeral container to pod default/frontend-a: Forbidden: no',
      'a hint',
    )
    const out = applyClientLive(clientFromObjects(objects, report, {target: 'frontend-a'}), '10.96.0.10')
    assert.deepEqual(out.client?.live, {
      note: 'no ephemeral container was added to the pod',
      unavailable:
        'live DNS check skipped: may not add an ephemeral container to pod default/frontend-a: Forbidden: no',
      clusterIPs: [],
    })
    assert.deepEqual(
      out.findings.map((finding) => [finding.code, finding.severity, finding.hint]),
      [['ResolverUnavailable', 'warning', 'a hint']],
    )
  })
})

describe('the table: the FROM section', () => {
  it('each path with its static verdict, what the client saw and whether they agree; resolv.conf; the note', () => {
    const out = run([DENY_WEB_INGRESS], {endpoint: 'timeout', clusterIP: 'timeout', dns: {tcp: false, udp: true}})
    const table = renderReportTable(out, {wide: false, palette: new Chalk({level: 0})})
    const section = table.slice(table.indexOf('FROM '), table.indexOf('\n\n', table.indexOf('FROM ')))
    assert.equal(
      section,
      [
        `FROM pod/default/frontend-a (live: ephemeral container ${CONTAINER})`,
        'TARGET                KIND        STATIC    LIVE         AGREE',
        '10.244.0.5:8080/TCP   endpoint    denied    timeout      yes',
        '10.96.0.20:80/TCP     ClusterIP   denied    timeout      yes',
        '10.96.0.10:53/UDP     DNS         allowed   answered     yes',
        '10.96.0.10:53/TCP     DNS         allowed   unanswered   NO',
        'resolv.conf: nameserver 10.96.0.10; search default.svc.cluster.local svc.cluster.local cluster.local; options ndots:5',
        `note: ${EPHEMERAL_NOTE}`,
      ].join('\n'),
    )
  })
})

describe("resolvConfDifferences: the client's resolv.conf as read against the one predicted from its spec", () => {
  // Predictions as client-dns.ts's podResolver writes them (kubelet pkg/kubelet/network/dns/dns.go).
  const clusterFirst = {
    dnsPolicy: 'ClusterFirst',
    base: 'cluster' as const,
    nameservers: ['10.96.0.10'],
    searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', "<node's search domains>"],
    options: ['ndots:5'],
    ndots: 5,
    assumptions: [],
  }
  const withDnsConfig = {
    ...clusterFirst,
    searches: [...clusterFirst.searches, 'corp.example'],
    options: ['ndots:1'],
    ndots: 1,
  }
  const rows: Array<{
    name: string
    predicted: typeof clusterFirst
    seen: {nameserver: string | null; search: string[]; options: string[]}
    accepted?: string[]
    differences: string[]
  }> = [
    {
      name: 'ClusterFirst on a node without search domains of its own: the same',
      predicted: clusterFirst,
      seen: {
        nameserver: '10.96.0.10',
        search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
        options: ['ndots:5'],
      },
      differences: [],
    },
    {
      name: "the node's own search domains where the placeholder stands, then the pod's dnsConfig ones: the same",
      predicted: withDnsConfig,
      seen: {
        nameserver: '10.96.0.10',
        search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'ec2.internal', 'corp.example'],
        options: ['ndots:1'],
      },
      differences: [],
    },
    {
      name: 'another nameserver and a missing search domain: each named (no ndots option is ndots:1, as predicted)',
      predicted: withDnsConfig,
      seen: {nameserver: '10.0.0.2', search: ['shop.svc.cluster.local', 'svc.cluster.local'], options: []},
      differences: [
        'nameserver 10.0.0.2, predicted 10.96.0.10',
        "search shop.svc.cluster.local svc.cluster.local, predicted shop.svc.cluster.local svc.cluster.local cluster.local <node's search domains> corp.example",
      ],
    },
    {
      name: 'ndots differs: named',
      predicted: clusterFirst,
      seen: {
        nameserver: '10.96.0.10',
        search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
        options: ['ndots:2'],
      },
      differences: ['ndots:2, predicted ndots:5'],
    },
    {
      name: "NodeLocal DNSCache's link-local address as the nameserver: accepted when the profile has that cache",
      predicted: clusterFirst,
      seen: {
        nameserver: '169.254.20.10',
        search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
        options: ['ndots:5'],
      },
      accepted: ['169.254.20.10'],
      differences: [],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(resolvConfDifferences(row.predicted, row.seen, row.accepted), row.differences)
    })
})

describe("the client's own lookup, asked from the client pod", () => {
  const base = run([], {endpoint: 'open', clusterIP: 'open', dns: {tcp: true, udp: true}})
  const lookup = {
    name: 'web',
    given: true,
    port: null,
    tries: [
      {name: 'web.front.svc.cluster.local.', answer: 'other' as const, note: 'no such Service expected'},
      {name: 'web.default.svc.cluster.local.', answer: 'records' as const},
    ],
    answeredBy: 'web.default.svc.cluster.local.',
    dials: 'ClusterIP 10.96.0.20:80/TCP',
  }
  const answer = (name: string, rcode: QueryResult['rcode'], data: string[]): QueryResult => ({
    server: 'nameserver',
    name,
    type: 'A',
    rcode,
    answers: data.map((value) => ({type: 'A', ttl: 5, data: value})),
    timeMs: 1,
  })
  const withLookup = (queries: QueryResult[]): ServiceReport => ({
    ...base,
    findings: [],
    client: {...base.client!, live: undefined, lookup},
    dns: {
      ...base.dns!,
      queries: [...base.dns!.queries.filter((query) => query.name !== lookup.answeredBy), ...queries],
    },
  })

  it('the names asked: each try as an A question, none built from the node search domains', () => {
    assert.deepEqual(
      lookupQuestions(base, {
        ...lookup,
        tries: [...lookup.tries, {name: "web.<node's search domains>", answer: 'unknown'}],
      }),
      [
        {name: 'web.front.svc.cluster.local.', type: 'A'},
        {name: 'web.default.svc.cluster.local.', type: 'A'},
      ],
    )
  })

  it('as predicted (the first NXDOMAIN, the second with records): each try carries its answer, nothing to report', () => {
    const out = applyClientLive(
      withLookup([
        answer('web.front.svc.cluster.local.', 'NXDOMAIN', []),
        answer('web.default.svc.cluster.local.', 'NOERROR', ['10.96.0.20']),
      ]),
      '10.96.0.10',
    )
    assert.deepEqual(
      out.client!.lookup!.tries.map((entry) => [entry.name, entry.live]),
      [
        ['web.front.svc.cluster.local.', {rcode: 'NXDOMAIN', records: 0}],
        ['web.default.svc.cluster.local.', {rcode: 'NOERROR', records: 1}],
      ],
    )
    assert.deepEqual(
      out.findings.filter((finding) => finding.code === 'LiveEvidenceDisagrees'),
      [],
    )
  })

  it('a name tried first answers (another Service of that name in the client namespace): LiveEvidenceDisagrees', () => {
    const out = applyClientLive(
      withLookup([
        answer('web.front.svc.cluster.local.', 'NOERROR', ['10.96.7.7']),
        answer('web.default.svc.cluster.local.', 'NOERROR', ['10.96.0.20']),
      ]),
      '10.96.0.10',
    )
    assert.deepEqual(
      out.findings.filter((finding) => finding.code === 'LiveEvidenceDisagrees').map((finding) => finding.message),
      [
        '"web" from the client: web.front.svc.cluster.local. answered first (its nameserver 10.96.0.10), predicted web.default.svc.cluster.local.',
      ],
    )
  })

  it('timeouts decide nothing (DNS may be dropped by a policy): no disagreement claimed', () => {
    const out = applyClientLive(
      withLookup([
        answer('web.front.svc.cluster.local.', 'TIMEOUT', []),
        answer('web.default.svc.cluster.local.', 'TIMEOUT', []),
      ]),
      '10.96.0.10',
    )
    assert.ok(!out.findings.some((finding) => finding.code === 'LiveEvidenceDisagrees'))
  })
})
