/**
 * Why an inspection could not go on, for code to branch on (the message is for people): the API's refusals
 * (NotFound, Forbidden, Unauthorized, Invalid for a request it rejected as malformed), a request that timed
 * out, a server that could not be reached, or Invalid for input the tool itself refuses. Failed: any other
 * error status.
 */
export type ErrorReason = 'NotFound' | 'Forbidden' | 'Unauthorized' | 'Timeout' | 'Unreachable' | 'Invalid' | 'Failed'

// The one error type commands turn into `error: <message>` on stderr and exit code 2 ("could not inspect").
export class InspectError extends Error {
  constructor(
    message: string,
    readonly reason: ErrorReason = 'Invalid',
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'InspectError'
  }
}

export const EXIT_CLEAN = 0
export const EXIT_PROBLEMS = 1
export const EXIT_CANNOT_INSPECT = 2

/** First line of any error, trimmed: what a person reads when the tool cannot go on. */
export function oneLineMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^See more help with/.test(line))
  return lines.join(' ').replace(/\s+/g, ' ') || 'unknown error'
}
