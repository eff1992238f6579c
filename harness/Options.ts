import type { Duration, Layer } from "effect"
import type fc from "fast-check"
import type { Connector, ConnectorError } from "parallax-connect"
import type { HarnessBackend } from "./Backend.ts"
import type { PropertyReport } from "./Report.ts"

/** The properties the harness checks, named as `--property` takes them. */
export const PROPERTY_NAMES = [
  "idempotency",
  "scoping",
  "fault-isolation",
  "selection",
  "atomicity",
  "convergence",
  "order",
  "secrets"
] as const

/** One property's name. */
export type PropertyName = (typeof PROPERTY_NAMES)[number]

/** Whether `name` is a property name. */
export const isPropertyName = (name: string): name is PropertyName =>
  (PROPERTY_NAMES as ReadonlyArray<string>).includes(name)

/**
 * How to verify a connector.
 *
 * Without `sources` the harness syncs the connector's configured (or live) source as it is, and runs
 * every property that needs no generated source data. With `sources` (a fast-check arbitrary of source
 * states) and `layerFor` (a fake API serving one state) or `configFor`, every property runs on generated
 * data and failures shrink to the smallest source that shows them.
 *
 * @example
 * const report = await verifyConnector(myConnector, {
 *   sources: fc.array(fc.record({ name: fc.string(), running: fc.boolean() })),
 *   layerFor: (hosts) => FakeApi.layer(hosts)
 * })
 * assertHolds(report)
 */
export interface VerifyOptions<R = never, S = unknown> {
  /** Generated cases per property (default 25). */
  readonly runs?: number
  /** The fast-check seed; default random, always printed so any run can be replayed. */
  readonly seed?: number
  /** Replays one counterexample (from a failure report); use with `seed` and one property. */
  readonly path?: string
  /** Only these properties (default all). */
  readonly properties?: ReadonlyArray<PropertyName>
  /** Raw configuration, decoded with the connector's schema (when `configFor` is not given). */
  readonly config?: unknown
  /**
   * Source states the connector can meet; each property gets fresh ones. Either an arbitrary, or a
   * function of fast-check returning one, so that a module loaded by the `parallax` binary needs no
   * fast-check of its own: `sources: (fc) => fc.integer({ min: 1, max: 6 })`.
   */
  readonly sources?: fc.Arbitrary<S> | ((fastCheck: typeof fc) => fc.Arbitrary<S>)
  /** The connector's services (a fake API) serving one source state. */
  readonly layerFor?: (source: S) => Layer.Layer<R, ConnectorError>
  /** Raw configuration describing one source state. */
  readonly configFor?: (source: S) => unknown
  /** The account synced (default `"primary"`). */
  readonly account?: string
  /** Other accounts of the same connector whose data must never be touched (default `["secondary"]`). */
  readonly otherAccounts?: ReadonlyArray<string>
  /** Step concurrency of ordinary syncs (default 4). */
  readonly concurrency?: number
  /** A sync that takes longer fails the property (default 30 seconds). */
  readonly syncTimeout?: Duration.DurationInput
  /** The store the properties run against (default: embedded SQLite in a temporary directory). */
  readonly backend?: HarnessBackend
  /**
   * A fresh instance of the connector, as if its module were imported anew (default: none). Convergence
   * syncs its sequence and its fresh-store reference on two fresh instances, so that state a module keeps
   * between syncs (a cursor, a memo of the API's answers) shows as a difference instead of being shared
   * by both. `parallax check` passes one for connector modules (it re-imports the module); from a test,
   * re-import the module with a query (`import(\`./my-connector.ts?fresh=${n++}\`)`) or call the
   * function that makes the connector.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the fresh instance has the connector's own config type
  readonly load?: () => Connector<any, R> | Promise<Connector<any, R>>
  /**
   * The `parallax check` command that runs this verification, without `--seed`, `--path`, `--property`
   * (set by the command). When set, a failure's replay is that command; otherwise it is the library call.
   */
  readonly checkCommand?: string
  /** Called as each property finishes (live progress). */
  readonly onProperty?: (report: PropertyReport) => void
}
