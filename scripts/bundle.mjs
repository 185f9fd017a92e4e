#!/usr/bin/env node
// Bundles src/cli.ts (start-up) and src/commands/index.ts (the commands) into dist/, with every dependency:
// reading one file instead of hundreds halves a cluster command's run (client-node alone is ~400 modules).
// Dynamic imports stay separate chunks, so `--help` loads none of client-node, dns2, yaml or the renderers.
import {build} from 'esbuild'
import {rmSync} from 'node:fs'

rmSync(new URL('../dist', import.meta.url), {recursive: true, force: true})
await build({
  entryPoints: {cli: 'src/cli.ts', commands: 'src/commands/index.ts'},
  outdir: 'dist',
  outExtension: {'.js': '.mjs'},
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  external: ['typescript', 'ts-node'],
  // oclif is CommonJS: give the ESM bundle a require() for it.
  banner: {js: "import {createRequire as __svcInspectRequire} from 'node:module'; const require = __svcInspectRequire(import.meta.url);"},
  logLevel: 'warning',
})
