-- The answers of the live reputation services (lib/links/provcache.h), so
-- that a restart, or another gateway on the same database, does not ask
-- again: one row per (service, scope, key), listings and "not listed"
-- alike, until it expires (unix seconds). Rows past their expiry are
-- deleted by sluiced (reputation.cache_purge_interval) and never loaded.
CREATE TABLE reputation_cache (
  provider TEXT NOT NULL,            -- the service instance: webrisk, dbl:dbl.example.org
  scope    TEXT NOT NULL CHECK (scope IN ('url', 'host')),
  key      TEXT NOT NULL,            -- the normalised URL or the host
  listed   INTEGER NOT NULL CHECK (listed IN (0, 1)),
  verdict  TEXT NOT NULL CHECK (verdict IN ('', 'suspicious', 'malicious')),
  detail   TEXT NOT NULL,            -- the source detail of a listing: SOCIAL_ENGINEERING
  category TEXT NOT NULL,            -- for people: phishing
  expires  BIGINT NOT NULL,
  PRIMARY KEY (provider, scope, key)
);
CREATE INDEX reputation_cache_expires ON reputation_cache (expires);

-- /healthz writes here to know the store takes writes: one row per gateway.
CREATE TABLE health_checks (
  node       TEXT PRIMARY KEY,
  checked_at BIGINT NOT NULL
);
