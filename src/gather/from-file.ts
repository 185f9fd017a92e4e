// --from-file: objects as `kubectl get ... -o yaml|json` prints them, from a file or stdin.
import {readFile} from 'node:fs/promises'
import type {ClusterObjects} from '../model/report.js'
import {InspectError} from '../errors.js'
import {collectObjects} from './objects.js'

export async function readObjectsFile(path: string): Promise<ClusterObjects> {
  const text = await readSource(path)
  const label = path === '-' ? 'stdin' : path
  const objects = collectObjects(/^\s*[[{]/.test(text) ? [parseJson(text, label)] : await parseYaml(text, label))
  if (objects.services.length === 0) throw new InspectError(`${label} contains no Service`)
  return objects
}

/** `kubectl get -o json` output: JSON.parse is an order of magnitude faster than a YAML parser on large dumps. */
function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const position = Number((error as Error).message.match(/position (\d+)/)?.[1])
    const line = Number.isFinite(position) ? text.slice(0, position).split('\n').length : undefined
    throw new InspectError(
      `${label}${line ? `:${line}` : ''}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
    )
  }
}

/** The YAML parser is loaded only for YAML: a JSON dump does without it. */
async function parseYaml(text: string, label: string): Promise<unknown[]> {
  const {parseAllDocuments} = await import('yaml')
  const documents = parseAllDocuments(text)
  const values: unknown[] = []
  for (const document of documents) {
    const error = document.errors[0]
    if (error) {
      const line = error.linePos?.[0]?.line
      throw new InspectError(
        `${label}${line ? `:${line}` : ''}: not valid YAML or JSON: ${error.message.split('\n')[0]}`,
      )
    }
    values.push(document.toJSON())
  }
  return values
}

async function readSource(path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    }
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message
    throw new InspectError(`cannot read ${path}: ${why}`)
  }
}
