import { Schema } from "effect"

/** The errors of the `Store` port (re-exported by `Store.ts`). */

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** An unexpected failure of the database (I/O, disk full, an injected fault). */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  operation: Schema.String,
  location: Schema.String,
  cause: Schema.Defect
}) {
  override get message(): string {
    return `store ${this.operation} failed (${this.location}): ${describe(this.cause)}`
  }
}

/** The database was written by a newer parallax: its schema version is above the one this binary knows. */
export class SchemaTooNew extends Schema.TaggedError<SchemaTooNew>()("SchemaTooNew", {
  location: Schema.String,
  found: Schema.Number,
  supported: Schema.Number
}) {
  override get message(): string {
    return `${this.location} has schema version ${this.found}, but this parallax only knows versions up to ${this.supported}: upgrade parallax`
  }
}

/**
 * The database's schema is older than the adapter's, and a read-only session or store cannot migrate it
 * (reported as the cause of a `StoreError`). Any session that writes migrates it first.
 */
export class SchemaTooOld extends Schema.TaggedError<SchemaTooOld>()("SchemaTooOld", {
  location: Schema.String,
  found: Schema.Number,
  supported: Schema.Number
}) {
  override get message(): string {
    return `${this.location} has schema version ${this.found}, older than this parallax's ${this.supported}, and a read-only session (a dry run) writes nothing, so it cannot migrate it: let one sync that is not a dry run migrate it first`
  }
}

/**
 * The file is not a usable parallax database: not SQLite, another program's database, or corrupt. Corrupt
 * pages are found when an operation reads them, so any store operation (not only opening) can fail with it.
 */
export class NotADatabase extends Schema.TaggedError<NotADatabase>()("NotADatabase", {
  location: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.location} is not a usable parallax database: ${this.reason}`
  }
}

/**
 * The scope's lock could not be had within the wait allowed: another sync of the same scope holds it, or
 * another connection held the database's write lock for the whole wait.
 */
export class ScopeLocked extends Schema.TaggedError<ScopeLocked>()("ScopeLocked", {
  connector: Schema.String,
  account: Schema.String,
  waitedMs: Schema.Number,
  holder: Schema.String
}) {
  override get message(): string {
    return `scope ${this.connector}/${this.account} is locked by ${this.holder}; gave up after waiting ${this.waitedMs} ms`
  }
}

/** A relationship endpoint that resolves nowhere. */
export class DanglingEndpoint extends Schema.Class<DanglingEndpoint>("DanglingEndpoint")({
  subject: Schema.String,
  step: Schema.String,
  missing: Schema.Literal("from", "to")
}) {}

/** Some relationships point at entities that are neither in the batch nor committed: nothing was committed. */
export class ReferentialIntegrity extends Schema.TaggedError<ReferentialIntegrity>()("ReferentialIntegrity", {
  connector: Schema.String,
  account: Schema.String,
  total: Schema.Number,
  offenders: Schema.Array(DanglingEndpoint)
}) {
  override get message(): string {
    const lines = this.offenders.map(
      (offender) => `  - ${offender.subject} (step "${offender.step}"): ${offender.missing} endpoint not found`
    )
    const more = this.total > this.offenders.length ? `\n  ... and ${this.total - this.offenders.length} more` : ""
    return `sync of ${this.connector}/${this.account} rejected, nothing committed: ${this.total} relationship(s) point at entities that exist neither in this sync nor in the store:\n${lines.join("\n")}${more}`
  }
}

/** The commit would delete more of the scope than the mass-deletion guard allows (C13). */
export class MassDeletion extends Schema.TaggedError<MassDeletion>()("MassDeletion", {
  connector: Schema.String,
  account: Schema.String,
  wouldDelete: Schema.Number,
  existing: Schema.Number,
  maxShare: Schema.Number
}) {
  override get message(): string {
    const share = Math.round((100 * this.wouldDelete) / Math.max(1, this.existing))
    return `sync of ${this.connector}/${this.account} refused, nothing committed: it would delete ${this.wouldDelete} of ${this.existing} rows (${share}%, more than the allowed ${Math.round(100 * this.maxShare)}%); rerun with --force if this is intended`
  }
}

/** What any store operation can fail with: the database failed, or it turned out to be corrupt. */
export type StoreFailure = StoreError | NotADatabase

/** Opening a store can fail with these. */
export type OpenError = StoreError | SchemaTooNew | NotADatabase
