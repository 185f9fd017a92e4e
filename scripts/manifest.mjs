#!/usr/bin/env node
// Writes oclif.manifest.json the way `oclif manifest` does (Plugin.load with the manifest ignored), without
// installing the oclif CLI and its tree of dependencies just for this step.
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true})
await plugin.load()
const ids = Object.keys(plugin.manifest.commands)
if (ids.length === 0) throw new Error('no commands found: run tsc first')
writeFileSync(`${root}/oclif.manifest.json`, `${JSON.stringify(plugin.manifest, null, 2)}\n`)
console.error(`wrote oclif.manifest.json (${ids.length} commands: ${ids.join(', ')})`)
