// npm run bench -- --baseline DIR (DIR from bench/baseline.sh): this build and an earlier one side by side, in
// one run, interleaved, under the same Node, each piece of the start-up measured on its own:
//  - `--help` (start-up alone), each build with its code cache and without it;
//  - an offline report (`inspect --from-file`);
//  - `inspect --no-dns` against a throwaway HTTPS API server on 127.0.0.1 (what a cluster command adds: client-node
//    loaded, the kubeconfig read, four API reads on kept-alive connections), which needs no cluster.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:https'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

const root = new URL('..', import.meta.url)
const TLS = new URL('test/unit/fixtures/tls/', root)

function fakeApi() {
  const cert = readFileSync(new URL('cert.pem', TLS))
  const key = readFileSync(new URL('key.pem', TLS))
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'web', namespace: 'default', uid: '1', creationTimestamp: '2026-01-01T00:00:00Z'},
    spec: {
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20'],
      selector: {app: 'web'},
      ports: [{port: 80, targetPort: 8080, protocol: 'TCP'}],
    },
  }
  const pods = Array.from({length: 20}, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: `web-${i}`, namespace: 'default', labels: {app: 'web'}, creationTimestamp: '2026-01-01T00:00:00Z'},
    spec: {containers: [{name: 'web', image: 'web', ports: [{containerPort: 8080}]}]},
    status: {phase: 'Running', podIP: `10.244.0.${i + 2}`, conditions: [{type: 'Ready', status: 'True'}]},
  }))
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {name: 'web-1', namespace: 'default', labels: {'kubernetes.io/service-name': 'web'}},
    addressType: 'IPv4',
    ports: [{port: 8080, protocol: 'TCP'}],
    endpoints: pods.map((pod) => ({
      addresses: [pod.status.podIP],
      conditions: {ready: true},
      targetRef: {kind: 'Pod', name: pod.metadata.name, namespace: 'default'},
    })),
  }
  const server = createServer({cert, key}, (request, response) => {
    const path = new URL(request.url ?? '/', 'https://localhost').pathname
    const send = (status, body) =>
      response.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body))
    const list = (items) => send(200, {kind: 'List', apiVersion: 'v1', metadata: {resourceVersion: '1'}, items})
    if (path === '/api/v1/namespaces/default/services/web') return send(200, service)
    if (path === '/api/v1/namespaces/default/pods') return list(pods)
    if (path === '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices') return list([slice])
    send(404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'not found',
    })
  })
  return {server, cert}
}

/** Runs in a child (spawnSync blocks this process's event loop, so the fake API lives in another). */
export async function serveFakeApi() {
  const {server, cert} = fakeApi()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const dir = mkdtempSync(join(tmpdir(), 'svc-inspect-bench-'))
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'bench',
          cluster: {
            server: `https://127.0.0.1:${server.address().port}`,
            'certificate-authority-data': cert.toString('base64'),
          },
        },
      ],
      users: [{name: 'bench', user: {token: 't'}}],
      contexts: [{name: 'bench', context: {cluster: 'bench', user: 'bench', namespace: 'default'}}],
      'current-context': 'bench',
    }),
  )
  process.stdout.write(`${kubeconfig}\n`)
  process.on('SIGTERM', () => {
    rmSync(dir, {recursive: true, force: true})
    process.exit(0)
  })
}

export async function compareBuilds({cli, baseline: baselineDir, compare, report}) {
  const baseline = resolve(baselineDir)
  const oldCli = join(baseline, 'bin', 'run.cjs')
  const node = process.execPath
  const noCache = {env: {...process.env, NODE_DISABLE_COMPILE_CACHE: '1'}}
  const ms = (value) => `${value.toFixed(0)} ms`
  const line = (name, medians, newKey, oldKey) =>
    report(
      name,
      `new ${ms(medians[newKey])} vs old ${ms(medians[oldKey])} (${(medians[newKey] / medians[oldKey]).toFixed(2)}x)`,
      'context: old and new side by side',
      true,
    )

  // Warm both caches first.
  for (const file of [cli, oldCli]) for (let i = 0; i < 2; i++) spawnSync(node, [file, '--help'])
  const help = compare(21, {
    node: [node, ['-e', '0']],
    newHelp: [node, [cli, '--help']],
    oldHelp: [node, [oldCli, '--help']],
    newHelpNoCache: [node, [cli, '--help'], noCache],
    oldHelpNoCache: [node, [oldCli, '--help'], noCache],
  })
  report('node -e 0', ms(help.node), 'context', true)
  line('`--help` with its code cache (compile cache / own V8 cache)', help, 'newHelp', 'oldHelp')
  line('`--help` without a code cache', help, 'newHelpNoCache', 'oldHelpNoCache')
  report(
    '  what each code cache is worth on --help',
    `new: ${ms(help.newHelpNoCache - help.newHelp)}; old: ${ms(help.oldHelpNoCache - help.oldHelp)}`,
    'context',
    true,
  )

  // client-node alone, as each build bundles it, required in a fresh process without a code cache: what the old
  // build's serializer swap, lazy stand-ins and whatwg-url alias saved on every cluster command.
  const {build} = await import('esbuild')
  const newClientNode = join(baseline, '..', 'client-node-new.cjs')
  await build({
    entryPoints: [new URL('../src/kube/client-node.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    outfile: newClientNode,
    alias: {punycode: 'punycode/'},
    logLevel: 'error',
  })
  const loadMs = (file) => {
    const values = []
    for (let i = 0; i < 15; i++) {
      const result = spawnSync(
        node,
        [
          '-e',
          `const t = process.hrtime.bigint(); require(${JSON.stringify(file)}); console.log(Number(process.hrtime.bigint() - t) / 1e6)`,
        ],
        {...noCache, encoding: 'utf8'},
      )
      if (result.status !== 0) throw new Error(`${file}: ${result.stderr}`)
      values.push(Number(result.stdout))
    }
    return values.sort((a, b) => a - b)[7]
  }
  const clientNode = {newLoad: loadMs(newClientNode), oldLoad: loadMs(join(baseline, 'dist', 'client-node.cjs'))}
  line(
    'client-node loaded (require, no code cache): its own serializer, proxies, OIDC, JSONPath, whatwg-url',
    clientNode,
    'newLoad',
    'oldLoad',
  )
  const first = spawnSync(
    node,
    ['-e', 'const t = performance.now(); "a".localeCompare("b"); console.log(performance.now() - t)'],
    {encoding: 'utf8'},
  )
  report(
    '  the first localeCompare (ICU collation; old: edited out of oclif; new: our plugin sorts nothing)',
    `${Number(first.stdout).toFixed(1)} ms`,
    'context',
    true,
  )

  const seed = ['-f', 'examples/dumps/003-headless-port-mapping.yaml', '-n', 'seed-ports', 'svc-chroma', '-o', 'json']
  const cwd = {cwd: new URL('..', import.meta.url).pathname}
  for (const file of [cli, oldCli]) spawnSync(node, [file, ...seed], cwd)
  const offline = compare(15, {
    newOffline: [node, [cli, ...seed], cwd],
    oldOffline: [node, [oldCli, ...seed], cwd],
  })
  line('offline report (`inspect --from-file`)', offline, 'newOffline', 'oldOffline')

  const server = spawn(
    node,
    ['--input-type=module', '-e', `import('${new URL('compare.mjs', import.meta.url)}').then((m) => m.serveFakeApi())`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const kubeconfig = await new Promise((resolve) =>
    server.stdout.once('data', (chunk) => resolve(chunk.toString().trim())),
  )
  try {
    const args = ['web', '--no-dns', '-o', 'json', '--kubeconfig', kubeconfig]
    for (const file of [cli, oldCli]) {
      const result = spawnSync(node, [file, ...args], {encoding: 'utf8'})
      if (result.status !== 0 && result.status !== 1) throw new Error(`${file}: ${result.stderr}`)
    }
    const live = compare(15, {
      newLive: [node, [cli, ...args]],
      oldLive: [node, [oldCli, ...args]],
      newLiveNoCache: [node, [cli, ...args], noCache],
      oldLiveNoCache: [node, [oldCli, ...args], noCache],
    })
    line('`inspect --no-dns` against a local fake API (client-node loaded, 4 reads)', live, 'newLive', 'oldLive')
    line('  the same without a code cache', live, 'newLiveNoCache', 'oldLiveNoCache')
  } finally {
    server.kill('SIGTERM')
  }
}
