// What the bundled commands import as '@oclif/core' (scripts/bundle.mjs aliases it here): the copy inside
// dist/cli.cjs that bin/run.cjs has already loaded, found in require's cache. A second copy of oclif would
// cost start-up time and split its classes in two.
import {createRequire} from 'node:module'

type Oclif = typeof import('@oclif/core')
const oclif: Oclif = createRequire(import.meta.url)('./cli.cjs')

export const {Args, Command, Flags} = oclif
