#!/usr/bin/env node
// kubectl runs this as `kubectl-svc_inspect` (kubectl svc-inspect ...). A first argument that is not a
// command means `inspect`: `kubectl svc-inspect my-svc -n shop` is `kubectl svc-inspect inspect my-svc -n shop`.
// CommonJS on purpose: an ES module entry makes Node set up its ESM loader before anything else runs.
'use strict'
const {readFileSync} = require('node:fs')
const {join} = require('node:path')
const {requireWithCodeCache} = require('./code-cache.cjs')

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

// @oclif/core, bundled, with a V8 code cache (see code-cache.cjs).
const {execute} = requireWithCodeCache(join(__dirname, '../dist/oclif.cjs'))
execute({args, dir: __filename})
