// What dist/client-node.cjs has in place of client-node's ObjectSerializer (scripts/bundle.mjs puts it there).
// The generated API clients turn each response into instances of ~700 model classes, and the gateway turned
// them back into wire JSON, which is what the analysis reads. Defining those classes is half of client-node's
// load (~9 ms of every cluster command), and the conversions cost again per response. Here JSON stays JSON both
// ways: what the API server sends is what the gateway gets, and a request body (the resolver pod) is sent as
// written, in wire form. The media-type handling is client-node's own (gen/models/ObjectSerializer.js).

interface MimeType {
  type: string
  subtype: string
  subtypeTokens: string[]
}

function parseMimeType(mimeType: string): MimeType {
  const [type = '', subtype = ''] = mimeType.split('/')
  return {type, subtype, subtypeTokens: subtype.split('+')}
}

const isA = (type: string, subtype?: string) => (mimeType: string) => {
  const parsed = parseMimeType(mimeType)
  return parsed.type === type && (subtype === undefined || parsed.subtype === subtype)
}
const isTextLike = isA('text')
const isJsonLike = (mimeType: string) => {
  const parsed = parseMimeType(mimeType)
  return parsed.type === 'application' && parsed.subtypeTokens.includes('json')
}
/** In client-node's order of preference. */
const SUPPORTED = [
  isA('application', 'json'),
  isJsonLike,
  isTextLike,
  isA('application', 'octet-stream'),
  isA('application', 'x-www-form-urlencoded'),
]

export class ObjectSerializer {
  static findCorrectType(_data: unknown, expectedType: string): string {
    return expectedType
  }

  static serialize(data: unknown): unknown {
    return data
  }

  static deserialize(data: unknown): unknown {
    return data
  }

  static normalizeMediaType(mediaType: string | undefined): string | undefined {
    return mediaType === undefined ? undefined : (mediaType.split(';')[0] ?? '').trim().toLowerCase()
  }

  static getPreferredMediaType(mediaTypes: string[]): string {
    if (mediaTypes.length === 0) return 'application/json'
    const normal = mediaTypes.map(ObjectSerializer.normalizeMediaType)
    for (const supported of SUPPORTED) {
      const found = normal.find((mediaType) => mediaType != null && supported(mediaType))
      if (found) return found
    }
    throw new Error(`None of the given media types are supported: ${mediaTypes.join(', ')}`)
  }

  static stringify(data: unknown, mediaType: string): string {
    if (isTextLike(mediaType)) return String(data)
    if (isJsonLike(mediaType)) return JSON.stringify(data)
    throw new Error(`The mediaType ${mediaType} is not supported by ObjectSerializer.stringify.`)
  }

  static parse(rawData: string, mediaType: string | undefined): unknown {
    if (mediaType === undefined) throw new Error('Cannot parse content. No Content-Type defined.')
    if (isTextLike(mediaType)) return rawData
    if (isJsonLike(mediaType)) return JSON.parse(rawData)
    throw new Error(`The mediaType ${mediaType} is not supported by ObjectSerializer.parse.`)
  }
}
