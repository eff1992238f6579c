import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { BunFileSystem } from "@effect/platform-bun"
import { Context, Effect, Layer } from "effect"
import { ConnectorFailed } from "parallax-connect"

/**
 * Read-only access to the files of the host under a root directory (`/` for the machine itself, a
 * generated tree in tests). Paths are given as on the host (`/etc/passwd`) and resolved under the root.
 * A missing or unreadable file is a `ConnectorFailed` naming the file, so the step that needed it fails
 * on its own and the other steps still run.
 */
export class HostFiles extends Context.Tag("parallax/host/HostFiles")<
  HostFiles,
  {
    readonly root: string
    /** The file's text; fails when it is missing or unreadable. */
    readonly readText: (file: string) => Effect.Effect<string, ConnectorFailed>
    /** The file's text, or `undefined` when it does not exist; fails when it exists but cannot be read. */
    readonly readOptional: (file: string) => Effect.Effect<string | undefined, ConnectorFailed>
    /** The file's bytes, or `undefined` when it does not exist. */
    readonly readBytes: (file: string) => Effect.Effect<Uint8Array | undefined, ConnectorFailed>
    /** The names in a directory, sorted; fails when it is missing or unreadable. */
    readonly list: (directory: string) => Effect.Effect<ReadonlyArray<string>, ConnectorFailed>
    /** Whether the path exists. */
    readonly exists: (file: string) => Effect.Effect<boolean>
  }
>() {
  /** HostFiles over `root`, on the platform's `FileSystem` and `Path`. */
  static readonly make = (root: string) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const resolve = (file: string) => path.join(root, file)
      const where = (file: string) => (root === "/" ? file : `${file} (under root ${root})`)
      const failure = (file: string, what: string) => (error: PlatformError) =>
        new ConnectorFailed({
          reason: `cannot ${what} ${where(file)}: ${error._tag === "SystemError" && error.reason === "NotFound" ? "it does not exist" : error.message}`,
          cause: error
        })
      const isMissing = (error: PlatformError) => error._tag === "SystemError" && error.reason === "NotFound"
      const optional = <A>(file: string, read: Effect.Effect<A, PlatformError>) =>
        read.pipe(
          Effect.map((value): A | undefined => value),
          Effect.catchIf(isMissing, () => Effect.succeed(undefined)),
          Effect.mapError(failure(file, "read"))
        )
      return HostFiles.of({
        root,
        readText: (file) => fs.readFileString(resolve(file)).pipe(Effect.mapError(failure(file, "read"))),
        readOptional: (file) => optional(file, fs.readFileString(resolve(file))),
        readBytes: (file) => optional(file, fs.readFile(resolve(file))),
        list: (directory) =>
          fs.readDirectory(resolve(directory)).pipe(
            Effect.map((names) => [...names].sort()),
            Effect.mapError(failure(directory, "list"))
          ),
        exists: (file) => fs.exists(resolve(file)).pipe(Effect.orElseSucceed(() => false))
      })
    })

  /** HostFiles over `root` on the local file system. */
  static readonly layer = (root: string): Layer.Layer<HostFiles> =>
    Layer.effect(HostFiles, HostFiles.make(root)).pipe(Layer.provide(Layer.merge(BunFileSystem.layer, Path.layer)))
}
