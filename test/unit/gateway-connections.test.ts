// How the gateway uses its connections to the API server, against a throwaway HTTPS server on 127.0.0.1 (a
// test certificate in fixtures/tls): calls share keep-alive connections instead of a TLS handshake each, and
// the reads around a Service run alongside the Service's own read.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {Agent, createServer, type RequestOptions} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {IDLE_CONNECTION_MS, KubeGateway} from '../../src/kube/gateway.js'

const TLS = new URL('./fixtures/tls/', import.meta.url)
const cert = readFileSync(new URL('cert.pem', TLS))
const key = readFileSync(new URL('key.pem', TLS))

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name: 'web', namespace: 'shop'},
  spec: {clusterIP: '10.96.0.20', ports: [{port: 80}]},
}

/** The API server: one Service, empty lists, no coredns ConfigMap; it can hold responses to show overlap. */
function fakeApiServer() {
  const state = {
    connections: 0,
    closed: 0,
    requests: [] as string[],
    inFlight: 0,
    maxInFlight: 0,
    delayMs: 0,
    serviceMissing: false,
    pods: null as unknown[] | null,
  }
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0]
    state.requests.push(path)
    if (path.endsWith('/services/hangs')) return // never answered
    state.maxInFlight = Math.max(state.maxInFlight, ++state.inFlight)
    setTimeout(() => {
      state.inFlight--
      const send = (status: number, body: unknown) =>
        response.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body))
      if (path === '/api/v1/namespaces/shop/services/web') {
        if (state.serviceMissing)
          return send(404, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'NotFound',
            code: 404,
            message: 'services "web" not found',
          })
        return send(200, service)
      }
      if (path === '/api/v1/nodes/node-c')
        return send(200, {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {name: 'node-c', labels: {'topology.kubernetes.io/zone': 'zone-b'}},
        })
      if (path === '/api/v1/nodes/node-x')
        return send(403, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message: 'nodes "node-x" is forbidden: User "test" cannot get resource "nodes"',
        })
      if (path.endsWith('/configmaps/coredns'))
        return send(404, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
          message: 'not found',
        })
      if (path.endsWith('/pods') && !state.pods)
        return send(500, {kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, message: 'etcd is sad'})
      if (path.endsWith('/pods')) return send(200, {kind: 'PodList', apiVersion: 'v1', metadata: {}, items: state.pods})
      send(200, {kind: 'List', apiVersion: 'v1', metadata: {}, items: []})
    }, state.delayMs)
  }
  const server = createServer({cert, key}, answer)
  // Keeps idle connections (Node's server closes them after 5 s): closing is the client's job here.
  server.keepAliveTimeout = 60_000
  server.on('secureConnection', (socket) => {
    state.connections++
    socket.on('close', () => state.closed++)
  })
  return {server, state}
}

describe('KubeGateway connections', () => {
  const {server, state} = fakeApiServer()
  const directory = mkdtempSync(join(tmpdir(), 'svc-inspect-gateway-'))
  let gateway: KubeGateway

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    const kubeconfig = join(directory, 'kubeconfig')
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'test',
            cluster: {server: `https://127.0.0.1:${port}`, 'certificate-authority-data': cert.toString('base64')},
          },
          {name: 'insecure', cluster: {server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true}},
        ],
        users: [{name: 'test', user: {token: 'test-token'}}],
        contexts: [
          {name: 'test', context: {cluster: 'test', user: 'test'}},
          {name: 'insecure', context: {cluster: 'insecure', user: 'test'}},
        ],
        'current-context': 'test',
      }),
    )
    gateway = await KubeGateway.connect({kubeconfig, requestTimeoutMs: 0})
  })

  after(() => {
    server.closeAllConnections()
    server.close()
    rmSync(directory, {recursive: true, force: true})
  })

  it('calls one after another share one TLS connection (client-node alone opens one per call)', async () => {
    state.connections = 0
    for (let call = 0; call < 4; call++) assert.equal((await gateway.readService('shop', 'web')).metadata.name, 'web')
    assert.equal(state.connections, 1)
  })

  it('one agent per set of options, keep-alive, with one TLS context for all its connections', async () => {
    // What client-node's exec, port-forward and watch get (the API clients go through the same agents).
    const agentOf = async () => {
      const options: RequestOptions = {}
      await gateway.config.applyToHTTPSOptions(options)
      return options.agent as Agent & {options: Record<string, unknown>}
    }
    const agent = await agentOf()
    assert.equal(await agentOf(), agent, 'the same options give the same agent')
    gateway.config.setCurrentContext('insecure')
    try {
      assert.notEqual(await agentOf(), agent, 'other options (no CA, no verification), another agent')
    } finally {
      gateway.config.setCurrentContext('test')
    }
    assert.ok(agent instanceof Agent)
    assert.equal(agent.options.keepAlive, true)
    assert.equal(agent.options.timeout, IDLE_CONNECTION_MS)
    assert.ok(agent.options.secureContext, 'a TLS context made once, not per connection')
  })

  it(`a connection idle for ${IDLE_CONNECTION_MS / 1000} s is closed, and the next call opens a new one`, async () => {
    await gateway.readService('shop', 'web')
    state.connections = 0
    state.closed = 0
    await new Promise((resolve) => setTimeout(resolve, IDLE_CONNECTION_MS + 300))
    assert.ok(state.closed >= 1, 'the idle connection was closed')
    await gateway.readService('shop', 'web')
    assert.equal(state.connections, 1)
  })

  it('the slices, pods, NetworkPolicies and DNS server reads (the kube-system DNS Deployments, the coredns and node-local-dns ConfigMaps) run alongside the Service read, and a refused read is a problem, not a failure', async () => {
    state.requests = []
    state.maxInFlight = 0
    // Long enough that every read is sent before the first answer, even on a busy machine.
    state.delayMs = 300
    try {
      const snapshot = await gateway.gatherService('shop', 'web')
      assert.equal(snapshot.service.metadata.name, 'web')
      assert.equal(state.maxInFlight, 7, `in flight at once, of ${state.requests.join(', ')}`)
      assert.deepEqual(
        snapshot.readProblems.map((problem) => problem.what),
        ['pods'],
      )
    } finally {
      state.delayMs = 0
    }
  })

  const pod = (name: string, ready: boolean) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name, namespace: 'shop'},
    spec: {containers: [{name: 'app', image: 'app:1'}]},
    status: {phase: 'Running', conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]},
  })
  const eventReads = () => state.requests.filter((path) => path.endsWith('/events')).length
  const cases = [
    {
      name: 'every pod ready: the events are not read (they only explain pods that are not)',
      pods: [pod('web-1', true), pod('web-2', true)],
      events: 0,
    },
    {name: 'no pods: no events read', pods: [], events: 0},
    {
      name: 'a pod not ready: the events are read, after the pods',
      pods: [pod('web-1', true), pod('web-2', false)],
      events: 1,
    },
  ]
  for (const row of cases) {
    it(row.name, async () => {
      state.requests = []
      state.pods = row.pods
      try {
        const snapshot = await gateway.gatherService('shop', 'web')
        assert.equal(eventReads(), row.events, state.requests.join(', '))
        assert.deepEqual(snapshot.readProblems, [])
        assert.equal(snapshot.pods.length, row.pods.length)
        if (row.events)
          assert.ok(
            state.requests.indexOf('/api/v1/namespaces/shop/pods') <
              state.requests.indexOf('/api/v1/namespaces/shop/events'),
          )
      } finally {
        state.pods = null
      }
    })
  }

  it('--request-timeout aborts a request the server never answers and closes its connection', async () => {
    const {port} = server.address() as AddressInfo
    const kubeconfig = join(directory, 'kubeconfig')
    const impatient = await KubeGateway.connect({kubeconfig, requestTimeoutMs: 300})
    state.closed = 0
    await assert.rejects(impatient.readService('shop', 'hangs'), {
      message: 'service/hangs: request timed out after 0.3s',
    })
    // The abort follows the message by a moment (its own deadline starts as the request is sent).
    for (let waited = 0; state.closed === 0 && waited < 3000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(state.closed, 1, `the connection to 127.0.0.1:${port} was closed`)
  })

  it("readNode (--from): the client's Node as the API sent it; refused, a noted problem and no Node", async () => {
    const problems: Array<{what: string; message: string}> = []
    assert.deepEqual(await gateway.readNode('node-c', problems), {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {name: 'node-c', labels: {'topology.kubernetes.io/zone': 'zone-b'}},
    })
    assert.equal(await gateway.readNode('node-x', problems), undefined)
    assert.deepEqual(problems, [
      {
        what: 'node/node-x',
        message: 'Forbidden: nodes "node-x" is forbidden: User "test" cannot get resource "nodes"',
      },
    ])
  })

  it('a missing Service is the error even while the other reads are under way or failing', async () => {
    state.serviceMissing = true
    try {
      await assert.rejects(gateway.gatherService('shop', 'web'), {
        message: 'services "web" not found in namespace "shop"',
      })
    } finally {
      state.serviceMissing = false
    }
  })
})
