// The Corefile parser against real platform Corefiles and Caddyfile syntax. Each row states the whole parse and
// cites where the input or the rule comes from: dns-field.md (/work/shared/notes) sections, or the CoreDNS and
// coredns/caddy source files the parser follows.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {AKS, EKS, K3S, KUBEADM_1_31} from './corefiles.js'
import {
  type Corefile,
  CorefileError,
  type Directive,
  parseCorefile,
  parseServerKey,
  serverBlockFor,
} from '../../src/analyse/dns-server/corefile.js'

const KUBEADM_NEW = KUBEADM_1_31.replace(
  '    cache 30\n',
  '    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n',
)

const OPENSHIFT = `.:5353 {
    bufsize 512
    errors
    log . {
        class error
    }
    health {
        lameduck 20s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus 127.0.0.1:9153
    forward . /etc/resolv.conf {
        policy sequential
    }
    cache 900 {
        denial 9984 30
    }
    reload
}
`

const NODE_LOCAL = `__PILLAR__DNS__DOMAIN__:53 {
    errors
    cache {
            success 9984 30
            denial 9984 5
    }
    reload
    loop
    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__
    forward . __PILLAR__CLUSTER__DNS__ {
            force_tcp
    }
    prometheus :9253
    health __PILLAR__LOCAL__DNS__:8080
    }
in-addr.arpa:53 {
    errors
    cache 30
    reload
    loop
    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__
    forward . __PILLAR__CLUSTER__DNS__ {
            force_tcp
    }
    prometheus :9253
    }
ip6.arpa:53 {
    errors
    cache 30
    reload
    loop
    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__
    forward . __PILLAR__CLUSTER__DNS__ {
            force_tcp
    }
    prometheus :9253
    }
.:53 {
    errors
    cache 30
    reload
    loop
    bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__
    forward . __PILLAR__UPSTREAM__SERVERS__
    prometheus :9253
    }
`

const d = (name: string, args: string[], line: number, block: Directive[] | null = null): Directive => ({
  name,
  args,
  block,
  line,
})
const root = {scheme: 'dns', zone: '.', port: 53}

describe('parseCorefile: real platform Corefiles', () => {
  const rows: Array<{name: string; source: string; text: string; expected: Corefile}> = [
    {
      name: 'kubeadm, older (cache 30)',
      source: 'dns-field.md §4 kubeadm; K8S cmd/kubeadm/app/phases/addons/dns/manifests.go',
      text: KUBEADM_1_31,
      expected: {
        blocks: [
          {
            keys: [root],
            line: 1,
            directives: [
              d('errors', [], 2),
              d('health', [], 3, [d('lameduck', ['5s'], 4)]),
              d('ready', [], 6),
              d('kubernetes', ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], 7, [
                d('pods', ['insecure'], 8),
                d('fallthrough', ['in-addr.arpa', 'ip6.arpa'], 9),
                d('ttl', ['30'], 10),
              ]),
              d('prometheus', [':9153'], 12),
              d('forward', ['.', '/etc/resolv.conf'], 13, [d('max_concurrent', ['1000'], 14)]),
              d('cache', ['30'], 16),
              d('loop', [], 17),
              d('reload', [], 18),
              d('loadbalance', [], 19),
            ],
          },
        ],
        notes: [],
      },
    },
    {
      name: 'kubeadm, newer (cache 30 with disable success/denial cluster.local)',
      source: 'dns-field.md §4 kubeadm (k/k#128359)',
      text: KUBEADM_NEW,
      expected: {
        blocks: [
          {
            keys: [root],
            line: 1,
            directives: [
              d('errors', [], 2),
              d('health', [], 3, [d('lameduck', ['5s'], 4)]),
              d('ready', [], 6),
              d('kubernetes', ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], 7, [
                d('pods', ['insecure'], 8),
                d('fallthrough', ['in-addr.arpa', 'ip6.arpa'], 9),
                d('ttl', ['30'], 10),
              ]),
              d('prometheus', [':9153'], 12),
              d('forward', ['.', '/etc/resolv.conf'], 13, [d('max_concurrent', ['1000'], 14)]),
              d('cache', ['30'], 16, [
                d('disable', ['success', 'cluster.local'], 17),
                d('disable', ['denial', 'cluster.local'], 18),
              ]),
              d('loop', [], 20),
              d('reload', [], 21),
              d('loadbalance', [], 22),
            ],
          },
        ],
        notes: [],
      },
    },
    {
      name: 'k3s: NodeHosts hosts block, override and server imports',
      source: 'dns-field.md §4 k3s; k3s manifests/coredns.yaml',
      text: K3S,
      expected: {
        blocks: [
          {
            keys: [root],
            line: 1,
            directives: [
              d('errors', [], 2),
              d('health', [], 3),
              d('ready', [], 4),
              d('kubernetes', ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], 5, [
                d('pods', ['insecure'], 6),
                d('fallthrough', ['in-addr.arpa', 'ip6.arpa'], 7),
              ]),
              d('hosts', ['/etc/coredns/NodeHosts'], 9, [
                d('ttl', ['60'], 10),
                d('reload', ['15s'], 11),
                d('fallthrough', [], 12),
              ]),
              d('prometheus', [':9153'], 14),
              d('forward', ['.', '/etc/resolv.conf'], 15),
              d('cache', ['30'], 16),
              d('loop', [], 17),
              d('reload', [], 18),
              d('loadbalance', [], 19),
            ],
          },
        ],
        notes: [
          'Corefile:20: import /etc/coredns/custom/*.override not read (files are not visible from the API)',
          'Corefile:22: import /etc/coredns/custom/*.server not read (files are not visible from the API)',
        ],
      },
    },
    {
      name: 'OpenShift: .:5353 and cache 900 {denial 9984 30}',
      source: 'dns-field.md §4 OpenShift; OCP pkg/operator/controller/testdata/default_corefile',
      text: OPENSHIFT,
      expected: {
        blocks: [
          {
            keys: [{scheme: 'dns', zone: '.', port: 5353}],
            line: 1,
            directives: [
              d('bufsize', ['512'], 2),
              d('errors', [], 3),
              d('log', ['.'], 4, [d('class', ['error'], 5)]),
              d('health', [], 7, [d('lameduck', ['20s'], 8)]),
              d('ready', [], 10),
              d('kubernetes', ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], 11, [
                d('pods', ['insecure'], 12),
                d('fallthrough', ['in-addr.arpa', 'ip6.arpa'], 13),
              ]),
              d('prometheus', ['127.0.0.1:9153'], 15),
              d('forward', ['.', '/etc/resolv.conf'], 16, [d('policy', ['sequential'], 17)]),
              d('cache', ['900'], 19, [d('denial', ['9984', '30'], 20)]),
              d('reload', [], 22),
            ],
          },
        ],
        notes: [],
      },
    },
  ]
  for (const row of rows) {
    it(`${row.name} (${row.source})`, () => assert.deepEqual(parseCorefile(row.text), row.expected))
  }
})

describe('parseCorefile: AKS, EKS and NodeLocal DNSCache', () => {
  it('AKS: quoted regex with # and \\., templates, two imports (dns-field.md §4 AKS, 3rd-party dumps)', () => {
    const parsed = parseCorefile(AKS)
    assert.deepEqual(parsed.notes, [
      'Corefile:18: import custom/*.override not read (files are not visible from the API)',
      'Corefile:28: import custom/*.server not read (files are not visible from the API)',
    ])
    assert.deepEqual(
      parsed.blocks[0].directives.slice(-2),
      [
        d('template', ['ANY', 'ANY', 'internal.cloudapp.net'], 19, [
          d('match', ['^(?:[^.]+\\.){4,}internal\\.cloudapp\\.net\\.$'], 20),
          d('rcode', ['NXDOMAIN'], 21),
          d('fallthrough', [], 22),
        ]),
        d('template', ['ANY', 'ANY', 'reddog.microsoft.com'], 24, [d('rcode', ['NXDOMAIN'], 25)]),
      ],
      'a backslash other than \\" stays in a quoted token (caddy lexer.go)',
    )
    assert.deepEqual(
      parsed.blocks.map((block) => block.directives.map((directive) => directive.name)),
      [
        [
          'errors',
          'ready',
          'health',
          'kubernetes',
          'prometheus',
          'forward',
          'cache',
          'loop',
          'reload',
          'loadbalance',
          'template',
          'template',
        ],
      ],
    )
  })

  it('EKS: a closing brace indented deeper than its block (dns-field.md §4 EKS, repost.aws dump)', () => {
    const parsed = parseCorefile(EKS)
    assert.deepEqual(parsed.blocks[0].directives[1], d('health', [], 3, [d('lameduck', ['5s'], 4)]))
    assert.equal(parsed.blocks[0].directives.length, 10)
  })

  it('NodeLocal DNSCache: four blocks on :53, __PILLAR__ placeholders noted (K8S nodelocaldns.yaml)', () => {
    const parsed = parseCorefile(NODE_LOCAL)
    assert.deepEqual(
      parsed.blocks.map((block) => ({keys: block.keys, line: block.line})),
      [
        {keys: [{scheme: 'dns', zone: '__pillar__dns__domain__', port: 53}], line: 1},
        {keys: [{scheme: 'dns', zone: 'in-addr.arpa', port: 53}], line: 16},
        {keys: [{scheme: 'dns', zone: 'ip6.arpa', port: 53}], line: 27},
        {keys: [{scheme: 'dns', zone: '.', port: 53}], line: 38},
      ],
    )
    assert.deepEqual(
      parsed.blocks[0].directives[1],
      d('cache', [], 3, [d('success', ['9984', '30'], 4), d('denial', ['9984', '5'], 5)]),
    )
    assert.deepEqual(parsed.notes, [
      'Corefile:1: __PILLAR__DNS__DOMAIN__ is a manifest template placeholder that was never substituted',
      'Corefile:9: __PILLAR__LOCAL__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:9: __PILLAR__DNS__SERVER__ is a manifest template placeholder that was never substituted',
      'Corefile:10: __PILLAR__CLUSTER__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:14: __PILLAR__LOCAL__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:21: __PILLAR__LOCAL__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:21: __PILLAR__DNS__SERVER__ is a manifest template placeholder that was never substituted',
      'Corefile:22: __PILLAR__CLUSTER__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:32: __PILLAR__LOCAL__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:32: __PILLAR__DNS__SERVER__ is a manifest template placeholder that was never substituted',
      'Corefile:33: __PILLAR__CLUSTER__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:43: __PILLAR__LOCAL__DNS__ is a manifest template placeholder that was never substituted',
      'Corefile:43: __PILLAR__DNS__SERVER__ is a manifest template placeholder that was never substituted',
      'Corefile:44: __PILLAR__UPSTREAM__SERVERS__ is a manifest template placeholder that was never substituted',
    ])
  })
})

describe('parseCorefile: Caddyfile syntax (coredns/caddy caddyfile/lexer.go, parse.go)', () => {
  const rows: Array<{name: string; text: string; expected: Corefile}> = [
    {
      name: 'several zones per block: spaces, commas (an inner comma split too), a trailing comma continues the keys',
      text: 'Cluster.Local. example.org:1053,tls://secure.example:853,\n  other.test, \n  last.test {\n  whoami\n}\n',
      expected: {
        blocks: [
          {
            keys: [
              {scheme: 'dns', zone: 'cluster.local', port: null},
              {scheme: 'dns', zone: 'example.org', port: 1053},
              {scheme: 'tls', zone: 'secure.example', port: 853},
              {scheme: 'dns', zone: 'other.test', port: null},
              {scheme: 'dns', zone: 'last.test', port: null},
            ],
            line: 1,
            directives: [d('whoami', [], 4)],
          },
        ],
        notes: [],
      },
    },
    {
      name: '{$ENV} and {%ENV%} placeholders stay as written and are noted; {env.X} is literal',
      text: '{$DOMAIN}:53 {\n  kubernetes {$DOMAIN} {\n    ttl {%TTL%}\n  }\n  forward . {env.UPSTREAM}\n}\n',
      expected: {
        blocks: [
          {
            keys: [{scheme: 'dns', zone: '{$DOMAIN}', port: 53}],
            line: 1,
            directives: [
              d('kubernetes', ['{$DOMAIN}'], 2, [d('ttl', ['{%TTL%}'], 3)]),
              d('forward', ['.', '{env.UPSTREAM}'], 5),
            ],
          },
        ],
        notes: [
          "Corefile:1: {$DOMAIN} is filled from CoreDNS's environment, not known here; read as written",
          "Corefile:2: {$DOMAIN} is filled from CoreDNS's environment, not known here; read as written",
          "Corefile:3: {%TTL%} is filled from CoreDNS's environment, not known here; read as written",
          'Corefile:5: {env.UPSTREAM} is Caddy v2 syntax, which CoreDNS does not expand; read literally',
        ],
      },
    },
    {
      name: 'quoted args keep spaces and # and an escaped quote; comments anywhere else, even mid-word',
      text: '# head\n. { # after the brace\n  template IN A example.org {\n    answer "{{ .Name }} 60 IN A 1.2.3.4" # tail\n    match "a#b" "say \\"hi\\"" x#y\n  }\n}\n',
      expected: {
        blocks: [
          {
            keys: [{scheme: 'dns', zone: '.', port: null}],
            line: 2,
            directives: [
              d('template', ['IN', 'A', 'example.org'], 3, [
                d('answer', ['{{ .Name }} 60 IN A 1.2.3.4'], 4),
                d('match', ['a#b', 'say "hi"', 'x'], 5),
              ]),
            ],
          },
        ],
        notes: [],
      },
    },
    {
      name: 'nested blocks deeper than one level; a block opened with directives on the same line',
      text: '.:53 {\n  view internal {\n    expr a {\n      b c\n    }\n  }\n  acl { block type ANY\n  }\n}\n',
      expected: {
        blocks: [
          {
            keys: [root],
            line: 1,
            directives: [
              d('view', ['internal'], 2, [d('expr', ['a'], 3, [d('b', ['c'], 4)])]),
              d('acl', [], 7, [d('block', ['type', 'ANY'], 7)]),
            ],
          },
        ],
        notes: [],
      },
    },
    {
      name: 'snippets are expanded where imported, nested snippets too; the definition is not a block',
      text: '(common) {\n  errors\n  cache 30\n}\n(outer) {\n  import common\n  log\n}\n.:53 {\n  import outer\n  kubernetes cluster.local\n}\n',
      expected: {
        blocks: [
          {
            keys: [root],
            line: 9,
            directives: [
              d('errors', [], 2),
              d('cache', ['30'], 3),
              d('log', [], 7),
              d('kubernetes', ['cluster.local'], 11),
            ],
          },
        ],
        notes: [],
      },
    },
    {
      name: 'CIDR keys become reverse zones (plugin/normalize.go SplitHostPort, plugin/pkg/cidr)',
      text: '10.0.0.0/23 10.1.0.0/16:53 fd00::/63 {\n  whoami\n}\n',
      expected: {
        blocks: [
          {
            keys: [
              {scheme: 'dns', zone: '0.0.10.in-addr.arpa', port: null},
              {scheme: 'dns', zone: '1.0.10.in-addr.arpa', port: null},
              {scheme: 'dns', zone: '1.10.in-addr.arpa', port: 53},
              {scheme: 'dns', zone: '0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', port: null},
              {scheme: 'dns', zone: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', port: null},
            ],
            line: 1,
            directives: [d('whoami', [], 2)],
          },
        ],
        notes: [],
      },
    },
    {
      name: 'a single block without braces runs to the end of the file; CRLF line ends',
      text: 'cluster.local\r\nkubernetes\r\ncache 10\r\n',
      expected: {
        blocks: [
          {
            keys: [{scheme: 'dns', zone: 'cluster.local', port: null}],
            line: 1,
            directives: [d('kubernetes', [], 2), d('cache', ['10'], 3)],
          },
        ],
        notes: [],
      },
    },
    {
      name: 'a "}" on the line of a plugin sub-directive closes the block and is noted',
      text: '.:53 {\n  hosts {\n    1.2.3.4 a.example }\n}\n',
      expected: {
        blocks: [{keys: [root], line: 1, directives: [d('hosts', [], 2, [d('1.2.3.4', ['a.example'], 3)])]}],
        notes: [
          'Corefile:3: "}" on the line of "1.2.3.4": CoreDNS passes it to the plugin as an argument; read here as closing the block',
        ],
      },
    },
  ]
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(parseCorefile(row.text), row.expected))
  }
})

describe('parseCorefile: malformed input names the line (coredns/caddy parse.go errors)', () => {
  const rows: Array<{name: string; text: string; message: string}> = [
    {name: 'stray closing brace', text: '.:53 {\n  errors\n}\n}\n', message: 'Corefile:4: unexpected "}"'},
    {
      name: 'unclosed server block',
      text: '.:53 {\n  kubernetes cluster.local {\n    pods insecure\n  }\n',
      message: 'Corefile:4: unexpected end of file: "{" on line 1 is not closed',
    },
    {
      name: 'unclosed plugin block',
      text: '.:53 {\n  cache 30 {\n    success 10\n}\n',
      message: 'Corefile:4: unexpected end of file: "{" on line 1 is not closed',
    },
    {
      name: 'brace on its own line after a directive',
      text: '.:53 {\n  cache 30\n  {\n  }\n}\n',
      message: 'Corefile:3: unexpected "{": it must end the line of its directive',
    },
    {
      name: 'one-line server block (CoreDNS: no matching opening brace)',
      text: '.:53 { errors }\n',
      message: 'Corefile:1: unexpected "}" on the line of a directive',
    },
    {
      name: 'unterminated quote',
      text: '.:53 {\n  hosts "abc\n}\n',
      message: 'Corefile:2: quote opened here is never closed',
    },
    {
      name: 'trailing comma with no key after it',
      text: 'a.example, {\n}\n',
      message: 'Corefile:1: expected another key after ","',
    },
    {
      name: 'import without its argument',
      text: '.:53 {\n  import\n}\n',
      message: 'Corefile:2: import takes exactly one argument',
    },
    {
      name: 'snippet defined twice',
      text: '(a) {\n  log\n}\n(a) {\n  log\n}\n',
      message: 'Corefile:4: snippet (a) is defined twice',
    },
    {
      name: 'key ending in a colon',
      text: 'example.org: {\n}\n',
      message: 'Corefile:1: expecting a port after ":" in "example.org:"',
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      assert.throws(
        () => parseCorefile(row.text),
        (error: unknown) => error instanceof CorefileError && error.message === row.message,
      )
    })
  }
})

describe('parseServerKey (core/dnsserver/register.go, plugin/normalize.go)', () => {
  const rows: Array<{key: string; expected: ReturnType<typeof parseServerKey>}> = [
    {key: '.', expected: [{scheme: 'dns', zone: '.', port: null}]},
    {key: '.:5353', expected: [{scheme: 'dns', zone: '.', port: 5353}]},
    {key: 'dns://Cluster.Local.:53', expected: [{scheme: 'dns', zone: 'cluster.local', port: 53}]},
    {key: 'grpc://example.org', expected: [{scheme: 'grpc', zone: 'example.org', port: null}]},
    {key: '10.0.0.0/8', expected: [{scheme: 'dns', zone: '10.in-addr.arpa', port: null}]},
    {key: '0.0.0.0/0', expected: [{scheme: 'dns', zone: 'in-addr.arpa', port: null}]},
  ]
  for (const row of rows) it(row.key, () => assert.deepEqual(parseServerKey(row.key), row.expected))
})

describe('serverBlockFor: the most specific zone on the port (core/dnsserver/server.go ServeDNS)', () => {
  const several = parseCorefile(
    '.:53 {\n  forward . 8.8.8.8\n}\ncluster.local:53 {\n  kubernetes\n}\nsvc.cluster.local {\n  whoami\n}\n' +
      'cluster.local:1053 {\n  log\n}\ntls://cluster.local {\n  log\n}\n',
  )
  const rows: Array<{name: string; corefile: Corefile; zone: string; port?: number; line: number | null}> = [
    {
      name: 'root block serves the cluster zone (kubeadm)',
      corefile: parseCorefile(KUBEADM_1_31),
      zone: 'cluster.local',
      line: 1,
    },
    {name: 'a zone block beats the root block', corefile: several, zone: 'cluster.local', line: 4},
    {
      name: 'a deeper zone block (no port = 53) beats its parent',
      corefile: several,
      zone: 'a.svc.cluster.local',
      line: 7,
    },
    {name: 'another port is its own server', corefile: several, zone: 'cluster.local', port: 1053, line: 10},
    {name: 'tls:// is not plain DNS: never chosen', corefile: several, zone: 'cluster.local', port: 853, line: null},
    {
      name: 'OpenShift: nothing on 53, every block on 5353, so 5353',
      corefile: parseCorefile(OPENSHIFT),
      zone: 'cluster.local',
      line: 1,
    },
    {
      name: 'nothing on 53 and blocks on two ports: no answer',
      corefile: parseCorefile('a.example:1053 {\n  log\n}\nb.example:2053 {\n  log\n}\n'),
      zone: 'a.example',
      line: null,
    },
    {
      name: 'a zone no block contains',
      corefile: parseCorefile('example.org {\n  log\n}\n'),
      zone: 'cluster.local',
      line: null,
    },
    {
      name: 'NodeLocal: the __PILLAR__ block only for its literal name; cluster.local falls to the root block',
      corefile: parseCorefile(NODE_LOCAL),
      zone: 'cluster.local',
      line: 38,
    },
  ]
  for (const row of rows) {
    it(row.name, () => assert.equal(serverBlockFor(row.corefile, row.zone, row.port)?.line ?? null, row.line))
  }
})
