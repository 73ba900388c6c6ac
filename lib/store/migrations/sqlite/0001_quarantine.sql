-- The quarantine: one row per kept message, its bytes apart, and the audit trail.
-- Times are unix seconds. Statuses: held, released, deleted, expired.
-- A release in progress holds a claim (token, who, until when) on a held item.
CREATE TABLE items (
  ref             TEXT PRIMARY KEY,
  channel         TEXT NOT NULL,
  received        BIGINT NOT NULL,
  sender          TEXT NOT NULL,
  recipients      TEXT NOT NULL,   -- JSON array of addresses
  subject         TEXT NOT NULL,
  msg_id          TEXT NOT NULL,   -- queue id, file name or webhook message id
  gateway         TEXT NOT NULL,   -- the sluice that kept it
  verdict         TEXT NOT NULL,
  report          TEXT NOT NULL,   -- the scan as `sluicectl scan --json` prints it
  status          TEXT NOT NULL CHECK (status IN ('held', 'released', 'deleted', 'expired')),
  expires         BIGINT NOT NULL,
  status_at       BIGINT,
  status_by       TEXT,
  status_reason   TEXT,
  original_size   BIGINT NOT NULL,
  original_sha256 TEXT NOT NULL,
  rewritten_size  BIGINT,
  purged_at       BIGINT,          -- when the bytes were removed
  claim_token     TEXT,
  claim_by        TEXT,
  claim_at        BIGINT,
  claim_until     BIGINT
);
CREATE INDEX items_received ON items (received);
CREATE INDEX items_expires ON items (expires) WHERE purged_at IS NULL;

CREATE TABLE item_data (
  ref       TEXT PRIMARY KEY REFERENCES items (ref),
  original  BLOB NOT NULL,
  rewritten BLOB
);

CREATE TABLE audit (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      BIGINT NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  ref     TEXT,
  reason  TEXT,
  outcome TEXT NOT NULL,
  detail  TEXT,
  gateway TEXT NOT NULL
);
CREATE INDEX audit_ref ON audit (ref);

-- Append-only: rows are never changed or removed, not even by expiry.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
