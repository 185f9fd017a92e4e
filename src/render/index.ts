// -o table|wide|json|yaml: one entry point so every command prints alike.
import type {ChalkInstance} from 'chalk'

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'junit'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export async function renderMachine(value: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`
  const {renderYaml} = await import('./yaml.js')
  return renderYaml(value)
}

export async function renderHuman<T>(value: T, render: (value: T, palette: ChalkInstance) => string, noColor: boolean): Promise<string> {
  const {paletteFor} = await import('./style.js')
  return render(value, paletteFor(process.stdout, noColor))
}

/**
 * A list as `JSON.stringify(list, null, 2)` prints it, written item by item: a scan of thousands of services
 * never builds its whole output as one string.
 */
export function writeJsonList(list: {items: unknown[]} & Record<string, unknown>, write: (chunk: string) => void): void {
  const indent = (text: string, spaces: string) => text.replaceAll('\n', `\n${spaces}`)
  const entries = Object.entries(list)
  write('{\n')
  entries.forEach(([key, value], index) => {
    const comma = index < entries.length - 1 ? ',' : ''
    if (key !== 'items') {
      write(`  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}${comma}\n`)
      return
    }
    if (list.items.length === 0) {
      write(`  "items": []${comma}\n`)
      return
    }
    write('  "items": [\n')
    list.items.forEach((item, itemIndex) => write(`    ${indent(JSON.stringify(item, null, 2), '    ')}${itemIndex < list.items.length - 1 ? ',' : ''}\n`))
    write(`  ]${comma}\n`)
  })
  write('}\n')
}
