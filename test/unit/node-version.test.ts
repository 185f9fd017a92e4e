// The tests run under the project's own Node (scripts/node.sh), not the machine's: package.json's engines.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {it} from 'node:test'

it('runs under a Node that package.json engines accepts (scripts/node.sh brings Node 22)', () => {
  const {engines} = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  const minimum = Number(/^>=(\d+)$/.exec(engines.node)?.[1])
  assert.ok(minimum >= 22, `engines.node is ${engines.node}`)
  assert.ok(Number(process.versions.node.split('.')[0]) >= minimum, `running ${process.version}`)
})
