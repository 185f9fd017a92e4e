#!/usr/bin/env node
// Bundles the CLI into dist/, with every dependency: reading one file instead of hundreds halves a cluster
// command's run (client-node alone is ~400 modules).
//  - dist/cli.cjs: the start-up path (@oclif/core), CommonJS so bin/run.cjs can give it a V8 code cache.
//  - dist/commands.mjs: the commands, ESM with dynamic imports left as separate chunks, so a command loads
//    client-node, dns2, yaml or the renderers only when it needs them. They take @oclif/core from cli.cjs.
import {build} from 'esbuild'
import {readFileSync, rmSync} from 'node:fs'

/**
 * Code compiled by vm.Script (bin/run.cjs's code cache) cannot import() on Node 20 without
 * --experimental-vm-modules, so oclif's module loader, which import()s dist/commands.mjs, calls the import
 * function bin/run.cjs hands it instead (and import() itself when loaded by a plain require).
 */
const oclifImportsThroughHost = {
  name: 'oclif-imports-through-host',
  setup(build) {
    build.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]module-loader\.js$/}, ({path}) => {
      const source = readFileSync(path, 'utf8')
      const patched = source.replaceAll('await import(', "await (typeof __svcInspectImport == 'function' ? __svcInspectImport : specifier => import(specifier))(")
      const count = source.split('await import(').length - 1
      if (count !== 3) throw new Error(`@oclif/core's module-loader.js changed: expected 3 import() calls, found ${count}; review ${import.meta.url}`)
      return {contents: patched, loader: 'js'}
    })
  },
}

rmSync(new URL('../dist', import.meta.url), {recursive: true, force: true})
const common = {bundle: true, platform: 'node', target: 'node20', minify: true, sourcemap: 'linked', outdir: 'dist', logLevel: 'warning', external: ['typescript', 'ts-node']}
await Promise.all([
  build({...common, entryPoints: {cli: 'src/cli.ts'}, format: 'cjs', outExtension: {'.js': '.cjs'}, plugins: [oclifImportsThroughHost]}),
  build({
    ...common,
    entryPoints: {commands: 'src/commands/index.ts'},
    format: 'esm',
    splitting: true,
    outExtension: {'.js': '.mjs'},
    alias: {'@oclif/core': './src/cli/oclif.ts'},
    // Some bundled dependencies are CommonJS: give the ESM bundle a require() for them.
    banner: {js: "import {createRequire as __svcInspectRequire} from 'node:module'; const require = __svcInspectRequire(import.meta.url);"},
  }),
])
