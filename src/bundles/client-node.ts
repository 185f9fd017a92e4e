// Entry of dist/client-node.cjs: the parts of @kubernetes/client-node the gateway uses, as CommonJS so it
// loads with a V8 code cache (bin/code-cache.cjs): compiling its 3.5 MB is most of a cluster command's
// start-up on Node 20, which has no compile cache for ES modules.
export {AppsV1Api, CoreV1Api, DiscoveryV1Api, Exec, KubeConfig, PortForward, Watch} from '@kubernetes/client-node'
