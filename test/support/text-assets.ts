// `--import` after tsx: the sources import shell scripts (src/kube/resolver-batch.sh) as text, which the bundle
// does with esbuild's text loader (scripts/bundle.mjs); run from source, this hook does the same.
import {readFileSync} from 'node:fs'
import {registerHooks} from 'node:module'

registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.endsWith('.sh'))
      return {
        format: 'module',
        source: `export default ${JSON.stringify(readFileSync(new URL(url), 'utf8'))}`,
        shortCircuit: true,
      }
    return nextLoad(url, context)
  },
})
