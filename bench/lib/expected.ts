import { exists, fate, type Generations, newCount } from "../../connectors/bench/Workload.ts"

/** The change counts a sync of the bench workload must report (C11), as the store's `SyncStats` names them. */
export interface ExpectedStats {
  readonly entitiesCreated: number
  readonly entitiesUpdated: number
  readonly entitiesUnchanged: number
  readonly entitiesDeleted: number
  readonly relationshipsCreated: number
  readonly relationshipsUpdated: number
  readonly relationshipsUnchanged: number
  readonly relationshipsDeleted: number
}

/** A generation for every kind, or the kinds' own (the connector's `changes`). */
export type Generation = number | Generations

const perKind = (g: Generation): Generations => (typeof g === "number" ? { hosts: g, users: g, services: g } : g)

/** What exists in generation `g` of a workload of size `n`, keyed by object, with a content tag. */
const contents = (n: number, generation: Generation) => {
  const g = perKind(generation)
  const entities = new Map<string, string>()
  const relationships = new Set<string>()
  const tag = (index: number, base: boolean, of: number) => (base && fate(index, of) === "updated" ? `g${of}` : "")
  for (let i = 0; i < n + newCount(n, g.hosts); i++) {
    if (!exists(n, g.hosts, i)) continue
    entities.set(`h${i}`, tag(i, i < n, g.hosts))
    // A service (and its RUNS edge) for each even host, in the services' generation.
    if (i % 2 === 0) {
      const j = i / 2
      entities.set(`s${j}`, tag(j, j < n / 2, g.services))
      relationships.add(`r${j}`)
    }
  }
  for (let i = 0; i < n + newCount(n, g.users); i++)
    if (exists(n, g.users, i)) entities.set(`u${i}`, tag(i, i < n, g.users))
  for (let j = 0; j < n / 2; j++) if (exists(n, g.users, j) && exists(n, g.hosts, 2 * j + 1)) relationships.add(`x${j}`)
  return { entities, relationships }
}

/**
 * The stats of syncing generation `to` on top of a scope holding generation `from` (or an empty scope when
 * `from` is undefined), computed directly from the workload's rules.
 */
export const expectedStats = (n: number, from: Generation | undefined, to: Generation): ExpectedStats => {
  const after = contents(n, to)
  const before =
    from === undefined ? { entities: new Map<string, string>(), relationships: new Set<string>() } : contents(n, from)
  let created = 0
  let updated = 0
  let unchanged = 0
  for (const [key, tag] of after.entities) {
    const old = before.entities.get(key)
    if (old === undefined) created++
    else if (old !== tag) updated++
    else unchanged++
  }
  let relationshipsCreated = 0
  for (const key of after.relationships) if (!before.relationships.has(key)) relationshipsCreated++
  return {
    entitiesCreated: created,
    entitiesUpdated: updated,
    entitiesUnchanged: unchanged,
    entitiesDeleted: before.entities.size - updated - unchanged,
    relationshipsCreated,
    relationshipsUpdated: 0,
    relationshipsUnchanged: after.relationships.size - relationshipsCreated,
    relationshipsDeleted: before.relationships.size - (after.relationships.size - relationshipsCreated)
  }
}
