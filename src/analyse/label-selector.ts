// Equality-based label selectors as kubectl -l takes them (a=b, a==b, a!=b, a, !a), for --from-file scans;
// against a cluster the API server evaluates the selector.
import {InspectError} from '../errors.js'

export function selectorMatcher(selector: string | undefined): (labels: Record<string, string> | undefined) => boolean {
  if (!selector) return () => true
  const terms = selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .map((term) => {
      let match = term.match(/^([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)$/)
      if (match) {
        const [, key, op, value] = match
        return (labels: Record<string, string>) => (op === '!=' ? labels[key] !== value : labels[key] === value)
      }
      match = term.match(/^(!?)([A-Za-z0-9_./-]+)$/)
      if (match) {
        const [, not, key] = match
        return (labels: Record<string, string>) => (not ? !(key in labels) : key in labels)
      }
      throw new InspectError(`invalid label selector "${selector}": cannot parse "${term}"`)
    })
  return (labels) => terms.every((term) => term(labels ?? {}))
}
