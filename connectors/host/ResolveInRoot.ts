import type { Stats } from "node:fs"
import { lstat, readlink } from "node:fs/promises"
import { join } from "node:path"

/** How many symbolic links one path may go through, as Linux allows (`MAXSYMLINKS`). */
const MAX_LINKS = 40

/** A path resolved inside a root. */
export interface InRoot {
  /** Where it is on this machine: the root joined with `path`. */
  readonly real: string
  /** Where it is as seen from inside the root, after every symbolic link (`/usr/lib/os-release`). */
  readonly path: string
  /** Whether a symbolic link was followed on the way. */
  readonly linked: boolean
  /** What it is (`lstat`: never a symbolic link). */
  readonly stats: Stats
}

/** Why a path could not be resolved inside the root. */
export class Unresolved {
  readonly _tag = "Unresolved"
  constructor(
    /** `ENOENT` (missing), `ENOTDIR` (a part of it is not a directory), `ELOOP` (too many links), `EACCES`, ... */
    readonly code: string,
    /** Where the path led, inside the root, when it failed (`/dev/zero`). */
    readonly path: string,
    /** Whether a symbolic link was followed on the way. */
    readonly linked: boolean,
    /** The system's message, for codes without a wording of our own. */
    readonly detail: string
  ) {}
}

const codeOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : "EIO"
const detailOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Resolves `file` (a path as on the host: `/etc/passwd`) inside `root` as if `root` were `/`, the way
 * `chroot` or `openat2(RESOLVE_IN_ROOT)` does: one component at a time, each symbolic link read and
 * followed by hand, an absolute target starting again at the root, and `..` never climbing above it. So a
 * link in a mounted image (`/etc/os-release -> ../usr/lib/os-release`, `/var/lib/rpm ->
 * /usr/lib/sysimage/rpm`) means what it means on that machine, and no link, in the file's name or in a
 * directory on the way, reaches a file outside the root. `root` itself is trusted as given (resolve it
 * first). The tree is assumed not to change while it is read: a link swapped between this check and the
 * open is not caught here (the open refuses a final link, `O_NOFOLLOW`).
 */
export const resolveInRoot = async (root: string, file: string): Promise<InRoot | Unresolved> => {
  // Components still to walk, the next one last; `done` holds the resolved ones, each a real directory
  // except perhaps the last, whose stats are `current` (`undefined` when `done` names a directory).
  const pending = file.split("/").reverse()
  const done: Array<string> = []
  let current: Stats | undefined
  let links = 0
  const where = (...rest: ReadonlyArray<string>) =>
    `/${[...done, ...rest, ...[...pending].reverse()].filter((part) => part !== "" && part !== ".").join("/")}`
  while (pending.length > 0) {
    const part = pending.pop() as string
    if (part === "" || part === ".") continue
    if (current !== undefined && !current.isDirectory()) {
      return new Unresolved("ENOTDIR", where(part), links > 0, "not a directory")
    }
    if (part === "..") {
      done.pop()
      current = undefined
      continue
    }
    const real = join(root, ...done, part)
    let stats: Stats
    try {
      stats = await lstat(real)
    } catch (error) {
      return new Unresolved(codeOf(error), where(part), links > 0, detailOf(error))
    }
    if (!stats.isSymbolicLink()) {
      done.push(part)
      current = stats
      continue
    }
    if (++links > MAX_LINKS) return new Unresolved("ELOOP", where(part), true, "too many symbolic links")
    let target: string
    try {
      target = await readlink(real)
    } catch (error) {
      return new Unresolved(codeOf(error), where(part), true, detailOf(error))
    }
    if (target.startsWith("/")) done.length = 0
    current = undefined
    pending.push(...target.split("/").reverse())
  }
  const real = join(root, ...done)
  try {
    return { real, path: `/${done.join("/")}`, linked: links > 0, stats: current ?? (await lstat(real)) }
  } catch (error) {
    return new Unresolved(codeOf(error), `/${done.join("/")}`, links > 0, detailOf(error))
  }
}
