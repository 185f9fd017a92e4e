// bin/run.cjs loads the start-up bundle with a V8 code cache (for the cold-start target of bench/run.mjs).
// The cache must only ever change speed: the same output with it, without it, and with a corrupt one.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {cli, ROOT} from '../support/run.js'

// As the build writes it next to each bundle.
const {sourceHash} = createRequire(import.meta.url)('../../bin/code-cache.cjs') as {
  sourceHash: (source: string) => string
}

const cacheHome = mkdtempSync(join(tmpdir(), 'svc-inspect-cache-'))
const cacheDir = join(cacheHome, 'svc-inspect', 'node-compile-cache')
const withCache = {XDG_CACHE_HOME: cacheHome}
const SEED = ['-f', 'examples/dumps/003-headless-port-mapping.yaml', '-n', 'seed-ports', 'svc-chroma', '-o', 'json']
const cacheFiles = () => {
  try {
    return readdirSync(cacheDir)
  } catch {
    return []
  }
}

after(() => rmSync(cacheHome, {recursive: true, force: true}))

describe('start-up code cache', () => {
  it('is written by the first run and read, unchanged, by the next; output is the same without it', async () => {
    const plain = await cli(['--help'], {env: {...withCache, NODE_DISABLE_COMPILE_CACHE: '1'}})
    assert.equal(plain.code, 0)
    assert.deepEqual(cacheFiles(), [], 'NODE_DISABLE_COMPILE_CACHE=1 writes nothing')

    const first = await cli(['--help'], {env: withCache})
    assert.deepEqual([first.code, first.stdout, first.stderr], [0, plain.stdout, ''])
    const files = cacheFiles()
    assert.equal(files.length, 1)
    // The build's hash of the bundle (dist/oclif.cjs.sha1), then the bundle's size and mtime.
    assert.match(
      files[0],
      new RegExp(`^oclif-${process.version}-${process.arch}-[0-9a-f]{16}-[0-9a-z]+-[0-9a-z]+\\.v8cache$`),
    )
    const written = statSync(join(cacheDir, files[0])).mtimeMs

    const second = await cli(['--help'], {env: withCache})
    assert.deepEqual([second.code, second.stdout, second.stderr], [0, plain.stdout, ''])
    assert.equal(statSync(join(cacheDir, files[0])).mtimeMs, written, 'an accepted cache is not rewritten')
  })

  it('runs commands (oclif requires the commands bundle) with the cache in place, as without it', async () => {
    await cli(['--help'], {env: withCache})
    assert.equal(cacheFiles().length, 1)
    const written = await cli(SEED, {env: withCache})
    const cached = await cli(SEED, {env: withCache})
    const plain = await cli(SEED, {env: {NODE_DISABLE_COMPILE_CACHE: '1'}})
    for (const run of [written, cached]) {
      assert.equal(run.stderr, '')
      assert.deepEqual([run.code, run.stdout], [plain.code, plain.stdout])
    }
    assert.ok(
      JSON.parse(cached.stdout).findings.some((finding: {code: string}) => finding.code === 'HeadlessPortMismatch'),
    )
  })

  it('the commands bundle keeps one cache per command: each holds the code its command ran', async () => {
    rmSync(cacheDir, {recursive: true, force: true})
    await cli(SEED, {env: withCache})
    const inspect = cacheFiles().filter((name) => name.startsWith('commands.inspect-'))
    assert.equal(inspect.length, 1, cacheFiles().join(', '))
    const written = statSync(join(cacheDir, inspect[0])).mtimeMs
    // `svc-inspect NAME` is `inspect NAME`: the same cache.
    const scan = await cli(['scan', '-f', 'examples/dumps/003-headless-port-mapping.yaml', '-o', 'json'], {
      env: withCache,
    })
    assert.equal(scan.stderr, '')
    assert.deepEqual(
      cacheFiles()
        .filter((name) => name.startsWith('commands.'))
        .map((name) => name.split('-')[0])
        .sort(),
      ['commands.inspect', 'commands.scan'],
    )
    await cli(['inspect', ...SEED], {env: withCache})
    assert.equal(
      statSync(join(cacheDir, inspect[0])).mtimeMs,
      written,
      'read again, not rewritten, and not removed by the scan cache',
    )
  })

  it('commands that talk to a cluster cache client-node too; the output (here an error) is the same without it', async () => {
    const args = ['inspect', 'web', '--kubeconfig', join(cacheHome, 'no-such-kubeconfig'), '--no-dns']
    const plain = await cli(args, {env: {NODE_DISABLE_COMPILE_CACHE: '1'}})
    const first = await cli(args, {env: withCache})
    const second = await cli(args, {env: withCache})
    assert.equal(plain.code, 2)
    assert.match(plain.stderr, /^error: .*no-such-kubeconfig/)
    for (const run of [first, second])
      assert.deepEqual([run.code, run.stdout, run.stderr], [plain.code, plain.stdout, plain.stderr])
    assert.ok(
      cacheFiles().some((name) => name.startsWith(`client-node-${process.version}-`)),
      cacheFiles().join(', '),
    )
  })

  it("writing a cache removes the same bundle's older ones, and no other file", async () => {
    rmSync(cacheDir, {recursive: true, force: true})
    mkdirSync(cacheDir, {recursive: true})
    writeFileSync(join(cacheDir, 'oclif-v18.0.0-x64-1-1.v8cache'), 'old')
    writeFileSync(join(cacheDir, 'client-node-v18.0.0-x64-1-1.v8cache'), 'old')
    await cli(['--help'], {env: withCache})
    const names = cacheFiles()
    assert.ok(!names.includes('oclif-v18.0.0-x64-1-1.v8cache'), names.join(', '))
    assert.ok(names.includes('client-node-v18.0.0-x64-1-1.v8cache'), "another bundle's cache is left alone")
    assert.ok(names.some((name) => name.startsWith(`oclif-${process.version}-`)))
  })

  // V8 checks a cache against the source's length only, and npm and krew archives give every release the same
  // file times: a cache keyed by size and mtime alone would run one release's bytecode for another's source.
  const sameLengthCases = [
    {
      name: 'a new release: same length, same file times, its own build hash',
      change: (bundle: string, text: string) => writeFileSync(`${bundle}.sha1`, `${sourceHash(text)}\n`),
      fixTimes: true,
    },
    {
      name: 'a bundle without the build hash file: same length, same file times (the hash is computed from the text)',
      change: (bundle: string) => rmSync(`${bundle}.sha1`),
      fixTimes: true,
    },
    {
      name: 'a bundle edited by hand after the build: same length, build hash unchanged, a new mtime',
      change: () => undefined,
      fixTimes: false,
    },
  ]
  for (const testCase of sameLengthCases) {
    it(`gets its own cache: ${testCase.name}`, async () => {
      const copy = mkdtempSync(join(tmpdir(), 'svc-inspect-copy-'))
      try {
        for (const path of ['bin', 'dist', 'package.json', 'oclif.manifest.json'])
          cpSync(join(ROOT, path), join(copy, path), {recursive: true})
        const bundle = join(copy, 'dist', 'oclif.cjs')
        const fixedTime = new Date('1985-10-26T08:15:00Z')
        utimesSync(bundle, fixedTime, fixedTime)
        rmSync(cacheDir, {recursive: true, force: true})
        const run = () =>
          spawnSync(process.execPath, [join(copy, 'bin', 'run.cjs'), '--help'], {
            encoding: 'utf8',
            env: {...process.env, ...withCache},
          })
        assert.match(run().stdout, /^VERSION$/m)
        assert.match(run().stdout, /^VERSION$/m, 'a second run, from the cache')
        const [before] = cacheFiles()

        const original = readFileSync(bundle, 'utf8')
        const edited = original.replace('this.section("VERSION"', 'this.section("VERSIOM"')
        assert.ok(edited !== original && edited.length === original.length, 'a same-length edit of the bundle')
        writeFileSync(bundle, edited)
        testCase.change(bundle, edited)
        if (testCase.fixTimes) utimesSync(bundle, fixedTime, fixedTime)
        else utimesSync(bundle, new Date(), new Date(Date.now() + 5000))
        assert.match(run().stdout, /^VERSIOM$/m, 'the edited source runs, not the cached bytecode of the old one')
        const [after] = cacheFiles()
        assert.notEqual(after, before)
        assert.equal(cacheFiles().length, 1, 'the old cache was replaced')
      } finally {
        rmSync(copy, {recursive: true, force: true})
      }
    })
  }

  it('a corrupt cache is rejected by V8 and rewritten', async () => {
    await cli(['--help'], {env: withCache})
    const file = cacheFiles().find((name) => name.startsWith('oclif-'))!
    writeFileSync(join(cacheDir, file), 'not a code cache')
    const run = await cli(['--help'], {env: withCache})
    assert.equal(run.code, 0)
    assert.match(run.stdout, /USAGE/)
    assert.notEqual(readFileSync(join(cacheDir, file), 'utf8').slice(0, 16), 'not a code cache')
  })
})
