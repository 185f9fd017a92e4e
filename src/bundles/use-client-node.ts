// What the bundled gateway imports as '@kubernetes/client-node' (scripts/bundle.mjs aliases it here):
// dist/client-node.cjs, loaded with the V8 code cache of bin/code-cache.cjs. (dist/commands.cjs is CommonJS:
// __dirname is dist/.)
import {join} from 'node:path'

const {requireWithCodeCache} = require(join(__dirname, '../bin/code-cache.cjs')) as {
  requireWithCodeCache: (file: string) => unknown
}
const client = requireWithCodeCache(join(__dirname, 'client-node.cjs')) as typeof import('@kubernetes/client-node')

export const {AppsV1Api, CoreV1Api, DiscoveryV1Api, Exec, KubeConfig, PortForward, Watch} = client
