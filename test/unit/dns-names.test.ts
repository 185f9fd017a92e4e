// Name arithmetic: FQDNs, CoreDNS's dashed endpoint labels, reverse names, label validation.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  addressFamily,
  addressRecordType,
  dashedAddress,
  dns1035LabelError,
  dns1123LabelError,
  dns1123SubdomainError,
  expandIPv6,
  fqdn,
  naturalKey,
  naturalOrder,
  sortNaturally,
  reverseName,
  serviceFqdn,
} from '../../src/analyse/dns-names.js'

describe('fqdn', () => {
  const cases: Array<{name: string; labels: string[]; want: string}> = [
    {
      name: 'joins labels and adds one trailing dot',
      labels: ['web', 'default', 'svc', 'cluster.local'],
      want: 'web.default.svc.cluster.local.',
    },
    {
      name: 'lowercases (spec 2.1: comparisons are case-insensitive)',
      labels: ['Web', 'PROD', 'svc', 'Cluster.Local'],
      want: 'web.prod.svc.cluster.local.',
    },
    {
      name: 'a zone given with a trailing dot yields a single dot',
      labels: ['web', 'default', 'svc', 'cluster.local.'],
      want: 'web.default.svc.cluster.local.',
    },
    {name: 'leading dots on a label are dropped', labels: ['.web', '..default'], want: 'web.default.'},
    {name: 'empty labels are skipped', labels: ['web', '', 'default'], want: 'web.default.'},
    {name: 'an already absolute name stays as it is', labels: ['db.example.com.'], want: 'db.example.com.'},
    {
      name: 'underscore labels (SRV owners) are kept',
      labels: ['_http', '_tcp', 'web.default.svc.cluster.local.'],
      want: '_http._tcp.web.default.svc.cluster.local.',
    },
  ]
  for (const tc of cases) it(tc.name, () => assert.equal(fqdn(...tc.labels), tc.want))

  it('serviceFqdn is <service>.<ns>.svc.<zone>. (spec 2.3.1 record format)', () => {
    assert.equal(serviceFqdn('kubernetes', 'default', 'cluster.local'), 'kubernetes.default.svc.cluster.local.')
    assert.equal(
      serviceFqdn('kube-dns', 'kube-system', 'k8s.example.internal.'),
      'kube-dns.kube-system.svc.k8s.example.internal.',
    )
  })
})

describe('address family', () => {
  const cases: Array<[ip: string, family: 'IPv4' | 'IPv6' | null, type: 'A' | 'AAAA']> = [
    ['10.96.0.10', 'IPv4', 'A'],
    ['fd00:10:96::a', 'IPv6', 'AAAA'],
    ['::1', 'IPv6', 'AAAA'],
    ['::ffff:10.0.0.1', 'IPv6', 'AAAA'],
    ['not-an-ip', null, 'A'],
    ['10.96.0.256', null, 'A'],
  ]
  for (const [ip, family, type] of cases) {
    it(`${ip} is ${family ?? 'no address'} -> ${type}`, () => {
      assert.equal(addressFamily(ip), family)
      assert.equal(addressRecordType(ip), type)
    })
  }
})

describe('dashedAddress (CoreDNS kubernetes.go endpointHostname)', () => {
  const cases: Array<[ip: string, want: string, why: string]> = [
    ['10.244.1.5', '10-244-1-5', 'IPv4 dots become dashes (handler_test 172-0-0-2)'],
    ['5678:abcd::1', '5678-abcd--1', 'IPv6 colons become dashes (handler_test 5678-abcd--1)'],
    [
      'fd00:10:244:1::',
      'fd00-10-244-1--0',
      'an address ending in "::" gets a trailing 0, so the label does not end in a dash',
    ],
    ['fd00::', 'fd00--0', 'short address ending in "::"'],
    ['2001:db8:0:0:0:0:0:1', '2001-db8-0-0-0-0-0-1', 'uncompressed IPv6 keeps every group'],
    ['::ffff:10.0.0.1', '::ffff:10-0-0-1', 'a dotted IPv6 takes the IPv4 branch, as CoreDNS checks "." first'],
  ]
  for (const [ip, want, why] of cases) it(`${ip} -> ${want}: ${why}`, () => assert.equal(dashedAddress(ip), want))
})

describe('expandIPv6', () => {
  const cases: Array<[ip: string, want: string]> = [
    ['::', '0000:0000:0000:0000:0000:0000:0000:0000'],
    ['::1', '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['fd00::', 'fd00:0000:0000:0000:0000:0000:0000:0000'],
    ['fd00:10:96::a', 'fd00:0010:0096:0000:0000:0000:0000:000a'],
    ['2001:DB8::8:800:200C:417A', '2001:0db8:0000:0000:0008:0800:200c:417a'],
    ['::ffff:10.0.0.1', '0000:0000:0000:0000:0000:ffff:0a00:0001'],
    ['1:2:3:4:5:6:7:8', '0001:0002:0003:0004:0005:0006:0007:0008'],
  ]
  for (const [ip, want] of cases) it(`${ip} -> ${want}`, () => assert.equal(expandIPv6(ip).join(':'), want))
})

describe('reverseName (RFC 1035 3.5 in-addr.arpa, RFC 3596 2.5 ip6.arpa)', () => {
  // Expected values computed independently with Python's ipaddress.ip_address(x).reverse_pointer.
  const cases: Array<[ip: string, want: string]> = [
    ['10.3.0.1', '1.0.3.10.in-addr.arpa.'], // spec 2.3.3 question example
    ['10.0.3.100', '100.3.0.10.in-addr.arpa.'],
    ['192.168.1.100', '100.1.168.192.in-addr.arpa.'], // CoreDNS reverse_test
    ['1234:abcd::1', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.'], // CoreDNS reverse_test
    ['fd00:77:30::a', 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa.'], // CoreDNS reverse_test
    ['fd00:77:30::2:9ba6', '6.a.b.9.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa.'], // CoreDNS reverse_test
    ['FD00:10:244:1::', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa.'],
  ]
  for (const [ip, want] of cases) it(`${ip} -> ${want}`, () => assert.equal(reverseName(ip), want))

  it('an ip6.arpa name has 32 nibble labels', () => {
    assert.equal(reverseName('fd00::1').split('.').filter(Boolean).length, 34)
  })
})

describe('label validation (apimachinery IsDNS1035Label / IsDNS1123Label / IsDNS1123Subdomain)', () => {
  const cases: Array<{name: string; check: (value: string) => string | null; value: string; valid: boolean}> = [
    {name: 'service name', check: dns1035LabelError, value: 'web', valid: true},
    {name: 'service name with dash and digits', check: dns1035LabelError, value: 'web-v2', valid: true},
    {
      name: 'service name starting with a digit (1035 needs a letter)',
      check: dns1035LabelError,
      value: '2web',
      valid: false,
    },
    {name: 'service name ending in a dash', check: dns1035LabelError, value: 'web-', valid: false},
    {name: 'service name in capitals', check: dns1035LabelError, value: 'Web', valid: false},
    {name: 'service name with a dot', check: dns1035LabelError, value: 'web.api', valid: false},
    {name: 'service name of 63 characters', check: dns1035LabelError, value: 'a'.repeat(63), valid: true},
    {name: 'service name of 64 characters', check: dns1035LabelError, value: 'a'.repeat(64), valid: false},
    {
      name: 'namespace starting with a digit (1123 allows it)',
      check: dns1123LabelError,
      value: '1st-team',
      valid: true,
    },
    {name: 'namespace with an underscore', check: dns1123LabelError, value: 'team_a', valid: false},
    {name: 'empty namespace', check: dns1123LabelError, value: '', valid: false},
    {name: 'cluster domain', check: dns1123SubdomainError, value: 'cluster.local', valid: true},
    {name: 'cluster domain with a trailing dot', check: dns1123SubdomainError, value: 'cluster.local.', valid: true},
    {name: 'cluster domain with an empty label', check: dns1123SubdomainError, value: 'cluster..local', valid: false},
    {name: 'cluster domain that is only a dot', check: dns1123SubdomainError, value: '.', valid: false},
    {name: 'cluster domain with capitals', check: dns1123SubdomainError, value: 'Cluster.Local', valid: false},
  ]
  for (const tc of cases) {
    it(`${tc.name}: "${tc.value.length > 20 ? `${tc.value.slice(0, 8)}...(${tc.value.length})` : tc.value}" is ${tc.valid ? 'valid' : 'invalid'}`, () => {
      const error = tc.check(tc.value)
      if (tc.valid) assert.equal(error, null)
      else assert.equal(typeof error, 'string')
    })
  }

  it('the error names the offending label of a subdomain', () => {
    assert.match(dns1123SubdomainError('cluster.Local') ?? '', /label "Local"/)
  })

  it('length errors say the limit', () => {
    assert.match(dns1035LabelError('a'.repeat(64)) ?? '', /63 characters/)
    assert.match(dns1123SubdomainError(`${'a.'.repeat(127)}ab`) ?? '', /253 characters/)
  })
})

describe('naturalOrder: digit runs by value, the rest by code unit', () => {
  const cases: Array<{name: string; unsorted: string[]; want: string[]}> = [
    {
      name: "IPv4 addresses by each octet's value",
      unsorted: ['10.0.0.10', '10.0.0.9', '10.0.1.2', '9.255.0.1'],
      want: ['9.255.0.1', '10.0.0.9', '10.0.0.10', '10.0.1.2'],
    },
    {
      name: 'StatefulSet ordinals',
      unsorted: ['web-10', 'web-2', 'web-1', 'web-0'],
      want: ['web-0', 'web-1', 'web-2', 'web-10'],
    },
    {name: 'a prefix first', unsorted: ['web-0.hdls', 'web', 'web-0'], want: ['web', 'web-0', 'web-0.hdls']},
    {
      name: 'leading zeros do not make a number larger',
      unsorted: ['pod-010', 'pod-9', 'pod-0011'],
      want: ['pod-9', 'pod-010', 'pod-0011'],
    },
    {
      name: 'numbers longer than a double holds',
      unsorted: ['n-123456789012345678901', 'n-123456789012345678900'],
      want: ['n-123456789012345678900', 'n-123456789012345678901'],
    },
    {
      name: 'IPv6 addresses (hex digits are letters here)',
      unsorted: ['fd00::10', 'fd00::9', 'fd00::a'],
      want: ['fd00::9', 'fd00::10', 'fd00::a'],
    },
  ]
  for (const tc of cases) it(tc.name, () => assert.deepEqual([...tc.unsorted].sort(naturalOrder), tc.want))

  it('naturalKey: plain string order of the keys is the natural order', () => {
    const words = [
      '10.0.0.10',
      '10.0.0.9',
      'web-10',
      'web-2',
      'web',
      'web-0.hdls',
      'pod-010',
      'pod-9',
      'a:1',
      'a1',
      'a-1',
      'fd00::a',
      'fd00::10',
    ]
    const byKeys = [...words].sort((a, b) =>
      naturalKey(a) < naturalKey(b) ? -1 : naturalKey(a) > naturalKey(b) ? 1 : 0,
    )
    assert.deepEqual(byKeys, [...words].sort(naturalOrder))
    // A digit run compares with other characters as its digits would: '-' < digits < ':' < letters.
    assert.deepEqual(['a:', 'a5', 'a-', 'ab'].sort(naturalOrder), ['a-', 'a5', 'a:', 'ab'])
  })

  it('sortNaturally: numbers by value, strings naturally, key by key, stable for ties', () => {
    const items = [
      {type: 1, name: 'web-10', tag: 'a'},
      {type: 0, name: 'web-2', tag: 'b'},
      {type: 1, name: 'web-2', tag: 'c'},
      {type: 1, name: 'web-2', tag: 'd'},
      {type: 0, name: 'web-10', tag: 'e'},
    ]
    assert.deepEqual(
      sortNaturally(items, (item) => [item.type, item.name]).map((item) => item.tag),
      ['b', 'e', 'c', 'd', 'a'],
    )
    assert.deepEqual(
      sortNaturally([], () => ['x']),
      [],
    )
  })

  it('equal strings compare 0, and the order is antisymmetric', () => {
    const words = ['a1', 'a01', 'a2', 'a10', 'b', 'a', '10.0.0.1', '10.0.0.01']
    for (const a of words) {
      assert.equal(naturalOrder(a, a), 0)
      for (const b of words)
        assert.equal(Math.sign(naturalOrder(a, b)) + Math.sign(naturalOrder(b, a)), 0, `${a} vs ${b}`)
    }
  })
})
