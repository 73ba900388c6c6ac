/*
 * prov_dnsbl - DNS blocklists of domains and addresses, the Spamhaus DBL /
 * SURBL / URIBL kind: an A query for <name>.<zone> through c-ares to
 * reputation.dns_servers (the system's resolver when empty); NXDOMAIN or no
 * address is "not listed", an address in 127.0.0.0/8 is a return code that
 * the zone's mapping turns into a verdict.
 *
 * reputation.dnsbl_zones: one entry per zone, "ZONE [STYLE [TARGETS]]":
 *   STYLE   the built-in return-code mapping: dbl (Spamhaus DBL, the
 *           default), surbl (SURBL multi, bits of the last octet), uribl
 *           (URIBL multi, bits), or custom (only reputation.dnsbl_codes);
 *   TARGETS what is asked: domains (the registrable domain; dbl also asks
 *           the full host name when it is longer, as the DBL lists some),
 *           ips (IPv4 hosts, octets reversed: 4.3.2.1.zone), or both.
 *           Defaults: domains for dbl, uribl and custom; both for surbl.
 * reputation.dnsbl_codes: extra or overriding codes, "ZONE CODE VERDICT
 * [CATEGORY]" per entry; CODE is an address (127.0.1.4) or a bit of the
 * last octet (&8); VERDICT is malicious, suspicious, none (a code that is no
 * listing for links) or error.
 *
 * Never a listing: 127.255.255.x (the operators' error codes: typing error,
 * public resolver, too many queries), an address outside 127.0.0.0/8 (a
 * resolver that rewrites NXDOMAIN), a code the mapping does not know, a
 * code mapped to error (DBL 127.0.1.255: IP queries refused), and SERVFAIL,
 * REFUSED or timeouts: all of them leave the host unknown and count as the
 * provider failing. IPv6 hosts are not asked.
 *
 * One provider instance per zone, named "dbl:ZONE"; sources
 * "dbl:ZONE=CODE". Answers are cached for the answer's DNS TTL (listings)
 * or reputation.cache_negative_ttl (NXDOMAIN).
 */
#ifndef SL_PROV_DNSBL_H
#define SL_PROV_DNSBL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "provider.h"

int sl_dnsbl_create(const struct sl_config *cfg, struct sl_providers *p, char **why);

struct sl_dnsbl_zone;

/* One zone from its reputation.dnsbl_zones entry and every
 * reputation.dnsbl_codes entry (those of other zones are ignored). */
int sl_dnsbl_zone_new(const char *spec, char *const *codes, struct sl_dnsbl_zone **out, char **why);
struct sl_dnsbl_zone *sl_dnsbl_zone_free(struct sl_dnsbl_zone *z); /* returns NULL */
const char *sl_dnsbl_zone_name(const struct sl_dnsbl_zone *z);

enum sl_dnsbl_outcome { SL_DNSBL_NOT_LISTED, SL_DNSBL_LISTED, SL_DNSBL_ERROR };
/* Judges the addresses of one answer (host byte order). LISTED: *verdict,
 * *category (static or the zone's) and *code (the deciding address); ERROR:
 * *error (static or the zone's) says why. */
enum sl_dnsbl_outcome sl_dnsbl_judge(const struct sl_dnsbl_zone *z, const uint32_t *addr, size_t n,
				     enum sl_url_rep *verdict, const char **category,
				     uint32_t *code, const char **error);
/* The names to ask for a host (at most 2; caller frees each), 0 when none. */
size_t sl_dnsbl_names(const struct sl_dnsbl_zone *z, const char *host, const char *domain,
		      int is_ip, char *names[2]);

#endif
