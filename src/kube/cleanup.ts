// Nothing the tool creates in a cluster is left behind, even on Ctrl-C: every created object registers its
// removal here before it is created, and SIGINT/SIGTERM run the removals before the process exits.
type Cleanup = () => Promise<void>

const pending = new Set<Cleanup>()
let installed = false
let exiting = false

export function registerCleanup(cleanup: Cleanup): () => Promise<void> {
  pending.add(cleanup)
  installSignalHandlers()
  return async () => {
    if (!pending.delete(cleanup)) return
    await cleanup()
  }
}

export async function runCleanups(): Promise<void> {
  const all = [...pending]
  pending.clear()
  await Promise.allSettled(all.map(cleanup => cleanup()))
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
