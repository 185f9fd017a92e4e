// Diagnosis rules, driven through buildReport (the path the CLI takes) with recorded-looking objects: pods as
// `kubectl get pod -o json` prints them, kubelet/scheduler events, controller-written EndpointSlices.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {Endpoints, EndpointSlice, KubeEvent, Pod, Service} from '../../src/model/k8s.js'
import type {ClusterDomainSource, Finding, ReadProblem, ServiceReport} from '../../src/model/report.js'
import {buildReport} from '../../src/analyse/report.js'
import {diagnose, RULES} from '../../src/analyse/diagnose.js'
import {
  controllerSlices,
  event,
  failedScheduling,
  NAMESPACE,
  pod,
  readinessFailed,
  recordedService,
  statefulPod,
} from './recorded.js'
import {legacyEndpoints} from './factories.js'

interface Inspect {
  service: Service
  pods?: Pod[]
  events?: KubeEvent[]
  /** Defaults to the slices the EndpointSlice controller would write for the pods. */
  slices?: EndpointSlice[]
  /** Read core/v1 Endpoints instead (no discovery.k8s.io/v1). */
  legacy?: Endpoints
  domainSource?: ClusterDomainSource
  readProblems?: ReadProblem[]
}

function inspect(input: Inspect): ServiceReport {
  const pods = input.pods ?? []
  return buildReport({
    service: input.service,
    endpointSlices: input.legacy ? undefined : (input.slices ?? controllerSlices(input.service, pods)),
    endpoints: input.legacy,
    pods,
    events: input.events ?? [],
    clusterDomain: {value: 'cluster.local', source: input.domainSource ?? 'coredns-configmap'},
    readProblems: input.readProblems ?? [],
  })
}

const codes = (report: ServiceReport) => report.findings.map((f) => f.code)
const all = (report: ServiceReport, code: string) => report.findings.filter((f) => f.code === code)

/** The one finding with `code` (and object, when given). */
function only(report: ServiceReport, code: string, object?: string): Finding {
  const found = all(report, code).filter((f) => object === undefined || f.object === object)
  assert.equal(
    found.length,
    1,
    `expected one ${code}${object ? ` about ${object}` : ''}, got: ${JSON.stringify(report.findings, null, 2)}`,
  )
  return found[0]
}

function includesAll(text: string, parts: string[], what: string): void {
  for (const part of parts)
    assert.ok(text.includes(part), `${what} should contain ${JSON.stringify(part)}\n  got: ${text}`)
}

/** These records ("name TYPE data") are among the report's expected records. */
function assertRecord(report: ServiceReport, ...lines: string[]): void {
  const have = report.records.map((r) => `${r.name} ${r.type} ${r.data}`)
  for (const line of lines) assert.ok(have.includes(line), `missing record ${line}\n  have: ${have.join('\n        ')}`)
}

function assertNoFinding(report: ServiceReport, code: string): void {
  assert.deepEqual(all(report, code), [], `no ${code} expected`)
}

interface Expect {
  code: string
  severity: Finding['severity']
  object: string
  message?: string[]
  hint?: string[]
}

function expectFinding(report: ServiceReport, want: Expect): Finding {
  const finding = only(report, want.code, want.object)
  assert.equal(finding.severity, want.severity, `${want.code} severity`)
  includesAll(finding.message, want.message ?? [], `${want.code} message`)
  includesAll(finding.hint, want.hint ?? [], `${want.code} hint`)
  return finding
}

// Pod names as a Deployment's ReplicaSet names them.
const P1 = 'web-7d4b9c7f6d-2xkqp'
const P2 = 'web-7d4b9c7f6d-9fjzt'
const HTTP_PROBE = {httpGet: {path: '/healthz', port: 8080, scheme: 'HTTP'}, periodSeconds: 10, failureThreshold: 3}

describe('diagnose: a healthy service', () => {
  it('ClusterIP with two ready pods: no findings at all, endpoints ready without a reason', () => {
    const report = inspect({
      service: recordedService('web'),
      pods: [
        pod({name: P1, ip: '10.244.1.5', readinessProbe: HTTP_PROBE}),
        pod({name: P2, ip: '10.244.2.7', readinessProbe: HTTP_PROBE}),
      ],
      events: [
        event({
          pod: pod({name: P1}),
          reason: 'Pulled',
          message: 'Container image "registry.example.com/shop/web:1.8.2" already present on machine',
          type: 'Normal',
        }),
      ],
    })
    assert.deepEqual(report.findings, [])
    assert.deepEqual(report.summary, {errors: 0, warnings: 0, infos: 0})
    assert.deepEqual(
      report.endpoints.map((e) => [e.address, e.ready, e.pod, e.reason]),
      [
        ['10.244.1.5', true, P1, undefined],
        ['10.244.2.7', true, P2, undefined],
      ],
    )
    assert.equal(report.endpointSource, 'EndpointSlice')
  })

  it('headless StatefulSet service with matching subdomain: no error or warning, hostnames in DNS', () => {
    const service = recordedService('db', {
      clusterIP: 'None',
      ports: [{name: 'pg', port: 5432, protocol: 'TCP', targetPort: 5432}],
    })
    const report = inspect({
      service,
      pods: [statefulPod('db-0', '10.244.0.10', 'db'), statefulPod('db-1', '10.244.0.11', 'db')],
    })
    assert.deepEqual(
      report.findings.filter((f) => f.severity !== 'info'),
      [],
    )
    assertRecord(report, 'db-0.db.default.svc.cluster.local. A 10.244.0.10')
    assertRecord(report, '_pg._tcp.db.default.svc.cluster.local. SRV 0 50 5432 db-1.db.default.svc.cluster.local.')
  })
})

describe('diagnose: NoEndpoints', () => {
  const rows: Array<{name: string; input: () => Inspect; message: string[]; hint: string[]}> = [
    {
      name: 'ClusterIP whose pods are all not ready: kube-proxy rejects connections',
      input: () => ({
        service: recordedService('web'),
        pods: [pod({name: P1, state: 'probe-failing'}), pod({name: P2, ip: '10.244.2.7', state: 'probe-failing'})],
      }),
      message: [
        'no ready endpoints',
        'all 2 endpoints are not ready',
        'connections to 10.96.120.15 are rejected by kube-proxy',
      ],
      hint: ['see the pod findings'],
    },
    {
      name: 'headless whose only pod is not ready: DNS answers NXDOMAIN',
      input: () => ({
        service: recordedService('web', {clusterIP: 'None'}),
        pods: [pod({name: P1, state: 'probe-failing'})],
      }),
      message: ['its only endpoint is not ready', 'DNS answers NXDOMAIN for web.default.svc.cluster.local.'],
      hint: ['pod findings'],
    },
    {
      name: 'selector that matches no pod',
      input: () => ({
        service: recordedService('web', {selector: {app: 'web', tier: 'frontend'}}),
        pods: [pod({name: P1})],
      }),
      message: ['0 pods match the selector'],
      hint: ['give the service a selector that matches running pods'],
    },
    {
      name: 'no selector and no hand-made endpoints',
      input: () => ({service: recordedService('legacy-db', {selector: undefined}), pods: [pod({name: P1})]}),
      message: ['the service has no selector and nobody created endpoints for it'],
      hint: ['create an EndpointSlice'],
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      const report = inspect(row.input())
      const finding = expectFinding(report, {
        code: 'NoEndpoints',
        severity: 'error',
        object: `service/${report.service.name}`,
        message: row.message,
        hint: row.hint,
      })
      assert.equal(report.findings[0], finding, 'errors sort first')
    })
  }

  it('one ready endpoint is enough: no NoEndpoints', () => {
    const report = inspect({
      service: recordedService('web'),
      pods: [pod({name: P1}), pod({name: P2, ip: '10.244.2.7', state: 'probe-failing'})],
    })
    assertNoFinding(report, 'NoEndpoints')
  })
})

describe('diagnose: ReadinessProbeFailing', () => {
  it('exec probe failing on every pod: error per pod, the kubelet event quoted, a kubectl exec to try', () => {
    const first = pod({name: P1, ip: '10.244.1.5', state: 'probe-failing'})
    const second = pod({name: P2, ip: '10.244.2.7', state: 'probe-failing'})
    const report = inspect({
      service: recordedService('web'),
      pods: [first, second],
      events: [readinessFailed(first), readinessFailed(second, 17)],
    })
    for (const [target, name] of [
      [first, P1],
      [second, P2],
    ] as const) {
      expectFinding(report, {
        code: 'ReadinessProbeFailing',
        severity: 'error',
        object: `pod/${name}`,
        message: [
          'readiness probe exec [cat /var/ready] of container app is failing',
          `"Readiness probe failed: cat: can't open '/var/ready': No such file or directory"`,
        ],
        hint: [
          'stays out of the endpoints',
          `kubectl exec -n default ${target.metadata.name} -c app -- cat /var/ready`,
        ],
      })
    }
    assert.deepEqual(
      report.endpoints.map((e) => e.reason),
      ['ReadinessProbeFailing', 'ReadinessProbeFailing'],
    )
  })

  it('severity is warning when other endpoints are still ready', () => {
    const failing = pod({name: P2, ip: '10.244.2.7', state: 'probe-failing'})
    const report = inspect({
      service: recordedService('web'),
      pods: [pod({name: P1}), failing],
      events: [readinessFailed(failing)],
    })
    expectFinding(report, {
      code: 'ReadinessProbeFailing',
      severity: 'warning',
      object: `pod/${P2}`,
      message: ["can't open '/var/ready'"],
    })
    assert.deepEqual(report.summary, {errors: 0, warnings: 1, infos: 0})
  })

  const quoteRows: Array<{
    name: string
    probe?: typeof HTTP_PROBE
    events: (target: Pod) => KubeEvent[]
    message: string[]
    hint?: string[]
  }> = [
    {
      name: 'http-get probe, no event yet: the probe in kubectl describe words, "no Unhealthy event"',
      probe: HTTP_PROBE,
      events: () => [],
      message: [
        'readiness probe http-get http://:8080/healthz of container app is failing (no Unhealthy event recorded yet)',
      ],
      hint: ['check that container app answers http-get http://:8080/healthz'],
    },
    {
      name: 'an Unhealthy event about an earlier pod of the same name (other uid) is not quoted',
      events: (target) => [
        {
          ...readinessFailed(target),
          involvedObject: {...readinessFailed(target).involvedObject, uid: '0b1e2c3d-0000-4000-8000-00000000dead'},
        },
      ],
      message: ['(no Unhealthy event recorded yet)'],
    },
    {
      name: 'a Liveness probe Unhealthy event is not a readiness failure',
      events: (target) => [
        event({
          pod: target,
          reason: 'Unhealthy',
          message: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
        }),
      ],
      message: ['(no Unhealthy event recorded yet)'],
    },
    {
      name: 'the newest readiness event is the one quoted',
      events: (target) => [
        event({
          pod: target,
          reason: 'Unhealthy',
          message: 'Readiness probe failed: timeout: failed to connect service',
          lastTimestamp: '2024-05-14T09:12:30Z',
        }),
        readinessFailed(target, 40, '2024-05-14T09:41:27Z'),
        event({
          pod: target,
          reason: 'Unhealthy',
          message:
            'Readiness probe errored: rpc error: code = Unknown desc = failed to exec in container: container is in CONTAINER_EXITED state',
          lastTimestamp: '2024-05-14T09:30:00Z',
        }),
      ],
      message: [`: "Readiness probe failed: cat: can't open '/var/ready': No such file or directory"`],
    },
    {
      // The events API writes eventTime to the microsecond and no lastTimestamp; core/v1 writers, to the second.
      name: 'events timed to the microsecond and to the second are ordered by time, not as text',
      events: (target) => [
        {
          ...event({pod: target, reason: 'Unhealthy', message: 'Readiness probe failed: the newer one'}),
          firstTimestamp: undefined,
          lastTimestamp: undefined,
          eventTime: '2024-05-14T09:41:27.250000Z',
        },
        event({
          pod: target,
          reason: 'Unhealthy',
          message: 'Readiness probe failed: the older one',
          lastTimestamp: '2024-05-14T09:41:27Z',
        }),
      ],
      message: ['"Readiness probe failed: the newer one"'],
    },
    {
      name: 'a multi-line event message is quoted on one line',
      events: (target) => [
        event({
          pod: target,
          reason: 'Unhealthy',
          message: 'Readiness probe failed: HTTP probe failed with statuscode: 503\n  body: not ready\n',
        }),
      ],
      message: ['"Readiness probe failed: HTTP probe failed with statuscode: 503 body: not ready"'],
    },
  ]
  for (const row of quoteRows) {
    it(row.name, () => {
      const target = pod({name: P1, state: 'probe-failing', ...(row.probe ? {readinessProbe: row.probe} : {})})
      const report = inspect({service: recordedService('web'), pods: [target], events: row.events(target)})
      expectFinding(report, {
        code: 'ReadinessProbeFailing',
        severity: 'error',
        object: `pod/${P1}`,
        message: row.message,
        hint: row.hint,
      })
    })
  }

  it('not raised for a pod that is not ready but has no readiness probe', () => {
    const report = inspect({
      service: recordedService('web'),
      pods: [pod({name: P1, state: 'no-probe-not-ready', readinessProbe: null})],
    })
    assertNoFinding(report, 'ReadinessProbeFailing')
    assert.equal(report.endpoints[0].reason, 'NotReady')
  })

  it('not raised for a crash-looping pod (PodNotRunning says why instead)', () => {
    const target = pod({name: P1, state: 'crashloop'})
    const report = inspect({service: recordedService('web'), pods: [target], events: [readinessFailed(target)]})
    assertNoFinding(report, 'ReadinessProbeFailing')
    assert.equal(all(report, 'PodNotRunning').length, 1, 'one PodNotRunning')
  })
})

describe('diagnose: SelectorMatchesNoPods', () => {
  const web = (labels: Record<string, string>, name = P1) => pod({name, labels})

  it('shows the nearest pods with their labels and the keys that differ', () => {
    const report = inspect({
      service: recordedService('web', {selector: {app: 'web', tier: 'frontend'}}),
      pods: [
        web({app: 'api', 'pod-template-hash': '5c9f8d7b4'}, 'api-5c9f8d7b4-lq2mz'),
        web({app: 'web', tier: 'backend', 'pod-template-hash': '7d4b9c7f6d'}),
      ],
    })
    const finding = expectFinding(report, {
      code: 'SelectorMatchesNoPods',
      severity: 'error',
      object: 'service/web',
      message: ['selector app=web,tier=frontend matches none of the 2 pods in namespace default'],
      hint: [
        `nearest: pod/${P1} [app=web,tier=backend,pod-template-hash=7d4b9c7f6d]: tier=backend (want frontend)`,
        'pod/api-5c9f8d7b4-lq2mz [app=api,pod-template-hash=5c9f8d7b4]: app=api (want web), no label tier (want frontend)',
      ],
    })
    assert.ok(
      finding.hint.indexOf(P1) < finding.hint.indexOf('api-5c9f8d7b4-lq2mz'),
      'the pod matching more keys comes first',
    )
  })

  it('a typo in the selector value: the differing key shows both values', () => {
    const report = inspect({
      service: recordedService('web', {selector: {app: 'wbe'}}),
      pods: [web({app: 'web', 'pod-template-hash': '7d4b9c7f6d'})],
    })
    expectFinding(report, {
      code: 'SelectorMatchesNoPods',
      severity: 'error',
      object: 'service/web',
      hint: ['app=web (want wbe)'],
    })
  })

  it('at most three nearest pods are listed', () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((suffix) => web({app: `other-${suffix}`}, `other-${suffix}-6f7c9-abcde`))
    const report = inspect({service: recordedService('web'), pods})
    const finding = only(report, 'SelectorMatchesNoPods')
    assert.equal(finding.hint.match(/pod\//g)?.length, 3)
    assert.match(finding.message, /none of the 5 pods/)
  })

  it('not raised when the pods could not be read (the selector may well match): ReadFailed says why', () => {
    const problem = {
      what: 'pods',
      message: 'pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "default"',
    }
    const report = inspect({service: recordedService('web'), pods: [], readProblems: [problem]})
    assertNoFinding(report, 'SelectorMatchesNoPods')
    expectFinding(report, {code: 'ReadFailed', severity: 'warning', object: 'pods', message: ['pods is forbidden']})
  })

  it('not raised when the endpoints name pods we were not shown (a dump without pods)', () => {
    const target = pod({name: P1})
    const report = inspect({
      service: recordedService('web'),
      pods: [],
      slices: controllerSlices(recordedService('web'), [target]),
    })
    assertNoFinding(report, 'SelectorMatchesNoPods')
    assert.deepEqual(
      report.endpoints.map((e) => e.pod),
      [P1],
    )
  })

  it('empty namespace: says so', () => {
    const report = inspect({service: recordedService('web'), pods: []})
    expectFinding(report, {
      code: 'SelectorMatchesNoPods',
      severity: 'error',
      object: 'service/web',
      message: ['none of the 0 pods'],
      hint: ['namespace default has no pods'],
    })
  })
})

describe('diagnose: PodNotRunning', () => {
  const rows: Array<{
    name: string
    pods: () => Pod[]
    events?: (pods: Pod[]) => KubeEvent[]
    object: string
    severity: Finding['severity']
    message: string[]
    hint: string[]
    noMessage?: string[]
  }> = [
    {
      name: 'Pending, unschedulable: the scheduler message from PodScheduled',
      pods: () => [pod({name: P1, state: 'unschedulable'})],
      events: (pods) => [failedScheduling(pods[0])],
      object: `pod/${P1}`,
      severity: 'error',
      message: [
        'Pending: not scheduled: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found',
      ],
      hint: ['scheduler'],
      noMessage: ['restart'],
    },
    {
      name: 'Pending, unschedulable, reason only in the FailedScheduling event',
      pods: () => [pod({name: P1, state: 'unschedulable', schedulerMessageInEventOnly: true})],
      events: (pods) => [failedScheduling(pods[0])],
      object: `pod/${P1}`,
      severity: 'error',
      message: ['Pending: not scheduled: 0/1 nodes are available: 1 Insufficient cpu.'],
      hint: ['kubectl describe pod'],
      noMessage: ['preemption'],
    },
    {
      name: 'CrashLoopBackOff: the back-off message, last exit and restart count',
      pods: () => [pod({name: P1, state: 'crashloop'})],
      object: `pod/${P1}`,
      severity: 'error',
      message: [
        'CrashLoopBackOff: container app: CrashLoopBackOff (back-off 5m0s restarting failed container=app pod=web-7d4b9c7f6d-2xkqp_default(',
        '; last exit Error 1',
        '(7 restarts)',
      ],
      hint: ['kubectl logs --previous'],
    },
    {
      name: 'ImagePullBackOff: the image that cannot be pulled',
      pods: () => [pod({name: P1, state: 'image-pull', image: 'registry.example.com/shop/web:1.9.0-rc'})],
      object: `pod/${P1}`,
      severity: 'error',
      message: [
        'ImagePullBackOff: container app: ImagePullBackOff (Back-off pulling image "registry.example.com/shop/web:1.9.0-rc")',
      ],
      hint: ['check its name, tag and imagePullSecrets'],
      noMessage: ['restart'],
    },
    {
      name: 'CrashLoopBackOff while another pod serves: warning',
      pods: () => [pod({name: P1}), pod({name: P2, ip: '10.244.2.7', state: 'crashloop'})],
      object: `pod/${P2}`,
      severity: 'warning',
      message: ['CrashLoopBackOff', '(7 restarts)'],
      hint: ['--previous'],
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      const pods = row.pods()
      const report = inspect({service: recordedService('web'), pods, events: row.events?.(pods)})
      const finding = expectFinding(report, {
        code: 'PodNotRunning',
        severity: row.severity,
        object: row.object,
        message: row.message,
        hint: row.hint,
      })
      for (const absent of row.noMessage ?? [])
        assert.ok(!finding.message.includes(absent), `message should not mention ${absent}: ${finding.message}`)
    })
  }

  it('the endpoint REASON column carries the pod trouble', () => {
    const report = inspect({
      service: recordedService('web'),
      pods: [pod({name: P1, state: 'crashloop'}), pod({name: P2, ip: '10.244.2.7', state: 'image-pull'})],
    })
    assert.deepEqual(
      report.endpoints.map((e) => e.reason),
      ['CrashLoopBackOff', 'ImagePullBackOff'],
    )
  })
})

describe('diagnose: PodTerminating', () => {
  it('a terminating pod during a rollout: warning, no other pod finding for it', () => {
    const report = inspect({
      service: recordedService('web'),
      pods: [pod({name: P1, state: 'terminating'}), pod({name: P2, ip: '10.244.2.7'})],
    })
    expectFinding(report, {
      code: 'PodTerminating',
      severity: 'warning',
      object: `pod/${P1}`,
      message: ['terminating since 2024-05-14T09:40:00Z', 'no longer ready'],
      hint: ['finalizer'],
    })
    assert.deepEqual(
      report.findings.filter((f) => f.object === `pod/${P1}`).map((f) => f.code),
      ['PodTerminating'],
    )
    assert.equal(report.endpoints.find((e) => e.pod === P1)?.reason, 'Terminating')
    assert.equal(report.endpoints.find((e) => e.pod === P1)?.terminating, true)
  })
})

describe('diagnose: NamedTargetPortNotFound', () => {
  it('no selected pod declares the named targetPort: error', () => {
    const service = recordedService('web', {ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 'web-http'}]})
    const report = inspect({service, pods: [pod({name: P1}), pod({name: P2, ip: '10.244.2.7'})]})
    expectFinding(report, {
      code: 'NamedTargetPortNotFound',
      severity: 'error',
      object: 'service/web',
      message: [
        'port http (80) targets the named port "web-http", which 2 of 2 pods do not declare',
        `pod/${P1}`,
        'such pods get no endpoint for this port',
      ],
      hint: ['declare containerPort name "web-http"', '(the pods declare http/8080)'],
    })
  })

  it('mid-rollout, only the new pods lack it: warning naming only them', () => {
    const service = recordedService('web', {ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 'http'}]})
    const renamed = pod({
      name: 'web-84f6c5d9b7-k2v8n',
      ip: '10.244.2.9',
      ports: [{name: 'web', containerPort: 8080, protocol: 'TCP'}],
    })
    const report = inspect({service, pods: [pod({name: P1}), renamed]})
    const finding = expectFinding(report, {
      code: 'NamedTargetPortNotFound',
      severity: 'warning',
      object: 'service/web',
      message: ['which 1 of 2 pods do not declare (pod/web-84f6c5d9b7-k2v8n)'],
      hint: ['(the pods declare web/8080)'],
    })
    assert.ok(!finding.message.includes(P1), `the pod that declares the port is not named: ${finding.message}`)
  })
})

describe('diagnose: TargetPortNotDeclared', () => {
  const rows: Array<{
    name: string
    service: () => Service
    ports: Array<{name?: string; containerPort: number; protocol?: string}>
    severity: Finding['severity'] | null
    message?: string[]
    hint?: string[]
  }> = [
    {
      name: 'targetPort 8080 while the pods declare http/80: warning',
      service: () => recordedService('web'),
      ports: [{name: 'http', containerPort: 80, protocol: 'TCP'}],
      severity: 'warning',
      message: [
        'targetPort 8080/TCP of port http (80) is not declared by any container of the selected pods (they declare http/80)',
      ],
      hint: ['set targetPort to it'],
    },
    {
      name: 'pods declare no ports at all: info only (declaring is optional)',
      service: () => recordedService('web'),
      ports: [],
      severity: 'info',
      message: ['targetPort 8080/TCP'],
      hint: ['declaring containerPort is optional'],
    },
    {
      name: 'protocol counts: 53/UDP is not 53/TCP',
      service: () =>
        recordedService('dns', {
          selector: {app: 'web'},
          ports: [{name: 'dns', port: 53, protocol: 'UDP', targetPort: 53}],
        }),
      ports: [{name: 'dns-tcp', containerPort: 53, protocol: 'TCP'}],
      severity: 'warning',
      message: ['targetPort 53/UDP of port dns (53)', 'they declare dns-tcp/53'],
    },
    {
      name: 'targetPort omitted defaults to the port, which is declared: nothing',
      service: () => recordedService('web', {ports: [{name: 'http', port: 8080, protocol: 'TCP'}]}),
      ports: [{name: 'http', containerPort: 8080, protocol: 'TCP'}],
      severity: null,
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      const service = row.service()
      const report = inspect({service, pods: [pod({name: P1, ports: row.ports})]})
      if (row.severity === null) return assertNoFinding(report, 'TargetPortNotDeclared')
      expectFinding(report, {
        code: 'TargetPortNotDeclared',
        severity: row.severity,
        object: `service/${service.metadata.name}`,
        message: row.message,
        hint: row.hint,
      })
    })
  }
})

describe('diagnose: HeadlessPortMismatch', () => {
  const listening8000 = [{name: 'http', containerPort: 8000, protocol: 'TCP'}]
  const rows: Array<{
    name: string
    spec: Partial<Service['spec']>
    finding: boolean
    message?: string[]
    hint?: string[]
  }> = [
    {
      name: 'headless port 80 -> targetPort 8000: clients dialing :80 reach nothing; the SRV name carries 8000',
      spec: {clusterIP: 'None', ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 8000}]},
      finding: true,
      message: [
        'port 80 -> targetPort 8000',
        'clients dialing web:80 reach the pod IPs on port 80',
        'pods listen on 8000',
      ],
      hint: ['SRV _http._tcp.web.default.svc.cluster.local.', 'it carries 8000', 'set port: 8000'],
    },
    {
      name: 'named targetPort resolved through the pod spec to 8000',
      spec: {clusterIP: 'None', ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 'http'}]},
      finding: true,
      message: ['port 80 -> targetPort 8000'],
      hint: ['_http._tcp.web.default.svc.cluster.local.'],
    },
    {
      name: 'unnamed port: the SRV to read is the bare service name',
      spec: {clusterIP: 'None', ports: [{port: 80, protocol: 'TCP', targetPort: 8000}]},
      finding: true,
      hint: ['read it from SRV web.default.svc.cluster.local. (it carries 8000)'],
    },
    {
      name: 'headless with port == targetPort: fine',
      spec: {clusterIP: 'None', ports: [{name: 'http', port: 8000, protocol: 'TCP', targetPort: 8000}]},
      finding: false,
    },
    {
      name: 'ClusterIP 80 -> 8000 is translated by kube-proxy: fine',
      spec: {ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 8000}]},
      finding: false,
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      const report = inspect({service: recordedService('web', row.spec), pods: [pod({name: P1, ports: listening8000})]})
      if (!row.finding) return assertNoFinding(report, 'HeadlessPortMismatch')
      expectFinding(report, {
        code: 'HeadlessPortMismatch',
        severity: 'warning',
        object: 'service/web',
        message: row.message,
        hint: row.hint,
      })
      // The expected records agree with the finding: SRV carries the pod port.
      assertRecord(report, 'web.default.svc.cluster.local. SRV 0 100 8000 10-244-1-5.web.default.svc.cluster.local.')
    })
  }
})

describe('diagnose: PodSubdomainMismatch', () => {
  const db = () =>
    recordedService('db', {clusterIP: 'None', ports: [{name: 'pg', port: 5432, protocol: 'TCP', targetPort: 5432}]})
  const rows: Array<{name: string; subdomain: string | undefined; message: string[]}> = [
    {
      name: 'StatefulSet serviceName points at another service',
      subdomain: 'db-headless',
      message: ['pod has hostname "db-0" but subdomain "db-headless", not "db"', 'no db-0.db record'],
    },
    {name: 'hostname without subdomain', subdomain: undefined, message: ['subdomain ""', 'only a dashed-IP name']},
  ]
  for (const row of rows) {
    it(row.name, () => {
      const report = inspect({service: db(), pods: [statefulPod('db-0', '10.244.0.10', row.subdomain)]})
      expectFinding(report, {
        code: 'PodSubdomainMismatch',
        severity: 'warning',
        object: 'pod/db-0',
        message: row.message,
        hint: ['set spec.subdomain', '"db"'],
      })
      // As the finding says: the controller wrote no hostname, so DNS has the dashed name only.
      const names = report.records.map((r) => r.name)
      assert.ok(names.includes('10-244-0-10.db.default.svc.cluster.local.'), `dashed name in ${names.join(' ')}`)
      assert.ok(!names.includes('db-0.db.default.svc.cluster.local.'), `no hostname name in ${names.join(' ')}`)
    })
  }
})

describe('diagnose: NoSelector', () => {
  it('selector-less service with a hand-made EndpointSlice: info, how many addresses, the label to use', () => {
    const service = recordedService('legacy-db', {
      selector: undefined,
      ports: [{name: 'pg', port: 5432, protocol: 'TCP', targetPort: 5432}],
    })
    const manual: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'legacy-db-1',
        namespace: NAMESPACE,
        labels: {'kubernetes.io/service-name': 'legacy-db', 'endpointslice.kubernetes.io/managed-by': 'cluster-admin'},
      },
      addressType: 'IPv4',
      endpoints: [{addresses: ['192.168.10.5']}],
      ports: [{name: 'pg', port: 5432, protocol: 'TCP'}],
    }
    const report = inspect({service, pods: [pod({name: P1})], slices: [manual]})
    expectFinding(report, {
      code: 'NoSelector',
      severity: 'info',
      object: 'service/legacy-db',
      message: ['no selector', 'managed by hand (1 address found)'],
      hint: ['kubernetes.io/service-name=legacy-db'],
    })
    assert.deepEqual(codes(report), ['NoSelector'])
  })
})

describe('diagnose: ClusterDomainAssumed', () => {
  const rows: Array<{source: ClusterDomainSource; raised: boolean}> = [
    {source: 'default', raised: true},
    {source: 'coredns-configmap', raised: false},
    {source: 'flag', raised: false},
    {source: 'resolv.conf', raised: false},
  ]
  for (const row of rows) {
    it(`cluster domain from ${row.source}: ${row.raised ? 'info' : 'nothing'}`, () => {
      const report = inspect({service: recordedService('web'), pods: [pod({name: P1})], domainSource: row.source})
      if (!row.raised) return assertNoFinding(report, 'ClusterDomainAssumed')
      expectFinding(report, {
        code: 'ClusterDomainAssumed',
        severity: 'info',
        object: 'configmap/kube-system/coredns',
        message: ['assuming cluster.local'],
        hint: ['--cluster-domain'],
      })
    })
  }
})

describe('diagnose: PublishNotReadyAddresses', () => {
  it('not-ready pods still published: info, and their probe failure is only a warning (DNS still has endpoints)', () => {
    const service = recordedService('db', {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      ports: [{name: 'pg', port: 5432, protocol: 'TCP', targetPort: 5432}],
    })
    const failing = statefulPod('db-1', '10.244.0.11', 'db', 'probe-failing')
    const report = inspect({
      service,
      pods: [statefulPod('db-0', '10.244.0.10', 'db', 'probe-failing'), failing],
      events: [readinessFailed(failing)],
    })
    expectFinding(report, {
      code: 'PublishNotReadyAddresses',
      severity: 'info',
      object: 'service/db',
      message: ['publishNotReadyAddresses is set: 2 not-ready pods still get DNS records'],
      hint: ['peer discovery'],
    })
    assertNoFinding(report, 'NoEndpoints')
    expectFinding(report, {
      code: 'ReadinessProbeFailing',
      severity: 'warning',
      object: 'pod/db-1',
      message: ["can't open '/var/ready'"],
    })
    assertRecord(report, 'db-1.db.default.svc.cluster.local. A 10.244.0.11')
    assert.deepEqual(report.mustNotResolve, [])
  })

  it('set, but every pod ready: nothing to say', () => {
    const service = recordedService('db', {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      ports: [{name: 'pg', port: 5432, protocol: 'TCP', targetPort: 5432}],
    })
    const report = inspect({service, pods: [statefulPod('db-0', '10.244.0.10', 'db')]})
    assertNoFinding(report, 'PublishNotReadyAddresses')
  })
})

describe('diagnose: ExternalName', () => {
  const externalName = (target: string): Service =>
    ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'payments-db',
        namespace: NAMESPACE,
        uid: 'b1f0c2a4-77aa-4d3e-9e51-2c0d9b6f1a10',
        creationTimestamp: '2024-05-14T09:12:03Z',
      },
      spec: {type: 'ExternalName', externalName: target, sessionAffinity: 'None'},
      status: {loadBalancer: {}},
    }) as unknown as Service

  it('externalName that is an IP address: ExternalNameIsAddress error, no endpoint/selector findings', () => {
    const report = inspect({service: externalName('192.0.2.10'), pods: [pod({name: P1})]})
    expectFinding(report, {
      code: 'ExternalNameIsAddress',
      severity: 'error',
      object: 'service/payments-db',
      message: ['externalName 192.0.2.10 is an IP address', 'does not resolve'],
      hint: ['use a DNS name', 'EndpointSlice'],
    })
    assert.deepEqual(codes(report), ['ExternalNameIsAddress'])
    assert.equal(report.endpointSource, 'none')
    assert.deepEqual(
      report.mustNotResolve.map((a) => a.name),
      ['payments-db.default.svc.cluster.local.'],
    )
  })

  it('externalName that is a DNS name: no findings, one CNAME', () => {
    const report = inspect({service: externalName('payments.rds.example.com'), pods: []})
    assert.deepEqual(report.findings, [])
    assert.deepEqual(
      report.records.map((r) => `${r.type} ${r.data}`),
      ['CNAME payments.rds.example.com.'],
    )
  })
})

describe('diagnose: EndpointsAPIFallback', () => {
  it('cluster without discovery.k8s.io/v1: info, endpoints read from core/v1 Endpoints', () => {
    const report = inspect({
      service: recordedService('web'),
      pods: [pod({name: P1}), pod({name: P2, ip: '10.244.2.7', state: 'probe-failing'})],
      legacy: legacyEndpoints('web', [{ip: '10.244.1.5', pod: P1}], [{ip: '10.244.2.7', pod: P2}]),
    })
    expectFinding(report, {
      code: 'EndpointsAPIFallback',
      severity: 'info',
      object: 'service/web',
      message: ['EndpointSlices are not served', 'core/v1 Endpoints'],
      hint: ['terminating and serving conditions are not available'],
    })
    assert.equal(report.endpointSource, 'Endpoints')
    assert.deepEqual(
      report.endpoints.map((e) => [e.address, e.ready, e.reason]),
      [
        ['10.244.1.5', true, undefined],
        ['10.244.2.7', false, 'ReadinessProbeFailing'],
      ],
    )
  })
})

describe('diagnose: ReadFailed', () => {
  it('a forbidden read becomes a warning about that read', () => {
    const problem = {
      what: 'events',
      message:
        'events is forbidden: User "system:serviceaccount:ci:viewer" cannot list resource "events" in API group "" in the namespace "default"',
    }
    const report = inspect({service: recordedService('web'), pods: [pod({name: P1})], readProblems: [problem]})
    expectFinding(report, {
      code: 'ReadFailed',
      severity: 'warning',
      object: 'events',
      message: [
        'could not read events: events is forbidden: User "system:serviceaccount:ci:viewer" cannot list resource "events"',
      ],
      hint: ['kubectl auth can-i'],
    })
  })
})

describe('diagnose: a scanned namespace that may not be read (forbidden lists)', () => {
  // What scan's per-namespace gather (KubeGateway.gatherNamespace) notes when RBAC refuses its lists: a 403 from
  // the authorizer is "<resource> is forbidden: User ... cannot list resource ..." (k8s.io/apiserver
  // pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage). What was not read proves nothing: no
  // NoEndpoints, no SelectorMatchesNoPods; each refused read is a ReadFailed warning.
  const forbidden = (resource: string): ReadProblem => ({
    what: `${resource} in ${NAMESPACE}`,
    resource,
    message: `Forbidden: ${resource} is forbidden: User "system:serviceaccount:ci:partial" cannot list resource "${resource}" in API group "" in the namespace "${NAMESPACE}"`,
  })
  const selectorless = recordedService('web', {selector: undefined})
  const rows: Array<{
    name: string
    service: Service
    pods?: Pod[]
    slices?: EndpointSlice[]
    readProblems: ReadProblem[]
    want: Array<[string, string, string]>
  }> = [
    {
      name: 'slices and pods refused: only the two ReadFailed warnings',
      service: recordedService('web'),
      slices: [],
      readProblems: [forbidden('endpointslices'), forbidden('pods')],
      want: [
        ['ReadFailed', 'warning', `endpointslices in ${NAMESPACE}`],
        ['ReadFailed', 'warning', `pods in ${NAMESPACE}`],
      ],
    },
    {
      name: 'a selector-less Service whose slices are refused: its NoSelector info says they could not be read',
      service: selectorless,
      slices: [],
      readProblems: [forbidden('endpointslices'), forbidden('pods')],
      want: [
        ['ReadFailed', 'warning', `endpointslices in ${NAMESPACE}`],
        ['ReadFailed', 'warning', `pods in ${NAMESPACE}`],
        ['NoSelector', 'info', 'service/web'],
      ],
    },
    {
      name: 'slices read and empty, pods refused: NoEndpoints still holds (the slices say so), no SelectorMatchesNoPods',
      service: recordedService('web'),
      slices: [],
      readProblems: [forbidden('pods')],
      want: [
        ['NoEndpoints', 'error', 'service/web'],
        ['ReadFailed', 'warning', `pods in ${NAMESPACE}`],
      ],
    },
    {
      name: 'the same Service with everything readable and no pods: NoEndpoints and SelectorMatchesNoPods, as before',
      service: recordedService('web'),
      slices: [],
      readProblems: [],
      want: [
        ['NoEndpoints', 'error', 'service/web'],
        ['SelectorMatchesNoPods', 'error', 'service/web'],
      ],
    },
  ]
  for (const row of rows)
    it(row.name, () => {
      const report = inspect({service: row.service, pods: row.pods, slices: row.slices, readProblems: row.readProblems})
      assert.deepEqual(
        report.findings.map((finding) => [finding.code, finding.severity, finding.object]),
        row.want,
      )
    })

  it('the words: NoEndpoints with the pods unread does not count pods; NoSelector with the slices unread', () => {
    const noPods = inspect({service: recordedService('web'), slices: [], readProblems: [forbidden('pods')]})
    assert.equal(
      only(noPods, 'NoEndpoints').message,
      'no ready endpoints (no EndpointSlice lists an address; the pods could not be read); connections to 10.96.120.15 are rejected by kube-proxy',
    )
    const unreadSlices = inspect({service: selectorless, slices: [], readProblems: [forbidden('endpointslices')]})
    assert.equal(
      only(unreadSlices, 'NoSelector').message,
      'the service has no selector: its endpoints are managed by hand (they could not be read)',
    )
  })
})

describe('diagnose: ordering and summary', () => {
  it('findings sort error, warning, info; summary counts them', () => {
    const crashing = pod({name: P2, ip: '10.244.2.7', state: 'crashloop'})
    const report = inspect({
      service: recordedService('web', {ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 'web-http'}]}),
      pods: [pod({name: P1, state: 'probe-failing'}), crashing],
      domainSource: 'default',
      readProblems: [{what: 'configmap/kube-system/coredns', message: 'configmaps "coredns" is forbidden'}],
    })
    const order = {error: 0, warning: 1, info: 2}
    const severities = report.findings.map((f) => f.severity)
    assert.deepEqual(
      severities,
      [...severities].sort((a, b) => order[a] - order[b]),
    )
    assert.deepEqual([...new Set(severities)], ['error', 'warning', 'info'])
    assert.deepEqual(report.summary, {
      errors: severities.filter((s) => s === 'error').length,
      warnings: severities.filter((s) => s === 'warning').length,
      infos: severities.filter((s) => s === 'info').length,
    })
  })

  it('diagnose() is callable on its own and every rule is wired in', () => {
    assert.equal(RULES.length, 15)
    const findings = diagnose({
      service: recordedService('web'),
      endpoints: [],
      endpointSource: 'none',
      pods: [],
      events: [],
      clusterDomain: 'cluster.local',
      clusterDomainSource: 'default',
      readProblems: [],
    })
    assert.deepEqual(findings.map((f) => f.code).sort(), [
      'ClusterDomainAssumed',
      'NoEndpoints',
      'SelectorMatchesNoPods',
    ])
  })
})
