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

  test("the commit's phases say where it is, with the rows counted as people read them", () => {
    const at = (phase: "staging" | "checking" | "diff" | "writing" | "committing", done: number, total: number) =>
      eventLine({ _tag: "CommitProgress", phase, done, total })
    expect(at("staging", 0, 3_500_000)).toBe("staging 3,500,000 objects")
    expect(at("diff", 0, 3_500_000)).toBe("diffing 3,500,000 objects against the store")
    expect(at("writing", 1_200_000, 3_500_000)).toBe("writing 1,200,000 of 3,500,000 rows")
    expect(at("committing", 3_500_000, 3_500_000)).toBe("committing 3,500,000 rows")
  })

  test("counts take the noun's number: one entity, relationship or re-emit is singular", () => {
    const completed = (entities: number, relationships: number) =>
      eventLine({ _tag: "StepCompleted", step: "s", entities, relationships, durationMs: 5 })
    expect(completed(1, 1)).toBe("step s: succeeded, 1 entity, 1 relationship in 5 ms")
    expect(completed(0, 2)).toBe("step s: succeeded, 0 entities, 2 relationships in 5 ms")
    expect(eventLine({ _tag: "StepProgress", step: "s", entities: 1, relationships: 3 })).toBe(
      "step s: 1 entity, 3 relationships so far"
    )
    const steps = [
      {
        id: "a",
        status: "succeeded" as const,
        entities: 1,
        relationships: 0,
        attempts: 1,
        durationMs: 1,
        duplicates: 1
      }
    ]
    expect(eventLine({ _tag: "SyncFinished", syncId: "s", steps })).toBe(
      "collection finished: 1/1 steps succeeded, 1 identical re-emit kept once"
    )
  })

  test("the end of collection counts identical re-emits, when there were any", () => {
    const outcome = { status: "succeeded" as const, entities: 1, relationships: 0, attempts: 1, durationMs: 1 }
    const steps = [
      { ...outcome, id: "a", duplicates: 2 },
      { ...outcome, id: "b", duplicates: 1 }
    ]
    expect(eventLine({ _tag: "SyncFinished", syncId: "s", steps })).toBe(
      "collection finished: 2/2 steps succeeded, 3 identical re-emits kept once"
    )
    expect(
      eventLine({ _tag: "SyncFinished", syncId: "s", steps: steps.map((step) => ({ ...step, duplicates: 0 })) })
    ).toBe("collection finished: 2/2 steps succeeded")
  })
})
