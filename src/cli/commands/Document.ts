import { FileSystem, type Path } from "@effect/platform"
import { Console, Effect } from "effect"
import { documentConnector } from "../../connector/Document.ts"
import { type CliError, failure } from "../CliError.ts"
import { resolveConnector } from "../ResolveConnector.ts"

/** Where two texts first differ, as a short hint: the line number and both versions of that line. */
export const firstDifference = (expected: string, found: string): string => {
  const want = expected.split("\n")
  const have = found.split("\n")
  const at = want.findIndex((line, index) => line !== have[index])
  const index = at < 0 ? want.length : at
  const show = (line: string | undefined) => (line === undefined ? "(end of file)" : JSON.stringify(line))
  return `first difference at line ${index + 1}:\n  expected ${show(want[index])}\n  found    ${show(have[index])}`
}

/**
 * `parallax document <connector>`: the connector's data model as Markdown on standard output; with
 * `--check FILE`, exit 0 when FILE holds exactly that text and 1 (with where it differs) when it does not.
 */
export const runDocument = (args: {
  readonly connector: string
  readonly check: string | undefined
}): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const connector = yield* resolveConnector(args.connector)
    const text = documentConnector(connector)
    if (args.check === undefined) {
      // The text ends with one newline, which the console adds back.
      yield* Console.log(text.slice(0, -1))
      return 0
    }
    const file = args.check
    const regenerate = `regenerate it with \`parallax document ${args.connector} > ${file}\``
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* failure(`${file} does not exist: ${regenerate}`)
    }
    const current = yield* fs
      .readFileString(file)
      .pipe(Effect.mapError((error) => failure(`cannot read ${file}: ${error.message}`)))
    if (current === text) {
      yield* Console.log(`${file} is current`)
      return 0
    }
    return yield* failure(`${file} is out of date: ${regenerate}\n${firstDifference(text, current)}`)
  })
