/*
 * policy - turns findings into actions and one verdict.
 *
 * Each finding carries a rule name; the action for it is the config key
 * policy.<rule> (none, remove, defang, wrap, quarantine, reject). The verdict
 * is the strongest action taken: reject > quarantine > rewrite (remove,
 * defang, wrap) > clean. A "remove" that has nothing to remove (a finding on
 * the whole message) becomes quarantine: nothing is ever silently passed.
 * A rule the policy does not know quarantines (a new stage without its key
 * fails safe).
 */
#ifndef SL_POLICY_H
#define SL_POLICY_H

#include "config.h"
#include "msg.h"

struct sl_policy;

struct sl_policy *sl_policy_new(const struct sl_config *cfg, char **why);
struct sl_policy *sl_policy_free(struct sl_policy *p);
int sl_policy_run(struct sl_policy *p, struct sl_msg *m);

#endif
