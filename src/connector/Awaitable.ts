import { Cause, Effect, Effectable, Exit, Runtime } from "effect"

/**
 * An Effect that an `async` step may also `await`: `yield* ctx.emitEntity(e)` in an Effect program,
 * `await ctx.emitEntity(e)` in an `async` function. Like any Effect it does nothing until it is run
 * (yielded, or awaited); awaiting runs it once more each time. Awaited, a failure rejects with the typed
 * error itself (a `ValidationFailed`, not a wrapper).
 */
export type Awaitable<A, E = never> = Effect.Effect<A, E> & PromiseLike<A>

/** Runs `effect` and settles like a promise: the value, or the typed error (a defect: the defect). */
const settle = <A, E>(exit: Exit.Exit<A, E>): Promise<A> =>
  Exit.isSuccess(exit) ? Promise.resolve(exit.value) : Promise.reject(Cause.squash(exit.cause))

/** An Effect whose `then` runs it on `runtime` (so logs keep the step's logger and annotations). */
class RuntimeAwaitable<A, E> extends Effectable.Class<A, E> {
  constructor(
    private readonly effect: Effect.Effect<A, E>,
    private readonly runtime: Runtime.Runtime<never>
  ) {
    super()
  }
  commit(): Effect.Effect<A, E> {
    return this.effect
  }
  // biome-ignore lint/suspicious/noThenProperty: being awaitable is the point of this type
  then<B = A, F = never>(
    onFulfilled?: ((value: A) => B | PromiseLike<B>) | null,
    onRejected?: ((reason: unknown) => F | PromiseLike<F>) | null
  ): Promise<B | F> {
    return Runtime.runPromiseExit(this.runtime)(this.effect).then(settle).then(onFulfilled, onRejected)
  }
}

/**
 * Makes `effect` awaitable as well: `await` runs it on `runtime` (default: the default runtime). For
 * wrappers of a step context (a test double, the harness) whose emits must stay awaitable.
 *
 * @example
 * const counted: StepContext = { ...ctx, emitEntity: (e) => awaitable(Effect.tap(ctx.emitEntity(e), count)) }
 */
export const awaitable = <A, E>(
  effect: Effect.Effect<A, E>,
  runtime: Runtime.Runtime<never> = Runtime.defaultRuntime
): Awaitable<A, E> => new RuntimeAwaitable(effect, runtime)

/**
 * An awaitable whose work is synchronous (the hot path of emitting): `run(input, first)` returns the value or
 * the typed error, and is called when the Effect runs or the awaitable is awaited, never before; `first`
 * says whether this is its first run. One `run` is shared by many awaitables (no closure per emit).
 */
export class SyncAwaitable<I, A, E extends Error> extends Effectable.Class<A, E> {
  private runs = 0

  /** `turnDue()`: whether the event loop is due a turn (see `[Symbol.iterator]`). */
  constructor(
    private readonly run: (input: I, first: boolean) => A | E,
    private readonly input: I,
    private readonly turnDue: () => boolean
  ) {
    super()
  }
  commit(): Effect.Effect<A, E> {
    const result = this.run(this.input, this.runs++ === 0)
    return result instanceof Error ? Effect.fail(result as E) : Effect.succeed(result as A)
  }
  /**
   * `yield*` in an Effect program: the work runs here, in the program's own generator, and a value goes
   * straight back to it without entering the fiber's run loop (at n = 1M, a tenth of the connector's and
   * the SDK's time went to that loop, once per emitted object). A failure goes through the run loop as
   * any failure does. When `turnDue()`, the run goes through the loop after a `yieldNow`, so that the
   * scheduler still gives the event loop its turns (signals, timers, progress) while a step emits in a
   * tight loop.
   */
  override [Symbol.iterator](): Effect.EffectGenerator<Effect.Effect<A, E>> {
    if (this.turnDue()) return Effect.zipRight(Effect.yieldNow(), this)[Symbol.iterator]()
    const result = this.run(this.input, this.runs++ === 0)
    if (result instanceof Error) return Effect.fail(result as E)[Symbol.iterator]()
    // The awaitable is its own one-step iterator and that step's result: `yield*` calls `next` at once
    // and reads `value`, so an emit makes no closure and no objects here (by hand at n = 1M, with only
    // the closure and one object gone, the connector and the SDK alone took 6.07 s against 6.44, six
    // runs each, alternating).
    this.value = result as A
    return this as unknown as Effect.EffectGenerator<Effect.Effect<A, E>>
  }
  /** @internal Always true, kept on the prototype (below): one field fewer to write per emit. */
  declare readonly done: true
  /** @internal */
  value: A | undefined = undefined
  /** @internal The one step of `[Symbol.iterator]`'s iterator. */
  next(): IteratorReturnResult<A> {
    return this as unknown as IteratorReturnResult<A>
  }
  // biome-ignore lint/suspicious/noThenProperty: being awaitable is the point of this type
  then<B = A, F = never>(
    onFulfilled?: ((value: A) => B | PromiseLike<B>) | null,
    onRejected?: ((reason: unknown) => F | PromiseLike<F>) | null
  ): Promise<B | F> {
    let result: A | E
    try {
      result = this.run(this.input, this.runs++ === 0)
    } catch (defect) {
      return Promise.reject(defect).then(onFulfilled, onRejected)
    }
    return (result instanceof Error ? Promise.reject(result) : Promise.resolve(result as A)).then(
      onFulfilled,
      onRejected
    )
  }
}
Object.defineProperty(SyncAwaitable.prototype, "done", { value: true })
