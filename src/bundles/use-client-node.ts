// What the bundled gateway imports as '@kubernetes/client-node' (scripts/bundle.mjs aliases it here):
// dist/client-node.cjs, loaded with the V8 code cache of bin/code-cache.cjs.
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

const requireHere = createRequire(import.meta.url)
const {requireWithCodeCache} = requireHere('../bin/code-cache.cjs') as {requireWithCodeCache: (file: string) => unknown}
const client = requireWithCodeCache(fileURLToPath(new URL('./client-node.cjs', import.meta.url))) as typeof import('@kubernetes/client-node')

export const {CoreV1Api, DiscoveryV1Api, Exec, KubeConfig, PortForward, Watch} = client
