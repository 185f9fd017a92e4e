#!/usr/bin/env node
// kubectl_complete-svc_inspect (npm): shell completion for `kubectl svc-inspect`, answered by the CLI's
// `__complete` (src/cli/complete.ts).
import {createRequire} from 'node:module'

process.argv.splice(2, 0, '__complete')
createRequire(import.meta.url)('./run.cjs')
