/*
 * fuzz_policy.c: s4u_policy_parse and s4u_policy_grants, pam_s4u.conf(5).
 *
 * For every input: a parse either returns rules or nothing (and then names
 * a line of the input and a reason); every rule's who is "*", "@group" or
 * a name free of blanks and '#', with 1 to 256 valid targets; the rules
 * written back one a line parse to the same rules.  For three users, with
 * membership decided by the group name, every grant comes from a rule that
 * matches the user, at that line, with no repeats and at most 256.
 */
#include <errno.h>
#include <stdbool.h>

#include "lib/s4u_policy.h"
#include "tests/fuzz/fuzz.h"

/* A user is in a group whose name starts with her name's first letter. */
static int
member(void *data, const char *group, bool *member_out)
{
    const char *user = data;

    *member_out = group[0] == user[0];
    return 0;
}

/* The properties of one parsed rule. */
static void
check_rule(const struct s4u_policy_rule *r, unsigned int lines)
{
    const char *why;
    size_t i;

    FUZZ_ASSERT(r->line >= 1 && r->line <= lines);
    FUZZ_ASSERT(r->who[0] != '\0');
    FUZZ_ASSERT(strpbrk(r->who, " \t\r\n#") == NULL);
    FUZZ_ASSERT(strcmp(r->who, "@") != 0);
    FUZZ_ASSERT(r->who[0] != '*' || r->who[1] == '\0');
    FUZZ_ASSERT(r->ntargets >= 1 && r->ntargets <= S4U_TARGETS_MAX);
    for (i = 0; i < r->ntargets; i++)
        FUZZ_ASSERT(s4u_principal_text_valid(r->targets[i], &why));
}

/* Write the rules back, one a line, and parse them again. */
static void
check_roundtrip(const struct s4u_policy *p)
{
    struct s4u_policy back = {0};
    size_t total = 1, i, t, len = 0;
    const char *why;
    unsigned int line;
    char *text;

    for (i = 0; i < p->nrules; i++) {
        total += strlen(p->rules[i].who) + 2;
        for (t = 0; t < p->rules[i].ntargets; t++)
            total += strlen(p->rules[i].targets[t]) + 1;
    }
    text = fuzz_must(malloc(total));
    text[0] = '\0';
    for (i = 0; i < p->nrules; i++) {
        len += (size_t)snprintf(text + len, total - len, "%s", p->rules[i].who);
        for (t = 0; t < p->rules[i].ntargets; t++)
            len += (size_t)snprintf(text + len, total - len, " %s",
                                    p->rules[i].targets[t]);
        len += (size_t)snprintf(text + len, total - len, "\n");
    }
    FUZZ_ASSERT(s4u_policy_parse(text, len, &back, &line, &why) == 0);
    FUZZ_ASSERT(back.nrules == p->nrules);
    for (i = 0; i < p->nrules; i++) {
        FUZZ_ASSERT(back.rules[i].line == i + 1);
        FUZZ_ASSERT(strcmp(back.rules[i].who, p->rules[i].who) == 0);
        FUZZ_ASSERT(back.rules[i].ntargets == p->rules[i].ntargets);
        for (t = 0; t < p->rules[i].ntargets; t++)
            FUZZ_ASSERT(
                strcmp(back.rules[i].targets[t], p->rules[i].targets[t]) == 0);
    }
    s4u_policy_free(&back);
    free(text);
}

/* Does rule r match user, with the harness's membership? */
static bool
matches(const struct s4u_policy_rule *r, const char *user)
{
    if (r->who[0] == '@')
        return r->who[1] == user[0];
    return strcmp(r->who, "*") == 0 || strcmp(r->who, user) == 0;
}

/* Every grant is a matching rule's target, given by its first such line. */
static void
check_grants(const struct s4u_policy *p, const char *user)
{
    struct s4u_grants g = {0};
    const char *why = "unset";
    unsigned int line = 99;
    size_t i, r, t, j;
    bool found;
    int ret;

    ret = s4u_policy_grants(p, user, member, (void *)user, &g, &line, &why);
    if (ret != 0) {
        FUZZ_ASSERT(ret == E2BIG && g.n == 0 && g.targets == NULL);
        FUZZ_ASSERT(line >= 1 && why != NULL);
        return;
    }
    FUZZ_ASSERT(g.n <= S4U_TARGETS_MAX);
    for (i = 0; i < g.n; i++) {
        for (j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(g.targets[i], g.targets[j]) != 0);
        found = false;
        for (r = 0; r < p->nrules && !found; r++) {
            for (t = 0; t < p->rules[r].ntargets && !found; t++)
                found = matches(&p->rules[r], user) &&
                        strcmp(p->rules[r].targets[t], g.targets[i]) == 0;
        }
        FUZZ_ASSERT(found && p->rules[r - 1].line == g.lines[i]);
    }
    s4u_grants_free(&g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const users[] = {"alice", "bob", "@x"};
    struct s4u_policy p = {0};
    const char *why = "unset";
    unsigned int line = 99, lines = 1;
    size_t i;
    int ret;

    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    ret = s4u_policy_parse((const char *)data, size, &p, &line, &why);
    if (ret != 0) {
        FUZZ_ASSERT(ret == EINVAL || ret == E2BIG);
        FUZZ_ASSERT(p.rules == NULL && p.nrules == 0);
        FUZZ_ASSERT(line >= 1 && line <= lines && why != NULL);
        return 0;
    }
    FUZZ_ASSERT(line == 0 && why == NULL);
    for (i = 0; i < p.nrules; i++)
        check_rule(&p.rules[i], lines);
    check_roundtrip(&p);
    for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
        check_grants(&p, users[i]);
    s4u_policy_free(&p);
    return 0;
}
