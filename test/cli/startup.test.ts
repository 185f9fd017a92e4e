// bin/run.cjs turns on Node's compile cache (module.enableCompileCache) for the CLI's bundle, for the
// cold-start target of bench/run.mjs. The cache must only ever change speed: the same output with it and
// without it, and an edited bundle runs as edited.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {cli, ROOT} from '../support/run.js'

const cacheHome = mkdtempSync(join(tmpdir(), 'svc-inspect-cache-'))
const cacheDir = join(cacheHome, 'svc-inspect', 'node-compile-cache')
const withCache = {XDG_CACHE_HOME: cacheHome}
const SEED = ['-f', 'examples/dumps/003-headless-port-mapping.yaml', '-n', 'seed-ports', 'svc-chroma', '-o', 'json']
/** Every file under the cache directory (Node keeps one directory per Node version and V8 flags). */
const cacheFiles = (): string[] => {
  try {
    return readdirSync(cacheDir, {recursive: true, withFileTypes: true})
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
  } catch {
    return []
  }
}

after(() => rmSync(cacheHome, {recursive: true, force: true}))

describe("start-up: Node's compile cache", () => {
  it('is written under $XDG_CACHE_HOME/svc-inspect by the first run; output is the same with it and without it', async () => {
    const plain = await cli(['--help'], {env: {...withCache, NODE_DISABLE_COMPILE_CACHE: '1'}})
    assert.equal(plain.code, 0)
    assert.deepEqual(cacheFiles(), [], 'NODE_DISABLE_COMPILE_CACHE=1 writes nothing')
    const first = await cli(['--help'], {env: withCache})
    assert.deepEqual([first.code, first.stdout, first.stderr], [0, plain.stdout, ''])
    assert.ok(cacheFiles().length > 0, 'a cache was written')
    const second = await cli(['--help'], {env: withCache})
    assert.deepEqual([second.code, second.stdout, second.stderr], [0, plain.stdout, ''])
  })

  it('runs commands with the cache in place, as without it', async () => {
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

  it('commands that talk to a cluster: the output (here an error) is the same with the cache and without it', async () => {
    const args = ['inspect', 'web', '--kubeconfig', join(cacheHome, 'no-such-kubeconfig'), '--no-dns']
    const plain = await cli(args, {env: {NODE_DISABLE_COMPILE_CACHE: '1'}})
    const first = await cli(args, {env: withCache})
    const second = await cli(args, {env: withCache})
    assert.equal(plain.code, 2)
    assert.match(plain.stderr, /^error: .*no-such-kubeconfig/)
    for (const run of [first, second])
      assert.deepEqual([run.code, run.stdout, run.stderr], [plain.code, plain.stdout, plain.stderr])
  })

  it('a same-length edit of the bundle runs as edited, not from the cached code of the old one', () => {
    const copy = mkdtempSync(join(tmpdir(), 'svc-inspect-copy-'))
    try {
      for (const path of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, path), join(copy, path), {recursive: true})
      const bundle = join(copy, 'dist', 'svc-inspect.cjs')
      const run = () =>
        spawnSync(process.execPath, [join(copy, 'bin', 'run.cjs'), '--help'], {
          encoding: 'utf8',
          env: {...process.env, ...withCache},
        })
      assert.match(run().stdout, /^VERSION$/m)
      assert.match(run().stdout, /^VERSION$/m, 'a second run, from the cache')
      const original = readFileSync(bundle, 'utf8')
      const edited = original.replace('this.section("VERSION"', 'this.section("VERSIOM"')
      assert.ok(edited !== original && edited.length === original.length, 'a same-length edit of the bundle')
      writeFileSync(bundle, edited)
      assert.match(run().stdout, /^VERSIOM$/m)
    } finally {
      rmSync(copy, {recursive: true, force: true})
    }
  })
})
