/* policy - see policy.h. */
#include <glib.h>

#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const rules[] = {
	"virus", "executable", "script", "shortcut", "disk_image", "onenote", "installer",
	"office_macro", "html_attachment", "encrypted_archive", "unreadable_archive",
	"embedded_executable", "double_extension", "bidi_filename", "type_mismatch", "heuristic",
	"structure", "limit", "unexplained_detection", "unexplained_layer", "url_malicious",
	"url_suspicious", "url_in_attachment", "pdf_launch", "pdf_remote_file", "pdf_javascript",
	"office_remote_content", "document_unreadable", "media_unscanned", NULL,
};

struct sl_policy {
	GHashTable *actions; /* rule -> action + 1 */
};

struct sl_policy *sl_policy_new(const struct sl_config *cfg, char **why)
{
	struct sl_policy *p = sl_xcalloc(1, sizeof(*p));
	size_t i;
	p->actions = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = 0; rules[i] != NULL; i++) {
		char *key = sl_xasprintf("policy.%s", rules[i]);
		g_hash_table_insert(p->actions, (gpointer)rules[i],
				    GINT_TO_POINTER((int)sl_config_int(cfg, key) + 1));
		free(key);
	}
	return p;
}

struct sl_policy *sl_policy_free(struct sl_policy *p)
{
	if (p == NULL)
		return NULL;
	g_hash_table_destroy(p->actions);
	free(p);
	return NULL;
}

int sl_policy_run(struct sl_policy *p, struct sl_msg *m)
{
	enum sl_verdict v = SL_VERDICT_CLEAN;
	size_t i;

	for (i = 0; i < m->nfindings; i++) {
		struct sl_finding *f = &m->findings[i];
		gpointer a = g_hash_table_lookup(p->actions, f->rule);
		enum sl_action act = a ? (enum sl_action)(GPOINTER_TO_INT(a) - 1) : SL_ACT_QUARANTINE;

		if ((act == SL_ACT_DEFANG || act == SL_ACT_WRAP) && f->kind != SL_FIND_URL)
			act = SL_ACT_REMOVE; /* only links can be defanged */
		if ((act == SL_ACT_REMOVE || act == SL_ACT_DEFANG || act == SL_ACT_WRAP) && f->part < 0)
			act = SL_ACT_QUARANTINE; /* nothing to cut out: hold it all */
		f->action = act;
		switch (act) {
		case SL_ACT_REJECT:
			v = SL_VERDICT_REJECT;
			break;
		case SL_ACT_QUARANTINE:
			if (v < SL_VERDICT_QUARANTINE)
				v = SL_VERDICT_QUARANTINE;
			break;
		case SL_ACT_REMOVE:
		case SL_ACT_DEFANG:
		case SL_ACT_WRAP:
			if (v < SL_VERDICT_REWRITE)
				v = SL_VERDICT_REWRITE;
			break;
		case SL_ACT_NONE:
			break;
		}
	}
	/* A message some stage could not look at in full is never delivered as is. */
	if (m->incomplete && v < SL_VERDICT_QUARANTINE)
		v = SL_VERDICT_QUARANTINE;
	m->verdict = v;
	return SL_OK;
}
