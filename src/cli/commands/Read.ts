import type { FileSystem } from "@effect/platform"
import { Console, Effect, Stream } from "effect"
import { type GraphItem, Store } from "../../sync/Store.ts"
import { type CliError, failure } from "../CliError.ts"
import { counted } from "../Printable.ts"
import { table } from "../Render.ts"
import { endAtOnceOnSignal } from "../Signals.ts"
import { shown, withExistingStore } from "../StoreAccess.ts"

type ReadEffect = Effect.Effect<number, CliError, FileSystem.FileSystem>

const read = <A>(db: string, use: Effect.Effect<A, { readonly message: string }, Store>) =>
  Effect.zipRight(
    endAtOnceOnSignal,
    withExistingStore(
      db,
      use.pipe(Effect.mapError((error) => failure(`reading ${shown(db)} failed: ${error.message}`)))
    )
  )

const print = (json: boolean, value: unknown, human: () => string) =>
  Console.log(json ? JSON.stringify(value, null, 2) : human())

/**
 * The first `limit` of `items` (read with one more than `limit`, to know whether more match), and, for
 * the table a person reads, a line on standard error when the list was cut or is empty: a table of
 * exactly `--limit` rows otherwise looks like all there is. `--json` prints the array alone.
 */
const listed = <A>(
  items: ReadonlyArray<A>,
  args: { readonly json: boolean; readonly limit: number },
  [one, many]: readonly [string, string],
  narrow: string
): Effect.Effect<ReadonlyArray<A>> => {
  const kept = items.slice(0, args.limit)
  if (args.json) return Effect.succeed(kept)
  const note =
    items.length > args.limit
      ? `showing the first ${counted(args.limit, one, many)}; more match: raise --limit or narrow with ${narrow}`
      : items.length === 0
        ? `no ${many} match`
        : undefined
  return note === undefined ? Effect.succeed(kept) : Effect.as(Console.error(note), kept)
}

/** `parallax stats`: rows by scope and by type. */
export const runStats = (args: { readonly db: string; readonly json: boolean }): ReadEffect =>
  read(
    args.db,
    Effect.gen(function* () {
      const stats = yield* (yield* Store).stats()
      yield* print(args.json, stats, () =>
        [
          table(
            ["connector", "account", "generation", "entities", "relationships", "last sync"],
            stats.scopes.map((scope) => [
              scope.connector,
              scope.account,
              scope.generation,
              scope.entities,
              scope.relationships,
              scope.lastSyncAt ? `${scope.lastSyncAt.toISOString()} ${scope.lastStatus ?? ""}` : ""
            ])
          ),
          table(
            ["connector", "account", "kind", "type", "count"],
            stats.types.map((row) => [row.connector, row.account, row.kind, row.type, row.count])
          )
        ].join("\n")
      )
      return 0
    })
  )

const sources = (item: { readonly sources: ReadonlyArray<{ readonly connector: string; readonly account: string }> }) =>
  item.sources.map((source) => `${source.connector}/${source.account}`).join(", ")

/** `parallax entities`: the merged entities, filtered. */
export const runEntities = (args: {
  readonly db: string
  readonly json: boolean
  readonly type: string | undefined
  readonly account: string | undefined
  readonly connector: string | undefined
  readonly limit: number
}): ReadEffect =>
  read(
    args.db,
    Effect.gen(function* () {
      const found = yield* (yield* Store).entities({
        limit: args.limit + 1,
        ...(args.type === undefined ? {} : { type: args.type }),
        ...(args.account === undefined ? {} : { account: args.account }),
        ...(args.connector === undefined ? {} : { connector: args.connector })
      })
      const entities = yield* listed(found, args, ["entity", "entities"], "--type, --account or --connector")
      yield* print(args.json, entities, () =>
        table(
          ["type", "key", "class", "display name", "sources"],
          entities.map((e) => [e.type, e.key, e.class, e.displayName, sources(e)])
        )
      )
      return 0
    })
  )

/** `parallax relationships`: the merged relationships whose endpoints both exist. */
export const runRelationships = (args: {
  readonly db: string
  readonly json: boolean
  readonly verb: string | undefined
  readonly account: string | undefined
  readonly connector: string | undefined
  readonly limit: number
}): ReadEffect =>
  read(
    args.db,
    Effect.gen(function* () {
      const found = yield* (yield* Store).relationships({
        limit: args.limit + 1,
        ...(args.verb === undefined ? {} : { verb: args.verb }),
        ...(args.account === undefined ? {} : { account: args.account }),
        ...(args.connector === undefined ? {} : { connector: args.connector })
      })
      const relationships = yield* listed(
        found,
        args,
        ["relationship", "relationships"],
        "--verb, --account or --connector"
      )
      yield* print(args.json, relationships, () =>
        table(
          ["from", "verb", "to", "sources"],
          relationships.map((r) => [`${r.fromType}/${r.fromKey}`, r.verb, `${r.toType}/${r.toKey}`, sources(r)])
        )
      )
      return 0
    })
  )

/** `parallax history`: recorded runs, newest first. */
export const runHistory = (args: {
  readonly db: string
  readonly json: boolean
  readonly account: string | undefined
  readonly connector: string | undefined
  readonly limit: number
}): ReadEffect =>
  read(
    args.db,
    Effect.gen(function* () {
      const found = yield* (yield* Store).history({
        limit: args.limit + 1,
        ...(args.account === undefined ? {} : { account: args.account }),
        ...(args.connector === undefined ? {} : { connector: args.connector })
      })
      const runs = yield* listed(found, args, ["run", "runs"], "--account or --connector")
      const json = runs.map((run) => ({
        ...run,
        startedAt: run.startedAt.toISOString(),
        finishedAt: run.finishedAt.toISOString(),
        steps: run.steps
      }))
      yield* print(args.json, json, () =>
        table(
          ["started", "connector", "account", "gen", "status", "+ent", "~ent", "-ent", "+rel", "~rel", "-rel", "error"],
          runs.map((run) => [
            run.startedAt.toISOString(),
            run.connector,
            run.account,
            run.generation,
            run.status,
            run.stats.entitiesCreated,
            run.stats.entitiesUpdated,
            run.stats.entitiesDeleted,
            run.stats.relationshipsCreated,
            run.stats.relationshipsUpdated,
            run.stats.relationshipsDeleted,
            run.error ?? ""
          ])
        )
      )
      return 0
    })
  )

export type ExportFormat = "ndjson" | "json" | "dot" | "graphml"

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
const dotString = (text: string) => JSON.stringify(text)

const itemJson = (item: GraphItem) => {
  const { _tag, ...rest } = item
  return { kind: _tag === "Entity" ? "entity" : "relationship", ...rest }
}

const formatters: Record<
  ExportFormat,
  { readonly head: string; readonly item: (item: GraphItem, index: number) => string; readonly tail: string }
> = {
  ndjson: { head: "", item: (item) => `${JSON.stringify(itemJson(item))}\n`, tail: "" },
  json: {
    head: "[\n",
    item: (item, index) => `${index === 0 ? "" : ",\n"}${JSON.stringify(itemJson(item))}`,
    tail: "\n]\n"
  },
  dot: {
    head: "digraph parallax {\n",
    item: (item) =>
      item._tag === "Entity"
        ? `  ${dotString(item.id)} [label=${dotString(`${item.displayName}\n${item.class}`)}, type=${dotString(item.type)}];\n`
        : `  ${dotString(item.fromId)} -> ${dotString(item.toId)} [label=${dotString(item.verb)}];\n`,
    tail: "}\n"
  },
  graphml: {
    head: [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
      '  <key id="type" for="node" attr.name="type" attr.type="string"/>',
      '  <key id="key" for="node" attr.name="key" attr.type="string"/>',
      '  <key id="class" for="node" attr.name="class" attr.type="string"/>',
      '  <key id="displayName" for="node" attr.name="displayName" attr.type="string"/>',
      '  <key id="properties" for="all" attr.name="properties" attr.type="string"/>',
      '  <key id="verb" for="edge" attr.name="verb" attr.type="string"/>',
      '  <graph id="parallax" edgedefault="directed">',
      ""
    ].join("\n"),
    item: (item) =>
      item._tag === "Entity"
        ? `    <node id="${xml(item.id)}"><data key="type">${xml(item.type)}</data><data key="key">${xml(item.key)}</data><data key="class">${xml(item.class)}</data><data key="displayName">${xml(item.displayName)}</data><data key="properties">${xml(JSON.stringify(item.properties))}</data></node>\n`
        : `    <edge id="${xml(item.id)}" source="${xml(item.fromId)}" target="${xml(item.toId)}"><data key="verb">${xml(item.verb)}</data><data key="properties">${xml(JSON.stringify(item.properties))}</data></edge>\n`,
    tail: "  </graph>\n</graphml>\n"
  }
}

/** `parallax export`: the merged graph, streamed to standard output. */
export const runExport = (args: { readonly db: string; readonly format: ExportFormat }): ReadEffect =>
  read(
    args.db,
    Effect.gen(function* () {
      const format = formatters[args.format]
      const store = yield* Store
      /** Writes `text`, waiting while the reader is behind, so that memory stays bounded. */
      const out = (text: string) =>
        Effect.async<void>((resume) => {
          if (process.stdout.write(text)) resume(Effect.void)
          else process.stdout.once("drain", () => resume(Effect.void))
        })
      yield* out(format.head)
      let index = 0
      // One write per chunk of items: a write per item cost more than reading the store.
      yield* store.exportGraph().pipe(
        Stream.runForEachChunk((chunk) => {
          let text = ""
          for (const item of chunk) text += format.item(item, index++)
          return out(text)
        })
      )
      yield* out(format.tail)
      // Wait until the output is handed over, so that a failed write (a full disk) is reported, not lost.
      yield* Effect.async<void>((resume) => {
        process.stdout.write("", (error) => resume(error ? Effect.die(error) : Effect.void))
      })
      return 0
    })
  )
