/* store_ref - see store_ref.h. */
#include "store_ref.h"

#include <stdint.h>
#include <string.h>

#include "util.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define SYMBOLS 16 /* 80 bits */

static void format(const unsigned char sym[SYMBOLS], char out[SL_REF_LEN + 1])
{
	size_t i, o = 0;
	memcpy(out, "SL", 2);
	o = 2;
	for (i = 0; i < SYMBOLS; i++) {
		if (i % 4 == 0)
			out[o++] = '-';
		out[o++] = crockford[sym[i]];
	}
	out[o] = '\0';
}

void sl_ref_new(char out[SL_REF_LEN + 1])
{
	unsigned char bits[10], sym[SYMBOLS];
	uint64_t acc = 0;
	unsigned have = 0;
	size_t i, s = 0;

	sl_random(bits, sizeof(bits));
	for (i = 0; i < sizeof(bits); i++) {
		acc = acc << 8 | bits[i];
		have += 8;
		while (have >= 5) {
			have -= 5;
			sym[s++] = (unsigned char)(acc >> have & 31);
		}
	}
	format(sym, out);
}

/* Value of one typed symbol, or -1; -2 for characters that only separate. */
static int value(char c)
{
	const char *p;
	if (c == '-' || c == ' ' || c == '\t')
		return -2;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'I' || c == 'L')
		c = '1';
	else if (c == 'O')
		c = '0';
	p = c ? strchr(crockford, c) : NULL;
	return p ? (int)(p - crockford) : -1;
}

int sl_ref_parse(const char *in, char out[SL_REF_LEN + 1], char **why)
{
	unsigned char sym[SYMBOLS + 2];
	size_t n = 0, i, len;
	const char *p = in;

	out[0] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	len = strcspn(p, "/"); /* a part suffix as notices print it */
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++) {
		int v = value(p[i]);
		if (v == -2)
			continue;
		if (v < 0 || n == sizeof(sym))
			goto bad;
		sym[n++] = (unsigned char)v;
	}
	/* "SL" reads as symbols S and 1: a prefix when there are 18. */
	if (n == SYMBOLS + 2 && sym[0] == (unsigned char)(strchr(crockford, 'S') - crockford) && sym[1] == 1)
		memmove(sym, sym + 2, SYMBOLS);
	else if (n != SYMBOLS)
		goto bad;
	format(sym, out);
	return SL_OK;
bad:
	*why = sl_xstrdup("not a quarantine reference: expected SL- and 16 letters and digits, "
			  "like SL-7KQ2-M9XD-4TJH-W8PR");
	return SL_EINVAL;
}
