import { Effect, FiberRef, Scheduler } from "effect"

/**
 * How long fibers may run on microtasks before the event loop gets a turn. The garbage collector's timers
 * run there too: with no turn at all, a sync of 3.5 million objects peaked at 1 GiB of RSS; with a turn
 * every 40 ms at 460–580 MiB, every 10 ms at 410–510 MiB (bench/RESULTS.md has the figure of the day).
 */
export const SLICE_MS = 10

/** How many times `turnDue` is asked between two readings of the clock. */
const ASKS_PER_CHECK = 32

/**
 * A scheduler that runs fibers like Effect's default one (on microtasks, yielding every 2048 operations)
 * but lets the event loop turn at least every `sliceMs` of such work. Effect's default gives the event
 * loop a turn only after 2048 microtask drains: a step emitting in a tight loop then held off signal
 * handlers (Ctrl-C), timers (step timeouts) and I/O for seconds. Here they run between emitted objects
 * and between a commit's statements, at the cost of one `setImmediate` per slice.
 */
export class Responsive implements Scheduler.Scheduler {
  private lastTurn = performance.now()
  private lastAsked = this.lastTurn
  private asked = 0

  private readonly runner = Scheduler.SchedulerRunner.cached((depth, drain) => {
    if (depth >= 2048 || performance.now() - this.lastTurn >= this.sliceMs) {
      setImmediate(() => {
        this.lastTurn = performance.now()
        drain(0)
      })
    } else {
      Promise.resolve(undefined).then(() => drain(depth + 1))
    }
  })

  constructor(private readonly sliceMs: number = SLICE_MS) {}

  /**
   * Whether work that runs outside the fiber's run loop (an emit, see `SyncAwaitable`) should go through
   * it now, so that the event loop gets its turn: a slice has passed since the last turn, and since the
   * last time this said so (a fiber run by another scheduler then still passes through its own loop). The
   * clock is read once every `ASKS_PER_CHECK` questions: an emit costs microseconds, so that delays a turn by
   * well under a millisecond.
   */
  turnDue(): boolean {
    if (++this.asked % ASKS_PER_CHECK !== 0) return false
    const now = performance.now()
    if (now - this.lastTurn < this.sliceMs || now - this.lastAsked < this.sliceMs) return false
    this.lastAsked = now
    return true
  }

  shouldYield(fiber: Parameters<Scheduler.Scheduler["shouldYield"]>[0]): number | false {
    return fiber.currentOpCount > fiber.getFiberRef(FiberRef.currentMaxOpsBeforeYield)
      ? fiber.getFiberRef(FiberRef.currentSchedulingPriority)
      : false
  }

  scheduleTask(task: Scheduler.Task, priority: number, fiber?: Parameters<Scheduler.Scheduler["scheduleTask"]>[2]) {
    this.runner(fiber).scheduleTask(task, priority)
  }
}

const shared = new Responsive()

/** Whether the shared scheduler's event loop is due a turn (see `Responsive.turnDue`). */
export const turnDue = (): boolean => shared.turnDue()

/** Runs `effect` (and every fiber it forks) on the {@link Responsive} scheduler. */
export const responsive = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withScheduler(effect, shared)
