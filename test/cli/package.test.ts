// Release packaging (scripts/package.mjs, `npm run package`): one single executable per platform, in archives
// krew can unpack; the Linux amd64 one (the platform this runs on) runs with no node on PATH and nothing from this
// checkout: --help, an offline report, bad input, completion, the cluster client; the manifest carries each
// platform's own archive and sha256; kubectl finds the plugin; `npm pack` ships what `npm install -g` needs.
// The script runs once here, into a temporary directory (release/ and plugins/ of the checkout are left alone),
// with --skip-build (npm test has just built dist/; rebuilding would pull it from under the CLI tests beside this).
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {gunzipSync} from 'node:zlib'
import {parse} from 'yaml'
import {cli, ROOT} from '../support/run.js'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string
  dependencies?: Record<string, string>
}
const VERSION = pkg.version
const NODE_VERSION = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, 'scripts/node.sh'), 'utf8'))![1]
const PLATFORMS = [
  ['linux', 'amd64'],
  ['linux', 'arm64'],
  ['darwin', 'amd64'],
  ['darwin', 'arm64'],
  ['windows', 'amd64'],
] as const
const archiveName = (os: string, arch: string) =>
  `svc-inspect-v${VERSION}-${os}-${arch}${os === 'windows' ? '.zip' : '.tar.gz'}`
const DUMP = join(ROOT, 'examples/dumps/003-headless-port-mapping.yaml')
const CHROMA = ['svc-chroma', '-n', 'seed-ports', '-f', DUMP, '-o', 'json']
const CLUSTER_KUBECONFIG = '/var/tmp/svc-inspect-cluster/kubeconfig'

const work = mkdtempSync(join(tmpdir(), 'svc-inspect-package-test-'))
const out = join(work, 'release')
const extracted = join(work, 'extracted')
const home = join(work, 'home')
// A PATH without node: only what the completion script needs (sh, dirname), linked one by one.
const tools = join(work, 'tools')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function exec(
  command: string,
  args: string[],
  options: {cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? work,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/** Nothing inherited: no NODE_PATH or NODE_OPTIONS, and a PATH with no node on it. */
const isolated = (): NodeJS.ProcessEnv => ({PATH: tools, HOME: home, NO_COLOR: '1'})
const executable = () => join(extracted, 'kubectl-svc_inspect')

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

interface TarEntry {
  name: string
  type: string
  mode: number
  uid: number
  gid: number
  uname: string
  gname: string
  mtime: number
}

/** The entries of a tar.gz as Go's archive/tar (krew's extractor) sees them: GNU long names joined to their entry. */
function tarEntries(file: string): TarEntry[] {
  const tar = gunzipSync(readFileSync(file))
  const text = (offset: number, length: number) =>
    tar
      .subarray(offset, offset + length)
      .toString('utf8')
      .replace(/\0.*$/s, '')
  const octal = (offset: number, length: number) => parseInt(text(offset, length).trim() || '0', 8)
  const entries: TarEntry[] = []
  let longName: string | undefined
  for (let offset = 0; offset + 512 <= tar.length && tar[offset] !== 0;) {
    const size = octal(offset + 124, 12)
    const type = String.fromCharCode(tar[offset + 156])
    const body = offset + 512
    if (type === 'L') {
      longName = tar
        .subarray(body, body + size)
        .toString('utf8')
        .replace(/\0+$/, '')
    } else {
      const prefix = text(offset + 345, 155)
      const name = longName ?? (prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100))
      entries.push({
        name,
        type,
        mode: octal(offset + 100, 8),
        uid: octal(offset + 108, 8),
        gid: octal(offset + 116, 8),
        uname: text(offset + 265, 32),
        gname: text(offset + 297, 32),
        mtime: octal(offset + 136, 12),
      })
      longName = undefined
    }
    offset = body + Math.ceil(size / 512) * 512
  }
  return entries
}

/** Depth-first with each directory's entries sorted by name (bytewise), as tar --sort=name writes them. */
function sortedAsTree(a: string, b: string): number {
  const left = a.replace(/\/$/, '').split('/')
  const right = b.replace(/\/$/, '').split('/')
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return Buffer.compare(Buffer.from(left[i]), Buffer.from(right[i]))
  }
  return left.length - right.length
}

function kubectlPath(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v kubectl'], {encoding: 'utf8'})
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim()
  return existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : undefined
}

describe('npm run package: one executable per platform, archives and the krew manifest', {timeout: 600_000}, () => {
  let packaged: Run
  before(async () => {
    mkdirSync(home)
    mkdirSync(tools)
    for (const tool of ['sh', 'dirname']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).stdout.trim()
      symlinkSync(found, join(tools, tool))
    }
    const built = existsSync(join(ROOT, 'dist/svc-inspect.cjs'))
    packaged = await exec(
      process.execPath,
      [
        join(ROOT, 'scripts/package.mjs'),
        '--out',
        out,
        '--manifest',
        join(out, 'svc-inspect.yaml'),
        ...(built ? ['--skip-build'] : []),
      ],
      {cwd: ROOT, timeoutMs: 540_000},
    )
    assert.equal(packaged.code, 0, `scripts/package.mjs failed:\n${packaged.stdout}\n${packaged.stderr}`)
    mkdirSync(extracted)
    const untar = spawnSync('tar', ['-xzf', join(out, archiveName('linux', 'amd64')), '-C', extracted])
    assert.equal(untar.status, 0, untar.stderr?.toString())
  })
  after(() => rmSync(work, {recursive: true, force: true}))

  it('writes one archive per platform, each its own, the npm tarball, and SHA256SUMS with every one', () => {
    const digests = PLATFORMS.map(([os, arch]) => sha256(join(out, archiveName(os, arch))))
    assert.equal(new Set(digests).size, PLATFORMS.length, 'each platform has its own executable')
    assert.ok(existsSync(join(out, `svc-inspect-${VERSION}.tgz`)))
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8')
    for (const [index, [os, arch]] of PLATFORMS.entries())
      assert.match(sums, new RegExp(`^${digests[index]}  ${archiveName(os, arch).replaceAll('.', '\\.')}$`, 'm'))
    assert.match(packaged.stderr, /linux-amd64\.tar\.gz: kubectl-svc_inspect [\d.]+ MiB, with code cache/)
  })

  it('holds what krew can unpack: regular files only, sorted, fixed mtime, owner 0, no ".."; the executable and its completion helper', () => {
    for (const [os, arch] of PLATFORMS.filter(([os]) => os !== 'windows')) {
      const entries = tarEntries(join(out, archiveName(os, arch)))
      for (const entry of entries) {
        assert.equal(entry.type, '0', `${entry.name}: a regular file`)
        assert.ok(!entry.name.includes('..') && !entry.name.startsWith('/'), `${entry.name}: krew refuses it`)
        assert.deepEqual([entry.uid, entry.gid, entry.uname], [0, 0, ''], entry.name)
        assert.equal(entry.mtime, entries[0].mtime, `${entry.name}: one fixed mtime`)
      }
      const names = entries.map((entry) => entry.name)
      assert.deepEqual(names, [...names].sort(sortedAsTree), 'entries sorted by name')
      const modes = Object.fromEntries(entries.map((entry) => [entry.name, entry.mode]))
      assert.deepEqual(modes, {
        LICENSE: 0o644,
        'README.md': 0o644,
        'kubectl-svc_inspect': 0o755,
        'kubectl_complete-svc_inspect': 0o755,
      })
    }
    const listing = spawnSync('unzip', ['-Z1', join(out, archiveName('windows', 'amd64'))], {encoding: 'utf8'})
    if (listing.status === 0)
      assert.deepEqual(listing.stdout.trim().split('\n').sort(), [
        'LICENSE',
        'README.md',
        'kubectl-svc_inspect.exe',
        'kubectl_complete-svc_inspect.cmd',
      ])
  })

  it('signs the macOS executables ad hoc when rcodesign is there (else says they are not signed)', (t) => {
    const cached = join(
      process.env.XDG_CACHE_HOME || join(process.env.HOME ?? '', '.cache'),
      'svc-inspect/rcodesign/bin/rcodesign',
    )
    const onPath = spawnSync('sh', ['-c', 'command -v rcodesign'], {encoding: 'utf8'}).stdout.trim()
    const rcodesign = onPath || (existsSync(cached) ? cached : '')
    if (!rcodesign) {
      assert.match(packaged.stderr, /darwin-arm64\.tar\.gz: kubectl-svc_inspect [\d.]+ MiB, NOT SIGNED/)
      t.skip('no rcodesign (scripts/install-rcodesign.sh): the darwin executables are unsigned, as the script said')
      return
    }
    for (const arch of ['amd64', 'arm64']) {
      assert.match(
        packaged.stderr,
        new RegExp(`darwin-${arch}\\.tar\\.gz: kubectl-svc_inspect [\\d.]+ MiB, signed ad hoc`),
      )
      const dir = join(work, `darwin-${arch}`)
      mkdirSync(dir)
      spawnSync('tar', ['-xzf', join(out, archiveName('darwin', arch)), '-C', dir])
      const info = spawnSync(rcodesign, ['print-signature-info', join(dir, 'kubectl-svc_inspect')], {encoding: 'utf8'})
      assert.match(info.stdout, /flags: CodeSignatureFlags\(ADHOC\)/, info.stderr)
    }
  })

  it('the Linux executable runs with no node on PATH: --help, and completion through the helper beside it', async () => {
    assert.ok(!existsSync(join(tools, 'node')))
    const help = await exec(executable(), ['--help'], {env: isolated()})
    assert.equal(help.code, 0, help.stderr)
    assert.equal(help.stderr, '', 'no experimental-feature warning')
    assert.match(
      help.stdout,
      new RegExp(`svc-inspect/${VERSION.replaceAll('.', '\\.')} linux-x64 node-v${NODE_VERSION}`),
    )
    assert.match(help.stdout, /^\s+scan\s/m)
    const inspectHelp = await exec(executable(), ['inspect', '--help'], {env: isolated()})
    assert.equal(inspectHelp.code, 0, inspectHelp.stderr)
    assert.match(inspectHelp.stdout, /--no-dns/)
    const complete = await exec(join(extracted, 'kubectl_complete-svc_inspect'), [''], {env: isolated()})
    assert.equal(complete.code, 0, complete.stderr)
    assert.deepEqual(complete.stdout.trim().split('\n').slice(-2), ['scan', ':4'])
  })

  it('the Linux executable, no node on PATH: an offline report, the same as the checkout gives', async () => {
    const result = await exec(executable(), CHROMA, {env: isolated()})
    assert.equal(result.stderr, '')
    assert.equal(result.code, 0)
    const report = JSON.parse(result.stdout)
    assert.equal(report.kind, 'ServiceReport')
    assert.ok(report.findings.some((finding: {code: string}) => finding.code === 'HeadlessPortMismatch'))
    assert.equal(result.stdout, (await cli(CHROMA)).stdout)
  })

  it('the Linux executable, no node on PATH: bad input is one `error:` line and exit 2', async () => {
    for (const args of [
      ['svc-chroma', '--no-such-flag'],
      ['svc-chroma', '-n', 'seed-ports', '-f', join(work, 'no-such-dump.yaml')],
      ['svc-chroma', '-n', 'Not_A_Namespace', '-f', DUMP],
    ]) {
      const result = await exec(executable(), args, {env: isolated()})
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, /^error: [^\n]+\n$/, args.join(' '))
      assert.equal(result.stdout, '')
    }
  })

  it('the Linux executable, no node on PATH: the cluster client loads and says when it cannot reach the API', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const {port} = server.address() as {port: number}
        server.close(() => resolve(port))
      })
    })
    const kubeconfig = join(work, 'kubeconfig.yaml')
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:${port}"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`,
    )
    const live = await exec(
      executable(),
      ['web', '-n', 'shop', '--no-dns', '--kubeconfig', kubeconfig, '--request-timeout', '5s'],
      {env: isolated()},
    )
    assert.equal(live.code, 2, live.stderr)
    assert.match(live.stderr, new RegExp(`^error: cannot reach https://127\\.0\\.0\\.1:${port} `))
  })

  it('the Linux executable, no node on PATH: a read-only inspect on the local cluster, when one is up', async (t) => {
    const ready = existsSync(CLUSTER_KUBECONFIG)
      ? spawnSync('kubectl', ['--kubeconfig', CLUSTER_KUBECONFIG, 'get', '--raw', '/readyz', '--request-timeout=5s'])
      : undefined
    if (ready?.status !== 0) {
      t.skip(`no cluster answers at ${CLUSTER_KUBECONFIG} (npm run test:e2e brings one up)`)
      return
    }
    const result = await exec(
      executable(),
      ['kubernetes', '-n', 'default', '--no-dns', '-o', 'json', '--kubeconfig', CLUSTER_KUBECONFIG],
      {env: isolated()},
    )
    assert.ok([0, 1].includes(result.code ?? -1), result.stderr)
    const report = JSON.parse(result.stdout)
    assert.deepEqual(
      [report.kind, report.service.namespace, report.service.name],
      ['ServiceReport', 'default', 'kubernetes'],
    )
    assert.ok(report.endpoints.length >= 1, 'the API server is an endpoint of the kubernetes Service')
  })

  it("writes a krew manifest with each platform's own archive, sha256 and executable", () => {
    const manifest = parse(readFileSync(join(out, 'svc-inspect.yaml'), 'utf8'))
    assert.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2')
    assert.equal(manifest.kind, 'Plugin')
    assert.equal(manifest.metadata.name, 'svc-inspect')
    const spec = manifest.spec
    assert.equal(spec.version, `v${VERSION}`)
    assert.equal(spec.homepage, 'https://github.com/svc-inspect/svc-inspect')
    assert.ok(spec.shortDescription.length > 0 && spec.shortDescription.length <= 60)
    assert.match(spec.description, /self-contained executable/)
    assert.equal(spec.platforms.length, PLATFORMS.length)
    for (const [index, [os, arch]] of PLATFORMS.entries()) {
      const platform = spec.platforms[index]
      assert.deepEqual(platform.selector, {matchLabels: {os, arch}})
      assert.equal(
        platform.uri,
        `https://github.com/svc-inspect/svc-inspect/releases/download/v${VERSION}/${archiveName(os, arch)}`,
      )
      assert.equal(platform.sha256, sha256(join(out, archiveName(os, arch))))
      assert.equal(platform.bin, os === 'windows' ? 'kubectl-svc_inspect.exe' : 'kubectl-svc_inspect')
      assert.equal(platform.files, undefined, 'no files: krew installs the whole archive')
    }
    assert.ok(statSync(executable()).mode & 0o111)
  })

  it('plugins/svc-inspect.yaml in the checkout is the generated manifest (version, fields) but for the sha256s', () => {
    const withoutDigests = (text: string) => text.replace(/sha256: [0-9a-f]{64}/g, 'sha256: <digest>')
    assert.equal(
      withoutDigests(readFileSync(join(ROOT, 'plugins/svc-inspect.yaml'), 'utf8')),
      withoutDigests(readFileSync(join(out, 'svc-inspect.yaml'), 'utf8')),
      'run npm run package at release and commit plugins/svc-inspect.yaml',
    )
  })

  it('kubectl finds the plugin through a symlink first on PATH (as krew installs it) and runs it', async (t) => {
    const kubectl = kubectlPath()
    if (!kubectl) {
      t.skip('kubectl is not installed (not on PATH, not /usr/bin/kubectl): plugin discovery not checked')
      return
    }
    const links = join(work, 'krew-bin')
    mkdirSync(links)
    symlinkSync(executable(), join(links, 'kubectl-svc_inspect'))
    const env = {...isolated(), PATH: `${links}:${tools}`}
    const list = await exec(kubectl, ['plugin', 'list'], {env})
    assert.match(
      list.stdout,
      new RegExp(`^${join(links, 'kubectl-svc_inspect').replaceAll('.', '\\.')}$`, 'm'),
      `${list.stdout}\n${list.stderr}`,
    )
    const result = await exec(kubectl, ['svc-inspect', ...CHROMA], {env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).service.name, 'svc-chroma')
  })
})

describe('npm pack: what npm install -g needs', () => {
  it('npm pack --dry-run --json lists the executables and dist/ (the oclif manifest is inside the bundle)', () => {
    // --ignore-scripts: dist/ is built, and prepack's rebuild would pull it from under the tests beside this one.
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: ROOT, encoding: 'utf8'})
    assert.equal(result.status, 0, result.stderr)
    const [packed] = JSON.parse(result.stdout) as Array<{name: string; files: Array<{path: string; mode: number}>}>
    assert.equal(packed.name, 'svc-inspect')
    const files = new Map(packed.files.map((file) => [file.path, file.mode]))
    for (const path of ['bin/run.cjs', 'bin/complete.js', 'dist/svc-inspect.cjs', 'package.json', 'README.md']) {
      assert.ok(files.has(path), `${path} packed`)
    }
    for (const bin of ['bin/run.cjs', 'bin/complete.js']) assert.ok((files.get(bin) ?? 0) & 0o111, `${bin} executable`)
    for (const chunk of readdirSync(join(ROOT, 'dist'))) assert.ok(files.has(`dist/${chunk}`), `dist/${chunk} packed`)
    assert.ok(
      ![...files.keys()].some((path) => /^(src|test|scripts|node_modules|release|plugins)\//.test(path)),
      'no sources, tests or release files',
    )
  })
})
