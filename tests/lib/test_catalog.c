/*
 * test_catalog.c: every code has a unique id, words and a fix; fixes per
 * KDC kind are single lines (they go to syslog); placeholders fill in.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"
#include "tests/tap.h"

/* Every fix text of every entry is one line. */
static void
test_one_line(void)
{
    const struct s4u_explanation *ex;
    unsigned int i, k;
    bool one_line = true;

    for (i = 0; i < S4U_CODE_COUNT; i++) {
        ex = s4u_explain((enum s4u_code)i);
        if (strchr(ex->fix, '\n') != NULL || strchr(ex->what, '\n') != NULL)
            one_line = false;
        for (k = 0; k < S4U_KDC_KINDS; k++) {
            if (strchr(s4u_explain_fix(ex, k), '\n') != NULL)
                one_line = false;
        }
    }
    ok(one_line, "every text is a single line");
}

/* The per-kind fixes say what the integration tests and admins look for. */
static void
test_kinds(void)
{
    const struct s4u_explanation *ex;
    enum s4u_kdc_kind kind;
    unsigned int k;

    for (k = 0; k < S4U_KDC_KINDS; k++) {
        ok(s4u_kdc_kind_from_name(s4u_kdc_kind_name(k), &kind) && kind == k,
           "kind %s maps back", s4u_kdc_kind_name(k));
    }
    ok(!s4u_kdc_kind_from_name("heimdal", &kind), "an unknown kind is refused");
    is_str(s4u_explain_fix(s4u_explain(S4U_OK), S4U_KDC_MIT), "",
           "OK has no fix");
    is_str(s4u_explain_fix(s4u_explain(S4U_ERR_TIMEOUT), S4U_KDC_KINDS), "",
           "an out-of-range kind gives no fix");
    ex = s4u_explain(S4U_ERR_TARGET_NOT_ALLOWED);
    ok(strstr(ex->fix_mit, "krbAllowedToDelegateTo: <target>") != NULL &&
           strstr(ex->fix_mit, "ldapmodify") != NULL,
       "TARGET_NOT_ALLOWED, MIT: an ldapmodify adding krbAllowedToDelegateTo");
    ok(strstr(ex->fix_ipa, "servicedelegationrule-add-target") != NULL,
       "TARGET_NOT_ALLOWED, FreeIPA: servicedelegationrule-add-target");
    ok(strstr(ex->fix_ad, "PrincipalsAllowedToDelegateToAccount") != NULL,
       "TARGET_NOT_ALLOWED, AD: RBCD with Set-ADComputer");
    ok(strstr(ex->fix_samba, "samba-tool delegation add-service") != NULL,
       "TARGET_NOT_ALLOWED, Samba: delegation add-service");
    ex = s4u_explain(S4U_ERR_NO_PROTOCOL_TRANSITION);
    ok(strstr(ex->fix_mit, "modprinc +ok_to_auth_as_delegate <host>") != NULL,
       "NO_PROTOCOL_TRANSITION, MIT: +ok_to_auth_as_delegate");
    ok(strstr(ex->fix_ad, "-TrustedToAuthForDelegation $true") != NULL,
       "NO_PROTOCOL_TRANSITION, AD: Set-ADAccountControl");
    ex = s4u_explain(S4U_ERR_USER_NOT_DELEGABLE);
    ok(strstr(ex->fix_samba, "samba-tool user sensitive <login> off") != NULL,
       "USER_NOT_DELEGABLE, Samba: user sensitive off");
    ex = s4u_explain(S4U_ERR_HOST_NOT_FORWARDABLE);
    ok(strstr(ex->fix_mit, "+allow_forwardable <host>") != NULL,
       "HOST_NOT_FORWARDABLE, MIT: +allow_forwardable on the host");
    ex = s4u_explain(S4U_ERR_KEYTAB_MISSING);
    ok(strncmp(ex->fix, "create it", 9) == 0,
       "KEYTAB_MISSING's fix starts with what to do");
}

/* Expand text with vars; compare. */
static void
check_expand(const char *text, const char *want, const char *name)
{
    static const struct s4u_fix_var vars[] = {
        {"host", "host/b.example.test@EXAMPLE.TEST"},
        {"target", "cifs/c@EXAMPLE.TEST"},
        {"user", NULL},
        {"login", "alice"},
    };
    char *got = NULL;

    if (s4u_fix_expand(text, vars, 4, &got) != 0)
        abort();
    is_str(got, want, name);
    free(got);
}

static void
test_expand(void)
{
    check_expand("modprinc +ok_to_auth_as_delegate <host>",
                 "modprinc +ok_to_auth_as_delegate "
                 "host/b.example.test@EXAMPLE.TEST",
                 "a placeholder is filled in");
    check_expand("<login>:<target>", "alice:cifs/c@EXAMPLE.TEST",
                 "adjacent placeholders");
    check_expand("<user> and <realm>", "<user> and <realm>",
                 "unknown or unset placeholders stay");
    check_expand("a < b, <>, <Host>, <host", "a < b, <>, <Host>, <host",
                 "text that only looks like a placeholder stays");
    check_expand("", "", "empty text");
}

int
main(void)
{
    enum s4u_code back;
    unsigned int i, j;

    for (i = 0; i < S4U_CODE_COUNT; i++) {
        const struct s4u_explanation *ex = s4u_explain((enum s4u_code)i);

        ok(ex->id != NULL && ex->what != NULL && ex->fix != NULL &&
               ex->fix_mit != NULL && ex->fix_ipa != NULL &&
               ex->fix_ad != NULL && ex->fix_samba != NULL,
           "code %u has an entry", i);
        ok(s4u_code_from_id(ex->id, &back) && back == (enum s4u_code)i,
           "id %s maps back", ex->id);
        ok(i == S4U_OK || strlen(ex->fix) > 10, "id %s has a fix", ex->id);
        for (j = 0; j < i; j++) {
            if (strcmp(ex->id, s4u_explain((enum s4u_code)j)->id) == 0)
                break;
        }
        ok(j == i, "id %s is unique", ex->id);
    }
    ok(strcmp(s4u_explain(S4U_CODE_COUNT + 5)->id, "INTERNAL") == 0,
       "an out-of-range code explains as INTERNAL");
    ok(!s4u_code_from_id("NO_SUCH", &back), "an unknown id is refused");
    test_one_line();
    test_kinds();
    test_expand();
    return tap_done();
}
