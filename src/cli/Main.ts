import { ValidationError } from "@effect/cli"
import { BunFileSystem, BunPath, BunRuntime, BunTerminal } from "@effect/platform-bun"
import { Cause, Console, Effect, Exit, Layer, Logger, type LogLevel } from "effect"
import { cli, namedUsageError } from "./Cli.ts"
import { ExitCode } from "./CliError.ts"
import { cliLogger, flagValue, LOG_LEVEL_NAMES, parseLogLevel, withoutFlag } from "./Logging.ts"
import { jsonLine, printableLines, stripAnsi } from "./Printable.ts"

/**
 * The composition root (loaded by `bin.ts`): parses the command line, runs the command with the
 * platform's services and exits with its code. Expected errors are printed as their message alone (no stack trace); usage
 * errors exit 2. Logs go to standard error only, through one logger.
 */
const jsonLogs = flagValue(process.argv, "--log-format") === "json"

/**
 * An error line on standard error: `parallax: message`, or a JSON line with `--log-format json`. Control
 * characters in the message are shown escaped; a message of several lines (a config error) keeps its breaks.
 */
const printError = (message: string, exitCode: number): void => {
  process.stderr.write(
    jsonLogs
      ? `${jsonLine({ message, logLevel: "ERROR", timestamp: new Date().toISOString(), exitCode })}\n`
      : `parallax: ${printableLines(message)}\n`
  )
}

/** `--log-level NAME` (or `PARALLAX_LOG_LEVEL`); an unknown name is bad usage. */
const logLevel = ((): LogLevel.LogLevel | string => {
  const flag = flagValue(process.argv, "--log-level")
  const [value, where] =
    flag !== undefined ? [flag, "--log-level"] : [process.env.PARALLAX_LOG_LEVEL, "PARALLAX_LOG_LEVEL"]
  if (value === undefined || (value === "" && flag === undefined)) return parseLogLevel("info") as LogLevel.LogLevel
  return parseLogLevel(value ?? "") ?? `${where} must be one of ${LOG_LEVEL_NAMES}, got "${value ?? ""}"`
})()

const writeFailure = (defect: unknown): string | undefined => {
  if (typeof defect !== "object" || defect === null || !("code" in defect)) return undefined
  const code = String(defect.code)
  if (!["ENOSPC", "EIO", "EBADF", "EFBIG", "EDQUOT", "EROFS"].includes(code)) return undefined
  return `cannot write the output: ${"message" in defect ? String(defect.message) : code}`
}

/** Write errors that an effect awaiting the write (`writeStdout`) reports itself. */
const awaited = new WeakSet<object>()

// `parallax export | head`: a reader that went away is not an error; a full disk is one clear line, not
// a stack trace (these writes fail asynchronously, outside any Effect). A write whose effect waits for it
// gets the error first (its callback runs before this event) and says what it means to the command.
process.stdout.on("error", (error: { readonly code?: string }) => {
  if (awaited.has(error)) return
  if (error.code === "EPIPE") process.exit(ExitCode.ok)
  printError(writeFailure(error) ?? `cannot write the output: ${String(error)}`, ExitCode.failed)
  process.exit(ExitCode.failed)
})

/** `NO_COLOR` (https://no-color.org), or output to a file or a pipe: help and tables without ANSI codes. */
const colorless = (process.env.NO_COLOR ?? "") !== "" || !process.stdout.isTTY

const plain = (value: unknown) => (typeof value === "string" && colorless ? stripAnsi(value) : value)

/** @effect/cli ends its paragraphs (`--version`, help) with a newline of their own; `console.log` adds one. */
const oneNewline = (args: ReadonlyArray<unknown>) =>
  args.length === 1 && typeof args[0] === "string" && args[0].endsWith("\n") ? [args[0].slice(0, -1)] : args

/**
 * Standard output that reports a failed write (a full disk) instead of dropping it as `console.log`
 * does: the effect ends when the data is handed to the system, with the write's error as a defect.
 */
const writeStdout = (text: string): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    process.stdout.write(text, (error) => {
      if (error) awaited.add(error)
      resume(error ? Effect.die(error) : Effect.void)
    })
  })

/** @effect/cli's own colours (its errors are red); anything else in the text is the user's and is escaped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: an SGR sequence starts with ESC
const SGR = /\u001b\[[0-9;]*m/g

/**
 * An @effect/cli usage error in our words: the option whose value it rejects named (see `namedUsageError`),
 * and "an integer".
 */
const inOurWords = (text: string): string =>
  namedUsageError(text, process.argv).replace(/ is not a integer\b/g, " is not an integer")

/**
 * A usage error of @effect/cli (it may quote an argument), as our own error lines read: `parallax: ` first,
 * control characters escaped, red on a terminal.
 */
const usageText = (text: string): string => {
  const line = `parallax: ${printableLines(inOurWords(text.replace(SGR, "")))}`
  return colorless ? line : `\u001b[31m${line}\u001b[0m`
}

const cliConsole = (console: Console.Console): Console.Console => ({
  ...console,
  log: (...args) =>
    writeStdout(
      `${oneNewline(args)
        .map((arg) => (typeof arg === "string" ? plain(arg) : Bun.inspect(arg)))
        .join(" ")}\n`
    ),
  error: (...args) =>
    jsonLogs
      ? Effect.sync(() => printError(inOurWords(stripAnsi(oneNewline(args).map(String).join(" ")).trim()), 2))
      : console.error(...oneNewline(args).map((arg) => (typeof arg === "string" ? usageText(arg) : arg)))
})

/**
 * The platform's services that the commands and @effect/cli use: files, paths and the terminal. Not
 * `BunContext.layer`, which also builds a command executor and workers nobody here uses (a compiled program
 * that only provides it took 95 ms against 70; in this binary, which loads most of those modules anyway,
 * `plan` gained some 3 ms).
 */
const platform = Layer.mergeAll(BunFileSystem.layer, BunPath.layer, BunTerminal.layer)

const command = Effect.suspend(() =>
  typeof logLevel === "string"
    ? Effect.sync(() => {
        printError(logLevel, ExitCode.usage)
        return ExitCode.usage
      })
    : cli(withoutFlag(process.argv, "--log-level") as Array<string>).pipe(
        Effect.map((code) => (typeof code === "number" ? code : ExitCode.ok)),
        Logger.withMinimumLogLevel(logLevel)
      )
)

const program = command.pipe(
  Effect.catchAll((error) =>
    Effect.sync(() => {
      if (ValidationError.isValidationError(error)) return ExitCode.usage
      const exitCode = "exitCode" in error && typeof error.exitCode === "number" ? error.exitCode : ExitCode.failed
      printError(error instanceof Error ? error.message : String(error), exitCode)
      return exitCode
    })
  ),
  Effect.catchAllCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
    const defect = Cause.squash(cause)
    if (typeof defect === "object" && defect !== null && "code" in defect && defect.code === "EPIPE") {
      return Effect.succeed(ExitCode.ok)
    }
    return Effect.sync(() => {
      const expected = writeFailure(defect)
      // Anything else is a bug in parallax or a connector: its trace is what a report needs.
      printError(expected ?? `internal error: ${Cause.pretty(cause)}`, ExitCode.failed)
      return ExitCode.failed
    })
  }),
  Effect.provide(Logger.replace(Logger.defaultLogger, cliLogger(jsonLogs ? "json" : "text"))),
  (effect) => Console.consoleWith((console) => Effect.withConsole(effect, cliConsole(console))),
  Effect.provide(platform)
)

/**
 * Which signal interrupted the command: `runMain` interrupts the program on the first SIGINT or SIGTERM
 * (running steps stop where they emit or wait, a commit between its statements, and is rolled back) and
 * then leaves a second one to the system, which ends the process at once.
 */
let signal: "SIGINT" | "SIGTERM" | undefined
process.once("SIGINT", () => {
  signal ??= "SIGINT"
})
process.once("SIGTERM", () => {
  signal ??= "SIGTERM"
})

/** 128 + the signal's number, as a shell reports a process ended by it. */
const interruptedCode = (): number => (signal === "SIGTERM" ? 143 : 130)

BunRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(Number(exit.value))
    if (!Cause.isInterruptedOnly(exit.cause)) return onExit(ExitCode.failed)
    printError(`interrupted by ${signal ?? "SIGINT"}`, interruptedCode())
    onExit(interruptedCode())
  }
})
