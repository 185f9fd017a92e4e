// What the bundled commands import as '@oclif/core' (scripts/bundle.mjs aliases it here): the copy in
// dist/oclif.cjs that bin/run.cjs has already loaded, found in require's cache. A second copy of oclif would
// cost start-up time and split its classes in two.
import {createRequire} from 'node:module'

const oclif: typeof import('@oclif/core') = createRequire(import.meta.url)('./oclif.cjs')

export const {Args, Command, Flags} = oclif
