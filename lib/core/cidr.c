/* cidr - see cidr.h. */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* addr as 16 bytes (IPv4 mapped into IPv6); 0 when it is no address. */
static int parse_addr(const char *s, unsigned char out[16])
{
	unsigned char v4[4];
	if (inet_pton(AF_INET, s, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		return 1;
	}
	return inet_pton(AF_INET6, s, out) == 1;
}

/* An entry as network bytes and prefix length (0..128, IPv4 ones offset
 * by 96); 0 when it is neither an address nor a CIDR block. */
static int parse_entry(const char *entry, unsigned char net[16], long *bits)
{
	char *e = sl_xstrdup(entry), *slash = strchr(e, '/'), *end = NULL;
	int ok;

	*bits = 128;
	if (slash != NULL) {
		*slash = '\0';
		*bits = strtol(slash + 1, &end, 10);
	}
	ok = parse_addr(e, net);
	if (ok && slash != NULL) {
		int v4 = strchr(e, ':') == NULL;
		ok = end != slash + 1 && *end == '\0' && *bits >= 0 && *bits <= (v4 ? 32 : 128);
		if (v4)
			*bits += 96;
	}
	free(e);
	return ok;
}

int sl_cidr_valid(const char *entry)
{
	unsigned char net[16];
	long bits;
	return entry != NULL && parse_entry(entry, net, &bits);
}

int sl_cidr_match(const char *addr, char *const *list)
{
	unsigned char a[16], net[16];

	if (addr == NULL || !parse_addr(addr, a))
		return 0;
	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		long bits;
		int match;
		if (!parse_entry(list[i], net, &bits)) {
			sl_log(SL_LOG_WARNING, "'%s' is not an address or CIDR block (ignored)",
			       list[i]);
			continue;
		}
		match = memcmp(a, net, (size_t)(bits / 8)) == 0;
		if (match && bits % 8 != 0) {
			unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));
			match = (a[bits / 8] & mask) == (net[bits / 8] & mask);
		}
		if (match)
			return 1;
	}
	return 0;
}
