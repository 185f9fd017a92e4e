import {readFile} from 'node:fs/promises'
import type {Expectation} from '../analyse/expectations.js'
import {InspectError} from '../errors.js'

/** Reads and validates a --expect DNS contract; a schema error names its line and exits 2. */
export async function readContract(path: string): Promise<Expectation[]> {
  const {parseExpectations} = await import('../analyse/expectations.js')
  const text = await readFile(path, 'utf8').catch(() => {
    throw new InspectError(`cannot read --expect ${path}: no such file`)
  })
  return parseExpectations(text, path)
}
