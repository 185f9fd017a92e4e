// Colour and table helpers shared by the human renderers. Colour only on a TTY, never with NO_COLOR/--no-color.
import chalk, {Chalk, type ChalkInstance} from 'chalk'
import Table from 'cli-table3'
import type {RecordStatus, Severity} from '../model/report.js'

export function paletteFor(stream: NodeJS.WriteStream, noColor: boolean): ChalkInstance {
  const enabled = !noColor && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && stream.isTTY === true
  return enabled ? new Chalk({level: chalk.level || 1}) : new Chalk({level: 0})
}

export function severityColor(palette: ChalkInstance, severity: Severity): (text: string) => string {
  return severity === 'error' ? palette.red.bold : severity === 'warning' ? palette.yellow : palette.cyan
}

export function statusColor(palette: ChalkInstance, status: RecordStatus): (text: string) => string {
  return status === 'match'
    ? palette.green
    : status === 'missing'
      ? palette.red
      : status === 'unexpected'
        ? palette.yellow
        : (text: string) => text
}

/** A `kubectl get` table: upper-case headers, columns three spaces apart, no borders. */
export function kubectlTable(head: string[], rows: string[][]): string {
  const table = new Table({
    head,
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '',
    },
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 3, compact: true},
  })
  table.push(...rows)
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}
