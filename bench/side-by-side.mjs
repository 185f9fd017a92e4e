#!/usr/bin/env node
// Old build against new, interleaved in one run on the local cluster (KUBECONFIG set): the live inspect of a
// headless service with 100 endpoints (the DNS check through an existing resolver pod), and the read-only
// inspect. Usage: node bench/side-by-side.mjs --baseline DIR [--baseline-node PATH] [--runs N]
//   DIR: a checkout of the baseline commit with `npm ci && npm run build` done (e.g. a git worktree).
// Prints the medians and the ratio new/old per case; creates namespace bench-dns and deletes it at the end.
// --old-extra "ARGS": words added to the old build's command line only. With --baseline . (this build), it measures
// what a piece costs, e.g. the DNS profile's reads, skipped by --dns-server --dns-version --corefile.
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {kubectl, waitFor, wideService} from './cluster.mjs'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const index = args.indexOf(name)
  return index >= 0 ? args[index + 1] : fallback
}
const baseline = option('--baseline')
const runs = Number(option('--runs', '15'))
const oldExtra = option('--old-extra', '').split(' ').filter(Boolean)
if (!baseline || !existsSync(`${baseline}/bin/run.cjs`)) {
  console.error('usage: node bench/side-by-side.mjs --baseline DIR [--runs N] (DIR: a built checkout)')
  process.exit(2)
}
const builds = {old: `${baseline}/bin/run.cjs`, new: fileURLToPath(new URL('../bin/run.cjs', import.meta.url))}
// Each build on the Node it was made for: --baseline-node for the old one (e.g. the machine's Node 20).
const nodes = {old: option('--baseline-node', process.execPath), new: process.execPath}
const RESOLVER_IMAGE = process.env.SVC_INSPECT_RESOLVER_IMAGE ?? 'localhost/svc-inspect/resolver:v1'

function run(cli, extra, node = process.execPath) {
  const started = process.hrtime.bigint()
  const result = spawnSync(node, [cli, 'wide', '-n', 'bench-dns', '-o', 'json', ...extra], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status === 2) throw new Error(`${cli}: ${result.stderr}`)
  return {ms, report: JSON.parse(result.stdout)}
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

spawnSync('kubectl', ['delete', 'namespace', 'bench-dns', '--ignore-not-found', '--wait=true'])
kubectl(['apply', '-f', '-'], JSON.stringify(wideService()))
kubectl(
  ['run', 'bench-resolver', '-n', 'bench-dns', '--image', RESOLVER_IMAGE, '--image-pull-policy', 'Never'].concat([
    '--restart',
    'Never',
    '--command',
    '--',
    'sleep',
    '3600',
  ]),
)
try {
  waitFor(
    'the bench resolver pod',
    () => kubectl(['get', 'pod', 'bench-resolver', '-n', 'bench-dns', '-o', 'jsonpath={.status.phase}']) === 'Running',
  )
  const cases = {
    'live inspect (100 endpoints, --resolver-pod, --no-reach)': ['--resolver-pod', 'bench-resolver', '--no-reach'],
    'inspect --no-dns': ['--no-dns'],
  }
  // Warm-up: DNS serves every endpoint, each build's caches are filled.
  waitFor('DNS to serve the 100 endpoints', () =>
    run(builds.new, cases['live inspect (100 endpoints, --resolver-pod, --no-reach)']).report.records.every(
      (record) => record.status === 'match',
    ),
  )
  const argsOf = (which, extra) => (which === 'old' ? [...extra, ...oldExtra] : extra)
  for (const extra of Object.values(cases))
    for (const which of ['old', 'new']) run(builds[which], argsOf(which, extra), nodes[which])
  console.log(
    `side by side, ${runs} interleaved runs each, medians (old: ${baseline}${oldExtra.length ? ` ${oldExtra.join(' ')}` : ''})`,
  )
  for (const [name, extra] of Object.entries(cases)) {
    const times = {old: [], new: []}
    for (let index = 0; index < runs; index++) {
      for (const which of index % 2 ? ['old', 'new'] : ['new', 'old'])
        times[which].push(run(builds[which], argsOf(which, extra), nodes[which]).ms)
    }
    const [old, now] = [median(times.old), median(times.new)]
    console.log(`  ${name}: old ${old.toFixed(0)} ms, new ${now.toFixed(0)} ms, new/old ${(now / old).toFixed(2)}x`)
  }
} finally {
  spawnSync('kubectl', ['delete', 'namespace', 'bench-dns', '--ignore-not-found', '--wait=false'])
}
