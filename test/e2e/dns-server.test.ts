// The DNS server profile on the real cluster: the release and options are read from it, and the expected records
// follow a non-default Corefile (endpoint_pod_names) exactly as the cluster's CoreDNS then answers.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {after, before, describe, it} from 'node:test'
import type {ServiceReport} from '../../src/model/report.js'
import {cli, kubectl, waitFor} from '../support/run.js'
import {
  applyScenario,
  clusterZone,
  coreDnsImage,
  deleteScenario,
  RESOLVER_ARGS,
  SCENARIOS,
} from '../support/scenarios.js'

const scenario = SCENARIOS.ports
let zone = ''
let originalCorefile = ''
let originalImage = ''

async function inspect(
  extra: string[] = [],
  timeoutMs?: number,
): Promise<{code: number | null; report: ServiceReport}> {
  const result = await cli(['svc-chroma', '-n', scenario.namespace, '-o', 'json', ...RESOLVER_ARGS, ...extra], {
    timeoutMs,
  })
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

/** The coredns ConfigMap's Corefile, written; the running replicas pick it up only through `reload`. */
function patchCorefile(corefile: string): void {
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
}

/** New CoreDNS pods read the ConfigMap at start: a rollout applies a changed Corefile at once. */
async function applyCorefile(corefile: string): Promise<void> {
  const before = new Set(coreDnsPods().map((pod) => pod.name))
  patchCorefile(corefile)
  kubectl(['rollout', 'restart', 'deployment', 'coredns', '-n', 'kube-system'])
  kubectl(['rollout', 'status', 'deployment', 'coredns', '-n', 'kube-system', '--timeout=120s'])
  await waitFor('only new, ready CoreDNS pods', () => {
    const pods = coreDnsPods()
    return pods.length === 2 && pods.every((pod) => pod.ready && !pod.deleting && !before.has(pod.name))
  })
}

/** The CoreDNS Deployment's image (a rollout; the old pods gone). test/cluster imports images, never pulls. */
function setCoreDnsImage(image: string): void {
  kubectl(['set', 'image', 'deployment/coredns', `coredns=${image}`, '-n', 'kube-system'])
  kubectl(['rollout', 'status', 'deployment', 'coredns', '-n', 'kube-system', '--timeout=120s'])
}

/** The same image under another tag, in the cluster's containerd (test/cluster/lib.sh ctr_k8s). */
function tagImage(image: string, tag: string): string {
  const tagged = `${image.replace(/:[^:/]*$/, '')}:${tag}`
  execFileSync(
    'bash',
    ['-c', 'source test/cluster/lib.sh && ctr_k8s images tag --force "$1" "$2" >/dev/null', '-', image, tagged],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  return tagged
}

describe('the cluster DNS server profile', {timeout: 1_200_000}, () => {
  before(async () => {
    zone = clusterZone()
    originalImage = coreDnsImage()
    originalCorefile = JSON.parse(kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'json'])).data
      .Corefile
    deleteScenario(scenario)
    await applyScenario(scenario)
  })
  after(async () => {
    if (originalImage && coreDnsImage() !== originalImage) setCoreDnsImage(originalImage)
    if (originalCorefile && !originalCorefile.includes('endpoint_pod_names')) {
      const current = JSON.parse(kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'json'])).data
        .Corefile
      if (current !== originalCorefile) await applyCorefile(originalCorefile)
    }
    deleteScenario(scenario)
  })

  it('is read from the cluster: CoreDNS at its image tag, the Corefile options, the cache, when the Corefile changed', async () => {
    const {report} = await inspect(['--no-dns'])
    const configMap = JSON.parse(kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'json'])) as {
      metadata: {creationTimestamp: string; managedFields?: Array<{time?: string}>}
    }
    const lastWrite = new Date(
      Math.max(
        ...[
          configMap.metadata.creationTimestamp,
          ...(configMap.metadata.managedFields ?? []).map((field) => field.time),
        ]
          .filter((time): time is string => Boolean(time))
          .map((time) => Date.parse(time)),
      ),
    ).toISOString()
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
        // The cluster's Corefile (test/cluster/manifests/addons.yaml) has a bare `reload`.
        reload: {intervalSeconds: 30, jitterSeconds: 15},
        corefileChangedAt: lastWrite,
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

  it("with `chaos` the servers' version.bind confirms the release; under an image tag naming another release, the servers decide and every record matches", async () => {
    const release = coreDnsImage().split(':').pop()!.replace(/^v/, '')
    assert.match(originalCorefile, /errors\n/)
    await applyCorefile(originalCorefile.replace(/errors\n/, 'errors\n    chaos\n'))
    const confirmed = (await inspect()).report
    const answers = confirmed.dnsServer?.serverReleases ?? []
    // The nameserver and both replicas.
    assert.equal(answers.length, 3, JSON.stringify(answers))
    assert.deepEqual(
      answers.map((entry) => [entry.answer, entry.release]),
      answers.map(() => [`"CoreDNS-${release}"`, release]),
    )
    assert.match(confirmed.dnsServer!.source, /; release confirmed by version\.bind$/)
    assert.equal(confirmed.dnsServer!.version, release)
    assert.deepEqual(
      confirmed.records.filter((record) => record.status !== 'match'),
      [],
    )
    assert.deepEqual(
      confirmed.findings.filter((finding) => finding.code.startsWith('DNS')),
      [],
    )
    // The version question is the check's own: not among the Service's queries.
    assert.equal(
      confirmed.dns?.queries.some((query) => query.name === 'version.bind.'),
      false,
    )

    // 1.12.0 answers endpoint PTRs only for endpoints with a hostname (#6898): a tag saying 1.12.0 would predict none
    // for svc-chroma's pods, while the real release serves them.
    setCoreDnsImage(tagImage(coreDnsImage(), 'v1.12.0'))
    await waitFor('only CoreDNS pods of the new tag, ready', () => {
      const pods = coreDnsPods()
      return pods.length === 2 && pods.every((pod) => pod.ready && !pod.deleting)
    })
    const fromTag = (await inspect(['--no-dns'])).report
    assert.equal(fromTag.dnsServer?.version, '1.12.0')
    const {report: live, code} = await inspect()
    assert.equal(live.dnsServer?.version, release)
    assert.ok(
      live.dnsServer?.notes.includes(
        `the image tag says 1.12.0, the servers answer version.bind with ${release}: records predicted for ${release}`,
      ),
      JSON.stringify(live.dnsServer),
    )
    const ptrs = (report: ServiceReport) => report.records.filter((record) => record.type === 'PTR').length
    assert.ok(ptrs(live) > ptrs(fromTag), `PTR records: live ${ptrs(live)}, from the tag ${ptrs(fromTag)}`)
    assert.deepEqual(
      live.records.filter((record) => record.status !== 'match'),
      [],
    )
    assert.deepEqual(
      live.findings.filter((finding) => finding.code.startsWith('DNS')),
      [],
    )
    assert.notEqual(code, 2)
    // scan asks it too: with one resolver pod (while it reads the namespaces), and with one per namespace.
    for (const mode of [[], ['--resolver-per-namespace']]) {
      const scan = await cli(['scan', '-n', scenario.namespace, '-o', 'json', ...mode, ...RESOLVER_ARGS])
      const scanned = (JSON.parse(scan.stdout) as {items: ServiceReport[]}).items.find(
        (item) => item.service.name === 'svc-chroma',
      )!
      assert.equal(scanned.dnsServer?.version, release, mode.join(' '))
      assert.equal(ptrs(scanned), ptrs(live), mode.join(' '))
      assert.deepEqual(
        scanned.records.filter((record) => record.status !== 'match'),
        [],
        mode.join(' '),
      )
    }
    const table = await cli(['svc-chroma', '-n', scenario.namespace, ...RESOLVER_ARGS])
    assert.match(
      table.stdout,
      new RegExp(
        `^DNS:\\s+CoreDNS ${release.replaceAll('.', '\\.')} \\(deployment/kube-system/coredns, version\\.bind\\)`,
        'm',
      ),
    )
    setCoreDnsImage(originalImage)
    await applyCorefile(originalCorefile)
  })

  it('a Corefile edited without a restart: asked at once, no DNS error (DNSCorefilePending until the reload); --wait-dns waits for it and every record matches', async () => {
    // endpoint_pod_names renames svc-chroma's endpoints: the replicas serve the old names until the kubelet has
    // refreshed their copy of the ConfigMap and `reload` has read it.
    const edited = originalCorefile.replace(/pods insecure\n/, 'pods insecure\n           endpoint_pod_names\n')
    patchCorefile(edited)
    const {report} = await inspect()
    assert.ok(report.dnsServer?.options.includes('endpoint_pod_names'), JSON.stringify(report.dnsServer))
    const errors = report.findings.filter((finding) => finding.severity === 'error' && finding.code.startsWith('DNS'))
    assert.deepEqual(errors, [])
    const pending = report.findings.filter((finding) => finding.code === 'DNSCorefilePending')
    const notMatching = report.records.filter((record) => record.status !== 'match')
    // Either the replicas still run the old Corefile (every mismatch explained, with when it ends), or they already
    // reloaded (a kubelet sync and a reload tick both within the seconds since the patch: then everything matches).
    if (notMatching.length > 0) {
      assert.ok(pending.length > 0, JSON.stringify(report.findings))
      const changedAt = Date.parse(report.dnsServer!.corefileChangedAt!)
      for (const finding of pending) {
        assert.equal(finding.severity, 'warning')
        assert.equal(Date.parse(String(finding.details?.expiresAt)), changedAt + (120 + 30 + 7.5) * 1000)
      }
    } else console.log('the replicas had already reloaded the Corefile: no DNSCorefilePending to see')
    const waited = await inspect(['--wait-dns'], 300_000)
    assert.deepEqual(
      waited.report.records.filter((record) => record.status !== 'match'),
      [],
    )
    assert.deepEqual(
      waited.report.findings.filter((finding) => finding.code.startsWith('DNS')),
      [],
    )
    await applyCorefile(originalCorefile)
  })

  it('a Corefile without `reload` edited after the replicas started: CorefileNotApplied names them, their mismatches are warnings', async () => {
    assert.match(originalCorefile, /\n\s*reload\n/)
    const withoutReload = originalCorefile.replace(/\n\s*reload\n/, '\n')
    await applyCorefile(withoutReload)
    const replicas = coreDnsPods()
      .map((pod) => pod.name)
      .sort()
    patchCorefile(withoutReload.replace(/pods insecure\n/, 'pods insecure\n           endpoint_pod_names\n'))
    const {report, code} = await inspect()
    assert.equal(report.dnsServer?.reload, null)
    const notApplied = report.findings.filter((finding) => finding.code === 'CorefileNotApplied')
    assert.equal(notApplied.length, 1, JSON.stringify(report.findings))
    assert.equal(notApplied[0].severity, 'warning')
    assert.equal(
      notApplied[0].message,
      `the Corefile changed at ${report.dnsServer.corefileChangedAt}, after CoreDNS ${replicas.join(', ')} started, and has no reload plugin: they still serve the Corefile from before`,
    )
    // The replicas answer the old names: mismatches, each a warning that says why; no error.
    assert.ok(report.records.some((record) => record.status !== 'match'))
    const dnsMismatches = report.findings.filter((finding) =>
      /^DNS(RecordMissing|RecordUnexpected|NameShouldNotResolve)$/.test(finding.code),
    )
    assert.ok(dnsMismatches.length > 0, JSON.stringify(report.findings))
    for (const finding of dnsMismatches) {
      assert.equal(finding.severity, 'warning')
      assert.match(
        finding.hint,
        /has no reload plugin: they still serve the Corefile from before; the records were predicted from the new one$/,
      )
    }
    assert.notEqual(code, 2)
    // The same in a scan (the replicas' start times read once for the scan).
    const scan = await cli(['scan', '-n', scenario.namespace, '-o', 'json', ...RESOLVER_ARGS])
    const scanned = (JSON.parse(scan.stdout) as {items: ServiceReport[]}).items.find(
      (item) => item.service.name === 'svc-chroma',
    )!
    assert.deepEqual(
      scanned.findings.filter((finding) => finding.code === 'CorefileNotApplied').map((finding) => finding.message),
      [notApplied[0].message],
    )
    assert.deepEqual(
      scanned.findings.filter((finding) => finding.code.startsWith('DNS') && finding.severity === 'error'),
      [],
    )
    await applyCorefile(originalCorefile)
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
