// require() with a V8 code cache, for the CommonJS bundles: dist/oclif.cjs (every run), dist/commands.cjs (to
// run a command; one cache per command) and dist/client-node.cjs (commands that talk to a cluster). Compiling
// them is most of the start-up on Node 20, which has no compile cache of its own (module.enableCompileCache is
// Node 22) and none for ES modules.
//
// The cache lives in $XDG_CACHE_HOME/svc-inspect/node-compile-cache (else ~/.cache/...), one file per bundle,
// keyed by Node version, architecture and a hash of the bundle's text (writing one removes the bundle's older
// ones). The hash is not optional: V8 checks a cache against its source by length only, and npm and the krew
// archives give every release the same file times. The build writes it next to the bundle (<bundle>.sha1), so
// a run does not load node:crypto (~5 ms) to compute it; the bundle's size and mtime join it, for a bundle
// edited by hand after the build. Without that file, the hash is computed here. V8 rejects a corrupt or
// foreign cache, which is rewritten.
// It is written once, at exit, so it holds the functions the run compiled. NODE_DISABLE_COMPILE_CACHE=1 turns it
// off, as it does Node's own.
'use strict'
const {mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} = require('node:fs')
const Module = require('node:module')
const {homedir} = require('node:os')
const {basename, dirname, join} = require('node:path')
const vm = require('node:vm')

// Code compiled by vm.Script cannot import() on Node 20 (that needs --experimental-vm-modules); the bundles
// call this one instead (scripts/bundle.mjs patches oclif's module loader to use it).
const hostImport = (specifier) => import(specifier)

/**
 * Loads a CommonJS file as require() would (into require's cache: later require()s get the same module).
 * `variant` names a cache of its own for this file: the cache holds the functions the run that wrote it compiled,
 * so a bundle of several commands keeps one per command. `requireHook` is the require the file's code calls
 * as __svcInspectRequire (see scripts/bundle.mjs).
 */
function requireWithCodeCache(file, {variant, requireHook} = {}) {
  if (require.cache[file]) return require.cache[file].exports
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return require(file)
  const source = readFileSync(file, 'utf8')
  let cacheDir
  try {
    cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'svc-inspect', 'node-compile-cache')
  } catch {
    return require(file) // no home directory to keep a cache in (os.homedir() throws without HOME or a passwd entry)
  }
  const hash = bundleHash(file, source)
  const name = variant ? `${basename(file, '.cjs')}.${variant}` : basename(file, '.cjs')
  const cacheFile = join(cacheDir, `${name}-${process.version}-${process.arch}-${hash}.v8cache`)
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // the first run with this Node and this bundle
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname, __svcInspectImport, __svcInspectRequire) {${source}\n})`
  const script = new vm.Script(wrapper, {filename: file, cachedData})
  const module = new Module(file, null)
  module.filename = file
  module.paths = Module._nodeModulePaths(dirname(file))
  require.cache[file] = module
  try {
    const localRequire = Module.createRequire(file)
    script.runInThisContext()(
      module.exports,
      localRequire,
      module,
      file,
      dirname(file),
      hostImport,
      requireHook ?? localRequire,
    )
  } catch (error) {
    delete require.cache[file]
    throw error
  }
  module.loaded = true
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        mkdirSync(cacheDir, {recursive: true})
        writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData())
        renameSync(`${cacheFile}.${process.pid}`, cacheFile)
        // The caches of older bundles or other Node versions are dead weight: one file per bundle stays.
        const stale = `${name}-`
        for (const name of readdirSync(cacheDir)) {
          if (name.startsWith(stale) && name.endsWith('.v8cache') && join(cacheDir, name) !== cacheFile)
            rmSync(join(cacheDir, name), {force: true})
        }
      } catch {
        // a read-only home only costs the speed-up
      }
    })
  }
  return module.exports
}

/** The build's hash of the bundle plus its size and mtime; else a hash of its text (see the top). */
function bundleHash(file, source) {
  try {
    const built = readFileSync(`${file}.sha1`, 'utf8').trim()
    const {size, mtimeMs} = statSync(file)
    if (/^[0-9a-f]{16}$/.test(built)) return `${built}-${size.toString(36)}-${Math.floor(mtimeMs).toString(36)}`
  } catch {
    // no hash from the build
  }
  return sourceHash(source)
}

/** The hash of a bundle's text, as the build writes it to <bundle>.sha1 and as a run computes it without one. */
function sourceHash(source) {
  return require('node:crypto').createHash('sha1').update(source).digest('hex').slice(0, 16)
}

module.exports = {requireWithCodeCache, sourceHash}
