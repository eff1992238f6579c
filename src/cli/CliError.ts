import { Data } from "effect"

/** Exit codes (README, "Exit codes"). */
export const ExitCode = { ok: 0, failed: 1, usage: 2, partial: 3 } as const

/**
 * An expected failure of a command: printed as its message (no stack trace) with its exit code:
 * (a `Data.TaggedError`, not a Schema one: it never leaves the process, and start-up must not load Schema)
 * 2 for bad usage, bad config or a connector that cannot be loaded, 1 for a failed sync.
 */
export class CliError extends Data.TaggedError("CliError")<{
  readonly reason: string
  readonly exitCode: number
}> {
  override get message(): string {
    return this.reason
  }
}

export const usageError = (reason: string): CliError => new CliError({ reason, exitCode: ExitCode.usage })
export const failure = (reason: string): CliError => new CliError({ reason, exitCode: ExitCode.failed })
