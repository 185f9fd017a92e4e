// The questions of the DNS conformance tier, generated from the objects alone (no model involved), like
// those of ../shared/fixtures/kube-dns-1.26.7.json: every name a Service, endpoint or pod could have, plus
// names that must not exist, under each forward zone of the server.

export interface Question {
  name: string
  type: string
}

type Obj = Record<string, any>

const fqdn = (name: string): string => (name.endsWith('.') ? name : `${name}.`).toLowerCase()

/** CoreDNS's endpoint label for an IP: `.`/`:` to `-` on the address as stored; both IPv6 spellings (1.12.3 appends `0` to a trailing `-`). */
export function dashedLabels(ip: string): string[] {
  if (!ip.includes(':')) return [ip.replaceAll('.', '-')]
  const dashed = ip.replaceAll(':', '-')
  return dashed.endsWith('-') ? [dashed, `${dashed}0`] : [dashed]
}

/** The PTR name of an IP (in-addr.arpa, or ip6.arpa nibbles). */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`
  const [head, tail = ''] = ip.split('::')
  const groups = (part: string) => (part ? part.split(':') : [])
  const h = groups(head)
  const t = ip.includes('::') ? groups(tail) : []
  const full = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => g.padStart(4, '0'))
  return `${full.join('').split('').reverse().join('.')}.ip6.arpa.`
}

/** Out-of-zone names every recording asks too: a k3s NodeHosts name, AKS template names, an ExternalName target, an unknown PTR (all but the first few go upstream). */
export const EXTRA_QUESTIONS: Question[] = [
  {name: 'tier-node.', type: 'A'},
  {name: '2.9.250.10.in-addr.arpa.', type: 'PTR'},
  {name: 'a.b.c.d.internal.cloudapp.net.', type: 'A'},
  {name: 'x.internal.cloudapp.net.', type: 'A'},
  {name: 'reddog.microsoft.com.', type: 'A'},
  {name: 'db.example.org.', type: 'A'},
  {name: '4.3.2.1.in-addr.arpa.', type: 'PTR'},
]

export interface QuestionPhases {
  /** Asked to one server start. */
  main: Question[]
  /** Names under ExternalName Services, one phase (= server start) per zone: their CNAME targets are looked up
   * again through the whole plugin chain, cache included, so two chases of one target in one start would show
   * a cached TTL. */
  externalName: Question[][]
}

export function generateQuestions(objects: Obj[], zones: string[]): QuestionPhases {
  const services = objects.filter((o) => o.kind === 'Service')
  const slices = objects.filter((o) => o.kind === 'EndpointSlice')
  const pods = objects.filter((o) => o.kind === 'Pod')
  const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => String(o.metadata.name))
  const main: Question[] = []
  const external: Question[][] = zones.map(() => [])
  const ask = (list: Question[], name: string, ...types: string[]) => {
    for (const type of types) list.push({name: fqdn(name), type})
  }

  const ptrIps = new Set<string>()
  zones.forEach((zone, zoneIndex) => {
    for (const svc of services) {
      const {name, namespace: ns} = svc.metadata
      const base = `${name}.${ns}.svc.${zone}`
      const isExternal = svc.spec.type === 'ExternalName'
      const list = isExternal ? external[zoneIndex] : main
      ask(list, base, 'A', 'AAAA', 'CNAME', 'SRV')
      const ports: Obj[] = svc.spec.ports ?? []
      for (const port of ports) {
        const proto = String(port.protocol ?? 'TCP').toLowerCase()
        if (port.name) ask(list, `_${port.name}._${proto}.${base}`, 'SRV')
      }
      // Probes: a port number where a name belongs, a named port without underscores, a missing port name.
      if (ports.length > 0) {
        const first = ports[0]
        const proto = String(first.protocol ?? 'TCP').toLowerCase()
        ask(list, `_${first.port}._${proto}.${base}`, 'SRV')
        if (first.name) ask(list, `${first.name}.${proto}.${base}`, 'SRV')
        ask(list, `_nosuch._${proto}.${base}`, 'SRV')
      }
      ask(list, `a.b.${base}`, 'A')
      if (isExternal) ask(list, `x.${base}`, 'A')
      for (const ip of svc.spec.clusterIPs ?? []) if (ip !== 'None') ptrIps.add(ip)
      for (const slice of slices) {
        if (slice.metadata.namespace !== ns || slice.metadata.labels?.['kubernetes.io/service-name'] !== name) continue
        for (const ep of slice.endpoints ?? []) {
          const labels = new Set<string>()
          for (const ip of ep.addresses ?? []) {
            ptrIps.add(ip)
            for (const label of dashedLabels(ip)) labels.add(label)
          }
          const podName = ep.targetRef?.kind === 'Pod' ? String(ep.targetRef.name) : ''
          // A label longer than 63 characters cannot be asked (CoreDNS does not use such pod names either).
          if (podName && podName.split('.').every((part) => part.length <= 63)) labels.add(podName)
          if (ep.hostname) labels.add(String(ep.hostname))
          for (const label of labels) ask(list, `${label}.${base}`, 'A', 'AAAA')
        }
      }
    }

    // Names that must not exist, and the structural names.
    const anyService = services.find((s) => s.spec.type !== 'ExternalName')?.metadata.name ?? 'web'
    ask(main, `${anyService}.nosuchns.svc.${zone}`, 'A')
    for (const ns of namespaces) {
      ask(main, `nosuch.${ns}.svc.${zone}`, 'A')
      ask(main, `${ns}.svc.${zone}`, 'A')
    }
    ask(main, zone, 'A')
    ask(main, `svc.${zone}`, 'A')
    ask(main, `pod.${zone}`, 'A')
    ask(main, `nosuch.${zone}`, 'A')
    ask(main, `dns-version.${zone}`, 'TXT')

    // Pod records: every pod IP (both families), a non-pod IP of each family, a missing namespace, a non-IP.
    for (const pod of pods) {
      const ns = pod.metadata.namespace
      for (const {ip} of pod.status?.podIPs ?? []) {
        for (const label of dashedLabels(ip)) ask(main, `${label}.${ns}.pod.${zone}`, ip.includes(':') ? 'AAAA' : 'A')
      }
    }
    ask(main, `10-1-2-3.alpha.pod.${zone}`, 'A')
    ask(main, `fd00-10-244-99--1.alpha.pod.${zone}`, 'AAAA')
    ask(main, `10-244-1-10.nosuchns.pod.${zone}`, 'A')
    ask(main, `notanip.alpha.pod.${zone}`, 'A')
  })

  for (const ip of [...ptrIps].sort()) ask(main, reverseName(ip), 'PTR')
  main.push(...EXTRA_QUESTIONS)

  const dedupe = (list: Question[]) => {
    const seen = new Set<string>()
    return list.filter((q) => {
      const key = `${q.name} ${q.type}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
  }
  return {main: dedupe(main), externalName: external.map(dedupe).filter((list) => list.length > 0)}
}
