// A synthetic `kubectl get svc,endpointslices,pods -A -o json` dump: N services over N/100 namespaces, each with
// `perService` ready endpoints (and their pods), as the EndpointSlice controller would write them.
export function generateDump(services, perService) {
  const items = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {name: 'coredns', namespace: 'kube-system'},
      data: {Corefile: '.:53 {\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n}\n'},
    },
  ]
  let ip = 0
  const nextIP = () => {
    ip += 1
    return `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`
  }
  for (let index = 0; index < services; index++) {
    const namespace = `ns-${Math.floor(index / 100)}`
    const name = `svc-${index}`
    const headless = index % 3 === 0
    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name, namespace, labels: {app: name}},
      spec: {
        type: 'ClusterIP',
        clusterIP: headless ? 'None' : `10.96.${(index >> 8) & 255}.${index & 255}`,
        clusterIPs: headless ? ['None'] : [`10.96.${(index >> 8) & 255}.${index & 255}`],
        selector: {app: name},
        ports: [{name: 'http', port: 80, targetPort: 8080, protocol: 'TCP'}],
      },
    })
    const endpoints = []
    for (let member = 0; member < perService; member++) {
      const address = nextIP()
      const pod = `${name}-${member}`
      endpoints.push({
        addresses: [address],
        conditions: {ready: true, serving: true, terminating: false},
        nodeName: 'node-1',
        targetRef: {kind: 'Pod', name: pod, namespace},
      })
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name: pod, namespace, labels: {app: name}},
        spec: {
          nodeName: 'node-1',
          containers: [{name: 'app', image: 'app:1', ports: [{containerPort: 8080, name: 'http'}]}],
        },
        status: {
          phase: 'Running',
          podIP: address,
          podIPs: [{ip: address}],
          conditions: [{type: 'Ready', status: 'True'}],
          containerStatuses: [{name: 'app', ready: true, restartCount: 0, state: {running: {}}}],
        },
      })
    }
    items.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {name: `${name}-abcde`, namespace, labels: {'kubernetes.io/service-name': name}},
      addressType: 'IPv4',
      ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
      endpoints,
    })
  }
  return JSON.stringify({apiVersion: 'v1', kind: 'List', items})
}
