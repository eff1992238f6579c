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

const before = (a: Uint8Array, b: Uint8Array): boolean => {
  for (let at = 0; at < a.length; at++) if (a[at] !== b[at]) return (a[at] as number) < (b[at] as number)
  return false
}

/**
 * The rows of the `count` objects of `rows` (every staged row for `"all"`) with the smallest ids, in id
 * order: what a preview shows does not depend on how concurrent steps interleaved their emits.
 */
const first = (rows: Uint32Array | "all", staged: StagedIndex, count: number): ReadonlyArray<number> => {
  let wanted: Uint8Array | undefined
  if (rows !== "all") {
    wanted = new Uint8Array(rows.reduce((most, row) => Math.max(most, row), 0) + 1)
    for (const row of rows) wanted[row] = 1
  }
  const picked: Array<{ readonly id: Uint8Array; readonly row: number }> = []
  for (let seq = 0; seq < staged.size; seq++) {
    if (!staged.staged(seq)) continue
    const row = staged.row(seq)
    if (wanted !== undefined && wanted[row] !== 1) continue
    const id = staged.idBytes(seq)
    if (picked.length === count && !before(id, (picked[count - 1] as { id: Uint8Array }).id)) continue
    let at = picked.length
    while (at > 0 && before(id, (picked[at - 1] as { id: Uint8Array }).id)) at--
    picked.splice(at, 0, { id, row })
    if (picked.length > count) picked.pop()
  }
  return picked.map(({ row }) => row)
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
 * A dry run's preview: for each kind, the counts and the first rows it would create (in id order),
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
