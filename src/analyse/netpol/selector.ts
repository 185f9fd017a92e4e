// metav1.LabelSelector in its structured form, as NetworkPolicy carries it (podSelector, namespaceSelector).
// The text form kubectl -l takes is in ../label-selector.ts; this is the API's matchLabels + matchExpressions.
import type {LabelSelector, LabelSelectorRequirement} from './types.js'

type Labels = Record<string, string> | undefined

function requirementMatches(requirement: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, requirement.key)
  const values = requirement.values ?? []
  switch (requirement.operator) {
    case 'In': {
      return has && values.includes(labels[requirement.key])
    }

    // apimachinery labels.Requirement.Matches: NotIn also matches objects without the key at all.
    case 'NotIn': {
      return !has || !values.includes(labels[requirement.key])
    }

    case 'Exists': {
      return has
    }

    case 'DoesNotExist': {
      return !has
    }

    default: {
      // An unknown operator is rejected by the API server; matching nothing is the safe reading of a dump.
      return false
    }
  }
}

/** "An empty label selector matches all objects"; matchLabels and matchExpressions are ANDed. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  const set = labels ?? {}
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (!Object.hasOwn(set, key) || set[key] !== value) return false
  }

  return (selector?.matchExpressions ?? []).every((requirement) => requirementMatches(requirement, set))
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0
}

/** The selector in kubectl's text form (app=web,tier in (a,b),!legacy); "" for the empty selector. */
export function selectorText(selector: LabelSelector | undefined): string {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`)
  for (const requirement of selector?.matchExpressions ?? []) {
    const values = (requirement.values ?? []).join(',')
    if (requirement.operator === 'In') terms.push(`${requirement.key} in (${values})`)
    else if (requirement.operator === 'NotIn') terms.push(`${requirement.key} notin (${values})`)
    else if (requirement.operator === 'Exists') terms.push(requirement.key)
    else terms.push(`!${requirement.key}`)
  }

  return terms.join(',')
}

/** Labels as a=b,c=d for messages, sorted; "no labels" when there are none. */
export function labelsText(labels: Labels): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b))
  return entries.length === 0 ? 'no labels' : entries.map(([key, value]) => `${key}=${value}`).join(',')
}
