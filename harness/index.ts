/**
 * parallax-connect/harness: proves a connector keeps the SDK's invariants (DESIGN §4 and §7):
 * idempotency, source scoping, fault isolation, atomicity, convergence, order independence and secrecy,
 * each on many generated cases against fresh embedded stores; `testStep` runs one step (with the steps it
 * depends on) against a fake API for a unit test; and recorded HTTP fixtures (`HttpFixtures`) test a
 * connector against its API's real responses without a network. See docs/harness.md.
 *
 * @example
 * import { assertHolds, verifyConnector } from "parallax-connect/harness"
 *
 * test("my connector keeps the invariants", async () => {
 *   assertHolds(await verifyConnector(myConnector, { sources, layerFor: FakeApi.layer, seed: 42 }))
 * }, 120_000)
 */
export type {
  HarnessBackend,
  StoreDump,
  StoredRow,
  StoredRun,
  SyncOutcome,
  TrialStore,
  TrialSyncOptions
} from "./Backend.ts"
export { type CheckFlags, type HarnessSetup, parseProperties, runCheck, UnknownProperty } from "./Check.ts"
export {
  type FixtureFile,
  HttpFixture,
  HttpFixtures,
  type RecordedExchange,
  type RecordOptions,
  type ReplayOptions,
  UnrecordedRequest
} from "./HttpFixtures.ts"
export { isPropertyName, PROPERTY_NAMES, type PropertyName, type VerifyOptions } from "./Options.ts"
export { postgresBackend } from "./PostgresBackend.ts"
export {
  assertHolds,
  type CounterexamplePart,
  formatFailure,
  formatProperty,
  formatReport,
  type HarnessReport,
  type PropertyFailure,
  type PropertyReport
} from "./Report.ts"
export { sqliteBackend } from "./SqliteBackend.ts"
export { runStep, type StepTestOptions, type StepTestResult, testStep } from "./StepTest.ts"
export { type StoreLayerFactory, storeBackend } from "./StoreBackend.ts"
export { DEFAULT_RUNS, PROPERTIES, verify, verifyConnector } from "./Verify.ts"
