import { Args, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Config, Effect, Option } from "effect"
import { isPostgresUrl, withPasswordFile } from "../store/postgres/Url.ts"
import { DEFAULT_STEP_TIMEOUT_MS, parseDuration } from "./Duration.ts"
import { flagValue } from "./Logging.ts"
import type { ProgressMode } from "./Progress.ts"
import { VERSION } from "./Version.ts"

/**
 * The command line (DESIGN §8): the spec of every command and option, each handler a thin call into
 * `commands/`. Handlers yield the process exit code; `bin.ts` turns it into the exit status.
 */

const connectorArg = Args.text({ name: "connector" }).pipe(
  Args.withDescription("a built-in connector name (see `parallax connectors`) or a path to a .ts/.js connector module")
)
const nonEmpty = (name: string) =>
  Options.filterMap(
    (value: string) => (value.trim() === "" ? Option.none() : Option.some(value)),
    `--${name} must not be empty`
  )
/** An integer option that must be at least 1 (`--concurrency 0`, `--limit -1` are bad usage, exit 2). */
const positive = (name: string) =>
  Options.filterMap(
    (value: number) => (Number.isSafeInteger(value) && value >= 1 ? Option.some(value) : Option.none()),
    `--${name} must be a positive integer`
  )

/**
 * The options whose values @effect/cli itself checks, an integer or one of a few words, as the command line
 * spells them (`--format`, `-f`), with their words. Its usage errors for these do not name the option
 * (`'abc' is not an integer`, `Expected one of the following cases: ...`): `namedUsageError` finds it.
 */
const checked = new Map<string, ReadonlyArray<string> | "integer">()

/** `Options.integer`, its name noted for `namedUsageError`. */
const integer = (name: string) => {
  checked.set(`--${name}`, "integer")
  return Options.integer(name)
}

/** `Options.choice` with an optional one-letter alias, its spellings and words noted for `namedUsageError`. */
const choice = <const A extends string>(name: string, cases: ReadonlyArray<A>, alias?: string) => {
  checked.set(`--${name}`, cases)
  if (alias === undefined) return Options.choice(name, cases)
  checked.set(`-${alias}`, cases)
  return Options.choice(name, cases).pipe(Options.withAlias(alias))
}

/**
 * An @effect/cli usage error about a checked option's value, with the option named first (`--limit: 'abc'
 * is not an integer`, `--format: Expected one of the following cases: ndjson, json, dot, graphml; got
 * "xml"`), found in `argv` by the value it quotes or by its words; any other message as it is.
 */
export const namedUsageError = (message: string, argv: ReadonlyArray<string>): string => {
  const notInteger = /^'([\s\S]*)' is not an? integer/.exec(message)
  const notCase = /^Expected one of the following cases: (.*)$/.exec(message.trim())
  for (const [spelling, kind] of checked) {
    // An option given twice is an error of its own (an unknown argument): its first value is the one checked.
    const value = flagValue(argv, spelling)
    if (typeof value !== "string") continue
    if (notInteger !== null && kind === "integer" && value === notInteger[1]) return `${spelling}: ${message}`
    if (notCase !== null && kind !== "integer" && kind.join(", ") === notCase[1] && !kind.includes(value)) {
      return `${spelling}: ${message.trim()}; got ${JSON.stringify(value)}`
    }
  }
  return message
}

const dbLocation = Options.text("db").pipe(
  nonEmpty("db"),
  Options.withFallbackConfig(Config.string("PARALLAX_DB")),
  Options.withDefault("./parallax.db"),
  Options.withDescription(
    "the store: an SQLite file (default ./parallax.db) or a postgres:// URL (its password masked in every message); also PARALLAX_DB"
  )
)
const dbPasswordFile = Options.file("db-password-file").pipe(
  Options.optional,
  Options.withDescription("a file holding the PostgreSQL password, so that it is on no command line")
)
const db = Options.all([dbLocation, dbPasswordFile]).pipe(
  Options.mapEffect(([location, file]) =>
    Option.isSome(file) && !isPostgresUrl(location)
      ? Effect.fail(
          ValidationError.invalidValue(HelpDoc.p("--db-password-file goes with a postgres:// URL in --db, not a file"))
        )
      : Effect.succeed(withPasswordFile(location, Option.getOrUndefined(file)))
  )
)
const json = Options.boolean("json").pipe(Options.withDescription("print one JSON object instead of tables"))
const jsonRows = Options.boolean("json").pipe(
  Options.withDescription("print the rows as one JSON array instead of a table")
)
const account = Options.text("account").pipe(
  nonEmpty("account"),
  Options.withAlias("a"),
  Options.withDefault("default"),
  Options.withDescription("the account (connector instance) to sync; rows are scoped to (connector, account)")
)
const accountFilter = Options.text("account").pipe(
  nonEmpty("account"),
  Options.optional,
  Options.withDescription("only rows asserted by this account")
)
const connectorFilter = Options.text("connector").pipe(
  Options.optional,
  Options.withDescription("only rows asserted by this connector")
)
const limit = (rows: number) =>
  integer("limit").pipe(
    positive("limit"),
    Options.withDefault(rows),
    Options.withDescription(`at most this many rows (default ${rows})`)
  )
/**
 * Loads a command's module only when that command runs: start-up (`parallax --version`, `--help`) then
 * pays for the command line alone, not for the store, the connectors or the harness.
 */
const lazy =
  <M, Args, A, E, R>(load: () => Promise<M>, handler: (module: M, args: Args) => Effect.Effect<A, E, R>) =>
  (args: Args): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      Effect.promise(() => load()),
      (module) => handler(module, args)
    )

const Sync = () => import("./commands/Sync.ts")
const Plan = () => import("./commands/Plan.ts")
const Check = () => import("./commands/Check.ts")
const Connectors = () => import("./commands/Connectors.ts")
const Read = () => import("./commands/Read.ts")
const Migrate = () => import("./commands/Migrate.ts")
const Init = () => import("./commands/Init.ts")
const Document = () => import("./commands/Document.ts")
const Visualize = () => import("./commands/Visualize.ts")

const optional = <A>(option: Option.Option<A>): A | undefined => Option.getOrUndefined(option)

const stepTimeoutOption = (text: string) => {
  const ms = parseDuration(text)
  return ms === undefined || ms <= 0
    ? Effect.fail(
        ValidationError.invalidValue(
          HelpDoc.p(`--step-timeout must be a positive duration such as 90s, 10m, 2h or 500ms, got "${text}"`)
        )
      )
    : Effect.succeed(ms)
}

const progressMode = (jsonOutput: boolean, logFormat: "text" | "json"): ProgressMode =>
  logFormat === "json" ? "json" : jsonOutput ? "none" : process.stderr.isTTY ? "live" : "lines"

const configFile = Options.file("config").pipe(
  Options.withAlias("c"),
  Options.optional,
  Options.withDescription("a JSON or YAML file with the connector's configuration")
)

const settings = Options.text("set").pipe(
  Options.withAlias("s"),
  Options.repeated,
  Options.optional,
  Options.withDescription("one config setting, key=value, typed by the connector's schema (repeatable)")
)

const sync = Command.make(
  "sync",
  {
    connector: connectorArg,
    account,
    config: configFile,
    set: settings,
    db,
    steps: Options.text("step").pipe(
      Options.repeated,
      Options.optional,
      Options.withDescription(
        "run only this step and the steps it depends on (repeatable); the others' rows are kept (not_selected)"
      )
    ),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("compute and show the change; write nothing")),
    json,
    force: Options.boolean("force").pipe(
      Options.withDescription("commit even if the sync would delete more than the mass-deletion guard allows")
    ),
    strict: Options.boolean("strict").pipe(
      Options.withDescription(
        "unknown entity classes and relationship verbs, and objects a step did not declare, are errors, not warnings"
      )
    ),
    concurrency: integer("concurrency").pipe(
      positive("concurrency"),
      Options.withDefault(4),
      Options.withDescription("how many steps may run at once (default 4)")
    ),
    stepTimeout: Options.text("step-timeout").pipe(
      Options.mapEffect((text) => stepTimeoutOption(text)),
      Options.withDefault(DEFAULT_STEP_TIMEOUT_MS),
      Options.withDescription(
        "how long each attempt of a step may run when the connector sets no timeout for it: 90s, 10m, 2h, 500ms (default 1h)"
      )
    ),
    logFormat: choice("log-format", ["text", "json"]).pipe(
      Options.withDefault("text" as const),
      Options.withDescription("progress as text (live on a terminal) or as JSON lines on stderr, for log collectors")
    )
  },
  lazy(Sync, (module, args) =>
    module.runSync({
      ...args,
      config: optional(args.config),
      set: optional(args.set) ?? [],
      steps: optional(args.steps) ?? [],
      progress: progressMode(args.json, args.logFormat)
    })
  )
).pipe(
  Command.withDescription(
    "run one full sync of a connector into the store; exit 0 ok, 3 partial, 1 failed, 2 bad usage or config"
  )
)

const plan = Command.make(
  "plan",
  { connector: connectorArg, json },
  lazy(Plan, (module, args) => module.runPlan(args))
).pipe(Command.withDescription("show a connector's steps, their dependencies and the waves they run in"))

const check = Command.make(
  "check",
  {
    connector: connectorArg,
    runs: integer("runs").pipe(positive("runs"), Options.optional, Options.withDescription("runs per property")),
    seed: integer("seed").pipe(Options.optional, Options.withDescription("the seed, to replay a failure")),
    path: Options.text("path").pipe(Options.optional, Options.withDescription("the shrink path, to replay a failure")),
    properties: Options.text("property").pipe(
      Options.repeated,
      Options.optional,
      Options.withDescription("check only this property (repeatable; exactly one with --path)")
    ),
    config: configFile,
    set: settings,
    json,
    db: Options.all([
      Options.text("db").pipe(
        Options.optional,
        Options.withDescription("run every trial in a fresh schema of this PostgreSQL database (postgres:// URL)")
      ),
      dbPasswordFile
    ]).pipe(
      Options.mapEffect(([location, file]) =>
        Option.isSome(location) && !isPostgresUrl(location.value)
          ? Effect.fail(
              ValidationError.invalidValue(
                HelpDoc.p("check --db takes a postgres:// URL (on SQLite every trial has a fresh file of its own)")
              )
            )
          : Effect.succeed(Option.map(location, (url) => withPasswordFile(url, Option.getOrUndefined(file))))
      )
    )
  },
  lazy(Check, (module, args) =>
    module.runCheck({
      db: optional(args.db),
      connector: args.connector,
      runs: optional(args.runs),
      seed: optional(args.seed),
      path: optional(args.path),
      properties: optional(args.properties) ?? [],
      config: optional(args.config),
      set: optional(args.set) ?? [],
      json: args.json
    })
  )
).pipe(
  Command.withDescription(
    "prove a connector idempotent, source-scoped, fault-isolated and atomic with the harness; exit 0 all hold, 1 one failed"
  )
)

const documentCommand = Command.make(
  "document",
  {
    connector: connectorArg,
    check: Options.file("check").pipe(
      Options.optional,
      Options.withDescription("exit 0 if FILE holds exactly this document, 1 (with where it differs) if not")
    )
  },
  lazy(Document, (module, args) => module.runDocument({ connector: args.connector, check: optional(args.check) }))
).pipe(
  Command.withDescription(
    "print a connector's data model as Markdown: config keys, entities, relationships and steps, from its declarations"
  )
)

const connectors = Command.make(
  "connectors",
  { json },
  lazy(Connectors, (module, args) => module.runConnectors(args))
).pipe(Command.withDescription("list the built-in connectors"))

const stats = Command.make(
  "stats",
  { db, json },
  lazy(Read, (module, args) => module.runStats(args))
).pipe(Command.withDescription("rows in the store by scope (connector, account) and by type"))

const entities = Command.make(
  "entities",
  {
    db,
    json: jsonRows,
    type: Options.text("type").pipe(
      Options.withAlias("t"),
      Options.optional,
      Options.withDescription("only this type")
    ),
    account: accountFilter,
    connector: connectorFilter,
    limit: limit(1000)
  },
  lazy(Read, (module, args) =>
    module.runEntities({
      ...args,
      type: optional(args.type),
      account: optional(args.account),
      connector: optional(args.connector)
    })
  )
).pipe(Command.withDescription("list entities of the merged graph, with their sources"))

const relationships = Command.make(
  "relationships",
  {
    db,
    json: jsonRows,
    verb: Options.text("verb").pipe(Options.optional, Options.withDescription("only this verb")),
    account: accountFilter,
    connector: connectorFilter,
    limit: limit(1000)
  },
  lazy(Read, (module, args) =>
    module.runRelationships({
      ...args,
      verb: optional(args.verb),
      account: optional(args.account),
      connector: optional(args.connector)
    })
  )
).pipe(Command.withDescription("list relationships of the merged graph (never one whose endpoint is gone)"))

const history = Command.make(
  "history",
  { db, json: jsonRows, account: accountFilter, connector: connectorFilter, limit: limit(50) },
  lazy(Read, (module, args) =>
    module.runHistory({ ...args, account: optional(args.account), connector: optional(args.connector) })
  )
).pipe(Command.withDescription("recorded sync runs, newest first, with status and change counts"))

const migrate = Command.make(
  "migrate",
  { db },
  lazy(Migrate, (module, args) => module.runMigrate(args))
).pipe(
  Command.withDescription(
    "bring the store's schema up to this parallax's version (creating the store if there is none); reads never migrate"
  )
)

const exportCommand = Command.make(
  "export",
  {
    db,
    format: choice("format", ["ndjson", "json", "dot", "graphml"], "f").pipe(
      Options.withDefault("ndjson" as const),
      Options.withDescription("ndjson (default), json, dot (Graphviz) or graphml")
    )
  },
  lazy(Read, (module, args) => module.runExport(args))
).pipe(Command.withDescription("write the merged graph to standard output"))

const visualize = Command.make(
  "visualize",
  {
    db,
    output: Options.file("output").pipe(
      Options.withAlias("o"),
      Options.withDefault("parallax-graph.html"),
      Options.withDescription("the HTML file to write (default parallax-graph.html)")
    ),
    type: Options.text("type").pipe(
      Options.withAlias("t"),
      Options.repeated,
      Options.optional,
      Options.withDescription("only entities of this type (repeatable)")
    ),
    connector: connectorFilter,
    account: accountFilter,
    limit: integer("limit").pipe(
      Options.withDefault(500),
      Options.withDescription("draw at most this many entities (default 500); the page says when more match")
    ),
    connectorRun: Options.text("connector-run").pipe(
      Options.optional,
      Options.withDescription(
        "draw what a sync of this connector commits (run into a scratch store; --db is neither read nor written)"
      )
    ),
    config: configFile,
    set: settings
  },
  lazy(Visualize, (module, args) =>
    module.runVisualize({
      db: args.db,
      output: args.output,
      types: optional(args.type) ?? [],
      connector: optional(args.connector),
      account: optional(args.account),
      limit: args.limit,
      connectorRun: optional(args.connectorRun),
      config: optional(args.config),
      set: optional(args.set) ?? []
    })
  )
).pipe(
  Command.withDescription(
    "write one self-contained HTML page drawing the graph of the store, of one scope, or of what a connector's sync commits"
  )
)

const init = Command.make(
  "init",
  { dir: Args.text({ name: "dir" }).pipe(Args.withDescription("the new project's directory (new, or empty)")) },
  lazy(Init, (module, args) => module.runInit(args))
).pipe(Command.withDescription("create a new connector project whose test is `parallax check ./connector.ts`"))

/** `parallax` alone: which commands there are, on stderr; bad usage (exit 2). */
const noCommand = Effect.sync(() => {
  process.stderr.write(
    "usage: parallax <command> [options]; commands: sync, plan, check, document, connectors, stats, entities, relationships, history, export, visualize, init\n" +
      "run `parallax --help` or `parallax <command> --help` for more\n"
  )
  return 2
})

const root = Command.make("parallax", {}, () => noCommand).pipe(
  Command.withDescription(
    "collect entities and relationships with connectors, commit them atomically, prove connectors with the harness"
  ),
  Command.withSubcommands([
    sync,
    plan,
    check,
    documentCommand,
    connectors,
    stats,
    entities,
    relationships,
    history,
    exportCommand,
    visualize,
    migrate,
    init
  ])
)

/** The whole command line, given `process.argv`. */
export const cli = Command.run(root, { name: "parallax", version: VERSION })
