/**
 * The PostgreSQL schema as code: numbered, append-only, like SQLite's. `parallax_schema` holds the version;
 * migration `i` (1-based) takes it from `i - 1` to `i`. Never edit a released migration; add a new one.
 *
 * Rows are keyed `(scope_id, id)`, one table per kind for every scope (no partitions: creating one locks
 * the parent table). Ids and content hashes are 16-byte `bytea` (ordered bytewise, as SQLite orders BLOBs);
 * properties are the canonical JSON as `text` (`jsonb` reorders keys and rejects `\u0000`: content is
 * compared by hash, never by JSON). Times are milliseconds since the epoch, as on SQLite.
 *
 * These tables are the stable read interface for SQL tools (README, "Many hosts, one graph"): `scopes`,
 * `entities`, `relationships` (an edge is live when both endpoint ids are in `entities`), `runs`,
 * `run_steps`.
 */
export const MIGRATIONS: ReadonlyArray<string> = [
  `
  CREATE TABLE scopes (
    scope_id bigserial PRIMARY KEY,
    connector text COLLATE "C" NOT NULL,
    account text COLLATE "C" NOT NULL,
    generation integer NOT NULL,
    UNIQUE (connector, account)
  );
  CREATE TABLE entities (
    scope_id bigint NOT NULL REFERENCES scopes,
    id bytea NOT NULL,
    type text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    class text NOT NULL,
    display_name text NOT NULL,
    properties text NOT NULL,
    hash bytea NOT NULL,
    step text COLLATE "C" NOT NULL,
    generation integer NOT NULL,
    first_seen_at bigint NOT NULL,
    PRIMARY KEY (scope_id, id)
  );
  CREATE INDEX entities_by_id ON entities (id, scope_id);
  CREATE TABLE relationships (
    scope_id bigint NOT NULL REFERENCES scopes,
    id bytea NOT NULL,
    verb text COLLATE "C" NOT NULL,
    from_id bytea NOT NULL,
    from_type text NOT NULL,
    from_key text NOT NULL,
    to_id bytea NOT NULL,
    to_type text NOT NULL,
    to_key text NOT NULL,
    to_account text,
    rel_key text,
    properties text NOT NULL,
    hash bytea NOT NULL,
    step text COLLATE "C" NOT NULL,
    generation integer NOT NULL,
    first_seen_at bigint NOT NULL,
    local boolean NOT NULL DEFAULT false,
    PRIMARY KEY (scope_id, id)
  );
  CREATE INDEX relationships_by_id ON relationships (id, scope_id);
  CREATE TABLE runs (
    run_id bigserial PRIMARY KEY,
    scope_id bigint NOT NULL REFERENCES scopes,
    generation integer NOT NULL,
    sync_id text NOT NULL,
    status text NOT NULL,
    stats text NOT NULL,
    started_at bigint NOT NULL,
    finished_at bigint NOT NULL,
    error text,
    UNIQUE (scope_id, generation)
  );
  CREATE TABLE run_steps (
    run_id bigint NOT NULL REFERENCES runs,
    ordinal integer NOT NULL,
    step text NOT NULL,
    status text NOT NULL,
    entities integer NOT NULL,
    relationships integer NOT NULL,
    duplicates integer NOT NULL,
    attempts integer NOT NULL,
    duration_ms bigint NOT NULL,
    error text,
    skipped_because text,
    PRIMARY KEY (run_id, ordinal)
  );
  CREATE TABLE step_digests (
    scope_id bigint NOT NULL REFERENCES scopes,
    kind smallint NOT NULL,
    step text NOT NULL,
    rows integer NOT NULL,
    digest text NOT NULL,
    PRIMARY KEY (scope_id, kind, step)
  );
  `,
  // 2: a read filtered by type or verb finds a scope's rows of that type in id order, where it scanned every
  // row by id for them: \`entities --type <rare type> --limit 10\` read the whole table.
  `
  CREATE INDEX entities_by_type ON entities (scope_id, type, id);
  CREATE INDEX relationships_by_verb ON relationships (scope_id, verb, id);
  `,
  // 3: the relationships that are not local (few: edges into another scope, or whose endpoint went), with
  // their endpoints: \`stats\` counts the live edges as all edges less the non-local ones whose endpoint is gone.
  `
  CREATE INDEX relationships_nonlocal ON relationships (scope_id, verb) INCLUDE (from_id, to_id) WHERE NOT local;
  `
]

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length

/** The table that holds the schema's version (one row). */
export const VERSION_TABLE = "parallax_schema"
