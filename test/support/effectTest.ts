import { test } from "bun:test"
import { Cause, Effect, Exit, type Scope, TestContext, type TestServices } from "effect"

type Body = () => Effect.Effect<unknown, unknown, Scope.Scope | TestServices.TestServices>

const report = (exit: Exit.Exit<unknown, unknown>): void => {
  if (Exit.isFailure(exit)) throw new Error(`effect failed:\n${Cause.pretty(exit.cause)}`)
}

/**
 * A `bun:test` case whose body is an Effect, run scoped with the `TestClock` (time moves only when the
 * test adjusts it); a typed failure fails the test with its pretty-printed cause.
 */
export const effectTest = (name: string, body: Body, timeout?: number): void => {
  test(
    name,
    () =>
      Effect.runPromiseExit(Effect.suspend(body).pipe(Effect.scoped, Effect.provide(TestContext.TestContext))).then(
        report
      ),
    timeout
  )
}

/** Like `effectTest`, on the live clock (for real I/O and real time). */
export const liveTest = (
  name: string,
  body: () => Effect.Effect<unknown, unknown, Scope.Scope>,
  timeout?: number
): void => {
  test(name, () => Effect.runPromiseExit(Effect.suspend(body).pipe(Effect.scoped)).then(report), timeout)
}
