#!/usr/bin/env node
// kubectl runs this as `kubectl-svc_inspect` (kubectl svc-inspect ...). A first argument that is not a
// command means `inspect`: `kubectl svc-inspect my-svc -n shop` is `kubectl svc-inspect inspect my-svc -n shop`.
// CommonJS on purpose: an ES module entry makes Node set up its ESM loader before anything else runs.
'use strict'
const {readFileSync} = require('node:fs')
const {join} = require('node:path')
const {requireWithCodeCache} = require('./code-cache.cjs')

// `... | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error) => {
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

// @oclif/core, bundled, with a V8 code cache (see code-cache.cjs). It requires the commands (dist/commands.cjs)
// through requireHook: code-cached too, one cache per command, since each runs different code.
const command = commands.has(args[0]) ? args[0] : 'help'
const {execute} = requireWithCodeCache(join(__dirname, '../dist/oclif.cjs'), {
  requireHook: (file) => requireWithCodeCache(file, {variant: command}),
})
// The command is done once execute() settles: it awaits its own clean-up (the resolver pod's deletion). Exiting
// then, rather than when the event loop empties, skips the garbage collection a big report's heap gets on the
// way out (10-20 ms of a live check). Output still buffered in a pipe is written first.
execute({args, dir: __filename}).then(exitWhenWritten)

function exitWhenWritten() {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableLength > 0) return stream.once('drain', exitWhenWritten)
  }
  process.exit()
}
