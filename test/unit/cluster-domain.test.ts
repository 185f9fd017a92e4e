// The cluster domain: from the Corefile of kube-system/coredns as real distributions ship it, from a pod's
// resolv.conf, from the --cluster-domain flag.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {EKS, K3S, KUBEADM_1_31} from './corefiles.js'
import {
  chooseClusterDomain,
  DEFAULT_CLUSTER_DOMAIN,
  zoneFromCoreDnsConfigMap,
  zoneFromCorefile,
  zoneFromResolvConf,
} from '../../src/analyse/cluster-domain.js'
import type {ConfigMap} from '../../src/model/k8s.js'

const cases: Array<{name: string; corefile: string; want: string | null}> = [
  {name: 'kubeadm default', corefile: KUBEADM_1_31, want: 'cluster.local'},
  {
    name: 'kubeadm with --service-dns-domain k8s.corp.example',
    corefile: KUBEADM_1_31.replace('kubernetes cluster.local', 'kubernetes k8s.corp.example'),
    want: 'k8s.corp.example',
  },
  {name: 'k3s (hosts block and import lines)', corefile: K3S, want: 'cluster.local'},
  {name: 'EKS add-on', corefile: EKS, want: 'cluster.local'},
  {
    name: 'a commented-out kubernetes line before the real one is ignored',
    corefile: `.:53 {\n    # kubernetes old.local in-addr.arpa {\n    kubernetes   cluster.example   in-addr.arpa ip6.arpa {\n    }\n}\n`,
    want: 'cluster.example',
  },
  {
    name: 'a trailing comment on the kubernetes line',
    corefile: `.:53 {\n    kubernetes cluster.local in-addr.arpa ip6.arpa { # managed by ops\n    }\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'tabs and several spaces',
    corefile: `.:53 {\n\tkubernetes\t\tteam.local    in-addr.arpa\tip6.arpa   {\n\t}\n}\n`,
    want: 'team.local',
  },
  {
    name: 'CRLF line endings',
    corefile: KUBEADM_1_31.replaceAll('\n', '\r\n').replace('cluster.local', 'win.local'),
    want: 'win.local',
  },
  {
    name: 'zone with a trailing dot and capitals is normalised',
    corefile: `.:53 {\n    kubernetes Cluster.Local. in-addr.arpa {\n    }\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'reverse zones listed first are skipped',
    corefile: `.:53 {\n    kubernetes in-addr.arpa ip6.arpa cluster.local {\n    }\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'specific reverse zones (10.in-addr.arpa.) are skipped',
    corefile: `.:53 {\n    kubernetes 10.in-addr.arpa. cluster.local\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'kubernetes without a block on the same line',
    corefile: `.:53 {\n    kubernetes cluster.local\n    forward . 8.8.8.8\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'brace glued to the last zone',
    corefile: `.:53 {\n    kubernetes cluster.local ip6.arpa{\n    }\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'first kubernetes block wins across server blocks',
    corefile: `first.local:53 {\n    kubernetes first.local\n}\n.:53 {\n    kubernetes second.local\n}\n`,
    want: 'first.local',
  },
  {
    name: 'kubernetes with no zones serves the server block zones (CoreDNS)',
    corefile: `cluster.local:53 {\n    kubernetes {\n      pods insecure\n    }\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'a comment where the zones would be is not a zone: the server block zone is used',
    corefile: `cluster.local:53 {\n    kubernetes # zones from the server block\n}\n`,
    want: 'cluster.local',
  },
  {
    name: 'only reverse zones: no forward zone',
    corefile: `.:53 {\n    kubernetes in-addr.arpa ip6.arpa\n}\n`,
    want: null,
  },
  {
    name: 'no kubernetes plugin at all (forward-only Corefile)',
    corefile: `.:53 {\n    errors\n    forward . 1.1.1.1\n    cache 30\n}\n`,
    want: null,
  },
  {
    name: 'k8s_external is not the kubernetes plugin',
    corefile: `.:53 {\n    k8s_external example.org\n}\n`,
    want: null,
  },
  {
    name: 'a plugin whose name only starts with "kubernetes" does not count',
    corefile: `.:53 {\n    kubernetesai cluster.local\n}\n`,
    want: null,
  },
  {name: 'empty Corefile', corefile: '', want: null},
]

describe('zoneFromCorefile', () => {
  for (const tc of cases)
    it(`${tc.name} -> ${tc.want ?? 'null'}`, () => assert.equal(zoneFromCorefile(tc.corefile), tc.want))
})

describe('zoneFromCoreDnsConfigMap', () => {
  const configMap = (data?: Record<string, string>): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: 'coredns', namespace: 'kube-system'},
    ...(data ? {data} : {}),
  })
  const rows: Array<{name: string; configMap: ConfigMap | undefined; want: string | null}> = [
    {
      name: 'reads data.Corefile',
      configMap: configMap({Corefile: K3S, NodeHosts: '172.18.0.3 k3d-server-0'}),
      want: 'cluster.local',
    },
    {name: 'no ConfigMap (not readable or not CoreDNS)', configMap: undefined, want: null},
    {name: 'ConfigMap without data', configMap: configMap(), want: null},
    {name: 'ConfigMap without a Corefile key', configMap: configMap({'Corefile.custom': KUBEADM_1_31}), want: null},
  ]
  for (const row of rows)
    it(`${row.name} -> ${row.want ?? 'null'}`, () => assert.equal(zoneFromCoreDnsConfigMap(row.configMap), row.want))
})

describe('zoneFromResolvConf', () => {
  const rows: Array<{name: string; resolvConf: string; namespace: string; want: string | null}> = [
    {
      name: 'kubelet-written resolv.conf',
      resolvConf:
        'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
      namespace: 'default',
      want: 'cluster.local',
    },
    {
      name: 'EKS: node search domains appended',
      resolvConf:
        'nameserver 172.20.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local eu-west-1.compute.internal\noptions ndots:5\n',
      namespace: 'shop',
      want: 'cluster.local',
    },
    {
      name: 'custom cluster domain',
      resolvConf: 'search payments.svc.k8s.corp.example svc.k8s.corp.example k8s.corp.example\nnameserver 10.96.0.10\n',
      namespace: 'payments',
      want: 'k8s.corp.example',
    },
    {
      name: 'tabs between words',
      resolvConf: 'search\tdefault.svc.cluster.local\tsvc.cluster.local\n',
      namespace: 'default',
      want: 'cluster.local',
    },
    {
      name: 'trailing dot and capitals',
      resolvConf: 'search default.svc.Cluster.Local. svc.Cluster.Local.\n',
      namespace: 'default',
      want: 'cluster.local',
    },
    {
      name: 'another namespace does not match',
      resolvConf: 'search default.svc.cluster.local svc.cluster.local cluster.local\n',
      namespace: 'shop',
      want: null,
    },
    {
      name: 'hostNetwork pod (node resolv.conf, no svc search)',
      resolvConf: 'nameserver 10.0.0.2\nsearch eu-west-1.compute.internal\n',
      namespace: 'default',
      want: null,
    },
    {
      name: 'a "domain" line is not a search line',
      resolvConf: 'domain default.svc.cluster.local\n',
      namespace: 'default',
      want: null,
    },
    {name: 'empty file', resolvConf: '', namespace: 'default', want: null},
  ]
  for (const row of rows)
    it(`${row.name} -> ${row.want ?? 'null'}`, () =>
      assert.equal(zoneFromResolvConf(row.resolvConf, row.namespace), row.want))
})

describe('chooseClusterDomain', () => {
  const rows: Array<{
    name: string
    flag: string | undefined
    fromConfigMap: string | null
    want: {value: string; source: string}
  }> = [
    {
      name: 'the flag wins over the ConfigMap',
      flag: 'k8s.corp.example',
      fromConfigMap: 'cluster.local',
      want: {value: 'k8s.corp.example', source: 'flag'},
    },
    {
      name: 'the flag is normalised (trailing dot, capitals)',
      flag: 'Team.Local.',
      fromConfigMap: null,
      want: {value: 'team.local', source: 'flag'},
    },
    {
      name: 'the ConfigMap when there is no flag',
      flag: undefined,
      fromConfigMap: 'corp.lan',
      want: {value: 'corp.lan', source: 'coredns-configmap'},
    },
    {
      name: 'an empty flag counts as no flag',
      flag: '',
      fromConfigMap: 'corp.lan',
      want: {value: 'corp.lan', source: 'coredns-configmap'},
    },
    {
      name: 'the default when nothing is known',
      flag: undefined,
      fromConfigMap: null,
      want: {value: DEFAULT_CLUSTER_DOMAIN, source: 'default'},
    },
  ]
  for (const row of rows)
    it(`${row.name}`, () => assert.deepEqual(chooseClusterDomain(row.flag, row.fromConfigMap), row.want))

  it('the default is cluster.local (kubelet --cluster-domain default, spec 2.1 example)', () =>
    assert.equal(DEFAULT_CLUSTER_DOMAIN, 'cluster.local'))
})
