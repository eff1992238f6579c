import { FiberRef, FiberRefs, HashMap, Logger, LogLevel, Option } from "effect"
import { escapeJsonControls, printable } from "./Printable.ts"

/**
 * Connector logs on the command line: one logger (logfmt, or JSON lines with `--log-format json`) that
 * writes every line once, to standard error, so standard output stays the command's own (`--json`).
 * While live progress owns the terminal it takes the lines (`LogSink`) and prints them above its frame.
 */

/** The names `--log-level` and `PARALLAX_LOG_LEVEL` accept. */
const LEVELS: Readonly<Record<string, LogLevel.LogLevel>> = {
  all: LogLevel.All,
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  warn: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

export const LOG_LEVEL_NAMES = "all, trace, debug, info, warning (or warn), error, fatal, none"

/** The level a name stands for, case-insensitively; `undefined` for an unknown name. */
export const parseLogLevel = (name: string): LogLevel.LogLevel | undefined => LEVELS[name.trim().toLowerCase()]

/** A flag's value in `argv`, given as `--flag value` or `--flag=value`; `null` when the flag has no value. */
export const flagValue = (argv: ReadonlyArray<string>, flag: string): string | null | undefined => {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string
    if (arg === flag) return argv[index + 1] ?? null
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1)
  }
  return undefined
}

/** `argv` without the flag and its value. */
export const withoutFlag = (argv: ReadonlyArray<string>, flag: string): ReadonlyArray<string> =>
  argv.filter((arg, index) => arg !== flag && !arg.startsWith(`${flag}=`) && argv[index - 1] !== flag)

/** One log line, with what live progress needs to show it next to its step. */
export interface LogEntry {
  readonly line: string
  readonly level: LogLevel.LogLevel
  readonly message: string
  /** The step that logged it (the `step` annotation of `ctx.log`), if any. */
  readonly step: string | undefined
}

const toStderr = (entry: LogEntry): void => {
  process.stderr.write(`${entry.line}\n`)
}

/** Where log lines go: standard error, unless a command (live progress) takes them for a while. */
export const LogSink: FiberRef.FiberRef<(entry: LogEntry) => void> = FiberRef.unsafeMake(toStderr)

const text = (message: unknown): string =>
  Array.isArray(message)
    ? message.map((part) => (typeof part === "string" ? part : String(part))).join(" ")
    : String(message)

/**
 * The command line's logger, in `format`. Each entry is one line whatever it holds: control characters
 * (in a message or in an annotation such as the account) are escaped.
 */
export const cliLogger = (format: "text" | "json"): Logger.Logger<unknown, void> => {
  const base =
    format === "json"
      ? Logger.map(Logger.jsonLogger, (line) => escapeJsonControls(line))
      : Logger.map(Logger.logfmtLogger, (line) => printable(line))
  return Logger.make((options) => {
    const step = Option.getOrUndefined(HashMap.get(options.annotations, "step"))
    FiberRefs.getOrDefault(
      options.context,
      LogSink
    )({
      line: base.log(options),
      level: options.logLevel,
      message: text(options.message),
      step: typeof step === "string" ? step : undefined
    })
  })
}
