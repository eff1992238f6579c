/**
 * The rpm header format (the header structure of the rpm file format, as the rpm database stores
 * each installed package): an optional intro (magic `8e ad e8 01`, 4 reserved bytes), then the index
 * length `il` and data length `dl` (32-bit big-endian), `il` index entries of four 32-bit big-endian
 * fields (tag, type, offset into the data, count), then `dl` bytes of data. The database keeps the
 * blob without the intro; a header read from a package file has it.
 */

const MAGIC = [0x8e, 0xad, 0xe8, 0x01] as const

const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022, sourceRpm: 1044 } as const
const TYPE = { int32: 4, string: 6, stringArray: 8, i18nString: 9 } as const

/** The fields of an installed package the host connector keeps. */
export interface RpmHeader {
  readonly name: string
  readonly version: string
  readonly release: string
  readonly epoch: number | null
  readonly arch: string | null
  readonly sourceRpm: string | null
}

/** Why a blob is not an rpm header. */
export class MalformedHeader {
  readonly _tag = "MalformedHeader"
  constructor(readonly reason: string) {}
}

/** The fields of one rpm header blob, or why it is not one. */
export const parseRpmHeader = (blob: Uint8Array): RpmHeader | MalformedHeader => {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  const start = MAGIC.every((byte, index) => blob[index] === byte) ? 8 : 0
  if (blob.length < start + 8) return new MalformedHeader(`${blob.length} bytes are too few for a header`)
  const il = view.getUint32(start)
  const dl = view.getUint32(start + 4)
  const store = start + 8 + il * 16
  if (il === 0 || store + dl > blob.length) {
    return new MalformedHeader(`its index (${il} entries, ${dl} bytes of data) does not fit in ${blob.length} bytes`)
  }
  const text = (offset: number): string | undefined => {
    const from = store + offset
    if (offset < 0 || from >= store + dl) return undefined
    const end = blob.indexOf(0, from)
    return new TextDecoder().decode(blob.subarray(from, end < 0 || end > store + dl ? store + dl : end))
  }
  const found = new Map<number, string | number>()
  for (let index = 0; index < il; index++) {
    const entry = start + 8 + index * 16
    const tag = view.getInt32(entry)
    const type = view.getUint32(entry + 4)
    const offset = view.getInt32(entry + 8)
    if (!Object.values(TAG).includes(tag as never)) continue
    if (type === TYPE.string || type === TYPE.stringArray || type === TYPE.i18nString) {
      const value = text(offset)
      if (value !== undefined) found.set(tag, value)
    } else if (type === TYPE.int32 && offset >= 0 && store + offset + 4 <= store + dl) {
      found.set(tag, view.getUint32(store + offset))
    }
  }
  const string = (tag: number) => {
    const value = found.get(tag)
    return typeof value === "string" && value !== "" ? value : null
  }
  const name = string(TAG.name)
  const version = string(TAG.version)
  const release = string(TAG.release)
  if (name === null || version === null || release === null) {
    return new MalformedHeader("it has no name, version or release")
  }
  const epoch = found.get(TAG.epoch)
  return {
    name,
    version,
    release,
    epoch: typeof epoch === "number" ? epoch : null,
    arch: string(TAG.arch),
    sourceRpm: string(TAG.sourceRpm)
  }
}
