-- The WhatsApp door (issue 8): webhook payloads kept before the webhook
-- answers 200 (wa_inbox, one row a payload, removed once every message of it
-- is in the outbox), and what goes to the contact-center platform, one row an
-- item, retried until delivered (wa_outbox). item_key is unique: a message
-- Meta sends twice is queued once. Times are milliseconds since the epoch.
-- A row being worked on is taken (taken_by: gateway/boot, taken_until: lease).
CREATE TABLE wa_inbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  received    BIGINT NOT NULL,
  gateway     TEXT NOT NULL,
  body        BLOB NOT NULL,
  taken_by    TEXT,
  taken_until BIGINT NOT NULL DEFAULT 0,
  attempts    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE wa_outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  item_key    TEXT NOT NULL UNIQUE,  -- wa:WAMID, status:..., release:REF
  kind        TEXT NOT NULL,         -- message, status, errors, other, release
  ref         TEXT,                  -- the quarantine item, when there is one
  delivery_id TEXT NOT NULL,         -- X-Sluice-Delivery-Id
  created     BIGINT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
  body        BLOB,                  -- NULL once sent
  attempts    BIGINT NOT NULL DEFAULT 0,
  next_at     BIGINT NOT NULL,
  taken_by    TEXT,
  taken_until BIGINT NOT NULL DEFAULT 0,
  last_error  TEXT,
  done_at     BIGINT                 -- when it was sent or given up
);
CREATE INDEX wa_outbox_due ON wa_outbox (next_at) WHERE state = 'pending';
CREATE INDEX wa_outbox_done ON wa_outbox (done_at) WHERE state = 'sent';
