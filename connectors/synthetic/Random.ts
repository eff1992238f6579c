/**
 * Seeded, stateless randomness for the synthetic inventory: every draw is a pure function of the seed
 * and a path of labels (`unit(seed, "instance", 7, "state", 3)`), so any object can be generated on its
 * own, in any order, and the same config always gives the same data. No `Math.random`, no clock.
 */

/** A 53-bit hash of the labels (cyrb53), stable across runs and platforms. */
const hash53 = (text: string): number => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** A label path: the seed first, then names and indexes. */
export type Labels = ReadonlyArray<string | number>

/** A number in [0, 1) drawn from the labels. */
export const unit = (...labels: Labels): number => hash53(labels.join("\u0000")) / 2 ** 53

/** An integer in [0, n) drawn from the labels. */
export const below = (n: number, ...labels: Labels): number => Math.floor(unit(...labels) * n)

/** An element of a non-empty array drawn from the labels. */
export const pick = <A>(items: ReadonlyArray<A>, ...labels: Labels): A => items[below(items.length, ...labels)] as A

/** `true` with probability `p`. */
export const chance = (p: number, ...labels: Labels): boolean => unit(...labels) < p

/** `length` lowercase hex digits drawn from the labels. */
export const hex = (length: number, ...labels: Labels): string => {
  let out = ""
  for (let block = 0; out.length < length; block++) {
    out += (hash53([...labels, block].join("\u0000")) % 2 ** 48).toString(16).padStart(12, "0")
  }
  return out.slice(0, length)
}

/**
 * Whether object `index` of a kind is among a `ratio` share of them: a golden-ratio sequence with a
 * seeded offset, so any run of consecutive indexes holds very nearly `ratio` of them (exactly 0 or all
 * at the ends), unlike independent coin flips on a handful of objects.
 */
export const share = (ratio: number, index: number, ...labels: Labels): boolean =>
  (index * 0.6180339887498949 + unit(...labels, "offset")) % 1 < ratio
