#!/usr/bin/env node
// kubectl runs this as `kubectl-svc_inspect` (kubectl svc-inspect ...): the whole CLI is dist/svc-inspect.cjs
// (src/bundles/main.ts). Node's compile cache keeps its compiled code between runs (NODE_DISABLE_COMPILE_CACHE=1
// turns it off); it lives in $XDG_CACHE_HOME/svc-inspect/node-compile-cache (else ~/.cache/...), or where
// NODE_COMPILE_CACHE says. CommonJS on purpose: an ES module entry makes Node set up its ESM loader first.
'use strict'
const {enableCompileCache} = require('node:module')
const {join} = require('node:path')

if (enableCompileCache && !process.env.NODE_COMPILE_CACHE) {
  const home = process.env.XDG_CACHE_HOME || (process.env.HOME && join(process.env.HOME, '.cache'))
  // Without a home, Node's default: the system's temporary directory.
  enableCompileCache(home ? join(home, 'svc-inspect', 'node-compile-cache') : undefined)
}
require('../dist/svc-inspect.cjs')
