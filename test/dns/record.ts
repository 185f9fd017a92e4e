// The recorder of the DNS conformance tier: for each (CoreDNS release × Corefile) it starts that CoreDNS on
// loopback against the tier's kube-apiserver, asks every question generated from the objects, and writes
// <out>/<release>-<corefile>.json in the format of ../shared/fixtures/kube-dns-1.26.7.json, plus the
// `corefile` and `version` the answers came from.
//
//   node --import tsx test/dns/record.ts --world WORLD.json --kubeconfig PATH --out DIR [--only v1.15.0:kubeadm,...] [--jobs 3]
//
// The caches of the recorded Corefiles would hand out a decremented TTL for a question asked twice, so each
// (name, type) is asked once per server start; names under ExternalName Services, whose targets the server
// looks up again through its own chain (cache included), get a server start per zone of their own.

import {spawn, execFile, type ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync} from 'node:fs'
import {createServer} from 'node:net'
import {createSocket} from 'node:dgram'
import {homedir, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {generateQuestions, type Question} from './questions.js'
import {WORLD_ZONE} from './world.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const CACHE = process.env.SVC_INSPECT_CACHE ?? path.join(homedir(), '.cache', 'svc-inspect')
const COREDNS_CACHE = path.join(CACHE, 'coredns')
const PID_DIR = path.join(process.env.SVC_INSPECT_DNS_TIER_DIR ?? '/var/tmp/svc-inspect-dns-tier', 'pids')
const CONTEXT = 'dns-tier'

export const RELEASES = ['v1.10.1', 'v1.11.3', 'v1.12.0', 'v1.12.1', 'v1.15.0']
/**
 * kubeadm under every release, and kubeadm with `chaos` (each release's own version.bind answer); every other
 * Corefile under the newest, 1.11.3 and 1.12.0 (the PTR change).
 */
export const OTHER_RELEASES = ['v1.11.3', 'v1.12.0', 'v1.15.0']
export const COREFILES = [
  'kubeadm',
  'kubeadm-chaos',
  'kubeadm-endpoint-pod-names',
  'kubeadm-ignore-empty',
  'kubeadm-zones',
  'kubeadm-pods-verified',
  'kubeadm-noendpoints',
  'kubeadm-namespaces',
  'kubeadm-namespace-labels',
  'k3s',
  'eks',
  'aks',
  'openshift',
]

export function matrix(): Array<{release: string; corefile: string}> {
  const out: Array<{release: string; corefile: string}> = []
  for (const corefile of COREFILES)
    for (const release of corefile === 'kubeadm' || corefile === 'kubeadm-chaos' ? RELEASES : OTHER_RELEASES)
      out.push({release, corefile})
  return out
}

export interface Answer {
  name: string
  type: string
  ttl: number
  data: string
}
export interface RecordedQuestion extends Question {
  rcode: string
  answers: Answer[]
}

/** What the recorded servers forward to (predictAnswers' `upstream: 'unreachable'`). */
const UPSTREAM_NOTE =
  'unreachable: forward goes to a loopback port where nothing listens, so every upstream question fails'

// ---- processes we start (killed by PID on exit, also on Ctrl-C) ----

const children = new Set<ChildProcess>()
function cleanup() {
  for (const child of children) if (child.exitCode === null && child.pid) child.kill('SIGKILL')
}
process.on('exit', cleanup)
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    cleanup()
    process.exit(130)
  })

function pidFile(name: string) {
  return path.join(PID_DIR, `${name}.pid`)
}

function startCoreDNS(binary: string, corefile: string, dir: string, name: string): ChildProcess {
  const file = path.join(dir, `${name}.Corefile`)
  writeFileSync(file, corefile)
  const log = path.join(dir, `${name}.log`)
  const child = spawn(binary, ['-conf', file], {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
  children.add(child)
  const chunks: Buffer[] = []
  child.stdout.on('data', (chunk) => chunks.push(chunk))
  child.stderr.on('data', (chunk) => chunks.push(chunk))
  child.on('exit', () => writeFileSync(log, Buffer.concat(chunks)))
  ;(child as ChildProcess & {output: () => string}).output = () => Buffer.concat(chunks).toString()
  if (child.pid && existsSync(PID_DIR)) {
    // "PID STARTTIME", as test/dns/lib.sh's pid_alive reads it (apiserver.sh down stops leftovers).
    try {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
      const starttime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
      writeFileSync(pidFile(`coredns-${name}`), `${child.pid} ${starttime}\n`)
    } catch {
      // exited already; startup reports it
    }
  }
  return child
}

async function stopCoreDNS(child: ChildProcess, name: string) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  children.delete(child)
  rmSync(pidFile(`coredns-${name}`), {force: true})
}

/** Ports handed out in this run: the unreachable upstream's must never become a server's listen port. */
const handedOut = new Set<number>()

/**
 * A port free for both TCP and UDP on 127.0.0.1, not handed out before in this run: from the OS's ephemeral range,
 * or, for `below`, the first free one counting down from there. Every port of the tier lies below the ephemeral
 * range: a client socket to an ephemeral port can be given that very port as its source port (CoreDNS listens with
 * SO_REUSEPORT, and so do dig and CoreDNS's forward) and then reads back its own query. Seen here: dig took its
 * own query for a NOERROR reply (about one question in 10,000), forward to the unbound upstream answered FORMERR.
 */
async function freePort(below?: number): Promise<number> {
  for (let candidate = below; ; candidate = candidate === undefined ? undefined : candidate - 1) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', (error) => (candidate === undefined ? reject(error) : resolve(-1)))
      server.listen(candidate ?? 0, '127.0.0.1', () => {
        const {port} = server.address() as {port: number}
        server.close(() => resolve(port))
      })
    })
    if (port < 0) continue
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4')
      socket.once('error', () => resolve(false))
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)))
    })
    if (udpFree && !handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
}

function ephemeralPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768
  } catch {
    return 32768
  }
}

// ---- dig ----

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, {maxBuffer: 256 << 20}, (error, stdout, stderr) =>
      error && !stdout ? reject(new Error(`${cmd} failed: ${stderr || error.message}`)) : resolve(stdout),
    ),
  )
}

/** dig at a recorded server: one try, the header (rcode) and the answer section. */
const digAt = (port: number) => [
  '@127.0.0.1',
  '-p',
  String(port),
  '+tries=1',
  '+time=2',
  '+noall',
  '+comments',
  '+answer',
]

/** Ask all questions with one `dig -f` (one query after another); rcode and answer section as dig prints them. */
export async function ask(port: number, questions: Question[], dir: string): Promise<RecordedQuestion[]> {
  const batch = path.join(dir, `batch-${port}.txt`)
  writeFileSync(batch, questions.map((q) => `${q.name} ${q.type}`).join('\n') + '\n')
  const out = await run('dig', [...digAt(port), '+cmd', '-f', batch])
  unlinkSync(batch)
  // SVC_INSPECT_DNS_RAW=DIR keeps dig's raw output, to look into an answer.
  if (process.env.SVC_INSPECT_DNS_RAW) {
    mkdirSync(process.env.SVC_INSPECT_DNS_RAW, {recursive: true})
    writeFileSync(path.join(process.env.SVC_INSPECT_DNS_RAW, `dig-${port}-${Date.now()}.txt`), out)
  }
  const blocks = out.split(/^; <<>> DiG [^\n]*<<>> /m).slice(1)
  if (blocks.length !== questions.length)
    throw new Error(`dig printed ${blocks.length} replies to ${questions.length} questions`)
  return questions.map((q, index) => {
    const block = blocks[index]
    const asked = block.slice(0, block.indexOf('\n')).trim().split(/\s+/)
    // dig echoes its arguments: `@127.0.0.1 -p PORT ... NAME TYPE` or just `NAME TYPE`.
    if (asked.at(-2)?.toLowerCase() !== q.name.toLowerCase() || asked.at(-1) !== q.type)
      throw new Error(`dig reply ${index} is for ${asked.join(' ')}, expected ${q.name} ${q.type}`)
    // A reply without the QR flag is a query read back (see freePort): never an answer.
    const flags = /^;; flags:([^;]*);/m.exec(block)?.[1].trim().split(/\s+/) ?? []
    // (dig's "Warning: query response not set" lands in the block before, so the flags decide.)
    if (flags.length > 0 && !flags.includes('qr'))
      return {...q, rcode: 'NOREPLY', answers: [], error: 'a query came back instead of a reply'} as RecordedQuestion
    const status = /status: ([A-Z]+)/.exec(block)?.[1]
    if (!status) {
      const reason = /^;; (.*(timed out|no servers|error).*)$/m.exec(block)?.[1] ?? 'no reply'
      return {...q, rcode: 'NOREPLY', answers: [], error: reason} as RecordedQuestion
    }
    const answers: Answer[] = []
    const section = block.split(/^;; ANSWER SECTION:\n/m)[1]
    if (section)
      for (const line of section.split('\n')) {
        if (!line.trim() || line.startsWith(';')) break
        const match = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line)
        if (!match) throw new Error(`unparsed answer line: ${line}`)
        answers.push({name: match[1].toLowerCase(), type: match[3], ttl: Number(match[2]), data: match[4].trim()})
      }
    answers.sort((a, b) => (a.type + ' ' + a.data).localeCompare(b.type + ' ' + b.data))
    return {...q, rcode: status, answers}
  })
}

/** Until the kubernetes plugin has synced, a name it does not know is SERVFAIL; a probe name asked nowhere else. */
async function waitReady(port: number, zone: string, child: ChildProcess, dir: string) {
  const probe: Question = {name: `probe-dns-tier.nosuchns.svc.${zone}.`, type: 'A'}
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`coredns exited (${child.exitCode ?? child.signalCode}):\n${(child as any).output()}`)
    const [reply] = await ask(port, [probe], dir)
    if (reply.rcode !== 'SERVFAIL' && reply.rcode !== 'NOREPLY') return
    if (Date.now() > deadline)
      throw new Error(`coredns on ${port} still answers ${reply.rcode} after 30 s:\n${(child as any).output()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export function renderCorefile(
  name: string,
  values: {port: number; zone: string; kubeconfig: string; upstream: string},
): string {
  const template = readFileSync(path.join(HERE, 'corefiles', `${name}.Corefile`), 'utf8')
  return template
    .replaceAll('@PORT@', String(values.port))
    .replaceAll('@ZONE@', values.zone)
    .replaceAll('@KUBECONFIG@', values.kubeconfig)
    .replaceAll('@CONTEXT@', CONTEXT)
    .replaceAll('@UPSTREAM@', values.upstream)
}

/** Forward zones of the kubernetes block (reverse zones dropped). */
export function corefileZones(corefile: string): string[] {
  const line = /^\s*kubernetes\s+([^{\n]*)\{/m.exec(corefile)?.[1] ?? ''
  return line
    .trim()
    .split(/\s+/)
    .filter((zone) => zone && !zone.endsWith('.arpa'))
    .map((zone) => zone.replace(/\.$/, '').toLowerCase())
}

export async function recordOne(options: {
  release: string
  corefileName: string
  objects: Record<string, any>[]
  kubeconfig: string
  upstream: string
  dir: string
}) {
  const binary = path.join(COREDNS_CACHE, options.release, 'coredns')
  if (!existsSync(binary)) throw new Error(`no ${binary}: run test/dns/build-coredns.sh`)
  const port = await freePort(ephemeralPortStart() - 2)
  const corefile = renderCorefile(options.corefileName, {
    port,
    zone: WORLD_ZONE,
    kubeconfig: options.kubeconfig,
    upstream: options.upstream,
  })
  const zones = corefileZones(corefile)
  const phases = generateQuestions(options.objects, zones)
  const answered = new Map<string, RecordedQuestion>()
  const name = `${options.release}-${options.corefileName}`
  // The server's own release, where the Corefile has the chaos plugin (asked once, in the first start).
  let versionBind: {rcode: string; answers: Array<{type: string; ttl: number; data: string}>} | undefined
  for (const [index, questions] of [phases.main, ...phases.externalName].entries()) {
    const child = startCoreDNS(binary, corefile, options.dir, `${name}-${index}`)
    try {
      await waitReady(port, zones[0], child, options.dir)
      for (const reply of await ask(port, questions, options.dir)) answered.set(`${reply.name} ${reply.type}`, reply)
      if (index === 0 && /^\s*chaos\s*$/m.test(corefile)) versionBind = await askVersionBind(port)
    } finally {
      await stopCoreDNS(child, `${name}-${index}`)
    }
  }
  const questions = [...phases.main, ...phases.externalName.flat()].map((q) => answered.get(`${q.name} ${q.type}`)!)
  return {
    server: `coredns ${options.release.replace(/^v/, '')}`,
    version: options.release.replace(/^v/, ''),
    corefileName: options.corefileName,
    zone: zones[0],
    zones,
    corefile,
    upstream: UPSTREAM_NOTE,
    recorded: new Date().toISOString().slice(0, 10),
    objects: options.objects,
    questions,
    ...(versionBind ? {versionBind} : {}),
  }
}

/** `version.bind. CH TXT`, as the chaos plugin answers it: rcode and the CH answer lines as dig prints them. */
async function askVersionBind(port: number) {
  const out = await run('dig', [...digAt(port), 'version.bind.', 'TXT', 'CH'])
  const rcode = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NOREPLY'
  const answers = [...out.matchAll(/^version\.bind\.\s+(\d+)\s+CH\s+TXT\s+(.*)$/gm)].map((match) => ({
    type: 'TXT',
    ttl: Number(match[1]),
    data: match[2].trim(),
  }))
  return {rcode, answers}
}

/** JSON with one object and one question per line: small, and a re-recording diffs line by line. */
export function serialise(recording: Record<string, unknown>): string {
  const fields = Object.entries(recording).map(([key, value]) =>
    Array.isArray(value) && value.length > 0 && typeof value[0] === 'object'
      ? `${JSON.stringify(key)}: [\n  ${value.map((item) => JSON.stringify(item)).join(',\n  ')}\n ]`
      : `${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  )
  return `{\n ${fields.join(',\n ')}\n}\n`
}

async function main() {
  const args = process.argv.slice(2)
  const flag = (name: string) => {
    const index = args.indexOf(`--${name}`)
    return index >= 0 ? args[index + 1] : undefined
  }
  const worldFile = flag('world')
  const kubeconfig = flag('kubeconfig')
  const out = flag('out')
  if (!worldFile || !kubeconfig || !out)
    throw new Error('usage: record.ts --world WORLD.json --kubeconfig PATH --out DIR [--only release:corefile,...]')
  const only = flag('only')?.split(',')
  const objects = JSON.parse(readFileSync(worldFile, 'utf8'))
  mkdirSync(out, {recursive: true})
  const dir = mkdtempSync(path.join(tmpdir(), 'dns-tier-record-'))
  const jobs = matrix().filter(
    (job) =>
      !only ||
      only.includes(`${job.release}:${job.corefile}`) ||
      only.includes(job.corefile) ||
      only.includes(job.release),
  )
  // Nothing listens on the upstream port: every forwarded question fails at once (connection refused).
  const upstreamPort = await freePort(ephemeralPortStart() - 1)
  console.error(`upstream 127.0.0.1:${upstreamPort} (nothing listens); ${jobs.length} recordings`)
  const started = Date.now()
  let failed = 0
  const jobsAtOnce = Math.max(1, Number(flag('jobs') ?? 3))
  const queue = [...jobs]
  try {
    await Promise.all(
      Array.from({length: jobsAtOnce}, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) {
          const t0 = Date.now()
          try {
            const recording = await recordOne({
              release: job.release,
              corefileName: job.corefile,
              objects,
              kubeconfig,
              upstream: `127.0.0.1:${upstreamPort}`,
              dir,
            })
            // No reply, or FORMERR, means trouble in the tier itself (e.g. a server forwarding to itself), not an answer.
            const broken = recording.questions.filter((q) => q.rcode === 'NOREPLY' || q.rcode === 'FORMERR')
            if (broken.length > 0)
              throw new Error(
                `${broken.length} questions got ${broken[0].rcode}, e.g. ${broken[0].name} ${broken[0].type}`,
              )
            const file = path.join(out, `${job.release}-${job.corefile}.json`)
            writeFileSync(file, serialise(recording))
            console.error(
              `recorded ${path.basename(file)}: ${recording.questions.length} questions in ${Date.now() - t0} ms`,
            )
          } catch (error) {
            failed++
            console.error(`FAILED ${job.release} ${job.corefile}: ${(error as Error).message}`)
          }
        }
      }),
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  console.error(`${jobs.length - failed}/${jobs.length} recordings in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (failed) process.exit(1)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
