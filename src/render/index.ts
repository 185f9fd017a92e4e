// -o table|wide|json|yaml: one entry point so every command prints alike.
import type {ChalkInstance} from 'chalk'

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'junit'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export async function renderMachine(value: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`
  const {renderYaml} = await import('./yaml.js')
  return renderYaml(value)
}

export async function renderHuman<T>(
  value: T,
  render: (value: T, palette: ChalkInstance) => string,
  noColor: boolean,
): Promise<string> {
  const {paletteFor} = await import('./style.js')
  return render(value, paletteFor(process.stdout, noColor))
}

/**
 * A list as `JSON.stringify(list, null, 2)` prints it, produced item by item: a scan of thousands of
 * services never builds its whole output as one string.
 */
export function* jsonListChunks(list: {items: unknown[]} & Record<string, unknown>): Generator<string> {
  const indent = (text: string, spaces: string) => text.replaceAll('\n', `\n${spaces}`)
  const entries = Object.entries(list)
  yield '{\n'
  for (const [index, [key, value]] of entries.entries()) {
    const comma = index < entries.length - 1 ? ',' : ''
    if (key !== 'items') {
      yield `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}${comma}\n`
    } else if (list.items.length === 0) {
      yield `  "items": []${comma}\n`
    } else {
      yield '  "items": [\n'
      for (const [itemIndex, item] of list.items.entries()) {
        yield `    ${indent(JSON.stringify(item, null, 2), '    ')}${itemIndex < list.items.length - 1 ? ',' : ''}\n`
      }
      yield `  ]${comma}\n`
    }
  }
  yield '}\n'
}

/** Writes chunks, waiting whenever the stream's buffer is full (a pipe to a slow reader must not fill memory). */
export async function writeChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve))
  }
}
