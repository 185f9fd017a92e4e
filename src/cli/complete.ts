// kubectl_complete-svc_inspect: shell completion for `kubectl svc-inspect` (kubectl >= 1.26 runs it with the
// words typed after the plugin name, the last one being completed, and reads Cobra's __complete format:
// one candidate per line, then `:<directive>`). Service names come from `kubectl get services` with the
// same -n/--context/--kubeconfig the user typed. The CLI runs this for `__complete WORDS...`: bin/complete.js
// (npm) and the script beside the single executable ask it that way.
import {spawnSync} from 'node:child_process'
import type {Interfaces} from '@oclif/core'

const NO_FILE_COMPLETION = 4

export async function complete(words: string[], manifest: Interfaces.Manifest): Promise<void> {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  const commands = Object.keys(manifest.commands)
  const command = commands.includes(before[0]) ? before[0] : 'inspect'

  const flagValue = (names: string[]): string | undefined => {
    for (let i = 0; i < before.length; i++) {
      const word = before[i]
      for (const name of names) {
        if (word === name) return before[i + 1]
        if (word.startsWith(`${name}=`)) return word.slice(name.length + 1)
      }
    }
    return undefined
  }

  const kubectl = (args: string[]): string[] => {
    const passthrough = []
    const namespace = flagValue(['-n', '--namespace'])
    const context = flagValue(['--context'])
    const kubeconfig = flagValue(['--kubeconfig'])
    if (namespace && args[1] !== 'namespaces') passthrough.push('-n', namespace)
    if (context) passthrough.push('--context', context)
    if (kubeconfig) passthrough.push('--kubeconfig', kubeconfig)
    const result = spawnSync('kubectl', [...args, ...passthrough, '--request-timeout=5s'], {encoding: 'utf8'})
    return result.status === 0 ? result.stdout.split(/\s+/).filter(Boolean) : []
  }

  let candidates: string[] = []
  if (current.startsWith('-')) {
    const flags = manifest.commands[command]?.flags ?? {}
    candidates = Object.values(flags).flatMap((flag) => [
      `--${flag.name}`,
      ...('char' in flag && flag.char ? [`-${flag.char}`] : []),
    ])
  } else if (['-n', '--namespace'].includes(before.at(-1) ?? '')) {
    candidates = kubectl(['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}'])
  } else {
    const positional = before.filter(
      (word, index) =>
        !word.startsWith('-') &&
        !(before[index - 1] ?? '').match(
          /^-(n|o|f|l)$|^--(namespace|output|context|kubeconfig|cluster|user|image|from-file|selector|timeout|via|expect)$/,
        ),
    )
    if (positional.length === 0) candidates.push(...commands.filter((id) => id !== 'inspect'))
    const wantsService =
      positional.length === 0 || (positional.length === 1 && ['inspect', 'hosts'].includes(positional[0]))
    if (wantsService) candidates.push(...kubectl(['get', 'services', '-o', 'jsonpath={.items[*].metadata.name}']))
  }

  for (const candidate of candidates.filter((candidate) => candidate.startsWith(current)))
    process.stdout.write(`${candidate}\n`)
  process.stdout.write(`:${NO_FILE_COMPLETION}\n`)
}
