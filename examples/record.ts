// Records the bundled example dumps (examples/dumps/) from the seed scenarios on the real local cluster:
//   KUBECONFIG=$(bash test/cluster/up.sh | tail -1) node --import tsx examples/record.ts
// The dumps are what `npm run demo` and the CLI tests inspect offline.
import {writeFileSync, mkdirSync} from 'node:fs'
import {stringify} from 'yaml'
import {applyScenario, deleteScenario, dumpNamespace, SCENARIOS, touchReady, waitEndpoints} from '../test/support/scenarios.js'
import {ROOT} from '../test/support/run.js'

const out = `${ROOT}examples/dumps`
mkdirSync(out, {recursive: true})
const save = (name: string, namespace: string) => {
  writeFileSync(`${out}/${name}.yaml`, `# Recorded from the local test cluster by examples/record.ts: kubectl get svc,endpointslices,pods,events -n ${namespace} -o yaml, plus kube-system/coredns.\n${stringify(JSON.parse(dumpNamespace(namespace)), {lineWidth: 0})}`)
  console.log(`wrote examples/dumps/${name}.yaml`)
}

for (const scenario of Object.values(SCENARIOS)) deleteScenario(scenario)
const {readiness, types, mongodb, ports} = SCENARIOS
await applyScenario(readiness)
save('000-headless-readiness', readiness.namespace)
touchReady(readiness.namespace, 'app=tomcat')
await waitEndpoints(readiness.namespace, 'test-headless-svc', 3, true)
save('000-headless-readiness-fixed', readiness.namespace)
await applyScenario(types)
save('001-service-types', types.namespace)
await applyScenario(mongodb)
save('002-headless-mongodb', mongodb.namespace)
await applyScenario(ports)
save('003-headless-port-mapping', ports.namespace)
for (const scenario of Object.values(SCENARIOS)) deleteScenario(scenario)
