// Expected DNS records, table-driven the way CoreDNS tests its kubernetes plugin (plugin/kubernetes/handler_test.go,
// reverse_test.go): fake objects in, the answer CoreDNS gives out. Every row cites the section of the Kubernetes
// DNS-Based Service Discovery spec (kubernetes/dns docs/specification.md, "spec") or the CoreDNS code it encodes.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {EndpointSlice, Service} from '../../src/model/k8s.js'
import {
  endpointLabel,
  expectedRecords,
  srvData,
  srvName,
  weight,
  type ExpectedDns,
} from '../../src/analyse/expected-records.js'
import {endpointsFromSlices} from '../../src/analyse/endpoints.js'
import {
  clusterIP,
  endpoint,
  epPort,
  externalName,
  headless,
  inNamespace,
  port,
  recordsFor,
  rr,
  slice,
  svcName,
} from './factories.js'

interface Case {
  name: string
  /** Spec section or CoreDNS behaviour the row encodes. */
  cite: string
  svc: Service
  slices?: EndpointSlice[]
  zone?: string
  /** Exactly these records, order aside (ordering has its own tests below). */
  want?: string[]
  /** No record line matches any of these. */
  hasNot?: RegExp[]
  /** Exactly these names must not resolve; [] when omitted. */
  nxdomain?: string[]
  /** name -> substrings its mustNotResolve reason must contain. */
  nxReason?: Record<string, string[]>
  check?: (out: ExpectedDns) => void
}

const web = svcName('web')
const hd = svcName('hdls')
const ng = svcName('nginx')
const ext = svcName('ext')
const kd = svcName('kube-dns', 'kube-system')
const hd1 = svcName('hdls1', 'testns')

// Reverse names below were computed independently (Python ipaddress.reverse_pointer), not with the code under test.
const PTR4 = (a: string) => `${a.split('.').reverse().join('.')}.in-addr.arpa.`
const REV_FD00_10_96__A = 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.'
const REV_FD00_10_96__1 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.'
const REV_FD00_10_244_1__5 = '5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa.'
const REV_5678_ABCD__1 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa.'
const REV_5678_ABCD__2 = '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa.'
const REV_FD00_10_244_1__ = '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa.'

const countLines = (out: ExpectedDns, pattern: RegExp) =>
  out.records.map(rr).filter((line) => pattern.test(line)).length

const clusterIPCases: Case[] = [
  {
    name: 'ClusterIP: A for the cluster IP, SRV for the named port, PTR back to the service',
    cite: 'spec 2.3.1 A, 2.3.2 SRV, 2.3.3 PTR; CoreDNS handler_test svc1 (SRV 0 100 80)',
    svc: clusterIP('web', '10.96.0.10'),
    want: [
      `${web} A 10.96.0.10`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `${web} SRV 0 100 80 ${web}`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
    ],
  },
  {
    name: 'the spec example: kubernetes.default, 10.3.0.1, _https._tcp 443 (SRV carries the port, not targetPort)',
    cite: 'spec 2.3.1 / 2.3.2 / 2.3.3 answer examples',
    svc: clusterIP('kubernetes', '10.3.0.1', [port('https', 443, 'TCP', 6443)], {selector: undefined}),
    want: [
      `${svcName('kubernetes')} A 10.3.0.1`,
      `_https._tcp.${svcName('kubernetes')} SRV 0 100 443 ${svcName('kubernetes')}`,
      `${svcName('kubernetes')} SRV 0 100 443 ${svcName('kubernetes')}`,
      `1.0.3.10.in-addr.arpa. PTR ${svcName('kubernetes')}`,
    ],
  },
  {
    name: 'NodePort: same records as ClusterIP, SRV carries port 80 (not nodePort 30080, not targetPort 8080)',
    cite: 'spec 2.3 (a NodePort service has a ClusterIP); CoreDNS findServices uses svc.Ports[].Port',
    svc: clusterIP('web', '10.96.0.10', [{...port('http', 80, 'TCP', 8080), nodePort: 30080}], {type: 'NodePort'}),
    want: [
      `${web} A 10.96.0.10`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `${web} SRV 0 100 80 ${web}`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
    ],
  },
  {
    name: 'LoadBalancer: same records as ClusterIP',
    cite: 'spec 2.3 (a LoadBalancer service has a ClusterIP); CoreDNS treats every non-headless, non-ExternalName type alike',
    svc: clusterIP('web', '10.96.0.10', [{...port('http', 80, 'TCP', 8080), nodePort: 31380}], {type: 'LoadBalancer'}),
    want: [
      `${web} A 10.96.0.10`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `${web} SRV 0 100 80 ${web}`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
    ],
  },
  {
    name: 'dual-stack ClusterIP: A + AAAA, one SRV of weight 50 (two entries, deduped), PTR for each family',
    cite: 'spec 2.3.1; CoreDNS findServices one entry per ClusterIPs x port, backend_lookup.go SRV weight 100/2 then isDuplicate(target, port)',
    svc: clusterIP('web', ['10.96.0.10', 'fd00:10:96::a']),
    want: [
      `${web} A 10.96.0.10`,
      `${web} AAAA fd00:10:96::a`,
      `_http._tcp.${web} SRV 0 50 80 ${web}`,
      `${web} SRV 0 50 80 ${web}`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
      `${REV_FD00_10_96__A} PTR ${web}`,
    ],
  },
  {
    name: 'IPv6-only ClusterIP: AAAA only, PTR under ip6.arpa',
    cite: 'spec 2.3.1 (AAAA for an IPv6 ClusterIP), RFC 3596 2.5 ip6.arpa; CoreDNS handler_test svc6 (1234:abcd::1)',
    svc: clusterIP('web6', 'fd00:10:96::1'),
    want: [
      `${svcName('web6')} AAAA fd00:10:96::1`,
      `_http._tcp.${svcName('web6')} SRV 0 100 80 ${svcName('web6')}`,
      `${svcName('web6')} SRV 0 100 80 ${svcName('web6')}`,
      `${REV_FD00_10_96__1} PTR ${svcName('web6')}`,
    ],
    hasNot: [/ A /],
  },
  {
    name: 'two named ports: one _port._proto SRV each (weight 100), bare-name SRV answers both (weight 50)',
    cite: 'spec 2.3.2 one SRV per named port; CoreDNS bare-name SRV matches every port (matchPortAndProtocol with empty port), weight 100/2',
    svc: clusterIP('web', '10.96.0.10', [port('http', 80, 'TCP', 8080), port('https', 443, 'TCP', 8443)]),
    want: [
      `${web} A 10.96.0.10`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `_https._tcp.${web} SRV 0 100 443 ${web}`,
      `${web} SRV 0 50 80 ${web}`,
      `${web} SRV 0 50 443 ${web}`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
    ],
  },
  {
    name: 'kube-dns: UDP port gives _dns._udp; bare-name SRV dedupes 53/UDP and 53/TCP (3 entries, weight 33)',
    cite: 'spec 2.3.2 _<port>._<proto> with proto udp; CoreDNS backend_lookup.go SRV weight floor(100/3), isDuplicate(target, port)',
    svc: inNamespace(
      clusterIP('kube-dns', '10.96.0.10', [
        port('dns', 53, 'UDP'),
        port('dns-tcp', 53, 'TCP'),
        port('metrics', 9153, 'TCP'),
      ]),
      'kube-system',
    ),
    want: [
      `${kd} A 10.96.0.10`,
      `_dns._udp.${kd} SRV 0 100 53 ${kd}`,
      `_dns-tcp._tcp.${kd} SRV 0 100 53 ${kd}`,
      `_metrics._tcp.${kd} SRV 0 100 9153 ${kd}`,
      `${kd} SRV 0 33 53 ${kd}`,
      `${kd} SRV 0 33 9153 ${kd}`,
      `${PTR4('10.96.0.10')} PTR ${kd}`,
    ],
  },
  {
    name: 'unnamed port: no _x._proto SRV, but the bare service name still answers SRV',
    cite: 'spec 2.3.2 "Unnamed ports do not have an SRV record"; CoreDNS handler_test svc1 bare-name SRV 0 100 80',
    svc: clusterIP('web', '10.96.0.10', [port('', 80, 'TCP', 8080)]),
    want: [`${web} A 10.96.0.10`, `${web} SRV 0 100 80 ${web}`, `${PTR4('10.96.0.10')} PTR ${web}`],
    hasNot: [/^_/],
  },
  {
    name: 'same port number over UDP and TCP: two _port._proto SRVs, one bare-name SRV (weight 50)',
    cite: 'spec 2.3.2; CoreDNS backend_lookup.go SRV: weight 100/2 computed before isDuplicate drops the repeated (target, 53)',
    svc: clusterIP('dns', '10.96.0.53', [port('dns', 53, 'UDP'), port('dns-tcp', 53, 'TCP')]),
    want: [
      `${svcName('dns')} A 10.96.0.53`,
      `_dns._udp.${svcName('dns')} SRV 0 100 53 ${svcName('dns')}`,
      `_dns-tcp._tcp.${svcName('dns')} SRV 0 100 53 ${svcName('dns')}`,
      `${svcName('dns')} SRV 0 50 53 ${svcName('dns')}`,
      `${PTR4('10.96.0.53')} PTR ${svcName('dns')}`,
    ],
  },
  {
    name: "ClusterIP without a ready endpoint still has its records; the not-ready endpoint's own name is NXDOMAIN",
    cite: 'spec 2.3 (records depend on the ClusterIP only); CoreDNS handler_test svcempty answers A 10.0.0.1; kubernetes.go findServices answers <ep>.<svc> from the slices for ClusterIP services too',
    svc: clusterIP('svcempty', '10.0.0.1'),
    slices: [slice('svcempty', [endpoint('10.244.1.6', {ready: false, pod: 'svcempty-1'})])],
    want: [
      `${svcName('svcempty')} A 10.0.0.1`,
      `_http._tcp.${svcName('svcempty')} SRV 0 100 80 ${svcName('svcempty')}`,
      `${svcName('svcempty')} SRV 0 100 80 ${svcName('svcempty')}`,
      `1.0.0.10.in-addr.arpa. PTR ${svcName('svcempty')}`,
    ],
    nxdomain: [`10-244-1-6.${svcName('svcempty')}`],
    nxReason: {[`10-244-1-6.${svcName('svcempty')}`]: ['10.244.1.6', 'pod svcempty-1', 'not ready']},
  },
  {
    name: "ClusterIP with ready endpoints: CoreDNS also answers each endpoint's own name and its PTR",
    cite: 'CoreDNS kubernetes.go findServices (r.endpoint != "" reads the slices of any Service), reverse.go serviceRecordForIP (every slice holding the IP); not in the spec',
    svc: clusterIP('web', '10.96.0.10'),
    slices: [
      slice('web', [endpoint('10.244.1.5', {pod: 'web-a'}), endpoint('10.244.1.6', {ready: false, pod: 'web-b'})]),
    ],
    want: [
      `${web} A 10.96.0.10`,
      `10-244-1-5.${web} A 10.244.1.5`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `${web} SRV 0 100 80 ${web}`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${web}`,
    ],
    nxdomain: [`10-244-1-6.${web}`],
  },
  {
    name: 'PTR for the cluster IP of a service in another namespace points at <svc>.<ns>.svc.<zone>.',
    cite: 'spec 2.3.3; CoreDNS reverse_test 100.1.168.192.in-addr.arpa. PTR svc1.testns.svc.cluster.local.',
    svc: inNamespace(clusterIP('svc1', '192.168.1.100'), 'testns'),
    want: [
      `${PTR4('192.168.1.100')} PTR ${svcName('svc1', 'testns')}`,
      `_http._tcp.${svcName('svc1', 'testns')} SRV 0 100 80 ${svcName('svc1', 'testns')}`,
      `${svcName('svc1', 'testns')} A 192.168.1.100`,
      `${svcName('svc1', 'testns')} SRV 0 100 80 ${svcName('svc1', 'testns')}`,
    ],
  },
]

const headlessCases: Case[] = [
  {
    name: 'headless, two ready endpoints: A per endpoint, dashed-IP names, SRV to each with weight 50, PTR to the dashed name',
    cite: 'spec 2.4.1 A per ready endpoint and per <hostname>; CoreDNS endpointHostname dashed IP; spec 2.4.2 SRV; backend_lookup.go weight 100/2; reverse.go PTR',
    svc: headless('hdls', [port('http', 80, 'TCP', 8080)]),
    slices: [slice('hdls', [endpoint('10.244.1.5', {pod: 'hdls-a'}), endpoint('10.244.2.7', {pod: 'hdls-b'})])],
    want: [
      `${hd} A 10.244.1.5`,
      `${hd} A 10.244.2.7`,
      `10-244-1-5.${hd} A 10.244.1.5`,
      `10-244-2-7.${hd} A 10.244.2.7`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-2-7.${hd}`,
      `${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 50 8080 10-244-2-7.${hd}`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `${PTR4('10.244.2.7')} PTR 10-244-2-7.${hd}`,
    ],
  },
  {
    name: 'headless SRV carries the ENDPOINT port (8080), never the service port (80): there is no port translation',
    cite: 'spec 2.4.2 names the Service port, but both servers answer the endpoint port: CoreDNS findServices builds headless entries from eps.Ports (kube-dns alike, shared/fixtures/kube-dns-1.26.7.json)',
    svc: headless('hdls', [port('http', 80, 'TCP', 8080)]),
    slices: [slice('hdls', [endpoint('10.244.1.5')], [epPort('http', 8080)])],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${hd} A 10.244.1.5`,
      `${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
    ],
    hasNot: [/SRV 0 \d+ 80 /],
  },
  {
    name: 'headless, three endpoints: SRV weight floor(100/3) = 33',
    cite: 'CoreDNS backend_lookup.go SRV weight floor(100/n)',
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.0.1'), endpoint('10.244.0.2'), endpoint('10.244.0.3')])],
    check: (out) => {
      const srv = out.records.filter((record) => record.type === 'SRV')
      assert.equal(srv.length, 6)
      for (const record of srv)
        assert.match(record.data, /^0 33 8080 10-244-0-[123]\.hdls\.default\.svc\.cluster\.local\.$/)
    },
  },
  {
    name: 'CoreDNS hdls1 fixture: 6 entries (two share hostname dup-name) give weight 16, deduped to 5 SRV answers',
    cite: 'CoreDNS handler_test "_http._tcp.hdls1.testns" SRV 0 16 80 x5; spec 2.4.1 "multiple IP addresses for a given hostname"',
    svc: inNamespace(headless('hdls1', []), 'testns'),
    slices: [
      inNamespace(
        slice(
          'hdls1',
          [
            endpoint('172.0.0.2'),
            endpoint('172.0.0.3'),
            endpoint('172.0.0.4', {hostname: 'dup-name'}),
            endpoint('172.0.0.5', {hostname: 'dup-name'}),
          ],
          [epPort('http', 80)],
        ),
        'testns',
      ),
      inNamespace(slice('hdls1', [endpoint('5678:abcd::1'), endpoint('5678:abcd::2')], [epPort('http', 80)]), 'testns'),
    ],
    want: [
      `${REV_5678_ABCD__1} PTR 5678-abcd--1.${hd1}`,
      `172-0-0-2.${hd1} A 172.0.0.2`,
      `172-0-0-3.${hd1} A 172.0.0.3`,
      `${REV_5678_ABCD__2} PTR 5678-abcd--2.${hd1}`,
      `${PTR4('172.0.0.2')} PTR 172-0-0-2.${hd1}`,
      `${PTR4('172.0.0.3')} PTR 172-0-0-3.${hd1}`,
      `${PTR4('172.0.0.4')} PTR dup-name.${hd1}`,
      `${PTR4('172.0.0.5')} PTR dup-name.${hd1}`,
      `5678-abcd--1.${hd1} AAAA 5678:abcd::1`,
      `5678-abcd--2.${hd1} AAAA 5678:abcd::2`,
      `_http._tcp.${hd1} SRV 0 16 80 172-0-0-2.${hd1}`,
      `_http._tcp.${hd1} SRV 0 16 80 172-0-0-3.${hd1}`,
      `_http._tcp.${hd1} SRV 0 16 80 5678-abcd--1.${hd1}`,
      `_http._tcp.${hd1} SRV 0 16 80 5678-abcd--2.${hd1}`,
      `_http._tcp.${hd1} SRV 0 16 80 dup-name.${hd1}`,
      `dup-name.${hd1} A 172.0.0.4`,
      `dup-name.${hd1} A 172.0.0.5`,
      `${hd1} A 172.0.0.2`,
      `${hd1} A 172.0.0.3`,
      `${hd1} A 172.0.0.4`,
      `${hd1} A 172.0.0.5`,
      `${hd1} AAAA 5678:abcd::1`,
      `${hd1} AAAA 5678:abcd::2`,
      `${hd1} SRV 0 16 80 172-0-0-2.${hd1}`,
      `${hd1} SRV 0 16 80 172-0-0-3.${hd1}`,
      `${hd1} SRV 0 16 80 5678-abcd--1.${hd1}`,
      `${hd1} SRV 0 16 80 5678-abcd--2.${hd1}`,
      `${hd1} SRV 0 16 80 dup-name.${hd1}`,
    ],
    check: (out) => {
      assert.equal(countLines(out, /^_http\._tcp\.hdls1\.testns\.svc\.cluster\.local\. SRV /), 5)
      assert.equal(countLines(out, /^hdls1\.testns\.svc\.cluster\.local\. A /), 4)
      assert.equal(countLines(out, /^hdls1\.testns\.svc\.cluster\.local\. AAAA /), 2)
    },
  },
  {
    name: 'StatefulSet endpoints with hostname: <hostname>.<svc> names, SRV and PTR target the hostname, no dashed names',
    cite: 'spec 2.4.1 my-pet example, 2.4.2 SRV to <hostname>.<service>, 2.4.3 PTR; CoreDNS reverse_test ep1a',
    svc: headless('nginx', [port('web', 80)]),
    slices: [
      slice(
        'nginx',
        [
          endpoint('10.244.0.10', {hostname: 'web-0', pod: 'web-0'}),
          endpoint('10.244.0.11', {hostname: 'web-1', pod: 'web-1'}),
        ],
        [epPort('web', 80)],
      ),
    ],
    want: [
      `${ng} A 10.244.0.10`,
      `${ng} A 10.244.0.11`,
      `web-0.${ng} A 10.244.0.10`,
      `web-1.${ng} A 10.244.0.11`,
      `_web._tcp.${ng} SRV 0 50 80 web-0.${ng}`,
      `_web._tcp.${ng} SRV 0 50 80 web-1.${ng}`,
      `${ng} SRV 0 50 80 web-0.${ng}`,
      `${ng} SRV 0 50 80 web-1.${ng}`,
      `${PTR4('10.244.0.10')} PTR web-0.${ng}`,
      `${PTR4('10.244.0.11')} PTR web-1.${ng}`,
    ],
    hasNot: [/10-244-0-1[01]/],
  },
  {
    name: 'not-ready endpoint: left out of every record, its dashed name listed in mustNotResolve',
    cite: 'spec 2.1 ready, 2.4.1 "for each ready endpoint"; CoreDNS object/endpoint.go skips !endpointsliceReady',
    svc: headless('hdls'),
    slices: [
      slice('hdls', [endpoint('10.244.1.5', {pod: 'web-a'}), endpoint('10.244.1.6', {ready: false, pod: 'web-b'})]),
    ],
    want: [
      `${hd} A 10.244.1.5`,
      `10-244-1-5.${hd} A 10.244.1.5`,
      `_http._tcp.${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
    ],
    nxdomain: [`10-244-1-6.${hd}`],
    nxReason: {[`10-244-1-6.${hd}`]: ['10.244.1.6', 'pod web-b', 'not ready']},
  },
  {
    name: 'terminating endpoint (ready=false, serving=true): excluded, reason says terminating',
    cite: 'EndpointSlice controller sets ready=false while terminating; CoreDNS filters on Ready (terminating_endpoints option off by default)',
    svc: headless('hdls'),
    slices: [
      slice('hdls', [
        endpoint('10.244.1.5'),
        endpoint('10.244.1.7', {ready: false, serving: true, terminating: true, pod: 'web-old'}),
      ]),
    ],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${hd} A 10.244.1.5`,
      `${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
    ],
    hasNot: [/10\.244\.1\.7/, /10-244-1-7/],
    nxdomain: [`10-244-1-7.${hd}`],
    nxReason: {[`10-244-1-7.${hd}`]: ['terminating', 'pod web-old']},
  },
  {
    name: 'publishNotReadyAddresses: not-ready endpoints are published too, nothing must fail to resolve',
    cite: 'spec 2.1 ready ("tolerate-unready-endpoints", now spec.publishNotReadyAddresses); EndpointSlice controller marks them ready',
    svc: headless('hdls', [port('http', 80, 'TCP', 8080)], {publishNotReadyAddresses: true}),
    slices: [slice('hdls', [endpoint('10.244.1.5'), endpoint('10.244.1.6', {ready: false})])],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `10-244-1-6.${hd} A 10.244.1.6`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `${PTR4('10.244.1.6')} PTR 10-244-1-6.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-1-6.${hd}`,
      `${hd} A 10.244.1.5`,
      `${hd} A 10.244.1.6`,
      `${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 50 8080 10-244-1-6.${hd}`,
    ],
  },
  {
    name: 'conditions.ready: null is read as ready',
    cite: 'CoreDNS object/endpoint.go endpointsliceReady: "a nil value indicates an unknown state ... interpret as ready"',
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.1.5', {ready: null})])],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${hd} A 10.244.1.5`,
      `${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
    ],
  },
  {
    name: 'conditions absent altogether: read as ready',
    cite: 'CoreDNS object/endpoint.go endpointsliceReady(nil) == true; discovery/v1 EndpointConditions doc',
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.1.5', {noConditions: true})])],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
      `${hd} A 10.244.1.5`,
      `${hd} SRV 0 100 8080 10-244-1-5.${hd}`,
    ],
  },
  {
    name: 'endpoint repeated across two slices (EndpointSlice skew): one A, one SRV target, one PTR',
    cite: 'CoreDNS reverse_test "two EndpointSlices for a Service contain this IP"; backend_lookup.go A dup map and SRV isDuplicate',
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.1.5')]), slice('hdls', [endpoint('10.244.1.5'), endpoint('10.244.1.9')])],
    check: (out) => {
      assert.equal(countLines(out, /^hdls\.default\.svc\.cluster\.local\. A 10\.244\.1\.5$/), 1)
      assert.equal(countLines(out, /^_http\._tcp\.hdls\.\S+ SRV 0 \d+ 8080 10-244-1-5\./), 1)
      assert.equal(countLines(out, /^5\.1\.244\.10\.in-addr\.arpa\. PTR /), 1)
      assert.equal(countLines(out, /^hdls\.default\.svc\.cluster\.local\. A /), 2)
    },
  },
  {
    name: 'headless with zero ready endpoints: no records, the service name itself must be NXDOMAIN',
    cite: 'spec 2.4.1 "If there are no ready endpoints ... the answer should be NXDOMAIN"; CoreDNS findServices keeps err = errNoItems',
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.1.6', {ready: false, pod: 'web-b'})])],
    want: [],
    nxdomain: [hd, `10-244-1-6.${hd}`],
    nxReason: {[hd]: ['no ready endpoints']},
  },
  {
    name: 'headless with no EndpointSlice at all: NXDOMAIN for the service name',
    cite: 'spec 2.4.1 NXDOMAIN; CoreDNS findServices errNoItems when EpIndex has nothing',
    svc: headless('hdls'),
    want: [],
    nxdomain: [hd],
  },
  {
    name: 'headless without ports (slice ports null): A records and PTR, but no SRV at all',
    cite: 'CoreDNS handler_test hdlsprtls; object/endpoint.go port -1 sentinel, backend_lookup.go SRV skips Port == -1',
    svc: inNamespace(headless('hdlsprtls', []), 'testns'),
    slices: [inNamespace(slice('hdlsprtls', [endpoint('172.0.0.20')], null), 'testns')],
    want: [
      `${svcName('hdlsprtls', 'testns')} A 172.0.0.20`,
      `172-0-0-20.${svcName('hdlsprtls', 'testns')} A 172.0.0.20`,
      `20.0.0.172.in-addr.arpa. PTR 172-0-0-20.${svcName('hdlsprtls', 'testns')}`,
    ],
  },
  {
    name: 'headless without ports (slice ports []): same, no SRV',
    cite: 'CoreDNS object/endpoint.go len(ends.Ports) == 0 -> sentinel port -1',
    svc: headless('hdls', []),
    slices: [slice('hdls', [endpoint('10.244.1.5')], [])],
    want: [`${hd} A 10.244.1.5`, `10-244-1-5.${hd} A 10.244.1.5`, `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`],
  },
  {
    name: 'IPv6 endpoints: dashed names with ":" -> "-", an address ending in "::" gets a trailing "0"; PTR under ip6.arpa',
    cite: 'CoreDNS kubernetes.go endpointHostname (HasSuffix "-" -> + "0"); handler_test 5678-abcd--1; reverse.go PTR to the dashed name',
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('fd00:10:244:1::5'), endpoint('fd00:10:244:1::')])],
    want: [
      `${hd} AAAA fd00:10:244:1::`,
      `${hd} AAAA fd00:10:244:1::5`,
      `fd00-10-244-1--0.${hd} AAAA fd00:10:244:1::`,
      `fd00-10-244-1--5.${hd} AAAA fd00:10:244:1::5`,
      `_http._tcp.${hd} SRV 0 50 8080 fd00-10-244-1--0.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 fd00-10-244-1--5.${hd}`,
      `${hd} SRV 0 50 8080 fd00-10-244-1--0.${hd}`,
      `${hd} SRV 0 50 8080 fd00-10-244-1--5.${hd}`,
      `${REV_FD00_10_244_1__} PTR fd00-10-244-1--0.${hd}`,
      `${REV_FD00_10_244_1__5} PTR fd00-10-244-1--5.${hd}`,
    ],
  },
  {
    name: 'dual-stack headless pod (IPv4 slice + IPv6 slice): A and AAAA on the service name, two per-endpoint names',
    cite: 'spec 2.4.1 (one record per ready endpoint address); EndpointSlices are per address family (addressType)',
    svc: headless('hdls'),
    slices: [
      slice('hdls', [endpoint('10.244.1.5', {pod: 'p'})]),
      slice('hdls', [endpoint('fd00:10:244:1::5', {pod: 'p'})]),
    ],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `${REV_FD00_10_244_1__5} PTR fd00-10-244-1--5.${hd}`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 fd00-10-244-1--5.${hd}`,
      `fd00-10-244-1--5.${hd} AAAA fd00:10:244:1::5`,
      `${hd} A 10.244.1.5`,
      `${hd} AAAA fd00:10:244:1::5`,
      `${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 50 8080 fd00-10-244-1--5.${hd}`,
    ],
  },
  {
    name: 'headless, two named ports x two endpoints: each _port SRV weight 50, bare name answers all 4 with weight 25',
    cite: 'spec 2.4.2 "N ready endpoints and M named ports -> N x M SRV RRs"; CoreDNS bare-name SRV weight floor(100/4)',
    svc: headless('hdls', [port('http', 80, 'TCP', 8080), port('metrics', 9090)]),
    slices: [
      slice('hdls', [endpoint('10.244.1.5'), endpoint('10.244.1.6')], [epPort('http', 8080), epPort('metrics', 9090)]),
    ],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `10-244-1-6.${hd} A 10.244.1.6`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `${PTR4('10.244.1.6')} PTR 10-244-1-6.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `_http._tcp.${hd} SRV 0 50 8080 10-244-1-6.${hd}`,
      `_metrics._tcp.${hd} SRV 0 50 9090 10-244-1-5.${hd}`,
      `_metrics._tcp.${hd} SRV 0 50 9090 10-244-1-6.${hd}`,
      `${hd} A 10.244.1.5`,
      `${hd} A 10.244.1.6`,
      `${hd} SRV 0 25 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 25 8080 10-244-1-6.${hd}`,
      `${hd} SRV 0 25 9090 10-244-1-5.${hd}`,
      `${hd} SRV 0 25 9090 10-244-1-6.${hd}`,
    ],
    check: (out) => assert.equal(countLines(out, /^hdls\.default\.svc\.cluster\.local\. SRV /), 4),
  },
  {
    name: 'headless, unnamed port: no _x._proto SRV, bare-name SRV per endpoint',
    cite: 'spec 2.4.2 "Unnamed ports do not have an SRV record"; CoreDNS bare-name SRV (empty port matches all)',
    svc: headless('hdls', [port('', 80, 'TCP', 8080)]),
    slices: [slice('hdls', [endpoint('10.244.1.5'), endpoint('10.244.1.6')], [epPort('', 8080)])],
    want: [
      `10-244-1-5.${hd} A 10.244.1.5`,
      `10-244-1-6.${hd} A 10.244.1.6`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.${hd}`,
      `${PTR4('10.244.1.6')} PTR 10-244-1-6.${hd}`,
      `${hd} A 10.244.1.5`,
      `${hd} A 10.244.1.6`,
      `${hd} SRV 0 50 8080 10-244-1-5.${hd}`,
      `${hd} SRV 0 50 8080 10-244-1-6.${hd}`,
    ],
    hasNot: [/^_/],
  },
  {
    name: 'headless UDP port: _dns._udp SRV to each endpoint',
    cite: 'spec 2.4.2 _<port>._<proto> with proto udp',
    svc: headless('resolver', [port('dns', 53, 'UDP')]),
    slices: [slice('resolver', [endpoint('10.244.3.3')], [epPort('dns', 53, 'UDP')])],
    want: [
      `10-244-3-3.${svcName('resolver')} A 10.244.3.3`,
      `${PTR4('10.244.3.3')} PTR 10-244-3-3.${svcName('resolver')}`,
      `_dns._udp.${svcName('resolver')} SRV 0 100 53 10-244-3-3.${svcName('resolver')}`,
      `${svcName('resolver')} A 10.244.3.3`,
      `${svcName('resolver')} SRV 0 100 53 10-244-3-3.${svcName('resolver')}`,
    ],
    hasNot: [/_tcp/],
  },
  {
    name: 'a not-ready endpoint sharing its hostname with a ready one: the name still resolves, so it is not listed',
    cite: 'spec 2.4.1 (the <hostname> A record exists while one ready endpoint has it)',
    svc: headless('nginx', [port('web', 80)]),
    slices: [
      slice(
        'nginx',
        [endpoint('10.244.0.10', {hostname: 'web-0'}), endpoint('10.244.0.99', {hostname: 'web-0', ready: false})],
        [epPort('web', 80)],
      ),
    ],
    want: [
      `${PTR4('10.244.0.10')} PTR web-0.${ng}`,
      `_web._tcp.${ng} SRV 0 100 80 web-0.${ng}`,
      `${ng} A 10.244.0.10`,
      `${ng} SRV 0 100 80 web-0.${ng}`,
      `web-0.${ng} A 10.244.0.10`,
    ],
    hasNot: [/10\.244\.0\.99/],
    nxdomain: [],
  },
  {
    name: "another service's slices are ignored: headless with only foreign slices is NXDOMAIN",
    cite: 'CoreDNS EpIndex keyed by the kubernetes.io/service-name label (object.EndpointsKey)',
    svc: headless('hdls'),
    slices: [
      slice('other', [endpoint('10.244.9.9')]),
      inNamespace(slice('hdls', [endpoint('10.244.8.8')]), 'elsewhere'),
    ],
    want: [],
    nxdomain: [hd],
  },
]

const externalNameCases: Case[] = [
  {
    name: 'ExternalName: CNAME to the lowercased target with a trailing dot',
    cite: 'spec 2.5 "<service>.<ns>.svc.<zone>. IN CNAME <extname>."; spec 2.1 comparisons are case-insensitive',
    svc: externalName('ext', 'My.Database.Example.COM'),
    want: [`${ext} CNAME my.database.example.com.`],
  },
  {
    name: 'ExternalName given with a trailing dot keeps exactly one (CoreDNS external-to-service fixture)',
    cite: 'spec 2.5; CoreDNS handler_test external-to-service CNAME svc1.testns.svc.cluster.local.',
    svc: externalName('ext', 'svc1.testns.svc.cluster.local.'),
    want: [`${ext} CNAME svc1.testns.svc.cluster.local.`],
  },
  {
    name: 'ExternalName that is an IPv4 address: no record, the name must not resolve',
    cite: 'CoreDNS findServices: msg.Service.HostType() of an IP is not CNAME, so nothing is added and err stays errNoItems',
    svc: externalName('ext', '192.0.2.10'),
    want: [],
    nxdomain: [ext],
    nxReason: {[ext]: ['not a DNS name']},
    check: (out) => assert.equal(out.mustNotResolve[0].type, 'CNAME'),
  },
  {
    name: 'ExternalName that is an IPv6 address: no record, NXDOMAIN',
    cite: 'CoreDNS findServices HostType() (AAAA, not CNAME) -> errNoItems',
    svc: externalName('ext', '2001:db8::1'),
    want: [],
    nxdomain: [ext],
  },
  {
    name: 'ExternalName ignores endpoints and ports entirely',
    cite: 'spec 2.5 (only the CNAME); CoreDNS handler_test "external" has ports yet answers only CNAME',
    svc: {
      ...externalName('ext', 'ext.interwebs.test'),
      spec: {type: 'ExternalName', externalName: 'ext.interwebs.test', ports: [port('http', 80)]},
    },
    slices: [slice('ext', [endpoint('10.244.1.5')])],
    want: [`${ext} CNAME ext.interwebs.test.`],
  },
]

const zoneCases: Case[] = [
  {
    name: 'non-default cluster zone: every name and target ends in .svc.<zone>.',
    cite: 'spec 2.1 <zone> = configured cluster domain',
    svc: clusterIP('web', '10.96.0.10'),
    zone: 'k8s.example.internal',
    want: [
      'web.default.svc.k8s.example.internal. A 10.96.0.10',
      '_http._tcp.web.default.svc.k8s.example.internal. SRV 0 100 80 web.default.svc.k8s.example.internal.',
      'web.default.svc.k8s.example.internal. SRV 0 100 80 web.default.svc.k8s.example.internal.',
      `${PTR4('10.96.0.10')} PTR web.default.svc.k8s.example.internal.`,
    ],
  },
  {
    name: 'zone written in capitals with a trailing dot: names come out lowercase with a single trailing dot',
    cite: 'spec 2.1 "All comparisons ... case-insensitive"; model/report.ts DnsRecord.name is a lowercase FQDN',
    svc: clusterIP('web', '10.96.0.10'),
    zone: 'Cluster.Local.',
    want: [
      `${PTR4('10.96.0.10')} PTR ${web}`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `${web} A 10.96.0.10`,
      `${web} SRV 0 100 80 ${web}`,
    ],
  },
  {
    name: 'headless in a non-default zone: PTR targets carry that zone',
    cite: 'spec 2.4.3 PTR <hostname>.<service>.<ns>.svc.<zone>.; CoreDNS reverse.go k.primaryZone()',
    svc: headless('hdls'),
    slices: [slice('hdls', [endpoint('10.244.1.5')])],
    zone: 'corp.lan',
    want: [
      `10-244-1-5.hdls.default.svc.corp.lan. A 10.244.1.5`,
      `${PTR4('10.244.1.5')} PTR 10-244-1-5.hdls.default.svc.corp.lan.`,
      `_http._tcp.hdls.default.svc.corp.lan. SRV 0 100 8080 10-244-1-5.hdls.default.svc.corp.lan.`,
      `hdls.default.svc.corp.lan. A 10.244.1.5`,
      `hdls.default.svc.corp.lan. SRV 0 100 8080 10-244-1-5.hdls.default.svc.corp.lan.`,
    ],
  },
]

/** Invariants every answer must keep, whatever the row. */
function assertWellFormed(out: ExpectedDns): void {
  for (const record of out.records) {
    assert.match(
      record.name,
      /^[a-z0-9_][a-z0-9_.-]*\.$/,
      `record name ${record.name} is a lowercase FQDN with a trailing dot`,
    )
    assert.doesNotMatch(record.name, /\.\./, `record name ${record.name} has no empty label`)
    assert.equal(record.status, 'expected')
    if (record.type === 'SRV')
      assert.match(
        record.data,
        /^0 ([1-9]\d?|100) \d{1,5} [a-z0-9][a-z0-9.-]*\.$/,
        `SRV data "${record.data}" is "0 W PORT TARGET."`,
      )
    if (record.type === 'PTR' || record.type === 'CNAME') assert.match(record.data, /^[a-z0-9][a-z0-9.-]*\.$/)
    if (record.type === 'PTR') assert.match(record.name, /\.(in-addr|ip6)\.arpa\.$/)
  }
  const lines = out.records.map(rr)
  assert.equal(new Set(lines).size, lines.length, 'no duplicate record')
  for (const absent of out.mustNotResolve) assert.match(absent.name, /^[a-z0-9][a-z0-9.-]*\.$/)
}

function runCase(tc: Case): void {
  const out = recordsFor(tc.svc, tc.slices, tc.zone)
  const lines = out.records.map(rr)
  assertWellFormed(out)
  if (tc.want) assert.deepEqual([...lines].sort(), [...tc.want].sort())
  for (const pattern of tc.hasNot ?? []) {
    const hit = lines.find((line) => pattern.test(line))
    assert.equal(hit, undefined, `unexpected record matching ${pattern}: ${hit}`)
  }
  assert.deepEqual(out.mustNotResolve.map((absent) => absent.name).sort(), [...(tc.nxdomain ?? [])].sort())
  for (const [name, substrings] of Object.entries(tc.nxReason ?? {})) {
    const reason = out.mustNotResolve.find((absent) => absent.name === name)?.reason ?? ''
    for (const substring of substrings)
      assert.ok(reason.includes(substring), `reason of ${name} "${reason}" mentions ${substring}`)
  }
  tc.check?.(out)
}

for (const [title, table] of [
  ['ClusterIP services (spec 2.3)', clusterIPCases],
  ['headless services (spec 2.4)', headlessCases],
  ['ExternalName services (spec 2.5)', externalNameCases],
  ['cluster zone (spec 2.1)', zoneCases],
] as const) {
  describe(`expectedRecords: ${title}`, () => {
    for (const tc of table) it(`${tc.name} [${tc.cite}]`, () => runCase(tc))
  })
}

describe('expectedRecords: SRV helpers', () => {
  const weights: Array<[entries: number, want: number]> = [
    [1, 100],
    [2, 50],
    [3, 33],
    [4, 25],
    [6, 16],
    [7, 14],
    [100, 1],
    [101, 1], // floor(100/101) = 0, raised to 1: "weight should be at least 1"
    [0, 100],
  ]
  for (const [entries, want] of weights) {
    it(`weight(${entries}) = ${want} [CoreDNS backend_lookup.go SRV weight floor(100/n), at least 1]`, () =>
      assert.equal(weight(entries), want))
  }

  const names: Array<[port: string, protocol: string | undefined, want: string]> = [
    ['http', 'TCP', `_http._tcp.${web}`],
    ['dns', 'UDP', `_dns._udp.${web}`],
    ['sctp-port', 'SCTP', `_sctp-port._sctp.${web}`],
    ['http', undefined, `_http._tcp.${web}`], // protocol defaults to TCP in the API
  ]
  for (const [portName, protocol, want] of names) {
    it(`srvName(${portName}, ${protocol}) = ${want} [spec 2.3.2 _<port>._<proto>, proto lowercased]`, () =>
      assert.equal(srvName(portName, protocol, web), want))
  }

  it('srvData is "<priority> <weight> <port> <target>" with priority 0 [CoreDNS msg.Service.NewSRV, Priority 0]', () => {
    assert.equal(srvData(33, 8080, `web-0.${ng}`), `0 33 8080 web-0.${ng}`)
  })

  it('endpointLabel prefers the hostname over the dashed address [spec 2.1 hostname precedence]', () => {
    const [withHost, without] = endpointsFromSlices([
      slice('nginx', [endpoint('10.244.0.10', {hostname: 'web-0'}), endpoint('10.244.0.11')]),
    ])
    assert.equal(endpointLabel(withHost), 'web-0')
    assert.equal(endpointLabel(without), '10-244-0-11')
  })
})

describe('expectedRecords: ordering is deterministic', () => {
  it('ClusterIP answer order: A, SRV (service name before _port names), PTR', () => {
    const out = recordsFor(clusterIP('web', '10.96.0.10'))
    assert.deepEqual(out.records.map(rr), [
      `${web} A 10.96.0.10`,
      `${web} SRV 0 100 80 ${web}`,
      `_http._tcp.${web} SRV 0 100 80 ${web}`,
      `${PTR4('10.96.0.10')} PTR ${web}`,
    ])
  })

  it('type order A < AAAA < SRV < PTR, the service name before endpoint names, numbers compared numerically', () => {
    const out = recordsFor(headless('hdls'), [
      slice('hdls', [endpoint('10.244.0.10'), endpoint('10.244.0.9')]),
      slice('hdls', [endpoint('fd00:10:244:1::5')]),
    ])
    const types = out.records.map((record) => record.type)
    const rank = {A: 0, AAAA: 1, CNAME: 2, SRV: 3, PTR: 4}
    assert.deepEqual(
      types,
      [...types].sort((a, b) => rank[a] - rank[b]),
    )
    const aNames = out.records.filter((record) => record.type === 'A').map(rr)
    assert.deepEqual(aNames, [
      `${hd} A 10.244.0.9`,
      `${hd} A 10.244.0.10`,
      `10-244-0-9.${hd} A 10.244.0.9`,
      `10-244-0-10.${hd} A 10.244.0.10`,
    ])
  })

  it('the same objects in another order give the identical answer [CoreDNS test.SortAndCheck compares sorted sections]', () => {
    const endpoints = [
      endpoint('10.244.2.7', {hostname: 'b'}),
      endpoint('10.244.1.5', {hostname: 'a'}),
      endpoint('10.244.3.1'),
      endpoint('10.244.1.6', {ready: false}),
    ]
    const forward = recordsFor(headless('hdls', [port('http', 80, 'TCP', 8080), port('grpc', 9000)]), [
      slice('hdls', endpoints, [epPort('http', 8080), epPort('grpc', 9000)]),
      slice('hdls', [endpoint('fd00::7')], [epPort('http', 8080), epPort('grpc', 9000)]),
    ])
    const backward = recordsFor(headless('hdls', [port('grpc', 9000), port('http', 80, 'TCP', 8080)]), [
      slice('hdls', [endpoint('fd00::7')], [epPort('grpc', 9000), epPort('http', 8080)]),
      slice('hdls', [...endpoints].reverse(), [epPort('grpc', 9000), epPort('http', 8080)]),
    ])
    assert.deepEqual(backward.records, forward.records)
    assert.deepEqual(backward.mustNotResolve, forward.mustNotResolve)
    assert.equal(
      forward.records.length,
      4 + 4 + 4 * 2 + 4 * 2 + 4,
      '4 published endpoints: A/AAAA on the name, per-endpoint names, 2 named SRVs, bare SRV x2 ports, PTR',
    )
  })

  it('expectedRecords is pure: the same input twice gives deep-equal output and does not mutate its input', () => {
    const svc = clusterIP('web', ['10.96.0.10', 'fd00:10:96::a'])
    const before = JSON.stringify(svc)
    const views = endpointsFromSlices([slice('web', [endpoint('10.244.1.5')])])
    assert.deepEqual(expectedRecords(svc, views, 'cluster.local'), expectedRecords(svc, views, 'cluster.local'))
    assert.equal(JSON.stringify(svc), before)
  })
})
