import { describe, expect, test } from "bun:test"
import { ApiError, RateLimited } from "parallax-connect"
import { eventLine, formatDelay } from "../../src/cli/Progress.ts"

describe("progress lines", () => {
  test("retry delays are rounded as people read them", () => {
    const error = new ApiError({ service: "GitHub", reason: "unexpected response", status: 502, retryable: true })
    expect(eventLine({ _tag: "StepRetrying", step: "repos", attempt: 1, delayMs: 234.56789, error })).toBe(
      "step repos: retrying in 235 ms (attempt 1 failed: GitHub API error [HTTP 502]: unexpected response)"
    )
    const limited = new RateLimited({ service: "GitHub", retryAfterMs: 41_700 })
    expect(eventLine({ _tag: "StepRetrying", step: "repos", attempt: 2, delayMs: 41_712.3, error: limited })).toContain(
      "retrying in 42 s"
    )
    expect(formatDelay(1234.5)).toBe("1.2 s")
  })
})
