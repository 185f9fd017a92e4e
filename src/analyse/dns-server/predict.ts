// The answer a cluster's DNS server gives each question, from the objects it reads and its profile. Pure.
import type {PredictedAnswer, Question, Upstream} from './answer.js'
import {CoreDnsModel} from './coredns.js'
import {KubeDnsModel} from './kube-dns.js'
import type {DnsProfile} from './profile.js'
import {IndexedWorld, worldFromObjects, type DnsWorld} from './world.js'

export interface DnsModel {
  /** The predicted answer, or null for a question outside what the model knows (another zone, a type it does not serve). */
  answer(question: Question): PredictedAnswer | null
}

/** kube-dns has rules of its own; CoreDNS's stand for an unknown server (the report says it was assumed). */
export function dnsModel(
  world: DnsWorld | IndexedWorld,
  profile: DnsProfile,
  upstream: Upstream = 'unknown',
): DnsModel {
  const indexed = world instanceof IndexedWorld ? world : new IndexedWorld(world)
  return profile.implementation === 'kube-dns'
    ? new KubeDnsModel(indexed, profile, upstream)
    : new CoreDnsModel(indexed, profile, upstream)
}

/** Every question's predicted answer (null where the model cannot say), in the questions' order. */
export function predictAnswers(
  objects: unknown[],
  profile: DnsProfile,
  questions: Question[],
  upstream: Upstream = 'unreachable',
): Array<PredictedAnswer | null> {
  const model = dnsModel(worldFromObjects(objects), profile, upstream)
  return questions.map((question) => model.answer(question))
}
