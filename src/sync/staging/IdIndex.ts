/**
 * An exact set of 128-bit ids, each given a dense sequence number in the order it was first added: open
 * addressing over typed arrays, so a sync's index costs about 26 bytes per staged object (16 for the id,
 * 8 to 12 of table at most half full) instead of a JavaScript string and map entry (over 100 bytes). Ids
 * are uniform hashes, so their first 32 bits are the table hash.
 *
 * Ids come as 32 lowercase hex digits (the model's form) or as 16 bytes (the store's form); both are
 * decoded into the four 32-bit words of `key`, which the index then looks up.
 *
 * Sequence numbers never change and are never reused for another id: forgetting an id is its owner's
 * business (see `SqliteStaging`), and the same id added again finds its old number.
 */
export class IdIndex {
  private words = new Uint32Array(4 * 1024)
  /**
   * Open addressing with linear probing, at most half full. An id's home slot is its first word scaled to
   * the table (`word / 2^32 * length`, always below `length`), so the table's length need not be a power
   * of two: past a million slots it grows by half, not twice (at n = 1M the bench's 2.5M entities take
   * 5.3M slots, 21 MB, where doubling gave 8.4M, 34 MB).
   *
   * A slot holds its id's sequence number + 1 (0: empty) in its low 27 bits (`SEQ`) and the top 5 bits
   * of the id's second word in its top 5 (`TAG`): a probe passes over 31 of 32 other ids without reading
   * their words, which lie anywhere in a table of tens of MiB (a cache miss each).
   */
  private slots = new Int32Array(2048)
  private scale = this.slots.length / 2 ** 32
  /** How many ids the index holds (the next sequence number). */
  size = 0

  /** The sequence number of `id` (hex), or -1. */
  find(id: string): number {
    keyFromHex(id)
    return this.findKey()
  }

  /** The sequence number of the id in `key`, or -1. */
  findKey(): number {
    if (this.slots.length === 0) this.wake()
    const a = key[0] as number
    const b = key[1] as number
    const c = key[2] as number
    const d = key[3] as number
    const tag = b & TAG
    const words = this.words
    const slots = this.slots
    for (let slot = Math.floor(a * this.scale); ; slot = slot + 1 === slots.length ? 0 : slot + 1) {
      const entry = slots[slot] as number
      if (entry === 0) return -1
      if ((entry & TAG) !== tag) continue
      const base = 4 * ((entry & SEQ) - 1)
      if (words[base] === a && words[base + 1] === b && words[base + 2] === c && words[base + 3] === d) {
        return (entry & SEQ) - 1
      }
    }
  }

  /**
   * The sequence number of `id` (hex), adding it if it is new: `>= 0` when it was there, `~seq` when it
   * was added. `key` holds the id's words afterwards.
   */
  claim(id: string): number {
    keyFromHex(id)
    return this.claimKey()
  }

  /** `claim` for a 16-byte id. */
  claimBytes(id: Uint8Array): number {
    keyFromBytes(id)
    return this.claimKey()
  }

  /** The sequence number of a 16-byte id, or -1. */
  findBytes(id: Uint8Array): number {
    keyFromBytes(id)
    return this.findKey()
  }

  /** `claim` for the id in `key`. */
  claimKey(): number {
    if (this.slots.length === 0) this.wake()
    const a = key[0] as number
    const b = key[1] as number
    const c = key[2] as number
    const d = key[3] as number
    const tag = b & TAG
    const words = this.words
    const slots = this.slots
    let slot = Math.floor(a * this.scale)
    for (; ; slot = slot + 1 === slots.length ? 0 : slot + 1) {
      const entry = slots[slot] as number
      if (entry === 0) break
      if ((entry & TAG) !== tag) continue
      const base = 4 * ((entry & SEQ) - 1)
      if (words[base] === a && words[base + 1] === b && words[base + 2] === c && words[base + 3] === d) {
        return (entry & SEQ) - 1
      }
    }
    if (this.size >= MAX_IDS)
      throw new RangeError(`more than ${MAX_IDS} ids in one index (objects of a kind in one sync)`)
    const seq = this.size++
    if (4 * this.size > this.words.length) this.words = resized(this.words, 4 * nextCapacity(this.words.length / 4))
    const base = 4 * seq
    const into = this.words
    into[base] = a
    into[base + 1] = b
    into[base + 2] = c
    into[base + 3] = d
    slots[slot] = tag | (seq + 1)
    if (2 * this.size > slots.length) this.rehash()
    return ~seq
  }

  /** The ids' words, four per sequence number (valid until the next `claim`). */
  get idWords(): Uint32Array {
    return this.words
  }

  /**
   * Frees the table (a third to a half of the index's bytes: 21 MB for the bench's 2.5M entities) while no
   * id is looked up, as while a commit writes; the next lookup builds it again from the ids. The ids and
   * their sequence numbers stay.
   */
  rest(): void {
    release(this.slots)
    this.slots = new Int32Array(0)
  }

  /** Builds the table again after `rest` (an empty table is a resting one: a live one has 2048 slots or more). */
  private wake(): void {
    this.rehash(this.capacityFor(this.size))
  }

  /** The table's length for `size` ids: the one growing from the first table would reach. */
  private capacityFor(size: number): number {
    let length = 2048
    while (2 * size > length) length = nextCapacity(length, 2)
    return length
  }

  private rehash(length = nextCapacity(this.slots.length, 2)): void {
    // Half more, not a quarter: the table must stay at most half full after growing.
    const slots = new Int32Array(length)
    const scale = slots.length / 2 ** 32
    const words = this.words
    for (let seq = 0; seq < this.size; seq++) {
      let slot = Math.floor((words[4 * seq] as number) * scale)
      while (slots[slot] !== 0) slot = slot + 1 === slots.length ? 0 : slot + 1
      slots[slot] = ((words[4 * seq + 1] as number) & TAG) | (seq + 1)
    }
    release(this.slots)
    this.slots = slots
    this.scale = scale
  }
}

/** The bits of a slot that hold an id's sequence number + 1, and those that hold its tag (see `IdIndex`). */
const SEQ = (1 << 27) - 1
const TAG = ~SEQ

/**
 * How many ids an index can hold: 134 million, some 2 GiB of ids alone (a sync stages one kind of object
 * per index, so this is far beyond what one sync's memory allows).
 */
export const MAX_IDS = SEQ - 1

/**
 * The capacity that follows `capacity` (elements) when it is full: twice as many up to a million, then a
 * `1 / fraction` more (a quarter by default), in multiples of 1024. Doubling to the end left up to half of
 * a large index empty (at n = 1M the bench's 2.5M entities sat in arrays for 4.2M: some 60 MiB of RSS);
 * copying a quarter more each time costs little.
 */
export const nextCapacity = (capacity: number, fraction = 4): number =>
  capacity < 1 << 20 ? 2 * capacity : capacity + Math.ceil(capacity / fraction / 1024) * 1024

/**
 * `array` with `length` elements (its contents kept). The old backing store is handed over
 * (`ArrayBuffer.transfer`), so it is freed now rather than whenever the garbage collector gets to it: an
 * index of millions of ids would otherwise hold its discarded generations too.
 */
export const resized = <A extends Uint32Array | Uint16Array | Int32Array | Uint8Array>(array: A, length: number): A => {
  const Type = array.constructor as new (buffer: ArrayBuffer) => A
  return new Type((array.buffer as ArrayBuffer).transfer(length * array.BYTES_PER_ELEMENT))
}

/** Frees the backing store of an array that is no longer used. */
export const release = (array: Uint32Array | Uint16Array | Int32Array | Uint8Array): void => {
  ;(array.buffer as ArrayBuffer).transfer(0)
}

/** The four 32-bit words of the id (or hash) last decoded. */
export const key = new Uint32Array(4)

const NIBBLE = new Int32Array(256).fill(-1)
for (let digit = 0; digit < 16; digit++) NIBBLE["0123456789abcdef".charCodeAt(digit)] = digit

/** Decodes 32 lowercase hex digits into `into` (default `key`); throws on anything else. */
export const keyFromHex = (hex: string, into: Uint32Array = key, at = 0): void => {
  if (hex.length !== 32) throw new Error(`not a 128-bit hex id: ${JSON.stringify(hex)}`)
  for (let lane = 0; lane < 4; lane++) {
    let value = 0
    let invalid = 0
    for (let index = 8 * lane; index < 8 * lane + 8; index++) {
      const code = hex.charCodeAt(index)
      const nibble = code < 256 ? (NIBBLE[code] as number) : -1
      invalid |= nibble
      value = (value << 4) | nibble
    }
    if (invalid < 0) throw new Error(`not a 128-bit hex id: ${JSON.stringify(hex)}`)
    into[at + lane] = value >>> 0
  }
}

/** Decodes a 16-byte id (as the store keeps it) into `key`. */
export const keyFromBytes = (bytes: Uint8Array): void => {
  for (let lane = 0; lane < 4; lane++) {
    const at = 4 * lane
    key[lane] =
      (((bytes[at] as number) << 24) |
        ((bytes[at + 1] as number) << 16) |
        ((bytes[at + 2] as number) << 8) |
        (bytes[at + 3] as number)) >>>
      0
  }
}
