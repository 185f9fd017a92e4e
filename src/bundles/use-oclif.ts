// What the bundled commands import as '@oclif/core' (scripts/bundle.mjs aliases it here): the copy in
// dist/oclif.cjs that bin/run.cjs has already loaded, found in require's cache. A second copy of oclif would
// cost start-up time and split its classes in two. (dist/commands.cjs is CommonJS: __dirname is dist/.)
import {join} from 'node:path'

const oclif = require(join(__dirname, 'oclif.cjs')) as typeof import('@oclif/core')

export const {Args, Command, Flags} = oclif
