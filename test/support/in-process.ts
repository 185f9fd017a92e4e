// Runs a command in this process, as the built CLI would (the same kubectl-style argument mapping, oclif's flag
// parsing, the error contract of BaseCommand), for the cases where a separate process adds nothing: the commands
// print through src/cli/io.ts, which this swaps for streams it reads, and the exit code is process.exitCode. The packaging contract (the bundle, the executable, stdin, signals) stays with
// the spawned tests (run.ts's cli()).
import {Writable} from 'node:stream'
import {Config, type Command} from '@oclif/core'
import {COMMANDS} from '../../src/commands/index.js'
import {commandArgv} from '../../src/cli/argv.js'
import {io} from '../../src/cli/io.js'
import {ROOT} from './run.js'

export interface InProcessResult {
  code: number
  stdout: string
  stderr: string
}

let config: Promise<Config> | undefined
const commands = COMMANDS as Record<string, Command.Class>

/** One command at a time: stdout, stderr and process.exitCode are the process's own. */
let queue: Promise<unknown> = Promise.resolve()

export function runInProcess(args: string[]): Promise<InProcessResult> {
  const run = queue.then(() => runNow(args))
  queue = run.catch(() => undefined)
  return run
}

async function runNow(args: string[]): Promise<InProcessResult> {
  config ??= Config.load({root: ROOT})
  const [id, ...rest] = commandArgv(args, Object.keys(commands))
  const command = commands[id]
  if (!command) throw new Error(`no command ${id} (in-process runs take a command or a service name)`)
  command.id = id
  const out = new Captured()
  const err = new Captured()
  const streams = {...io}
  const previousNoColor = process.env.NO_COLOR
  process.env.NO_COLOR = '1'
  process.exitCode = undefined
  io.out = out as unknown as NodeJS.WriteStream
  io.err = err as unknown as NodeJS.WriteStream
  try {
    await command.run(rest, await config)
  } finally {
    Object.assign(io, streams)
    if (previousNoColor === undefined) delete process.env.NO_COLOR
    else process.env.NO_COLOR = previousNoColor
  }
  const code = Number(process.exitCode ?? 0)
  process.exitCode = undefined
  return {code, stdout: out.text(), stderr: err.text()}
}

/** A stream that keeps what is written (not a terminal: no colours, no spinner). */
class Captured extends Writable {
  readonly isTTY = false
  private readonly chunks: Buffer[] = []
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk)
    done()
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}
