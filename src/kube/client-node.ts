// The parts of @kubernetes/client-node the CLI uses, named: the gateway import()s this module, not the package,
// so that the bundle leaves out the rest of it (a dynamic import of the package itself would keep every export).
export {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  Exec,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  PortForward,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node'
