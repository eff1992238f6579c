import { Effect, Stream } from "effect"
import { collectorNudge, fullCollection } from "./Collector.ts"
import { type Mutant, NO_STEPS, type ReadTransaction, type ScopeState } from "./Store.ts"
import type { StoreFailure } from "./StoreErrors.ts"
import { IdIndex } from "./staging/IdIndex.ts"
import { ENTITY, KINDS, type Kind, RELATIONSHIP } from "./staging/Spill.ts"
import type { StagedIndex } from "./staging/StagedIndex.ts"
import type { StepDigest } from "./staging/StepDigests.ts"

/** How a commit computes its change set. */
export type PlanKind = "insert" | "unchanged" | "merge"

export interface Counts {
  readonly created: number
  readonly updated: number
  readonly unchanged: number
  readonly deleted: number
}

/** What a commit does to one kind of row. */
export interface KindPlan {
  readonly kind: Kind
  readonly counts: Counts
  /** Committed rows to delete, in id order. */
  readonly deletes: ReadonlyArray<Uint8Array>
  /** Spill rows replacing a committed row of the same id, in id order. */
  readonly updates: Uint32Array
  /** Spill rows to insert (in the order they were found: a driver orders them by id); `"all"`: every staged row. */
  readonly inserts: Uint32Array | "all"
  /** Relationships: committed rows that become local, and that stop being local (see `CommittedRow.local`). */
  readonly local: ReadonlyArray<Uint8Array>
  readonly nonLocal: ReadonlyArray<Uint8Array>
}

/** The plan of a commit: one per kind, and the per-step checksums to store after it (none: leave them). */
export interface CommitPlan {
  readonly plan: PlanKind
  readonly kinds: readonly [KindPlan, KindPlan]
  readonly digests: readonly [ReadonlyMap<string, StepDigest>, ReadonlyMap<string, StepDigest>] | undefined
}

/** A growable list of unsigned 32-bit numbers. */
class Numbers {
  private values = new Uint32Array(1024)
  length = 0
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Uint32Array(2 * this.values.length)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.length++] = value
  }
  done(): Uint32Array {
    return this.values.slice(0, this.length)
  }
}

/** Whether a step's staged checksum and count equal the stored ones. */
const holds = (staged: StepDigest | undefined, stored: StepDigest): boolean =>
  staged !== undefined && staged.rows === stored.rows && staged.digest === stored.digest

/**
 * Whether every step whose rows this commit replaces staged exactly the rows it holds: then the commit
 * changes no row (C08). The stored checksums must cover every committed row of the scope (a checksum is
 * dropped whenever its step's rows change without it being rewritten), and each replaced step's checksum
 * and count must equal the staged one.
 */
const unchanged = (state: ScopeState, kept: ReadonlySet<string>, staged: readonly [StagedIndex, StagedIndex]) => {
  for (const kind of KINDS) {
    const stored = state.digests[kind]
    let covered = 0
    for (const digest of stored.values()) covered += digest.rows
    if (covered !== state.rows[kind]) return false
    const mine = staged[kind].digests
    for (const [step, digest] of stored) {
      if (!kept.has(step) && !holds(mine.get(step), digest)) return false
    }
    for (const step of mine.keys()) if (kept.has(step) || !stored.has(step)) return false
  }
  return true
}

/**
 * The steps of `kind` whose rows a merge may leave unread: each staged exactly the rows it holds (its
 * checksum and count equal the stored ones) and is not kept. Every staged row of such a step has a
 * committed row of the same id, content and step, and no other step staged one of its ids: a full merge
 * would count these rows unchanged and do nothing else with them.
 */
const settled = (state: ScopeState, kept: ReadonlySet<string>, staged: StagedIndex, kind: Kind): Set<string> => {
  const steps = new Set<string>()
  for (const [step, digest] of state.digests[kind]) {
    if (!kept.has(step) && holds(staged.digests.get(step), digest)) steps.add(step)
  }
  return steps
}

const none: ReadonlyArray<Uint8Array> = []

const everything = (kind: Kind, staged: StagedIndex): KindPlan => ({
  kind,
  counts: { created: staged.rows, updated: 0, unchanged: 0, deleted: 0 },
  deletes: none,
  updates: new Uint32Array(0),
  inserts: staged.rows === 0 ? new Uint32Array(0) : "all",
  local: none,
  nonLocal: none
})

const nothing = (kind: Kind, staged: StagedIndex): KindPlan => ({
  kind,
  counts: { created: 0, updated: 0, unchanged: staged.rows, deleted: 0 },
  deletes: none,
  updates: new Uint32Array(0),
  inserts: new Uint32Array(0),
  local: none,
  nonLocal: none
})

/**
 * The diff by content hash, without sorting anything: one pass over the scope's committed rows of one
 * kind, each looked up in the staged index. A committed row nobody staged is deleted unless its step is
 * kept (C07); a staged row with another hash or owner is updated; staged rows no committed row matched
 * are created. `kept` steps that lose rows to this sync are added to `lost` (their checksums no longer
 * hold). Relationships keep `local` true only while both endpoints are rows of the scope: an edge whose
 * endpoint this commit deletes stops being local; an unchanged edge both of whose endpoints are staged
 * becomes local.
 *
 * The committed rows of the `skip` steps (see `settled`) are not read, but for relationships that are not
 * local (the only ones of theirs a full merge might change): their staged rows are counted unchanged.
 */
const merge = (
  tx: ReadTransaction,
  kind: Kind,
  staged: StagedIndex,
  kept: ReadonlySet<string>,
  nonLocalRows: ReadonlySet<number>,
  deletedEntities: IdIndex,
  lost: Set<string>,
  mutant: Mutant | undefined,
  skip: ReadonlySet<string>
): Effect.Effect<KindPlan, StoreFailure> =>
  Effect.gen(function* () {
    const matched = new Uint8Array(staged.size)
    const deletes: Array<Uint8Array> = []
    const updates = new Numbers()
    const local: Array<Uint8Array> = []
    const nonLocal: Array<Uint8Array> = []
    let updated = 0
    let unchangedRows = 0
    const gone = (id: Uint8Array) => deletedEntities.findBytes(id) >= 0
    const nudge = collectorNudge()
    const collect = fullCollection()
    yield* Stream.runForEachChunk(tx.committed(kind, skip), (chunk) =>
      Effect.sync(() => {
        nudge(chunk.length)
        collect(chunk.length)
        for (const row of chunk) {
          const seq = staged.lookup(row.id)
          if (seq < 0) {
            if (!kept.has(row.step)) {
              deletes.push(row.id)
              if (kind === ENTITY) deletedEntities.claimBytes(row.id)
            } else if (kind === RELATIONSHIP && row.local && (gone(row.fromId) || gone(row.toId))) {
              nonLocal.push(row.id)
            }
            continue
          }
          matched[seq] = 1
          const step = staged.step(seq)
          if (step === row.step && staged.sameHash(seq, row.hash)) {
            unchangedRows++
            if (mutant === "rewrite-unchanged") updates.push(staged.row(seq))
            else if (kind === RELATIONSHIP) {
              if (row.local && (gone(row.fromId) || gone(row.toId))) nonLocal.push(row.id)
              else if (!row.local && !nonLocalRows.has(staged.row(seq))) local.push(row.id)
            }
            continue
          }
          updated++
          updates.push(staged.row(seq))
          if (step !== row.step && kept.has(row.step)) lost.add(`${kind}:${row.step}`)
        }
      })
    )
    const inserts = new Numbers()
    // By owner (ordinal + 1): whether the step's rows went unread, each one unchanged.
    const unread = new Uint8Array(staged.steps + 1)
    for (let owner = 1; owner <= staged.steps; owner++) unread[owner] = skip.has(staged.stepName(owner)) ? 1 : 0
    for (let seq = 0; seq < staged.size; seq++) {
      if (matched[seq] !== 0 || !staged.staged(seq)) continue
      if (unread[staged.owner(seq)] === 1) unchangedRows++
      else inserts.push(staged.row(seq))
    }
    return {
      kind,
      // The mutant never deletes, and says so: it breaks convergence (C09) alone, not honest stats (C11).
      counts: {
        created: inserts.length,
        updated,
        unchanged: unchangedRows,
        deleted: mutant === "no-deletes" ? 0 : deletes.length
      },
      deletes: mutant === "no-deletes" ? none : deletes,
      updates: updates.done(),
      inserts: inserts.done(),
      local,
      nonLocal
    }
  })

/** The checksums a scope keeps after a diffed commit: the kept steps' (unless they lost rows), and the staged. */
const digestsAfter = (
  state: ScopeState,
  staged: readonly [StagedIndex, StagedIndex],
  kept: ReadonlySet<string>,
  lost: ReadonlySet<string>
) =>
  KINDS.map((kind) => {
    const after = new Map<string, StepDigest>()
    for (const [step, digest] of state.digests[kind]) {
      if (kept.has(step) && !lost.has(`${kind}:${step}`)) after.set(step, digest)
    }
    for (const [step, digest] of staged[kind].digests) after.set(step, digest)
    return after
  }) as unknown as readonly [ReadonlyMap<string, StepDigest>, ReadonlyMap<string, StepDigest>]

/**
 * Plans a commit: a scope that holds no rows gets every staged row inserted; a batch whose per-step
 * checksums equal the stored ones changes nothing and writes only the run record (C08); anything else
 * is merged (`alwaysMerge` forces that, for tests of the other plans).
 */
export const planCommit = (
  tx: ReadTransaction,
  state: ScopeState,
  staged: readonly [StagedIndex, StagedIndex],
  kept: ReadonlySet<string>,
  nonLocal: ReadonlySet<number>,
  options: { readonly mutant?: Mutant | undefined; readonly alwaysMerge?: boolean | undefined }
): Effect.Effect<CommitPlan, StoreFailure> =>
  Effect.gen(function* () {
    const mutant = options.mutant
    const empty = state.rows[0] === 0 && state.rows[1] === 0
    if (!options.alwaysMerge && empty) {
      const digests = [staged[0].digests, staged[1].digests] as const
      return { plan: "insert", kinds: [everything(0, staged[0]), everything(1, staged[1])], digests }
    }
    // A mutant other than a stale checksum is tried on the diff, where it does its harm.
    const unchangedAllowed = mutant === undefined || mutant === "stale-digest"
    if (!options.alwaysMerge && unchangedAllowed && unchanged(state, kept, staged)) {
      return { plan: "unchanged", kinds: [nothing(0, staged[0]), nothing(1, staged[1])], digests: undefined }
    }
    const lost = new Set<string>()
    const deletedEntities = new IdIndex()
    // Steps whose rows stay as they are go unread, as for the unchanged plan: never for a mutant or a test
    // of the full merge. A deleted entity may end a local relationship of any step: then every one is read.
    const skipping = !options.alwaysMerge && unchangedAllowed
    const skip = (kind: Kind) => (skipping ? settled(state, kept, staged[kind], kind) : NO_STEPS)
    const entities = yield* merge(tx, ENTITY, staged[0], kept, nonLocal, deletedEntities, lost, mutant, skip(ENTITY))
    yield* Effect.yieldNow()
    const relationshipsSkip = deletedEntities.size === 0 ? skip(RELATIONSHIP) : NO_STEPS
    const relationships = yield* merge(
      tx,
      RELATIONSHIP,
      staged[1],
      kept,
      nonLocal,
      deletedEntities,
      lost,
      mutant,
      relationshipsSkip
    )
    return {
      plan: "merge",
      kinds: [entities, relationships],
      digests: mutant === "stale-digest" ? undefined : digestsAfter(state, staged, kept, lost)
    }
  })
