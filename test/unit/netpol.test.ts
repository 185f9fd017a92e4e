// NetworkPolicy evaluation (src/analyse/netpol/evaluate.ts), one row per rule of networking.k8s.io/v1. Each row
// quotes the API reference (kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1, the
// field descriptions of NetworkPolicySpec, NetworkPolicyIngressRule/EgressRule, NetworkPolicyPeer,
// NetworkPolicyPort and IPBlock) and states the whole verdict: allowed, and per direction the reason, the policies
// selecting the pod, the rules allowing, the default-deny policies and the nearest rule with what differs.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  dnsEgress,
  evaluateTraffic,
  type NetpolInput,
  policiesSelecting,
  type PeerRef,
  type Traffic,
  type Verdict,
  whoMayReach,
} from '../../src/analyse/netpol/evaluate.js'
import type {Namespace, NetpolPod, NetworkPolicy} from '../../src/analyse/netpol/types.js'

type Spec = NetworkPolicy['spec']
type Port = {name?: string; containerPort: number; protocol?: string}

function ns(name: string, labels: Record<string, string>): Namespace {
  return {metadata: {name, labels}}
}

function pod(
  ref: string,
  ip: string,
  labels: Record<string, string>,
  ports: Port[] = [],
  extra: {hostNetwork?: boolean; nodeName?: string; ips?: string[]} = {},
): NetpolPod {
  const [namespace, name] = ref.split('/')
  const ips = extra.ips ?? [ip]
  return {
    metadata: {name, namespace, labels},
    spec: {containers: [{name: 'main', ports}], hostNetwork: extra.hostNetwork, nodeName: extra.nodeName ?? 'node-a'},
    status: {phase: 'Running', podIP: ips[0], podIPs: ips.map((entry) => ({ip: entry}))},
  }
}

function policy(ref: string, spec: Spec): NetworkPolicy {
  const [namespace, name] = ref.split('/')
  return {apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace}, spec}
}

const NAMESPACES = [ns('shop', {team: 'shop'}), ns('pay', {team: 'pay'}), ns('legacy', {}), ns('kube-system', {})]
const HTTP: Port[] = [
  {name: 'http', containerPort: 8080},
  {name: 'metrics', containerPort: 9090},
]
const WEB = pod('shop/web', '10.244.1.10', {app: 'web'}, HTTP)
const SHOP_FRONTEND = pod('shop/frontend', '10.244.1.20', {app: 'frontend'})
const PAY_FRONTEND = pod('pay/frontend', '10.244.2.20', {app: 'frontend'})
const PAY_BATCH = pod('pay/batch', '10.244.2.30', {app: 'batch'})
const LEGACY = pod('legacy/old', '10.244.3.10', {app: 'old'})
const PROM = pod('shop/prom', '10.244.1.30', {app: 'prom', tier: 'ops'})
const COREDNS = pod('kube-system/coredns', '10.244.0.53', {'k8s-app': 'kube-dns'}, [
  {name: 'dns', containerPort: 53, protocol: 'UDP'},
  {name: 'dns-tcp', containerPort: 53, protocol: 'TCP'},
])
const NODE_AGENT = pod('kube-system/agent', '192.168.0.5', {app: 'agent'}, [{name: 'http', containerPort: 8080}], {
  hostNetwork: true,
})
const DUAL = pod('shop/dual', '10.244.1.40', {app: 'dual'}, [], {ips: ['10.244.1.40', 'fd00:244::40']})

const DENY_ALL_INGRESS = policy('shop/deny-all', {podSelector: {}, policyTypes: ['Ingress']})
const DENY_ALL_EGRESS = policy('pay/deny-egress', {podSelector: {}, policyTypes: ['Egress']})
const WEB_SEL = {matchLabels: {app: 'web'}}
const FRONTEND = {matchLabels: {app: 'frontend'}}
const TEAM_PAY = {matchLabels: {team: 'pay'}}
const DNS_PEER = {namespaceSelector: {}, podSelector: {matchLabels: {'k8s-app': 'kube-dns'}}}

/** The verdict of one direction, as the rows state it. */
interface Want {
  reason: Verdict['reason']
  selectedBy?: string[]
  allowedBy?: string[]
  defaultDeny?: string[]
  nearest?: string
  differs?: string[]
}

function shape(verdict: Verdict): Want {
  const want: Want = {reason: verdict.reason}
  if (verdict.selectedBy.length > 0) want.selectedBy = verdict.selectedBy
  if (verdict.allowedBy.length > 0)
    want.allowedBy = verdict.allowedBy.map((r) => `${r.policy} ${r.direction}[${r.rule}]`)
  if (verdict.blockedBecause && verdict.blockedBecause.defaultDeny.length > 0) {
    want.defaultDeny = verdict.blockedBecause.defaultDeny
  }

  const nearest = verdict.blockedBecause?.nearest
  if (nearest) {
    want.nearest = `${nearest.policy} ${nearest.direction}[${nearest.rule}]`
    want.differs = nearest.differs.map((entry) => entry.field)
  }

  return want
}

interface Row {
  name: string
  /** The API reference sentence (or other source) the row encodes. */
  cites: string
  policies: NetworkPolicy[]
  from: PeerRef
  to: PeerRef
  port: number | string
  protocol?: string
  allowed: boolean
  ingress: Want
  egress: Want
}

const NO_POLICY: Want = {reason: 'not-isolated'}
const NOT_A_POD: Want = {reason: 'not-a-pod'}

const AND_POLICY = policy('shop/and', {
  podSelector: WEB_SEL,
  ingress: [{from: [{namespaceSelector: TEAM_PAY, podSelector: FRONTEND}]}],
})
const OR_POLICY = policy('shop/or', {
  podSelector: WEB_SEL,
  ingress: [{from: [{namespaceSelector: TEAM_PAY}, {podSelector: FRONTEND}]}],
})
const NAMED_PORT = policy('shop/named', {podSelector: WEB_SEL, ingress: [{ports: [{port: 'http'}]}]})
const NAMED_UDP = policy('shop/named-udp', {
  podSelector: WEB_SEL,
  ingress: [{ports: [{port: 'http', protocol: 'UDP'}]}],
})
const PORT_80 = policy('shop/port-80', {
  podSelector: WEB_SEL,
  ingress: [{from: [{podSelector: FRONTEND}], ports: [{port: 80}]}],
})
const RANGE = policy('shop/range', {podSelector: WEB_SEL, ingress: [{ports: [{port: 8000, endPort: 8999}]}]})
const IPBLOCK = policy('shop/ipblock', {
  podSelector: WEB_SEL,
  ingress: [
    {
      from: [
        {ipBlock: {cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}},
        {ipBlock: {cidr: '2001:db8::/32', except: ['2001:db8:1::/48']}},
      ],
    },
  ],
})
const EGRESS_DNS_UDP = policy('pay/dns-udp-only', {
  podSelector: FRONTEND,
  policyTypes: ['Egress'],
  egress: [{to: [DNS_PEER], ports: [{port: 53, protocol: 'UDP'}]}],
})
const EGRESS_DNS_BOTH = policy('pay/dns-both', {
  podSelector: FRONTEND,
  policyTypes: ['Egress'],
  egress: [
    {
      to: [DNS_PEER],
      ports: [
        {port: 53, protocol: 'UDP'},
        {port: 53, protocol: 'TCP'},
      ],
    },
  ],
})
const ALLOW_FRONTEND_HTTP = policy('shop/frontend-http', {
  podSelector: WEB_SEL,
  ingress: [{from: [{namespaceSelector: {}, podSelector: FRONTEND}], ports: [{port: 'http'}]}],
})
const ALLOW_PROM_METRICS = policy('shop/prom-metrics', {
  podSelector: WEB_SEL,
  ingress: [{from: [{podSelector: {matchLabels: {app: 'prom'}}}], ports: [{port: 9090}]}],
})
const EGRESS_ONLY_WITH_INGRESS = policy('shop/egress-only', {
  podSelector: WEB_SEL,
  policyTypes: ['Egress'],
  ingress: [{from: [{podSelector: {matchLabels: {app: 'nobody'}}}]}],
  egress: [{to: [{ipBlock: {cidr: '0.0.0.0/0'}}]}],
})
const DEFAULTED_EGRESS = policy('pay/defaulted', {
  podSelector: FRONTEND,
  egress: [{to: [{namespaceSelector: {matchLabels: {team: 'shop'}}}]}],
})
const NOT_IN = policy('shop/not-in', {
  podSelector: WEB_SEL,
  ingress: [{from: [{podSelector: {matchExpressions: [{key: 'tier', operator: 'NotIn', values: ['ops']}]}}]}],
})

const rows: Row[] = [
  {
    name: 'no policy selects either pod: allowed both ways',
    cites: 'spec.ingress: "Traffic is allowed to a pod if there are no NetworkPolicies selecting the pod"',
    policies: [],
    from: {pod: SHOP_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: NO_POLICY,
    egress: NO_POLICY,
  },
  {
    name: 'default-deny ingress: empty podSelector, no ingress rules',
    cites:
      'spec.ingress: "If this field is empty then this NetworkPolicy does not allow any traffic (and serves solely to ensure that the pods it selects are isolated by default)"',
    policies: [DENY_ALL_INGRESS],
    from: {pod: SHOP_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/deny-all'], defaultDeny: ['shop/deny-all']},
    egress: {reason: 'not-isolated'},
  },
  {
    name: 'default deny selects only its own namespace (empty podSelector)',
    cites: 'spec.podSelector: "An empty selector matches all pods in the policy\'s namespace."',
    policies: [DENY_ALL_INGRESS],
    from: {pod: SHOP_FRONTEND},
    to: {pod: PAY_BATCH},
    port: 8080,
    allowed: true,
    ingress: NO_POLICY,
    egress: NO_POLICY,
  },
  {
    name: 'namespaceSelector and podSelector in ONE peer: pod with both labels allowed',
    cites:
      'peer.podSelector: "If namespaceSelector is also set, then the NetworkPolicyPeer as a whole selects the pods matching podSelector in the Namespaces selected by NamespaceSelector."',
    policies: [AND_POLICY],
    from: {pod: PAY_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/and'], allowedBy: ['shop/and ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'ONE peer (AND): right namespace, wrong pod labels: denied, pod labels differ',
    cites:
      'peer.podSelector: "...selects the pods matching podSelector in the Namespaces selected by NamespaceSelector."',
    policies: [AND_POLICY],
    from: {pod: PAY_BATCH},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/and'], nearest: 'shop/and ingress[0]', differs: ['pod-labels']},
    egress: NO_POLICY,
  },
  {
    name: 'ONE peer (AND): right pod labels, wrong namespace: denied, namespace labels differ',
    cites:
      'peer.namespaceSelector: "namespaceSelector selects namespaces using cluster-scoped labels. This field follows standard label selector semantics"',
    policies: [AND_POLICY],
    from: {pod: SHOP_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {
      reason: 'denied',
      selectedBy: ['shop/and'],
      nearest: 'shop/and ingress[0]',
      differs: ['namespace-labels'],
    },
    egress: NO_POLICY,
  },
  {
    name: 'TWO peers (OR): any pod in a namespace labelled team=pay is allowed',
    cites:
      'peer.namespaceSelector: "Otherwise it selects all pods in the namespaces selected by namespaceSelector."; ingress.from: "Items in this list are combined using a logical OR operation."',
    policies: [OR_POLICY],
    from: {pod: PAY_BATCH},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/or'], allowedBy: ['shop/or ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: "TWO peers (OR): a podSelector alone means the policy's own namespace",
    cites: 'peer.podSelector: "Otherwise it selects the pods matching podSelector in the policy\'s own namespace."',
    policies: [OR_POLICY],
    from: {pod: SHOP_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/or'], allowedBy: ['shop/or ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'TWO peers (OR): a frontend pod of ANOTHER namespace without the label is denied',
    cites: 'peer.podSelector: "Otherwise it selects the pods matching podSelector in the policy\'s own namespace."',
    policies: [OR_POLICY],
    from: {pod: pod('legacy/frontend', '10.244.3.20', {app: 'frontend'})},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/or'], nearest: 'shop/or ingress[0]', differs: ['namespace-labels']},
    egress: NO_POLICY,
  },
  {
    name: 'named port: the destination pod names 8080 "http"',
    cites: 'ports.port: "This can either be a numerical or named port on a pod."',
    policies: [NAMED_PORT],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/named'], allowedBy: ['shop/named ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'named port given by name in the traffic: resolved on the destination pod',
    cites: 'ports.port: "This can either be a numerical or named port on a pod."',
    policies: [NAMED_PORT],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 'http',
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/named'], allowedBy: ['shop/named ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'named port: another port of the pod is denied',
    cites:
      'ingress.ports: "If this field is present and contains at least one item, then this rule allows traffic only if the traffic matches at least one port in the list."',
    policies: [NAMED_PORT],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 9090,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/named'], nearest: 'shop/named ingress[0]', differs: ['port']},
    egress: NO_POLICY,
  },
  {
    name: 'named port with the other protocol: the TCP port named "http" does not match UDP',
    cites: 'ports.port: "If present, only traffic on the specified protocol AND port will be matched."',
    policies: [NAMED_UDP],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {
      reason: 'denied',
      selectedBy: ['shop/named-udp'],
      nearest: 'shop/named-udp ingress[0]',
      differs: ['port'],
    },
    egress: NO_POLICY,
  },
  {
    name: 'wrong port: the policy opens 80, the pod listens on 8080',
    cites: 'ports.port: "If present, only traffic on the specified protocol AND port will be matched."',
    policies: [PORT_80],
    from: {pod: SHOP_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/port-80'], nearest: 'shop/port-80 ingress[0]', differs: ['port']},
    egress: NO_POLICY,
  },
  {
    name: 'protocol defaults to TCP: a UDP packet to port 80 is not matched',
    cites: 'ports.protocol: "If not specified, this field defaults to TCP."',
    policies: [PORT_80],
    from: {pod: SHOP_FRONTEND},
    to: {pod: WEB},
    port: 80,
    protocol: 'UDP',
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/port-80'], nearest: 'shop/port-80 ingress[0]', differs: ['port']},
    egress: NO_POLICY,
  },
  {
    name: 'endPort: 8080 inside 8000-8999',
    cites:
      'ports.endPort: "the range of ports from port to endPort if set, inclusive, should be allowed by the policy"',
    policies: [RANGE],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/range'], allowedBy: ['shop/range ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'endPort: the end itself is inside (inclusive)',
    cites: 'ports.endPort: "the range of ports from port to endPort if set, inclusive"',
    policies: [RANGE],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 8999,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/range'], allowedBy: ['shop/range ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'endPort: 9090 is outside 8000-8999',
    cites: 'ports.endPort: "the range of ports from port to endPort if set, inclusive"',
    policies: [RANGE],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 9090,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/range'], nearest: 'shop/range ingress[0]', differs: ['port']},
    egress: NO_POLICY,
  },
  {
    name: 'ipBlock: an address inside the CIDR and outside except',
    cites: 'IPBlock: "IPBlock describes a particular CIDR (Ex. "192.168.1.0/24","2001:db8::/64") that is allowed"',
    policies: [IPBLOCK],
    from: {ip: '10.2.3.4'},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/ipblock'], allowedBy: ['shop/ipblock ingress[0]']},
    egress: NOT_A_POD,
  },
  {
    name: 'ipBlock: an address inside except is denied',
    cites: 'IPBlock.except: "except is a slice of CIDRs that should not be included within an IPBlock"',
    policies: [IPBLOCK],
    from: {ip: '10.1.2.3'},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/ipblock'], nearest: 'shop/ipblock ingress[0]', differs: ['ip']},
    egress: NOT_A_POD,
  },
  {
    name: 'ipBlock: an address outside the CIDR is denied',
    cites: 'IPBlock: "a particular CIDR ... that is allowed to the pods matched by a NetworkPolicySpec\'s podSelector"',
    policies: [IPBLOCK],
    from: {ip: '192.168.7.7'},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/ipblock'], nearest: 'shop/ipblock ingress[0]', differs: ['ip']},
    egress: NOT_A_POD,
  },
  {
    name: 'ipBlock IPv6: inside 2001:db8::/32, outside except 2001:db8:1::/48',
    cites:
      'IPBlock.cidr: "cidr is a string representing the IPBlock Valid examples are "192.168.1.0/24" or "2001:db8::/64""',
    policies: [IPBLOCK],
    from: {ip: '2001:db8:2::5'},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/ipblock'], allowedBy: ['shop/ipblock ingress[0]']},
    egress: NOT_A_POD,
  },
  {
    name: 'ipBlock IPv6: inside except is denied',
    cites: 'IPBlock.except: "except is a slice of CIDRs that should not be included within an IPBlock"',
    policies: [IPBLOCK],
    from: {ip: '2001:db8:1::5'},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/ipblock'], nearest: 'shop/ipblock ingress[0]', differs: ['ip']},
    egress: NOT_A_POD,
  },
  {
    name: "ipBlock matches a pod's address too (a pod in 10.244.0.0/16 is inside 10.0.0.0/8)",
    cites:
      "kube-network-policies evaluateIPBlocks: the peer's IP is matched against the CIDR whether or not it is a pod's (the API reference does not restrict it)",
    policies: [IPBLOCK],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/ipblock'], allowedBy: ['shop/ipblock ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'dual-stack pod towards an IPv6 address uses its IPv6 address',
    cites: 'IPBlock: "(Ex. "192.168.1.0/24","2001:db8::/64")": the families are matched separately',
    policies: [
      policy('shop/v6-out', {
        podSelector: {matchLabels: {app: 'dual'}},
        policyTypes: ['Egress'],
        egress: [{to: [{ipBlock: {cidr: 'fd00::/8'}}]}],
      }),
    ],
    from: {pod: DUAL},
    to: {ip: 'fd00:96::1'},
    port: 443,
    allowed: true,
    ingress: NOT_A_POD,
    egress: {reason: 'allowed', selectedBy: ['shop/v6-out'], allowedBy: ['shop/v6-out egress[0]']},
  },
  {
    name: 'egress default deny blocks DNS',
    cites:
      'spec.egress: "If this field is empty then this NetworkPolicy limits all outgoing traffic (and serves solely to ensure that the pods it selects are isolated by default)"',
    policies: [DENY_ALL_EGRESS],
    from: {pod: PAY_FRONTEND},
    to: {pod: COREDNS},
    port: 53,
    protocol: 'UDP',
    allowed: false,
    ingress: NO_POLICY,
    egress: {reason: 'denied', selectedBy: ['pay/deny-egress'], defaultDeny: ['pay/deny-egress']},
  },
  {
    name: 'egress allowing UDP 53 only: TCP 53 to CoreDNS is denied',
    cites: 'ports.port: "If present, only traffic on the specified protocol AND port will be matched."',
    policies: [EGRESS_DNS_UDP],
    from: {pod: PAY_FRONTEND},
    to: {pod: COREDNS},
    port: 53,
    protocol: 'TCP',
    allowed: false,
    ingress: NO_POLICY,
    egress: {
      reason: 'denied',
      selectedBy: ['pay/dns-udp-only'],
      nearest: 'pay/dns-udp-only egress[0]',
      differs: ['port'],
    },
  },
  {
    name: 'egress allowing DNS but not the Service: the client cannot reach web',
    cites:
      'spec.egress: "Outgoing traffic is allowed ... if the traffic matches at least one egress rule across all of the NetworkPolicy objects whose podSelector matches the pod."',
    policies: [EGRESS_DNS_BOTH],
    from: {pod: PAY_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: NO_POLICY,
    egress: {
      reason: 'denied',
      selectedBy: ['pay/dns-both'],
      nearest: 'pay/dns-both egress[0]',
      differs: ['port', 'pod-labels'],
    },
  },
  {
    name: "several policies add up: a default deny does not cancel another policy's allow",
    cites:
      'spec.podSelector: "Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively."',
    policies: [DENY_ALL_INGRESS, ALLOW_FRONTEND_HTTP, ALLOW_PROM_METRICS],
    from: {pod: PAY_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {
      reason: 'allowed',
      selectedBy: ['shop/deny-all', 'shop/frontend-http', 'shop/prom-metrics'],
      allowedBy: ['shop/frontend-http ingress[0]'],
    },
    egress: NO_POLICY,
  },
  {
    name: 'several policies add up: metrics from prom is allowed by the second policy',
    cites: 'spec.podSelector: "the ingress rules for each are combined additively"',
    policies: [DENY_ALL_INGRESS, ALLOW_FRONTEND_HTTP, ALLOW_PROM_METRICS],
    from: {pod: PROM},
    to: {pod: WEB},
    port: 9090,
    allowed: true,
    ingress: {
      reason: 'allowed',
      selectedBy: ['shop/deny-all', 'shop/frontend-http', 'shop/prom-metrics'],
      allowedBy: ['shop/prom-metrics ingress[0]'],
    },
    egress: NO_POLICY,
  },
  {
    name: 'several policies add up: the frontend on metrics matches neither; nearest is the port-only miss',
    cites:
      'spec.ingress: "OR if the traffic matches at least one ingress rule across all of the NetworkPolicy objects"',
    policies: [DENY_ALL_INGRESS, ALLOW_FRONTEND_HTTP, ALLOW_PROM_METRICS],
    from: {pod: PAY_FRONTEND},
    to: {pod: WEB},
    port: 9090,
    allowed: false,
    ingress: {
      reason: 'denied',
      selectedBy: ['shop/deny-all', 'shop/frontend-http', 'shop/prom-metrics'],
      defaultDeny: ['shop/deny-all'],
      nearest: 'shop/frontend-http ingress[0]',
      differs: ['port'],
    },
    egress: NO_POLICY,
  },
  {
    name: 'policyTypes [Egress] only: its ingress rules are ignored, ingress is not isolated',
    cites:
      'spec.policyTypes: "List of rule types that the NetworkPolicy relates to. Valid options are ["Ingress"], ["Egress"], or ["Ingress", "Egress"]."',
    policies: [EGRESS_ONLY_WITH_INGRESS],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: NO_POLICY,
    egress: NO_POLICY,
  },
  {
    name: "policyTypes [Egress] only: the selected pod's egress is isolated",
    cites:
      'spec.policyTypes: "If you want to write an egress-only policy, you must explicitly specify policyTypes [ "Egress" ]."',
    policies: [EGRESS_ONLY_WITH_INGRESS],
    from: {pod: WEB},
    to: {ip: '2001:db8::1'},
    port: 443,
    allowed: false,
    ingress: NOT_A_POD,
    egress: {
      reason: 'denied',
      selectedBy: ['shop/egress-only'],
      nearest: 'shop/egress-only egress[0]',
      differs: ['ip'],
    },
  },
  {
    name: 'policyTypes absent with an egress section: egress is isolated too',
    cites:
      'spec.policyTypes: "policies that contain an egress section are assumed to affect egress, and all policies (whether or not they contain an ingress section) are assumed to affect ingress"',
    policies: [DEFAULTED_EGRESS],
    from: {pod: PAY_FRONTEND},
    to: {pod: PAY_BATCH},
    port: 8080,
    allowed: false,
    ingress: NO_POLICY,
    egress: {
      reason: 'denied',
      selectedBy: ['pay/defaulted'],
      nearest: 'pay/defaulted egress[0]',
      differs: ['namespace-labels'],
    },
  },
  {
    name: 'policyTypes absent with an egress section: ingress is isolated (and denied: no ingress rules)',
    cites:
      'spec.policyTypes: "all policies (whether or not they contain an ingress section) are assumed to affect ingress"',
    policies: [DEFAULTED_EGRESS],
    from: {pod: PAY_BATCH},
    to: {pod: PAY_FRONTEND},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['pay/defaulted'], defaultDeny: ['pay/defaulted']},
    egress: NO_POLICY,
  },
  {
    name: 'a rule without from: all sources, only on its ports',
    cites:
      'ingress.from: "If this field is empty or missing, this rule matches all sources (traffic not restricted by source)."',
    policies: [RANGE],
    from: {ip: '203.0.113.9'},
    to: {pod: WEB},
    port: 8443,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/range'], allowedBy: ['shop/range ingress[0]']},
    egress: NOT_A_POD,
  },
  {
    name: 'a pod selector does not match an address outside the cluster',
    cites: 'peer.podSelector: "podSelector is a label selector which selects pods."',
    policies: [PORT_80],
    from: {ip: '203.0.113.9'},
    to: {pod: WEB},
    port: 80,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/port-80'], nearest: 'shop/port-80 ingress[0]', differs: ['peer']},
    egress: NOT_A_POD,
  },
  {
    name: "an address that is a known pod's IP counts as that pod",
    cites: 'spec.podSelector: "podSelector selects the pods to which this NetworkPolicy object applies."',
    policies: [DENY_ALL_INGRESS],
    from: {pod: PAY_FRONTEND},
    to: {ip: '10.244.1.10'},
    port: 8080,
    allowed: false,
    ingress: {reason: 'denied', selectedBy: ['shop/deny-all'], defaultDeny: ['shop/deny-all']},
    egress: NO_POLICY,
  },
  {
    name: 'matchExpressions NotIn also matches pods without the key',
    cites:
      'Labels and Selectors: "environment notin (frontend)" selects "all resources with key equal to environment and value other than frontend, and all resources without a label with the environment key"',
    policies: [NOT_IN],
    from: {pod: SHOP_FRONTEND},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/not-in'], allowedBy: ['shop/not-in ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'matchExpressions NotIn: a pod with the excluded value is denied',
    cites:
      'LabelSelectorRequirement: "operator represents a key\'s relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."',
    policies: [NOT_IN],
    from: {pod: PROM},
    to: {pod: WEB},
    port: 8080,
    allowed: false,
    ingress: {
      reason: 'denied',
      selectedBy: ['shop/not-in'],
      nearest: 'shop/not-in ingress[0]',
      differs: ['pod-labels'],
    },
    egress: NO_POLICY,
  },
  {
    name: 'every namespace carries kubernetes.io/metadata.name',
    cites:
      'Namespaces: "The Kubernetes control plane sets an immutable label kubernetes.io/metadata.name on all namespaces"',
    policies: [
      policy('shop/by-name', {
        podSelector: WEB_SEL,
        ingress: [{from: [{namespaceSelector: {matchLabels: {'kubernetes.io/metadata.name': 'legacy'}}}]}],
      }),
    ],
    from: {pod: LEGACY},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'allowed', selectedBy: ['shop/by-name'], allowedBy: ['shop/by-name ingress[0]']},
    egress: NO_POLICY,
  },
  {
    name: 'a host-network pod is not selected (LIMITATION: the common implementation; others may differ)',
    cites:
      'Network Policies concept page: "NetworkPolicy behaviour for hostNetwork pods is undefined" (most plugins ignore them when matching podSelector; kube-network-policies skips HostNetwork pods)',
    policies: [policy('kube-system/deny-all', {podSelector: {}, policyTypes: ['Ingress', 'Egress']})],
    from: {pod: LEGACY},
    to: {pod: NODE_AGENT},
    port: 8080,
    allowed: true,
    ingress: {reason: 'host-network'},
    egress: NO_POLICY,
  },
  {
    name: "a host-network source on the pod's own node passes an isolating policy (kubelet probes)",
    cites: 'spec.ingress: "Traffic is allowed to a pod if ... the traffic source is the pod\'s local node"',
    policies: [DENY_ALL_INGRESS],
    from: {pod: NODE_AGENT},
    to: {pod: WEB},
    port: 8080,
    allowed: true,
    ingress: {reason: 'local-node', selectedBy: ['shop/deny-all']},
    egress: {reason: 'host-network'},
  },
]

describe('evaluateTraffic: one row per rule of the API reference', () => {
  for (const row of rows) {
    it(row.name, () => {
      const input: NetpolInput = {policies: row.policies, namespaces: NAMESPACES, pods: [WEB, PAY_FRONTEND, COREDNS]}
      const traffic: Traffic = {source: row.from, destination: row.to, port: row.port, protocol: row.protocol}
      const verdict = evaluateTraffic(input, traffic)
      assert.deepEqual(
        {allowed: verdict.allowed, ingress: shape(verdict.ingress), egress: shape(verdict.egress)},
        {allowed: row.allowed, ingress: row.ingress, egress: row.egress},
        `${row.cites}\n${verdict.summary}`,
      )
    })
  }
})

describe('explanations name the policy, the rule and what differs', () => {
  const input: NetpolInput = {policies: [AND_POLICY], namespaces: NAMESPACES}
  it('pod labels', () => {
    const verdict = evaluateTraffic(input, {source: {pod: PAY_BATCH}, destination: {pod: WEB}, port: 8080})
    assert.equal(
      verdict.ingress.summary,
      'ingress to shop/web: denied, isolated by shop/and; nearest rule shop/and ingress[0]: rule wants pods with app=frontend; pay/batch has app=batch',
    )
  })

  it('port with the named port resolved on the destination', () => {
    const named: NetpolInput = {policies: [NAMED_PORT], namespaces: NAMESPACES}
    const verdict = evaluateTraffic(named, {source: {pod: LEGACY}, destination: {pod: WEB}, port: 9090})
    assert.equal(
      verdict.ingress.blockedBecause?.nearest?.differs[0].detail,
      'rule allows TCP http (TCP 8080 on shop/web); traffic is TCP 9090 (metrics)',
    )
  })

  it('a port name the destination does not have is an error, not a verdict', () => {
    assert.throws(
      () => evaluateTraffic(input, {source: {pod: LEGACY}, destination: {pod: WEB}, port: 'grpc'}),
      /pod shop\/web has no container port named "grpc"/,
    )
  })
})

describe('policiesSelecting', () => {
  it("lists the policies of the pod's namespace whose podSelector matches, with their effective policyTypes", () => {
    const selected = policiesSelecting([DENY_ALL_INGRESS, EGRESS_ONLY_WITH_INGRESS, DEFAULTED_EGRESS, AND_POLICY], WEB)
    assert.deepEqual(
      selected.map((entry) => `${entry.name} ${entry.types.join('+')}`),
      ['shop/deny-all Ingress', 'shop/egress-only Egress', 'shop/and Ingress'],
    )
  })

  it('selects no host-network pod', () => {
    assert.deepEqual(policiesSelecting([policy('kube-system/all', {podSelector: {}})], NODE_AGENT), [])
  })
})

describe('dnsEgress: UDP and TCP 53 separately', () => {
  const dns = {pods: [COREDNS]}
  const cases: Array<{name: string; policies: NetworkPolicy[]; problem?: string; udp: boolean; tcp: boolean}> = [
    {name: 'no policy: both allowed', policies: [], udp: true, tcp: true},
    {
      name: 'egress default deny: no DNS at all',
      policies: [DENY_ALL_EGRESS],
      problem: 'no-dns',
      udp: false,
      tcp: false,
    },
    {name: 'UDP 53 only: TCP blocked', policies: [EGRESS_DNS_UDP], problem: 'tcp-blocked', udp: true, tcp: false},
    {name: 'UDP and TCP 53: allowed', policies: [EGRESS_DNS_BOTH], udp: true, tcp: true},
    {
      name: 'ingress policy on CoreDNS admitting only UDP: TCP blocked at the DNS pods',
      policies: [
        policy('kube-system/dns-in', {
          podSelector: {matchLabels: {'k8s-app': 'kube-dns'}},
          ingress: [{ports: [{port: 'dns', protocol: 'UDP'}]}],
        }),
      ],
      problem: 'tcp-blocked',
      udp: true,
      tcp: false,
    },
  ]
  for (const row of cases) {
    it(row.name, () => {
      const result = dnsEgress({policies: row.policies, namespaces: NAMESPACES}, PAY_FRONTEND, dns)
      assert.deepEqual(
        {problem: result.problem, udp: result.udp.allowed, tcp: result.tcp.allowed},
        {problem: row.problem, udp: row.udp, tcp: row.tcp},
        result.summary,
      )
    })
  }

  it('says which rule misses TCP', () => {
    const result = dnsEgress({policies: [EGRESS_DNS_UDP], namespaces: NAMESPACES}, PAY_FRONTEND, dns)
    assert.match(result.summary, /^pay\/frontend: DNS allowed on UDP 53 but not TCP 53 .*pay\/dns-udp-only egress\[0\]/)
  })

  it('with only the Service IP, checks egress to that address', () => {
    const result = dnsEgress({policies: [EGRESS_DNS_BOTH], namespaces: NAMESPACES}, PAY_FRONTEND, {
      serviceIP: '10.96.0.10',
    })
    assert.equal(result.problem, 'no-dns')
  })
})

describe('whoMayReach: one line', () => {
  const cases: Array<{name: string; policies: NetworkPolicy[]; port: number | string; want: string}> = [
    {name: 'no policy', policies: [], port: 8080, want: 'everyone (no policy selects the pods)'},
    {
      name: 'default deny only',
      policies: [DENY_ALL_INGRESS],
      port: 8080,
      want: 'no one (isolated by shop/deny-all; no ingress rule admits TCP 8080)',
    },
    {
      name: 'namespace + pod labels together, and an ipBlock with except',
      policies: [AND_POLICY, IPBLOCK],
      port: 8080,
      want: 'pods with app=frontend in namespaces with team=pay; 10.0.0.0/8 except 10.1.0.0/16; 2001:db8::/32 except 2001:db8:1::/48',
    },
    {
      name: 'as two peers',
      policies: [OR_POLICY],
      port: 'http',
      want: 'all pods in namespaces with team=pay; pods with app=frontend in namespace shop',
    },
    {
      name: 'only the rules whose ports match count',
      policies: [ALLOW_FRONTEND_HTTP, ALLOW_PROM_METRICS],
      port: 9090,
      want: 'pods with app=prom in namespace shop',
    },
    {
      name: 'a rule without from',
      policies: [RANGE],
      port: 8080,
      want: 'everyone (shop/range ingress[0] allows all sources)',
    },
  ]
  for (const row of cases) {
    it(row.name, () => {
      assert.equal(whoMayReach({policies: row.policies, namespaces: NAMESPACES}, [WEB], row.port).summary, row.want)
    })
  }

  it('host-network targets: everyone', () => {
    const line = whoMayReach({policies: [DENY_ALL_INGRESS], namespaces: NAMESPACES}, [NODE_AGENT], 8080).summary
    assert.equal(line, 'everyone (host-network pods are not subject to NetworkPolicy)')
  })
})
