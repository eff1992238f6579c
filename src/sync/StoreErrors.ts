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
    return `store ${this.operation} failed (${this.location}): ${this.explanation}`
  }

  /** What went wrong, for a line that names the store already. */
  get explanation(): string {
    return describe(this.cause)
  }
}

/** The database was written by a newer parallax: its schema version is above the one this binary knows. */
export class SchemaTooNew extends Schema.TaggedError<SchemaTooNew>()("SchemaTooNew", {
  location: Schema.String,
  found: Schema.Number,
  supported: Schema.Number
}) {
  override get message(): string {
    return `${this.location} ${this.predicate}`
  }

  /** What went wrong, for a line that names the store already. */
  get explanation(): string {
    return `it ${this.predicate}`
  }

  private get predicate(): string {
    return `has schema version ${this.found}, but this parallax only knows versions up to ${this.supported}: upgrade parallax`
  }
}

/**
 * The database's schema is older than this parallax's, and a read-only store (the reads) or session (a
 * dry run) cannot migrate it. A store opened for syncing migrates it first (SQLite); `parallax migrate`
 * does it alone.
 */
export class SchemaTooOld extends Schema.TaggedError<SchemaTooOld>()("SchemaTooOld", {
  location: Schema.String,
  found: Schema.Number,
  supported: Schema.Number
}) {
  override get message(): string {
    return `${this.location} ${this.predicate}`
  }

  /** What went wrong, for a line that names the store already. */
  get explanation(): string {
    return `it ${this.predicate}`
  }

  private get predicate(): string {
    return `has schema version ${this.found}, older than this parallax's ${this.supported}; reads and dry runs write nothing, so they cannot migrate it: run \`parallax migrate --db ${this.location}\` (or one sync) first`
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
    return `${this.location} ${this.predicate}`
  }

  /** What went wrong, for a line that names the store already. */
  get explanation(): string {
    return `it ${this.predicate}`
  }

  private get predicate(): string {
    return `is not a usable parallax database: ${this.reason}`
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

/** Opening a store can fail with these (`SchemaTooOld`: a read-only store, which cannot migrate it). */
export type OpenError = StoreError | SchemaTooNew | SchemaTooOld | NotADatabase
