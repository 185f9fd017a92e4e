#!/usr/bin/env node
// kubectl runs this as `kubectl-svc_inspect` (kubectl svc-inspect ...). A first argument that is not a
// command means `inspect`: `kubectl svc-inspect my-svc -n shop` is `kubectl svc-inspect inspect my-svc -n shop`.
import {readFileSync} from 'node:fs'

// `... | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', error => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const manifest = JSON.parse(readFileSync(new URL('../oclif.manifest.json', import.meta.url), 'utf8'))
const commands = new Set(Object.keys(manifest.commands))
const rootFlags = new Set(['--help', '-h', '--version', '-v'])
let argv = process.argv.slice(2)
// `help [COMMAND]` as kubectl has it (oclif's help command is a plugin we do not ship).
if (argv[0] === 'help') argv = [...argv.slice(1, 2), '--help']
const args = argv.length === 0 || commands.has(argv[0]) || rootFlags.has(argv[0]) ? argv : ['inspect', ...argv]

const {run} = await import('../dist/cli.mjs')
await run(args, import.meta.url)
