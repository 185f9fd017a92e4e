// When an object was last written, from what the API server keeps: managedFields' times, else its creation. Pure.
import type {ObjectMeta} from '../model/k8s.js'

/** The latest write the metadata shows (ISO), or null when it shows none. */
export function lastWriteOf(metadata: ObjectMeta): string | null {
  const times = [...(metadata.managedFields ?? []).map((field) => field.time), metadata.creationTimestamp]
    .map((time) => (time ? Date.parse(time) : Number.NaN))
    .filter(Number.isFinite)
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : null
}
