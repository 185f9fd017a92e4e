// DNS profile detection: kubernetes and cache options as CoreDNS's setup code reads them, plugins that answer before
// kubernetes (plugin.cfg order), NodeLocal DNSCache, and the server and release from the DNS workload's image. Rows
// cite dns-field.md (/work/shared/notes) sections or the CoreDNS / Kubernetes files the rule comes from.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {AKS, EKS, K3S} from './corefiles.js'
import {readFileSync} from 'node:fs'
import {parseCorefile, type ServerBlock} from '../../src/analyse/dns-server/corefile.js'
import {
  cacheOf,
  type DaemonSet,
  type Deployment,
  detectDnsProfile,
  goDurationSeconds,
  kubernetesOptionsOf,
  nodeLocalCacheOf,
  profileFromCorefile,
  shadowingOf,
} from '../../src/analyse/dns-server/detect.js'
import {type CacheLayer, type DnsProfile, type KubernetesPluginOptions} from '../../src/analyse/dns-server/profile.js'
import type {ConfigMap} from '../../src/model/k8s.js'

const KUBEADM = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`

const OPENSHIFT = `.:5353 {
    bufsize 512
    errors
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

/** The kubernetes plugin's own defaults (setup.go New/ParseStanza): pods disabled, ttl 5. */
const PLUGIN_DEFAULTS: KubernetesPluginOptions = {
  zones: ['cluster.local'],
  reverseZones: ['in-addr.arpa', 'ip6.arpa'],
  pods: 'disabled',
  endpointPodNames: false,
  ttl: 5,
  ignoreEmptyService: false,
  noEndpoints: false,
  namespaces: null,
  namespaceLabels: null,
  labels: null,
  fallthrough: null,
}
const STANDARD = {...PLUGIN_DEFAULTS, pods: 'insecure' as const, fallthrough: ['in-addr.arpa', 'ip6.arpa']}
/** plugin/reload/setup.go: defaultInterval 30s, defaultJitter 15s (the Corefiles here write a bare `reload`). */
const DEFAULT_RELOAD = {intervalSeconds: 30, jitterSeconds: 15}

const firstBlock = (text: string): ServerBlock => parseCorefile(text).blocks[0]
const plugin = (options: string, keys = '.:53', args = 'cluster.local in-addr.arpa ip6.arpa'): ServerBlock =>
  firstBlock(`${keys} {\n  kubernetes ${args} {\n${options}\n  }\n}\n`)

describe('kubernetesOptionsOf (plugin/kubernetes/setup.go ParseStanza, v1.11.1)', () => {
  const rows: Array<{name: string; source: string; block: ServerBlock; expected: KubernetesPluginOptions | null}> = [
    {name: 'kubeadm', source: 'dns-field.md §4 kubeadm', block: firstBlock(KUBEADM), expected: {...STANDARD, ttl: 30}},
    {name: 'k3s: no ttl, so 5', source: 'dns-field.md §4 k3s', block: firstBlock(K3S), expected: STANDARD},
    {name: 'EKS: no ttl, so 5', source: 'dns-field.md §4 EKS', block: firstBlock(EKS), expected: STANDARD},
    {name: 'AKS: ttl 30', source: 'dns-field.md §4 AKS', block: firstBlock(AKS), expected: {...STANDARD, ttl: 30}},
    {name: 'OpenShift', source: 'dns-field.md §4 OpenShift', block: firstBlock(OPENSHIFT), expected: STANDARD},
    {
      name: 'bare plugin: the block keys are its zones, CIDR keys are reverse zones, plugin defaults',
      source: 'setup.go OriginsFromArgsOrServerBlock; kubernetes README example "10.0.0.0/17 cluster.local"',
      block: firstBlock('10.0.0.0/24 Cluster.Local {\n  kubernetes\n}\n'),
      expected: {...PLUGIN_DEFAULTS, reverseZones: ['0.0.10.in-addr.arpa']},
    },
    {
      name: 'several forward zones keep their order (first is primary); a reverse sub-zone',
      source: 'dns-field.md §A several zones; setup.go primaryZoneIndex',
      block: plugin('', '.:53', 'in-addr.arpa Cluster.Local. example.org 10.96.0.0/16 ip6.arpa'),
      expected: {
        ...PLUGIN_DEFAULTS,
        zones: ['cluster.local', 'example.org'],
        reverseZones: ['in-addr.arpa', '96.10.in-addr.arpa', 'ip6.arpa'],
      },
    },
    {
      name: 'every option that changes answers',
      source: 'dns-field.md §A; setup.go',
      block: plugin(
        [
          'pods verified',
          'endpoint_pod_names',
          'ttl 0',
          'ignore empty_service',
          'noendpoints',
          'namespaces a b',
          'namespaces c a',
          'labels environment in (staging, qa),application=nginx',
          'fallthrough',
          'kubeconfig /k c',
          'endpoint https://x',
          'tls a b c',
          'multicluster clusterset.local',
        ].join('\n'),
      ),
      expected: {
        ...PLUGIN_DEFAULTS,
        pods: 'verified',
        endpointPodNames: true,
        ttl: 0,
        ignoreEmptyService: true,
        noEndpoints: true,
        namespaces: ['a', 'b', 'c'],
        labels: 'environment in (staging, qa),application=nginx',
        fallthrough: [],
      },
    },
    {
      name: 'namespace_labels; fallthrough with the root is every zone; ttl above 3600 clamped',
      source: 'setup.go; plugin/pkg/fall SetZonesFromArgs',
      block: plugin('namespace_labels istio-injection=enabled\nfallthrough . example.org\nttl 7200\npods bogus'),
      expected: {...PLUGIN_DEFAULTS, namespaceLabels: 'istio-injection=enabled', fallthrough: [], ttl: 3600},
    },
    {
      name: 'fallthrough zones are normalised',
      source: 'plugin/pkg/fall setZones (NormalizeExact)',
      block: plugin('fallthrough IN-ADDR.ARPA. ip6.arpa:53'),
      expected: {...PLUGIN_DEFAULTS, fallthrough: ['in-addr.arpa', 'ip6.arpa']},
    },
    {
      name: 'no kubernetes plugin',
      source: 'NodeLocal DNSCache Corefile (K8S nodelocaldns.yaml)',
      block: firstBlock(NODE_LOCAL),
      expected: null,
    },
  ]
  for (const row of rows) {
    it(`${row.name} (${row.source})`, () => assert.deepEqual(kubernetesOptionsOf(row.block), row.expected))
  }
})

describe('cacheOf (plugin/cache/setup.go cacheParse; defaults from cache.go and dnsutil/ttl.go)', () => {
  const layer = (successTtl: number, denialTtl: number, extra: Partial<CacheLayer> = {}): CacheLayer => ({
    layer: 'coredns',
    successTtl,
    denialTtl,
    successDisabled: false,
    denialDisabled: false,
    source: 'configmap/kube-system/coredns',
    ...extra,
  })
  const cache = (text: string, keys = '.:53') => firstBlock(`${keys} {\n  ${text}\n}\n`)
  const rows: Array<{name: string; source: string; block: ServerBlock; zone?: string; expected: CacheLayer | null}> = [
    {
      name: 'bare cache: 3600 / 1800',
      source: 'cache.go maxTTL, maxNTTL',
      block: cache('cache'),
      expected: layer(3600, 1800),
    },
    {
      name: 'cache 30 sets both caps',
      source: 'dns-field.md §4 EKS, k3s',
      block: firstBlock(EKS),
      expected: layer(30, 30),
    },
    {
      name: 'kubeadm newer: disable success and denial for cluster.local',
      source: 'dns-field.md §4 kubeadm (k/k#128359)',
      block: firstBlock(KUBEADM),
      expected: layer(30, 30, {successDisabled: true, denialDisabled: true}),
    },
    {
      name: 'OpenShift: cache 900 {denial 9984 30}',
      source: 'dns-field.md §4 OpenShift',
      block: firstBlock(OPENSHIFT),
      expected: layer(900, 30),
    },
    {
      name: 'NodeLocal: success 9984 30, denial 9984 5 (caps only)',
      source: 'K8S nodelocaldns.yaml',
      block: firstBlock(NODE_LOCAL),
      zone: '__pillar__dns__domain__',
      expected: layer(30, 5),
    },
    {
      name: 'disable without zones covers the root, so every zone; a CAP alone keeps the TTL',
      source: 'setup.go disable: no zones means "."',
      block: cache('cache 20 {\n    disable denial\n    success 100\n  }'),
      expected: layer(20, 20, {denialDisabled: true}),
    },
    {
      name: 'disable for a parent zone covers the cluster zone; for another zone it does not; the last line wins',
      source: 'setup.go (ca.pexcept = zones); cache.go plugin.Zones(pexcept).Matches',
      block: cache(
        'cache {\n    disable success example.org\n    disable success local\n    disable denial example.org\n  }',
      ),
      expected: layer(3600, 1800, {successDisabled: true}),
    },
    {
      name: 'cache with its own zones that do not include the cluster zone: not in the path',
      source: 'plugin/cache/handler.go (names outside c.Zones go to the next plugin)',
      block: cache('cache 30 example.org'),
      expected: null,
    },
    {
      name: 'a first argument that is not a number is a zone',
      source: 'setup.go (strconv.Atoi on args[0])',
      block: cache('cache cluster.local'),
      expected: layer(3600, 1800),
    },
    {name: 'no cache plugin', source: 'setup.go', block: cache('errors'), expected: null},
  ]
  for (const row of rows) {
    it(`${row.name} (${row.source})`, () =>
      assert.deepEqual(
        cacheOf(row.block, row.zone ?? 'cluster.local', 'coredns', 'configmap/kube-system/coredns'),
        row.expected,
      ))
  }
})

describe('shadowingOf (plugin.cfg order at v1.8.0, v1.11.1, v1.12.0 and HEAD 4b26cce)', () => {
  const rows: Array<{name: string; block: ServerBlock; zone?: string; expected: ReturnType<typeof shadowingOf>}> = [
    {name: 'kubeadm: nothing before kubernetes', block: firstBlock(KUBEADM), zone: 'cluster.local', expected: []},
    {
      name: 'k3s: NodeHosts (zones = the block keys, the root)',
      block: firstBlock(K3S),
      zone: 'cluster.local',
      expected: [{plugin: 'hosts', text: 'hosts /etc/coredns/NodeHosts { ttl 60; reload 15s; fallthrough }', line: 9}],
    },
    {
      name: 'AKS: templates for other zones do not touch cluster.local',
      block: firstBlock(AKS),
      zone: 'cluster.local',
      expected: [],
    },
    {
      name: 'AKS without a zone: every candidate listed',
      block: firstBlock(AKS),
      expected: [
        {
          plugin: 'template',
          text: 'template ANY ANY internal.cloudapp.net { match ^(?:[^.]+\\.){4,}internal\\.cloudapp\\.net\\.$; rcode NXDOMAIN; fallthrough }',
          line: 19,
        },
        {plugin: 'template', text: 'template ANY ANY reddog.microsoft.com { rcode NXDOMAIN }', line: 24},
      ],
    },
    {
      name: 'rewrite, a template inside the zone, k8s_external on the zone; file and forward come after kubernetes',
      block: firstBlock(
        '.:53 {\n  file db.cluster cluster.local\n  rewrite name foo.cluster.local bar.cluster.local\n' +
          '  template IN A svc.cluster.local {\n    answer "{{ .Name }} 5 IN A 1.2.3.4"\n  }\n' +
          '  k8s_external cluster.local\n  hosts /etc/hosts example.org\n  kubernetes cluster.local\n  forward . 8.8.8.8\n}\n',
      ),
      zone: 'cluster.local',
      expected: [
        {plugin: 'rewrite', text: 'rewrite name foo.cluster.local bar.cluster.local', line: 3},
        {plugin: 'template', text: 'template IN A svc.cluster.local { answer "{{ .Name }} 5 IN A 1.2.3.4" }', line: 4},
        {plugin: 'k8s_external', text: 'k8s_external cluster.local', line: 7},
      ],
    },
  ]
  for (const row of rows) it(row.name, () => assert.deepEqual(shadowingOf(row.block, row.zone), row.expected))
})

describe('profileFromCorefile', () => {
  const base = {version: '1.11.3', source: 'test', sourceKind: 'flag' as const, corefileSource: '--corefile'}
  const rows: Array<{name: string; source: string; text: string; zoneHint?: string; expected: DnsProfile}> = [
    {
      name: 'k3s: hosts shadows, both imports noted',
      source: 'dns-field.md §4 k3s',
      text: K3S,
      expected: {
        implementation: 'coredns',
        version: '1.11.3',
        source: 'test',
        sourceKind: 'flag',
        reload: DEFAULT_RELOAD,
        kubernetes: STANDARD,
        shadowing: [
          {plugin: 'hosts', text: 'hosts /etc/coredns/NodeHosts { ttl 60; reload 15s; fallthrough }', line: 9},
        ],
        caches: [
          {
            layer: 'coredns',
            successTtl: 30,
            denialTtl: 30,
            successDisabled: false,
            denialDisabled: false,
            source: '--corefile',
          },
        ],
        notes: [
          'Corefile:20: import /etc/coredns/custom/*.override not read (files are not visible from the API)',
          'Corefile:22: import /etc/coredns/custom/*.server not read (files are not visible from the API)',
        ],
      },
    },
    {
      name: 'OpenShift on 5353',
      source: 'dns-field.md §4 OpenShift',
      text: OPENSHIFT,
      expected: {
        implementation: 'coredns',
        version: '1.11.3',
        source: 'test',
        sourceKind: 'flag',
        reload: DEFAULT_RELOAD,
        kubernetes: STANDARD,
        shadowing: [],
        caches: [
          {
            layer: 'coredns',
            successTtl: 900,
            denialTtl: 30,
            successDisabled: false,
            denialDisabled: false,
            source: '--corefile',
          },
        ],
        notes: [],
      },
    },
    {
      name: 'a second kubernetes block chosen by the hint; a sub-zone block and an {$ENV} placeholder noted',
      source: 'core/dnsserver/server.go (longest zone wins); caddyfile/parse.go replaceEnvVars',
      text:
        'cluster.local:53 {\n  kubernetes\n}\noracle.test:53 {\n  kubernetes {\n    ttl 30\n  }\n  forward . {$UPSTREAM}\n}\n' +
        'svc.oracle.test:53 {\n  whoami\n}\n',
      zoneHint: 'Oracle.Test.',
      expected: {
        implementation: 'coredns',
        version: '1.11.3',
        source: 'test',
        sourceKind: 'flag',
        reload: null,
        kubernetes: {...PLUGIN_DEFAULTS, zones: ['oracle.test'], reverseZones: [], ttl: 30},
        shadowing: [],
        caches: [],
        notes: [
          "Corefile:8: {$UPSTREAM} is filled from CoreDNS's environment, not known here; read as written",
          'Corefile:10: the server block for svc.oracle.test answers names under it, not the kubernetes plugin of oracle.test',
        ],
      },
    },
    {
      name: 'no kubernetes plugin: assumed options, said so',
      source: 'profile.ts assumedProfile',
      text: '.:53 {\n  forward . 8.8.8.8\n}\n',
      expected: {
        implementation: 'coredns',
        version: '1.11.3',
        source: 'test',
        sourceKind: 'flag',
        reload: null,
        kubernetes: {
          zones: ['cluster.local'],
          reverseZones: ['in-addr.arpa', 'ip6.arpa'],
          pods: 'insecure',
          endpointPodNames: false,
          ttl: 30,
          ignoreEmptyService: false,
          noEndpoints: false,
          namespaces: null,
          namespaceLabels: null,
          labels: null,
          fallthrough: ['in-addr.arpa', 'ip6.arpa'],
        },
        shadowing: [],
        caches: [],
        notes: ['the server block on line 1 serves cluster.local without a kubernetes plugin: no cluster records'],
      },
    },
  ]
  for (const row of rows) {
    it(`${row.name} (${row.source})`, () =>
      assert.deepEqual(profileFromCorefile(row.text, {...base, zoneHint: row.zoneHint}), row.expected))
  }
})

const configMap = (namespace: string, name: string, Corefile: string): ConfigMap => ({
  metadata: {namespace, name},
  data: {Corefile},
})
const workload = (
  namespace: string,
  name: string,
  containers: Array<{name: string; image?: string; command?: string[]; args?: string[]}>,
): Deployment & DaemonSet => ({
  metadata: {namespace, name, labels: {'k8s-app': 'kube-dns'}},
  spec: {template: {spec: {containers}}},
})
const coredns = (image: string) => workload('kube-system', 'coredns', [{name: 'coredns', image}])
const nodeLocalDaemonSet = workload('kube-system', 'node-local-dns', [
  {name: 'node-cache', image: 'registry.k8s.io/dns/k8s-dns-node-cache:1.26.4'},
])
const cacheLayer = (layer: CacheLayer['layer'], successTtl: number, denialTtl: number, source: string, extra = {}) => ({
  layer,
  successTtl,
  denialTtl,
  successDisabled: false,
  denialDisabled: false,
  source,
  ...extra,
})

describe('nodeLocalCacheOf (K8S cluster/addons/dns/nodelocaldns/nodelocaldns.yaml; dns-field.md §4)', () => {
  const source = 'configmap/kube-system/node-local-dns'
  const rows: Array<{name: string; daemonSets: DaemonSet[]; configMaps: ConfigMap[]; expected: unknown}> = [
    {
      name: 'upstream manifest: __PILLAR__DNS__DOMAIN__ read as the cluster zone',
      daemonSets: [nodeLocalDaemonSet],
      configMaps: [configMap('kube-system', 'node-local-dns', NODE_LOCAL)],
      expected: {
        cache: cacheLayer('node-local-dns', 30, 5, source),
        notes: ['NodeLocal DNSCache: __PILLAR__DNS__DOMAIN__ read as the cluster zone cluster.local'],
      },
    },
    {
      name: 'installed with the domain filled in',
      daemonSets: [nodeLocalDaemonSet],
      configMaps: [
        configMap('kube-system', 'node-local-dns', NODE_LOCAL.replace('__PILLAR__DNS__DOMAIN__', 'cluster.local')),
      ],
      expected: {cache: cacheLayer('node-local-dns', 30, 5, source), notes: []},
    },
    {
      name: 'DaemonSet without its ConfigMap: upstream caps assumed',
      daemonSets: [nodeLocalDaemonSet],
      configMaps: [],
      expected: {
        cache: cacheLayer('node-local-dns', 30, 5, source),
        notes: [
          'NodeLocal DNSCache: ConfigMap configmap/kube-system/node-local-dns not read; its upstream caps assumed (success 30 s, denial 5 s)',
        ],
      },
    },
    {
      name: 'a leftover ConfigMap without the DaemonSet is not a cache',
      daemonSets: [],
      configMaps: [configMap('kube-system', 'node-local-dns', NODE_LOCAL)],
      expected: {cache: null, notes: []},
    },
  ]
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(nodeLocalCacheOf(row.daemonSets, row.configMaps), row.expected))
  }
})

const fixture = JSON.parse(readFileSync('/work/shared/fixtures/kube-dns-1.26.7.json', 'utf8')) as {
  objects: Array<{kind: string}>
}
const gkeKubeDns = fixture.objects.find((object) => object.kind === 'Deployment') as unknown as Deployment

describe('detectDnsProfile', () => {
  const kubeadmMap = configMap('kube-system', 'coredns', KUBEADM)
  const kubeadmCache = cacheLayer('coredns', 30, 30, 'configmap/kube-system/coredns', {
    successDisabled: true,
    denialDisabled: true,
  })
  const kubeDnsOptions = {
    ...STANDARD,
    zones: ['oracle.test'],
    ttl: 30,
    fallthrough: null,
  }
  const rows: Array<{
    name: string
    source: string
    input: Parameters<typeof detectDnsProfile>[0]
    expected: DnsProfile
  }> = [
    {
      name: 'kubeadm: coredns Deployment image v1.11.3 and its Corefile',
      source: 'dns-field.md §4 kubeadm',
      input: {
        configMaps: [kubeadmMap],
        deployments: [coredns('registry.k8s.io/coredns/coredns:v1.11.3')],
        daemonSets: [],
        flags: {},
      },
      expected: {
        implementation: 'coredns',
        version: '1.11.3',
        source: 'deployment/kube-system/coredns image registry.k8s.io/coredns/coredns:v1.11.3',
        sourceKind: 'deployment',
        reload: DEFAULT_RELOAD,
        kubernetes: {...STANDARD, ttl: 30},
        shadowing: [],
        caches: [kubeadmCache],
        notes: [],
      },
    },
    {
      name: 'EKS: eksbuild tag read as 1.11.4, the suffix noted; NodeLocal DNSCache added',
      source: 'dns-field.md §2 (1.11.4 PTR caveat), §4 EKS',
      input: {
        configMaps: [
          configMap('kube-system', 'coredns', EKS),
          configMap('kube-system', 'node-local-dns', NODE_LOCAL.replace('__PILLAR__DNS__DOMAIN__', 'cluster.local')),
        ],
        deployments: [
          coredns('602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2@sha256:abcd'),
        ],
        daemonSets: [nodeLocalDaemonSet],
        flags: {},
      },
      expected: {
        implementation: 'coredns',
        version: '1.11.4',
        source:
          'deployment/kube-system/coredns image 602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2@sha256:abcd',
        sourceKind: 'deployment',
        reload: DEFAULT_RELOAD,
        kubernetes: STANDARD,
        shadowing: [],
        caches: [
          cacheLayer('coredns', 30, 30, 'configmap/kube-system/coredns'),
          cacheLayer('node-local-dns', 30, 5, 'configmap/kube-system/node-local-dns'),
        ],
        notes: ['image tag v1.11.4-eksbuild.2 read as release 1.11.4; the vendor build eksbuild.2 may carry patches'],
      },
    },
    {
      name: 'k3s: rancher mirrored image',
      source: 'dns-field.md §4 k3s',
      input: {
        configMaps: [configMap('kube-system', 'coredns', K3S)],
        deployments: [coredns('rancher/mirrored-coredns-coredns:1.12.0')],
        daemonSets: [],
        flags: {},
      },
      expected: {
        implementation: 'coredns',
        version: '1.12.0',
        source: 'deployment/kube-system/coredns image rancher/mirrored-coredns-coredns:1.12.0',
        sourceKind: 'deployment',
        reload: DEFAULT_RELOAD,
        kubernetes: STANDARD,
        shadowing: [
          {plugin: 'hosts', text: 'hosts /etc/coredns/NodeHosts { ttl 60; reload 15s; fallthrough }', line: 9},
        ],
        caches: [cacheLayer('coredns', 30, 30, 'configmap/kube-system/coredns')],
        notes: [
          'Corefile:20: import /etc/coredns/custom/*.override not read (files are not visible from the API)',
          'Corefile:22: import /etc/coredns/custom/*.server not read (files are not visible from the API)',
        ],
      },
    },
    {
      name: 'OpenShift: DaemonSet dns-default runs the coredns command from a digest image',
      source: 'dns-field.md §4 OpenShift (OCP controller_dns_daemonset.go)',
      input: {
        configMaps: [configMap('openshift-dns', 'dns-default', OPENSHIFT)],
        deployments: [],
        daemonSets: [
          workload('openshift-dns', 'dns-default', [
            {
              name: 'dns',
              image: 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0123',
              command: ['coredns'],
              args: ['-conf', '/etc/coredns/Corefile'],
            },
          ]),
        ],
        flags: {},
      },
      expected: {
        implementation: 'coredns',
        version: null,
        source: 'daemonset/openshift-dns/dns-default image quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0123',
        sourceKind: 'deployment',
        reload: DEFAULT_RELOAD,
        kubernetes: STANDARD,
        shadowing: [],
        caches: [cacheLayer('coredns', 900, 30, 'configmap/openshift-dns/dns-default')],
        notes: ['image quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0123 has no tag: release unknown'],
      },
    },
    {
      name: 'GKE kube-dns Deployment from the recorded fixture: zone from --domain, dnsmasq layer',
      source: '/work/shared/fixtures/kube-dns-1.26.7.json; dns-field.md §3; K8S kube-dns.yaml.base (--no-negcache)',
      input: {configMaps: [], deployments: [gkeKubeDns], daemonSets: [], flags: {}},
      expected: {
        implementation: 'kube-dns',
        version: '1.26.7',
        source: 'deployment/kube-system/kube-dns image gke.gcr.io/k8s-dns-kube-dns:1.26.7',
        sourceKind: 'deployment',
        kubernetes: kubeDnsOptions,
        shadowing: [],
        caches: [
          cacheLayer('dnsmasq', 30, 0, 'deployment/kube-system/kube-dns container dnsmasq', {denialDisabled: true}),
        ],
        notes: [
          'dnsmasq flags not read: assumed the upstream --no-negcache, positive answers cached for their 30 s TTL',
        ],
      },
    },
    {
      name: 'kube-dns with dnsmasq flags read: negative caching on, max-cache-ttl 10',
      source: 'dns-field.md §3 (TTL 30, negative 60)',
      input: {
        configMaps: [],
        deployments: [
          workload('kube-system', 'kube-dns', [
            {name: 'kubedns', image: 'registry.k8s.io/dns/k8s-dns-kube-dns:1.26.7', args: ['--domain=oracle.test.']},
            {
              name: 'dnsmasq',
              image: 'registry.k8s.io/dns/k8s-dns-dnsmasq-nanny:1.26.7',
              args: ['--', '--max-cache-ttl=10'],
            },
          ]),
        ],
        daemonSets: [],
        flags: {},
      },
      expected: {
        implementation: 'kube-dns',
        version: '1.26.7',
        source: 'deployment/kube-system/kube-dns image registry.k8s.io/dns/k8s-dns-kube-dns:1.26.7',
        sourceKind: 'deployment',
        kubernetes: kubeDnsOptions,
        shadowing: [],
        caches: [cacheLayer('dnsmasq', 10, 60, 'deployment/kube-system/kube-dns container dnsmasq')],
        notes: [],
      },
    },
    {
      name: 'flags override every fact: server, release and Corefile',
      source: 'brief: --dns-server, --dns-version, --corefile',
      input: {
        configMaps: [kubeadmMap],
        deployments: [coredns('registry.k8s.io/coredns/coredns:v1.11.3')],
        daemonSets: [],
        flags: {server: 'coredns', version: 'v1.12.1', corefile: OPENSHIFT},
      },
      expected: {
        implementation: 'coredns',
        version: '1.12.1',
        source:
          '--dns-server coredns; release from deployment/kube-system/coredns image registry.k8s.io/coredns/coredns:v1.11.3, --dns-version v1.12.1',
        sourceKind: 'flag',
        reload: DEFAULT_RELOAD,
        kubernetes: STANDARD,
        shadowing: [],
        caches: [cacheLayer('coredns', 900, 30, '--corefile')],
        notes: [],
      },
    },
    {
      name: '--dns-version alone keeps the image as the source of the server',
      source: 'brief',
      input: {
        configMaps: [kubeadmMap],
        deployments: [coredns('registry.k8s.io/coredns/coredns:v1.11.3')],
        daemonSets: [],
        flags: {version: '1.12.0'},
      },
      expected: {
        implementation: 'coredns',
        version: '1.12.0',
        source:
          'deployment/kube-system/coredns image registry.k8s.io/coredns/coredns:v1.11.3; release from --dns-version 1.12.0',
        sourceKind: 'deployment',
        reload: DEFAULT_RELOAD,
        kubernetes: {...STANDARD, ttl: 30},
        shadowing: [],
        caches: [kubeadmCache],
        notes: [],
      },
    },
    {
      name: 'only the ConfigMap: coredns, release unknown; --cluster-domain that disagrees is noted',
      source: 'brief',
      input: {configMaps: [kubeadmMap], deployments: [], daemonSets: [], flags: {clusterDomain: 'other.test'}},
      expected: {
        implementation: 'coredns',
        version: null,
        source: 'configmap/kube-system/coredns',
        sourceKind: 'configmap',
        reload: DEFAULT_RELOAD,
        kubernetes: {...STANDARD, ttl: 30},
        shadowing: [],
        caches: [kubeadmCache],
        notes: ['--cluster-domain other.test differs from the zone the DNS server serves, cluster.local'],
      },
    },
    {
      name: 'a Corefile that does not parse: assumed options, the error in a note',
      source: 'brief',
      input: {
        configMaps: [configMap('kube-system', 'coredns', '.:53 {\n  errors\n')],
        deployments: [coredns('registry.k8s.io/coredns/coredns:1.11.1')],
        daemonSets: [],
        flags: {},
      },
      expected: {
        implementation: 'coredns',
        version: '1.11.1',
        source: 'deployment/kube-system/coredns image registry.k8s.io/coredns/coredns:1.11.1',
        sourceKind: 'deployment',
        kubernetes: {...STANDARD, ttl: 30},
        shadowing: [],
        caches: [],
        notes: [
          'configmap/kube-system/coredns does not parse (Corefile:2: unexpected end of file: "{" on line 1 is not closed): kubeadm-style kubernetes options assumed',
        ],
      },
    },
    {
      name: 'unknown server: nothing found',
      source: 'brief; profile.ts assumedProfile',
      input: {
        configMaps: [],
        deployments: [workload('kube-system', 'metrics-server', [{name: 'm', image: 'metrics-server:v0.7.0'}])],
        daemonSets: [],
        flags: {clusterDomain: 'Corp.Example.'},
      },
      expected: {
        implementation: 'unknown',
        version: null,
        source: 'no DNS Deployment, DaemonSet or Corefile found',
        sourceKind: 'default',
        kubernetes: {...STANDARD, zones: ['corp.example'], ttl: 30},
        shadowing: [],
        caches: [],
        notes: [
          'no DNS server found (no CoreDNS or kube-dns workload, no Corefile): kubeadm-style CoreDNS options assumed',
        ],
      },
    },
  ]
  for (const row of rows) {
    it(`${row.name} (${row.source})`, () => assert.deepEqual(detectDnsProfile(row.input), row.expected))
  }
})

describe('the Corefile changing under running replicas: reload and the ConfigMap write time', () => {
  const rows: Array<{name: string; source: string; reload: string; expected: DnsProfile['reload']}> = [
    {
      name: 'no reload',
      source: 'plugin/reload: absent, the Corefile is read at start only',
      reload: '',
      expected: null,
    },
    {
      name: 'bare reload: the defaults',
      source: 'plugin/reload/setup.go defaultInterval 30s, defaultJitter 15s',
      reload: 'reload',
      expected: {intervalSeconds: 30, jitterSeconds: 15},
    },
    {
      name: 'reload 1m30s 20s',
      source: 'plugin/reload/setup.go: time.ParseDuration of both arguments',
      reload: 'reload 1m30s 20s',
      expected: {intervalSeconds: 90, jitterSeconds: 20},
    },
    {
      name: 'reload 10s: the jitter stays 15s',
      source: 'plugin/reload/setup.go: one argument sets the interval only',
      reload: 'reload 10s',
      expected: {intervalSeconds: 10, jitterSeconds: 15},
    },
  ]
  for (const row of rows)
    it(`${row.name} (${row.source})`, () => {
      const text = `.:53 {\n    ${row.reload}\n    kubernetes cluster.local\n}\n`
      const profile = profileFromCorefile(text, {version: null, source: 'test', sourceKind: 'flag'})
      assert.deepEqual(profile.reload, row.expected)
    })

  it('Go durations: h, m, s, ms and sums of them; anything else is null', () => {
    assert.deepEqual(
      ['30s', '1m', '1m30s', '1h', '500ms', '2.5s', '', 'soon', '30', undefined].map(goDurationSeconds),
      [30, 60, 90, 3600, 0.5, 2.5, null, null, null, null],
    )
  })

  it("the ConfigMap's last write (managedFields, else creation) is when the Corefile changed; --corefile has none", () => {
    const map = {
      ...configMap('kube-system', 'coredns', '.:53 {\n    reload\n    kubernetes cluster.local\n}\n'),
      metadata: {
        namespace: 'kube-system',
        name: 'coredns',
        creationTimestamp: '2026-12-01T08:00:00Z',
        managedFields: [
          {manager: 'kubeadm', time: '2026-12-01T08:00:00Z'},
          {manager: 'kubectl-edit', time: '2026-12-06T06:20:05Z'},
        ],
      },
    }
    const input = {configMaps: [map], deployments: [coredns('registry.k8s.io/coredns/coredns:v1.11.3')], flags: {}}
    assert.equal(detectDnsProfile(input).corefileChangedAt, '2026-12-06T06:20:05.000Z')
    const created = {...map, metadata: {...map.metadata, managedFields: undefined}}
    assert.equal(detectDnsProfile({...input, configMaps: [created]}).corefileChangedAt, '2026-12-01T08:00:00.000Z')
    assert.equal(
      detectDnsProfile({...input, flags: {corefile: '.:53 {\n    kubernetes cluster.local\n}\n'}}).corefileChangedAt,
      undefined,
    )
  })
})
