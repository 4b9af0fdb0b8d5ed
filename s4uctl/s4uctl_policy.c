/*
 * s4uctl_policy.c: what pam_s4u.conf(5) grants, for check and status.
 *
 * check USER shows which rule (file:line) gives the user each target, and
 * checks exactly the targets the module would ask for; status lists the
 * rules.  Both read the file through the module's own functions
 * (s4u_policy.h), so an unsafe or broken file is refused here as there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u_policy.h"
#include "s4uctl/s4uctl.h"

/* The decision's state as a word. */
static const char *
state_name(enum s4u_policy_state state)
{
    switch (state) {
    case S4U_POLICY_FILE:
        return "file";
    case S4U_POLICY_REFUSED:
        return "refused";
    default:
        return "none";
    }
}

/* Where a grant came from, as text: "FILE:LINE" or "targets=". */
static void
grant_source(const struct s4u_decision *d, unsigned int line, char *buf,
             size_t size)
{
    if (d->state == S4U_POLICY_FILE)
        snprintf(buf, size, "%s:%u", d->file, line);
    else
        snprintf(buf, size, "targets= (no policy file at %s)", d->file);
}

/* Print the decision for c->login, and what the TARGET arguments get. */
static void
print_decision(const struct s4u_decision *d, const struct s4u_request *req)
{
    char from[S4U_NAME_MAX + 64];
    unsigned int line;
    size_t i;

    if (d->state == S4U_POLICY_REFUSED) {
        printf("Policy: refused: %s\n\n", d->why);
        return;
    }
    printf("Policy: %s\n", d->state == S4U_POLICY_FILE
                               ? d->file
                               : "no policy file; targets= applies");
    for (i = 0; i < req->ntargets; i++) {
        if (s4u_grants_find(&d->grants, req->targets[i], &line)) {
            grant_source(d, line, from, sizeof(from));
            printf("  %-40s granted by %s\n", req->targets[i], from);
        } else {
            printf("  %-40s NOT granted (checked because you named it)\n",
                   req->targets[i]);
        }
    }
    printf("\n");
}

/*
 * check: decide for the user as the module would, and (without TARGET
 * arguments, named) make req's targets what the module would ask for.
 * 0, or an exit status: a refused policy or no grant is a configuration
 * matter (S4UCTL_USAGE), with the reason on stderr.
 */
int
s4uctl_policy_targets(struct ctl *c, const struct user *u, bool named,
                      struct s4u_request *req)
{
    struct s4u_decision *d = calloc(1, sizeof(*d));

    if (d == NULL || s4u_policy_decide(&c->opts, u->name, u->gid, d) != 0) {
        free(d);
        s4uctl_complain("out of memory");
        return S4UCTL_NOTHING;
    }
    c->decision = d;
    if (d->state == S4U_POLICY_REFUSED && !named) {
        s4uctl_complain("policy: %s", d->why);
        return S4UCTL_USAGE;
    }
    if (d->state != S4U_POLICY_NONE && !named) {
        if (s4u_grants_to_request(&d->grants, req) != 0) {
            s4uctl_complain("out of memory");
            return S4UCTL_NOTHING;
        }
        if (req->ntargets == 0) {
            s4uctl_complain("the policy %s grants %s no target; pam_s4u "
                            "delegates nothing for this user",
                            d->file, u->name);
            return S4UCTL_USAGE;
        }
    }
    if (!c->json)
        print_decision(d, req);
    return 0;
}

/* check --json: the decision, and the source of each target checked. */
void
s4uctl_policy_json(struct s4u_json *j, const struct ctl *c,
                   const struct s4u_request *req)
{
    const struct s4u_decision *d = c->decision;
    char from[S4U_NAME_MAX + 64];
    unsigned int line;
    size_t i;

    if (d == NULL)
        return;
    s4u_json_begin_object(j, "policy");
    s4u_json_string(j, "file", d->file);
    s4u_json_string(j, "state", state_name(d->state));
    if (d->state == S4U_POLICY_REFUSED)
        s4u_json_string(j, "reason", d->why);
    s4u_json_begin_array(j, "targets");
    for (i = 0; i < req->ntargets; i++) {
        s4u_json_begin_object(j, NULL);
        s4u_json_string(j, "target", req->targets[i]);
        if (s4u_grants_find(&d->grants, req->targets[i], &line)) {
            grant_source(d, line, from, sizeof(from));
            s4u_json_bool(j, "granted", true);
            s4u_json_string(j, "granted_by", from);
        } else {
            s4u_json_bool(j, "granted", false);
        }
        s4u_json_end_object(j);
    }
    s4u_json_end_array(j);
    s4u_json_end_object(j);
}

/* One rule as text: who and its targets. */
static void
print_rule(const char *file, const struct s4u_policy_rule *r)
{
    size_t t;

    printf("  %s:%u: %s ->", file, r->line, r->who);
    for (t = 0; t < r->ntargets; t++)
        printf(" %s", r->targets[t]);
    printf("\n");
}

/* One rule as JSON. */
static void
json_rule(struct s4u_json *j, const struct s4u_policy_rule *r)
{
    size_t t;

    s4u_json_begin_object(j, NULL);
    s4u_json_int(j, "line", r->line);
    s4u_json_string(j, "who", r->who);
    s4u_json_begin_array(j, "targets");
    for (t = 0; t < r->ntargets; t++)
        s4u_json_string(j, NULL, r->targets[t]);
    s4u_json_end_array(j);
    s4u_json_end_object(j);
}

/* Read and parse the file; why says what is wrong (state REFUSED). */
static enum s4u_policy_state
load_rules(const struct ctl *c, const char *path, struct s4u_policy *p,
           char *why, size_t size)
{
    char *text = NULL;
    const char *what = NULL;
    unsigned int line = 0;
    size_t len = 0;
    int ret;

    ret = s4u_policy_read(path, &text, &len, why, size);
    if (ret == ENOENT && c->opts.source[S4U_OPT_POLICY] == S4U_SRC_DEFAULT)
        return S4U_POLICY_NONE;
    if (ret == ENOENT)
        snprintf(why, size, "policy=%s: no such file; nothing is granted",
                 path);
    if (ret != 0)
        return S4U_POLICY_REFUSED;
    ret = s4u_policy_parse(text, len, p, &line, &what);
    free(text);
    if (ret != 0) {
        snprintf(why, size, "%s:%u: %s; this file grants nothing", path, line,
                 what != NULL ? what : strerror(ret));
        return S4U_POLICY_REFUSED;
    }
    return S4U_POLICY_FILE;
}

/* status: the policy file's rules, or why there are none. */
void
s4uctl_policy_status(const struct ctl *c, struct s4u_json *j)
{
    const char *path =
        c->opts.policy != NULL ? c->opts.policy : S4U_POLICY_PATH;
    struct s4u_policy p = {0};
    enum s4u_policy_state state;
    char why[2 * S4U_NAME_MAX] = "";
    size_t i;

    state = load_rules(c, path, &p, why, sizeof(why));
    s4u_escape_inplace(why, sizeof(why));
    if (j != NULL) {
        s4u_json_begin_object(j, "policy");
        s4u_json_string(j, "file", path);
        s4u_json_string(j, "state", state_name(state));
        if (state == S4U_POLICY_REFUSED)
            s4u_json_string(j, "reason", why);
        s4u_json_begin_array(j, "rules");
        for (i = 0; i < p.nrules; i++)
            json_rule(j, &p.rules[i]);
        s4u_json_end_array(j);
        s4u_json_end_object(j);
    } else if (state == S4U_POLICY_NONE) {
        printf("\nPolicy: no %s; every user gets targets=\n", path);
    } else if (state == S4U_POLICY_REFUSED) {
        printf("\nPolicy: refused, nothing is granted: %s\n", why);
    } else {
        printf("\nPolicy: %s (%zu rule%s; a user gets the targets of every "
               "rule that matches her)\n",
               path, p.nrules, p.nrules == 1 ? "" : "s");
        for (i = 0; i < p.nrules; i++)
            print_rule(path, &p.rules[i]);
    }
    s4u_policy_free(&p);
}
