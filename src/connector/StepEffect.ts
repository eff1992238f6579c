import { Effect } from "effect"
import { type ConnectorError, ConnectorFailed } from "../model/Errors.ts"
import { asConnectorError } from "./Failure.ts"
import type { Step, StepResult } from "./Step.ts"
import type { StepContext } from "./StepContext.ts"

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"

/** A step program's result as an Effect, and whether it was a promise (an `async` step). */
export const resultEffect = <O, R>(
  stepId: string,
  result: StepResult<O, R>
): { readonly effect: Effect.Effect<O, ConnectorError, R>; readonly promise: boolean } => {
  if (Effect.isEffect(result)) return { effect: result, promise: false }
  if (isPromiseLike(result)) {
    const effect = Effect.async<O, ConnectorError>((resume) => {
      result.then(
        (value) => resume(Effect.succeed(value)),
        // What an `async` step threw: a `ConnectorError` as is, anything else with its message.
        (error: unknown) => resume(Effect.fail(asConnectorError(error, `step "${stepId}"`)))
      )
    })
    return { effect, promise: true }
  }
  return {
    effect: Effect.fail(
      new ConnectorFailed({
        reason: `step "${stepId}" returned ${result === undefined ? "nothing" : typeof result}: its run function must return an Effect or a Promise (make it async)`
      })
    ),
    promise: false
  }
}

/**
 * Runs a step's program as an Effect, whatever its style: an `async` step's rejection becomes its typed
 * error. For wrappers of steps (the harness injects faults this way).
 *
 * @example
 * const failingAfter: Step = { ...original, run: (ctx) => Effect.zipRight(stepEffect(original, ctx), Effect.fail(error)) }
 */
export const stepEffect = <C, R, O>(step: Step<C, R, O>, ctx: StepContext<C>): Effect.Effect<O, ConnectorError, R> =>
  Effect.suspend(() => resultEffect(step.id, step.run(ctx)).effect)
