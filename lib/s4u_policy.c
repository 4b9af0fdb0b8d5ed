/*
 * s4u_policy.c: pam_s4u.conf(5), parsed and evaluated, pure.
 *
 * A line is "who target..." after '#' comments are cut off; blank lines
 * are skipped.  who is "*", "@group" or a login name; the targets follow
 * the rules of targets= (s4u_targets_parse: commas or white space between
 * them, each a valid principal, at most S4U_TARGETS_MAX).  Any line that
 * does not parse makes the whole file unusable: an admin's typo must never
 * widen or silently narrow what the file grants.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u_policy.h"

#define BLANKS " \t\r"

/* A who token: visible UTF-8 text, no control character, no '#'. */
static bool
name_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t step;

    if (*p == '\0' || strlen(s) > S4U_USER_MAX)
        return false;
    while (*p != '\0') {
        if (*p < ' ' || *p == 0x7F)
            return false;
        step = s4u_utf8_seq_len(p);
        if (step == 0)
            return false;
        p += step;
    }
    return true;
}

/* Check the who field: "*", "@group" or a login name. */
static bool
who_ok(const char *who, const char **why_out)
{
    if (strcmp(who, "*") == 0)
        return true;
    if (who[0] == '@' && name_ok(who + 1))
        return true;
    if (who[0] != '@' && who[0] != '*' && name_ok(who))
        return true;
    *why_out = who[0] == '@' ? "a group name is missing or invalid after '@'"
                             : "the first field must be a user name, "
                               "@group or *";
    return false;
}

/* Parse one line (comment already cut) into a rule, or into nothing. */
static int
parse_line(char *line, unsigned int lineno, struct s4u_policy *p,
           const char **why_out)
{
    struct s4u_policy_rule rule = {.line = lineno}, *grown;
    char *who, *rest;
    int ret;

    who = line + strspn(line, BLANKS);
    if (*who == '\0')
        return 0;
    rest = who + strcspn(who, BLANKS);
    if (*rest != '\0')
        *rest++ = '\0';
    if (!who_ok(who, why_out))
        return EINVAL;
    ret = s4u_targets_parse(rest, &rule.targets, &rule.ntargets, why_out);
    if (ret != 0)
        return ret;
    if (rule.ntargets == 0) {
        *why_out = "a rule names no target";
        return EINVAL;
    }
    rule.who = strdup(who);
    grown = rule.who == NULL
                ? NULL
                : realloc(p->rules, (p->nrules + 1) * sizeof(*p->rules));
    if (grown == NULL) {
        free(rule.who);
        s4u_strv_free(rule.targets, rule.ntargets);
        return ENOMEM;
    }
    p->rules = grown;
    p->rules[p->nrules++] = rule;
    return 0;
}

/*
 * Parse the policy text (len bytes; a NUL byte inside is an error).
 * 0, ENOMEM, or EINVAL/E2BIG with *line_out and *why_out saying where and
 * what; then nothing is returned at all.
 */
int
s4u_policy_parse(const char *text, size_t len, struct s4u_policy *policy_out,
                 unsigned int *line_out, const char **why_out)
{
    struct s4u_policy p = {0};
    char *copy = NULL, *line, *next, *hash;
    unsigned int lineno = 0;
    int ret = 0;

    *policy_out = (struct s4u_policy){0};
    *line_out = 0;
    *why_out = NULL;
    if (memchr(text, '\0', len) != NULL) {
        *why_out = "the file holds a NUL byte";
        *line_out = 1;
        return EINVAL;
    }
    copy = strndup(text, len);
    if (copy == NULL)
        return ENOMEM;
    for (line = copy; line != NULL && ret == 0; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        ret = parse_line(line, lineno, &p, why_out);
    }
    if (ret != 0) {
        *line_out = lineno;
        s4u_policy_free(&p);
    } else {
        *policy_out = p;
    }
    free(copy);
    return ret;
}

/* Free the rules. */
void
s4u_policy_free(struct s4u_policy *policy)
{
    size_t i;

    for (i = 0; i < policy->nrules; i++) {
        free(policy->rules[i].who);
        s4u_strv_free(policy->rules[i].targets, policy->rules[i].ntargets);
    }
    free(policy->rules);
    *policy = (struct s4u_policy){0};
}

/* Is target among the grants?  *line_out says which line gave it. */
bool
s4u_grants_find(const struct s4u_grants *g, const char *target,
                unsigned int *line_out)
{
    size_t i;

    for (i = 0; i < g->n; i++) {
        if (strcmp(g->targets[i], target) == 0) {
            if (line_out != NULL)
                *line_out = g->lines[i];
            return true;
        }
    }
    return false;
}

/*
 * Add a target given by line, unless it is there already (the first line
 * to give it stays).  0, ENOMEM, or E2BIG past S4U_TARGETS_MAX.
 */
int
s4u_grants_add(struct s4u_grants *g, const char *target, unsigned int line)
{
    unsigned int *lines;

    if (s4u_grants_find(g, target, NULL))
        return 0;
    if (g->n >= S4U_TARGETS_MAX)
        return E2BIG;
    lines = realloc(g->lines, (g->n + 1) * sizeof(*lines));
    if (lines == NULL)
        return ENOMEM;
    g->lines = lines;
    if (s4u_strv_append(&g->targets, &g->n, target) != 0)
        return ENOMEM;
    g->lines[g->n - 1] = line;
    return 0;
}

/* Free the grants. */
void
s4u_grants_free(struct s4u_grants *g)
{
    s4u_strv_free(g->targets, g->n);
    free(g->lines);
    *g = (struct s4u_grants){0};
}

/*
 * Make the request's targets a copy of the grants' (the policy file
 * decides what the module and s4uctl ask for).  0 or ENOMEM, req unchanged
 * then.
 */
int
s4u_grants_to_request(const struct s4u_grants *g, struct s4u_request *req)
{
    char **vec = NULL;
    size_t n = 0, i;

    for (i = 0; i < g->n; i++) {
        if (s4u_strv_append(&vec, &n, g->targets[i]) != 0) {
            s4u_strv_free(vec, n);
            return ENOMEM;
        }
    }
    s4u_strv_free(req->targets, req->ntargets);
    req->targets = vec;
    req->ntargets = n;
    return 0;
}

/* Does the rule's who match the user?  0 or the callback's error. */
static int
rule_matches(const struct s4u_policy_rule *r, const char *user,
             s4u_member_fn *member, void *data, bool *match)
{
    *match = false;
    if (strcmp(r->who, "*") == 0) {
        *match = true;
        return 0;
    }
    if (r->who[0] == '@')
        return member(data, r->who + 1, match);
    *match = strcmp(r->who, user) == 0;
    return 0;
}

/*
 * The union of the targets of every rule that matches user, each with the
 * first line that grants it.  0, ENOMEM, E2BIG (more than S4U_TARGETS_MAX
 * targets; *line_out is the rule that went past it), or the membership
 * callback's error (*line_out is the rule that asked).  On error nothing
 * is granted.
 */
int
s4u_policy_grants(const struct s4u_policy *policy, const char *user,
                  s4u_member_fn *member, void *data,
                  struct s4u_grants *grants_out, unsigned int *line_out,
                  const char **why_out)
{
    struct s4u_grants g = {0};
    const struct s4u_policy_rule *r;
    size_t i, t;
    bool match;
    int ret = 0;

    *grants_out = (struct s4u_grants){0};
    *line_out = 0;
    *why_out = NULL;
    for (i = 0; i < policy->nrules && ret == 0; i++) {
        r = &policy->rules[i];
        ret = rule_matches(r, user, member, data, &match);
        if (ret != 0)
            *why_out = "cannot look up the group's members";
        for (t = 0; ret == 0 && match && t < r->ntargets; t++)
            ret = s4u_grants_add(&g, r->targets[t], r->line);
        if (ret == E2BIG)
            *why_out = "the rules matching the user grant more than 256 "
                       "targets";
        if (ret != 0)
            *line_out = r->line;
    }
    if (ret != 0) {
        s4u_grants_free(&g);
        return ret;
    }
    *grants_out = g;
    return 0;
}
