#!/usr/bin/env node
// Bundles src/cli.ts (start-up) and src/commands/index.ts (the commands) into dist/ (+ chunks for dynamic imports). client-node and dns2 stay in
// node_modules: they are only imported by commands that talk to a cluster.
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
  external: ['@kubernetes/client-node', 'dns2', 'typescript', 'ts-node'],
  // oclif is CommonJS: give the ESM bundle a require() for it.
  banner: {js: "import {createRequire as __svcInspectRequire} from 'node:module'; const require = __svcInspectRequire(import.meta.url);"},
  logLevel: 'warning',
})
