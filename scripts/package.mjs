#!/usr/bin/env node
// npm run package: release archives and the krew plugin manifest.
//
//   node scripts/package.mjs [--skip-build] [--out DIR] [--manifest FILE]
//
// 1. Builds (npm run build), unless --skip-build.
// 2. `npm pack` -> release/svc-inspect-<version>.tgz: exactly what `npm install -g` installs.
// 3. A krew archive, release/svc-inspect-v<version>-<os>-<arch>.tar.gz for linux/darwin x amd64/arm64, that needs
//    nothing but Node.js >= 22 on PATH. Layout (krew copies it whole into its store and links `bin`):
//      kubectl-svc_inspect            launcher -> svc-inspect/bin/run.cjs (checks the Node.js version first)
//      kubectl_complete-svc_inspect   launcher -> svc-inspect/bin/complete.js (shell completion, kubectl >= 1.26)
//      package.json                   {"type": "commonjs"}: pins how Node reads the two extensionless launchers
//      README.md
//      svc-inspect/                   the npm tarball's content, and node_modules/ only if dist/ still imports
//                                     packages from there (those left external by scripts/bundle.mjs): then the
//                                     production dependencies, npm ci --omit=dev from package-lock.json, less
//                                     type declarations and source maps
//    There is no native code in it, so it is the same JavaScript for every platform: the four archives are
//    byte-identical (Node.js is the platform). The archive is reproducible: entries sorted by name, one fixed mtime
//    ($SOURCE_DATE_EPOCH, else npm pack's 1985-10-26), owner and group 0, normalized modes, gzip without name or
//    time stamp. Only regular files and directories, and no ".." in any name: krew's extractor refuses the rest.
// 4. plugins/svc-inspect.yaml, the krew manifest, with each archive's real sha256; and release/SHA256SUMS.
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import {builtinModules} from 'node:module'
import {tmpdir} from 'node:os'
import {join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const {values: options} = parseArgs({
  options: {
    'skip-build': {type: 'boolean', default: false},
    out: {type: 'string', default: join(ROOT, 'release')},
    manifest: {type: 'string', default: join(ROOT, 'plugins', 'svc-inspect.yaml')},
  },
})
const OUT = resolve(options.out)
const MANIFEST = resolve(options.manifest)

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const VERSION = pkg.version
const NODE_RANGE = pkg.engines.node // ">=22"
const NODE_MIN = NODE_RANGE.replace(/^>=\s*/, '')
const [NODE_MAJOR, NODE_MINOR] = NODE_MIN.split('.').map(Number)
const PLUGIN = 'svc-inspect'
const BIN = 'kubectl-svc_inspect'
const COMPLETE_BIN = 'kubectl_complete-svc_inspect'
const PACKAGE_DIR = 'svc-inspect'
const HOMEPAGE = 'https://github.com/svc-inspect/svc-inspect'
const PLATFORMS = [
  {os: 'linux', arch: 'amd64'},
  {os: 'linux', arch: 'arm64'},
  {os: 'darwin', arch: 'amd64'},
  {os: 'darwin', arch: 'arm64'},
]
const EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? 499162500) // 1985-10-26T08:15:00Z, as npm pack
const archiveName = ({os, arch}) => `${PLUGIN}-v${VERSION}-${os}-${arch}.tar.gz`

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

function log(message) {
  process.stderr.write(`package: ${message}\n`)
}

const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex')
const shown = (path) => (path.startsWith(ROOT) ? `./${relative(ROOT, path)}` : path)
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

function walk(dir, visit, base = dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const stat = lstatSync(path)
    visit(relative(base, path), path, stat)
    if (stat.isDirectory()) walk(path, visit, base)
  }
}

// The packages dist/ still imports from node_modules (left external by scripts/bundle.mjs): bare specifiers of
// ES imports and requires (`from"x"`, `import("x")`, `require("x")`) that name a production package of
// package-lock.json. Optional ones outside the lockfile (oclif's `typescript`) are not shipped, as npm install
// would not install them either.
function externalPackages(dist) {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'))
  const production = new Set(
    Object.entries(lock.packages)
      .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)),
  )
  const found = new Set()
  for (const file of readdirSync(dist).filter((name) => name.endsWith('.mjs') || name.endsWith('.cjs'))) {
    const code = readFileSync(join(dist, file), 'utf8')
    for (const match of code.matchAll(
      /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'`]((?:@[a-z0-9._-]+\/)?[a-z0-9][a-z0-9._-]*)(?:\/[^"'`]*)?["'`]/g,
    )) {
      if (!builtinModules.includes(match[1]) && production.has(match[1])) found.add(match[1])
    }
  }
  return [...found].sort()
}

function gnuTar() {
  const version = spawnSync('tar', ['--version'], {encoding: 'utf8'})
  if (version.status !== 0 || !/GNU tar/.test(version.stdout)) {
    throw new Error(
      'GNU tar is needed for reproducible archives (--sort=name, --mtime, --owner): install it (on macOS: brew install gnu-tar, and put its gnubin first on PATH)',
    )
  }
}

// 1. Build.
gnuTar()
if (!options['skip-build']) {
  log('npm run build')
  run('npm', ['run', 'build'])
}
for (const needed of ['dist/svc-inspect.cjs', 'oclif.manifest.json']) {
  if (!existsSync(join(ROOT, needed))) throw new Error(`${needed} is missing: run npm run build (or drop --skip-build)`)
}

mkdirSync(OUT, {recursive: true})
// Archives of earlier versions or runs would sit beside the new ones with no line in SHA256SUMS.
for (const name of readdirSync(OUT)) {
  if (name === 'SHA256SUMS' || (name.startsWith(`${PLUGIN}-`) && /\.(tgz|tar\.gz)$/.test(name))) rmSync(join(OUT, name))
}
const work = mkdtempSync(join(tmpdir(), 'svc-inspect-package-'))
try {
  // 2. npm pack (the build just ran: no prepack).
  const packed = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', OUT], {
      capture: true,
      env: npmEnv,
    }).toString(),
  )[0]
  const tarball = join(OUT, packed.filename)
  for (const needed of [
    'package.json',
    'README.md',
    'oclif.manifest.json',
    'bin/run.cjs',
    'bin/complete.js',
    'dist/svc-inspect.cjs',
  ]) {
    if (!packed.files.some((file) => file.path === needed))
      throw new Error(`npm pack left out ${needed}: check "files" in package.json`)
  }
  log(`${shown(tarball)}: ${packed.files.length} files, ${mib(packed.size)} (npm install -g ${shown(tarball)})`)

  // 3. The krew archive's tree: the npm package, then its production dependencies from the lockfile.
  const stage = join(work, 'stage')
  const packageDir = join(stage, PACKAGE_DIR)
  mkdirSync(packageDir, {recursive: true})
  run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1', '--no-same-owner'])
  const external = externalPackages(join(packageDir, 'dist'))
  if (external.length > 0) {
    copyFileSync(join(ROOT, 'package-lock.json'), join(packageDir, 'package-lock.json'))
    log(
      `dist/ imports ${external.join(', ')} from node_modules: npm ci --omit=dev (production dependencies, from package-lock.json)`,
    )
    run(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        '--no-bin-links',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
      ],
      {cwd: packageDir, env: npmEnv},
    )
    rmSync(join(packageDir, 'package-lock.json'))
    rmSync(join(packageDir, 'node_modules', '.package-lock.json'), {force: true})
    // Never loaded at run time: TypeScript declarations (all of @types) and source maps.
    rmSync(join(packageDir, 'node_modules', '@types'), {recursive: true, force: true})
    const prune = []
    walk(join(packageDir, 'node_modules'), (_, path, stat) => {
      if (stat.isFile() && /(\.d\.[cm]?ts|\.map)$/.test(path)) prune.push(path)
    })
    for (const path of prune) rmSync(path)
    // Each of them must load from the archive's own tree, with nothing from this checkout.
    for (const name of external) {
      run(process.execPath, ['--input-type=module', '--eval', `await import(${JSON.stringify(name)})`], {
        cwd: join(packageDir, 'dist'),
        env: {PATH: process.env.PATH ?? ''},
      })
    }
  } else {
    log('dist/ bundles every dependency: the archive needs no node_modules')
  }

  const launcher = (target) => `#!/usr/bin/env node
// ${target === 'run.cjs' ? `kubectl (through the link krew makes) runs this as \`kubectl svc-inspect\`` : 'kubectl >= 1.26 runs this for shell completion of `kubectl svc-inspect`'}. The plugin is the npm
// package in ./${PACKAGE_DIR}; this file only checks that the node on PATH is new enough. It is CommonJS (see
// ./package.json) and written so that an old Node.js still gets this far.
'use strict'
var version = process.versions.node.split('.').map(Number)
if (version[0] < ${NODE_MAJOR} || (version[0] === ${NODE_MAJOR} && version[1] < ${NODE_MINOR})) {
  process.stderr.write('error: svc-inspect needs Node.js ${NODE_MIN} or newer on PATH; this is ' + process.execPath + ' ' + process.version + '\\n')
  process.exit(2)
}
${target.endsWith('.cjs') ? 'require' : 'import'}('./${PACKAGE_DIR}/bin/${target}')
`
  writeFileSync(join(stage, BIN), launcher('run.cjs'), {mode: 0o755})
  writeFileSync(join(stage, COMPLETE_BIN), launcher('complete.js'), {mode: 0o755})
  chmodSync(join(stage, BIN), 0o755)
  chmodSync(join(stage, COMPLETE_BIN), 0o755)
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify(
      {
        name: `${PLUGIN}-krew-archive`,
        version: VERSION,
        private: true,
        description: `The krew archive of ${PLUGIN}: ${BIN} and ${COMPLETE_BIN} launch the npm package in ./${PACKAGE_DIR}. This file only makes Node.js read the two launchers as CommonJS.`,
        type: 'commonjs',
        license: pkg.license,
      },
      null,
      2,
    )}\n`,
  )
  copyFileSync(join(packageDir, 'README.md'), join(stage, 'README.md'))
  for (const license of ['LICENSE', 'LICENSE.md', 'LICENSE.txt']) {
    if (existsSync(join(ROOT, license))) {
      copyFileSync(join(ROOT, license), join(stage, license))
      copyFileSync(join(ROOT, license), join(packageDir, license))
    }
  }

  // What krew can unpack, and what makes the archive the same everywhere.
  let files = 0
  walk(stage, (name, _, stat) => {
    if (!stat.isFile() && !stat.isDirectory())
      throw new Error(`${name}: not a regular file or directory (krew unpacks only those)`)
    if (name.includes('..')) throw new Error(`${name}: krew refuses archive entries whose name contains ".."`)
    if (/\.node$|(^|\/)binding\.gyp$/.test(name))
      throw new Error(`${name}: native code would make the archive platform-specific`)
    if (stat.isFile()) files++
  })

  // Reproducible tar.gz: GNU format (Go's archive/tar, which krew uses, reads its long names), sorted, fixed
  // mtime, numeric owner 0, modes normalized to 644/755, gzip -n (no name, no time stamp).
  const entries = readdirSync(stage).sort()
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
      '--mode=u=rwX,go=rX',
      '--hard-dereference',
      '--no-acls',
      '--no-xattrs',
      '--no-selinux',
      '-C',
      stage,
      ...entries,
    ],
    {capture: true, env: {...process.env, LC_ALL: 'C'}},
  )
  const archive = run('gzip', ['-9', '-n', '-c'], {capture: true, input: tar})
  const digest = sha256(archive)
  for (const platform of PLATFORMS) writeFileSync(join(OUT, archiveName(platform)), archive)
  log(
    `${PLATFORMS.map(archiveName).join(', ')}: ${files} files, ${mib(tar.length)} unpacked, ${mib(archive.length)}, sha256 ${digest}`,
  )

  // 4. Manifest and checksums, from the files as written.
  const platforms = PLATFORMS.map((platform) => ({
    ...platform,
    file: archiveName(platform),
    sha256: sha256(readFileSync(join(OUT, archiveName(platform)))),
  }))
  writeFileSync(
    join(OUT, 'SHA256SUMS'),
    [
      ...platforms.map((p) => `${p.sha256}  ${p.file}\n`),
      `${sha256(readFileSync(tarball))}  ${packed.filename}\n`,
    ].join(''),
  )
  mkdirSync(join(MANIFEST, '..'), {recursive: true})
  writeFileSync(MANIFEST, manifest(platforms))
  log(`${shown(MANIFEST)}: krew manifest for ${PLUGIN} v${VERSION}`)
} finally {
  rmSync(work, {recursive: true, force: true})
}

function manifest(platforms) {
  const store = `\${KREW_ROOT:-$HOME/.krew}`
  return `# Generated by scripts/package.mjs (npm run package) from the archives it builds: do not edit by hand.
# The sha256 values are those of release/${PLUGIN}-v${VERSION}-<os>-<arch>.tar.gz; upload those files to the
# v${VERSION} GitHub release unchanged.
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

    It is written in TypeScript and runs on Node.js ${NODE_MIN} or newer, which must
    be on PATH. The archive carries everything else (the bundled CLI and its
    production dependencies); it is the same JavaScript for every os/arch,
    since Node.js is the platform.
  caveats: |
    svc-inspect needs Node.js ${NODE_MIN} or newer on your PATH (node --version).

    For shell completion of \`kubectl svc-inspect\` (kubectl 1.26 or newer), link
    the completion helper onto your PATH:
      ln -sf "${store}/store/${PLUGIN}/v${VERSION}/${COMPLETE_BIN}" \\
        "${store}/bin/${COMPLETE_BIN}"
  platforms:
${platforms
  .map(
    (p) => `  - selector:
      matchLabels:
        os: ${p.os}
        arch: ${p.arch}
    uri: ${HOMEPAGE}/releases/download/v${VERSION}/${p.file}
    sha256: ${p.sha256}
    bin: ${BIN}
`,
  )
  .join('')}`
}
