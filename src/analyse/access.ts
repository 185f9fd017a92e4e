// Who may reach the Service's pods under NetworkPolicy, per target port: the one-line answer of the report's
// access section, and a finding when no source may reach a port at all. Pure; ingress at the pods only (a
// client's own egress is per client: evaluateTraffic answers that with --from).
import type {Service} from '../model/k8s.js'
import type {AccessSection, Finding, ServiceSnapshot} from '../model/report.js'
import {policiesSelecting, whoMayReach, type NetpolInput} from './netpol/evaluate.js'
import {selectorMatches} from './pods.js'
import type {NetpolPod, NetworkPolicy} from './netpol/types.js'

export function accessOf(snapshot: ServiceSnapshot): {access?: AccessSection; findings: Finding[]} {
  if (!snapshot.networkPolicies) return {findings: []}
  const {service} = snapshot
  const input: NetpolInput = {
    policies: snapshot.networkPolicies as NetworkPolicy[],
    namespaces: snapshot.namespaces ?? [],
    pods: snapshot.pods,
  }
  const pods = selectedPods(service, snapshot.pods)
  const policies = [
    ...new Set(
      pods.flatMap((pod) =>
        policiesSelecting(input.policies, pod)
          .filter((entry) => entry.types.includes('Ingress'))
          .map((entry) => entry.name),
      ),
    ),
  ].sort()
  const findings: Finding[] = []
  const ports: AccessSection['ports'] = []
  if (service.spec.type === 'ExternalName' || pods.length === 0) return {access: {policies, ports}, findings}
  for (const port of service.spec.ports ?? []) {
    const target = port.targetPort ?? port.port
    const protocol = port.protocol ?? 'TCP'
    let mayReach: string
    try {
      mayReach = whoMayReach(input, pods, target, protocol).summary
    } catch (error) {
      // A named targetPort no pod declares: NamedTargetPortNotFound says so already.
      mayReach = `unknown (${(error as Error).message})`
    }
    ports.push({port: target, protocol, mayReach})
    if (mayReach.startsWith('no one (isolated')) {
      findings.push({
        code: 'NetworkPolicyBlocksIngress',
        severity: 'warning',
        object: `service/${service.metadata.name}`,
        message: `no source may reach the Service's pods on ${target}/${protocol}: ${mayReach.replace(/^no one \(|\)$/g, '')}`,
        hint: "add an ingress rule for this port (by number or by the container port name) to a policy that selects the pods, or check the rule's ports",
      })
    }
  }
  return {access: {policies, ports}, findings}
}

/** The running pods the Service's selector picks (those NetworkPolicy applies to). */
function selectedPods(service: Service, pods: NetpolPod[]): NetpolPod[] {
  const selector = service.spec.selector
  if (!selector || Object.keys(selector).length === 0) return []
  return pods.filter(
    (pod) =>
      (pod.metadata.namespace ?? 'default') === (service.metadata.namespace ?? 'default') &&
      !pod.metadata.deletionTimestamp &&
      selectorMatches(selector, pod.metadata.labels),
  )
}
