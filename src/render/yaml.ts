// YAML output, in a module of its own so the yaml library loads only when -o yaml asks for it.
import {stringify} from 'yaml'

export function renderYaml(value: unknown): string {
  return stringify(value, {lineWidth: 0})
}
