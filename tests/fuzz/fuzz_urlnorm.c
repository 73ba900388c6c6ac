/*
 * fuzz_urlnorm - libFuzzer harness for urlnorm: any bytes, length-delimited,
 * through sl_url_normalize with an 8 KiB limit, and through the lenient host
 * reading that judges what does not parse. Must never crash, leak or return a
 * result whose strings are missing where the contract promises them. The
 * corpus it leaves is replayed through Node's URL parser by
 * tests/integration/test_url_oracle.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "urlhost.h"
#include "urlnorm.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_url_norm u;
	char *why = NULL, *hosts[6];
	int rc = sl_url_normalize((const char *)data, size, 8192, &u, &why);
	size_t k;

	if (rc == 0) {
		/* the contract: url, scheme and path always; host unless opaque */
		if (u.url == NULL || u.scheme == NULL || u.path == NULL || why != NULL)
			abort();
		if (!(u.flags & SL_URL_OPAQUE) && u.host == NULL)
			abort();
		if ((u.flags & SL_URL_OPAQUE) && u.host != NULL)
			abort();
		if (u.port < -1 || u.port > 65535)
			abort();
		if (strlen(u.url) < strlen(u.scheme) + 1)
			abort();
		/* other destinations: non-empty, none the host, none twice */
		if (u.nalt > SL_URL_ALT_MAX)
			abort();
		for (size_t i = 0; i < u.nalt; i++) {
			if (u.alt_host[i] == NULL || u.alt_host[i][0] == '\0' ||
			    u.alt_kind[i] > SL_URL_ALT_WINDOWS)
				abort();
			if (u.host != NULL && strcmp(u.host, u.alt_host[i]) == 0)
				abort();
			for (size_t j = 0; j < i; j++)
				if (strcmp(u.alt_host[j], u.alt_host[i]) == 0)
					abort();
		}
		if ((u.flags & SL_URL_UNC) && strcmp(u.scheme, "file") != 0)
			abort();
		if ((u.flags & SL_URL_HANDLER) && (u.handler == 0 || !(u.flags & SL_URL_OPAQUE)))
			abort();
	} else if (why == NULL) {
		abort();
	}
	free(why);
	sl_url_norm_clear(&u);

	k = sl_url_lenient_hosts((const char *)data, size, hosts, 6);
	if (k > 6)
		abort();
	for (size_t i = 0; i < k; i++) {
		if (hosts[i] == NULL || hosts[i][0] == '\0')
			abort();
		free(hosts[i]);
	}
	return 0;
}
