// networking.k8s.io/v1 NetworkPolicy and core/v1 Namespace in their wire (JSON) form, the subset the policy
// evaluator reads. Kept here (not in src/model/k8s.ts) so this module stays self-contained; field comments quote
// the API reference where the meaning is not obvious from the name.
import type {KubeObject, Pod} from '../../model/k8s.js'

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'

export interface LabelSelectorRequirement {
  key: string
  operator: LabelSelectorOperator
  values?: string[]
}

/** metav1.LabelSelector: matchLabels and matchExpressions are ANDed; an empty selector matches everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: LabelSelectorRequirement[]
}

export interface IPBlock {
  cidr: string
  except?: string[]
}

/** Exactly one of ipBlock or (podSelector and/or namespaceSelector) is set; the API server validates that. */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector
  namespaceSelector?: LabelSelector
  ipBlock?: IPBlock
}

export interface NetworkPolicyPort {
  /** TCP, UDP or SCTP; "If not specified, this field defaults to TCP." */
  protocol?: string
  /** A number or a named port (resolved against the destination pod's container ports); absent: all ports. */
  port?: number | string
  /** Only with a numeric port: the range port..endPort, inclusive. */
  endPort?: number
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[]
  ports?: NetworkPolicyPort[]
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[]
  ports?: NetworkPolicyPort[]
}

export type PolicyType = 'Ingress' | 'Egress'

export interface NetworkPolicy extends KubeObject {
  spec: {
    podSelector?: LabelSelector
    policyTypes?: PolicyType[]
    ingress?: NetworkPolicyIngressRule[]
    egress?: NetworkPolicyEgressRule[]
  }
}

export interface Namespace extends KubeObject {}

/** core/v1 Pod plus the one field the policy evaluator needs that src/model/k8s.ts does not carry. */
export type NetpolPod = Pod & {spec: Pod['spec'] & {hostNetwork?: boolean}}
