// --expect FILE: a DNS contract for CI. What must resolve (and how), and what must not, checked against the
// live answers. Parsing keeps line numbers so a schema error names its line.
import {isMap, isScalar, LineCounter, parseDocument, type Node, type Pair} from 'yaml'
import {answered, parseSrv, type QueryResult} from '../dns/types.js'
import {isRecordType, RECORD_TYPES, type Finding, type RecordType} from '../model/report.js'
import {InspectError} from '../errors.js'

export interface Expectation {
  name: string
  type: RecordType
  line: number
  /** `absent`: the name must not resolve for this type (NXDOMAIN or no records). */
  absent: boolean
  count?: number
  min?: number
  max?: number
  port?: number
  values?: string[]
}

export interface ExpectationResult {
  name: string
  type: RecordType
  rule: string
  status: 'pass' | 'fail'
  message: string
  line: number
}

const RULES = ['count', 'min', 'max', 'port', 'values']

export function parseExpectations(text: string, source: string): Expectation[] {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, {lineCounter})
  const lineOf = (node: Node | Pair | null | undefined) => {
    const range = (node as {range?: [number, number, number] | null} | null | undefined)?.range
    return range ? lineCounter.linePos(range[0]).line : 1
  }
  const fail = (node: Node | Pair | null | undefined, message: string): never => {
    throw new InspectError(`${source}:${lineOf(node)}: ${message}`)
  }
  if (document.errors.length > 0) {
    const error = document.errors[0]
    throw new InspectError(
      `${source}:${error.linePos?.[0]?.line ?? 1}: not valid YAML: ${error.message.split('\n')[0]}`,
    )
  }
  if (!isMap(document.contents))
    fail(document.contents, 'expected a map of DNS names to rules, e.g. "web.shop.svc.cluster.local: {A: {count: 2}}"')
  const expectations: Expectation[] = []
  for (const pair of (document.contents as {items: Pair[]}).items) {
    const keyNode = pair.key as Node
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string' || !/^[a-z0-9_.-]+\.?$/i.test(keyNode.value))
      fail(keyNode, 'each key must be a DNS name')
    const name = `${String((keyNode as {value: string}).value)
      .toLowerCase()
      .replace(/\.$/, '')}.`
    const value = pair.value as Node | null
    if (isScalar(value) && value.value === 'absent') {
      expectations.push({name, type: 'A', line: lineOf(keyNode), absent: true})
      continue
    }
    if (!isMap(value))
      fail(
        value ?? keyNode,
        `rules for ${name} must be "absent" or a map of record types (${RECORD_TYPES.join(', ')}) to rules`,
      )
    for (const typePair of (value as {items: Pair[]}).items) {
      const typeNode = typePair.key as Node
      const type = String(
        (typeNode as {value?: string | number | boolean | null}).value ?? '',
      ).toUpperCase() as RecordType
      if (!isRecordType(type))
        fail(
          typeNode,
          `unknown record type "${String((typeNode as {value?: unknown}).value)}" (use ${RECORD_TYPES.join(', ')})`,
        )
      const rules = typePair.value as Node | null
      const line = lineOf(typeNode)
      if (isScalar(rules) && rules.value === 'absent') {
        expectations.push({name, type, line, absent: true})
        continue
      }
      if (!isMap(rules))
        fail(rules ?? typeNode, `rules for ${name} ${type} must be "absent" or a map with ${RULES.join(', ')}`)
      const expectation: Expectation = {name, type, line, absent: false}
      for (const rulePair of (rules as {items: Pair[]}).items) {
        const ruleNode = rulePair.key as Node
        const rule = String((ruleNode as {value?: unknown}).value)
        const ruleValue =
          (rulePair.value as {toJSON?: () => unknown} | null)?.toJSON?.() ??
          (rulePair.value as {value?: unknown} | null)?.value
        if (!RULES.includes(rule)) fail(ruleNode, `unknown rule "${rule}" for ${type} (use ${RULES.join(', ')})`)
        if (rule === 'values') {
          if (
            !Array.isArray(ruleValue) ||
            ruleValue.some((item) => typeof item !== 'string' && typeof item !== 'number')
          )
            fail(rulePair.value as Node, 'values must be a list of record data')
          expectation.values = (ruleValue as unknown[]).map((item) => String(item))
        } else {
          if (typeof ruleValue !== 'number' || !Number.isInteger(ruleValue) || ruleValue < 0)
            fail(rulePair.value as Node, `${rule} must be a non-negative integer`)
          if (rule === 'port' && type !== 'SRV') fail(ruleNode, 'port applies to SRV records only')
          expectation[rule as 'count' | 'min' | 'max' | 'port'] = ruleValue as number
        }
      }
      expectations.push(expectation)
    }
  }
  return expectations
}

export function describeRule(expectation: Expectation): string {
  if (expectation.absent) return 'absent'
  const parts = (['count', 'min', 'max', 'port'] as const)
    .filter((rule) => expectation[rule] !== undefined)
    .map((rule) => `${rule}=${expectation[rule]}`)
  if (expectation.values) parts.push(`values=${expectation.values.join(',')}`)
  return parts.join(' ') || 'resolves'
}

/** Checks each expectation against the answer of the primary server (what applications see). */
export function evaluateExpectations(expectations: Expectation[], results: QueryResult[]): ExpectationResult[] {
  return expectations.map((expectation) => {
    const result = results.find(
      (candidate) => candidate.name === expectation.name && candidate.type === expectation.type,
    )
    const base = {
      name: expectation.name,
      type: expectation.type,
      rule: describeRule(expectation),
      line: expectation.line,
    }
    if (!result || !answered(result)) {
      return {...base, status: 'fail' as const, message: `no answer (${result?.error ?? result?.rcode ?? 'not asked'})`}
    }
    const answers = result.answers.filter((answer) => answer.type === expectation.type)
    const problems: string[] = []
    if (expectation.absent) {
      if (answers.length > 0) problems.push(`resolves to ${answers.map((answer) => answer.data).join(', ')}`)
    } else {
      if (answers.length === 0)
        problems.push(`does not resolve (${result.rcode}${result.rcode === 'NOERROR' ? ', no records' : ''})`)
      if (expectation.count !== undefined && answers.length !== expectation.count)
        problems.push(`${answers.length} records, want ${expectation.count}`)
      if (expectation.min !== undefined && answers.length < expectation.min)
        problems.push(`${answers.length} records, want at least ${expectation.min}`)
      if (expectation.max !== undefined && answers.length > expectation.max)
        problems.push(`${answers.length} records, want at most ${expectation.max}`)
      if (expectation.port !== undefined) {
        const wrong = answers.filter((answer) => parseSrv(answer.data).port !== expectation.port)
        if (wrong.length > 0)
          problems.push(
            `port ${[...new Set(wrong.map((answer) => parseSrv(answer.data).port))].join(',')}, want ${expectation.port}`,
          )
      }
      if (expectation.values) {
        const got = answers.map((answer) => normalize(expectation.type, answer.data)).sort()
        const want = expectation.values.map((value) => normalize(expectation.type, value)).sort()
        if (got.join(' ') !== want.join(' '))
          problems.push(`values ${got.join(', ') || 'none'}, want ${want.join(', ')}`)
      }
    }
    const answerText = answers.map((answer) => answer.data).join(', ') || result.rcode
    return problems.length > 0
      ? {...base, status: 'fail' as const, message: problems.join('; ')}
      : {
          ...base,
          status: 'pass' as const,
          message: expectation.absent ? `does not resolve (${result.rcode})` : answerText,
        }
  })
}

function normalize(type: RecordType, data: string): string {
  if (type === 'SRV') {
    const parts = data.trim().split(/\s+/)
    const [port, target] = parts.length === 4 ? parts.slice(2) : parts
    return `${port} ${target.toLowerCase().replace(/\.$/, '')}.`
  }
  if (type === 'A' || type === 'AAAA') return data.trim()
  return `${data.trim().toLowerCase().replace(/\.$/, '')}.`
}

/** Each failed entry as an error finding, pointing at its line in the contract. */
export function expectationFindings(results: ExpectationResult[], source: string): Finding[] {
  return results
    .filter((result) => result.status === 'fail')
    .map((result) => ({
      code: 'ExpectationFailed',
      severity: 'error' as const,
      object: `expect/${result.name}`,
      message: `${result.name} ${result.type} ${result.rule}: ${result.message}`,
      hint: `from ${source}:${result.line}`,
    }))
}
