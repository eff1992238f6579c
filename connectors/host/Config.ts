import { Schema } from "effect"
import { ByteSize } from "./Bytes.ts"

/** The default `maxFileBytes`: far above a real dpkg status file or apk database (a few MiB). */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 ** 2
/** The default `maxRpmDbBytes`: rpm's SQLite database holds every package's header and is read whole. */
export const DEFAULT_MAX_RPMDB_BYTES = 512 * 1024 ** 2

/**
 * The configuration of `host`: the root directory its files are read under, and how large a file it
 * reads (each file is read into memory; a larger one fails the step that needed it).
 */
export const HostConfig = Schema.Struct({
  root: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { default: () => "/" }).annotations({
    description: "The file system root to read (`/` for this machine; a generated tree in tests)."
  }),
  maxFileBytes: Schema.optionalWith(ByteSize, { default: () => DEFAULT_MAX_FILE_BYTES }).annotations({
    description: "The largest file read (passwd, group, the dpkg status file, the apk database, /proc and /sys files)."
  }),
  maxRpmDbBytes: Schema.optionalWith(ByteSize, { default: () => DEFAULT_MAX_RPMDB_BYTES }).annotations({
    description: "The largest rpm database (`rpmdb.sqlite`) read."
  })
})

/** The decoded configuration of `host`. */
export type HostConfig = typeof HostConfig.Type
