/**
 * A nudge to the garbage collector every `every` rows of a long synchronous pass (staging, the diff).
 * Such a pass drops garbage faster than JavaScriptCore's own heuristics collect it (SQLite's BLOBs become
 * one `Uint8Array` each, every emitted object leaves strings and buffers behind): at n = 1M a churn sync's
 * diff took RSS from 390 to 610 MiB before a collection caught up. `Bun.gc(false)` asks for a collection
 * without waiting for a full one. Every 65,536 rows, by hand at n = 1M (one binary against the other, same
 * machine, same stores): peak RSS of `first` 501 → 449 MiB, `same` 419–571 → 406–422, churn 729–768 → 488–489,
 * with the wall times within each other's noise. Reading staged rows back (a step that reads what an earlier
 * one emitted) counts too: each row read leaves a record and its parsed properties behind; `same` at n = 1M,
 * by hand, twice each, peaked at 393–405 MiB with those rows counted, 447–505 without, in the same time.
 */
export const collectorNudge = (every: number = 1 << 16) => {
  let rows = 0
  return (count = 1): void => {
    rows += count
    if (rows >= every) {
      rows = 0
      Bun.gc(false)
    }
  }
}
