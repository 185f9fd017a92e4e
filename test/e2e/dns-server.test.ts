// The DNS server profile on the real cluster: the release and options are read from it, and the expected records
// follow a non-default Corefile (endpoint_pod_names) exactly as the cluster's CoreDNS then answers.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import type {ServiceReport} from '../../src/model/report.js'
import {cli, kubectl, waitFor} from '../support/run.js'
import {applyScenario, clusterZone, deleteScenario, RESOLVER_ARGS, SCENARIOS} from '../support/scenarios.js'

const scenario = SCENARIOS.ports
let zone = ''
let originalCorefile = ''

async function inspect(extra: string[] = []): Promise<{code: number | null; report: ServiceReport}> {
  const result = await cli(['svc-chroma', '-n', scenario.namespace, '-o', 'json', ...RESOLVER_ARGS, ...extra])
  assert.ok(result.stdout.startsWith('{'), `no JSON: ${result.stdout.slice(0, 200)} / ${result.stderr}`)
  return {code: result.code, report: JSON.parse(result.stdout) as ServiceReport}
}

function coreDnsPods(): Array<{name: string; ready: boolean; deleting: boolean}> {
  return JSON.parse(kubectl(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'json'])).items.map(
    (pod: {
      metadata: {name: string; deletionTimestamp?: string}
      status: {conditions?: Array<{type: string; status: string}>}
    }) => ({
      name: pod.metadata.name,
      deleting: Boolean(pod.metadata.deletionTimestamp),
      ready: (pod.status.conditions ?? []).some(
        (condition) => condition.type === 'Ready' && condition.status === 'True',
      ),
    }),
  )
}

/** New CoreDNS pods read the ConfigMap at start: a rollout applies a changed Corefile at once. */
async function applyCorefile(corefile: string): Promise<void> {
  const before = new Set(coreDnsPods().map((pod) => pod.name))
  kubectl([
    'patch',
    'configmap',
    'coredns',
    '-n',
    'kube-system',
    '--type',
    'merge',
    '-p',
    JSON.stringify({data: {Corefile: corefile}}),
  ])
  kubectl(['rollout', 'restart', 'deployment', 'coredns', '-n', 'kube-system'])
  kubectl(['rollout', 'status', 'deployment', 'coredns', '-n', 'kube-system', '--timeout=120s'])
  await waitFor('only new, ready CoreDNS pods', () => {
    const pods = coreDnsPods()
    return pods.length === 2 && pods.every((pod) => pod.ready && !pod.deleting && !before.has(pod.name))
  })
}

describe('the cluster DNS server profile', {timeout: 600_000}, () => {
  before(async () => {
    zone = clusterZone()
    originalCorefile = JSON.parse(kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'json'])).data
      .Corefile
    deleteScenario(scenario)
    await applyScenario(scenario)
  })
  after(async () => {
    if (originalCorefile && !originalCorefile.includes('endpoint_pod_names')) {
      const current = JSON.parse(kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'json'])).data
        .Corefile
      if (current !== originalCorefile) await applyCorefile(originalCorefile)
    }
    deleteScenario(scenario)
  })

  it('is read from the cluster: CoreDNS at its image tag, the Corefile options, the cache', async () => {
    const {report} = await inspect(['--no-dns'])
    const release = kubectl([
      'get',
      'deployment',
      'coredns',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ])
      .split(':')
      .pop()!
      .replace(/^v/, '')
    assert.deepEqual(
      {...report.dnsServer, source: report.dnsServer?.source.replace(/ image .*/, '')},
      {
        implementation: 'coredns',
        version: release,
        source: 'deployment/kube-system/coredns',
        assumed: false,
        zones: [zone],
        ttl: 30,
        negativeTtl: 30,
        options: ['pods insecure', 'ttl 30', 'fallthrough in-addr.arpa ip6.arpa'],
        caches: [
          {
            layer: 'coredns',
            successTtl: 30,
            denialTtl: 30,
            successDisabled: false,
            denialDisabled: false,
            source: 'configmap/kube-system/coredns',
          },
        ],
        mayChangeAnswers: [],
        notes: report.dnsServer?.notes ?? [],
      },
    )
    const table = await cli(['svc-chroma', '-n', scenario.namespace, '--no-dns'])
    assert.match(
      table.stdout,
      new RegExp(
        `^DNS:\\s+CoreDNS ${release.replaceAll('.', '\\.')} \\(deployment/kube-system/coredns.*\\), zone ${zone.replaceAll('.', '\\.')}, ttl 30, cache 30 s$`,
        'm',
      ),
    )
  })

  it('under `endpoint_pod_names` the endpoints are named by their pods, and the live DNS agrees with every record', async () => {
    assert.match(originalCorefile, /pods insecure\n/)
    await applyCorefile(originalCorefile.replace(/pods insecure\n/, 'pods insecure\n           endpoint_pod_names\n'))
    const pods: string[] = JSON.parse(
      kubectl(['get', 'pods', '-n', scenario.namespace, '-l', 'app=chroma', '-o', 'json']),
    ).items.map((pod: {metadata: {name: string}}) => pod.metadata.name)
    const {report} = await inspect()
    assert.ok(report.dnsServer?.options.includes('endpoint_pod_names'), JSON.stringify(report.dnsServer))
    const base = `svc-chroma.${scenario.namespace}.svc.${zone}.`
    assert.deepEqual(
      report.records
        .filter((record) => record.type === 'A' && record.name !== base)
        .map((record) => record.name)
        .sort(),
      pods.map((pod) => `${pod}.${base}`).sort(),
    )
    const notMatching = report.records.filter((record) => record.status !== 'match')
    assert.deepEqual(notMatching, [], JSON.stringify(notMatching))
    const dnsFindings = report.findings.filter((finding) => finding.code.startsWith('DNS'))
    assert.deepEqual(dnsFindings, [])
  })
})
