/**
 * The schema of `PgDocStore`, as the append-only migration list of the `docs` component (see
 * `migrate` in `database.ts`). Nothing here holds a doc name or a byte of content in clear:
 * `doc_id` is the keyed hash of the name, `data_key` is wrapped by the master key, `record`
 * and `snapshot` are sealed frames (see `sealed-frames.ts`).
 *
 * Each doc has two rows of its own, so the two writers lock different rows: appends lock the
 * counter row in `ferry_docs`, compactions the row in `ferry_doc_snapshots`. `writer` names the
 * store instance that wrote a record or snapshot (null: a snapshot merged from several
 * instances' rows), so a compaction knows when it must merge what it cannot have seen.
 * A deleted doc keeps only its `ferry_docs` row, with `deleted_at` set and no data key.
 * `ferry_doc_damaged` keeps sealed rows that failed to open, moved there by compaction (`seq`:
 * the record's number, or the last record a snapshot covered).
 */
export const DOC_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE ferry_master_key (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    verifier bytea NOT NULL
  );

  CREATE TABLE ferry_docs (
    doc_id bytea PRIMARY KEY,
    data_key bytea NOT NULL,
    seq bigint NOT NULL DEFAULT 0
  );

  CREATE TABLE ferry_doc_snapshots (
    doc_id bytea PRIMARY KEY REFERENCES ferry_docs (doc_id),
    through bigint NOT NULL DEFAULT 0,
    snapshot bytea,
    writer uuid
  );

  CREATE TABLE ferry_doc_records (
    doc_id bytea NOT NULL REFERENCES ferry_docs (doc_id),
    seq bigint NOT NULL,
    record bytea NOT NULL,
    writer uuid NOT NULL,
    PRIMARY KEY (doc_id, seq)
  );

  -- Sealed bytes do not compress: store them out of line without trying.
  ALTER TABLE ferry_doc_snapshots ALTER COLUMN snapshot SET STORAGE EXTERNAL;
  ALTER TABLE ferry_doc_records ALTER COLUMN record SET STORAGE EXTERNAL;
  `,
  // Deleted docs: the counter row stays as the tombstone, without its data key, so a relay
  // that still has the doc loaded can neither append to it nor create it again.
  `
  ALTER TABLE ferry_docs ALTER COLUMN data_key DROP NOT NULL;
  ALTER TABLE ferry_docs ADD COLUMN deleted_at timestamptz;
  ALTER TABLE ferry_docs ADD CONSTRAINT ferry_docs_tombstone_has_no_key CHECK ((deleted_at IS NULL) = (data_key IS NOT NULL));
  `,
  // Records and snapshots that did not open when a compaction would have dropped them: kept
  // here, as they were, for an operator (listed on /healthz), instead of being deleted.
  // Deleting the doc deletes them too.
  `
  CREATE TABLE ferry_doc_damaged (
    id bigserial PRIMARY KEY,
    doc_id bytea NOT NULL REFERENCES ferry_docs (doc_id),
    kind text NOT NULL CHECK (kind IN ('record', 'snapshot')),
    seq bigint NOT NULL,
    bytes bytea NOT NULL,
    found_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX ferry_doc_damaged_doc ON ferry_doc_damaged (doc_id);
  ALTER TABLE ferry_doc_damaged ALTER COLUMN bytes SET STORAGE EXTERNAL;
  `,
  // Storage quota: each doc names the account it counts against (`owner`, a keyed hash of the
  // user id like `doc_id`; null for docs from before this migration until a relay that knows
  // the doc's name touches it), and one counter row per account holds the bytes its records
  // and snapshots take. Every write changes the counter in its own transaction.
  `
  ALTER TABLE ferry_docs ADD COLUMN owner bytea;
  CREATE TABLE ferry_doc_usage (
    owner bytea PRIMARY KEY,
    bytes bigint NOT NULL DEFAULT 0
  );
  `,
  // Each doc and tombstone an account holds counts a fixed overhead on top of its bytes
  // (`DOC_OVERHEAD_BYTES`, applied when the figure is read): `docs` counts them, from every
  // owned row already there, tombstones included.
  `
  ALTER TABLE ferry_doc_usage ADD COLUMN docs bigint NOT NULL DEFAULT 0;
  UPDATE ferry_doc_usage u SET docs = (SELECT count(*) FROM ferry_docs d WHERE d.owner = u.owner);
  `,
]
