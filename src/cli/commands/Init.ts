import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Console, Effect, Option } from "effect"
import { type CliError, failure, usageError } from "../CliError.ts"
import { connectorModule, fixtureFile, readme, recordModule, testScript } from "./InitTemplates.ts"

/** A file system error as one line: `ENOTDIR: not a directory, mkdir '/tmp/afile/sub'` becomes `not a directory`. */
const reasonOf = (error: PlatformError): string => {
  const cause = error._tag === "SystemError" ? (error.cause as { readonly code?: unknown } | undefined) : undefined
  const text = error._tag === "SystemError" && error.cause instanceof Error ? error.cause.message : error.message
  const short = /^E[A-Z]+: ([^,]+)/.exec(text)?.[1]
  return short ?? (typeof cause?.code === "string" ? cause.code : text)
}

/** `parallax init <dir>`: a new connector project whose test needs only the binary. */
export const runInit = (args: {
  readonly dir: string
}): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.resolve(args.dir)
    const name =
      path
        .basename(dir)
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^[^a-z]+/, "") || "my-connector"
    const info = yield* fs.stat(dir).pipe(
      Effect.map(Option.some),
      Effect.catchIf(
        (error) => error._tag === "SystemError" && error.reason === "NotFound",
        () => Effect.succeed(Option.none())
      ),
      Effect.mapError((error) => failure(`cannot create ${dir}: ${reasonOf(error)}`))
    )
    if (Option.isSome(info) && info.value.type !== "Directory") {
      return yield* usageError(`${dir} exists and is not a directory; choose a new directory`)
    }
    const existing = Option.isSome(info)
      ? yield* fs.readDirectory(dir).pipe(Effect.mapError((error) => failure(`cannot read ${dir}: ${reasonOf(error)}`)))
      : []
    if (existing.length > 0) return yield* usageError(`${dir} is not empty; choose a new directory`)
    const write = (file: string, text: string) =>
      fs
        .writeFileString(path.join(dir, file), text)
        .pipe(Effect.mapError((error) => failure(`cannot write ${path.join(dir, file)}: ${reasonOf(error)}`)))
    yield* fs
      .makeDirectory(dir, { recursive: true })
      .pipe(Effect.mapError((error) => failure(`cannot create ${dir}: ${reasonOf(error)}`)))
    yield* write("connector.ts", connectorModule(name))
    yield* write("record.ts", recordModule())
    yield* fs
      .makeDirectory(path.join(dir, "fixtures"))
      .pipe(Effect.mapError((error) => failure(`cannot create ${path.join(dir, "fixtures")}: ${reasonOf(error)}`)))
    yield* write(path.join("fixtures", "inventory.json"), fixtureFile())
    yield* write("README.md", readme(name))
    yield* write("test.sh", testScript())
    yield* fs.chmod(path.join(dir, "test.sh"), 0o755).pipe(Effect.ignore)
    yield* Console.log(
      `created ${name} in ${dir}:\n  connector.ts  record.ts  fixtures/inventory.json  README.md  test.sh\nnext: cd ${args.dir} && ./test.sh`
    )
    return 0
  })
