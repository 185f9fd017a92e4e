// `inspect --from` on the real local cluster, whose NetworkPolicies kube-network-policies enforces (test/cluster):
// for each case the static verdict, the live evidence from the client pod's own network namespace (an ephemeral
// container) and the findings must say the same thing. Cases: default-deny ingress; allow from a namespace label
// plus a pod label on a named port; a policy on the wrong port; an egress deny that blocks DNS; egress allowing DNS
// but not the Service; ipBlock with except; a client with a dnsConfig (ndots, search) of its own. Then RBAC without
// ephemeral containers, and clients that are not there.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {after, before, describe, it} from 'node:test'
import type {ClientSection, Finding, ServiceReport} from '../../src/model/report.js'
import {cli, kubectl, ROOT, waitFor} from '../support/run.js'
import {clusterZone, RESOLVER_ARGS, RESOLVER_IMAGE, waitEndpoints, waitPods} from '../support/scenarios.js'

const NS = 'e2e-netpol'
const CLIENTS = 'e2e-netpol-client'
const dir = mkdtempSync(`${tmpdir()}/svc-inspect-client-`)
const SERVERS = ['deny', 'named', 'wrongport', 'open', 'ipblock']
const CLIENT_PODS = ['client', 'other', 'nodns', 'dnsonly', 'ndots']

const server = (name: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${NS}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: ${name === 'named' ? 'http' : '8080'}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: web
        image: localhost/svc-inspect/server:v1
        imagePullPolicy: Never
        ports: [{name: http, containerPort: 8080}]
`

const clientPod = (name: string, extra = '') => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${CLIENTS}, labels: {role: ${name}}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ${RESOLVER_IMAGE}
    imagePullPolicy: Never
    command: [sleep, "3600"]
${extra}`

const workload = `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${CLIENTS}, labels: {team: frontend}}
---
${SERVERS.map(server).join('---\n')}
---
${CLIENT_PODS.filter((name) => name !== 'ndots')
  .map((name) => clientPod(name))
  .join('---\n')}
---
${clientPod(
  'ndots',
  `  dnsConfig:
    searches: [corp.example]
    options: [{name: ndots, value: "1"}]`,
)}
`

const toKubeDns = (protocols: string[]) => `
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [${protocols.map((protocol) => `{protocol: ${protocol}, port: 53}`).join(', ')}]`
const toOpen = `
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${NS}}}, podSelector: {matchLabels: {app: open}}}]
    ports: [{port: 8080}]`

/** The policies; ipBlock's except names the `other` client's address, known once it runs. */
const policies = (otherIP: string) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all-ingress, namespace: ${NS}}
spec:
  podSelector: {matchLabels: {app: deny}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-clients, namespace: ${NS}}
spec:
  podSelector: {matchLabels: {app: named}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: frontend}}, podSelector: {matchLabels: {role: client}}}]
    ports: [{port: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: metrics-only, namespace: ${NS}}
spec:
  podSelector: {matchLabels: {app: wrongport}}
  ingress:
  - ports: [{port: 9090}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: pod-range, namespace: ${NS}}
spec:
  podSelector: {matchLabels: {app: ipblock}}
  ingress:
  - from: [{ipBlock: {cidr: 10.244.0.0/16, except: [${otherIP}/32]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-open, namespace: ${CLIENTS}}
spec:
  podSelector: {matchLabels: {role: nodns}}
  policyTypes: [Egress]
  egress:${toOpen}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-dns, namespace: ${CLIENTS}}
spec:
  podSelector: {matchLabels: {role: dnsonly}}
  policyTypes: [Egress]
  egress:${toKubeDns(['UDP', 'TCP'])}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: udp-dns-and-open, namespace: ${CLIENTS}}
spec:
  podSelector: {matchLabels: {role: ndots}}
  policyTypes: [Egress]
  egress:${toKubeDns(['UDP'])}${toOpen}
`

const podIP = (namespace: string, name: string) =>
  kubectl(['get', 'pod', name, '-n', namespace, '-o', 'jsonpath={.status.podIP}']).trim()
const serverIP = (name: string) =>
  kubectl(['get', 'pods', '-n', NS, '-l', `app=${name}`, '-o', 'jsonpath={.items[0].status.podIP}']).trim()

/** Every ephemeral container in the client namespace, `POD/CONTAINER` (what --from has added so far). */
const ephemeralContainers = () =>
  kubectl([
    'get',
    'pods',
    '-n',
    CLIENTS,
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}/{.spec.ephemeralContainers[*].name}{"\\n"}{end}',
  ])

/** A TCP connect from a client pod with busybox nc (the enforcement itself, seen without svc-inspect). */
function connects(client: string, ip: string, port: number): boolean {
  try {
    kubectl(['exec', '-n', CLIENTS, client, '--', 'sh', '-c', `echo | nc -w 2 ${ip} ${port} >/dev/null`])
    return true
  } catch {
    return false
  }
}

async function inspect(
  service: string,
  client: string,
  extra: string[] = [],
): Promise<{code: number | null; report: ServiceReport; stderr: string}> {
  const result = await cli([
    service,
    '-n',
    NS,
    '--from',
    client,
    '--from-namespace',
    CLIENTS,
    '-o',
    'json',
    ...RESOLVER_ARGS,
    ...extra,
  ])
  assert.ok(result.stdout.startsWith('{'), `no JSON: ${result.stdout.slice(0, 300)} / ${result.stderr}`)
  return {code: result.code, report: JSON.parse(result.stdout) as ServiceReport, stderr: result.stderr}
}

const codes = (report: ServiceReport) => report.findings.map((finding) => finding.code)
/** The findings with that code; the NetworkPolicy ones about the client only (not the Service's access line). */
const named = (report: ServiceReport, code: string): Finding[] =>
  report.findings.filter(
    (finding) => finding.code === code && (!code.startsWith('NetworkPolicy') || finding.object === report.client?.pod),
  )
/** The endpoint paths without their static summaries: verdict, live state, agreement. */
const paths = (client: ClientSection | undefined) =>
  client?.paths.map(({endpoint, port, protocol, allowed, live, agrees}) => ({
    endpoint,
    port,
    protocol,
    allowed,
    live,
    agrees,
  }))

const POLICY_PORT_HINT =
  "a NetworkPolicy drops the client's connection (see NetworkPolicyBlocksIngress/Egress): the timeout is the policy, not the pod"

describe('--from on a cluster that enforces NetworkPolicy', {timeout: 900_000}, () => {
  let dnsIP = ''
  before(async () => {
    kubectl(['apply', '-f', '-'], workload)
    for (const name of SERVERS) {
      await waitPods(NS, `app=${name}`, 1, true)
      await waitEndpoints(NS, name, 1, true)
    }
    for (const name of CLIENT_PODS) await waitPods(CLIENTS, `role=${name}`, 1, true)
    kubectl(['apply', '-f', '-'], policies(podIP(CLIENTS, 'other')))
    dnsIP = kubectl(['get', 'service', 'kube-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.clusterIP}']).trim()
    // The policies are in force once the enforcement drops what they deny (and still passes what they allow).
    await waitFor('the policies enforced', () => !connects('client', serverIP('deny'), 8080), 60_000, 1000)
    await waitFor('the egress policies enforced', () => !connects('nodns', serverIP('named'), 8080), 60_000, 1000)
    assert.ok(connects('client', serverIP('open'), 8080), 'a pod no policy selects is reachable')
  })
  after(() => {
    kubectl(['delete', 'namespace', NS, CLIENTS, '--ignore-not-found', '--wait=false'])
    kubectl(['delete', 'clusterrolebinding', 'e2e-netpol-reader', '--ignore-not-found'])
  })

  it('default-deny ingress: denied, the connects time out, NetworkPolicyBlocksIngress, and the timeouts name the policy', async () => {
    const {code, report} = await inspect('deny', 'client')
    const ip = serverIP('deny')
    assert.equal(code, 1, JSON.stringify(report.findings))
    assert.deepEqual(paths(report.client), [
      {endpoint: ip, port: 8080, protocol: 'TCP', allowed: false, live: 'timeout', agrees: true},
    ])
    assert.deepEqual(
      report.client?.live?.clusterIPs.map(({state, allowed, agrees}) => ({state, allowed, agrees})),
      [{state: 'timeout', allowed: false, agrees: true}],
    )
    assert.deepEqual(report.client?.live?.dns, {nameserver: dnsIP, udp: true, tcp: true, agrees: true})
    const blocked = named(report, 'NetworkPolicyBlocksIngress')
    assert.equal(blocked.length, 1, JSON.stringify(report.findings))
    assert.match(blocked[0].message, /deny-all-ingress/)
    assert.deepEqual(
      named(report, 'PortUnreachable').map((finding) => finding.hint),
      [POLICY_PORT_HINT, POLICY_PORT_HINT],
    )
    assert.ok(!codes(report).includes('LiveEvidenceDisagrees'), JSON.stringify(report.findings))
  })

  it('allow from a namespace label plus a pod label, on a named port: that client is allowed and connects; another pod of its namespace is denied and dropped', async () => {
    const ip = serverIP('named')
    const allowed = await inspect('named', 'client')
    assert.equal(allowed.code, 0, JSON.stringify(allowed.report.findings))
    assert.deepEqual(paths(allowed.report.client), [
      {endpoint: ip, port: 8080, protocol: 'TCP', allowed: true, live: 'open', agrees: true},
    ])
    assert.deepEqual(
      allowed.report.findings.filter((finding) => finding.severity !== 'info'),
      [],
      'nothing to report',
    )

    const denied = await inspect('named', 'other')
    assert.equal(denied.code, 1)
    assert.deepEqual(paths(denied.report.client), [
      {endpoint: ip, port: 8080, protocol: 'TCP', allowed: false, live: 'timeout', agrees: true},
    ])
    const blocked = named(denied.report, 'NetworkPolicyBlocksIngress')
    assert.equal(blocked.length, 1)
    // The nearest rule is named, with what differs: the pod label.
    assert.match(blocked[0].message, /frontend-clients/)
    assert.match(blocked[0].message, /role/)
    assert.ok(!codes(denied.report).includes('LiveEvidenceDisagrees'))
  })

  it('a policy on the wrong port: denied on 8080 (the rule names 9090), the connect times out', async () => {
    const {code, report} = await inspect('wrongport', 'client')
    assert.equal(code, 1)
    assert.deepEqual(paths(report.client), [
      {endpoint: serverIP('wrongport'), port: 8080, protocol: 'TCP', allowed: false, live: 'timeout', agrees: true},
    ])
    const blocked = named(report, 'NetworkPolicyBlocksIngress')
    assert.equal(blocked.length, 1)
    assert.match(blocked[0].message, /metrics-only/)
    assert.match(blocked[0].message, /9090/)
    assert.ok(!codes(report).includes('LiveEvidenceDisagrees'))
  })

  it("egress that blocks DNS: NetworkPolicyBlocksDns, and the client's nameserver does not answer over UDP or TCP", async () => {
    const {code, report} = await inspect('open', 'nodns')
    assert.equal(code, 1)
    assert.deepEqual(report.client?.dnsAllowed, {udp: false, tcp: false})
    assert.deepEqual(report.client?.live?.dns, {nameserver: dnsIP, udp: false, tcp: false, agrees: true})
    // Its egress allows the Service's pods: that path is allowed and connects.
    assert.deepEqual(paths(report.client), [
      {endpoint: serverIP('open'), port: 8080, protocol: 'TCP', allowed: true, live: 'open', agrees: true},
    ])
    assert.equal(named(report, 'NetworkPolicyBlocksDns')[0]?.severity, 'error', JSON.stringify(report.findings))
    const timeouts = named(report, 'DNSTimeout')
    assert.ok(timeouts.length >= 1, JSON.stringify(report.findings))
    assert.ok(
      timeouts.every((finding) => /NetworkPolicyBlocksDns/.test(finding.hint)),
      JSON.stringify(timeouts),
    )
    assert.ok(!codes(report).includes('LiveEvidenceDisagrees'))
  })

  it('egress that allows DNS but not the Service: DNS answers, NetworkPolicyBlocksEgress, the connect times out', async () => {
    const {code, report} = await inspect('open', 'dnsonly')
    assert.equal(code, 1)
    assert.deepEqual(report.client?.live?.dns, {nameserver: dnsIP, udp: true, tcp: true, agrees: true})
    assert.deepEqual(paths(report.client), [
      {endpoint: serverIP('open'), port: 8080, protocol: 'TCP', allowed: false, live: 'timeout', agrees: true},
    ])
    assert.equal(named(report, 'NetworkPolicyBlocksEgress').length, 1, JSON.stringify(report.findings))
    assert.ok(!codes(report).includes('NetworkPolicyBlocksDns'))
    assert.ok(
      report.records.every((record) => record.status === 'match'),
      JSON.stringify(report.records),
    )
    assert.ok(!codes(report).includes('LiveEvidenceDisagrees'))
  })

  it('ipBlock with except: an address inside the CIDR is allowed and connects; the excepted one is denied and dropped', async () => {
    const ip = serverIP('ipblock')
    const inside = await inspect('ipblock', 'client')
    assert.equal(inside.code, 0, JSON.stringify(inside.report.findings))
    assert.deepEqual(paths(inside.report.client), [
      {endpoint: ip, port: 8080, protocol: 'TCP', allowed: true, live: 'open', agrees: true},
    ])
    const excepted = await inspect('ipblock', 'other')
    assert.equal(excepted.code, 1)
    assert.deepEqual(paths(excepted.report.client), [
      {endpoint: ip, port: 8080, protocol: 'TCP', allowed: false, live: 'timeout', agrees: true},
    ])
    assert.match(named(excepted.report, 'NetworkPolicyBlocksIngress')[0].message, /except/)
    assert.ok(!codes(excepted.report).includes('LiveEvidenceDisagrees'))
  })

  it('a client with a dnsConfig of its own (ndots:1, an extra search domain) and egress to DNS on UDP only: its own resolv.conf, UDP answered, TCP not, as the policy says', async () => {
    const {code, report} = await inspect('open', 'ndots')
    // Only TCP 53 blocked is a warning: no error, exit 0.
    assert.equal(code, 0, JSON.stringify(report.findings))
    const resolver = report.client?.live?.resolver
    assert.equal(resolver?.nameserver, dnsIP)
    assert.deepEqual(resolver?.options, ['ndots:1'])
    assert.equal(resolver?.search.at(-1), 'corp.example')
    assert.equal(resolver?.search[0], `${CLIENTS}.svc.${report.clusterDomain}`)
    // The static prediction from the pod's spec (dnsPolicy, dnsConfig) is what the kubelet wrote.
    assert.equal(resolver?.agrees, true, JSON.stringify(report.client?.resolver))
    assert.deepEqual(report.client?.resolver?.options, ['ndots:1'])
    // Its own lookup, asked from the pod: the last name tried is the Service's, and it answered with its record.
    const tries = report.client?.lookup?.tries ?? []
    assert.equal(tries.at(-1)?.name, `open.${NS}.svc.${report.clusterDomain}.`, JSON.stringify(tries))
    assert.deepEqual(tries.at(-1)?.live, {rcode: 'NOERROR', records: 1})
    assert.deepEqual(report.client?.dnsAllowed, {udp: true, tcp: false})
    assert.deepEqual(report.client?.live?.dns, {nameserver: dnsIP, udp: true, tcp: false, agrees: true})
    assert.equal(named(report, 'NetworkPolicyBlocksDns')[0]?.severity, 'warning')
    assert.deepEqual(paths(report.client), [
      {endpoint: serverIP('open'), port: 8080, protocol: 'TCP', allowed: true, live: 'open', agrees: true},
    ])
    // Answered over UDP: the records are there.
    assert.ok(
      report.records.every((record) => record.status === 'match'),
      JSON.stringify(report.records),
    )
    assert.ok(!codes(report).includes('LiveEvidenceDisagrees'))
  })

  it('the table shows both side by side, and says the ephemeral container stays in the spec; it has exited', async () => {
    const result = await cli(['deny', '-n', NS, '--from', 'client', '--from-namespace', CLIENTS, ...RESOLVER_ARGS])
    assert.equal(result.code, 1, result.stderr)
    const section = result.stdout.slice(result.stdout.indexOf(`FROM pod/${CLIENTS}/client`))
    assert.match(
      section,
      /^FROM pod\/e2e-netpol-client\/client \(live: ephemeral container svc-inspect-[0-9a-f]{5}\)\n/,
    )
    assert.match(section, /\nTARGET +KIND +STATIC +LIVE +AGREE\n/)
    assert.match(section, /\n[0-9.]+:8080\/TCP +endpoint +denied +timeout +yes\n/)
    assert.match(section, /\n[0-9.]+:53\/UDP +DNS +allowed +answered +yes\n/)
    assert.match(
      section,
      /\nnote: Kubernetes keeps an ephemeral container in the pod's spec until the pod is replaced; this one exits as soon as the check is done and uses nothing after\n/,
    )
    const container = section.match(/ephemeral container (svc-inspect-[0-9a-f]{5})/)![1]
    await waitFor(
      `ephemeral container ${container} terminated`,
      () =>
        kubectl([
          'get',
          'pod',
          'client',
          '-n',
          CLIENTS,
          '-o',
          `jsonpath={.status.ephemeralContainerStatuses[?(@.name=="${container}")].state.terminated.exitCode}`,
        ]).trim() === '0',
      15_000,
    )
  })

  it('RBAC without pods/ephemeralcontainers: the static verdicts and a ResolverUnavailable warning, exit code from them; with svc-inspect-client, the live check', async () => {
    kubectl(['apply', '-f', `${ROOT}deploy/rbac.yaml`])
    kubectl(['create', 'serviceaccount', 'reader', '-n', CLIENTS])
    kubectl([
      'create',
      'clusterrolebinding',
      'e2e-netpol-reader',
      '--clusterrole',
      'svc-inspect-reader',
      `--serviceaccount=${CLIENTS}:reader`,
    ])
    const admin = JSON.parse(kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']))
    const kubeconfig = `${dir}/reader.kubeconfig`
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'local', cluster: admin.clusters[0].cluster}],
        users: [{name: 'reader', user: {token: kubectl(['create', 'token', 'reader', '-n', CLIENTS]).trim()}}],
        contexts: [{name: 'reader', context: {cluster: 'local', user: 'reader', namespace: NS}}],
        'current-context': 'reader',
      }),
    )
    const refused = await inspect('named', 'client', ['--kubeconfig', kubeconfig])
    assert.equal(refused.code, 0, refused.stderr)
    const warning = named(refused.report, 'ResolverUnavailable')
    assert.equal(warning.length, 1, JSON.stringify(refused.report.findings))
    assert.match(warning[0].message, /may not add an ephemeral container to pod e2e-netpol-client\/client: Forbidden/)
    assert.match(warning[0].hint, /svc-inspect-client/)
    assert.deepEqual(refused.report.client?.live, {
      note: 'no ephemeral container was added to the pod',
      unavailable: warning[0].message,
      clusterIPs: [],
    })
    assert.deepEqual(
      refused.report.client?.paths.map((path) => path.allowed),
      [true],
    )
    // A denied path is still an error without the live check: the exit code comes from the findings.
    const refusedDeny = await inspect('deny', 'client', ['--kubeconfig', kubeconfig])
    assert.equal(refusedDeny.code, 1)
    assert.ok(codes(refusedDeny.report).includes('NetworkPolicyBlocksIngress'))

    kubectl([
      'create',
      'rolebinding',
      'e2e-netpol-client',
      '-n',
      CLIENTS,
      '--clusterrole',
      'svc-inspect-client',
      `--serviceaccount=${CLIENTS}:reader`,
    ])
    const granted = await inspect('named', 'client', ['--kubeconfig', kubeconfig])
    assert.equal(granted.code, 0, JSON.stringify(granted.report.findings) + granted.stderr)
    assert.deepEqual(paths(granted.report.client)?.[0].live, 'open')
    assert.ok(!codes(granted.report).includes('ResolverUnavailable'), JSON.stringify(granted.report.findings))
  })

  it("dig --from: the question is asked with the client's resolv.conf (its search path) and through its egress", async () => {
    const asked = await cli([
      'dig',
      `open.${NS}`,
      '--from',
      'ndots',
      '--from-namespace',
      CLIENTS,
      '-o',
      'json',
      ...RESOLVER_ARGS,
    ])
    assert.equal(asked.code, 0, asked.stderr)
    const result = JSON.parse(asked.stdout) as {
      resolvedName: string
      resolver: {pod: string; ephemeralContainer: string; search: string[]; options: string[]}
      note: string
    }
    assert.equal(result.resolvedName, `open.${NS}.svc.${clusterZone()}.`)
    assert.equal(result.resolver.pod, `${CLIENTS}/ndots`)
    assert.match(result.resolver.ephemeralContainer, /^svc-inspect-[0-9a-f]{5}$/)
    assert.deepEqual(result.resolver.options, ['ndots:1'])
    assert.equal(result.resolver.search.at(-1), 'corp.example')
    assert.match(result.note, /^Kubernetes keeps an ephemeral container in the pod's spec until the pod is replaced/)
    // The client whose egress drops DNS gets no answer: the name does not resolve, exit 1.
    const dropped = await cli(['dig', `open.${NS}`, '--from', 'nodns', '--from-namespace', CLIENTS, ...RESOLVER_ARGS])
    assert.equal(dropped.code, 1, dropped.stdout + dropped.stderr)
    assert.match(dropped.stdout, /TIMEOUT/)
  })

  for (const row of [
    {
      name: 'a client pod that does not exist',
      args: ['--from', 'nobody', '--from-namespace', CLIENTS],
      stderr: `error: --from pod/nobody: not found in namespace "${CLIENTS}"\n`,
    },
    {
      name: 'a client namespace that does not exist',
      args: ['--from', 'client', '--from-namespace', 'e2e-netpol-nowhere'],
      stderr: 'error: --from: namespace "e2e-netpol-nowhere" not found\n',
    },
    {
      name: 'a client pod that is not running (unschedulable)',
      setup: () => kubectl(['apply', '-f', '-'], clientPod('pending', '  nodeSelector: {svc-inspect-e2e: nowhere}')),
      args: ['--from', 'pending', '--from-namespace', CLIENTS],
      stderr: `error: --from pod/pending: no running pod (pending Pending)\n`,
    },
  ]) {
    it(`${row.name}: one line, exit 2, nothing added`, async () => {
      row.setup?.()
      const before = ephemeralContainers()
      const result = await cli(['open', '-n', NS, ...row.args, ...RESOLVER_ARGS])
      assert.equal(result.code, 2, result.stderr)
      assert.equal(result.stdout, '')
      assert.equal(result.stderr, row.stderr)
      // The client is found before anything is added to any pod.
      assert.equal(ephemeralContainers(), before)
    })
  }
})
