// Differential test: src/analyse/netpol/evaluate.ts against cyclonus (github.com/mattfenwick/cyclonus v0.5.6, a
// NetworkPolicy explainer from the SIG Network community), on policy sets generated from a seeded PRNG.
// For each set: policies written one per file, every traffic case in one traffic file, one
// `cyclonus analyze --mode query-traffic` run; the verdicts (overall and per direction) must agree.
//
// cyclonus is built by test/netpol/build-cyclonus.sh (cached; a few minutes cold). Without Go the test is skipped.
//   NETPOL_DIFF_SEED=7 NETPOL_DIFF_SETS=300 node --import tsx --test test/netpol/differential.test.ts
//
// Where cyclonus v0.5.6 departs from Kubernetes the generator stays clear of it (see KNOWN below), so a
// disagreement is a bug on one side, not a known difference.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {evaluateTraffic, type PeerRef} from '../../src/analyse/netpol/evaluate.js'
import type {
  LabelSelector,
  Namespace,
  NetpolPod,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyType,
} from '../../src/analyse/netpol/types.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const SEED = Number(process.env.NETPOL_DIFF_SEED ?? 20_241_117)
const SETS = Number(process.env.NETPOL_DIFF_SETS ?? 1000)
const CASES_PER_SET = Number(process.env.NETPOL_DIFF_CASES ?? 30)

/**
 * Where cyclonus v0.5.6 and Kubernetes differ, so the generator avoids these inputs:
 * - NotIn on a missing key: Kubernetes matches (apimachinery labels.Requirement), cyclonus does not
 *   (pkg/kube/labelselector.go). NotIn is only generated on keys every pod/namespace carries.
 * - matchLabels {k: ""}: cyclonus compares labels[k] == "" and so matches a missing key. No empty values.
 * - policyTypes absent: cyclonus refuses such a file; the defaulting is covered by the unit table instead.
 * - a pod IP that an IP-only peer also names: cyclonus treats {ip} as outside the cluster; external IPs here
 *   never collide with pod IPs.
 */
export const KNOWN = ['NotIn on a missing key', 'matchLabels with an empty value', 'policyTypes absent']

function prng(seed: number): () => number {
  // mulberry32: small, fast, and the same sequence on every machine.
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d_2b_79_f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

class Gen {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  some<T>(items: readonly T[], min: number, max: number): T[] {
    const pool = [...items]
    const out: T[] = []
    const count = Math.min(this.int(min, max), pool.length)
    while (out.length < count) out.push(pool.splice(this.int(0, pool.length - 1), 1)[0])
    return out
  }
}

const NS_NAMES = ['x', 'y', 'z'] as const
const CONTAINER_PORTS = [
  {name: 'serve-80-tcp', containerPort: 80, protocol: 'TCP'},
  {name: 'serve-80-udp', containerPort: 80, protocol: 'UDP'},
  {name: 'serve-81-udp', containerPort: 81, protocol: 'UDP'},
  {name: 'serve-81-tcp', containerPort: 81, protocol: 'TCP'},
  {name: 'dns', containerPort: 53, protocol: 'UDP'},
  {name: 'dns-tcp', containerPort: 53, protocol: 'TCP'},
  {name: 'http', containerPort: 8080, protocol: 'TCP'},
  {name: 'sctp-9000', containerPort: 9000, protocol: 'SCTP'},
]
const PORT_NAMES = [...CONTAINER_PORTS.map((port) => port.name), 'missing-name']
const TRAFFIC_PORTS = [53, 80, 81, 443, 8080, 8443, 9000, 9090]
const PROTOCOLS = ['TCP', 'TCP', 'UDP', 'SCTP']
const EXTERNAL = {
  4: ['192.168.1.10', '8.8.8.8', '10.1.2.3', '172.16.0.9'],
  6: ['2001:db8::1', '2001:db8:1::1', 'fd00:1::7'],
}
const IP_BLOCKS = [
  {cidr: '10.0.0.0/8', except: ['10.1.0.0/16']},
  {cidr: '10.244.0.0/16'},
  {cidr: '10.244.1.0/24', except: ['10.244.1.0/28']},
  {cidr: '192.168.1.0/24'},
  {cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16']},
  {cidr: '2001:db8::/32', except: ['2001:db8:1::/48']},
  {cidr: 'fd00:244::/64'},
  {cidr: '::/0'},
]

interface World {
  namespaces: Namespace[]
  pods: NetpolPod[]
}

function world(gen: Gen): World {
  const namespaces = NS_NAMES.map((name) => {
    const labels: Record<string, string> = {ns: name, team: gen.pick(['a', 'b'])}
    if (gen.chance(0.5)) labels.env = gen.pick(['prod', 'dev'])
    return {metadata: {name, labels}}
  })
  const pods: NetpolPod[] = []
  for (const [index, namespace] of NS_NAMES.entries()) {
    for (let n = 0; n < gen.int(2, 3); n++) {
      const labels: Record<string, string> = {pod: gen.pick(['a', 'b', 'c'])}
      if (gen.chance(0.5)) labels.tier = gen.pick(['web', 'db'])
      const ip = namespace === 'z' && n === 0 ? `fd00:244::${index}${n}` : `10.244.${index}.${10 + n}`
      pods.push({
        metadata: {name: `p${n}`, namespace, labels},
        spec: {containers: [{name: 'c', ports: gen.some(CONTAINER_PORTS, 0, 6)}]},
        status: {podIP: ip, podIPs: [{ip}]},
      })
    }
  }

  return {namespaces, pods}
}

function selector(gen: Gen, kind: 'pod' | 'ns'): LabelSelector {
  if (gen.chance(0.25)) return {}
  // Keys every object carries (NotIn is safe on them) and keys only some carry.
  const always = kind === 'pod' ? ['pod'] : ['ns', 'team']
  const sometimes = kind === 'pod' ? ['tier'] : ['env', 'kubernetes.io/metadata.name']
  const values: Record<string, string[]> = {
    pod: ['a', 'b', 'c'],
    tier: ['web', 'db'],
    ns: [...NS_NAMES],
    team: ['a', 'b'],
    env: ['prod', 'dev'],
    'kubernetes.io/metadata.name': [...NS_NAMES],
  }
  const result: LabelSelector = {}
  if (gen.chance(0.6)) {
    const key = gen.pick([...always, ...sometimes])
    result.matchLabels = {[key]: gen.pick(values[key])}
  }

  if (gen.chance(0.5) || !result.matchLabels) {
    result.matchExpressions = Array.from({length: gen.int(1, 2)}, () => {
      const operator = gen.pick(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const)
      const key = operator === 'NotIn' ? gen.pick(always) : gen.pick([...always, ...sometimes])
      if (operator === 'Exists' || operator === 'DoesNotExist') return {key, operator}
      return {key, operator, values: gen.some(values[key], 1, 2)}
    })
  }

  return result
}

function peer(gen: Gen): NetworkPolicyPeer {
  const kind = gen.pick(['pod', 'ns', 'both', 'both', 'ip'])
  if (kind === 'ip') {
    const block = gen.pick(IP_BLOCKS)
    return {ipBlock: {cidr: block.cidr, ...(block.except ? {except: [...block.except]} : {})}}
  }

  if (kind === 'pod') return {podSelector: selector(gen, 'pod')}
  if (kind === 'ns') return {namespaceSelector: selector(gen, 'ns')}
  return {namespaceSelector: selector(gen, 'ns'), podSelector: selector(gen, 'pod')}
}

function policyPort(gen: Gen): NetworkPolicyPort {
  const protocol = gen.chance(0.3) ? undefined : gen.pick(PROTOCOLS)
  const base = protocol ? {protocol} : {}
  const kind = gen.pick(['number', 'number', 'name', 'range', 'all'])
  if (kind === 'all') return {protocol: protocol ?? 'TCP'}
  if (kind === 'name') return {...base, port: gen.pick(PORT_NAMES)}
  const port = gen.pick([53, 80, 81, 8000, 8080, 9000])
  return kind === 'range' ? {...base, port, endPort: port + gen.pick([0, 1, 100, 1000])} : {...base, port}
}

function rules(gen: Gen, key: 'from' | 'to'): Array<Record<string, NetworkPolicyPort[] | NetworkPolicyPeer[]>> {
  // 0 rules (default deny for the direction) a fifth of the time.
  const count = gen.pick([0, 1, 1, 2, 3])
  return Array.from({length: count}, () => {
    const rule: Record<string, NetworkPolicyPort[] | NetworkPolicyPeer[]> = {}
    if (gen.chance(0.7)) rule.ports = Array.from({length: gen.int(1, 2)}, () => policyPort(gen))
    if (gen.chance(0.8)) rule[key] = Array.from({length: gen.int(1, 2)}, () => peer(gen))
    return rule
  })
}

function policies(gen: Gen, set: number): NetworkPolicy[] {
  return Array.from({length: gen.int(1, 4)}, (_, index) => {
    const policyTypes: PolicyType[] = gen.pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']])
    // A broad podSelector often, so that most sets isolate some pods.
    const spec: NetworkPolicy['spec'] = {podSelector: gen.chance(0.4) ? {} : selector(gen, 'pod'), policyTypes}
    // Sometimes rules of a direction the policyTypes leave out: they must be ignored.
    if (policyTypes.includes('Ingress') || gen.chance(0.2)) spec.ingress = rules(gen, 'from')
    if (policyTypes.includes('Egress') || gen.chance(0.2)) spec.egress = rules(gen, 'to')
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {name: `s${set}-p${index}`, namespace: gen.pick(NS_NAMES)},
      spec,
    }
  })
}

interface Case {
  source: PeerRef
  destination: PeerRef
  port: number
  protocol: string
}

function cases(gen: Gen, w: World): Case[] {
  const familyOf = (pod: NetpolPod) => (pod.status!.podIP!.includes(':') ? 6 : 4)
  return Array.from({length: CASES_PER_SET}, () => {
    const family = gen.chance(0.8) ? 4 : 6
    const pods = w.pods.filter((pod) => familyOf(pod) === family)
    const end = (): PeerRef => (pods.length > 0 ? {pod: gen.pick(pods)} : {ip: gen.pick(EXTERNAL[family])})
    const shape = gen.pick(['pod-pod', 'pod-pod', 'pod-ip', 'ip-pod'])
    const source = shape === 'ip-pod' ? {ip: gen.pick(EXTERNAL[family])} : end()
    const destination = shape === 'pod-ip' ? {ip: gen.pick(EXTERNAL[family])} : end()
    return {source, destination, port: gen.pick(TRAFFIC_PORTS), protocol: gen.pick(PROTOCOLS)}
  })
}

function cyclonusPeer(ref: PeerRef, w: World) {
  if (!('pod' in ref)) return {IP: ref.ip}
  const namespace = ref.pod.metadata.namespace!
  const labels = w.namespaces.find((entry) => entry.metadata.name === namespace)!.metadata.labels
  return {
    IP: ref.pod.status!.podIP,
    Internal: {
      PodLabels: ref.pod.metadata.labels ?? {},
      // Our evaluator adds the label the API server sets on every namespace; cyclonus is told it explicitly.
      NamespaceLabels: {...labels, 'kubernetes.io/metadata.name': namespace},
      Namespace: namespace,
    },
  }
}

function cyclonusTraffic(entry: Case, w: World) {
  // cyclonus matches named ports against the name the caller resolved: the destination pod's container port of
  // that number and protocol, as Kubernetes resolves it.
  const ports = 'pod' in entry.destination ? (entry.destination.pod.spec.containers[0].ports ?? []) : []
  const name = ports.find((port) => port.containerPort === entry.port && port.protocol === entry.protocol)?.name
  return {
    Source: cyclonusPeer(entry.source, w),
    Destination: cyclonusPeer(entry.destination, w),
    Protocol: entry.protocol,
    ResolvedPort: entry.port,
    ResolvedPortName: name ?? '',
  }
}

interface CyclonusVerdict {
  allowed: boolean
  ingress: boolean
  egress: boolean
}

/** Reads `Is traffic allowed?` tables: rows of TYPE (merged cells stay blank) and ACTION, then IS ALLOWED?. */
export function parseCyclonus(output: string): CyclonusVerdict[] {
  const verdicts: CyclonusVerdict[] = []
  const blocks = output.split('Is traffic allowed?').slice(1)
  for (const block of blocks) {
    const seen = {Ingress: {allow: false, deny: false}, Egress: {allow: false, deny: false}}
    let type: 'Ingress' | 'Egress' | undefined
    let allowed: boolean | undefined
    for (const line of block.split('\n')) {
      if (!line.startsWith('|')) continue
      const cells = line.split('|').map((cell) => cell.trim())
      if (cells[1] === 'IS ALLOWED?') {
        allowed = cells[2] === 'TRUE'
        break
      }

      if (cells[1] === 'TYPE') continue
      if (cells[1] === 'Ingress' || cells[1] === 'Egress') type = cells[1]
      if (type && cells[2] === 'Allow') seen[type].allow = true
      if (type && cells[2] === 'Deny') seen[type].deny = true
    }

    if (allowed === undefined) throw new Error(`cyclonus output without IS ALLOWED?:\n${block}`)
    const direction = (entry: {allow: boolean; deny: boolean}) => entry.allow || !entry.deny
    verdicts.push({allowed, ingress: direction(seen.Ingress), egress: direction(seen.Egress)})
  }

  return verdicts
}

function describeCase(entry: Case): string {
  const end = (ref: PeerRef) => ('pod' in ref ? `${ref.pod.metadata.namespace}/${ref.pod.metadata.name}` : ref.ip)
  return `${end(entry.source)} -> ${end(entry.destination)} ${entry.protocol} ${entry.port}`
}

function buildCyclonus(): string | undefined {
  try {
    return execFileSync('bash', [join(HERE, 'build-cyclonus.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim()
  } catch {
    return undefined
  }
}

const cyclonus = buildCyclonus()

describe('NetworkPolicy evaluator vs cyclonus v0.5.6', () => {
  it(
    `${SETS} generated policy sets x ${CASES_PER_SET} traffic cases (seed ${SEED}) agree`,
    {skip: cyclonus ? false : 'cyclonus could not be built (test/netpol/build-cyclonus.sh needs Go)', timeout: 600_000},
    () => {
      const gen = new Gen(prng(SEED))
      const root = mkdtempSync(join(tmpdir(), 'svc-inspect-netpol-diff-'))
      const disagreements: string[] = []
      // How much of the semantics the run exercised: a run where nothing is isolated would agree trivially.
      const stats = {cases: 0, allowed: 0, byRule: 0, defaultDeny: 0, noRuleMatches: 0, notIsolated: 0}
      try {
        for (let set = 0; set < SETS; set++) {
          const w = world(gen)
          const set_ = policies(gen, set)
          const traffic = cases(gen, w)
          const dir = join(root, `set-${set}`)
          mkdirSync(join(dir, 'policies'), {recursive: true})
          for (const policy of set_) {
            writeFileSync(join(dir, 'policies', `${policy.metadata.name}.json`), JSON.stringify(policy, null, 2))
          }

          writeFileSync(join(dir, 'traffic.json'), JSON.stringify(traffic.map((entry) => cyclonusTraffic(entry, w))))
          const run = spawnSync(
            cyclonus!,
            [
              'analyze',
              '--mode',
              'query-traffic',
              '--policy-path',
              join(dir, 'policies'),
              '--traffic-path',
              join(dir, 'traffic.json'),
            ],
            {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024},
          )
          assert.equal(run.status, 0, `cyclonus failed on set ${set} (${dir}):\n${run.stderr}`)
          const theirs = parseCyclonus(run.stdout)
          assert.equal(
            theirs.length,
            traffic.length,
            `set ${set}: cyclonus answered ${theirs.length} of ${traffic.length}`,
          )
          let keep = false
          for (const [index, entry] of traffic.entries()) {
            const ours = evaluateTraffic({policies: set_, namespaces: w.namespaces}, entry)
            stats.cases++
            if (ours.allowed) stats.allowed++
            for (const verdict of [ours.ingress, ours.egress]) {
              if (verdict.reason === 'allowed') stats.byRule++
              else if (verdict.reason === 'not-isolated') stats.notIsolated++
              else if (verdict.blockedBecause?.nearest) stats.noRuleMatches++
              else if (verdict.blockedBecause) stats.defaultDeny++
            }

            const mine = {allowed: ours.allowed, ingress: ours.ingress.allowed, egress: ours.egress.allowed}
            const their = theirs[index]
            if (mine.allowed !== their.allowed || mine.ingress !== their.ingress || mine.egress !== their.egress) {
              keep = true
              disagreements.push(
                `set ${set} case ${index} ${describeCase(entry)}: ours ${JSON.stringify(mine)} cyclonus ${JSON.stringify(their)}\n  ${ours.summary}\n  policies: ${dir}/policies`,
              )
            }
          }

          if (!keep) rmSync(dir, {recursive: true, force: true})
        }
      } finally {
        if (disagreements.length === 0) rmSync(root, {recursive: true, force: true})
      }

      console.log(
        `netpol differential: ${stats.cases} cases (${stats.allowed} allowed); directions: ${stats.byRule} allowed by a rule, ` +
          `${stats.noRuleMatches} denied (no rule matches), ${stats.defaultDeny} denied (default deny only), ` +
          `${stats.notIsolated} not isolated; ${disagreements.length} disagreements`,
      )
      assert.equal(disagreements.length, 0, `${disagreements.length} disagreements:\n${disagreements.join('\n')}`)
    },
  )
})
