// The subset of Kubernetes API objects svc-inspect reads, in their wire (JSON) form: the shape
// `kubectl get -o json` prints and the shape the gateway hands over after serialising client-node's models.
// Timestamps stay strings, so a recorded dump and a live read are indistinguishable to the core.

export interface ObjectMeta {
  name: string
  namespace?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  uid?: string
  creationTimestamp?: string
  deletionTimestamp?: string
  ownerReferences?: Array<{kind: string; name: string; apiVersion?: string; controller?: boolean}>
  /** Server-side apply bookkeeping: each manager's last write time tells when an object last changed. */
  managedFields?: Array<{manager?: string; time?: string}>
}

export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
}

export interface ServicePort {
  name?: string
  port: number
  targetPort?: number | string
  protocol?: string
  nodePort?: number
  appProtocol?: string
}

export interface Service extends KubeObject {
  spec: {
    type?: string
    clusterIP?: string
    clusterIPs?: string[]
    ipFamilies?: string[]
    ports?: ServicePort[]
    selector?: Record<string, string>
    externalName?: string
    publishNotReadyAddresses?: boolean
    /** Cluster (default) or Local: Local sends traffic from pods only to endpoints on the client's own node. */
    internalTrafficPolicy?: string
    /** NodePort and LoadBalancer: Cluster (default) or Local (external traffic only to the receiving node's endpoints). */
    externalTrafficPolicy?: string
    healthCheckNodePort?: number
    /** None (default) or ClientIP. */
    sessionAffinity?: string
    sessionAffinityConfig?: {clientIP?: {timeoutSeconds?: number}}
    /** PreferClose (PreferSameZone), PreferSameNode: carried out through the EndpointSlice hints. */
    trafficDistribution?: string
  }
}

export interface EndpointSliceEndpoint {
  addresses: string[]
  conditions?: {ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null}
  hostname?: string
  nodeName?: string
  targetRef?: {kind?: string; name?: string; namespace?: string; uid?: string}
  zone?: string
  /** Where kube-proxy may send traffic to this endpoint from, set by the EndpointSlice controller. */
  hints?: {forZones?: Array<{name: string}> | null; forNodes?: Array<{name: string}> | null} | null
}

export interface EndpointSlice extends KubeObject {
  addressType: string
  endpoints?: EndpointSliceEndpoint[] | null
  ports?: Array<{name?: string | null; port?: number | null; protocol?: string | null; appProtocol?: string}> | null
}

/** core/v1 Endpoints: read only when discovery.k8s.io/v1 is not served (clusters older than 1.21). */
export interface Endpoints extends KubeObject {
  subsets?: Array<{
    addresses?: Array<{ip: string; hostname?: string; nodeName?: string; targetRef?: {kind?: string; name?: string}}>
    notReadyAddresses?: Array<{
      ip: string
      hostname?: string
      nodeName?: string
      targetRef?: {kind?: string; name?: string}
    }>
    ports?: Array<{name?: string; port: number; protocol?: string}>
  }>
}

export interface Probe {
  exec?: {command?: string[]}
  httpGet?: {path?: string; port: number | string; scheme?: string; host?: string}
  tcpSocket?: {port: number | string; host?: string}
  grpc?: {port: number; service?: string}
  initialDelaySeconds?: number
  periodSeconds?: number
  failureThreshold?: number
}

export interface Container {
  name: string
  image?: string
  ports?: Array<{name?: string; containerPort: number; protocol?: string}>
  readinessProbe?: Probe
}

export interface ContainerStatus {
  name: string
  ready: boolean
  restartCount: number
  state?: {
    waiting?: {reason?: string; message?: string}
    running?: {startedAt?: string}
    terminated?: {reason?: string; exitCode?: number; message?: string}
  }
  lastState?: {terminated?: {reason?: string; exitCode?: number}}
}

export interface Pod extends KubeObject {
  spec: {
    containers: Container[]
    initContainers?: Container[]
    hostname?: string
    subdomain?: string
    nodeName?: string
    /** ClusterFirst (the API's default), ClusterFirstWithHostNet, Default or None. */
    dnsPolicy?: string
    dnsConfig?: PodDNSConfig
    hostNetwork?: boolean
  }
  status?: {
    phase?: string
    podIP?: string
    podIPs?: Array<{ip: string}>
    reason?: string
    message?: string
    conditions?: Array<{type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string}>
    containerStatuses?: ContainerStatus[]
    initContainerStatuses?: ContainerStatus[]
    startTime?: string
  }
}

/** core/v1 PodDNSConfig: merged by the kubelet into what the pod's dnsPolicy gives it. */
export interface PodDNSConfig {
  nameservers?: string[] | null
  searches?: string[] | null
  options?: Array<{name: string; value?: string | null}> | null
}

/** core/v1 Node: only its labels are read (the zone, topology.kubernetes.io/zone). */
export type Node = KubeObject

export interface KubeEvent extends KubeObject {
  involvedObject: {kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string}
  reason?: string
  message?: string
  type?: string
  count?: number
  firstTimestamp?: string | null
  lastTimestamp?: string | null
  eventTime?: string | null
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>
}

/** apps/v1 Deployment or DaemonSet, only what DNS server detection reads: the pod template's containers. */
export interface Workload extends KubeObject {
  spec?: {
    template?: {spec?: {containers?: Array<{name: string; image?: string; command?: string[]; args?: string[]}>}}
  }
}
