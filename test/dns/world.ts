// The generated world of the DNS conformance tier: namespaces, Services of every shape, their
// EndpointSlices (discovery.k8s.io/v1) and matching v1 Endpoints, and the Pods behind them (with
// status.podIP/podIPs set through the status subresource, for `pods verified`). Deterministic: the only
// values the apiserver chooses are clusterIPs, nodePorts, uids and timestamps, and the recording carries
// the objects as the apiserver returned them.
//
//   node --import tsx test/dns/world.ts apply KUBECONFIG OUT.json [ZONE]
//     applies the world with the built kubectl and writes the objects as read back (kubectl get -o json).

import {execFile, execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

/** The cluster zone the recordings serve (not cluster.local, so a model that assumes it is caught). */
export const WORLD_ZONE = 'tier.test'
/** The second zone of the several-zones Corefile. */
export const OTHER_ZONE = 'other.test'
/** Label of the one namespace `namespace_labels` selects. */
export const NAMESPACE_LABEL = {key: 'dns-tier/expose', value: 'yes'}
/** Not the EndpointSlice controller: there is no controller-manager, and it would fight us. */
const MANAGED_BY = 'svc-inspect-dns-tier'

type Obj = Record<string, unknown>

interface Ep {
  ip: string
  pod?: string // targetRef pod (same namespace); also a Pod object unless external
  hostname?: string
  ready?: boolean | null // null: conditions without `ready` (nil counts as ready)
  serving?: boolean
  terminating?: boolean
}

interface Port {
  name?: string
  port: number
  targetPort?: number
  protocol?: 'TCP' | 'UDP' | 'SCTP'
}

interface SliceSpec {
  suffix: string
  family: 'IPv4' | 'IPv6'
  endpoints: Ep[]
  ports: Port[] | null // slice ports (resolved targetPorts); null: a slice with no ports
}

interface SvcSpec {
  ns: string
  name: string
  type?: 'ClusterIP' | 'NodePort' | 'ExternalName'
  headless?: boolean
  externalName?: string
  ports: Port[]
  dualStack?: boolean
  ipFamilies?: Array<'IPv4' | 'IPv6'>
  publishNotReadyAddresses?: boolean
  slices: SliceSpec[]
}

interface PodSpec {
  ns: string
  name: string
  ips: string[] // status.podIPs; first = status.podIP
  hostname?: string
  subdomain?: string
  terminating?: boolean // a finalizer holds it, then it is deleted: deletionTimestamp set
}

const slicePorts = (ports: Port[]): Port[] =>
  ports.map((p) => ({name: p.name ?? '', port: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP'}))

const v4 = (endpoints: Ep[], ports: Port[], suffix = 'v4'): SliceSpec => ({
  suffix,
  family: 'IPv4',
  endpoints,
  ports: slicePorts(ports),
})

const LONG_POD = 'a-pod-whose-name-is-longer-than-sixty-three-characters-for-dns-labels-0'

function services(zone: string): SvcSpec[] {
  const http: Port[] = [{name: 'http', port: 80, targetPort: 8080}]
  const multi: Port[] = [
    {name: 'http', port: 80, targetPort: 8080, protocol: 'TCP'},
    {name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP'},
    {name: 'sig', port: 7000, protocol: 'SCTP'},
  ]
  const hlPorts: Port[] = [{port: 80, targetPort: 8000}]
  return [
    // ClusterIP, one named port; its pods are also behind the headless `hl` (a pod behind two Services).
    {
      ns: 'alpha',
      name: 'web',
      ports: http,
      slices: [
        v4(
          [
            {ip: '10.244.1.10', pod: 'web-0'},
            {ip: '10.244.1.11', pod: 'web-1'},
          ],
          http,
        ),
      ],
    },
    // Multi-port TCP/UDP/SCTP.
    {
      ns: 'alpha',
      name: 'multi',
      ports: multi,
      slices: [
        v4(
          [
            {ip: '10.244.1.20', pod: 'multi-a'},
            {ip: '10.244.1.21', pod: 'multi-b'},
          ],
          multi,
        ),
      ],
    },
    // One unnamed port.
    {
      ns: 'alpha',
      name: 'bare',
      ports: [{port: 9000}],
      slices: [v4([{ip: '10.244.1.30', pod: 'bare-0'}], [{port: 9000}])],
    },
    // ClusterIP with no endpoints: an empty slice, Endpoints without subsets.
    {ns: 'alpha', name: 'empty', ports: http, slices: [v4([], http)]},
    // ExternalName to an out-of-zone name (the upstream, unreachable in the tier, fails it), to an in-zone name, to a missing
    // in-zone name, and to an IP.
    {
      ns: 'alpha',
      name: 'ext',
      type: 'ExternalName',
      externalName: 'db.example.org',
      ports: [{name: 'pg', port: 5432}],
      slices: [],
    },
    {ns: 'alpha', name: 'ext-in', type: 'ExternalName', externalName: `web.beta-2.svc.${zone}`, ports: [], slices: []},
    {
      ns: 'alpha',
      name: 'ext-missing',
      type: 'ExternalName',
      externalName: `nosuch.alpha.svc.${zone}`,
      ports: [],
      slices: [],
    },
    {ns: 'alpha', name: 'ext-ip', type: 'ExternalName', externalName: '10.0.0.99', ports: [], slices: []},
    // Headless, StatefulSet style: hostnames, subdomain = Service name.
    {
      ns: 'alpha',
      name: 'mongo',
      headless: true,
      ports: [{name: 'mongo', port: 27017}],
      slices: [
        v4(
          [0, 1, 2].map((i) => ({ip: `10.244.2.${10 + i}`, pod: `mongo-${i}`, hostname: `mongo-${i}`})),
          [{name: 'mongo', port: 27017}],
        ),
      ],
    },
    // Headless without hostnames: web's pods, plus an address without targetRef whose conditions lack `ready`.
    {
      ns: 'alpha',
      name: 'hl',
      headless: true,
      ports: hlPorts,
      slices: [
        v4(
          [
            {ip: '10.244.1.10', pod: 'web-0'},
            {ip: '10.244.1.11', pod: 'web-1'},
            {ip: '10.244.1.12', ready: null},
          ],
          hlPorts,
        ),
      ],
    },
    // publishNotReadyAddresses: a ready pod, and a not-serving one the controller still marks ready.
    {
      ns: 'alpha',
      name: 'pnr',
      headless: true,
      publishNotReadyAddresses: true,
      ports: [{name: 'peer', port: 2380}],
      slices: [
        v4(
          [
            {ip: '10.244.2.20', pod: 'pnr-0'},
            {ip: '10.244.2.21', pod: 'pnr-1', ready: true, serving: false},
          ],
          [{name: 'peer', port: 2380}],
        ),
      ],
    },
    // Headless with no ready endpoint.
    {
      ns: 'alpha',
      name: 'hlnr',
      headless: true,
      ports: hlPorts,
      slices: [v4([{ip: '10.244.2.30', pod: 'hlnr-0', ready: false, serving: false}], hlPorts)],
    },
    // Endpoints split across two slices, one address in both.
    {
      ns: 'alpha',
      name: 'split',
      headless: true,
      ports: http,
      slices: [
        v4(
          [
            {ip: '10.244.3.1', pod: 'split-0'},
            {ip: '10.244.3.2', pod: 'split-1'},
          ],
          http,
          'a',
        ),
        v4(
          [
            {ip: '10.244.3.2', pod: 'split-1'},
            {ip: '10.244.3.3', pod: 'split-2'},
          ],
          http,
          'b',
        ),
      ],
    },
    // A terminating endpoint (ready false, serving true, terminating true) beside a ready one.
    {
      ns: 'alpha',
      name: 'term',
      headless: true,
      ports: http,
      slices: [
        v4(
          [
            {ip: '10.244.3.10', pod: 'term-0'},
            {ip: '10.244.3.11', pod: 'term-1', ready: false, serving: true, terminating: true},
          ],
          http,
        ),
      ],
    },
    // Dual-stack ClusterIP, one slice per family.
    {
      ns: 'alpha',
      name: 'dual',
      dualStack: true,
      ports: http,
      slices: [
        v4([{ip: '10.244.4.10', pod: 'dual-0'}], http),
        {suffix: 'v6', family: 'IPv6', endpoints: [{ip: 'fd00:10:244:4::10', pod: 'dual-0'}], ports: slicePorts(http)},
      ],
    },
    // IPv6 headless; one address ends in `::` (CoreDNS 1.12.3 appends `0` to the dashed label).
    {
      ns: 'alpha',
      name: 'hl6',
      headless: true,
      ipFamilies: ['IPv6'],
      ports: http,
      slices: [
        {
          suffix: 'v6',
          family: 'IPv6',
          endpoints: [
            {ip: 'fd00:10:244:1::', pod: 'hl6-0'},
            {ip: 'fd00:10:244:1::5', pod: 'hl6-1'},
          ],
          ports: slicePorts(http),
        },
      ],
    },
    // NodePort.
    {ns: 'alpha', name: 'np', type: 'NodePort', ports: http, slices: [v4([{ip: '10.244.4.20', pod: 'np-0'}], http)]},
    // Headless without ports: the slice has no ports.
    {
      ns: 'alpha',
      name: 'noports',
      headless: true,
      ports: [],
      slices: [{suffix: 'v4', family: 'IPv4', endpoints: [{ip: '10.244.4.30', pod: 'noports-0'}], ports: null}],
    },
    // Second namespace: a Service named like alpha's, and odd pod names (longer than 63, with a dot).
    {ns: 'beta-2', name: 'web', ports: http, slices: [v4([{ip: '10.244.5.10', pod: 'beta-web-0'}], http)]},
    {
      ns: 'beta-2',
      name: 'odd',
      headless: true,
      ports: http,
      slices: [
        v4(
          [
            {ip: '10.244.5.20', pod: LONG_POD},
            {ip: '10.244.5.21', pod: 'dotted.pod-1'},
            {ip: '10.244.5.22', pod: 'odd-2'},
          ],
          http,
        ),
      ],
    },
    // ClusterIP with pod endpoints, to test endpoint_pod_names on a non-headless Service.
    {
      ns: 'beta-2',
      name: 'api',
      ports: [{name: 'grpc', port: 9090}],
      slices: [v4([{ip: '10.244.5.30', pod: 'api-0'}], [{name: 'grpc', port: 9090}])],
    },
    // The labelled namespace (namespace_labels).
    {ns: 'gamma', name: 'visible', ports: http, slices: [v4([{ip: '10.244.6.10', pod: 'gamma-0'}], http)]},
  ]
}

function pods(): PodSpec[] {
  const list: PodSpec[] = []
  const seen = new Set<string>()
  for (const svc of services(WORLD_ZONE))
    for (const slice of svc.slices)
      for (const ep of slice.endpoints) {
        if (!ep.pod || seen.has(`${svc.ns}/${ep.pod}`)) continue
        seen.add(`${svc.ns}/${ep.pod}`)
        const pod: PodSpec = {ns: svc.ns, name: ep.pod, ips: [ep.ip]}
        if (ep.hostname) Object.assign(pod, {hostname: ep.hostname, subdomain: svc.name})
        list.push(pod)
      }
  // dual-0 is dual-stack (primary IPv4).
  list.find((p) => p.name === 'dual-0')!.ips = ['10.244.4.10', 'fd00:10:244:4::10']
  // A pod behind no Service, and a terminating one (for `pods verified`).
  list.push({ns: 'alpha', name: 'loner', ips: ['10.244.7.1']})
  list.push({ns: 'alpha', name: 'leaving', ips: ['10.244.7.2'], terminating: true})
  return list
}

function namespaceObjects(): Obj[] {
  return [
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'alpha'}},
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'beta-2'}},
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {name: 'gamma', labels: {[NAMESPACE_LABEL.key]: NAMESPACE_LABEL.value}},
    },
  ]
}

function serviceObject(s: SvcSpec): Obj {
  const spec: Obj = {}
  if (s.type === 'ExternalName') {
    spec.type = 'ExternalName'
    spec.externalName = s.externalName
  } else {
    spec.type = s.type ?? 'ClusterIP'
    if (s.headless) spec.clusterIP = 'None'
    if (s.dualStack) {
      spec.ipFamilyPolicy = 'RequireDualStack'
      spec.ipFamilies = ['IPv4', 'IPv6']
    }
    if (s.ipFamilies) {
      spec.ipFamilyPolicy = 'SingleStack'
      spec.ipFamilies = s.ipFamilies
    }
    if (s.publishNotReadyAddresses) spec.publishNotReadyAddresses = true
  }
  if (s.ports.length > 0)
    spec.ports = s.ports.map((p) => ({
      ...(p.name ? {name: p.name} : {}),
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      targetPort: p.targetPort ?? p.port,
    }))
  return {apiVersion: 'v1', kind: 'Service', metadata: {name: s.name, namespace: s.ns}, spec}
}

function conditions(ep: Ep): Obj {
  if (ep.ready === null) return {}
  return {ready: ep.ready ?? true, serving: ep.serving ?? ep.ready ?? true, terminating: ep.terminating ?? false}
}

function sliceObject(s: SvcSpec, slice: SliceSpec): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${s.name}-${slice.suffix}`,
      namespace: s.ns,
      labels: {'kubernetes.io/service-name': s.name, 'endpointslice.kubernetes.io/managed-by': MANAGED_BY},
    },
    addressType: slice.family,
    endpoints: slice.endpoints.map((ep) => ({
      addresses: [ep.ip],
      conditions: conditions(ep),
      ...(ep.hostname ? {hostname: ep.hostname} : {}),
      ...(ep.pod ? {targetRef: {kind: 'Pod', namespace: s.ns, name: ep.pod}} : {}),
    })),
    ports: slice.ports,
  }
}

/** The v1 Endpoints the endpoints controller would write: ready (or, under publishNotReadyAddresses, all) addresses. */
function endpointsObject(s: SvcSpec): Obj {
  const ready = new Map<string, Obj>()
  const notReady = new Map<string, Obj>()
  for (const slice of s.slices)
    for (const ep of slice.endpoints) {
      if (ep.terminating && !s.publishNotReadyAddresses) continue
      const address = {
        ip: ep.ip,
        ...(ep.hostname ? {hostname: ep.hostname} : {}),
        ...(ep.pod ? {targetRef: {kind: 'Pod', namespace: s.ns, name: ep.pod}} : {}),
      }
      const isReady = s.publishNotReadyAddresses || ep.ready === null || ep.ready !== false
      ;(isReady ? ready : notReady).set(ep.ip, address)
    }
  const subsets: Obj[] = []
  if (ready.size + notReady.size > 0) {
    const ports = s.slices.find((sl) => sl.ports)?.ports
    subsets.push({
      ...(ready.size ? {addresses: [...ready.values()]} : {}),
      ...(notReady.size ? {notReadyAddresses: [...notReady.values()]} : {}),
      ...(ports && ports.length
        ? {ports: ports.map((p) => ({...(p.name ? {name: p.name} : {}), port: p.port, protocol: p.protocol}))}
        : {}),
    })
  }
  return {apiVersion: 'v1', kind: 'Endpoints', metadata: {name: s.name, namespace: s.ns}, subsets}
}

function podObject(p: PodSpec): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: p.name, namespace: p.ns, ...(p.terminating ? {finalizers: ['svc-inspect.test/hold']} : {})},
    spec: {
      ...(p.hostname ? {hostname: p.hostname, subdomain: p.subdomain} : {}),
      automountServiceAccountToken: false,
      containers: [{name: 'c', image: 'registry.invalid/never-pulled:v1'}],
    },
  }
}

function podStatus(p: PodSpec): Obj {
  return {status: {phase: 'Running', podIP: p.ips[0], podIPs: p.ips.map((ip) => ({ip}))}}
}

/** Every object to create, in apply order (no status, no apiserver-chosen fields). */
export function worldManifests(zone = WORLD_ZONE): Obj[] {
  const svcs = services(zone)
  return [
    ...namespaceObjects(),
    ...pods().map(podObject),
    ...svcs.map(serviceObject),
    ...svcs.flatMap((s) => s.slices.map((slice) => sliceObject(s, slice))),
    ...svcs.filter((s) => s.type !== 'ExternalName').map(endpointsObject),
  ]
}

function kubectl(bin: string, kubeconfig: string, args: string[], input?: string): string {
  return execFileSync(bin, ['--kubeconfig', kubeconfig, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

function kubectlAsync(bin: string, kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(bin, ['--kubeconfig', kubeconfig, ...args], {encoding: 'utf8'}, (error, stdout, stderr) =>
      error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  )
}

/** Apply the world, set pod statuses, delete the terminating pod (its finalizer keeps it), read it all back. */
export async function applyWorld(kubectlBin: string, kubeconfig: string, zone = WORLD_ZONE): Promise<Obj[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dns-tier-world-'))
  try {
    const file = path.join(dir, 'world.json')
    writeFileSync(file, JSON.stringify({apiVersion: 'v1', kind: 'List', items: worldManifests(zone)}))
    kubectl(kubectlBin, kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', file])
    // Pod statuses through the status subresource, six kubectl processes at a time.
    const queue = pods()
    await Promise.all(
      Array.from({length: 6}, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          const status = JSON.stringify(podStatus(p))
          await kubectlAsync(kubectlBin, kubeconfig, [
            '-n',
            p.ns,
            'patch',
            'pod',
            p.name,
            '--subresource=status',
            '--type=merge',
            '-p',
            status,
          ])
          if (p.terminating)
            await kubectlAsync(kubectlBin, kubeconfig, ['-n', p.ns, 'delete', 'pod', p.name, '--wait=false'])
        }
      }),
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  return readWorld(kubectlBin, kubeconfig)
}

/** Everything the kubernetes plugin reads, as the apiserver returns it (managedFields dropped). */
export function readWorld(kubectlBin: string, kubeconfig: string): Obj[] {
  const out: Obj[] = []
  for (const [resource, kind, apiVersion] of [
    ['namespaces', 'Namespace', 'v1'],
    ['services', 'Service', 'v1'],
    ['endpointslices.discovery.k8s.io', 'EndpointSlice', 'discovery.k8s.io/v1'],
    ['endpoints', 'Endpoints', 'v1'],
    ['pods', 'Pod', 'v1'],
  ]) {
    const list = JSON.parse(kubectl(kubectlBin, kubeconfig, ['get', resource, '-A', '-o', 'json'])) as {items: Obj[]}
    for (const item of list.items) {
      const metadata = item.metadata as Obj
      delete metadata.managedFields
      out.push({apiVersion, kind, ...item})
    }
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === 'apply') {
  const [, , , kubeconfig, outFile, zone] = process.argv
  const bin = process.env.KUBECTL ?? 'kubectl'
  const objects = await applyWorld(bin, kubeconfig, zone ?? WORLD_ZONE)
  writeFileSync(outFile, JSON.stringify(objects, null, 1) + '\n')
  console.error(`world: ${objects.length} objects written to ${outFile}`)
}
