// Nothing the tool creates in a cluster is left behind, even on Ctrl-C: every created object registers its
// removal here before it is created, and SIGINT/SIGTERM/SIGHUP run the removals before the process exits.
// A removal already under way when a signal arrives is waited for, not cut short by the exit.
type Cleanup = () => Promise<void>

const pending = new Set<Cleanup>()
const running = new Set<Promise<void>>()
let installed = false
let exiting = false

/** Registers a removal; the returned function runs it (once) and resolves when it is done. */
export function registerCleanup(cleanup: Cleanup): () => Promise<void> {
  pending.add(cleanup)
  installSignalHandlers()
  return () => start(cleanup)
}

function start(cleanup: Cleanup): Promise<void> {
  if (!pending.delete(cleanup)) return Promise.resolve()
  const run = cleanup().finally(() => running.delete(run))
  running.add(run)
  return run
}

/** Runs every registered removal and waits for those already running. */
export async function runCleanups(): Promise<void> {
  const started = [...pending].map((cleanup) => start(cleanup))
  await Promise.allSettled([...started, ...running])
}

function installSignalHandlers(): void {
  if (installed) return
  installed = true
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      if (exiting) return
      exiting = true
      process.stderr.write(`\n${signal === 'SIGINT' ? 'interrupted' : signal}: removing what svc-inspect created...\n`)
      const hardStop = setTimeout(() => process.exit(code), 15_000)
      hardStop.unref()
      void runCleanups().finally(() => process.exit(code))
    })
  }
}
