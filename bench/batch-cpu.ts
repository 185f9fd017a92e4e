// Where a scan-sized resolver batch spends its CPU, on loopback, without a cluster: the real batch script
// (src/kube/resolver-batch.sh) run by `busybox sh -s` as in the resolver pod, with the real dig, against a real CoreDNS
// (built by test/dns/build-coredns.sh) answering every name from a `template` plugin; the CLI's parse of the output
// timed in this process. Prints the CPU of each part, per batch and in total. Nothing leaves 127.0.0.1.
//
//   scripts/node.sh --import tsx --import ./test/support/text-assets.ts bench/batch-cpu.ts \
//     [--questions 8000] [--per-batch 1000] [--digs 6] [--at-once 2] [--servers 3] [--release v1.11.3]
//
// The scan's defaults: batches of 1,000 questions, two in flight, six dig processes each, every question asked of
// three servers (the pod's nameserver and two CoreDNS replicas; here the same CoreDNS three times).
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'
import {batchInput, decodeScriptOutput, parseBatchOutput} from '../src/kube/resolver-batch.js'
import type {DnsQuestion, DnsServer} from '../src/model/dns.js'

const flag = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : fallback
}
const total = Number(flag('questions', '8000'))
const perBatch = Number(flag('per-batch', '1000'))
const digs = Number(flag('digs', '6'))
const atOnce = Number(flag('at-once', '2'))
const serverCount = Number(flag('servers', '3'))
const release = flag('release', 'v1.11.3')
const PORT = 15354
const ZONE = 'scan.test'

const cache = process.env.SVC_INSPECT_CACHE ?? join(homedir(), '.cache', 'svc-inspect')
const binary = join(cache, 'coredns', release, 'coredns')
if (!existsSync(binary)) {
  console.error(`no ${binary}: run test/dns/build-coredns.sh`)
  process.exit(2)
}

/** CPU time (ms) a process has used, from /proc (user + system, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const dir = mkdtempSync(join(tmpdir(), 'svc-inspect-batch-cpu-'))
writeFileSync(
  join(dir, 'Corefile'),
  `${ZONE}:${PORT} {
    bind 127.0.0.1
    template IN A ${ZONE} {
        answer "{{ .Name }} 30 IN A 10.0.0.1"
    }
    template IN SRV ${ZONE} {
        answer "{{ .Name }} 30 IN SRV 0 100 80 x.${ZONE}."
    }
}
.:${PORT} {
    bind 127.0.0.1
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`,
)
const coredns: ChildProcess = spawn(binary, ['-conf', join(dir, 'Corefile')], {stdio: 'ignore'})
const stop = () => {
  coredns.kill()
  rmSync(dir, {recursive: true, force: true})
}
process.on('SIGINT', () => {
  stop()
  process.exit(130)
})

/** One batch as the resolver pod runs it; CPU of the shell and everything it started (dig, gzip), from time(1). */
function runBatch(input: string): Promise<{output: Buffer; cpuMs: number}> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%U %S', 'busybox', 'sh', '-s'], {stdio: ['pipe', 'pipe', 'pipe']})
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', () => {
      const [user, system] = stderr.trim().split('\n').pop()!.split(' ').map(Number)
      resolve({output: Buffer.concat(chunks), cpuMs: (user + system) * 1000})
    })
    child.stdin.end(`${input}\nexit\n`)
  })
}

try {
  await new Promise((resolve) => setTimeout(resolve, 500))
  const questions: DnsQuestion[] = Array.from({length: total}, (_, i) => ({
    name: `svc-${i}.ns-${i % 100}.svc.${ZONE}.`,
    type: i % 4 === 3 ? 'SRV' : 'A',
  }))
  const servers: DnsServer[] = Array.from({length: serverCount}, (_, i) => ({
    label: `s${i}`,
    address: '127.0.0.1',
    port: PORT,
    replica: i > 0,
  }))
  const batches: DnsQuestion[][] = []
  for (let start = 0; start < questions.length; start += perBatch)
    batches.push(questions.slice(start, start + perBatch))
  const work = mkdtempSync(join(dir, 'work-'))
  const started = Date.now()
  const corednsBefore = cpuMs(coredns.pid!)
  let shellCpu = 0
  let parseCpu = 0
  let bytes = 0
  let unanswered = 0
  let next = 0
  await Promise.all(
    Array.from({length: atOnce}, async () => {
      while (next < batches.length) {
        const batch = batches[next++]
        const input = batchInput(batch, servers, [], {timeoutSeconds: 2, probeName: ZONE, workDir: work, digs})
        const {output, cpuMs: batchCpu} = await runBatch(input)
        shellCpu += batchCpu
        bytes += output.length
        const before = process.cpuUsage()
        const parsed = await parseBatchOutput(decodeScriptOutput(output), batch, servers, [], digs)
        const used = process.cpuUsage(before)
        parseCpu += (used.user + used.system) / 1000
        unanswered += parsed.queries.filter((query) => query.rcode !== 'NOERROR').length
      }
    }),
  )
  const queries = total * serverCount
  const corednsCpu = cpuMs(coredns.pid!) - corednsBefore
  const row = (what: string, ms: number) =>
    console.log(`| ${what} | ${Math.round(ms)} ms | ${((ms * 1000) / queries).toFixed(0)} us |`)
  console.log(
    `${total} questions x ${serverCount} servers = ${queries} queries; batches of ${perBatch}, ${atOnce} at once, ${digs} digs each; CoreDNS ${release}`,
  )
  console.log('| part | CPU | per query |\n| --- | --- | --- |')
  row('the batch in the pod (busybox sh, dig, gzip)', shellCpu)
  row('CoreDNS (template plugin)', corednsCpu)
  row("the CLI's parse (gunzip, dig +yaml)", parseCpu)
  row('all', shellCpu + corednsCpu + parseCpu)
  console.log(
    `wall ${Date.now() - started} ms; output ${Math.round(bytes / 1024)} KB (gzip); ${unanswered} queries not NOERROR`,
  )
  if (unanswered > 0) process.exitCode = 1
} finally {
  stop()
}
