#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/svc-inspect.cjs, with every dependency: reading one file instead
// of hundreds halves a cluster command's run (client-node alone is ~400 modules), and a single executable
// (scripts/package.mjs) takes exactly one CommonJS file. A dynamic import() in the sources stays lazy (esbuild
// makes it the first call of that module's initialiser), so a run loads the commands, client-node, dns2, yaml
// or the renderers only when it needs them.
//
// oclif.manifest.json (the commands' flags and help, what `--help` and completion read) is written first, the
// way `oclif manifest` does: oclif's Plugin over a bundle of the commands alone (its explicit command strategy),
// then embedded in dist/svc-inspect.cjs with package.json (src/bundles/main.ts).
import {build} from 'esbuild'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  logLevel: 'warning',
  // oclif's optional TypeScript support, which a built CLI never uses.
  external: ['typescript', 'ts-node'],
  // node-fetch 2 (client-node's HTTP client) loads tr46, which requires Node's deprecated built-in punycode: Node
  // warns on stderr (DEP0040) unless the caller is under node_modules, which bundled code is not. The npm package
  // of the same name is that module; the build gives it to tr46 instead (docs/design.md, Adapters).
  alias: {punycode: 'punycode/'},
  // Shell scripts the CLI runs in a pod (src/kube/resolver-batch.sh) are part of the bundle, as text.
  loader: {'.sh': 'text'},
}

// 1. The manifest.
// oclif takes the commands' file relative to the root: a scratch directory inside it (ignored by git).
mkdirSync(join(root, 'tmp'), {recursive: true})
const scratch = mkdtempSync(join(root, 'tmp', 'build-'))
try {
  await build({
    ...common,
    entryPoints: {commands: join(root, 'src/commands/index.ts')},
    outdir: scratch,
    outExtension: {'.js': '.cjs'},
  })
  const target = `./${relative(root, join(scratch, 'commands.cjs'))}`
  const commands = {strategy: 'explicit', target, identifier: 'COMMANDS'}
  const plugin = new Plugin({
    root,
    pjson: {...pjson, oclif: {...pjson.oclif, commands}},
    type: 'core',
    ignoreManifest: true,
    errorOnManifestCreate: true,
    isRoot: true,
  })
  await plugin.load()
  const ids = Object.keys(plugin.manifest.commands)
  if (ids.length === 0) throw new Error('no commands found')
  writeFileSync(join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`)
} finally {
  rmSync(scratch, {recursive: true, force: true})
}

// 2. The CLI.
rmSync(join(root, 'dist'), {recursive: true, force: true})
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))
await build({
  ...common,
  entryPoints: {'svc-inspect': join(root, 'src/bundles/main.ts')},
  outdir: join(root, 'dist'),
  outExtension: {'.js': '.cjs'},
  sourcemap: 'linked',
  define: {SVC_INSPECT_BUILD: JSON.stringify({pjson, manifest})},
})
