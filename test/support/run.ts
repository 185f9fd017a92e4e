// Helpers the CLI and e2e tests share: run the built CLI and kubectl as child processes.
import {spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = `${ROOT}bin/run.cjs`
/**
 * SVC_INSPECT_CLI=/path/to/kubectl-svc_inspect: the tests run that single executable (scripts/package.mjs)
 * instead, with no node on its PATH (test/e2e/run.sh runs one scenario so).
 */
const EXECUTABLE = process.env.SVC_INSPECT_CLI

/** PATH without the directories that hold a `node`. */
function pathWithoutNode(path = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir && !existsSync(join(dir, 'node')))
    .join(delimiter)
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the CLI as kubectl would (a separate process), with NO_COLOR so output is plain. */
export function cli(
  args: string[],
  options: {input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const [command, argv] = EXECUTABLE ? [EXECUTABLE, args] : [process.execPath, [CLI, ...args]]
    const child = spawn(command, argv, {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        ...options.env,
        ...(EXECUTABLE ? {PATH: pathWithoutNode(options.env?.PATH)} : {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
    child.stdin.end(options.input ?? '')
  })
}

export function kubectl(args: string[], input?: string): string {
  const result = spawnSync('kubectl', args, {encoding: 'utf8', input, env: process.env})
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr || result.stdout}`)
  return result.stdout
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls until check returns a truthy value or the deadline passes (then throws with the last value). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 90_000,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value) return value
      last = value
    } catch (error) {
      last = error
    }
    await sleep(intervalMs)
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000}s waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
  )
}
