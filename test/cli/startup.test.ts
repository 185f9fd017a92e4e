// bin/run.cjs loads the start-up bundle with a V8 code cache (for the cold-start target of bench/run.mjs).
// The cache must only ever change speed: the same output with it, without it, and with a corrupt one.
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {cli} from '../support/run.js'

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
    assert.match(files[0], new RegExp(`^cli-${process.version}-${process.arch}-\\d+-\\d+\\.v8cache$`))
    const written = statSync(join(cacheDir, files[0])).mtimeMs

    const second = await cli(['--help'], {env: withCache})
    assert.deepEqual([second.code, second.stdout, second.stderr], [0, plain.stdout, ''])
    assert.equal(statSync(join(cacheDir, files[0])).mtimeMs, written, 'an accepted cache is not rewritten')
  })

  it('runs commands (oclif import()s the commands bundle) with the cache in place, as without it', async () => {
    await cli(['--help'], {env: withCache})
    assert.equal(cacheFiles().length, 1)
    const cached = await cli(SEED, {env: withCache})
    const plain = await cli(SEED, {env: {NODE_DISABLE_COMPILE_CACHE: '1'}})
    assert.equal(cached.stderr, '')
    assert.deepEqual([cached.code, cached.stdout], [plain.code, plain.stdout])
    assert.ok(JSON.parse(cached.stdout).findings.some((finding: {code: string}) => finding.code === 'HeadlessPortMismatch'))
  })

  it('a corrupt cache is rejected by V8 and rewritten', async () => {
    await cli(['--help'], {env: withCache})
    const [file] = cacheFiles()
    writeFileSync(join(cacheDir, file), 'not a code cache')
    const run = await cli(['--help'], {env: withCache})
    assert.equal(run.code, 0)
    assert.match(run.stdout, /USAGE/)
    assert.notEqual(readFileSync(join(cacheDir, file), 'utf8').slice(0, 16), 'not a code cache')
  })
})
