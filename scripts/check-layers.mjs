#!/usr/bin/env node
// npm run lint:layers: every import in src/ goes downwards through the layers (docs/design.md).
//
//   node scripts/check-layers.mjs [--allow FILE] [--root DIR]
//
// Reads every src/**/*.ts with the TypeScript parser (already a dev dependency): static imports and exports,
// `import type`, dynamic import(), require() and `typeof import('...')` all count, since a type imported upward
// ties the layers together as much as a value does. Prints one line per offending import,
//   src/a.ts imports src/b.ts: analyse must not import kube
// and exits 1 when there is one that scripts/layers-allow.txt does not list. Allowlist entries that no longer
// match anything are reported (so they get deleted), but do not fail the check.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join, posix, relative, resolve, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import ts from 'typescript'

const {values: options} = parseArgs({
  options: {
    allow: {type: 'string'},
    root: {type: 'string', default: fileURLToPath(new URL('..', import.meta.url))},
  },
})
const ROOT = resolve(options.root)
const ALLOW_FILE = resolve(options.allow ?? join(ROOT, 'scripts', 'layers-allow.txt'))

// Lowest first. A layer may import its own files and any layer of a lower rank; layers of the same rank (gather
// and kube) may not import each other.
const LAYERS = [
  {name: 'model', rank: 0}, // types of the Kubernetes objects and of the report
  {name: 'errors', rank: 1}, // src/errors.ts
  {name: 'dns', rank: 2}, // pure DNS vocabulary
  {name: 'analyse', rank: 3}, // pure: expected records, diagnosis, DNS diff
  {name: 'render', rank: 4}, // table, JSON, YAML, JUnit
  {name: 'gather', rank: 5}, // snapshots from dump files
  {name: 'kube', rank: 5}, // the API server: the only layer that talks to a cluster
  {name: 'app', rank: 6}, // orchestration
  {name: 'cli', rank: 7}, // the base command, flags, spinner
  {name: 'commands', rank: 8}, // thin oclif commands
  {name: 'bundles', rank: 9}, // entries of the CommonJS bundles
]
const RANK = new Map(LAYERS.map((layer) => [layer.name, layer.rank]))
const PURE_CORE = new Set(['model', 'dns', 'analyse', 'render'])

// Packages only some layers may import (a subpath such as '@oclif/core/flags' counts as the package).
const PACKAGES = [
  {name: '@kubernetes/client-node', layers: ['kube', 'bundles']},
  {name: '@oclif/core', layers: ['cli', 'commands', 'bundles']},
]
// Node built-ins that do I/O: the pure core computes, it does not read files or open connections.
const IO_BUILTINS = new Set([
  'child_process',
  'cluster',
  'dgram',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net/promises',
  'tls',
  'worker_threads',
])

/** The layer of a path relative to the root (`src/kube/gateway.ts` -> kube), or null outside src/. */
function layerOf(path) {
  const parts = path.split('/')
  if (parts[0] !== 'src' || parts.length < 2) return null
  return parts.length === 2 ? parts[1].replace(/\.ts$/, '') : parts[1]
}

function sourceFiles(directory) {
  const files = []
  for (const entry of readdirSync(directory, {withFileTypes: true})) {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) files.push(...sourceFiles(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path)
  }
  return files
}

/** Every module specifier a file names, with the line it is on. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const found = []
  const add = (literal) => {
    if (literal && ts.isStringLiteralLike(literal)) {
      found.push({specifier: literal.text, line: source.getLineAndCharacterOfPosition(literal.getStart()).line + 1})
    }
  }
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier)
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node.moduleReference.expression)
    else if (ts.isCallExpression(node)) {
      const callee = node.expression
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require'))
        add(node.arguments[0])
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** A relative specifier as the root-relative .ts file it names (`../kube/gateway.js` -> src/kube/gateway.ts). */
function resolveRelative(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier)
  const candidates = [base.replace(/\.(c|m)?js$/, '.$1ts'), base, `${base}.ts`, join(base, 'index.ts')]
  const hit = candidates.find((candidate) => existsSync(candidate) && candidate.endsWith('.ts')) ?? candidates[0]
  return relative(ROOT, hit).split(sep).join(posix.sep)
}

function packageOf(specifier) {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Why this import breaks the layering, or null when it does not. */
function problem(layer, target) {
  if (target.file) {
    const other = layerOf(target.file)
    if (other === null) return `${layer} must not import from outside src/`
    if (!RANK.has(other)) return `${target.file} is in no layer (add "${other}" to LAYERS in scripts/check-layers.mjs)`
    if (other === layer) return null
    return RANK.get(other) < RANK.get(layer) ? null : `${layer} must not import ${other}`
  }
  const name = target.specifier.replace(/^node:/, '')
  if (target.specifier.startsWith('node:') || IO_BUILTINS.has(name)) {
    return PURE_CORE.has(layer) && IO_BUILTINS.has(name)
      ? `${layer} is pure and must not import ${target.specifier} (I/O)`
      : null
  }
  const rule = PACKAGES.find((candidate) => candidate.name === packageOf(target.specifier))
  if (rule && !rule.layers.includes(layer))
    return `${layer} must not import ${rule.name} (only ${rule.layers.join(', ')} may)`
  return null
}

/** scripts/layers-allow.txt: `src/a.ts imports src/b.ts  # why it is allowed for now`, one a line. */
function readAllowlist(file) {
  const allowed = new Map()
  const errors = []
  if (!existsSync(file)) return {allowed, errors}
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.trim()
      if (line === '' || line.startsWith('#')) return
      const hash = line.indexOf('#')
      const entry = (hash < 0 ? line : line.slice(0, hash)).trim()
      const where = `${relative(ROOT, file)}:${index + 1}`
      if (!/^\S+ imports \S+$/.test(entry)) errors.push(`${where}: expected "src/a.ts imports src/b.ts  # why"`)
      else if (hash < 0 || line.slice(hash + 1).trim() === '') errors.push(`${where}: "${entry}" needs a comment`)
      else allowed.set(entry, where)
    })
  return {allowed, errors}
}

const violations = new Map() // "src/a.ts imports src/b.ts" -> message
let unknown = 0
for (const path of sourceFiles(join(ROOT, 'src')).sort()) {
  const file = relative(ROOT, path).split(sep).join(posix.sep)
  const layer = layerOf(file)
  if (!RANK.has(layer)) {
    console.log(`${file}: in no layer (add "${layer}" to LAYERS in scripts/check-layers.mjs)`)
    unknown++
    continue
  }
  for (const {specifier} of importsOf(path)) {
    const target = specifier.startsWith('.') ? {file: resolveRelative(path, specifier)} : {specifier}
    const why = problem(layer, target)
    const key = `${file} imports ${target.file ?? packageOf(specifier)}`
    if (why && !violations.has(key)) violations.set(key, why)
  }
}

const {allowed, errors} = readAllowlist(ALLOW_FILE)
for (const error of errors) console.log(error)
let failures = unknown + errors.length
for (const [key, why] of violations) {
  if (allowed.has(key)) continue
  console.log(`${key}: ${why}`)
  failures++
}
const stale = [...allowed].filter(([key]) => !violations.has(key))
for (const [key, where] of stale) console.error(`${where}: "${key}" no longer happens: delete it from the allowlist`)
const known = violations.size - [...violations.keys()].filter((key) => !allowed.has(key)).length
if (failures > 0) {
  console.error(`layers: ${failures} problem${failures === 1 ? '' : 's'} (${known} known, allowed)`)
  process.exitCode = 1
} else {
  console.error(`layers: every import goes downwards (${known} known exception${known === 1 ? '' : 's'} allowed)`)
}
