// Label selectors in their text form, as kubectl -l and CoreDNS's `labels`/`namespace_labels` take them
// (apimachinery labels.Parse): a=b, a==b, a!=b, a, !a, a in (x,y), a notin (x,y). Used for --from-file scans
// and for the DNS model; against a cluster the API server evaluates -l itself.
import {InspectError} from '../errors.js'

type Term = (labels: Record<string, string>) => boolean

const KEY = '[A-Za-z0-9_./-]+'
const VALUE = '[A-Za-z0-9_.-]*'

/** Splits on commas outside parentheses: `a in (x,y),b=c` has two terms. */
function splitTerms(selector: string): string[] {
  const terms: string[] = []
  let depth = 0
  let start = 0
  for (let index = 0; index < selector.length; index++) {
    const character = selector[index]
    if (character === '(') depth++
    else if (character === ')') depth--
    else if (character === ',' && depth === 0) {
      terms.push(selector.slice(start, index))
      start = index + 1
    }
  }
  terms.push(selector.slice(start))
  return terms.map((term) => term.trim()).filter(Boolean)
}

function parseTerm(term: string, selector: string): Term {
  let match = term.match(new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`))
  if (match) {
    const [, key, op, value] = match
    return (labels) => (op === '!=' ? labels[key] !== value : labels[key] === value)
  }
  match = term.match(new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`))
  if (match) {
    const [, key, op, list] = match
    const values = new Set(list.split(',').map((value) => value.trim()))
    return (labels) =>
      op === 'in' ? key in labels && values.has(labels[key]) : !(key in labels && values.has(labels[key]))
  }
  match = term.match(new RegExp(`^(!?)(${KEY})$`))
  if (match) {
    const [, not, key] = match
    return (labels) => (not ? !(key in labels) : key in labels)
  }
  throw new InspectError(`invalid label selector "${selector}": cannot parse "${term}"`)
}

export function selectorMatcher(selector: string | undefined): (labels: Record<string, string> | undefined) => boolean {
  if (!selector) return () => true
  const terms = splitTerms(selector).map((term) => parseTerm(term, selector))
  return (labels) => terms.every((term) => term(labels ?? {}))
}
