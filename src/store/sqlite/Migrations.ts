/**
 * The SQLite schema as code: numbered, append-only. Migration `i` (1-based) takes `PRAGMA user_version`
 * from `i - 1` to `i`. Never edit a released migration; add a new one.
 *
 * Rows are keyed `(scope_id, id)` in WITHOUT ROWID tables, ids and hashes as 16-byte BLOBs: a sync's
 * rows are one contiguous range, and inserting them in id order appends to the b-tree.
 */
export const MIGRATIONS: ReadonlyArray<string> = [
  `
  CREATE TABLE scopes (
    scope_id INTEGER PRIMARY KEY,
    connector TEXT NOT NULL,
    account TEXT NOT NULL,
    generation INTEGER NOT NULL,
    UNIQUE (connector, account)
  );
  CREATE TABLE scope_locks (
    connector TEXT NOT NULL,
    account TEXT NOT NULL,
    holder TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL,
    PRIMARY KEY (connector, account)
  ) WITHOUT ROWID;
  CREATE TABLE entities (
    scope_id INTEGER NOT NULL,
    id BLOB NOT NULL,
    type TEXT NOT NULL,
    key TEXT NOT NULL,
    class TEXT NOT NULL,
    display_name TEXT NOT NULL,
    properties TEXT NOT NULL,
    hash BLOB NOT NULL,
    step TEXT NOT NULL,
    generation INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (scope_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE relationships (
    scope_id INTEGER NOT NULL,
    id BLOB NOT NULL,
    verb TEXT NOT NULL,
    from_id BLOB NOT NULL,
    from_type TEXT NOT NULL,
    from_key TEXT NOT NULL,
    to_id BLOB NOT NULL,
    to_type TEXT NOT NULL,
    to_key TEXT NOT NULL,
    to_account TEXT,
    rel_key TEXT,
    properties TEXT NOT NULL,
    hash BLOB NOT NULL,
    step TEXT NOT NULL,
    generation INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (scope_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    sync_id TEXT NOT NULL,
    status TEXT NOT NULL,
    stats TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    error TEXT,
    UNIQUE (scope_id, generation)
  );
  CREATE TABLE run_steps (
    run_id INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    step TEXT NOT NULL,
    status TEXT NOT NULL,
    entities INTEGER NOT NULL,
    relationships INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    error TEXT,
    skipped_because TEXT,
    PRIMARY KEY (run_id, ordinal)
  ) WITHOUT ROWID;
  `,
  // 2: each step's count of identical re-emits (kept once); runs recorded before it count none.
  `
  ALTER TABLE run_steps ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: per-step checksums of the committed rows (see `StepDigests`): an unchanged sync skips its diff.
  `
  CREATE TABLE step_digests (
    scope_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    step TEXT NOT NULL,
    rows INTEGER NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (scope_id, kind, step)
  ) WITHOUT ROWID;
  `,
  // 4: the merged graph is read by id across scopes (and an edge is live when both endpoints exist in some
  // scope): without these, every read sorted whole tables or scanned entities once per edge.
  `
  CREATE INDEX entities_by_id ON entities (id);
  CREATE INDEX relationships_by_id ON relationships (id);
  `,
  // 5: whether both endpoints of a relationship are rows of its own scope, kept true by every commit only
  // while they are (see \`CommittedRow.local\`): reads need not look a local edge's endpoints up. Rows
  // written before it are not local, which is always safe.
  `
  ALTER TABLE relationships ADD COLUMN local INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: a read filtered by type or verb finds a scope's rows of that type in id order, where it scanned the
  // scope's rows for them: \`entities --type <rare type> --limit 10\` read every row of a large scope.
  `
  CREATE INDEX entities_by_type ON entities (scope_id, type, id);
  CREATE INDEX relationships_by_verb ON relationships (scope_id, verb, id);
  `,
  // 7: the relationships that are not local (few: edges into another scope, or whose endpoint went), with
  // their endpoints: \`stats\` counts the live edges as all edges (from \`relationships_by_verb\`) less the
  // non-local ones whose endpoint is gone, and reads no relationship row.
  `
  CREATE INDEX relationships_nonlocal ON relationships (scope_id, verb, from_id, to_id) WHERE local = 0;
  `
]

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length

/** `PRAGMA application_id` of a parallax database ("PRXC"). */
export const APPLICATION_ID = 0x50525843
