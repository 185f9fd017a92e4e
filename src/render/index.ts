// -o table|wide|json|yaml: one entry point so every command prints alike.
import type {ChalkInstance} from 'chalk'

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'junit'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export async function renderMachine(value: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`
  const {stringify} = await import('yaml')
  return stringify(value, {lineWidth: 0})
}

export async function renderHuman<T>(value: T, render: (value: T, palette: ChalkInstance) => string, noColor: boolean): Promise<string> {
  const {paletteFor} = await import('./style.js')
  return render(value, paletteFor(process.stdout, noColor))
}
