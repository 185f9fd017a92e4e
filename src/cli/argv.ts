// How kubectl-style arguments map onto the commands: `kubectl svc-inspect my-svc -n shop` is `inspect my-svc -n
// shop` (a first argument that is not a command, nor a root flag, means `inspect`), and `help [COMMAND]` is
// `[COMMAND] --help` (oclif's help command is a plugin the CLI does not ship).
const ROOT_FLAGS = new Set(['--help', '-h', '--version', '-v'])

export function commandArgv(argv: string[], commandIds: string[]): string[] {
  if (argv[0] === 'help') return [...argv.slice(1, 2), '--help']
  return argv.length === 0 || commandIds.includes(argv[0]) || ROOT_FLAGS.has(argv[0]) ? argv : ['inspect', ...argv]
}
