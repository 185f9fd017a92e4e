// The CLI's start-up path, bundled (with the part of @oclif/core it needs) into dist/cli.mjs: one file to
// read instead of hundreds. The commands are a separate entry (dist/commands.mjs) that oclif loads only to
// run a command; `--help` is answered from oclif.manifest.json without loading any of them.
import {execute} from '@oclif/core/execute'

export async function run(args: string[], entry: string): Promise<void> {
  await execute({args, dir: entry})
}
