// The four seed scenarios (examples/scenarios/*.yaml) brought up on a real cluster and waited for, shared by
// the e2e tests and by examples/record.ts, which records the bundled dumps from them.
import {kubectl, ROOT, waitFor} from './run.js'

export interface Scenario {
  file: string
  namespace: string
  /** Waits until the scenario shows what it is about. */
  settle: () => Promise<void>
}

const podsOf = (namespace: string, selector: string) =>
  JSON.parse(kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])).items as Array<{
    metadata: {name: string}
    status: {phase?: string; podIP?: string; conditions?: Array<{type: string; status: string}>}
  }>

const ready = (pod: {status: {conditions?: Array<{type: string; status: string}>}}) =>
  pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false

export async function waitPods(namespace: string, selector: string, count: number, wantReady: boolean): Promise<void> {
  await waitFor(`${count} ${wantReady ? 'ready' : 'running'} pods ${selector} in ${namespace}`, () => {
    const pods = podsOf(namespace, selector)
    return (
      pods.length === count &&
      pods.every((pod) => pod.status.phase === 'Running' && pod.status.podIP && (!wantReady || ready(pod)))
    )
  })
}

/** Waits until the EndpointSlices of a service list `count` endpoints with the given readiness. */
export async function waitEndpoints(
  namespace: string,
  service: string,
  count: number,
  wantReady: boolean,
): Promise<void> {
  await waitFor(`${count} ${wantReady ? 'ready' : 'not-ready'} endpoints of ${namespace}/${service}`, () => {
    const slices = JSON.parse(
      kubectl(['get', 'endpointslices', '-n', namespace, '-l', `kubernetes.io/service-name=${service}`, '-o', 'json']),
    ).items as Array<{
      endpoints?: Array<{conditions?: {ready?: boolean}}>
    }>
    const endpoints = slices.flatMap((slice) => slice.endpoints ?? [])
    return (
      endpoints.length === count && endpoints.every((endpoint) => (endpoint.conditions?.ready ?? true) === wantReady)
    )
  })
}

export async function waitUnhealthyEvents(namespace: string, count: number): Promise<void> {
  await waitFor(`Unhealthy events for ${count} pods in ${namespace}`, () => {
    const events = JSON.parse(
      kubectl(['get', 'events', '-n', namespace, '--field-selector', 'reason=Unhealthy', '-o', 'json']),
    ).items as Array<{
      involvedObject: {name: string}
    }>
    return new Set(events.map((event) => event.involvedObject.name)).size >= count
  })
}

export const SCENARIOS: Record<string, Scenario> = {
  readiness: {
    file: `${ROOT}examples/scenarios/000-headless-readiness.yaml`,
    namespace: 'seed-readiness',
    settle: async () => {
      await waitPods('seed-readiness', 'app=tomcat', 3, false)
      await waitEndpoints('seed-readiness', 'test-headless-svc', 3, false)
      await waitUnhealthyEvents('seed-readiness', 3)
    },
  },
  types: {
    file: `${ROOT}examples/scenarios/001-service-types.yaml`,
    namespace: 'seed-types',
    settle: async () => {
      await waitPods('seed-types', 'app=demoapp', 2, true)
      await waitEndpoints('seed-types', 'demoapp-svc', 2, true)
      await waitEndpoints('seed-types', 'demoapp-loadbalancer-svc', 2, true)
    },
  },
  mongodb: {
    file: `${ROOT}examples/scenarios/002-headless-mongodb.yaml`,
    namespace: 'infrastructure',
    settle: async () => {
      await waitPods('infrastructure', 'app=mongodb', 3, true)
      await waitEndpoints('infrastructure', 'mongodb-headless-service', 3, true)
    },
  },
  ports: {
    file: `${ROOT}examples/scenarios/003-headless-port-mapping.yaml`,
    namespace: 'seed-ports',
    settle: async () => {
      await waitPods('seed-ports', 'app=chroma', 2, true)
      await waitEndpoints('seed-ports', 'svc-chroma', 2, true)
    },
  },
}

export async function applyScenario(scenario: Scenario): Promise<void> {
  kubectl(['apply', '-f', scenario.file])
  await scenario.settle()
}

export function deleteScenario(scenario: Scenario): void {
  kubectl(['delete', 'namespace', scenario.namespace, '--ignore-not-found', '--wait=false'])
}

/** Touches /var/ready in every pod of the readiness scenario: the fix from seed 000. */
export function touchReady(namespace: string, selector: string): void {
  for (const pod of podsOf(namespace, selector))
    kubectl(['exec', '-n', namespace, pod.metadata.name, '--', 'touch', '/var/ready'])
}

/** What `kubectl get svc,endpointslices,pods,events -o yaml` prints, plus the coredns ConfigMap, as a List. */
export function dumpNamespace(namespace: string): string {
  const items = [
    ...JSON.parse(kubectl(['get', 'services,endpointslices,pods,events', '-n', namespace, '-o', 'json'])).items,
    JSON.parse(kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'json'])),
  ]
  for (const item of items) {
    delete item.metadata.managedFields
    delete item.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']
  }
  return JSON.stringify({apiVersion: 'v1', kind: 'List', items}, null, 2)
}

/** The cluster domain as the kube-system/coredns Corefile declares it. */
export function clusterZone(): string {
  const corefile = JSON.parse(kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'json'])).data
    .Corefile as string
  return corefile.match(/kubernetes\s+(\S+)/)![1]
}

/** A ClusterIP Service `web` (http 80 -> 8080) in front of one busybox httpd pod: the e2e tests' plain workload. */
export function webWorkload(namespace: string): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${namespace}, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${namespace}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: web
        image: localhost/svc-inspect/server:v1
        imagePullPolicy: Never
        ports: [{containerPort: 8080}]
`
}

/** The resolver image test/cluster builds and imports, and the label selector of every resolver pod. */
export const RESOLVER_IMAGE = 'localhost/svc-inspect/resolver:v1'
export const RESOLVER_ARGS = ['--image', RESOLVER_IMAGE]
export const RESOLVER_LABEL = 'app.kubernetes.io/name=svc-inspect-resolver'

/** The resolver pods that exist now, anywhere (`pod/NAME` lines; empty when none). */
export function resolverPods(): string {
  return kubectl(['get', 'pods', '-A', '-l', RESOLVER_LABEL, '-o', 'name']).trim()
}

/** The image the cluster's CoreDNS Deployment runs (tagged with its release by test/cluster/lib.sh). */
export function coreDnsImage(): string {
  return kubectl([
    'get',
    'deployment',
    'coredns',
    '-n',
    'kube-system',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].image}',
  ])
}
