import { Effect } from "effect"
import { awaitable, Connector, entity, step } from "parallax-connect"
import type { TrialStore } from "../Backend.ts"

/**
 * Relationships with a `.toAccount(...)` target point at an entity another connector syncs into that
 * account; in a fresh trial store nothing holds it, so the commit would be rejected (C04) and every
 * property would fail on a correct connector. The harness learns the targets a connector emits while it
 * syncs, seeds them (as rows of their own scope) into every trial store, and reruns a trial that failed
 * after it learnt a new target.
 */

/** One entity a relationship names in another account. */
export interface AccountTarget {
  readonly account: string
  readonly type: string
  readonly key: string
}

/** The connector that owns the seeded targets; its scope is foreign to the connector under test. */
export const TARGETS_CONNECTOR = "parallax-harness-targets"

/** The targets learnt so far, for the whole verification. */
export class TargetRegistry {
  private readonly known = new Map<string, AccountTarget>()

  get size(): number {
    return this.known.size
  }

  add(target: AccountTarget): void {
    const id = JSON.stringify([target.account, target.type, target.key])
    if (!this.known.has(id)) this.known.set(id, target)
  }

  list(): ReadonlyArray<AccountTarget> {
    return [...this.known.values()]
  }
}

// biome-ignore lint/suspicious/noExplicitAny: recording works on connectors of any config and service type
type AnyConnector = Connector<any, any>

/** The connector with every staged relationship's `.toAccount` target recorded into `registry`. */
export const recordingTargets = (connector: AnyConnector, registry: TargetRegistry): AnyConnector => ({
  ...connector,
  steps: connector.steps.map((inner) => ({
    ...inner,
    run: (ctx) =>
      inner.run({
        ...ctx,
        emitRelationship: (builder) =>
          awaitable(
            Effect.tap(ctx.emitRelationship(builder), (record) => {
              if (record.toAccount !== undefined) {
                registry.add({ account: record.toAccount, type: record.toType, key: record.toKey })
              }
            })
          )
      })
  }))
})

const seeder = (targets: ReadonlyArray<AccountTarget>) =>
  Connector.make({
    name: TARGETS_CONNECTOR,
    steps: [
      step("targets", "Entities that relationships of the connector under test name in this account").run((ctx) =>
        Effect.forEach(targets, (target) => ctx.emitEntity(entity(target.type, target.key).class("Resource")), {
          discard: true
        })
      )
    ]
  })

/** Syncs `targets` into `store`, one sync per account. */
export const seedTargets = (store: TrialStore, targets: ReadonlyArray<AccountTarget>): Effect.Effect<void> => {
  const byAccount = new Map<string, Array<AccountTarget>>()
  for (const target of targets) byAccount.set(target.account, [...(byAccount.get(target.account) ?? []), target])
  return Effect.forEach(byAccount, ([account, list]) => store.sync(seeder(list), { account, config: {} }), {
    discard: true
  })
}
