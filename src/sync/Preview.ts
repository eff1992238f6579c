import { Effect } from "effect"
import {
  type EntityRef,
  type KindPreview,
  PREVIEW_ITEMS,
  type PreviewList,
  type RelationshipRef,
  type SyncPreview
} from "../model/Outcome.ts"
import type { RelationshipRecord } from "../model/Records.ts"
import type { CommitPlan, KindPlan } from "./Plan.ts"
import type { ReadTransaction } from "./Store.ts"
import type { StoreFailure } from "./StoreErrors.ts"
import type { Spill } from "./staging/Spill.ts"
import type { StagedIndex } from "./staging/StagedIndex.ts"

export const relationshipRef = (record: RelationshipRecord): RelationshipRef => ({
  verb: record.verb,
  from: { type: record.fromType, key: record.fromKey },
  to: { type: record.toType, key: record.toKey },
  ...(record.toAccount === undefined ? {} : { toAccount: record.toAccount }),
  ...(record.key === undefined ? {} : { key: record.key })
})

/** The `count` smallest numbers of `rows` (every staged row's for `"all"`), ascending. */
const first = (rows: Uint32Array | "all", staged: StagedIndex, count: number): ReadonlyArray<number> => {
  const all: Array<number> = []
  if (rows === "all") {
    for (let seq = 0; seq < staged.size; seq++) if (staged.staged(seq)) all.push(staged.row(seq))
  } else {
    all.push(...rows)
  }
  return all.sort((a, b) => a - b).slice(0, count)
}

const list = <A>(total: number, items: ReadonlyArray<A>): PreviewList<A> => ({ total, items })

const kindPreview = <A>(
  tx: ReadTransaction,
  plan: KindPlan,
  staged: StagedIndex,
  read: (rows: ReadonlyArray<number>) => ReadonlyArray<A>
): Effect.Effect<KindPreview<A>, StoreFailure> =>
  Effect.gen(function* () {
    const { counts } = plan
    const created = counts.created === 0 ? [] : read(first(plan.inserts, staged, PREVIEW_ITEMS))
    const updated = counts.updated === 0 ? [] : read([...plan.updates.subarray(0, PREVIEW_ITEMS)])
    const deleted =
      plan.deletes.length === 0
        ? []
        : ((yield* tx.describe(plan.kind, plan.deletes.slice(0, PREVIEW_ITEMS))) as Array<A>)
    return {
      created: list(counts.created, created),
      updated: list(counts.updated, updated),
      deleted: list(counts.deleted, deleted)
    }
  })

/**
 * A dry run's preview: for each kind, the counts and the first rows it would create (in emission order),
 * update and delete (in id order). Reads only the few rows it shows.
 */
export const preview = (
  tx: ReadTransaction,
  plan: CommitPlan,
  staged: readonly [StagedIndex, StagedIndex],
  spill: Spill
): Effect.Effect<SyncPreview, StoreFailure> =>
  Effect.gen(function* () {
    const entities = yield* kindPreview<EntityRef>(tx, plan.kinds[0], staged[0], (rows) =>
      [...spill.entities(rows)].map(({ record }) => ({ type: record.type, key: record.key }))
    )
    const relationships = yield* kindPreview<RelationshipRef>(tx, plan.kinds[1], staged[1], (rows) =>
      [...spill.relationshipsAt(rows)].map(({ record }) => relationshipRef(record))
    )
    return { entities, relationships }
  })
