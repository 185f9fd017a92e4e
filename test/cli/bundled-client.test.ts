// The CLI's bundled client-node (dist/svc-inspect.cjs) against a throwaway API server on 127.0.0.1: lists
// continued on a second page, kubeconfigs with a proxy (HTTP CONNECT, SOCKS) or an auth provider. These run the
// built CLI, not the sources: a kubeconfig with a proxy or an auth provider must work through the bundle, and
// the gateway's shared agents (src/kube/gateway.ts) must stay in the path of every call.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {createServer} from 'node:https'
import net, {type AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {controllerSlices, pod, recordedService} from '../unit/recorded.js'
import {cli} from '../support/run.js'

const TLS = new URL('../unit/fixtures/tls/', import.meta.url)
const cert = readFileSync(new URL('cert.pem', TLS))
const key = readFileSync(new URL('key.pem', TLS))

const service = recordedService('web')
const pods = [
  pod({name: 'web-7d4b9c7f6d-2xkqz', ip: '10.244.1.5'}),
  pod({name: 'web-7d4b9c7f6d-9mlnp', ip: '10.244.2.7'}),
]
const [slice] = controllerSlices(service, pods)

/** The API: the Service, its slice in two pages (one endpoint each), its pods; what it was asked, and with what token. */
function fakeApiServer() {
  const seen = {paths: [] as string[], authorizations: new Set<string>()}
  const server = createServer({cert, key}, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://localhost')
    seen.paths.push(
      `${url.pathname}${url.searchParams.has('continue') ? ` continue=${url.searchParams.get('continue')}` : ''}`,
    )
    seen.authorizations.add(request.headers.authorization ?? '')
    const send = (status: number, body: unknown) =>
      response.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body))
    const list = (items: unknown[], next?: string) =>
      send(200, {
        kind: 'List',
        apiVersion: 'v1',
        metadata: {resourceVersion: '48377', ...(next ? {continue: next} : {})},
        items,
      })
    if (url.pathname === '/api/v1/namespaces/default/services/web') return send(200, service)
    if (url.pathname === '/api/v1/namespaces/default/pods') return list(pods)
    if (url.pathname === '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices') {
      const page = url.searchParams.get('continue') === 'page-2' ? 1 : 0
      return list([{...slice, endpoints: [slice.endpoints![page]]}], page === 0 ? 'page-2' : undefined)
    }
    send(404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'not found',
    })
  })
  return {server, seen}
}

/** An HTTP proxy that only tunnels (CONNECT), as a corporate proxy in front of an API server does. */
function connectProxy(targets: string[]) {
  const proxy = createHttpServer((_request, response) => response.writeHead(405).end())
  proxy.on('connect', (request, client: net.Socket, head: Buffer) => {
    targets.push(request.url ?? '')
    const [host, port] = (request.url ?? '').split(':')
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client).pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  return proxy
}

/** A SOCKS5 proxy (no authentication, CONNECT to an IPv4 address or a name), as `ssh -D` gives one. */
function socksProxy(targets: string[]) {
  return net.createServer((client) => {
    client.on('error', () => client.destroy())
    client.once('data', () => {
      client.write(Buffer.from([5, 0]))
      client.once('data', (request: Buffer) => {
        const named = request[3] === 3
        const host = named ? request.subarray(5, 5 + request[4]).toString() : [...request.subarray(4, 8)].join('.')
        const port = request.readUInt16BE(named ? 5 + request[4] : 8)
        targets.push(`${host}:${port}`)
        const upstream = net.connect(port, host, () => {
          client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
          upstream.pipe(client).pipe(upstream)
        })
        upstream.on('error', () => client.destroy())
      })
    })
  })
}

const listen = (server: net.Server, address = '127.0.0.1') =>
  new Promise<number>((resolve) => server.listen(0, address, () => resolve((server.address() as AddressInfo).port)))

describe('the bundled client-node, through the CLI', () => {
  const {server, seen} = fakeApiServer()
  const tunnelled: string[] = []
  const socksed: string[] = []
  const httpProxy = connectProxy(tunnelled)
  const socks = socksProxy(socksed)
  const directory = mkdtempSync(join(tmpdir(), 'svc-inspect-bundle-'))
  // The same API on another loopback address, which its certificate (127.0.0.1) does not name.
  const {server: misnamed} = fakeApiServer()
  const ports = {api: 0, http: 0, socks: 0, misnamed: 0}

  /** A kubeconfig for the fake API, with a cluster and a user as given. */
  const kubeconfig = (name: string, cluster: Record<string, unknown>, user: Record<string, unknown>) => {
    const file = join(directory, name)
    const server = (cluster.server as string | undefined) ?? `https://127.0.0.1:${ports.api}`
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {name: 'test', cluster: {server, 'certificate-authority-data': cert.toString('base64'), ...cluster}},
        ],
        users: [{name: 'test', user}],
        contexts: [{name: 'test', context: {cluster: 'test', user: 'test', namespace: 'default'}}],
        'current-context': 'test',
      }),
    )
    return file
  }

  /** `svc-inspect web --no-dns -o json` with this kubeconfig: the report, once the run exits 0. */
  const inspect = async (file: string) => {
    const result = await cli(['web', '--no-dns', '-o', 'json', '--kubeconfig', file], {timeoutMs: 30_000})
    assert.equal(result.code, 0, result.stderr)
    return JSON.parse(result.stdout) as {
      endpoints: Array<{address: string; ready: boolean; pod: string}>
      service: {name: string}
    }
  }

  const sockets = new Set<net.Socket>()
  for (const listening of [server, httpProxy, socks, misnamed]) {
    listening.on('connection', (socket: net.Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
  }

  before(async () => {
    ports.api = await listen(server)
    ports.http = await listen(httpProxy)
    ports.socks = await listen(socks)
    ports.misnamed = await listen(misnamed, '127.0.0.2')
  })

  after(() => {
    // The tunnels' sockets too (close() alone waits for every connection to end, and a tunnel never says so).
    for (const socket of sockets) socket.destroy()
    for (const listening of [server, httpProxy, socks, misnamed]) listening.close()
    rmSync(directory, {recursive: true, force: true})
  })

  it("reads the API's JSON as sent: a list continued on a second page (metadata.continue), every endpoint found", async () => {
    seen.paths.length = 0
    const report = await inspect(kubeconfig('plain', {}, {token: 'plain-token'}))
    assert.deepEqual(
      report.endpoints.map((endpoint) => [endpoint.address, endpoint.ready, endpoint.pod]),
      [
        ['10.244.1.5', true, 'web-7d4b9c7f6d-2xkqz'],
        ['10.244.2.7', true, 'web-7d4b9c7f6d-9mlnp'],
      ],
    )
    assert.ok(
      seen.paths.includes('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices continue=page-2'),
      seen.paths.join('\n'),
    )
    assert.ok(seen.authorizations.has('Bearer plain-token'))
  })

  it('proxy-url http://: every call tunnels through the proxy (CONNECT)', async () => {
    tunnelled.length = 0
    const report = await inspect(
      kubeconfig('http-proxy', {'proxy-url': `http://127.0.0.1:${ports.http}`}, {token: 'plain-token'}),
    )
    assert.equal(report.endpoints.length, 2)
    assert.ok(
      tunnelled.length > 0 && tunnelled.every((target) => target === `127.0.0.1:${ports.api}`),
      tunnelled.join(', '),
    )
  })

  it('proxy-url socks5://: every call goes through the SOCKS proxy', async () => {
    socksed.length = 0
    const report = await inspect(
      kubeconfig('socks-proxy', {'proxy-url': `socks5://127.0.0.1:${ports.socks}`}, {token: 'plain-token'}),
    )
    assert.equal(report.endpoints.length, 2)
    assert.ok(socksed.length > 0 && socksed.every((target) => target === `127.0.0.1:${ports.api}`), socksed.join(', '))
  })

  it('proxy-url socks5://: a server whose certificate names another address is still refused', async () => {
    const file = kubeconfig(
      'socks-misnamed',
      {server: `https://127.0.0.2:${ports.misnamed}`, 'proxy-url': `socks5://127.0.0.1:${ports.socks}`},
      {token: 'plain-token'},
    )
    const result = await cli(['web', '--no-dns', '-o', 'json', '--kubeconfig', file], {timeoutMs: 30_000})
    assert.equal(result.code, 2)
    assert.match(
      result.stderr,
      /^error: cannot reach https:\/\/127\.0\.0\.2:\d+ \(service\/web\): ERR_TLS_CERT_ALTNAME_INVALID\n$/,
    )
  })

  it("the gcp auth provider: its command's token, picked out of the JSON by JSONPath, is sent", async () => {
    const command = join(directory, 'token.cjs')
    writeFileSync(
      command,
      `console.log(JSON.stringify({credential: {access_token: 'gcp-token', token_expiry: '2099-01-01T00:00:00Z'}}))\n`,
    )
    seen.authorizations.clear()
    await inspect(
      kubeconfig(
        'gcp',
        {},
        {
          'auth-provider': {
            name: 'gcp',
            config: {
              'cmd-path': process.execPath,
              'cmd-args': command,
              'token-key': '{.credential.access_token}',
              'expiry-key': '{.credential.token_expiry}',
            },
          },
        },
      ),
    )
    assert.deepEqual([...seen.authorizations], ['Bearer gcp-token'])
  })
})
