import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { measure, median } from "./measure.ts"

/**
 * Start-up (issue 14, point 3): `parallax --version`, `parallax plan synthetic` and `parallax stats` on an
 * empty store, each against a hello-world compiled by the same Bun with the same flags as `npm run build`,
 * measured in the same run, interleaved round by round so that a busy machine slows all of them alike.
 * Three more floors show what any command on this stack costs before it does anything: a compiled program
 * that only runs one effect (`Effect.runPromise`), one that only runs one @effect/cli command under
 * `BunRuntime.runMain` with the platform services the binary provides, and that same program holding, behind
 * a second command, the whole of `effect` and `@effect/platform` (what the binary hands to outside connector
 * modules, src/cli/ModuleLoader.ts).
 */

/** The flags of `npm run build` (package.json), so that the floors are compiled as the binary is. */
export const BUILD_FLAGS = [
  "--compile",
  "--bytecode",
  "--format=esm",
  "--splitting",
  "--minify-syntax",
  "--minify-whitespace"
] as const

/** The target: each command at most this many times the hello-world. */
export const STARTUP_RATIO_TARGET = 2.5

const HELLO = `console.log("hello")\n`

/** The least an Effect program costs: effect evaluated, one effect run. */
const EFFECT = `import { Console, Effect } from "effect"

Effect.runPromise(Console.log("hello"))
`

/**
 * One @effect/cli command (`hello`) with the platform services the binary provides (files, paths, the
 * terminal). With `namespaces`, the program can also hand every namespace of `effect` and `@effect/platform`
 * to outside modules behind a second command, as the binary does (DESIGN §8); `hello` is still what is
 * measured. Bun's bundler puts whole files in chunks: once those namespaces keep every export of every module
 * alive, each module a command reaches by a static import (@effect/cli reaches `effect/Schema`, `effect/Schema`
 * reaches fast-check) is loaded, whole, at start-up, whether or not the command uses it.
 */
const effectCli = (namespaces: boolean) => `import { Command } from "@effect/cli"
import { BunFileSystem, BunPath, BunRuntime, BunTerminal } from "@effect/platform-bun"
import { Console, Effect, Layer } from "effect"

const hello = Command.make("hello", {}, () => Console.log("hello"))
const commands = [hello]
${
  namespaces
    ? `const namespaces = () => Promise.all([import("effect"), import("@effect/platform")])
commands.push(
  Command.make("modules", {}, () =>
    Effect.promise(namespaces).pipe(Effect.flatMap((all) => Console.log(all.map((ns) => Object.keys(ns).length).join(" "))))
  )
)
`
    : ""
}const cli = Command.run(Command.make("floor").pipe(Command.withSubcommands(commands)), { name: "floor", version: "0" })
const platform = Layer.mergeAll(BunFileSystem.layer, BunPath.layer, BunTerminal.layer)
BunRuntime.runMain(cli(process.argv).pipe(Effect.provide(platform)))
`

/** The floors' names, as the report and the targets find them. */
export const HELLO_FLOOR = "hello-world"
export const EFFECT_FLOOR = "one effect"
export const CLI_FLOOR = "@effect/cli command"
export const NAMESPACES_FLOOR = "@effect/cli command + outside-module namespaces"

/** One measured command: its wall times, one per round, in milliseconds. */
export interface StartupRow {
  readonly name: string
  readonly kind: "floor" | "command"
  readonly wallMs: ReadonlyArray<number>
}

/** What a start-up run measured. */
export interface StartupResult {
  readonly rounds: number
  readonly rows: ReadonlyArray<StartupRow>
}

const compile = (root: string, dir: string, name: string, source: string): string => {
  // Inside the project, so that the floor's imports resolve to the binary's own node_modules.
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, source)
  const outfile = join(dir, name)
  const build = Bun.spawnSync([process.execPath, "build", ...BUILD_FLAGS, file, "--outfile", outfile], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe"
  })
  if (build.exitCode !== 0) throw new Error(`compiling the ${name} floor failed: ${build.stderr.toString()}`)
  return outfile
}

const run = async (argv: ReadonlyArray<string>, expect: (stdout: string) => boolean): Promise<number> => {
  const measured = await measure(argv)
  if (measured.exitCode !== 0 || !expect(measured.stdout)) {
    throw new Error(`${argv.join(" ")} exited ${measured.exitCode}: ${measured.stderr.slice(-500)}`)
  }
  return measured.wallMs
}

/** Compiles the floors into a scratch folder under `root` and measures `rounds` interleaved rounds. */
export const measureStartup = async (options: {
  readonly root: string
  readonly binary: string
  readonly rounds: number
  readonly log?: (message: string) => void
}): Promise<StartupResult> => {
  const dir = join(options.root, "bench", "out", `startup-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  try {
    options.log?.(`start-up: compiling the floors with Bun ${Bun.version}`)
    const hello = compile(options.root, dir, "hello", HELLO)
    const effect = compile(options.root, dir, "effect", EFFECT)
    const cli = compile(options.root, dir, "effect-cli", effectCli(false))
    const namespaces = compile(options.root, dir, "effect-cli-namespaces", effectCli(true))
    const emptyDb = join(dir, "empty.db")
    await run([options.binary, "migrate", "--db", emptyDb], () => true)
    const subjects: ReadonlyArray<{
      readonly name: string
      readonly kind: StartupRow["kind"]
      readonly argv: ReadonlyArray<string>
      readonly expect: (stdout: string) => boolean
    }> = [
      { name: HELLO_FLOOR, kind: "floor", argv: [hello], expect: (out) => out === "hello\n" },
      { name: EFFECT_FLOOR, kind: "floor", argv: [effect], expect: (out) => out === "hello\n" },
      { name: CLI_FLOOR, kind: "floor", argv: [cli, "hello"], expect: (out) => out === "hello\n" },
      { name: NAMESPACES_FLOOR, kind: "floor", argv: [namespaces, "hello"], expect: (out) => out === "hello\n" },
      {
        name: "parallax --version",
        kind: "command",
        argv: [options.binary, "--version"],
        expect: (out) => /^\d+\.\d+\.\d+\n$/.test(out)
      },
      {
        name: "parallax plan synthetic",
        kind: "command",
        argv: [options.binary, "plan", "synthetic"],
        expect: (out) => out.includes("synthetic")
      },
      {
        name: "parallax stats (empty store)",
        kind: "command",
        argv: [options.binary, "stats", "--db", emptyDb],
        expect: () => true
      }
    ]
    const times = subjects.map(() => [] as Array<number>)
    // One warm-up round (page cache), not counted.
    for (const subject of subjects) await run(subject.argv, subject.expect)
    for (let round = 0; round < options.rounds; round++) {
      for (const [index, subject] of subjects.entries()) times[index]?.push(await run(subject.argv, subject.expect))
    }
    return {
      rounds: options.rounds,
      rows: subjects.map((subject, index) => ({ name: subject.name, kind: subject.kind, wallMs: times[index] ?? [] }))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The median wall time of the program named `name`, if it was measured. */
export const startupMedian = (result: StartupResult, name: string): number | undefined => {
  const row = result.rows.find((candidate) => candidate.name === name)
  return row === undefined ? undefined : median(row.wallMs)
}

/** The start-up section of the report: a table with each command's median, its ratios and the verdict. */
export const renderStartup = (result: StartupResult): ReadonlyArray<string> => {
  const medianOf = (name: string) => startupMedian(result, name)
  const base = medianOf(HELLO_FLOOR)
  if (base === undefined) return []
  const cliBase = medianOf(CLI_FLOOR)
  const namespacesBase = medianOf(NAMESPACES_FLOOR)
  const effectOnly = medianOf(EFFECT_FLOOR)
  const times = (wall: number, floor: number | undefined) => (floor === undefined ? "–" : (wall / floor).toFixed(2))
  const lines = [
    "## Start-up",
    "",
    `Median wall time of ${result.rounds} interleaved rounds (bench/startup.ts); the floors are compiled in the same ` +
      `run by the same Bun with the flags of \`npm run build\`. Target: each command ≤ ${STARTUP_RATIO_TARGET}× ` +
      "the hello-world.",
    "",
    "| program | median | min–max | × hello-world | × @effect/cli command | × @effect/cli + namespaces | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |"
  ]
  for (const row of result.rows) {
    const wall = median(row.wallMs)
    const ratio = wall / base
    const verdict =
      row.kind === "floor" ? "(floor)" : ratio <= STARTUP_RATIO_TARGET ? "met" : `NOT met (${ratio.toFixed(2)}×)`
    lines.push(
      `| ${row.name} | **${wall.toFixed(1)} ms** | ${Math.min(...row.wallMs).toFixed(1)}–${Math.max(...row.wallMs).toFixed(1)} ms | ` +
        `${ratio.toFixed(2)} | ${times(wall, cliBase)} | ${times(wall, namespacesBase)} | ${verdict} |`
    )
  }
  if (cliBase !== undefined) {
    const effectPart =
      effectOnly === undefined
        ? ""
        : `A program that only runs one effect takes ${(effectOnly / base).toFixed(2)}× the hello-world ` +
          "(evaluating effect); "
    lines.push(
      "",
      `${effectPart}${effectPart === "" ? "A" : "a"} program that only runs one @effect/cli command under ` +
        `\`BunRuntime.runMain\` takes ${(cliBase / base).toFixed(2)}× (effect, @effect/cli and the platform's services).`
    )
  }
  if (namespacesBase !== undefined) {
    lines.push(
      "",
      `The same program, able to hand the whole of \`effect\` and \`@effect/platform\` to outside modules behind a ` +
        `second command (as the binary hands them to outside connector modules, DESIGN §8), takes ` +
        `${(namespacesBase / base).toFixed(2)}× running the same command: Bun's bundler assigns whole files to ` +
        "chunks, and once those namespaces keep every export of every module alive, each module that a command " +
        "reaches by a static import (@effect/cli reaches `effect/Schema`, which reaches fast-check) is loaded whole " +
        "at start-up. That is the least any command but `--version` (answered before any of them is loaded) costs " +
        "in this binary."
    )
  }
  return lines
}
