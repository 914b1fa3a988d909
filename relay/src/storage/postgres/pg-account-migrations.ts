/**
 * The schema of `PgAccountStore`, as the append-only migration list of the `accounts`
 * component (see `migrate` in `database.ts`). Times are ms since the epoch (bigint).
 *
 * The constraints do the atomic work: a unique email, one owner per (provider, subject),
 * token hashes as primary keys. Refresh tokens hang off a family row: every change to a
 * family's tokens first locks that row, and revoking a session deletes it (the tokens go by
 * cascade), so a rotation on one relay instance cannot slip a live token past a revocation on
 * another. Foreign keys to users only where the port itself asks whether the user exists
 * (identities, avatars); the other tables take the caller's user id as given, like lowdb.
 */
export const ACCOUNT_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE ferry_users (
    id text PRIMARY KEY,
    email text NOT NULL CONSTRAINT ferry_users_email_unique UNIQUE,
    name text NOT NULL,
    email_confirmed boolean NOT NULL,
    password_hash text,
    avatar_etag text,
    created_at bigint NOT NULL
  );

  CREATE TABLE ferry_identities (
    provider text NOT NULL,
    subject text NOT NULL,
    user_id text NOT NULL REFERENCES ferry_users (id) ON DELETE CASCADE,
    CONSTRAINT ferry_identities_unique PRIMARY KEY (provider, subject)
  );
  CREATE INDEX ferry_identities_user ON ferry_identities (user_id);

  CREATE TABLE ferry_avatars (
    user_id text PRIMARY KEY REFERENCES ferry_users (id) ON DELETE CASCADE,
    bytes bytea NOT NULL
  );

  CREATE TABLE ferry_tokens (
    hash text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('confirm', 'reset', 'oidc_code')),
    user_id text NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX ferry_tokens_user ON ferry_tokens (user_id, kind);
  CREATE INDEX ferry_tokens_expiry ON ferry_tokens (expires_at);

  CREATE TABLE ferry_refresh_families (
    id text PRIMARY KEY,
    user_id text NOT NULL,
    -- The latest expiry of its tokens: past it the whole session is dead and pruned.
    expires_at bigint NOT NULL
  );
  CREATE INDEX ferry_refresh_families_user ON ferry_refresh_families (user_id);
  CREATE INDEX ferry_refresh_families_expiry ON ferry_refresh_families (expires_at);

  CREATE TABLE ferry_refresh_tokens (
    hash text PRIMARY KEY,
    family_id text NOT NULL REFERENCES ferry_refresh_families (id) ON DELETE CASCADE,
    expires_at bigint NOT NULL,
    -- True once rotated: presenting it again is a replay.
    spent boolean NOT NULL DEFAULT false
  );
  CREATE INDEX ferry_refresh_tokens_family ON ferry_refresh_tokens (family_id);

  CREATE TABLE ferry_vaults (
    user_id text PRIMARY KEY,
    generation integer NOT NULL CHECK (generation >= 1),
    recovery_wrapped_key text NOT NULL
  );

  CREATE TABLE ferry_devices (
    id text PRIMARY KEY,
    -- Insertion order breaks ties between equal created_at, as in lowdb.
    seq bigint GENERATED ALWAYS AS IDENTITY,
    user_id text NOT NULL,
    name text NOT NULL,
    public_key text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'revoked')),
    wrapped_key text,
    generation integer,
    created_at bigint NOT NULL,
    approved_at bigint,
    revoked_at bigint,
    -- The refresh-token family the device registered from; revoked with the device.
    session_family text,
    CHECK ((status = 'approved') = (wrapped_key IS NOT NULL AND generation IS NOT NULL)),
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
  );
  CREATE INDEX ferry_devices_user ON ferry_devices (user_id, created_at, seq);

  CREATE TABLE ferry_links (
    id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    owner_id text NOT NULL,
    doc_name text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    pass_key text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    max_uses integer CHECK (max_uses >= 0),
    uses integer NOT NULL DEFAULT 0,
    revoked_at bigint,
    CHECK (max_uses IS NULL OR uses <= max_uses)
  );
  CREATE INDEX ferry_links_owner ON ferry_links (owner_id, created_at, seq);
  `,
  // The vault key chain (docs/decisions.md "Vault key chain"): a link per generation, written
  // once; the recovery-wrapped key's tag; recovery-wrapped keys replaced since, newest kept.
  `
  ALTER TABLE ferry_vaults ADD COLUMN recovery_tag text;

  CREATE TABLE ferry_vault_links (
    user_id text NOT NULL,
    generation integer NOT NULL CHECK (generation >= 1),
    link text NOT NULL,
    PRIMARY KEY (user_id, generation)
  );

  CREATE TABLE ferry_vault_recoveries (
    user_id text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    generation integer NOT NULL,
    recovery_wrapped_key text NOT NULL,
    recovery_tag text,
    PRIMARY KEY (user_id, seq)
  );
  `,
  // 5: operators can disable an account (`ferry-relay users disable`).
  `
  ALTER TABLE ferry_users ADD COLUMN disabled boolean NOT NULL DEFAULT false;
  `,
]
