// --from-file: objects as `kubectl get ... -o yaml|json` prints them, from a file or stdin.
import {readFile} from 'node:fs/promises'
import {parseAllDocuments} from 'yaml'
import type {ClusterObjects} from '../model/report.js'
import {InspectError} from '../errors.js'
import {collectObjects} from './objects.js'

export async function readObjectsFile(path: string): Promise<ClusterObjects> {
  const text = await readSource(path)
  const label = path === '-' ? 'stdin' : path
  const documents = parseAllDocuments(text)
  const values: unknown[] = []
  for (const document of documents) {
    const error = document.errors[0]
    if (error) {
      const line = error.linePos?.[0]?.line
      throw new InspectError(`${label}${line ? `:${line}` : ''}: not valid YAML or JSON: ${error.message.split('\n')[0]}`)
    }
    values.push(document.toJSON())
  }
  const objects = collectObjects(values)
  if (objects.services.length === 0) throw new InspectError(`${label} contains no Service`)
  return objects
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
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new InspectError(`cannot read ${path}: ${why}`)
  }
}
