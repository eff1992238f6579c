#!/usr/bin/env bun
import { ValidationError } from "@effect/cli"
import { BunContext, BunRuntime } from "@effect/platform-bun"
import { Cause, Effect, Exit, Logger, LogLevel, Option } from "effect"
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
  Logger.withMinimumLogLevel(logLevel(process.argv)),
  Effect.provide(
    jsonLogs
      ? Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.jsonLogger))
      : Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))
  ),
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
