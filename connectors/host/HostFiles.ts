import { readdir, realpath } from "node:fs/promises"
import { Context, Effect, Layer } from "effect"
import { ConnectorFailed } from "parallax-connect"
import { formatBytes } from "./Bytes.ts"
import { DEFAULT_MAX_FILE_BYTES } from "./Config.ts"
import { NotRegular, notRegular, readRegularFile, TooLarge } from "./RegularFile.ts"
import { type InRoot, resolveInRoot, Unresolved } from "./ResolveInRoot.ts"

/** How much of one file may be read, and the config key that sets it (named when a file is larger). */
export interface ReadLimit {
  readonly bytes: number
  readonly key: string
}

/** What `HostFiles.make` reads with. */
export interface HostFilesOptions {
  /** The largest file read unless a read names its own limit (default 64 MiB). */
  readonly maxFileBytes?: number
}

/**
 * Read-only access to the files of the host under a root directory (`/` for the machine itself, a
 * generated tree in tests). Paths are given as on the host (`/etc/passwd`) and resolved inside the root
 * as if it were `/` (symbolic links included: see `resolveInRoot`), so nothing outside the root is read.
 * Only regular files are read, each up to a limit (`maxFileBytes`). A missing, unreadable, oversized or
 * special file (FIFO, socket, device, directory) is a `ConnectorFailed` naming the file, so the step that
 * needed it fails on its own and the other steps still run.
 */
export class HostFiles extends Context.Tag("parallax/host/HostFiles")<
  HostFiles,
  {
    readonly root: string
    /** The file's text; fails when it is missing or cannot be read. */
    readonly readText: (file: string) => Effect.Effect<string, ConnectorFailed>
    /** The file's text, or `undefined` when it does not exist; fails when it exists but cannot be read. */
    readonly readOptional: (file: string) => Effect.Effect<string | undefined, ConnectorFailed>
    /** The file's bytes (up to `limit`, by default `maxFileBytes`), or `undefined` when it does not exist. */
    readonly readBytes: (file: string, limit?: ReadLimit) => Effect.Effect<Uint8Array | undefined, ConnectorFailed>
    /** The names in a directory, sorted; fails when it is missing or cannot be read. */
    readonly list: (directory: string) => Effect.Effect<ReadonlyArray<string>, ConnectorFailed>
    /** Whether the path exists (inside the root). */
    readonly exists: (file: string) => Effect.Effect<boolean>
  }
>() {
  /** HostFiles over `root` on the local file system. */
  static readonly make = (root: string, options: HostFilesOptions = {}) =>
    Effect.gen(function* () {
      // The root itself is trusted as given: a link to it (`/mnt/image -> /data/image`) is followed once.
      const base = yield* Effect.promise(() => realpath(root).catch(() => root))
      const fileLimit: ReadLimit = { bytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, key: "maxFileBytes" }
      const where = (file: string) => (root === "/" ? file : `${file} (under root ${root})`)
      const via = (linked: boolean, path: string) =>
        linked ? ` (its symbolic links lead to ${path}${root === "/" ? "" : " inside the root"})` : ""
      const unresolved = (problem: Unresolved): string => {
        const said =
          problem.code === "ENOENT"
            ? "it does not exist"
            : problem.code === "ENOTDIR"
              ? "a part of its path is not a directory"
              : problem.code === "ELOOP"
                ? "too many levels of symbolic links"
                : problem.code === "EACCES"
                  ? "permission denied"
                  : problem.detail
        return problem.code === "ELOOP" ? said : `${said}${via(problem.linked, problem.path)}`
      }
      const failed = (file: string, what: string, reason: string, cause?: unknown) =>
        new ConnectorFailed({ reason: `cannot ${what} ${where(file)}: ${reason}`, cause })
      const regular = (found: InRoot, kind: string) =>
        `it is ${kind}, not a regular file${via(found.linked, found.path)}`
      const resolve = (file: string) => Effect.promise(() => resolveInRoot(base, file))

      /** The bytes, `Unresolved` (`ENOENT`) when missing, or the failure naming the file. */
      const load = (file: string, limit: ReadLimit) =>
        Effect.gen(function* () {
          const found = yield* resolve(file)
          if (found instanceof Unresolved) {
            return found.code === "ENOENT" ? found : yield* failed(file, "read", unresolved(found))
          }
          const kind = notRegular(found.stats)
          if (kind !== undefined) return yield* failed(file, "read", regular(found, kind))
          const read = yield* Effect.tryPromise({
            try: () => readRegularFile(found.real, limit.bytes),
            catch: (error) => {
              const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "EIO"
              const detail = error instanceof Error ? error.message : String(error)
              return failed(file, "read", unresolved(new Unresolved(code, found.path, found.linked, detail)), error)
            }
          })
          if (read instanceof NotRegular) return yield* failed(file, "read", regular(found, read.kind))
          if (read instanceof TooLarge) {
            const size = read.size === undefined ? "" : ` ${formatBytes(read.size)},`
            return yield* failed(
              file,
              "read",
              `it is${size} more than ${limit.key} (${formatBytes(limit.bytes)}); raise ${limit.key} to read it`
            )
          }
          return read
        })
      const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

      return HostFiles.of({
        root,
        readText: Effect.fn("HostFiles.readText")(function* (file: string) {
          const bytes = yield* load(file, fileLimit)
          return bytes instanceof Unresolved ? yield* failed(file, "read", unresolved(bytes)) : text(bytes)
        }),
        readOptional: Effect.fn("HostFiles.readOptional")(function* (file: string) {
          const bytes = yield* load(file, fileLimit)
          return bytes instanceof Unresolved ? undefined : text(bytes)
        }),
        readBytes: Effect.fn("HostFiles.readBytes")(function* (file: string, limit?: ReadLimit) {
          const bytes = yield* load(file, limit ?? fileLimit)
          return bytes instanceof Unresolved ? undefined : bytes
        }),
        list: Effect.fn("HostFiles.list")(function* (directory: string) {
          const found = yield* resolve(directory)
          if (found instanceof Unresolved) return yield* failed(directory, "list", unresolved(found))
          if (!found.stats.isDirectory()) {
            const kind = notRegular(found.stats) ?? "a regular file"
            return yield* failed(directory, "list", `it is ${kind}, not a directory${via(found.linked, found.path)}`)
          }
          const names = yield* Effect.tryPromise({
            try: () => readdir(found.real),
            catch: (error) => failed(directory, "list", error instanceof Error ? error.message : String(error), error)
          })
          return [...names].sort()
        }),
        exists: (file) => resolve(file).pipe(Effect.map((found) => !(found instanceof Unresolved)))
      })
    })

  /** HostFiles over `root` on the local file system. */
  static readonly layer = (root: string, options: HostFilesOptions = {}): Layer.Layer<HostFiles> =>
    Layer.effect(HostFiles, HostFiles.make(root, options))
}
