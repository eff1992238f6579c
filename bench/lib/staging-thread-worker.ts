/**
 * The worker of bench/staging-thread.ts (an experiment): claims each handed-over row's id in an `IdIndex` of
 * its kind and writes the batch (a header word per row, then the text) to a file, then hands the batch's
 * buffers back. On `{ end: true }` it answers how many ids it claimed as new, and removes its file.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IdIndex, key } from "../../src/sync/staging/IdIndex.ts"

/** Rows per batch, and 32-bit words per row: kind, text length, two spare, then up to four ids of 4 words. */
export const BATCH_ROWS = 4096
export const ROW_WORDS = 20

/** A batch on the main thread: the rows' words and text, and how much of each is filled. */
export interface Batch {
  readonly words: Uint32Array
  readonly text: Buffer
  rows: number
  textAt: number
}

export const newBatch = (): Batch => ({
  words: new Uint32Array(BATCH_ROWS * ROW_WORDS),
  text: Buffer.alloc(BATCH_ROWS * 512),
  rows: 0,
  textAt: 0
})

/** What the worker posts back: a batch's buffers, or at the end the ids it claimed as new. */
export type Returned =
  | { readonly words: ArrayBuffer; readonly text: ArrayBuffer; readonly claimed?: undefined }
  | { readonly claimed: number }

interface Sent {
  readonly end?: true
  readonly rows: number
  readonly textAt: number
  readonly words: ArrayBuffer
  readonly text: ArrayBuffer
}

if (!Bun.isMainThread) {
  const port = globalThis as unknown as Worker
  const indexes = [new IdIndex(), new IdIndex()] as const
  const dir = mkdtempSync(join(tmpdir(), "parallax-staging-thread-"))
  const fd = openSync(join(dir, "rows"), "w+", 0o600)
  const lengths = new Uint32Array(BATCH_ROWS)
  let claimed = 0
  port.onmessage = (event: MessageEvent<Sent>) => {
    const data = event.data
    if (data.end) {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
      port.postMessage({ claimed } satisfies Returned)
      return
    }
    const words = new Uint32Array(data.words)
    for (let row = 0; row < data.rows; row++) {
      const base = row * ROW_WORDS
      key[0] = words[base + 4] as number
      key[1] = words[base + 5] as number
      key[2] = words[base + 6] as number
      key[3] = words[base + 7] as number
      if (indexes[words[base] === 0 ? 0 : 1].claimKey() < 0) claimed++
      lengths[row] = words[base + 1] as number
    }
    writeSync(fd, new Uint8Array(lengths.buffer, 0, 4 * data.rows))
    writeSync(fd, new Uint8Array(data.text, 0, data.textAt))
    port.postMessage({ words: data.words, text: data.text } satisfies Returned, [data.words, data.text])
  }
}
