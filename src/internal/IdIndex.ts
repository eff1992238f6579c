/**
 * An exact set of 128-bit ids (32 lowercase hex digits), each given a dense sequence number in the order
 * it was first added: open addressing over typed arrays, so a sync's index costs about 25 bytes per
 * staged object (16 for the id, 8 of table at most half full, 1 spare) instead of a JavaScript string
 * and map entry (over 100 bytes). Ids are uniform hashes, so their first 32 bits are the table hash.
 *
 * Sequence numbers never change and are never reused for another id: forgetting an id is its owner's
 * business (see `SqliteStaging`), and the same id added again finds its old number.
 */
export class IdIndex {
  private words = new Uint32Array(4 * 1024)
  private slots = new Int32Array(2048)
  private mask = this.slots.length - 1
  /** How many ids the index holds (the next sequence number). */
  size = 0

  /** The sequence number of `id`, or -1. */
  find(id: string): number {
    parse(id)
    const a = scratch.readUInt32BE(0)
    const b = scratch.readUInt32BE(4)
    const c = scratch.readUInt32BE(8)
    const d = scratch.readUInt32BE(12)
    const words = this.words
    for (let slot = a & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] as number
      if (entry === 0) return -1
      const base = 4 * (entry - 1)
      if (words[base] === a && words[base + 1] === b && words[base + 2] === c && words[base + 3] === d) {
        return entry - 1
      }
    }
  }

  /** The sequence number of `id`, adding it if it is new: `>= 0` when it was there, `~seq` when added. */
  claim(id: string): number {
    parse(id)
    const a = scratch.readUInt32BE(0)
    const b = scratch.readUInt32BE(4)
    const c = scratch.readUInt32BE(8)
    const d = scratch.readUInt32BE(12)
    const words = this.words
    let slot = a & this.mask
    for (; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] as number
      if (entry === 0) break
      const base = 4 * (entry - 1)
      if (words[base] === a && words[base + 1] === b && words[base + 2] === c && words[base + 3] === d) {
        return entry - 1
      }
    }
    const seq = this.size++
    if (4 * this.size > this.words.length) this.words = grown(this.words)
    this.words[4 * seq] = a
    this.words[4 * seq + 1] = b
    this.words[4 * seq + 2] = c
    this.words[4 * seq + 3] = d
    this.slots[slot] = seq + 1
    if (2 * this.size > this.slots.length) this.rehash()
    return ~seq
  }

  /** The id of sequence number `seq`. */
  idOf(seq: number): string {
    let hex = ""
    for (let index = 4 * seq; index < 4 * seq + 4; index++) {
      hex += ((this.words[index] as number) >>> 0).toString(16).padStart(8, "0")
    }
    return hex
  }

  private rehash(): void {
    const slots = new Int32Array(2 * this.slots.length)
    const mask = slots.length - 1
    for (let seq = 0; seq < this.size; seq++) {
      let slot = (this.words[4 * seq] as number) & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = seq + 1
    }
    release(this.slots)
    this.slots = slots
    this.mask = mask
  }
}

/**
 * A copy of `array` twice as long. The old backing store is handed over (`ArrayBuffer.transfer`), so it is
 * freed now rather than whenever the garbage collector gets to it: an index of millions of ids would
 * otherwise hold its discarded generations too.
 */
export const grown = <A extends Uint32Array | Uint16Array | Int32Array>(array: A): A => {
  const Type = array.constructor as new (buffer: ArrayBuffer) => A
  return new Type((array.buffer as ArrayBuffer).transfer(2 * array.byteLength))
}

/** Frees the backing store of an array that is no longer used. */
export const release = (array: Uint32Array | Uint16Array | Int32Array): void => {
  ;(array.buffer as ArrayBuffer).transfer(0)
}

const scratch = Buffer.alloc(16)

/** Decodes `id` into `scratch`; throws on anything but 32 hex digits (as `unhex` reads them). */
const parse = (id: string): void => {
  if (id.length !== 32 || scratch.write(id, 0, 16, "hex") !== 16) {
    throw new Error(`not a 128-bit hex id: ${JSON.stringify(id)}`)
  }
}
