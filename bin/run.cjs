#!/usr/bin/env node
// kubectl runs this as `kubectl-svc_inspect` (kubectl svc-inspect ...). A first argument that is not a
// command means `inspect`: `kubectl svc-inspect my-svc -n shop` is `kubectl svc-inspect inspect my-svc -n shop`.
// CommonJS on purpose: an ES module entry makes Node set up its ESM loader before anything else runs.
'use strict'
const {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} = require('node:fs')
const Module = require('node:module')
const {homedir} = require('node:os')
const {dirname, join} = require('node:path')
const vm = require('node:vm')

// `... | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', error => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const manifest = JSON.parse(readFileSync(join(__dirname, '../oclif.manifest.json'), 'utf8'))
const commands = new Set(Object.keys(manifest.commands))
const rootFlags = new Set(['--help', '-h', '--version', '-v'])
let argv = process.argv.slice(2)
// `help [COMMAND]` as kubectl has it (oclif's help command is a plugin we do not ship).
if (argv[0] === 'help') argv = [...argv.slice(1, 2), '--help']
const args = argv.length === 0 || commands.has(argv[0]) || rootFlags.has(argv[0]) ? argv : ['inspect', ...argv]

const {execute} = loadWithCodeCache(join(__dirname, '../dist/cli.cjs'))
execute({args, dir: __filename})

/**
 * require() for the start-up bundle (@oclif/core), with a V8 code cache: compiling oclif is a third of a
 * `--help` run, and Node 20 has no compile cache of its own (module.enableCompileCache is Node 22). The cache
 * lives in $XDG_CACHE_HOME/svc-inspect/node-compile-cache (else ~/.cache/...), keyed by Node version and
 * bundle; V8 checks it and rejects a stale one, which is then rewritten. It is written once, at exit, so it
 * holds the functions the run compiled. NODE_DISABLE_COMPILE_CACHE=1 turns it off, as it does Node's own.
 */
function loadWithCodeCache(file) {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return require(file)
  const {size, mtimeMs} = statSync(file)
  const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'svc-inspect', 'node-compile-cache')
  const cacheFile = join(cacheDir, `cli-${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}.v8cache`)
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // first run with this Node and this bundle
  }
  // Compiled code cannot import() on Node 20 (that needs --experimental-vm-modules), so the bundle's one
  // import(), oclif loading dist/commands.mjs, calls the one passed here (scripts/bundle.mjs patches it in).
  const wrapper = `(function (exports, require, module, __filename, __dirname, __svcInspectImport) {${readFileSync(file, 'utf8')}\n})`
  const script = new vm.Script(wrapper, {filename: file, cachedData})
  // In require's cache, so the commands bundle's require('./cli.cjs') gets this same copy of oclif.
  const module = new Module(file)
  module.filename = file
  module.paths = Module._nodeModulePaths(dirname(file))
  require.cache[file] = module
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dirname(file), specifier => import(specifier))
  module.loaded = true
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        mkdirSync(cacheDir, {recursive: true})
        writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData())
        renameSync(`${cacheFile}.${process.pid}`, cacheFile)
      } catch {
        // a read-only home only costs the speed-up
      }
    })
  }
  return module.exports
}
