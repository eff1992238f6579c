import { Effect } from "effect"
import fc from "fast-check"
import { Connector, entity, relationship, runConnector, step } from "parallax-connect"
import type { TrialStore } from "../Backend.ts"
import { canonical } from "./Dump.ts"
import { freshInstance, sourceOptions, syncOnce, type Target, Violation } from "./Trial.ts"

/** One entity of a foreign scope: either a copy of a `(type, key)` the connector itself emits, or a new one. */
export interface ForeignEntity {
  /** When set, the type and key of the connector's own `pick`-th emitted entity (modulo how many it emits). */
  readonly pick: number | null
  readonly type: string
  readonly key: string
  readonly class: string
  readonly value: string | number | boolean
}

/** Data of another scope, already in the store before the connector syncs. */
export type ForeignScope =
  | {
      /** Another connector, in the same account as the connector under test or another one. */
      readonly kind: "other"
      readonly connector: "foreign-a" | "foreign-b"
      /** Index into the accounts pool (modulo its size). */
      readonly account: number
      /** Which of the connector's step ids the foreign rows claim as their owner (modulo how many). */
      readonly step: number
      readonly entities: ReadonlyArray<ForeignEntity>
      /** Relationships between the scope's own entities, as index pairs (modulo how many it has). */
      readonly links: ReadonlyArray<readonly [number, number]>
    }
  | {
      /** The connector under test itself, synced in another of its accounts from another source state. */
      readonly kind: "same"
      readonly account: number
      readonly source: unknown
    }

const foreignEntity: fc.Arbitrary<ForeignEntity> = fc.record({
  pick: fc.option(fc.nat(50), { nil: null, freq: 4 }),
  type: fc.constantFrom("host", "user", "service", "repository"),
  key: fc.string({ minLength: 1, maxLength: 6 }),
  class: fc.constantFrom("Host", "User", "Service", "CodeRepo"),
  value: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean())
})

/** Foreign scopes, shrinking towards none. */
export const foreignScopes = (sources: fc.Arbitrary<unknown>): fc.Arbitrary<ReadonlyArray<ForeignScope>> =>
  fc.array(
    fc.oneof(
      fc.record({
        kind: fc.constant("other" as const),
        connector: fc.constantFrom<"foreign-a" | "foreign-b">("foreign-a", "foreign-b"),
        // The connector's own account half the time: only there do copies of its (type, key) share its ids.
        account: fc.oneof(fc.constant(0), fc.nat(4)),
        step: fc.nat(7),
        entities: fc.array(foreignEntity, { minLength: 1, maxLength: 5 }),
        links: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 3 })
      }),
      fc.record({ kind: fc.constant("same" as const), account: fc.nat(2), source: sources })
    ),
    { maxLength: 4 }
  )

/** A foreign scope made concrete: its connector, account and entities. */
export interface ResolvedScope {
  readonly connector: string
  readonly account: string
  /** Set when the scope is the connector under test in another account, synced from this source. */
  readonly source?: { readonly state: unknown }
  readonly step: string
  readonly entities: ReadonlyArray<{ type: string; key: string; class: string; value: string | number | boolean }>
  readonly links: ReadonlyArray<readonly [number, number]>
}

/**
 * The `(type, key)` pairs the connector emits for `source`, learnt by running it in memory (on an
 * instance of its own when the target can load one, so the trial's instance keeps its module state).
 */
export const emittedKeys = <S>(target: Target<S>, source: S | undefined) =>
  Effect.flatMap(freshInstance(target), (connector) =>
    runConnector(connector, { account: target.account, ...definedOptions(target, source) }).pipe(
      Effect.map((output) => output.entities.map((record) => ({ type: record.type, key: record.key }))),
      Effect.orElseSucceed((): ReadonlyArray<{ type: string; key: string }> => [])
    )
  )

const definedOptions = <S>(target: Target<S>, source: S | undefined) => {
  const own = sourceOptions(target, source)
  return own.layer === undefined ? { config: own.config } : { config: own.config, layer: own.layer }
}

/** Accounts that differ from `account` only by case or trailing space: a store must keep them apart. */
const lookalikes = (account: string): ReadonlyArray<string> =>
  [account.toUpperCase(), `${account} `].filter((other) => other !== account)

/** Resolves generated scopes against the connector's name, accounts and emitted keys; never its own scope. */
export const resolveScopes = <S>(
  target: Target<S>,
  scopes: ReadonlyArray<ForeignScope>,
  keys: ReadonlyArray<{ type: string; key: string }>
): ReadonlyArray<ResolvedScope> =>
  scopes.flatMap((scope): ReadonlyArray<ResolvedScope> => {
    const pool =
      scope.kind === "same"
        ? [...target.otherAccounts, ...lookalikes(target.account)]
        : [target.account, ...target.otherAccounts, ...lookalikes(target.account)]
    if (pool.length === 0) return []
    const account = pool[scope.account % pool.length] as string
    if (scope.kind === "same") {
      return [
        {
          connector: target.connector.name,
          account,
          source: { state: scope.source },
          step: "",
          entities: [],
          links: []
        }
      ]
    }
    const steps = target.connector.steps
    const step = steps.length === 0 ? "seed" : (steps[scope.step % steps.length]?.id ?? "seed")
    const seen = new Set<string>()
    const entities = scope.entities.flatMap((spec) => {
      const picked = spec.pick === null || keys.length === 0 ? undefined : keys[spec.pick % keys.length]
      const type = picked?.type ?? spec.type
      const key = picked?.key ?? spec.key
      const id = canonical([type, key])
      if (seen.has(id)) return []
      seen.add(id)
      return [{ type, key, class: spec.class, value: spec.value }]
    })
    return [{ connector: `${target.connector.name}-${scope.connector}`, account, step, entities, links: scope.links }]
  })

/** A connector that emits one foreign scope's data. */
const seeder = (scope: ResolvedScope) =>
  Connector.make({
    name: scope.connector,
    steps: [
      step(scope.step, "Foreign rows").run((ctx) =>
        Effect.gen(function* () {
          for (const spec of scope.entities) {
            yield* ctx.emitEntity(entity(spec.type, spec.key).class(spec.class).property("value", spec.value))
          }
          const seen = new Set<string>()
          for (const [from, to] of scope.links) {
            const a = scope.entities[from % scope.entities.length]
            const b = scope.entities[to % scope.entities.length]
            if (a === undefined || b === undefined || seen.has(`${from}:${to}`)) continue
            seen.add(`${from % scope.entities.length}:${to % scope.entities.length}`)
            yield* ctx.emitRelationship(relationship(a.type, a.key, "HAS", b.type, b.key))
          }
        })
      )
    ]
  })

/** Syncs every foreign scope into `store` (the honest way to seed rows of other scopes). */
export const seedScopes = <S>(target: Target<S>, store: TrialStore, scopes: ReadonlyArray<ResolvedScope>) =>
  Effect.forEach(
    scopes,
    (scope) =>
      (scope.source === undefined
        ? store.sync(seeder(scope), { account: scope.account, config: {} })
        : syncOnce(target, store, { source: scope.source.state as S, account: scope.account })
      ).pipe(
        Effect.flatMap((outcome) =>
          scope.source !== undefined || (outcome._tag === "Committed" && outcome.result.status === "succeeded")
            ? Effect.void
            : Effect.fail(
                new Violation(`the harness could not seed foreign scope ${scope.connector}/${scope.account}`, [
                  outcome._tag === "Committed" ? `status ${outcome.result.status}` : outcome.message
                ])
              )
        )
      ),
    { discard: true }
  )

/** A readable list of foreign scopes. */
export const describeScopes = (scopes: ReadonlyArray<ResolvedScope>): string =>
  scopes.length === 0
    ? "(none)"
    : scopes
        .map((scope) =>
          scope.source !== undefined
            ? `${scope.connector}/${scope.account}: the connector itself, synced from ${scope.source.state === undefined ? "its configured source" : fc.stringify(scope.source.state)}`
            : `${scope.connector}/${scope.account} (step "${scope.step}"): ${scope.entities
                .map((spec) => `${spec.type}/${JSON.stringify(spec.key)}`)
                .join(", ")}${scope.links.length === 0 ? "" : ` + ${scope.links.length} link(s)`}`
        )
        .join("\n")
