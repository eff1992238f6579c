/**
 * A nudge to the garbage collector every `every` rows of a long synchronous pass (staging, the diff).
 * Such a pass drops garbage faster than JavaScriptCore's own heuristics collect it (SQLite's BLOBs become
 * one `Uint8Array` each, every emitted object leaves strings and buffers behind): at n = 1M a churn sync's
 * diff took RSS from 390 to 610 MiB before a collection caught up. `Bun.gc(false)` asks for a collection
 * without waiting for a full one. Every 65,536 rows, by hand at n = 1M (one binary against the other, same
 * machine, same stores): peak RSS of `first` 501 → 449 MiB, `same` 419–571 → 406–422, churn 729–768 → 488–489,
 * with the wall times within each other's noise. Reading staged rows back (a step that reads what an earlier
 * one emitted) counts too: each row read leaves its text and a record behind (and its properties, once read);
 * `same` at n = 1M, by hand, twice each, peaked at 393–405 MiB with those rows counted, 447–505 without, in the
 * same time.
 */
export const collectorNudge = (every: number = 1 << 16) => everyRows(every, () => Bun.gc(false))

/**
 * How often staging nudges the collector as the steps emit: an emitted object leaves some 1 KB behind (its
 * strings, properties, record and JSON), so 65,536 rows between nudges let the heap swing by 40-80 MiB
 * (bun:jsc heapStats, a first sync at n = 1M). Every 16,384 rows, by hand at n = 1M (one binary against the
 * other, twice each, same stores; the diff's nudge changed too, which neither spends time in): peak RSS of
 * `first` 321-326 → 308-309 MiB, `same` 311-315 → 285-286, in the same time. The diff keeps 65,536: there, a nudge four times as often raised churn's peak (355-359 → 367-371
 * MiB), the rows a stream holds being promoted rather than freed.
 */
export const EMIT_NUDGE = 1 << 14

/**
 * How often a driver nudges the collector while it reads staged rows back for a write: a row read from a
 * log leaves its text and its record, more than an emit leaves. By hand at n = 1M (an SQLite churn, one
 * binary against the other), every 16,384 rows rather than 65,536 took the peak RSS from 444-459 to 400 MiB,
 * in the same time.
 */
export const READ_BACK_NUDGE = 1 << 14

/**
 * A full, synchronous collection every `every` rows, for the diff's pass over the committed rows: each row
 * read leaves an object and its BLOBs, which outlive the young generation (the stream holds a chunk while it
 * is diffed), so the nudge's collections do not reclaim them and the heap grew by one object per row. At
 * n = 1M (a churn diff from source, by hand, bun:jsc heapStats every 512k rows): without it RSS rose from 389 to
 * 445 MiB during the diff with the heap's objects from 0.5M to 1.7M; with it every 262,144 rows RSS stayed at
 * 379-402 MiB, each collection taking 30-65 ms (some 0.6 s for 3.5M rows).
 */
export const fullCollection = (every: number = 1 << 18) => everyRows(every, () => Bun.gc(true))

/** Counts rows (`count` at a time) and runs `collect` each time `every` more have passed. */
function everyRows(every: number, collect: () => void): (count?: number) => void {
  let rows = 0
  return (count = 1) => {
    rows += count
    if (rows >= every) {
      rows = 0
      collect()
    }
  }
}
