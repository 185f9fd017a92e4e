// The assets the CLI carries in its bundle (esbuild's text loader, scripts/bundle.mjs): what the resolver pod runs
// must be, byte for byte, the script the unit tests check with sh -n and shellcheck and run against loopback DNS.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {runInNewContext} from 'node:vm'
import {ROOT} from '../support/run.js'

/** The JavaScript string literal that starts at `start` in `code` (its opening quote), evaluated. */
function stringLiteralAt(code: string, start: number): string {
  const quote = code[start]
  assert.ok(['`', '"', "'"].includes(quote), `a string literal at ${start}: ${code.slice(start, start + 20)}`)
  let end = start + 1
  while (code[end] !== quote) end += code[end] === '\\' ? 2 : 1
  return runInNewContext(code.slice(start, end + 1)) as string
}

describe('the bundle carries its assets', () => {
  it('src/kube/resolver-batch.sh, as text, byte for byte', () => {
    const script = readFileSync(join(ROOT, 'src/kube/resolver-batch.sh'), 'utf8')
    const bundle = readFileSync(join(ROOT, 'dist/svc-inspect.cjs'), 'utf8')
    const at = bundle.indexOf(script.slice(0, script.indexOf('\n')))
    assert.ok(at > 0, 'the script is in the bundle')
    assert.equal(stringLiteralAt(bundle, at - 1), script)
  })
})
