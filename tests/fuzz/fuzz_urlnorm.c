/*
 * fuzz_urlnorm - libFuzzer harness for urlnorm: any bytes, length-delimited,
 * through sl_url_normalize with an 8 KiB limit. Must never crash, leak or
 * return a result whose strings are missing where the contract promises them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "urlnorm.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_url_norm u;
	char *why = NULL;
	int rc = sl_url_normalize((const char *)data, size, 8192, &u, &why);

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
	} else if (why == NULL) {
		abort();
	}
	free(why);
	sl_url_norm_clear(&u);
	return 0;
}
