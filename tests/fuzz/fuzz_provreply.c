/*
 * fuzz_provreply - libFuzzer harness for the replies of the live reputation
 * services: byte 0 picks the reader (Web Risk, Safe Browsing with three
 * URLs asked, URLhaus URL, URLhaus host, DNS blocklist return codes), byte
 * 1 the HTTP status, the rest is the body (or, for the DNS blocklist, the
 * answer's addresses). Every query must end answered, never pending, with
 * the fields its status promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "prov_dnsbl.h"
#include "prov_safebrowsing.h"
#include "prov_urlhaus.h"
#include "prov_webrisk.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_config *cfg;
static struct sl_dnsbl_zone *dbl, *surbl;

static void check(struct sl_prov_query *q)
{
	switch (q->status) {
	case SL_PROV_LISTED:
		if (q->detail == NULL || q->category == NULL ||
		    (q->verdict != SL_REP_SUSPICIOUS && q->verdict != SL_REP_MALICIOUS))
			abort();
		break;
	case SL_PROV_FAILED:
		if (q->error == NULL)
			abort();
		break;
	case SL_PROV_NOT_LISTED:
		break;
	default:
		abort(); /* every reply answers */
	}
	free(q->detail);
	free(q->category);
	free(q->error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 400, 401, 403, 429, 500, 503, 0};
	static const char *const urls[] = {"http://a.test/", "https://b.test/x", "http://c.test/"};
	struct sl_prov_query qs[3];
	struct sl_prov_query *qp[3] = {&qs[0], &qs[1], &qs[2]};
	struct sl_prov_http_reply r;
	char *body;
	size_t n;

	if (cfg == NULL) {
		char *why = NULL;
		if (sl_config_load(NULL, NULL, 0, &cfg, &why) != 0 ||
		    sl_dnsbl_zone_new("dbl.example.test", NULL, &dbl, &why) != 0 ||
		    sl_dnsbl_zone_new("multi.surbl.test surbl", NULL, &surbl, &why) != 0)
			abort();
	}
	if (size < 2)
		return 0;
	n = size - 2;
	body = malloc(n + 1);
	memcpy(body, data + 2, n);
	body[n] = '\0';
	memset(qs, 0, sizeof(qs));
	for (int i = 0; i < 3; i++) {
		qs[i].scope = SL_PROV_URL;
		qs[i].key = urls[i];
	}
	r.status = statuses[data[1] % (sizeof(statuses) / sizeof(statuses[0]))];
	r.body = body;
	r.len = n;
	r.error = r.status == 0 ? "Connection reset" : NULL;
	switch (data[0] % 5) {
	case 0:
		sl_webrisk_answer(cfg, &r, &qs[0], 1700000000);
		check(&qs[0]);
		break;
	case 1:
		sl_safebrowsing_answer(cfg, &r, qp, 3);
		for (int i = 0; i < 3; i++)
			check(&qs[i]);
		break;
	case 2: {
		struct sl_urlhaus_map m = {data[1] & 1 ? SL_REP_UNKNOWN : SL_REP_SUSPICIOUS,
					   SL_REP_MALICIOUS};
		sl_urlhaus_answer_url(&m, &r, &qs[0]);
		check(&qs[0]);
		break;
	}
	case 3: {
		struct sl_urlhaus_map m = {SL_REP_SUSPICIOUS,
					   data[1] & 1 ? SL_REP_UNKNOWN : SL_REP_SUSPICIOUS};
		qs[0].scope = SL_PROV_HOST;
		qs[0].key = "a.test";
		sl_urlhaus_answer_host(&m, &r, &qs[0]);
		check(&qs[0]);
		break;
	}
	case 4: {
		uint32_t addr[16];
		size_t na = n / 4 > 16 ? 16 : n / 4;
		enum sl_url_rep v;
		const char *cat, *err;
		uint32_t code;
		for (size_t i = 0; i < na; i++)
			addr[i] = (uint32_t)(unsigned char)body[4 * i] << 24 |
				  (uint32_t)(unsigned char)body[4 * i + 1] << 16 |
				  (uint32_t)(unsigned char)body[4 * i + 2] << 8 |
				  (unsigned char)body[4 * i + 3];
		switch (
		    sl_dnsbl_judge(data[1] & 1 ? surbl : dbl, addr, na, &v, &cat, &code, &err)) {
		case SL_DNSBL_LISTED:
			if (cat == NULL || (v != SL_REP_SUSPICIOUS && v != SL_REP_MALICIOUS) ||
			    (code >> 24) != 127 || (code & 0xffffff00u) == 0x7fffff00u)
				abort(); /* a listing is a 127/8 code, never an error code */
			break;
		case SL_DNSBL_ERROR:
			if (err == NULL)
				abort();
			break;
		case SL_DNSBL_NOT_LISTED:
			break;
		}
		break;
	}
	}
	free(body);
	return 0;
}
