import { FileSystem } from "@effect/platform"
import { Effect, Layer } from "effect"
import * as SqliteStore from "../store/sqlite/SqliteStore.ts"
import type { Store } from "../sync/Store.ts"
import { type CliError, failure, usageError } from "./CliError.ts"

/**
 * The store at `path` as a layer; a file that is not a parallax database is a clear error (exit 1).
 * `readOnly`: the file must exist and is never written (reads and dry runs); an older schema is refused,
 * saying how to migrate it. `purpose` names what the store is opened for in that message.
 */
export const storeLayer = (
  path: string,
  options: { readonly readOnly?: boolean; readonly purpose?: string } = {}
): Layer.Layer<Store, CliError> =>
  SqliteStore.layerWith({ path, readOnly: options.readOnly ?? false }).pipe(
    Layer.mapError((error) =>
      failure(
        `cannot ${options.purpose ?? (error._tag === "SchemaTooOld" ? "read" : "open")} store ${path}: ${error.message}`
      )
    )
  )

/** For read commands: the store must already exist (they never create one). */
export const withExistingStore = <A, E, R>(
  path: string,
  use: Effect.Effect<A, E, R | Store>
): Effect.Effect<A, E | CliError, Exclude<R, Store> | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const exists = yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false))
    if (!exists) return yield* usageError(`no store at ${path}: run \`parallax sync <connector> --db ${path}\` first`)
    // Reads never write: not even a migration (an older store is refused, saying to run `parallax migrate`).
    return yield* use.pipe(Effect.provide(storeLayer(path, { readOnly: true, purpose: "read" })))
  })
