// Entry of dist/svc-inspect.cjs, the whole CLI in one CommonJS file: bin/run.cjs requires it (npm), and it is
// the `main` of the single executable (scripts/package.mjs). kubectl runs it as `kubectl-svc_inspect`. A first
// argument that is not a command means `inspect`: `kubectl svc-inspect my-svc -n shop` is
// `kubectl svc-inspect inspect my-svc -n shop`.
//
// oclif finds commands by loading files by path, which a single executable cannot do. Its public Config.load
// option `plugins` takes the plugin instead: one built here from the manifest the build embeds (what `--help`
// reads) and the command classes in this bundle, loaded only to run a command (a dynamic import, which esbuild
// keeps lazy).
import type {Command, Interfaces} from '@oclif/core'
import {Config} from '@oclif/core/config'
import {flush} from '@oclif/core/flush'
import {handle} from '@oclif/core/handle'
import {run} from '@oclif/core/run'
import {dirname} from 'node:path'
import {isSea} from 'node:sea'
import {commandArgv} from '../cli/argv.js'
import {complete} from '../cli/complete.js'

/** package.json and oclif.manifest.json, put here by scripts/bundle.mjs (esbuild's define). */
declare const SVC_INSPECT_BUILD: {pjson: Interfaces.PJSON; manifest: Interfaces.Manifest}
const {pjson, manifest} = SVC_INSPECT_BUILD

// `... | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const commandIds = Object.keys(manifest.commands)
const argv = process.argv.slice(2)
if (argv[0] === '__complete') {
  // kubectl_complete-svc_inspect (bin/complete.js, or the script beside the executable) runs this.
  void complete(argv.slice(1), manifest).then(() => process.exit())
} else {
  const args = commandArgv(argv, commandIds)
  // The command is done once run() settles: it awaits its own clean-up (the resolver pod's deletion). Exiting
  // then, rather than when the event loop empties, skips the garbage collection a big report's heap gets on the
  // way out. Output still buffered in a pipe is written first.
  const root = rootDirectory()
  void Config.load({root, pjson, plugins: new Map([[pjson.name, bundledPlugin(root)]])})
    .then((config) => run(args, config))
    .then(() => flush())
    .catch((error: Error) => handle(error))
    .then(exitWhenWritten)
}

/** The package's directory (dist/..) under Node, the executable's directory as a single executable. */
function rootDirectory(): string {
  return isSea() ? dirname(process.execPath) : dirname(__dirname)
}

function bundledPlugin(root: string): Interfaces.Plugin {
  let commands: Promise<Record<string, Command.Class>> | undefined
  const find = async (id: string): Promise<Command.Class | undefined> => {
    commands ??= import('../commands/index.js').then((module) => module.COMMANDS as Record<string, Command.Class>)
    const found = (await commands)[id]
    if (found) {
      found.id = id
      found.plugin = plugin
    }
    return found
  }
  const plugin: Interfaces.Plugin = {
    _base: `${pjson.name}@${pjson.version}`,
    alias: pjson.name,
    commandIDs: commandIds,
    commands: Object.values(manifest.commands).map((cached) => ({
      ...cached,
      load: async () => (await find(cached.id))!,
    })),
    commandsDir: undefined,
    findCommand: (async (id: string, opts?: {must: boolean}) => {
      const found = await find(id)
      if (!found && opts?.must) throw new Error(`command ${id} not found`)
      return found
    }) as Interfaces.Plugin['findCommand'],
    hasManifest: true,
    hooks: {},
    isRoot: true,
    load: async () => undefined,
    moduleType: 'commonjs',
    name: pjson.name,
    options: {root},
    pjson,
    root,
    topics: [],
    type: 'core',
    valid: true,
    version: pjson.version,
  }
  return plugin
}

function exitWhenWritten(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableLength > 0) {
      stream.once('drain', exitWhenWritten)
      return
    }
  }
  process.exit()
}
