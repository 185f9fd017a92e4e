#!/usr/bin/env node
// Bundles the CLI into dist/, with every dependency: reading one file instead of hundreds halves a cluster
// command's run (client-node alone is ~400 modules).
//  - dist/oclif.cjs: the start-up path (@oclif/core), and dist/client-node.cjs: CommonJS, so that
//    bin/code-cache.cjs can load them with a V8 code cache (Node 20 has no compile cache for ES modules).
//  - dist/commands.mjs: the commands, ESM with dynamic imports left as separate chunks, so a command loads
//    client-node, dns2, yaml or the renderers only when it needs them. They take @oclif/core and
//    @kubernetes/client-node from those two bundles (src/bundles/use-*.ts).
import {build} from 'esbuild'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {sourceHash} from '../bin/code-cache.cjs'

/**
 * Two edits to @oclif/core's source as it is bundled, each checked to match exactly once (a new oclif release
 * that moves the code fails the build instead of silently losing the edit):
 *  - Code compiled by vm.Script (bin/code-cache.cjs) cannot import() on Node 20 without
 *    --experimental-vm-modules, so oclif's module loader, which import()s dist/commands.mjs, calls the import
 *    function bin/code-cache.cjs hands it instead (and import() itself when loaded by a plain require).
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
    file: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
    from: '.sort((a, b) => a.id.localeCompare(b.id))',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
    count: 1,
  },
]
const oclifEdits = {
  name: 'oclif-edits',
  setup(build) {
    for (const edit of OCLIF_EDITS) {
      build.onLoad({filter: edit.file}, ({path}) => {
        const source = readFileSync(path, 'utf8')
        const found = source.split(edit.from).length - 1
        if (found !== edit.count) throw new Error(`${path} changed: expected ${edit.count} of ${JSON.stringify(edit.from)}, found ${found}; review OCLIF_EDITS in scripts/bundle.mjs`)
        return {contents: source.replaceAll(edit.from, edit.to), loader: 'js'}
      })
    }
  },
}

/**
 * With code splitting, esbuild gives a dynamic import() of a CommonJS module only a default export: `const
 * {parse} = await import('yaml')` is undefined in the bundle (yet works from source, as the unit tests run it).
 * Such imports go through an ES module that re-exports what is needed (src/bundles/lazy-yaml.ts); this check
 * fails the build on a new one. dns2 is imported for its default export, which does work.
 */
function checkDynamicImports(metafile) {
  const problems = []
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) {
      const target = metafile.inputs[imported.path]
      if (imported.kind === 'dynamic-import' && target?.format === 'cjs' && !/[\\/]dns2[\\/]/.test(imported.path)) problems.push(`${file} import()s CommonJS ${imported.original ?? imported.path}`)
    }
  }
  if (problems.length) throw new Error(`${problems.join('\n')}\nimport() it through an ES module that re-exports its names (see src/bundles/lazy-yaml.ts)`)
}

rmSync(new URL('../dist', import.meta.url), {recursive: true, force: true})
const common = {bundle: true, platform: 'node', target: 'node20', minify: true, sourcemap: 'linked', outdir: 'dist', logLevel: 'warning', external: ['typescript', 'ts-node']}
const [, , commands] = await Promise.all([
  build({...common, entryPoints: {oclif: 'src/bundles/oclif.ts'}, format: 'cjs', outExtension: {'.js': '.cjs'}, plugins: [oclifEdits]}),
  build({...common, entryPoints: {'client-node': 'src/bundles/client-node.ts'}, format: 'cjs', outExtension: {'.js': '.cjs'}, alias: {'whatwg-url': './src/bundles/whatwg-url.ts'}}),
  build({
    ...common,
    entryPoints: {commands: 'src/commands/index.ts'},
    format: 'esm',
    metafile: true,
    splitting: true,
    outExtension: {'.js': '.mjs'},
    alias: {'@oclif/core': './src/bundles/use-oclif.ts', '@kubernetes/client-node': './src/bundles/use-client-node.ts'},
    // Some bundled dependencies are CommonJS: give the ESM bundle a require() for them.
    banner: {js: "import {createRequire as __svcInspectRequire} from 'node:module'; const require = __svcInspectRequire(import.meta.url);"},
  }),
])
checkDynamicImports(commands.metafile)
// The hash of each code-cached bundle, for its cache key (bin/code-cache.cjs), so a run need not compute it.
for (const bundle of ['dist/oclif.cjs', 'dist/client-node.cjs']) {
  writeFileSync(`${bundle}.sha1`, `${sourceHash(readFileSync(bundle, 'utf8'))}\n`)
}
