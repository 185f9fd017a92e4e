// Entry of dist/oclif.cjs, the start-up path: @oclif/core alone, as CommonJS so bin/run.cjs can load it with a
// V8 code cache (bin/code-cache.cjs; Node 20 has no compile cache for ES modules). The commands are a
// separate bundle (dist/commands.cjs) that oclif loads only to run a command; they take @oclif/core from
// this same copy (use-oclif.ts), and `--help` is answered from oclif.manifest.json without them.
// Subpath imports keep the rest of oclif's index out.
export {execute} from '@oclif/core/execute'
export * as Args from '@oclif/core/args'
export {Command} from '@oclif/core/command'
export * as Flags from '@oclif/core/flags'
