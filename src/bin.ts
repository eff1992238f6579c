#!/usr/bin/env bun
import { stripVTControlCharacters } from "node:util"
import { ValidationError } from "@effect/cli"
import { BunContext, BunRuntime } from "@effect/platform-bun"
import { Cause, Console, Effect, Exit, Logger, LogLevel, Option } from "effect"
import { cli } from "./cli/Cli.ts"
import { ExitCode } from "./cli/CliError.ts"

/**
 * The composition root: parses the command line, runs the command with the platform's services and
 * exits with its code. Expected errors are printed as their message alone (no stack trace); usage
 * errors exit 2.
 */
const logLevel = (argv: ReadonlyArray<string>): LogLevel.LogLevel => {
  const at = argv.indexOf("--log-level")
  const value = at >= 0 ? argv[at + 1] : process.env.PARALLAX_LOG_LEVEL
  return LogLevel.allLevels.find((level) => level.label.toLowerCase() === value?.toLowerCase()) ?? LogLevel.Info
}

const withoutLogLevel = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const at = argv.indexOf("--log-level")
  return at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv
}

const jsonLogs =
  process.argv.includes("--log-format") && process.argv[process.argv.indexOf("--log-format") + 1] === "json"

const isBrokenPipe = (defect: unknown): boolean =>
  typeof defect === "object" && defect !== null && "code" in defect && defect.code === "EPIPE"

// `parallax export | head`: a reader that went away is not an error (the write fails asynchronously).
process.stdout.on("error", (error: { readonly code?: string }) => {
  if (error.code === "EPIPE") process.exit(ExitCode.ok)
  throw error
})

/** `NO_COLOR` (https://no-color.org), or output to a file or a pipe: help and tables without ANSI codes. */
const colorless = (process.env.NO_COLOR ?? "") !== "" || !process.stdout.isTTY

const plain = (value: unknown) => (typeof value === "string" ? stripVTControlCharacters(value) : value)

const colorlessConsole = (console: Console.Console): Console.Console => ({
  ...console,
  log: (...args) => console.log(...args.map(plain)),
  error: (...args) => console.error(...args.map(plain))
})

const program = Effect.suspend(() => cli(withoutLogLevel(process.argv) as Array<string>)).pipe(
  Effect.map((code) => (typeof code === "number" ? code : ExitCode.ok)),
  Effect.catchAll((error) =>
    Effect.sync(() => {
      if (ValidationError.isValidationError(error)) return ExitCode.usage
      const message = error instanceof Error ? error.message : String(error)
      process.stderr.write(`parallax: ${message}\n`)
      return "exitCode" in error && typeof error.exitCode === "number" ? error.exitCode : ExitCode.failed
    })
  ),
  Effect.catchAllDefect((defect) => (isBrokenPipe(defect) ? Effect.succeed(ExitCode.ok) : Effect.die(defect))),
  Logger.withMinimumLogLevel(logLevel(process.argv)),
  Effect.provide(
    jsonLogs
      ? Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.jsonLogger))
      : Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))
  ),
  (effect) =>
    colorless ? Console.consoleWith((console) => Effect.withConsole(effect, colorlessConsole(console))) : effect,
  Effect.provide(BunContext.layer)
)

BunRuntime.runMain(program, {
  disableErrorReporting: false,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit)
        ? Number(exit.value)
        : Option.isSome(Cause.failureOption(exit.cause))
          ? ExitCode.failed
          : Cause.isInterruptedOnly(exit.cause)
            ? 130
            : ExitCode.failed
    )
})
