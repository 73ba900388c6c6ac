/*
 * cidr - is an address in a list of networks: the access lists of the
 * public listener (http.metrics_allow).
 *
 * Entries are addresses ("127.0.0.1", "::1") or CIDR blocks ("10.0.0.0/8",
 * "fd00::/8"); IPv4 and IPv4-mapped IPv6 ("::ffff:10.1.2.3") are the same
 * address. An entry that is neither matches nothing and is logged
 * (warning): a typing error never opens the list.
 */
#ifndef SL_CIDR_H
#define SL_CIDR_H

/* 1 when addr (text) is in one of list's entries (NULL-terminated). */
int sl_cidr_match(const char *addr, char *const *list);
/* 1 when entry is an address or CIDR block (config checks). */
int sl_cidr_valid(const char *entry);

#endif
