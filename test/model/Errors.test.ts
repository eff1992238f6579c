import { describe, expect, test } from "bun:test"
import { RateLimited } from "parallax-connect"

describe("error messages", () => {
  test("RateLimited says how long to wait in seconds: one decimal under 10 s, whole seconds above", () => {
    const after = (ms: number) => new RateLimited({ service: "github", retryAfterMs: ms }).message
    expect(after(42_000)).toBe("rate limited by github: retry after 42 s")
    expect(after(41_700)).toBe("rate limited by github: retry after 42 s")
    expect(after(2_500)).toBe("rate limited by github: retry after 2.5 s")
    expect(after(800)).toBe("rate limited by github: retry after 0.8 s")
    expect(after(9_940)).toBe("rate limited by github: retry after 9.9 s")
    expect(after(9_960)).toBe("rate limited by github: retry after 10 s")
    expect(after(3_600_000)).toBe("rate limited by github: retry after 3600 s")
    expect(new RateLimited({ service: "github", retryAfterMs: 41_700 }).retryAfterMs).toBe(41_700)
  })
})
