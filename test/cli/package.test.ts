// Release packaging (scripts/package.mjs, `npm run package`): the krew archive runs with nothing but node on PATH
// and nothing from this checkout, it is reproducible and krew can unpack it, the manifest carries the archives'
// real sha256s, kubectl finds the plugin, and `npm pack` ships what `npm install -g` needs.
// The script runs twice here, into temporary directories (release/ and plugins/ of the checkout are left alone),
// with --skip-build when dist/ is there (npm test has just built it; rebuilding would pull dist/ from under the
// CLI tests that run beside this one).
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
import {delimiter, join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {gunzipSync} from 'node:zlib'
import {parse} from 'yaml'
import {cli, ROOT} from '../support/run.js'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string
  dependencies: Record<string, string>
}
const VERSION = pkg.version
const PLATFORMS = [
  ['linux', 'amd64'],
  ['linux', 'arm64'],
  ['darwin', 'amd64'],
  ['darwin', 'arm64'],
] as const
const archiveName = (os: string, arch: string) => `svc-inspect-v${VERSION}-${os}-${arch}.tar.gz`
const DUMP = join(ROOT, 'examples/dumps/003-headless-port-mapping.yaml')
const CHROMA = ['svc-chroma', '-n', 'seed-ports', '-f', DUMP, '-o', 'json']

const work = mkdtempSync(join(tmpdir(), 'svc-inspect-package-test-'))
const first = join(work, 'first')
const second = join(work, 'second')
const extracted = join(work, 'extracted')
const home = join(work, 'home')
// "node's directory", stricter: a directory holding only node, so the archive cannot lean on anything else on PATH.
const nodeDir = join(work, 'node-bin')

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

/** Nothing inherited: no NODE_PATH or NODE_OPTIONS, and a PATH of the given directories only. */
const isolated = (...path: string[]): NodeJS.ProcessEnv => ({PATH: path.join(delimiter), HOME: home, NO_COLOR: '1'})

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

async function packageInto(out: string): Promise<Run> {
  const built = ['dist/svc-inspect.cjs', 'oclif.manifest.json'].every((file) => existsSync(join(ROOT, file)))
  const args = [
    join(ROOT, 'scripts/package.mjs'),
    '--out',
    out,
    '--manifest',
    join(out, 'svc-inspect.yaml'),
    ...(built ? ['--skip-build'] : []),
  ]
  const result = await exec(process.execPath, args, {cwd: ROOT, timeoutMs: 180_000})
  assert.equal(result.code, 0, `scripts/package.mjs failed:\n${result.stdout}\n${result.stderr}`)
  return result
}

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

describe('npm run package: krew archives and manifest', {timeout: 240_000}, () => {
  let firstRun: Run
  before(async () => {
    mkdirSync(home)
    mkdirSync(nodeDir)
    symlinkSync(process.execPath, join(nodeDir, 'node'))
    firstRun = await packageInto(first)
    mkdirSync(extracted)
    const untar = spawnSync('tar', ['-xzf', join(first, archiveName('linux', 'amd64')), '-C', extracted])
    assert.equal(untar.status, 0, untar.stderr?.toString())
  })
  after(() => rmSync(work, {recursive: true, force: true}))

  it('writes the four archives, the npm tarball and SHA256SUMS; the four archives are the same JavaScript', () => {
    assert.match(firstRun.stderr, /package: .*sha256 [0-9a-f]{64}/)
    const digests = PLATFORMS.map(([os, arch]) => sha256(join(first, archiveName(os, arch))))
    assert.equal(new Set(digests).size, 1, 'one archive content for every os/arch: Node.js is the platform')
    assert.ok(existsSync(join(first, `svc-inspect-${VERSION}.tgz`)))
    const sums = readFileSync(join(first, 'SHA256SUMS'), 'utf8')
    for (const [os, arch] of PLATFORMS)
      assert.match(sums, new RegExp(`^${digests[0]}  ${archiveName(os, arch).replaceAll('.', '\\.')}$`, 'm'))
  })

  it('is reproducible: a second run writes byte-identical archives', async () => {
    await packageInto(second)
    for (const [os, arch] of PLATFORMS)
      assert.equal(
        sha256(join(second, archiveName(os, arch))),
        sha256(join(first, archiveName(os, arch))),
        archiveName(os, arch),
      )
    assert.equal(
      readFileSync(join(second, 'svc-inspect.yaml'), 'utf8'),
      readFileSync(join(first, 'svc-inspect.yaml'), 'utf8'),
    )
  })

  it('holds what krew can unpack: regular files and directories only, sorted, fixed mtime, owner 0, no ".."', () => {
    const entries = tarEntries(join(first, archiveName('linux', 'amd64')))
    assert.ok(entries.length > 10)
    for (const entry of entries) {
      assert.ok(
        entry.type === '0' || entry.type === '5',
        `${entry.name}: tar type ${entry.type} (krew handles only files and directories)`,
      )
      assert.ok(!entry.name.includes('..') && !entry.name.startsWith('/'), `${entry.name}: krew refuses it`)
      assert.equal(entry.uid, 0, entry.name)
      assert.equal(entry.gid, 0, entry.name)
      assert.equal(entry.uname, '', `${entry.name}: numeric owner only`)
      assert.equal(entry.mtime, entries[0].mtime, `${entry.name}: one fixed mtime`)
      assert.ok([0o644, 0o755].includes(entry.mode), `${entry.name}: mode ${entry.mode.toString(8)}`)
    }
    const names = entries.map((entry) => entry.name)
    assert.deepEqual(names, [...names].sort(sortedAsTree), 'entries sorted by name')
    for (const name of [
      'kubectl-svc_inspect',
      'kubectl_complete-svc_inspect',
      'package.json',
      'README.md',
      'svc-inspect/package.json',
      'svc-inspect/oclif.manifest.json',
      'svc-inspect/bin/run.cjs',
      'svc-inspect/bin/complete.js',
      'svc-inspect/dist/svc-inspect.cjs',
    ]) {
      assert.ok(names.includes(name), `${name} in the archive`)
    }
    for (const bin of ['kubectl-svc_inspect', 'kubectl_complete-svc_inspect'])
      assert.equal(entries.find((entry) => entry.name === bin)?.mode, 0o755)
  })

  it('runs from the extracted archive with only node on PATH: the offline analysis, same output as the checkout', async () => {
    const result = await exec(join(extracted, 'kubectl-svc_inspect'), CHROMA, {env: isolated(extracted, nodeDir)})
    assert.equal(result.stderr, '')
    assert.equal(result.code, 0)
    const report = JSON.parse(result.stdout)
    assert.equal(report.kind, 'ServiceReport')
    assert.deepEqual(
      [report.service.namespace, report.service.name, report.service.headless],
      ['seed-ports', 'svc-chroma', true],
    )
    assert.ok(report.findings.some((finding: {code: string}) => finding.code === 'HeadlessPortMismatch'))
    assert.equal(report.endpoints.length, 2)
    const checkout = await cli(CHROMA)
    assert.equal(result.stdout, checkout.stdout)
  })

  it('runs from the extracted archive with only node on PATH: --help, completion, and the cluster client loads', async () => {
    const env = isolated(extracted, nodeDir)
    const help = await exec(join(extracted, 'kubectl-svc_inspect'), ['--help'], {env})
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, new RegExp(`svc-inspect/${VERSION.replaceAll('.', '\\.')}`))
    assert.match(help.stdout, /^\s+scan\s/m)
    const complete = await exec(join(extracted, 'kubectl_complete-svc_inspect'), [''], {env})
    assert.equal(complete.code, 0, complete.stderr)
    assert.deepEqual(complete.stdout.trim().split('\n').slice(-2), ['scan', ':4'])
    // A kubeconfig whose API server refuses connections: the one-line "cannot reach" error shows that the
    // Kubernetes client was loaded from the archive and made its request.
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
      join(extracted, 'kubectl-svc_inspect'),
      ['web', '-n', 'shop', '--no-dns', '--kubeconfig', kubeconfig, '--request-timeout', '5s'],
      {env},
    )
    assert.equal(live.code, 2, live.stderr)
    assert.match(live.stderr, new RegExp(`^error: cannot reach https://127\\.0\\.0\\.1:${port} `))
  })

  it('loads every dist/ bundle, and every package dist/ imports, from the archive alone', async () => {
    const dist = join(extracted, 'svc-inspect', 'dist')
    const chunks = readdirSync(dist).filter((name) => name.endsWith('.mjs') || name.endsWith('.cjs'))
    assert.ok(chunks.includes('svc-inspect.cjs'), chunks.join(' '))
    const imported = new Set<string>()
    for (const chunk of chunks) {
      for (const match of readFileSync(join(dist, chunk), 'utf8').matchAll(
        /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'`]((?:@[a-z0-9._-]+\/)?[a-z0-9][a-z0-9._-]*)["'`]/g,
      )) {
        if (match[1] in (pkg.dependencies ?? {})) imported.add(match[1])
      }
    }
    const names = [...chunks.map((chunk) => `./${chunk}`), ...imported]
    const script = `import {createRequire} from 'node:module'; const require = createRequire(process.cwd() + '/'); for (const name of ${JSON.stringify(names)}) name.endsWith('.cjs') ? require(name) : await import(name)`
    const result = await exec(join(nodeDir, 'node'), ['--input-type=module', '--eval', script], {
      cwd: dist,
      env: isolated(nodeDir),
    })
    assert.equal(result.code, 0, result.stderr)
    if (imported.size > 0)
      assert.ok(
        existsSync(join(extracted, 'svc-inspect', 'node_modules')),
        `dist/ imports ${[...imported].join(', ')}: node_modules must ship`,
      )
  })

  it('writes a krew manifest with the required fields and the real sha256 of each archive', () => {
    const manifest = parse(readFileSync(join(first, 'svc-inspect.yaml'), 'utf8'))
    assert.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2')
    assert.equal(manifest.kind, 'Plugin')
    assert.equal(manifest.metadata.name, 'svc-inspect')
    const spec = manifest.spec
    assert.equal(spec.version, `v${VERSION}`)
    assert.equal(spec.homepage, 'https://github.com/svc-inspect/svc-inspect')
    assert.ok(
      typeof spec.shortDescription === 'string' &&
        spec.shortDescription.length > 0 &&
        spec.shortDescription.length <= 60,
    )
    assert.match(spec.description, /Node\.js 22 or newer/)
    assert.match(spec.description, /same JavaScript for every os\/arch/)
    assert.match(spec.caveats, /Node\.js 22 or newer/)
    assert.equal(spec.platforms.length, PLATFORMS.length)
    for (const [index, [os, arch]] of PLATFORMS.entries()) {
      const platform = spec.platforms[index]
      assert.deepEqual(platform.selector, {matchLabels: {os, arch}})
      assert.equal(
        platform.uri,
        `https://github.com/svc-inspect/svc-inspect/releases/download/v${VERSION}/${archiveName(os, arch)}`,
      )
      assert.equal(platform.sha256, sha256(join(first, archiveName(os, arch))))
      assert.equal(platform.bin, 'kubectl-svc_inspect')
      assert.equal(platform.files, undefined, 'no files: krew installs the whole archive')
      assert.ok(statSync(join(extracted, platform.bin)).mode & 0o111, 'bin is an executable at the archive root')
    }
  })

  it('plugins/svc-inspect.yaml in the checkout is the generated manifest (version, fields) but for the sha256s', () => {
    const withoutDigests = (text: string) => text.replace(/sha256: [0-9a-f]{64}/g, 'sha256: <digest>')
    assert.equal(
      withoutDigests(readFileSync(join(ROOT, 'plugins/svc-inspect.yaml'), 'utf8')),
      withoutDigests(readFileSync(join(first, 'svc-inspect.yaml'), 'utf8')),
      'run npm run package and commit plugins/svc-inspect.yaml',
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
    symlinkSync(join(extracted, 'kubectl-svc_inspect'), join(links, 'kubectl-svc_inspect'))
    const env = isolated(links, nodeDir)
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
  it('npm pack --dry-run --json lists the executables, dist/ and the oclif manifest', () => {
    // --ignore-scripts: dist/ is built, and prepack's rebuild would pull it from under the tests beside this one.
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: ROOT, encoding: 'utf8'})
    assert.equal(result.status, 0, result.stderr)
    const [packed] = JSON.parse(result.stdout) as Array<{name: string; files: Array<{path: string; mode: number}>}>
    assert.equal(packed.name, 'svc-inspect')
    const files = new Map(packed.files.map((file) => [file.path, file.mode]))
    for (const path of [
      'bin/run.cjs',

      'bin/complete.js',
      'dist/svc-inspect.cjs',
      'oclif.manifest.json',
      'package.json',
      'README.md',
    ]) {
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
