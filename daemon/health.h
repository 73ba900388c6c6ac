/*
 * health - /healthz and /metrics on sluiced's public HTTP listener
 * (http.listen). (Not "metrics.c": lib/core/metrics.h is the counters'
 * registry, which this module writes out.)
 *
 * GET /healthz: JSON, 200 when sluiced can do its work, else 503:
 *   {"status": "ok"|"failing",
 *    "engine": {"loaded": true, "safelinks": true|false},
 *    "store": {"backend": "sqlite ...", "writable": true|false, "error": "..."},
 *    "providers": [{"name": "webrisk", "state": "up"|"down"|"failing"|"idle",
 *                   "last_ok": unix, "last_failure": unix, "last_error": "..."}],
 *    "reputation_cache": {"entries": n, "persisted": true|false}}
 * "writable" is a real write: one row of health_checks per gateway
 * (general.node_name) upserted in a transaction. A provider that is down
 * (backing off) or failing makes its links unknown, not sluice unhealthy:
 * it is reported, the status stays 200.
 *
 * GET /metrics: Prometheus text format 0.0.4: the process's registry
 * (metrics.h: messages by channel and verdict, findings by kind and rule,
 * scan time, safe-link clicks by verdict and action, and what the doors
 * count), and what is read when scraped:
 *   sluice_provider_lookups_total{provider,result}   listed, not_listed,
 *       failed, timeout, skipped, cached (reset when a reload rebuilds the
 *       providers: Prometheus' rate() takes resets in its stride)
 *   sluice_provider_latency_seconds{provider}        histogram
 *   sluice_provider_up{provider}                     0 while backing off
 *   sluice_reputation_cache_*                        entries, hits, misses,
 *       evictions, loaded, store writes by result
 *   sluice_quarantine_items{status}, sluice_quarantine_held_bytes
 *   sluice_outbox_backlog, sluice_outbox_dead        WhatsApp outbox items
 *       waiting for the platform, and given up on (dead letters)
 *   sluice_inbox_backlog                             webhook payloads kept,
 *       not yet scanned
 *   sluice_store_up                                  the store answered
 *
 * Access: only peers in http.metrics_allow (CIDR list, default loopback)
 * get either; others get 403. http.listen also serves the webhook and the
 * redirector, which must be reachable from outside: put a proxy in front
 * and keep these two inside (the proxy's address is the peer sluiced sees).
 */
#ifndef SL_HEALTH_H
#define SL_HEALTH_H

#include <stddef.h>

#include "daemon.h"
#include "http.h"

/* Appends /healthz and /metrics to out (room for max); returns how many. */
size_t sl_metrics_routes(struct sl_daemon *d, struct sl_http_route *out, size_t max);

#endif
