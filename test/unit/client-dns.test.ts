// --from: the client's own resolver. Each row cites the rule it encodes: the kubelet's resolv.conf
// (kubernetes pkg/kubelet/network/dns/dns.go GetPodDNS, and the "Pod's DNS Policy" / "Pod's DNS Config" sections of
// https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/), the resolvers' search order (glibc
// resolv/res_query.c __res_context_search; musl src/network/lookup_name.c name_from_dns_search).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {Pod, PodDNSConfig, Service} from '../../src/model/k8s.js'
import type {ClientResolver, ServiceReport} from '../../src/model/report.js'
import {
  clientDns,
  NODE_NAMESERVERS,
  NODE_OPTIONS,
  NODE_SEARCHES,
  parseNameFlag,
  podResolver,
  resolverTries,
  type ClusterDns,
} from '../../src/analyse/client-dns.js'
import {buildReport} from '../../src/analyse/report.js'
import {clusterIP, endpoint, headless, port, slice} from './factories.js'

const CLUSTER: ClusterDns = {clusterDomain: 'cluster.local', serviceIPs: ['10.96.0.10'], nodeLocalCache: false}
const KUBE_DNS = "the kubelet's --cluster-dns is the kube-dns Service's IP 10.96.0.10"
const NODE_PLACE = "the node's search domains, which the API does not show, are tried where the placeholder stands"
const NODE_NDOTS = "ndots:1 (the resolver's default): the node's resolv.conf options are not known"

function client(
  spec: {dnsPolicy?: string; hostNetwork?: boolean; dnsConfig?: PodDNSConfig} = {},
  namespace = 'default',
): Pod {
  return {
    metadata: {name: 'client', namespace},
    spec: {containers: [{name: 'app'}], nodeName: 'node-a', ...spec},
  }
}

describe('podResolver: the resolv.conf the kubelet writes (dns.go GetPodDNS)', () => {
  const long = (letter: string) => `${letter.repeat(240)}.example`
  const rows: Array<{name: string; pod: Pod; cluster?: ClusterDns; want: ClientResolver}> = [
    {
      // dnsPolicy absent is ClusterFirst (API default); generateSearchesForDNSClusterFirst: <ns>.svc.<domain>,
      // svc.<domain>, <domain>, then the host's; options are defaultDNSOptions (ndots:5), the host's dropped.
      name: 'ClusterFirst (the default): the cluster DNS, the three cluster search domains, ndots:5',
      pod: client({}, 'shop'),
      want: {
        dnsPolicy: 'ClusterFirst',
        base: 'cluster',
        nameservers: ['10.96.0.10'],
        searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', NODE_SEARCHES],
        options: ['ndots:5'],
        ndots: 5,
        assumptions: [KUBE_DNS, NODE_PLACE],
      },
    },
    {
      // getPodDNSType: "case v1.DNSClusterFirst: if !kubecontainer.IsHostNetworkPod(pod) ... fallthrough" to
      // DNSDefault; the docs: a hostNetwork pod "should explicitly set its DNS policy to ClusterFirstWithHostNet".
      name: 'ClusterFirst on the host network falls back to Default: the node resolv.conf',
      pod: client({dnsPolicy: 'ClusterFirst', hostNetwork: true}),
      want: {
        dnsPolicy: 'ClusterFirst',
        base: 'node',
        nameservers: [NODE_NAMESERVERS],
        searches: [NODE_SEARCHES],
        options: [NODE_OPTIONS],
        ndots: 1,
        assumptions: [NODE_NDOTS],
      },
    },
    {
      // getPodDNSType: DNSClusterFirstWithHostNet -> podDNSCluster, host network or not.
      name: 'ClusterFirstWithHostNet on the host network: the cluster DNS',
      pod: client({dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true}),
      want: {
        dnsPolicy: 'ClusterFirstWithHostNet',
        base: 'cluster',
        nameservers: ['10.96.0.10'],
        searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', NODE_SEARCHES],
        options: ['ndots:5'],
        ndots: 5,
        assumptions: [KUBE_DNS, NODE_PLACE],
      },
    },
    {
      // podDNSHost: the host's resolv.conf (the kubelet's --resolv-conf) as it is; docs: "Default: The Pod
      // inherits the name resolution configuration from the node".
      name: 'Default: the node resolv.conf, ndots assumed 1',
      pod: client({dnsPolicy: 'Default'}),
      want: {
        dnsPolicy: 'Default',
        base: 'node',
        nameservers: [NODE_NAMESERVERS],
        searches: [NODE_SEARCHES],
        options: [NODE_OPTIONS],
        ndots: 1,
        assumptions: [NODE_NDOTS],
      },
    },
    {
      // podDNSNone: "DNSNone should use empty DNS settings as the base", then appendDNSConfig; an option without a
      // value is written by its name alone (mergeDNSOptions). The resolver's own ndots default is 1 (glibc
      // res_init.c, musl resolvconf.c).
      name: 'None: dnsConfig alone; an option without a value is its name',
      pod: client({
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['10.0.0.53'],
          searches: ['corp.example.'],
          options: [{name: 'ndots', value: '2'}, {name: 'edns0'}],
        },
      }),
      want: {
        dnsPolicy: 'None',
        base: 'none',
        nameservers: ['10.0.0.53'],
        searches: ['corp.example.'],
        options: ['ndots:2', 'edns0'],
        ndots: 2,
        assumptions: [],
      },
    },
    {
      // appendDNSConfig: nameservers and searches appended with duplicates omitted (omitDuplicates); options
      // merged, "entries given by PodDNSConfigOption will overwrite the existing ones" (ndots:5 -> ndots:1).
      name: 'ClusterFirst with dnsConfig: appended without duplicates, ndots overridden',
      pod: client({
        dnsConfig: {
          nameservers: ['10.96.0.10', '10.0.0.53'],
          searches: ['svc.cluster.local', 'corp.example'],
          options: [
            {name: 'ndots', value: '1'},
            {name: 'single-request-reopen', value: null},
          ],
        },
      }),
      want: {
        dnsPolicy: 'ClusterFirst',
        base: 'cluster',
        nameservers: ['10.96.0.10', '10.0.0.53'],
        searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', NODE_SEARCHES, 'corp.example'],
        options: ['ndots:1', 'single-request-reopen'],
        ndots: 1,
        assumptions: [KUBE_DNS, NODE_PLACE],
      },
    },
    {
      // formDNSNameserversFitsLimits: at most validation.MaxDNSNameservers (3); formDNSSearchFitsLimits: entries
      // longer than DNS1123SubdomainMaxLength (253) left out, then cut from the end to
      // MaxDNSSearchListCharsExpanded (2048) characters.
      name: 'over the limits: a fourth nameserver, a 254-character domain, past 2048 characters',
      pod: client({
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'],
          searches: [`${'x'.repeat(246)}.example`, ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(long)],
        },
      }),
      want: {
        dnsPolicy: 'None',
        base: 'none',
        nameservers: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
        // Eight 248-character domains and seven spaces: 1991 characters; a ninth would make 2240.
        searches: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(long),
        options: [],
        ndots: 1,
        dropped: ['10.0.0.4', `${'x'.repeat(246)}.example`, long('i')],
        assumptions: [],
      },
    },
    {
      // The kubelet's --cluster-dns is not in the API: without the kube-dns Service, it is not known; with
      // NodeLocal DNSCache it is often the cache's link-local address.
      name: 'no kube-dns Service known, NodeLocal DNSCache: said, not guessed',
      pod: client(),
      cluster: {clusterDomain: 'example.test', serviceIPs: [], nodeLocalCache: true},
      want: {
        dnsPolicy: 'ClusterFirst',
        base: 'cluster',
        nameservers: ["<kubelet's --cluster-dns>"],
        searches: ['default.svc.example.test', 'svc.example.test', 'example.test', NODE_SEARCHES],
        options: ['ndots:5'],
        ndots: 5,
        assumptions: ['the cluster DNS address is not known (the kube-dns Service was not read)', NODE_PLACE],
      },
    },
    {
      // glibc res_init.c: ndots is capped at RES_MAXNDOTS (15).
      name: 'ndots above 15 counts as 15',
      pod: client({
        dnsPolicy: 'None',
        dnsConfig: {nameservers: ['10.96.0.10'], options: [{name: 'ndots', value: '20'}]},
      }),
      want: {
        dnsPolicy: 'None',
        base: 'none',
        nameservers: ['10.96.0.10'],
        searches: [],
        options: ['ndots:20'],
        ndots: 15,
        assumptions: [],
      },
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(podResolver(row.pod, row.cluster ?? CLUSTER), row.want)
    })
  it('the NodeLocal DNSCache assumption names its address', () => {
    assert.deepEqual(podResolver(client(), {...CLUSTER, nodeLocalCache: true}).assumptions, [
      "the kubelet's --cluster-dns is the kube-dns Service's IP 10.96.0.10 (with NodeLocal DNSCache it may be 169.254.20.10)",
      NODE_PLACE,
    ])
  })
})

describe('resolverTries: the names a resolver asks, in order', () => {
  const search = ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local']
  const rows: Array<{name: string; input: string; ndots: number; glibc: string[]; musl: string[]}> = [
    {
      // glibc: fewer dots than ndots -> the search list first, then the name as is ("If the query has not already
      // been tried as is then try it"); musl the same.
      name: 'a short name: each search domain, then the name',
      input: 'web',
      ndots: 5,
      glibc: ['web.shop.svc.cluster.local.', 'web.svc.cluster.local.', 'web.cluster.local.', 'web.'],
      musl: ['web.shop.svc.cluster.local.', 'web.svc.cluster.local.', 'web.cluster.local.', 'web.'],
    },
    {
      // glibc: "if (dots >= statp->ndots || trailing_dot)" the name as is first, then the search list (RES_DNSRCH);
      // musl: "if (dots >= conf.ndots || name[l-1]=='.') *search = 0;": the name alone.
      name: 'at least ndots dots: glibc asks it as is, then searches; musl asks it alone',
      input: 'web.shop',
      ndots: 1,
      glibc: [
        'web.shop.',
        'web.shop.shop.svc.cluster.local.',
        'web.shop.svc.cluster.local.',
        'web.shop.cluster.local.',
      ],
      musl: ['web.shop.'],
    },
    {
      // A trailing dot: "query 'as is', if there is a trailing dot in the name" and nothing else (both).
      name: 'a trailing dot: the name alone',
      input: 'web.shop.svc.cluster.local.',
      ndots: 5,
      glibc: ['web.shop.svc.cluster.local.'],
      musl: ['web.shop.svc.cluster.local.'],
    },
    {
      // Four dots, ndots:5: a full name without its dot still goes through the search list first.
      name: 'a full name without its trailing dot under ndots:5: searched first',
      input: 'WEB.shop.svc.cluster.local',
      ndots: 5,
      glibc: [
        'web.shop.svc.cluster.local.shop.svc.cluster.local.',
        'web.shop.svc.cluster.local.svc.cluster.local.',
        'web.shop.svc.cluster.local.cluster.local.',
        'web.shop.svc.cluster.local.',
      ],
      musl: [
        'web.shop.svc.cluster.local.shop.svc.cluster.local.',
        'web.shop.svc.cluster.local.svc.cluster.local.',
        'web.shop.svc.cluster.local.cluster.local.',
        'web.shop.svc.cluster.local.',
      ],
    },
    {
      // ndots:0 (allowed by both): every name has at least 0 dots, so it is asked as is first.
      name: 'ndots:0: as is first',
      input: 'web',
      ndots: 0,
      glibc: ['web.', 'web.shop.svc.cluster.local.', 'web.svc.cluster.local.', 'web.cluster.local.'],
      musl: ['web.'],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      assert.deepEqual(resolverTries(row.input, search, row.ndots, 'glibc'), row.glibc)
      assert.deepEqual(resolverTries(row.input, search, row.ndots, 'musl'), row.musl)
    })
  it("the node's search domains stay a placeholder, where the kubelet puts them", () => {
    assert.deepEqual(resolverTries('web', ['svc.cluster.local', NODE_SEARCHES], 5, 'glibc'), [
      'web.svc.cluster.local.',
      "web.<node's search domains>",
      'web.',
    ])
  })
})

describe('parseNameFlag: --name NAME[:PORT]', () => {
  const rows: Array<[string, ReturnType<typeof parseNameFlag>]> = [
    ['web', {name: 'web', port: null}],
    ['Web.Shop:8080', {name: 'web.shop', port: 8080}],
    ['web.shop.svc.cluster.local.', {name: 'web.shop.svc.cluster.local.', port: null}],
    ['web:0', null],
    ['web:65536', null],
    ['web:http', null],
    ['web..shop', null],
    ['-web', null],
    [':80', null],
    [`${'a'.repeat(64)}.shop`, null],
    ['10.96.0.50:80', {name: '10.96.0.50', port: 80}],
    ['[FD00::1]:443', {name: 'fd00::1', port: 443}],
    ['[fd00::1]', {name: 'fd00::1', port: null}],
    ['[10.0.0.1]:80', null],
    ['fd00::1', null],
  ]
  for (const [text, want] of rows)
    it(JSON.stringify(text), () => {
      assert.deepEqual(parseNameFlag(text), want)
    })
})

/** web in default: ClusterIP 10.96.0.50, port 80 -> 8080, two ready endpoints. */
function report(service: Service = clusterIP('web', '10.96.0.50', [port('http', 80, 'TCP', 8080)])): ServiceReport {
  return buildReport({
    service,
    endpointSlices: [
      slice(service.metadata.name, [
        endpoint('10.244.1.5', {pod: 'web-a', node: 'node-a'}),
        endpoint('10.244.2.5', {pod: 'web-b', node: 'node-b'}),
      ]),
    ],
    pods: [],
    events: [],
    clusterDomain: {value: 'cluster.local', source: 'flag'},
    readProblems: [],
  })
}

describe('clientDns: the lookup of the name the app uses, and what it explains', () => {
  const web = report()
  const clusterSearch = (namespace: string) => [
    `${namespace}.svc.cluster.local`,
    'svc.cluster.local',
    'cluster.local',
    NODE_SEARCHES,
  ]
  const OTHER = "not web's name: NXDOMAIN unless another object has it"

  it('the short name from the Service namespace: the first search domain answers, through the ClusterIP', () => {
    const result = clientDns(web, client(), CLUSTER, undefined)
    assert.deepEqual(result.lookup, {
      name: 'web',
      given: false,
      port: null,
      tries: [{name: 'web.default.svc.cluster.local.', answer: 'records'}],
      answeredBy: 'web.default.svc.cluster.local.',
      dials: 'ClusterIP 10.96.0.50 on 80/TCP -> 8080',
    })
    assert.deepEqual(result.resolver.searches, clusterSearch('default'))
    assert.deepEqual(result.findings, [])
  })

  it('from another namespace the default name is SERVICE.NAMESPACE: found through the search list, nothing to report', () => {
    // docs (DNS for Services and Pods, Namespaces of Services): "queries that don't specify a namespace are limited
    // to the Pod's namespace. Access Services in other namespaces by specifying it in the DNS query" (data.prod);
    // with 1 dot under ndots:5 the search list is tried first: web.default.front.svc..., then web.default.svc....
    const result = clientDns(web, client({}, 'front'), CLUSTER, undefined)
    assert.equal(result.lookup.name, 'web.default')
    assert.equal(result.lookup.given, false)
    assert.deepEqual(
      result.lookup.tries.map((entry) => [entry.name, entry.answer]),
      [
        ['web.default.front.svc.cluster.local.', 'other'],
        ['web.default.svc.cluster.local.', 'records'],
      ],
    )
    assert.equal(result.lookup.answeredBy, 'web.default.svc.cluster.local.')
    assert.deepEqual(result.findings, [])
  })

  it('--name web from another namespace: the same, an error', () => {
    const result = clientDns(web, client({}, 'front'), CLUSTER, {name: 'web', port: null})
    assert.deepEqual(
      result.findings.map((finding) => [finding.code, finding.severity]),
      [['ClientNameDoesNotResolve', 'error']],
    )
    assert.equal(
      result.findings[0].message,
      'name "web" from namespace front: the resolver asks web.front.svc.cluster.local., web.svc.cluster.local., web.cluster.local., web.<node\'s search domains>, web.; none is web\'s name web.default.svc.cluster.local.; web.front.svc.cluster.local. would be a Service "web" in namespace front, if there is one (the app would reach that instead)',
    )
  })

  it('web.default:8080 from another namespace: the second search domain answers; 8080 is no Service port', () => {
    // A ClusterIP Service forwards only its own ports (kube-proxy programs one rule per Service port).
    const result = clientDns(web, client({}, 'front'), CLUSTER, {name: 'web.default', port: 8080})
    assert.deepEqual(result.lookup, {
      name: 'web.default',
      given: true,
      port: 8080,
      tries: [
        {name: 'web.default.front.svc.cluster.local.', answer: 'other', note: OTHER},
        {name: 'web.default.svc.cluster.local.', answer: 'records'},
      ],
      answeredBy: 'web.default.svc.cluster.local.',
      dials: 'ClusterIP 10.96.0.50:8080: not a port of the Service',
    })
    assert.deepEqual(result.findings, [
      {
        code: 'ClientPortNotServed',
        severity: 'error',
        object: 'pod/front/client',
        message:
          'the app dials web.default:8080, but web has no port 8080 (its ports: 80/TCP): kube-proxy forwards nothing on 10.96.0.50:8080',
        hint: 'dial 80, or add port 8080 to the Service',
      },
    ])
  })

  it('the full name without its dot under ndots:5: the search domains first, an info', () => {
    const result = clientDns(web, client(), CLUSTER, {name: 'web.default.svc.cluster.local', port: 80})
    assert.equal(result.lookup.answeredBy, 'web.default.svc.cluster.local.')
    assert.equal(result.lookup.dials, 'ClusterIP 10.96.0.50:80/TCP -> endpoints on 8080')
    assert.deepEqual(result.findings, [
      {
        code: 'ClientNdotsSearchesFirst',
        severity: 'info',
        object: 'pod/default/client',
        message:
          '"web.default.svc.cluster.local" has 4 dots, fewer than ndots:5: the resolver asks 4 other names first (web.default.svc.cluster.local.default.svc.cluster.local., web.default.svc.cluster.local.svc.cluster.local., web.default.svc.cluster.local.cluster.local., web.default.svc.cluster.local.<node\'s search domains>), each a lookup that fails, before web.default.svc.cluster.local.',
        hint: "end the name with a dot (web.default.svc.cluster.local.) or lower ndots in the pod's dnsConfig.options",
      },
    ])
  })

  it('with its trailing dot: asked alone, nothing to say', () => {
    const result = clientDns(web, client(), CLUSTER, {name: 'web.default.svc.cluster.local.', port: null})
    assert.deepEqual(result.lookup.tries, [{name: 'web.default.svc.cluster.local.', answer: 'records'}])
    assert.deepEqual(result.findings, [])
  })

  it('ndots:1 and web.default: glibc finds it through the search list, musl does not (a warning)', () => {
    const pod = client({dnsConfig: {options: [{name: 'ndots', value: '1'}]}}, 'front')
    const result = clientDns(web, pod, CLUSTER, {name: 'web.default', port: null})
    assert.deepEqual(result.lookup.tries, [
      {name: 'web.default.', answer: 'upstream', note: 'outside cluster.local: forwarded upstream, not predicted'},
      {name: 'web.default.front.svc.cluster.local.', answer: 'other', note: OTHER},
      {name: 'web.default.svc.cluster.local.', answer: 'records'},
    ])
    assert.deepEqual(result.findings, [
      {
        code: 'ClientNameNeedsSearch',
        severity: 'warning',
        object: 'pod/front/client',
        message:
          '"web.default" has 1 dot, at least ndots:1: glibc and Go ask it as is, then the search list (web.default.svc.cluster.local. answers); musl (Alpine images) asks only web.default. and does not resolve it',
        hint: "use web.default.svc.cluster.local. (with its trailing dot) in the app, or raise ndots above 1 in the pod's dnsConfig.options",
      },
    ])
  })

  it('dnsPolicy Default: the node resolver, a warning naming the assumption, no name finding on top', () => {
    const result = clientDns(web, client({dnsPolicy: 'Default'}), CLUSTER, undefined)
    assert.equal(result.lookup.answeredBy, null)
    assert.equal(result.lookup.dials, 'nothing: "web" does not resolve to web')
    assert.deepEqual(result.findings, [
      {
        code: 'ClientDnsBypassesClusterDns',
        severity: 'warning',
        object: 'pod/default/client',
        message:
          "dnsPolicy Default: the pod gets the node's resolv.conf, whose nameservers are not the cluster DNS on most clusters (assumed), so web.default.svc.cluster.local. does not resolve from it",
        hint: 'set dnsPolicy: ClusterFirst (or None with the cluster DNS 10.96.0.10 as the first dnsConfig nameserver)',
      },
    ])
  })

  it('hostNetwork with ClusterFirst: the fallback to Default, and the policy that fixes it', () => {
    const result = clientDns(web, client({hostNetwork: true}), CLUSTER, undefined)
    assert.deepEqual(result.findings, [
      {
        code: 'ClientDnsBypassesClusterDns',
        severity: 'warning',
        object: 'pod/default/client',
        message:
          "dnsPolicy ClusterFirst on the host network (the kubelet falls back to Default): the pod gets the node's resolv.conf, whose nameservers are not the cluster DNS on most clusters (assumed), so web.default.svc.cluster.local. does not resolve from it",
        hint: 'set dnsPolicy: ClusterFirstWithHostNet on a hostNetwork pod',
      },
    ])
  })

  it('None: a first nameserver that is not the cluster DNS is a warning; the cluster DNS first is not', () => {
    const none = (nameservers: string[]) =>
      client({dnsPolicy: 'None', dnsConfig: {nameservers, searches: ['default.svc.cluster.local']}})
    assert.deepEqual(clientDns(web, none(['8.8.8.8', '10.96.0.10']), CLUSTER, undefined).findings, [
      {
        code: 'ClientDnsBypassesClusterDns',
        severity: 'warning',
        object: 'pod/default/client',
        message:
          "dnsPolicy None: the pod's first nameserver 8.8.8.8 is not the cluster DNS (10.96.0.10); unless 8.8.8.8 forwards cluster.local to it, web.default.svc.cluster.local. does not resolve from client",
        hint: 'put the cluster DNS 10.96.0.10 first in dnsConfig.nameservers, or use dnsPolicy: ClusterFirst',
      },
    ])
    const ok = clientDns(web, none(['10.96.0.10']), CLUSTER, undefined)
    assert.deepEqual(ok.findings, [])
    assert.deepEqual(ok.lookup.tries, [{name: 'web.default.svc.cluster.local.', answer: 'records'}])
  })

  it('a headless Service: the pod IPs are dialed as they are; a port only the Service lists is a warning', () => {
    // A headless Service has no ClusterIP: "Clients are expected to consume the set" of pod IPs (DNS for Services
    // and Pods), so nothing maps the Service's port to its targetPort.
    const mongo = report(headless('mongo', [port('db', 80, 'TCP', 8080)]))
    const result = clientDns(mongo, client(), CLUSTER, {name: 'mongo', port: 80})
    assert.equal(result.lookup.dials, 'the pod IPs directly, on 80 (the endpoints list 8080/TCP)')
    assert.deepEqual(result.findings, [
      {
        code: 'ClientPortNotServed',
        severity: 'warning',
        object: 'pod/default/client',
        message:
          'mongo.default.svc.cluster.local. answers with pod IPs, so the app connects to them on 80 as it is (nothing translates ports there); the endpoints list 8080/TCP: unless the pods also listen on 80, the connection is refused',
        hint: "dial 8080, or make the Service's port equal its targetPort",
      },
    ])
    assert.equal(clientDns(mongo, client(), CLUSTER, {name: 'mongo', port: 8080}).findings.length, 0)
  })

  it('an address is not looked up: the ClusterIP on a port it lacks, a pod IP, an unrelated address', () => {
    const cluster = clientDns(web, client(), CLUSTER, {name: '10.96.0.50', port: 8080})
    assert.deepEqual(cluster.lookup, {
      name: '10.96.0.50',
      given: true,
      port: 8080,
      tries: [],
      answeredBy: null,
      dials: 'ClusterIP 10.96.0.50:8080: not a port of the Service',
    })
    assert.deepEqual(
      cluster.findings.map((finding) => finding.message),
      [
        'the app dials 10.96.0.50:8080, but web has no port 8080 (its ports: 80/TCP): kube-proxy forwards nothing on 10.96.0.50:8080',
      ],
    )
    const pod = clientDns(web, client(), CLUSTER, {name: '10.244.1.5', port: 80})
    assert.equal(pod.lookup.dials, 'the pod IPs directly, on 80 (the endpoints list 8080/TCP)')
    assert.deepEqual(
      pod.findings.map((finding) => finding.message),
      [
        "10.244.1.5 is an endpoint's pod IP: the app connects to it on 80 as it is (nothing translates ports there); the endpoints list 8080/TCP: unless the pods also listen on 80, the connection is refused",
      ],
    )
    const other = clientDns(web, client(), CLUSTER, {name: '192.0.2.1', port: 80})
    assert.equal(other.lookup.dials, 'nothing: "192.0.2.1" is not an address of web')
    assert.deepEqual(other.findings, [])
  })

  it('a Service with no records (headless, nothing ready): no name finding, NoEndpoints says it', () => {
    const empty = buildReport({
      service: headless('mongo'),
      endpointSlices: [],
      pods: [],
      events: [],
      clusterDomain: {value: 'cluster.local', source: 'flag'},
      readProblems: [],
    })
    const result = clientDns(empty, client({}, 'front'), CLUSTER, {name: 'mongo', port: null})
    assert.equal(result.lookup.answeredBy, null)
    assert.deepEqual(result.findings, [])
  })

  it('the kubelet over its limits: a warning naming what it left out', () => {
    const pod = client({dnsConfig: {nameservers: ['10.0.0.1', '10.0.0.2', '10.0.0.3']}})
    assert.deepEqual(clientDns(web, pod, CLUSTER, undefined).findings, [
      {
        code: 'ClientDnsConfigTruncated',
        severity: 'warning',
        object: 'pod/default/client',
        message:
          "the kubelet leaves 10.0.0.3 out of the pod's resolv.conf: over its limits (3 nameservers; 32 search domains, 2048 characters, 253 per domain) it writes the rest and a DNSConfigForming event",
        hint: "shorten the pod's dnsConfig (the node's own search domains count towards the limits too)",
      },
    ])
  })
})
