// Recorded-looking objects for the diagnosis tests: Pods, Events, Services and EndpointSlices shaped the way
// `kubectl get -o json` prints them (kind 1.30 cluster, containerd runtime). Each builder returns a fresh object,
// so a test may tweak it. The EndpointSlice is derived from the pods as the EndpointSlice controller derives it
// (staging/src/k8s.io/endpointslice utils.go podToEndpoint), so slices and pods never disagree.
import type {EndpointSlice, KubeEvent, Pod, Service} from '../../src/model/k8s.js'

export const NAMESPACE = 'default'
const T0 = '2024-05-14T09:12:03Z'
const T1 = '2024-05-14T09:12:05Z'
const T2 = '2024-05-14T09:41:27Z'

let uidCounter = 0
const uid = (kind: string) => {
  uidCounter += 1
  return `3f0c${kind.length.toString(16)}a2e-5b1d-4c8e-9a7f-${uidCounter.toString(16).padStart(12, '0')}`
}

export type PodState =
  'ready' | 'probe-failing' | 'crashloop' | 'image-pull' | 'unschedulable' | 'terminating' | 'no-probe-not-ready'

export interface PodOptions {
  name: string
  ip?: string
  state?: PodState
  labels?: Record<string, string>
  /** Container ports; defaults to http/8080. */
  ports?: Array<{name?: string; containerPort: number; protocol?: string}>
  readinessProbe?: Pod['spec']['containers'][number]['readinessProbe'] | null
  hostname?: string
  subdomain?: string
  node?: string
  image?: string
  /** PodScheduled condition without its message (older recordings): the reason then comes from the event. */
  schedulerMessageInEventOnly?: boolean
}

const EXEC_PROBE = {
  exec: {command: ['cat', '/var/ready']},
  initialDelaySeconds: 2,
  periodSeconds: 5,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
}

/** A Deployment pod (ReplicaSet owner), as `kubectl get pod <name> -n default -o json` prints it. */
export function pod(options: PodOptions): Pod {
  const state = options.state ?? 'ready'
  const podUid = uid('Pod')
  const node = options.node ?? 'kind-worker'
  const containerName = 'app'
  const image = options.image ?? 'registry.example.com/shop/web:1.8.2'
  const ready = state === 'ready'
  const scheduled = state !== 'unschedulable'
  const ip = scheduled ? (options.ip ?? '10.244.1.5') : undefined
  const labels = options.labels ?? {app: 'web', 'pod-template-hash': '7d4b9c7f6d'}
  const readinessProbe = options.readinessProbe === null ? undefined : (options.readinessProbe ?? EXEC_PROBE)

  const conditions: Array<Record<string, unknown>> = scheduled
    ? [
        {type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: T1},
        {type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: T0},
        ready
          ? {type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: T1}
          : {
              type: 'Ready',
              status: 'False',
              lastProbeTime: null,
              lastTransitionTime: T1,
              reason: 'ContainersNotReady',
              message: `containers with unready status: [${containerName}]`,
            },
        ready
          ? {type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: T1}
          : {
              type: 'ContainersReady',
              status: 'False',
              lastProbeTime: null,
              lastTransitionTime: T1,
              reason: 'ContainersNotReady',
              message: `containers with unready status: [${containerName}]`,
            },
        {type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: T0},
      ]
    : [
        {
          type: 'PodScheduled',
          status: 'False',
          lastProbeTime: null,
          lastTransitionTime: T0,
          reason: 'Unschedulable',
          ...(options.schedulerMessageInEventOnly
            ? {}
            : {
                message:
                  '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
              }),
        },
      ]

  const containerState: Record<string, unknown> = {
    ready: {running: {startedAt: T1}},
    'probe-failing': {running: {startedAt: T1}},
    'no-probe-not-ready': {running: {startedAt: T1}},
    // Stuck terminating (a finalizer): the container already exited on SIGTERM, the pod object remains.
    terminating: {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: T1,
        finishedAt: '2024-05-14T09:40:02Z',
        containerID: `containerd://${'7a'.repeat(32)}`,
      },
    },
    crashloop: {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off 5m0s restarting failed container=${containerName} pod=${options.name}_${NAMESPACE}(${podUid})`,
      },
    },
    'image-pull': {waiting: {reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"`}},
    unschedulable: {},
  }[state]

  const containerStatuses = scheduled
    ? [
        {
          name: containerName,
          ready,
          restartCount: state === 'crashloop' ? 7 : 0,
          started: state !== 'crashloop' && state !== 'image-pull',
          state: containerState,
          lastState:
            state === 'crashloop'
              ? {
                  terminated: {
                    exitCode: 1,
                    reason: 'Error',
                    startedAt: T1,
                    finishedAt: T2,
                    containerID: `containerd://${'9c'.repeat(32)}`,
                  },
                }
              : {},
          image,
          imageID: state === 'image-pull' ? '' : `${image.split(':')[0]}@sha256:${'4e'.repeat(32)}`,
          ...(state === 'image-pull' ? {} : {containerID: `containerd://${'7a'.repeat(32)}`}),
        },
      ]
    : undefined

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      generateName: `${options.name.replace(/-[a-z0-9]+$/, '')}-`,
      namespace: NAMESPACE,
      uid: podUid,
      resourceVersion: '48213',
      creationTimestamp: T0,
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-7d4b9c7f6d',
          uid: uid('ReplicaSet'),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      ...(state === 'terminating' ? {deletionTimestamp: '2024-05-14T09:40:00Z', deletionGracePeriodSeconds: 30} : {}),
    },
    spec: {
      containers: [
        {
          name: containerName,
          image,
          imagePullPolicy: 'IfNotPresent',
          ports: options.ports ?? [{name: 'http', containerPort: 8080, protocol: 'TCP'}],
          ...(readinessProbe ? {readinessProbe} : {}),
          resources: {requests: {cpu: '500m', memory: '256Mi'}, limits: {memory: '256Mi'}},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          volumeMounts: [
            {name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true},
          ],
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      ...(options.hostname ? {hostname: options.hostname} : {}),
      ...(options.subdomain ? {subdomain: options.subdomain} : {}),
      ...(scheduled ? {nodeName: node} : {}),
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        {effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300},
        {effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300},
      ],
      volumes: [
        {
          name: 'kube-api-access-x7k2p',
          projected: {defaultMode: 420, sources: [{serviceAccountToken: {expirationSeconds: 3607, path: 'token'}}]},
        },
      ],
    },
    status: {
      phase: scheduled && state !== 'image-pull' ? 'Running' : 'Pending',
      conditions,
      ...(scheduled
        ? {hostIP: '172.18.0.3', hostIPs: [{ip: '172.18.0.3'}], podIP: ip, podIPs: [{ip}], startTime: T0}
        : {}),
      ...(containerStatuses ? {containerStatuses} : {}),
      qosClass: 'Burstable',
    },
  } as unknown as Pod
}

/** A StatefulSet pod: hostname and subdomain set from the pod template and serviceName. */
export function statefulPod(name: string, ip: string, subdomain: string | undefined, state: PodState = 'ready'): Pod {
  const built = pod({
    name,
    ip,
    state,
    labels: {app: 'db', 'statefulset.kubernetes.io/pod-name': name},
    hostname: name,
    subdomain,
    ports: [{name: 'pg', containerPort: 5432}],
  })
  built.metadata.ownerReferences = [{apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', controller: true}]
  return built
}

export interface EventOptions {
  pod: Pod
  reason: string
  message: string
  type?: 'Normal' | 'Warning'
  count?: number
  lastTimestamp?: string
  component?: string
  fieldPath?: string
  /** Override the involved object's uid (an event about an earlier pod of the same name). */
  uid?: string
}

/** A core/v1 Event about a pod, as `kubectl get events -o json` lists it. */
export function event(options: EventOptions): KubeEvent {
  const component = options.component ?? 'kubelet'
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${options.pod.metadata.name}.17cf2${uidCounter.toString(16).padStart(11, '0')}`,
      namespace: NAMESPACE,
      uid: uid('Event'),
      resourceVersion: '48377',
      creationTimestamp: T1,
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: options.pod.metadata.name,
      namespace: NAMESPACE,
      uid: options.uid ?? options.pod.metadata.uid,
      resourceVersion: '48101',
      ...(options.fieldPath ? {fieldPath: options.fieldPath} : {}),
    },
    reason: options.reason,
    message: options.message,
    source: component === 'kubelet' ? {component, host: 'kind-worker'} : {},
    firstTimestamp: T1,
    lastTimestamp: options.lastTimestamp ?? T2,
    count: options.count ?? 1,
    type: options.type ?? 'Warning',
    eventTime: null,
    reportingComponent: component,
    reportingInstance: component === 'kubelet' ? 'kind-worker' : '',
  } as unknown as KubeEvent
}

export const readinessFailed = (target: Pod, count = 42, lastTimestamp?: string) =>
  event({
    pod: target,
    reason: 'Unhealthy',
    message: "Readiness probe failed: cat: can't open '/var/ready': No such file or directory",
    count,
    lastTimestamp,
    fieldPath: 'spec.containers{app}',
  })

export const failedScheduling = (target: Pod) =>
  event({
    pod: target,
    reason: 'FailedScheduling',
    message: '0/1 nodes are available: 1 Insufficient cpu.',
    component: 'default-scheduler',
    count: 3,
  })

/** A Service as `kubectl get svc -o json` prints it; `spec` is merged over a ClusterIP service selecting app=<name>. */
export function recordedService(name: string, spec: Partial<Service['spec']> = {}): Service {
  const headless = spec.clusterIP === 'None'
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: uid('Service'),
      creationTimestamp: T0,
      labels: {app: name},
      annotations: {'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Service"}\n'},
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.120.15',
      clusterIPs: [headless ? 'None' : (spec.clusterIP ?? '10.96.120.15')],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 8080}],
      selector: {app: name},
      sessionAffinity: 'None',
      ...spec,
    },
    status: {loadBalancer: {}},
  } as unknown as Service
}

/**
 * The EndpointSlice the controller writes for `service` and `pods`: pods selected, with an IP; ready =
 * publishNotReadyAddresses || (podReady && !terminating); one slice per distinct port set (a pod that lacks a
 * named targetPort gets a slice without that port).
 */
export function controllerSlices(service: Service, pods: Pod[]): EndpointSlice[] {
  const selector = service.spec.selector
  if (!selector || Object.keys(selector).length === 0) return []
  const bySet = new Map<string, EndpointSlice>()
  for (const candidate of pods) {
    const matches = Object.entries(selector).every(([key, value]) => candidate.metadata.labels?.[key] === value)
    if (!matches || !candidate.status?.podIP) continue
    const podReady =
      candidate.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ??
      false
    const terminating = Boolean(candidate.metadata.deletionTimestamp)
    const ports = (service.spec.ports ?? []).flatMap((servicePort) => {
      const target = servicePort.targetPort ?? servicePort.port
      const number =
        typeof target === 'number'
          ? target
          : candidate.spec.containers
              .flatMap((container) => container.ports ?? [])
              .find((declared) => declared.name === target)?.containerPort
      return number === undefined
        ? []
        : [{name: servicePort.name ?? '', port: number, protocol: servicePort.protocol ?? 'TCP'}]
    })
    const key = JSON.stringify(ports)
    const target =
      bySet.get(key) ??
      ({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${service.metadata.name}-${(bySet.size + 10).toString(36)}x7qk`,
          generateName: `${service.metadata.name}-`,
          namespace: NAMESPACE,
          labels: {
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
            'kubernetes.io/service-name': service.metadata.name,
            ...(service.spec.clusterIP === 'None' ? {'service.kubernetes.io/headless': ''} : {}),
          },
          ownerReferences: [{apiVersion: 'v1', kind: 'Service', name: service.metadata.name, controller: true}],
        },
        addressType: 'IPv4',
        endpoints: [],
        ports,
      } as EndpointSlice)
    bySet.set(key, target)
    target.endpoints!.push({
      addresses: [candidate.status.podIP],
      conditions: {
        ready: Boolean(service.spec.publishNotReadyAddresses) || (podReady && !terminating),
        serving: podReady,
        terminating,
      },
      ...(candidate.spec.hostname && candidate.spec.subdomain === service.metadata.name
        ? {hostname: candidate.spec.hostname}
        : {}),
      nodeName: candidate.spec.nodeName,
      targetRef: {kind: 'Pod', name: candidate.metadata.name, namespace: NAMESPACE, uid: candidate.metadata.uid},
    })
  }
  return [...bySet.values()]
}
