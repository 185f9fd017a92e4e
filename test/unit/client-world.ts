// The small world the --from tests share: a ClusterIP Service `web` (80 -> named port http, 8080) selecting one
// pod, a client pod `frontend-a`, and one CoreDNS pod in kube-system, all in `default` but the DNS pod.
import type {Pod, Service} from '../../src/model/k8s.js'
import {clusterIP, port} from './factories.js'
import {pod} from './recorded.js'

export function clientWorld(webClusterIP: string): {web: Service; webPod: Pod; frontend: Pod; coredns: Pod} {
  const base = clusterIP('web', webClusterIP, [port('http', 80, 'TCP', 8080)])
  return {
    web: {...base, spec: {...base.spec, selector: {app: 'web'}}},
    webPod: pod({name: 'web-a', ip: '10.244.0.5', labels: {app: 'web'}, ports: [{name: 'http', containerPort: 8080}]}),
    frontend: pod({name: 'frontend-a', ip: '10.244.0.9', labels: {app: 'frontend'}}),
    coredns: {
      ...pod({
        name: 'coredns-1',
        ip: '10.244.0.2',
        labels: {'k8s-app': 'kube-dns'},
        ports: [
          {name: 'dns', containerPort: 53, protocol: 'UDP'},
          {name: 'dns-tcp', containerPort: 53},
        ],
      }),
      metadata: {name: 'coredns-1', namespace: 'kube-system', labels: {'k8s-app': 'kube-dns'}},
    },
  }
}
