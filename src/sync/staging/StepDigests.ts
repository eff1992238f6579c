/**
 * Order-independent checksums of the rows each step owns, so that a commit can tell that a step staged
 * exactly the rows it committed last time without comparing them row by row.
 *
 * A row contributes `e[l] = id[l] ^ rotl(hash[l % 2], 13)` to four 32-bit lanes (the id as four
 * 32-bit words, the content hash as the two the staging index keeps: its first 64 bits); a step's checksum
 * is the lane-wise sum mod 2^32 of its rows' contributions, with the row count beside it. Ids and content
 * hashes are SHA-256 output, so a row added or removed leaves all four lanes equal only by a 2^-128
 * coincidence, a row with other content by a 2^-64 one (its hash agreeing in 64 bits, as the index's
 * comparisons need too). Sums can be taken back, so rows can leave a step (discarded, or owned by another).
 *
 * Checksums kept by a binary that summed all four words of the hash (`hash[(l + 1) % 4]` in lane `l`, so
 * another word in every lane) equal these only by a 2^-128 coincidence: the first sync after an upgrade
 * diffs each step row by row (writing no row that did not change), and keeps the new checksums.
 */
export interface StepDigest {
  readonly rows: number
  /** The four lanes as 32 hex digits. */
  readonly digest: string
}

/** How many 32-bit words of each content hash the staging index keeps: the first 64 bits (see `StagedIndex`). */
export const HASH_WORDS = 2

const rotl13 = (value: number): number => ((value << 13) | (value >>> 19)) >>> 0

export class StepDigests {
  /** Per step: the row count, then the four lanes. */
  private readonly sums = new Map<string, Float64Array>()
  /** The step added to last and its sums: a step's rows mostly come one after another. */
  private lastStep: string | undefined
  private lastSum: Float64Array | undefined

  /**
   * Adds (`sign` 1) or takes back (`sign` -1) a row of `step`: its id is words `4 * at ..` of `ids`, its
   * content hash words `HASH_WORDS * at ..` of `hashes`.
   */
  add(step: string, ids: Uint32Array, hashes: Uint32Array, at: number, sign: 1 | -1): void {
    let sum = step === this.lastStep ? this.lastSum : this.sums.get(step)
    if (sum === undefined) {
      sum = new Float64Array(5)
      this.sums.set(step, sum)
    }
    this.lastStep = step
    this.lastSum = sum
    sum[0] = (sum[0] as number) + sign
    const base = 4 * at
    const hashBase = HASH_WORDS * at
    for (let lane = 0; lane < 4; lane++) {
      const contribution = ((ids[base + lane] as number) ^ rotl13(hashes[hashBase + (lane & 1)] as number)) >>> 0
      // ToUint32 (`>>> 0`) is the sum mod 2^32, negative sums included: exact, as every term is below 2^33.
      sum[lane + 1] = ((sum[lane + 1] as number) + sign * contribution) >>> 0
    }
    if (sum[0] === 0) this.clear(step)
  }

  /** Forgets `step` (all its rows left it). */
  clear(step: string): void {
    this.sums.delete(step)
    if (step === this.lastStep) {
      this.lastStep = undefined
      this.lastSum = undefined
    }
  }

  /** The checksum of every step that owns rows. */
  get(): ReadonlyMap<string, StepDigest> {
    const out = new Map<string, StepDigest>()
    for (const [step, sum] of this.sums) {
      let digest = ""
      for (let lane = 1; lane <= 4; lane++) digest += (sum[lane] as number).toString(16).padStart(8, "0")
      out.set(step, { rows: sum[0] as number, digest })
    }
    return out
  }
}
