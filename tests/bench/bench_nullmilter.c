/*
 * bench_nullmilter - a milter that does nothing, for the milter benchmark
 * (tests/bench/milter_bench.sh): the limit any milter reaches on this
 * machine, since Postfix and libmilter cost what they cost whatever the
 * filter does.
 *
 * It asks the mail server for what sluiced asks for (the same protocol
 * steps, no replies to single header fields and recipients, the header
 * fields and the whole body) and accepts every message at its end, touching
 * nothing: the difference to sluiced is sluice's own work.
 *
 *   bench_nullmilter SOCKET      (inet:PORT@127.0.0.1, unix:/path)
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>

static sfsistat negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
			  unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE);
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_CONN |
		     SMFIP_NR_RCPT | SMFIP_NR_HDR);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat connect_(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return SMFIS_NOREPLY;
}

static sfsistat envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_NOREPLY;
}

static sfsistat header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_NOREPLY;
}

static sfsistat eoh(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return SMFIS_CONTINUE;
}

static sfsistat eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

int main(int argc, char **argv)
{
	struct smfiDesc d;
	if (argc != 2) {
		fprintf(stderr, "usage: bench_nullmilter SOCKET\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "nullmilter";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE;
	d.xxfi_connect = connect_;
	d.xxfi_envfrom = envfrom;
	d.xxfi_envrcpt = envrcpt;
	d.xxfi_header = header;
	d.xxfi_eoh = eoh;
	d.xxfi_body = body;
	d.xxfi_eom = eom;
	d.xxfi_negotiate = negotiate;
	if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS) {
		fprintf(stderr, "bench_nullmilter: cannot use %s\n", argv[1]);
		return 2;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
