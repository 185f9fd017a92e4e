// Live `scan` at cluster scale (issue 16), on the local cluster (KUBECONFIG set; npm run build first):
//   node bench/scan-scale.mjs [--namespaces 100] [--per-namespace 10] [--shared]
// Creates NAMESPACES x PER-NAMESPACE selector-less ClusterIP Services, each with an EndpointSlice of two ready
// addresses of its own (--shared: the same two addresses for all, so each address has a PTR record per Service),
// then measures, in one run:
//  - scan -A, live DNS (--no-reach), vs one single-service live inspect     target <= 2.5x, one resolver pod,
//    every record `match`, RSS < 300 MB
//  - scan -A --no-dns vs kubectl get svc,endpointslices,pods -A -o json     target <= 2x
// and deletes the namespaces at the end.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {kubectl, waitFor} from './cluster.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = `${root}bin/run.cjs`
const IMAGE = process.env.SVC_INSPECT_RESOLVER_IMAGE ?? 'localhost/svc-inspect/resolver:v1'
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}
const NAMESPACES = arg('--namespaces', 100)
const PER_NAMESPACE = arg('--per-namespace', 10)
const SHARED = process.argv.includes('--shared')
const PREFIX = process.env.BENCH_PREFIX ?? 'bench-scale-'
/** --keep: leave the namespaces (e.g. to look at a failure). */
const KEEP = process.argv.includes('--keep')

function objects() {
  const items = []
  let serial = 0
  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = `${PREFIX}${n}`
    items.push({apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}})
    for (let s = 0; s < PER_NAMESPACE; s++, serial++) {
      const name = `svc-${s}`
      // Addresses in a range no host uses: nothing is dialled (--no-reach), DNS only answers from the slices.
      const addresses = SHARED
        ? ['10.247.0.1', '10.247.0.2']
        : [
            `10.246.${Math.floor((serial * 2) / 250)}.${((serial * 2) % 250) + 1}`,
            `10.246.${Math.floor((serial * 2 + 1) / 250)}.${((serial * 2 + 1) % 250) + 1}`,
          ]
      items.push(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {name, namespace},
          spec: {ports: [{name: 'http', port: 80, targetPort: 8080}]},
        },
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {name: `${name}-1`, namespace, labels: {'kubernetes.io/service-name': name}},
          addressType: 'IPv4',
          ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
          endpoints: addresses.map((address) => ({addresses: [address], conditions: {ready: true}})),
        },
      )
    }
  }
  return {apiVersion: 'v1', kind: 'List', items}
}

function timed(command, args) {
  // GNU time's %M: the peak RSS in KiB of the command (for node, the CLI's own).
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {encoding: 'utf8', maxBuffer: 1 << 30})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const rssMb = Number(result.stderr.trim().split('\n').at(-1)) / 1024
  return {ms, rssMb, result}
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function compare(runs, sides) {
  const samples = Object.fromEntries(Object.keys(sides).map((key) => [key, []]))
  const last = {}
  for (let run = 0; run < runs; run++)
    for (const [key, [command, args]] of Object.entries(sides)) {
      last[key] = timed(command, args)
      samples[key].push(last[key].ms)
    }
  return {medians: Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)])), last}
}

const total = NAMESPACES * PER_NAMESPACE
console.log(`creating ${total} services in ${NAMESPACES} namespaces${SHARED ? ' (all on the same two addresses)' : ''}`)
kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(objects()))
try {
  waitFor(
    `${total} services`,
    () =>
      kubectl(['get', 'services', '-A', '-o', 'name'])
        .split('\n')
        .filter((line) => line.includes('svc-')).length >= total,
  )
  const node = process.execPath
  const single = [node, [cli, 'svc-0', '-n', `${PREFIX}0`, '--no-reach', '--image', IMAGE, '-o', 'json']]
  const scan = [node, [cli, 'scan', '-A', '--no-reach', '--image', IMAGE, '-o', 'json']]
  // Warm-up until DNS serves every service (CoreDNS learns them through its watch).
  waitFor(
    'DNS to serve every service',
    () => {
      const items = JSON.parse(timed(...scan).result.stdout).items.filter((item) =>
        item.service.namespace.startsWith(PREFIX),
      )
      return items.length === total && items.every((item) => item.records.every((record) => record.status === 'match'))
    },
    300_000,
  )
  const live = compare(3, {single, scan})
  if (live.last.scan.result.status !== 0) throw new Error(`scan failed: ${live.last.scan.result.stderr}`)
  const list = JSON.parse(live.last.scan.result.stdout)
  const ours = list.items.filter((item) => item.service.namespace.startsWith(PREFIX))
  const pods = new Set(list.items.map((item) => item.dns?.resolver?.pod))
  const mismatched = ours.flatMap((item) => item.records.filter((record) => record.status !== 'match'))
  const codes = {}
  for (const item of ours) for (const finding of item.findings) codes[finding.code] = (codes[finding.code] ?? 0) + 1
  console.log(
    `scan -A live (--no-reach) vs one live inspect: ${(live.medians.scan / live.medians.single).toFixed(2)}x (${live.medians.scan.toFixed(0)} ms vs ${live.medians.single.toFixed(0)} ms; target <= 2.5x); resolver pods: ${pods.size}; records not match: ${mismatched.length}; RSS ${live.last.scan.rssMb.toFixed(0)} MB (target < 300); findings: ${JSON.stringify(codes)}`,
  )
  const reads = compare(3, {
    scan: [node, [cli, 'scan', '-A', '--no-dns', '-o', 'json']],
    kubectl: ['kubectl', ['get', 'services,endpointslices,pods', '-A', '-o', 'json']],
  })
  console.log(
    `scan -A --no-dns vs kubectl get svc,endpointslices,pods -A -o json: ${(reads.medians.scan / reads.medians.kubectl).toFixed(2)}x (${reads.medians.scan.toFixed(0)} ms vs ${reads.medians.kubectl.toFixed(0)} ms; target <= 2x); RSS ${reads.last.scan.rssMb.toFixed(0)} MB`,
  )
} finally {
  if (!KEEP) {
    const namespaces = Array.from({length: NAMESPACES}, (_, n) => `${PREFIX}${n}`)
    spawnSync('kubectl', ['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=false'], {
      encoding: 'utf8',
    })
  }
}
