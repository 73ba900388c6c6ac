/*
 * test_policy - findings to actions and one verdict: each rule takes the
 * action of its policy.<rule> key (defaults and -o overrides), the verdict is
 * the strongest action (reject > quarantine > rewrite > clean), a remove with
 * nothing to remove (whole-message finding) quarantines, an unknown rule
 * quarantines, and only links can be defanged or wrapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "msg.h"
#include "policy.h"
#include "util.h"

static const char *const rules[] = {
	"virus", "executable", "script", "shortcut", "disk_image", "onenote", "installer",
	"office_macro", "html_attachment", "encrypted_archive", "unreadable_archive",
	"embedded_executable", "double_extension", "bidi_filename", "type_mismatch", "heuristic",
	"structure", "limit", "unexplained_detection", "unexplained_layer", "url_malicious",
	"url_suspicious", "url_in_attachment", "pdf_launch", "pdf_remote_file", "pdf_javascript",
	"office_remote_content", "document_unreadable", "media_unscanned", NULL,
};

static const unsigned char raw[] = "Subject: x\n\nbody\n";

static struct sl_policy *policy_with(const char *const *ov, size_t n)
{
	struct sl_config *cfg = NULL;
	char *why = NULL;
	struct sl_policy *p;
	int rc = sl_config_load(NULL, ov, n, &cfg, &why);
	if (rc != SL_OK)
		fail_msg("config: %s", why ? why : "?");
	p = sl_policy_new(cfg, &why);
	assert_non_null(p);
	sl_config_unref(cfg); /* the policy keeps what it needs */
	return p;
}

/* A message with two leaf parts; findings go on part 1 ("2") unless told. */
static struct sl_msg *new_msg(void)
{
	struct sl_msg *m = sl_msg_new(SL_CHANNEL_EMAIL, "p", raw, sizeof(raw) - 1);
	int top = sl_msg_add_part(m, -1, "0", SL_ORIGIN_MIME);
	sl_msg_add_part(m, top, "1", SL_ORIGIN_MIME);
	sl_msg_add_part(m, top, "2", SL_ORIGIN_MIME);
	return m;
}

static enum sl_finding_kind kind_of(const char *rule)
{
	return strncmp(rule, "url_", 4) == 0 && strcmp(rule, "url_in_attachment") != 0 ? SL_FIND_URL
											 : SL_FIND_FILETYPE;
}

static enum sl_verdict verdict_of(enum sl_action a)
{
	switch (a) {
	case SL_ACT_NONE: return SL_VERDICT_CLEAN;
	case SL_ACT_REMOVE:
	case SL_ACT_DEFANG:
	case SL_ACT_WRAP: return SL_VERDICT_REWRITE;
	case SL_ACT_QUARANTINE: return SL_VERDICT_QUARANTINE;
	case SL_ACT_REJECT: return SL_VERDICT_REJECT;
	}
	return SL_VERDICT_CLEAN;
}

/* One finding of rule on part 2 gets action a and the matching verdict. */
static void expect_rule(struct sl_policy *p, const char *rule, enum sl_action a)
{
	struct sl_msg *m = new_msg();
	sl_msg_add_finding(m, kind_of(rule), rule, 2, "x");
	assert_int_equal(sl_policy_run(p, m), SL_OK);
	if (m->findings[0].action != a)
		fail_msg("rule %s: action %s, expected %s", rule, sl_action_name(m->findings[0].action),
			 sl_action_name(a));
	assert_int_equal(m->verdict, verdict_of(a));
	sl_msg_free(m);
}

static void test_defaults(void **state)
{
	struct sl_policy *p = policy_with(NULL, 0);
	size_t i;
	for (i = 0; rules[i] != NULL; i++) {
		enum sl_action a = SL_ACT_REMOVE;
		if (strcmp(rules[i], "structure") == 0 || strcmp(rules[i], "limit") == 0 ||
		    strcmp(rules[i], "unexplained_detection") == 0 || strcmp(rules[i], "unexplained_layer") == 0)
			a = SL_ACT_QUARANTINE;
		else if (strcmp(rules[i], "url_malicious") == 0)
			a = SL_ACT_DEFANG;
		else if (strcmp(rules[i], "url_suspicious") == 0)
			a = SL_ACT_WRAP;
		expect_rule(p, rules[i], a);
	}
	sl_policy_free(p);
}

/* Every rule follows its own key: set each to something unlike its default
 * and unlike its neighbours' (so two rules sharing a key would show). */
static void test_each_rule_follows_its_key(void **state)
{
	static const char *const cycle[] = { "none", "reject", "quarantine", "remove" };
	char ov[sizeof(rules) / sizeof(rules[0])][64];
	const char *ovp[sizeof(rules) / sizeof(rules[0])];
	size_t i, n = 0;
	struct sl_policy *p;

	for (i = 0; rules[i] != NULL; i++, n++) {
		const char *a = cycle[i % 4];
		if (kind_of(rules[i]) == SL_FIND_URL && strcmp(a, "remove") == 0)
			a = "wrap";
		snprintf(ov[n], sizeof(ov[n]), "policy.%s=%s", rules[i], a);
		ovp[n] = ov[n];
	}
	p = policy_with(ovp, n);
	for (i = 0; rules[i] != NULL; i++) {
		const char *eq = strchr(ov[i], '=');
		enum sl_action a;
		assert_int_equal(sl_action_parse(eq + 1, &a), SL_OK);
		expect_rule(p, rules[i], a);
	}
	sl_policy_free(p);

	/* The other way round for the URL rules. */
	{
		const char *o2[] = { "policy.url_malicious=wrap", "policy.url_suspicious=defang" };
		p = policy_with(o2, 2);
		expect_rule(p, "url_malicious", SL_ACT_WRAP);
		expect_rule(p, "url_suspicious", SL_ACT_DEFANG);
		sl_policy_free(p);
	}
}

static void test_no_findings_is_clean(void **state)
{
	struct sl_policy *p = policy_with(NULL, 0);
	struct sl_msg *m = new_msg();
	m->verdict = SL_VERDICT_QUARANTINE; /* whatever was there is replaced */
	assert_int_equal(sl_policy_run(p, m), SL_OK);
	assert_int_equal(m->verdict, SL_VERDICT_CLEAN);
	sl_msg_free(m);
	sl_policy_free(p);
}

/* Findings with actions none < rewrite < quarantine < reject, in every order. */
static void test_verdict_ordering(void **state)
{
	const char *ov[] = { "policy.heuristic=none", "policy.executable=remove",
			     "policy.limit=quarantine", "policy.virus=reject" };
	const char *rl[] = { "heuristic", "executable", "limit", "virus" };
	const enum sl_verdict strongest[] = { SL_VERDICT_CLEAN, SL_VERDICT_REWRITE,
					      SL_VERDICT_QUARANTINE, SL_VERDICT_REJECT };
	struct sl_policy *p = policy_with(ov, 4);
	unsigned mask, perm;

	/* Every non-empty subset, in forward and reverse order. */
	for (mask = 1; mask < 16; mask++) {
		for (perm = 0; perm < 2; perm++) {
			struct sl_msg *m = new_msg();
			enum sl_verdict want = SL_VERDICT_CLEAN;
			int k;
			for (k = 0; k < 4; k++) {
				int r = perm ? 3 - k : k;
				if (!(mask & (1u << r)))
					continue;
				sl_msg_add_finding(m, SL_FIND_FILETYPE, rl[r], 1, "x");
				if (strongest[r] > want)
					want = strongest[r];
			}
			assert_int_equal(sl_policy_run(p, m), SL_OK);
			if (m->verdict != want)
				fail_msg("mask %u perm %u: verdict %s, expected %s", mask, perm,
					 sl_verdict_name(m->verdict), sl_verdict_name(want));
			sl_msg_free(m);
		}
	}
	/* Defang and wrap are rewrites too; with quarantine the quarantine wins. */
	{
		struct sl_msg *m = new_msg();
		sl_msg_add_finding(m, SL_FIND_URL, "url_malicious", 1, "u");
		sl_policy_run(p, m);
		assert_int_equal(m->verdict, SL_VERDICT_REWRITE);
		sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "s");
		sl_policy_run(p, m);
		assert_int_equal(m->verdict, SL_VERDICT_QUARANTINE);
		assert_int_equal(m->findings[0].action, SL_ACT_DEFANG);
		assert_int_equal(m->findings[1].action, SL_ACT_QUARANTINE);
		sl_msg_free(m);
	}
	sl_policy_free(p);
}

static void test_remove_whole_message_quarantines(void **state)
{
	struct sl_policy *p = policy_with(NULL, 0);
	struct sl_msg *m = new_msg();
	sl_msg_add_finding(m, SL_FIND_VIRUS, "virus", -1, "Eicar-Test-Signature in the raw message");
	assert_int_equal(sl_policy_run(p, m), SL_OK);
	assert_int_equal(m->findings[0].action, SL_ACT_QUARANTINE);
	assert_int_equal(m->verdict, SL_VERDICT_QUARANTINE);
	sl_msg_free(m);

	/* The same rule on a part is a plain remove. */
	m = new_msg();
	sl_msg_add_finding(m, SL_FIND_VIRUS, "virus", 1, "Eicar-Test-Signature");
	sl_policy_run(p, m);
	assert_int_equal(m->findings[0].action, SL_ACT_REMOVE);
	assert_int_equal(m->verdict, SL_VERDICT_REWRITE);
	sl_msg_free(m);

	/* Reject and none on the whole message stay what they are. */
	sl_policy_free(p);
	{
		const char *ov[] = { "policy.virus=reject", "policy.heuristic=none" };
		p = policy_with(ov, 2);
	}
	m = new_msg();
	sl_msg_add_finding(m, SL_FIND_VIRUS, "heuristic", -1, "h");
	sl_policy_run(p, m);
	assert_int_equal(m->findings[0].action, SL_ACT_NONE);
	assert_int_equal(m->verdict, SL_VERDICT_CLEAN);
	sl_msg_add_finding(m, SL_FIND_VIRUS, "virus", -1, "v");
	sl_policy_run(p, m);
	assert_int_equal(m->findings[1].action, SL_ACT_REJECT);
	assert_int_equal(m->verdict, SL_VERDICT_REJECT);
	sl_msg_free(m);
	sl_policy_free(p);
}

static void test_unknown_rule_quarantines(void **state)
{
	struct sl_policy *p = policy_with(NULL, 0);
	struct sl_msg *m = new_msg();
	sl_msg_add_finding(m, SL_FIND_PAN, "pan", 1, "a card number");
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "brand_new_stage", 2, "?");
	assert_int_equal(sl_policy_run(p, m), SL_OK);
	assert_int_equal(m->findings[0].action, SL_ACT_QUARANTINE);
	assert_int_equal(m->findings[1].action, SL_ACT_QUARANTINE);
	assert_int_equal(m->verdict, SL_VERDICT_QUARANTINE);
	sl_msg_free(m);
	sl_policy_free(p);
}

static void test_defang_only_for_links(void **state)
{
	const char *ov[] = { "policy.executable=defang", "policy.script=wrap",
			     "policy.url_in_attachment=defang" };
	struct sl_policy *p = policy_with(ov, 3);
	struct sl_msg *m = new_msg();
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "executable", 1, "e");
	sl_msg_add_finding(m, SL_FIND_FILETYPE, "script", 2, "s");
	sl_msg_add_finding(m, SL_FIND_URL, "url_in_attachment", 2, "a link inside a PDF");
	assert_int_equal(sl_policy_run(p, m), SL_OK);
	assert_int_equal(m->findings[0].action, SL_ACT_REMOVE);
	assert_int_equal(m->findings[1].action, SL_ACT_REMOVE);
	/* A URL finding can be defanged. */
	assert_int_equal(m->findings[2].action, SL_ACT_DEFANG);
	assert_int_equal(m->verdict, SL_VERDICT_REWRITE);
	sl_msg_free(m);
	sl_policy_free(p);
}

/* BUG: policy.c:55-58 turns a whole-message remove into quarantine before it
 * turns defang/wrap on a non-URL finding into remove, so a whole-message
 * finding whose rule is set to defang or wrap ends up as "remove" on part -1:
 * verdict rewrite, and the rewriter has nothing to remove; the message goes
 * out with only the verdict header. The header's promise: a remove with
 * nothing to remove becomes quarantine. */
static void test_defang_on_whole_message_quarantines(void **state)
{
	const char *ov[] = { "policy.structure=defang", "policy.limit=wrap" };
	struct sl_policy *p = policy_with(ov, 2);
	struct sl_msg *m = new_msg();
	sl_msg_add_finding(m, SL_FIND_STRUCTURE, "structure", -1, "two Content-Type headers");
	sl_msg_add_finding(m, SL_FIND_LIMIT, "limit", -1, "too deep");
	assert_int_equal(sl_policy_run(p, m), SL_OK);
	assert_int_equal(m->findings[0].action, SL_ACT_QUARANTINE);
	assert_int_equal(m->findings[1].action, SL_ACT_QUARANTINE);
	assert_int_equal(m->verdict, SL_VERDICT_QUARANTINE);
	sl_msg_free(m);
	sl_policy_free(p);
}

static void test_free_null(void **state)
{
	assert_null(sl_policy_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_each_rule_follows_its_key),
		cmocka_unit_test(test_no_findings_is_clean),
		cmocka_unit_test(test_verdict_ordering),
		cmocka_unit_test(test_remove_whole_message_quarantines),
		cmocka_unit_test(test_unknown_rule_quarantines),
		cmocka_unit_test(test_defang_only_for_links),
		cmocka_unit_test(test_defang_on_whole_message_quarantines),
		cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
