import type { Stats } from "node:fs"
import { constants, open } from "node:fs/promises"

/** The first buffer for a file whose size the system does not say (`/proc` files report 0). */
const FIRST_CHUNK = 64 * 1024

/** A file that is not a regular file, as its stats say it: `a FIFO (named pipe)`, `a directory`, ... */
export const notRegular = (stats: Stats): string | undefined => {
  if (stats.isFile()) return undefined
  if (stats.isDirectory()) return "a directory"
  if (stats.isFIFO()) return "a FIFO (named pipe)"
  if (stats.isSocket()) return "a socket"
  if (stats.isCharacterDevice()) return "a character device"
  if (stats.isBlockDevice()) return "a block device"
  if (stats.isSymbolicLink()) return "a symbolic link"
  return "not a file"
}

/** The file is not a regular file (`kind` says what it is). */
export class NotRegular {
  readonly _tag = "NotRegular"
  constructor(readonly kind: string) {}
}

/** The file holds more than the limit: `size` when the system said how much, else `undefined`. */
export class TooLarge {
  readonly _tag = "TooLarge"
  constructor(readonly size: number | undefined) {}
}

/**
 * The bytes of the regular file at `real`, at most `limit` of them. It is opened without following a
 * final symbolic link and without blocking (`O_NOFOLLOW | O_NONBLOCK`, so a FIFO put there after it was
 * resolved cannot hang the open), checked to be a regular file on the open descriptor, and read into a
 * buffer that never grows beyond `limit + 1` bytes: a file that holds more is `TooLarge` (with the size
 * the system reports, when that is above the limit), whether it says its size (a regular file), says
 * none (`/proc`) or grows while it is read, so memory stays bounded by the limit. A system error
 * (missing, denied) is thrown, with its `code`.
 */
export const readRegularFile = async (real: string, limit: number): Promise<Uint8Array | NotRegular | TooLarge> => {
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW)
  try {
    const stats = await handle.stat()
    const kind = notRegular(stats)
    if (kind !== undefined) return new NotRegular(kind)
    // The size is a hint only: /proc files report 0, /sys files 4096 whatever they hold.
    let buffer = new Uint8Array(Math.min(limit + 1, stats.size > 0 ? stats.size + 1 : FIRST_CHUNK))
    let length = 0
    for (;;) {
      if (length === buffer.length) {
        if (length > limit) return new TooLarge(stats.size > limit ? stats.size : undefined)
        const larger = new Uint8Array(Math.min(limit + 1, buffer.length * 2))
        larger.set(buffer)
        buffer = larger
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) return buffer.subarray(0, length)
      length += bytesRead
    }
  } finally {
    await handle.close()
  }
}
