/* report - see report.h. */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static json_t *str_or_null(const char *s)
{
	if (s == NULL)
		return json_null();
	/* jansson wants valid UTF-8: names from the wire may not be. */
	{
		json_t *j = json_string(s);
		if (j != NULL)
			return j;
	}
	{
		char *c = sl_xstrdup(s);
		unsigned char *p;
		json_t *j;
		for (p = (unsigned char *)c; *p; p++)
			if (*p >= 0x80)
				*p = '?';
		j = json_string(c);
		free(c);
		return j;
	}
}

char *sl_report_json(struct sl_msg *m, const char *file)
{
	json_t *o = json_object(), *fa = json_array(), *pa = json_array(), *ua = json_array();
	char *s, *r;
	size_t i;

	json_object_set_new(o, "file", str_or_null(file));
	json_object_set_new(o, "channel", json_string(m->channel == SL_CHANNEL_EMAIL ? "email" : "whatsapp"));
	json_object_set_new(o, "verdict", json_string(sl_verdict_name(m->verdict)));
	json_object_set_new(o, "reference", str_or_null(m->reference));
	for (i = 0; i < m->nfindings; i++) {
		const struct sl_finding *f = &m->findings[i];
		json_t *j = json_object();
		json_object_set_new(j, "kind", json_string(sl_finding_kind_name(f->kind)));
		json_object_set_new(j, "rule", json_string(f->rule));
		json_object_set_new(j, "part", f->part >= 0 ? str_or_null(m->parts[f->part].id) : json_null());
		json_object_set_new(j, "detail", str_or_null(f->detail));
		json_object_set_new(j, "action", json_string(sl_action_name(f->action)));
		json_array_append_new(fa, j);
	}
	for (i = 0; i < m->nparts; i++) {
		const struct sl_part *p = &m->parts[i];
		json_t *j;
		if (p->is_container)
			continue;
		j = json_object();
		json_object_set_new(j, "id", str_or_null(p->id));
		json_object_set_new(j, "declared_type", str_or_null(p->declared_type));
		json_object_set_new(j, "detected_type", str_or_null(p->detected_type));
		json_object_set_new(j, "filename", str_or_null(p->filename ? p->filename : p->alt_filename));
		json_object_set_new(j, "size", json_integer((json_int_t)p->size));
		{
			const char *h = sl_msg_part_sha256(m, (int)i);
			json_object_set_new(j, "sha256", str_or_null(*h ? h : NULL));
		}
		json_array_append_new(pa, j);
	}
	for (i = 0; i < m->nurls; i++) {
		const struct sl_url *u = &m->urls[i];
		json_t *j = json_object();
		json_object_set_new(j, "url", str_or_null(u->normalized ? u->normalized : u->url));
		json_object_set_new(j, "found", str_or_null(u->url));
		json_object_set_new(j, "part", str_or_null(m->parts[u->part].id));
		json_object_set_new(j, "shown_as", str_or_null(u->shown_as));
		json_object_set_new(j, "reputation", json_string(sl_url_rep_name(u->reputation)));
		json_object_set_new(j, "source", str_or_null(u->source));
		json_array_append_new(ua, j);
	}
	json_object_set_new(o, "findings", fa);
	json_object_set_new(o, "parts", pa);
	json_object_set_new(o, "urls", ua);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	r = sl_xstrdup(s ? s : "{}");
	free(s);
	return r;
}
