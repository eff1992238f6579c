import { FileSystem } from "@effect/platform"
import { Effect, Layer } from "effect"
import { SchemaTooOld, type Store } from "../sync/Store.ts"
import * as SqliteStore from "../store/sqlite/SqliteStore.ts"
import { type CliError, failure, usageError } from "./CliError.ts"

/**
 * The store at `path` as a layer; a file that is not a parallax database is a clear error (exit 1).
 * `readOnly`: the file must exist and is never written (for dry runs); an older schema is refused.
 */
export const storeLayer = (path: string, options: { readonly readOnly?: boolean } = {}): Layer.Layer<Store, CliError> =>
  SqliteStore.layerWith({ path, readOnly: options.readOnly ?? false }).pipe(
    Layer.mapError((error) =>
      failure(
        error._tag === "StoreError" && error.cause instanceof SchemaTooOld
          ? `cannot dry-run against store ${path}: ${error.cause.message}`
          : `cannot open store ${path}: ${error.message}`
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
    return yield* use.pipe(Effect.provide(storeLayer(path)))
  })
