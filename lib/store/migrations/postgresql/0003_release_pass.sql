-- Released e-mail that a milter let pass (issue 7): one row per signed
-- release header (the item's reference and the header's at=), written in the
-- transaction that lets the message through. The primary key makes the pass
-- happen once across every gateway that shares this store: the same header
-- seen again is a replay, and that message is scanned like any other.
CREATE TABLE release_passes (
  ref         TEXT NOT NULL REFERENCES items (ref),
  released_at BIGINT NOT NULL,  -- at= of the X-Sluice-Release header
  released_by TEXT NOT NULL,    -- by= of that header
  passed_at   BIGINT NOT NULL,
  msg_id      TEXT NOT NULL,    -- the mail server's queue id
  gateway     TEXT NOT NULL,    -- the sluice that let it pass
  PRIMARY KEY (ref, released_at)
);
