// A Corefile parser that follows CoreDNS's own reader (github.com/coredns/caddy caddyfile/lexer.go and parse.go,
// and core/dnsserver/register.go for server block keys), so the structure we reason about is the one CoreDNS runs.
// Differences from CoreDNS are deliberate and noted: environment placeholders stay as written (we do not have
// CoreDNS's environment), file imports cannot be read, and a few inputs CoreDNS rejects later in plugin setup are
// rejected here with the line.

export interface ServerKey {
  /** `dns` unless written as `tls://`, `grpc://`, `https://`, `quic://`. */
  scheme: string
  /** Lowercase, no trailing dot; the root stays `.`. A CIDR key is expanded to its reverse zones. */
  zone: string
  /** The port as written; null when the key has none (the scheme's default then applies). */
  port: number | null
}

export interface Directive {
  name: string
  args: string[]
  /** The `{ ... }` after the directive, null when there is none. */
  block: Directive[] | null
  line: number
}

export interface ServerBlock {
  keys: ServerKey[]
  directives: Directive[]
  line: number
}

export interface Corefile {
  blocks: ServerBlock[]
  /** What the parse could not settle: unread imports, placeholders, oddities CoreDNS reads differently. */
  notes: string[]
}

export class CorefileError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`Corefile:${line}: ${detail}`)
    this.name = 'CorefileError'
  }
}

/** Ports CoreDNS listens on when a key names none (register.go; the dns default is the -dns.port flag, 53). */
const DEFAULT_PORTS: Record<string, number> = {dns: 53, tls: 853, quic: 853, grpc: 443, https: 443}

export function listeningPort(key: ServerKey): number {
  return key.port ?? DEFAULT_PORTS[key.scheme] ?? 53
}

interface Token {
  text: string
  line: number
  /** First token on its line: Caddyfile structure is line-based (dispenser.go isNewLine). */
  newLine: boolean
}

function lex(text: string): Token[] {
  const tokens: Token[] = []
  const input = text.replace(/^\uFEFF/, '')
  let value = ''
  let inToken = false
  let quoted = false
  let escaped = false
  let comment = false
  let line = 1
  let tokenLine = 1
  let quoteLine = 1
  let sawNewLine = true
  const finish = () => {
    tokens.push({text: value, line: tokenLine, newLine: sawNewLine})
    sawNewLine = false
    value = ''
    inToken = false
  }

  for (const ch of input) {
    if (quoted) {
      if (!escaped && ch === '\\') {
        escaped = true
        continue
      }
      if (!escaped && ch === '"') {
        quoted = false
        finish()
        continue
      }
      if (ch === '\n') line++
      // Only `\"` is an escape; any other backslash stays (lexer.go).
      if (escaped && ch !== '"') value += '\\'
      value += ch
      escaped = false
      continue
    }
    if (/\s/.test(ch)) {
      if (ch === '\r') continue
      if (ch === '\n') {
        line++
        comment = false
      }
      if (inToken) finish()
      if (ch === '\n') sawNewLine = true
      continue
    }
    // `#` starts a comment anywhere outside quotes, even inside a word.
    if (ch === '#') comment = true
    if (comment) continue
    if (!inToken) {
      inToken = true
      tokenLine = line
      if (ch === '"') {
        quoted = true
        quoteLine = line
        continue
      }
    }
    value += ch
  }
  if (quoted) throw new CorefileError(quoteLine, 'quote opened here is never closed')
  if (inToken) finish()
  return tokens
}

/** Lowercase, no trailing dot; `.` and `` are the root. Placeholders keep their case (their names are env vars). */
export function normaliseZone(name: string): string {
  const lowered = name.replace(/(\{\$[^}]*\}|\{%[^%]*%\})|[^{]+|\{/g, (part, placeholder) =>
    placeholder ? part : part.toLowerCase(),
  )
  if (lowered === '' || lowered === '.') return '.'
  return lowered.replace(/\.$/, '')
}

/** Is `name` equal to `zone` or under it? Both normalised. */
export function inZone(name: string, zone: string): boolean {
  return zone === '.' || name === zone || name.endsWith(`.${zone}`)
}

function labelCount(zone: string): number {
  return zone === '.' ? 0 : zone.split('.').length
}

/** Environment placeholders CoreDNS fills at parse time (parse.go replaceEnvVars), and template markers some
 * manifests carry (`__PILLAR__X__`, `%{X}%`) that a ConfigMap should no longer contain. */
const PLACEHOLDER = /\{\$[^}]+\}|\{%[^%]+%\}|\{env\.[^}]+\}|__PILLAR__[A-Z0-9_]*__|%\{[^}]+\}%/gi

export function placeholdersIn(text: string): string[] {
  return text.match(PLACEHOLDER) ?? []
}

function placeholderNote(placeholder: string, line: number): string {
  if (placeholder.startsWith('{$') || placeholder.startsWith('{%'))
    return `Corefile:${line}: ${placeholder} is filled from CoreDNS's environment, not known here; read as written`
  if (placeholder.startsWith('{env.'))
    return `Corefile:${line}: ${placeholder} is Caddy v2 syntax, which CoreDNS does not expand; read literally`
  return `Corefile:${line}: ${placeholder} is a manifest template placeholder that was never substituted`
}

/**
 * A server block key `[scheme://]zone[:port]` as register.go reads it: the port is the number after the last
 * colon; a CIDR becomes the reverse zones it covers (plugin/normalize.go SplitHostPort, plugin/pkg/cidr).
 */
export function parseServerKey(raw: string, line = 0): ServerKey[] {
  let rest = raw
  let scheme = 'dns'
  const schemeMatch = rest.match(/^([a-z0-9]+):\/\//i)
  if (schemeMatch) {
    scheme = schemeMatch[1].toLowerCase()
    rest = rest.slice(schemeMatch[0].length)
  }
  let port: number | null = null
  const colon = rest.lastIndexOf(':')
  if (colon !== -1 && colon === rest.length - 1) throw new CorefileError(line, `expecting a port after ":" in "${raw}"`)
  if (colon !== -1 && /^\d+$/.test(rest.slice(colon + 1))) {
    port = Number.parseInt(rest.slice(colon + 1), 10)
    rest = rest.slice(0, colon)
  }
  return hostZones(rest).map((zone) => ({scheme, zone, port}))
}

/** A zone as written in a plugin's arguments: scheme and port dropped, CIDRs expanded (NormalizeExact). */
export function zonesOfArg(arg: string): string[] {
  try {
    return parseServerKey(arg).map((key) => key.zone)
  } catch {
    return []
  }
}

function hostZones(host: string): string[] {
  const reverse = reverseZonesOfCidr(host)
  return (reverse ?? [host]).map(normaliseZone)
}

/** `10.0.0.0/17` -> 0.0.10.in-addr.arpa ... 127.0.10.in-addr.arpa; null when `host` is not a CIDR. */
function reverseZonesOfCidr(host: string): string[] | null {
  const match = host.match(/^([0-9a-f.:]+)\/(\d{1,3})$/i)
  if (!match) return null
  const bits = Number.parseInt(match[2], 10)
  const v4 = parseIPv4(match[1])
  if (v4 !== null) {
    if (bits > 32) return null
    return splitReverse(v4, 32, bits, 8, (digits) => `${digits.join('.')}${digits.length ? '.' : ''}in-addr.arpa`)
  }
  const v6 = parseIPv6(match[1])
  if (v6 === null || bits > 128) return null
  return splitReverse(v6, 128, bits, 4, (digits) => `${digits.join('.')}${digits.length ? '.' : ''}ip6.arpa`)
}

// Split a prefix into prefixes on label boundaries (8 bits for IPv4, 4 for IPv6), as plugin/pkg/cidr does.
function splitReverse(
  address: bigint,
  width: number,
  bits: number,
  step: number,
  zone: (digits: string[]) => string,
): string[] {
  const rounded = Math.ceil(bits / step) * step
  const network = (address >> BigInt(width - bits)) << BigInt(width - bits)
  const count = 1 << (rounded - bits)
  const zones: string[] = []
  for (let index = 0; index < count; index++) {
    const subnet = network + (BigInt(index) << BigInt(width - rounded))
    const digits: string[] = []
    for (let position = 0; position < rounded / step; position++) {
      const shift = BigInt(width - step * (position + 1))
      const digit = (subnet >> shift) & BigInt((1 << step) - 1)
      digits.unshift(step === 8 ? digit.toString(10) : digit.toString(16))
    }
    zones.push(zone(digits))
  }
  return zones
}

function parseIPv4(text: string): bigint | null {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) < 256)) return null
  return parts.reduce((value, part) => (value << 8n) + BigInt(part), 0n)
}

function parseIPv6(text: string): bigint | null {
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - head.length - tail.length
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null
  const groups = [...head, ...Array.from({length: missing}, () => '0'), ...tail]
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null
  return groups.reduce((value, group) => (value << 16n) + BigInt(Number.parseInt(group, 16)), 0n)
}

/** The directive on one line, its block inline: `hosts /etc/coredns/NodeHosts { ttl 60; fallthrough }`. */
export function directiveText(directive: Directive): string {
  const words = [directive.name, ...directive.args].map((word) =>
    word === '' || word === '{' || word === '}' || /[\s"#]/.test(word) ? JSON.stringify(word) : word,
  )
  const block = directive.block
  if (block === null) return words.join(' ')
  return `${words.join(' ')} {${block.length > 0 ? ` ${block.map(directiveText).join('; ')} ` : ''}}`
}

// Guards against a snippet importing itself through another (parse.go caps expansions too).
const MAX_SNIPPET_EXPANSIONS = 1000

class Parser {
  private index = 0
  private readonly snippets = new Map<string, Token[]>()
  private expansions = 0
  readonly notes: string[] = []

  constructor(private tokens: Token[]) {}

  parse(): ServerBlock[] {
    const blocks: ServerBlock[] = []
    while (this.index < this.tokens.length) {
      const block = this.serverBlock()
      if (block) blocks.push(block)
    }
    return blocks
  }

  private get current(): Token | undefined {
    return this.tokens[this.index]
  }

  private lastLine(): number {
    return this.tokens.at(-1)?.line ?? 1
  }

  private serverBlock(): ServerBlock | null {
    const first = this.current!
    if (first.text === 'import' && first.newLine) {
      this.importAt()
      return null
    }
    if (first.text === '}') throw new CorefileError(first.line, 'unexpected "}"')
    // Keys run to the end of the line or to `{`; a trailing comma continues them on the next line (parse.go addresses).
    const rawKeys: Array<{text: string; line: number}> = []
    let expectingAnother = false
    let opened = false
    while (this.current) {
      const token = this.current
      if (rawKeys.length > 0 && token.newLine && !expectingAnother) break
      if (token.text === '{') {
        if (expectingAnother) throw new CorefileError(token.line, 'expected another key after ","')
        if (rawKeys.length === 0) throw new CorefileError(token.line, 'unexpected "{": no zone before it')
        opened = true
        this.index++
        break
      }
      if (token.text === '}') throw new CorefileError(token.line, 'unexpected "}"')
      expectingAnother = token.text.endsWith(',')
      // CoreDNS keeps `a,b` as one (useless) key; read as the two zones the writer meant.
      for (const part of token.text.split(',')) if (part !== '') rawKeys.push({text: part, line: token.line})
      this.index++
    }
    if (expectingAnother) throw new CorefileError(this.lastLine(), 'unexpected end of file after ","')
    if (rawKeys.length === 0) return null

    const snippet = rawKeys.length === 1 ? rawKeys[0].text.match(/^\((.*)\)$/) : null
    if (snippet) {
      if (!opened) throw new CorefileError(first.line, `snippet ${rawKeys[0].text} needs "{" on its line`)
      this.defineSnippet(snippet[1], first.line)
      return null
    }

    const keys: ServerKey[] = []
    for (const raw of rawKeys) {
      for (const placeholder of placeholdersIn(raw.text)) this.notes.push(placeholderNote(placeholder, raw.line))
      keys.push(...parseServerKey(raw.text, raw.line))
    }
    // Without braces the block holds every directive to the end of the file (parse.go blockContents).
    const directives = this.directives(opened ? first.line : null, 0)
    return {keys, directives, line: first.line}
  }

  private defineSnippet(name: string, line: number) {
    if (this.snippets.has(name)) throw new CorefileError(line, `snippet (${name}) is defined twice`)
    const body: Token[] = []
    let depth = 1
    while (this.current) {
      const token = this.current
      this.index++
      if (token.text === '}' && --depth === 0) {
        this.snippets.set(name, body)
        return
      }
      if (token.text === '{') depth++
      body.push(token)
    }
    throw new CorefileError(this.lastLine(), `unexpected end of file: snippet (${name}) on line ${line} is not closed`)
  }

  /** Replaces `import X` by the snippet X, or records that a file import was not read. */
  private importAt() {
    const keyword = this.current!
    const args: Token[] = []
    let cursor = this.index + 1
    while (this.tokens[cursor] && !this.tokens[cursor].newLine) args.push(this.tokens[cursor++])
    if (args.length !== 1) throw new CorefileError(keyword.line, 'import takes exactly one argument')
    const pattern = args[0].text
    const snippet = this.snippets.get(pattern)
    if (snippet) {
      if (++this.expansions > MAX_SNIPPET_EXPANSIONS)
        throw new CorefileError(keyword.line, `snippet ${pattern} imports itself`)
      // The snippet's first token takes the import's place at the start of a line.
      const spliced = snippet.map((token, position) => (position === 0 ? {...token, newLine: true} : token))
      this.tokens = [...this.tokens.slice(0, this.index), ...spliced, ...this.tokens.slice(cursor)]
      return
    }
    const why = pattern.startsWith('(') ? '' : ' (files are not visible from the API)'
    this.notes.push(`Corefile:${keyword.line}: import ${pattern} not read${why}`)
    this.index = cursor
  }

  /** Directives up to the `}` that closes the block opened on `openLine` (null: to the end of the file). */
  private directives(openLine: number | null, depth: number): Directive[] {
    const directives: Directive[] = []
    while (this.current) {
      const token = this.current
      if (token.text === '}') {
        if (openLine === null) throw new CorefileError(token.line, 'unexpected "}"')
        this.index++
        return directives
      }
      if (token.text === '{')
        throw new CorefileError(token.line, 'unexpected "{": it must end the line of its directive')
      if (token.text === 'import') {
        this.importAt()
        continue
      }
      directives.push(this.directive(depth))
    }
    if (openLine !== null)
      throw new CorefileError(this.lastLine(), `unexpected end of file: "{" on line ${openLine} is not closed`)
    return directives
  }

  private directive(depth: number): Directive {
    const nameToken = this.current!
    this.index++
    this.notePlaceholders(nameToken)
    const args: string[] = []
    while (this.current && !this.current.newLine && this.current.text !== '{' && this.current.text !== '}') {
      this.notePlaceholders(this.current)
      args.push(this.current.text)
      this.index++
    }
    let block: Directive[] | null = null
    const next = this.current
    if (next && !next.newLine && next.text === '}') {
      // In a server block CoreDNS rejects this (parse.go directive); inside a plugin block the plugin receives
      // the `}` as one more argument, which most plugins refuse.
      if (depth === 0) throw new CorefileError(next.line, 'unexpected "}" on the line of a directive')
      this.notes.push(
        `Corefile:${next.line}: "}" on the line of "${nameToken.text}": CoreDNS passes it to the plugin as an argument; read here as closing the block`,
      )
    } else if (next && !next.newLine && next.text === '{') {
      this.index++
      block = this.directives(next.line, depth + 1)
      const after = this.current
      if (after && !after.newLine && after.text !== '}')
        throw new CorefileError(after.line, `unexpected "${after.text}" after "}"`)
    }
    return {name: nameToken.text, args, block, line: nameToken.line}
  }

  private notePlaceholders(token: Token) {
    for (const placeholder of placeholdersIn(token.text)) this.notes.push(placeholderNote(placeholder, token.line))
  }
}

/** Parses a Corefile into server blocks; throws CorefileError naming the line on a syntax error. */
export function parseCorefile(text: string): Corefile {
  const parser = new Parser(lex(text))
  const blocks = parser.parse()
  return {blocks, notes: [...new Set(parser.notes)]}
}

/**
 * The server block that answers names in `zone` on `port`, by CoreDNS's rule: among the plain-DNS keys listening
 * on that port, the longest zone that contains the name wins (core/dnsserver/server.go ServeDNS walks the name's
 * labels from the left). A key without a port listens on 53. When no block listens on `port` but every plain-DNS
 * key shares one port (OpenShift's `.:5353`, reached through the Service's targetPort), that port is used instead:
 * the Service maps 53 onto it. Null when nothing serves the zone.
 */
export function serverBlockFor(corefile: Corefile, zone: string, port = 53): ServerBlock | null {
  const name = normaliseZone(zone)
  const wanted = dnsPort(corefile, port)
  let best: {block: ServerBlock; labels: number} | null = null
  for (const {block, key} of plainKeys(corefile)) {
    if (listeningPort(key) !== wanted || !inZone(name, key.zone)) continue
    const labels = labelCount(key.zone)
    if (best === null || labels > best.labels) best = {block, labels}
  }
  return best?.block ?? null
}

function plainKeys(corefile: Corefile): Array<{block: ServerBlock; key: ServerKey}> {
  return corefile.blocks.flatMap((block) =>
    block.keys.filter((key) => key.scheme === 'dns').map((key) => ({block, key})),
  )
}

/** `port` if a plain-DNS key listens there, else the one port all plain-DNS keys share, else null. */
export function dnsPort(corefile: Corefile, port = 53): number | null {
  const ports = new Set(plainKeys(corefile).map(({key}) => listeningPort(key)))
  if (ports.has(port)) return port
  return ports.size === 1 ? [...ports][0] : null
}

/** Blocks on the same port that serve a zone strictly inside `zone`: names there never reach `zone`'s block. */
export function blocksInside(corefile: Corefile, zone: string, port = 53): Array<{block: ServerBlock; zone: string}> {
  const name = normaliseZone(zone)
  const wanted = dnsPort(corefile, port)
  return plainKeys(corefile)
    .filter(({key}) => listeningPort(key) === wanted && key.zone !== name && inZone(key.zone, name))
    .map(({block, key}) => ({block, zone: key.zone}))
}
