#!/usr/bin/env node
// Bundles the CLI into dist/, with every dependency: reading one file instead of hundreds halves a cluster
// command's run (client-node alone is ~400 modules).
//  - dist/oclif.cjs: the start-up path (@oclif/core), and dist/client-node.cjs: CommonJS, so that
//    bin/code-cache.cjs can load them with a V8 code cache (Node 20 has no compile cache for ES modules).
//  - dist/commands.cjs: the commands, CommonJS and code-cached too. A dynamic import() in the sources stays lazy
//    (esbuild makes it the first call of that module's initialiser), so a command runs the code of client-node,
//    dns2, yaml or the renderers only when it needs them. They take @oclif/core and @kubernetes/client-node from
//    those two bundles (src/bundles/use-*.ts).
import {build} from 'esbuild'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {sourceHash} from '../bin/code-cache.cjs'

/**
 * Three edits to @oclif/core's source as it is bundled, each checked to match exactly once (a new oclif release
 * that moves the code fails the build instead of silently losing the edit):
 *  - Code compiled by vm.Script (bin/code-cache.cjs) cannot import() on Node 20 without
 *    --experimental-vm-modules, so oclif's module loader calls the import function bin/code-cache.cjs hands it
 *    instead (and import() itself when loaded by a plain require).
 *  - Its require() of a CommonJS module (dist/commands.cjs) goes through the require function bin/run.cjs hands
 *    it, which loads the commands with a code cache.
 *  - The command list is sorted with localeCompare, whose first call loads ICU's collation data: ~7 ms of every
 *    run, 5% of the start-up target. Command ids here are lowercase ASCII, which compare the same way by code unit.
 */
const OCLIF_EDITS = [
  {
    file: /[\\/]@oclif[\\/]core[\\/]lib[\\/]module-loader\.js$/,
    from: 'await import(',
    to: "await (typeof __svcInspectImport == 'function' ? __svcInspectImport : specifier => import(specifier))(",
    count: 3,
  },
  {
    file: /[\\/]@oclif[\\/]core[\\/]lib[\\/]module-loader\.js$/,
    from: ': require(filePath)',
    to: ": (typeof __svcInspectRequire == 'function' ? __svcInspectRequire : require)(filePath)",
    count: 3,
  },
  {
    file: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
    from: '.sort((a, b) => a.id.localeCompare(b.id))',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
    count: 1,
  },
]
const oclifEdits = {
  name: 'oclif-edits',
  setup(build) {
    // esbuild runs only the first onLoad that matches a file: one per file, applying all of its edits.
    const files = new Map(OCLIF_EDITS.map((edit) => [String(edit.file), edit.file]))
    for (const [key, filter] of files) {
      build.onLoad({filter}, ({path}) => {
        let source = readFileSync(path, 'utf8')
        for (const edit of OCLIF_EDITS.filter((candidate) => String(candidate.file) === key)) {
          const found = source.split(edit.from).length - 1
          if (found !== edit.count)
            throw new Error(
              `${path} changed: expected ${edit.count} of ${JSON.stringify(edit.from)}, found ${found}; review OCLIF_EDITS in scripts/bundle.mjs`,
            )
          source = source.replaceAll(edit.from, edit.to)
        }
        return {contents: source, loader: 'js'}
      })
    }
  },
}

/**
 * client-node loads, at start-up, libraries that only some kubeconfigs need: SOCKS and HTTP proxy agents
 * (proxy-url), the OpenID Connect client (oidc auth provider) and JSONPath (gcp and azure auth providers). Their
 * initialisation is ~5 ms of every cluster command (ip-address, under the SOCKS agent, builds its tables). Each
 * is replaced by a stand-in with the same exports that loads the real library when first used, and its files
 * are marked free of side effects so that modules nobody imports (`cp` and its tar library) are left out.
 */
const LAZY_DEPENDENCIES = {
  'socks-proxy-agent': {classes: ['SocksProxyAgent']},
  hpagent: {classes: ['HttpProxyAgent', 'HttpsProxyAgent']},
  'openid-client': {functions: ['discovery', 'refreshTokenGrant']},
  'jsonpath-plus': {functions: ['JSONPath']},
}
const lazyDependencies = {
  name: 'lazy-dependencies',
  setup(build) {
    const names = Object.keys(LAZY_DEPENDENCIES)
    build.onResolve({filter: new RegExp(`^(${names.join('|')})$`)}, ({path, namespace, resolveDir}) =>
      namespace === 'lazy' ? undefined : {path, namespace: 'lazy', pluginData: {resolveDir}},
    )
    build.onLoad({filter: /.*/, namespace: 'lazy'}, ({path, pluginData}) => {
      const {classes = [], functions = []} = LAZY_DEPENDENCIES[path]
      const contents = [
        `let real; const load = () => (real ??= require(${JSON.stringify(path)}));`,
        ...classes.map(
          (name) => `export class ${name} { constructor(...args) { return new (load().${name})(...args) } }`,
        ),
        ...functions.map((name) => `export function ${name}(...args) { return load().${name}(...args) }`),
      ].join('\n')
      return {contents, loader: 'js', resolveDir: pluginData.resolveDir}
    })
    build.onResolve({filter: /^\.\.?\//}, async ({path, importer, kind, resolveDir, pluginData}) => {
      if (pluginData === 'resolving' || !/[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]/.test(importer))
        return undefined
      const resolved = await build.resolve(path, {importer, kind, resolveDir, pluginData: 'resolving'})
      return resolved.errors.length > 0 ? resolved : {path: resolved.path, sideEffects: false}
    })
  },
}

/**
 * The generated API clients of client-node convert every request and response through its ObjectSerializer and
 * ~700 model classes; the bundle has src/bundles/wire-serializer.ts instead, which keeps JSON as JSON (see
 * there). With the models no longer imported, they are left out: client-node loads in 7 ms instead of 16. A
 * client-node release that moves the serializer fails the build instead of silently keeping the models. It comes
 * before lazy-dependencies, whose resolver takes every relative import inside client-node.
 */
const wireForm = {
  name: 'wire-form',
  setup(build) {
    let replaced = 0
    build.onResolve({filter: /[\\/]ObjectSerializer\.js$/}, ({importer}) => {
      if (!/[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]gen[\\/]/.test(importer)) return undefined
      replaced++
      return {path: fileURLToPath(new URL('../src/bundles/wire-serializer.ts', import.meta.url))}
    })
    build.onEnd((result) => {
      if (result.errors.length === 0 && replaced === 0)
        throw new Error(
          "client-node's generated clients no longer import gen/models/ObjectSerializer.js: review the wire-form plugin in scripts/bundle.mjs",
        )
    })
  },
}

rmSync(new URL('../dist', import.meta.url), {recursive: true, force: true})
const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: 'linked',
  outdir: 'dist',
  logLevel: 'warning',
  external: ['typescript', 'ts-node'],
}
await Promise.all([
  build({
    ...common,
    entryPoints: {oclif: 'src/bundles/oclif.ts'},
    format: 'cjs',
    outExtension: {'.js': '.cjs'},
    plugins: [oclifEdits],
  }),
  build({
    ...common,
    entryPoints: {'client-node': 'src/bundles/client-node.ts'},
    format: 'cjs',
    outExtension: {'.js': '.cjs'},
    alias: {'whatwg-url': './src/bundles/whatwg-url.ts'},
    plugins: [wireForm, lazyDependencies],
  }),
  // One CommonJS file, so that it too loads with a code cache: as ES modules, the commands paid Node's ESM loader
  // and compiled every function they ran on every run (~20 ms of a live check). A dynamic import() in the
  // sources still loads lazily: esbuild turns it into the first call of that module's initialiser.
  build({
    ...common,
    entryPoints: {commands: 'src/commands/index.ts'},
    format: 'cjs',
    outExtension: {'.js': '.cjs'},
    alias: {'@oclif/core': './src/bundles/use-oclif.ts', '@kubernetes/client-node': './src/bundles/use-client-node.ts'},
  }),
])
// Code compiled by vm.Script (bin/code-cache.cjs) cannot import() on Node 20: a module esbuild leaves to a real
// import() (a node: builtin, say) would fail only when that line runs. Import those statically.
const imports = readFileSync('dist/commands.cjs', 'utf8').match(/(?<![\w$.])import\(\s*["'`][^"'`]+["'`]\s*\)/g)
if (imports)
  throw new Error(`dist/commands.cjs keeps ${imports.join(', ')}: import it statically (see scripts/bundle.mjs)`)
// The hash of each code-cached bundle, for its cache key (bin/code-cache.cjs), so a run need not compute it.
for (const bundle of ['dist/oclif.cjs', 'dist/client-node.cjs', 'dist/commands.cjs']) {
  writeFileSync(`${bundle}.sha1`, `${sourceHash(readFileSync(bundle, 'utf8'))}\n`)
}
