/*
 * test_names.c: login names, cache templates and target lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"
#include "tests/tap.h"

/* Names that must be refused, each with the reason it must give. */
static void
test_bad_users(void)
{
    static const struct {
        const char *name, *why_part;
    } bad[] = {
        {"", "empty"},
        {"alice/admin", "instance"},
        {"alice/admin@REALM", "instance"},
        {"@", "empty"},
        {"@ad.example.com", "empty"},
        {"alice@", "DNS domain"},
        {"alice@a..b", "DNS domain"},
        {"alice@.a", "DNS domain"},
        {"alice@a.", "DNS domain"},
        {"alice@a b", "DNS domain"},
        {"alice@a/b", "DNS domain"},
        {"alice@a_b", "DNS domain"},
        {"alice@b@c", "more than one"},
        {"ADLAB\\alice@ad", "more than one"},
        {"A\\B\\alice", "more than one"},
        {"ADLAB\\", "empty"},
        {"\\alice", "NetBIOS"},
        {"SIXTEENCHARSLONG\\alice", "NetBIOS"},
        {"AD.LAB\\alice", "NetBIOS"},
        {"ADLAB\\-alice", "starts"},
        {"ADLAB\\alice$", "separator"},
        {"ADLAB\\alice\n", "separator"},
        {"-alice@ad.example.com", "starts"},
        {"alice bob", "separator"},
        {"alice\tbob", "separator"},
        {"alice\nbob", "separator"},
        {"alice:x", "separator"},
        {"alice,bob", "separator"},
        {"alice;id", "separator"},
        {"alice$", "separator"},
        {"al*ce", "separator"},
        {"alice\x7f", "separator"},
        {"-alice", "starts"},
        {".alice", "starts"},
        {"\xff\xfe", "UTF-8"},
        {"al\xc3", "UTF-8"},
        {"\xc0\xaf", "UTF-8"},         /* overlong '/' */
        {"\xe0\x80\xaf", "UTF-8"},     /* overlong '/' */
        {"\xed\xa0\x80", "UTF-8"},     /* surrogate */
        {"\xf4\x90\x80\x80", "UTF-8"}, /* beyond U+10FFFF */
        {"alice\x01", "separator"},
    };
    const char *why;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(!s4u_user_name_valid(bad[i].name, &why) && why != NULL &&
               strstr(why, bad[i].why_part) != NULL,
           "refuses hostile user name #%zu (%s)", i, bad[i].why_part);
    }
    ok(!s4u_user_name_valid(NULL, &why), "refuses a NULL user name");
}

/* Over-long names are refused at 256 bytes, accepted at 255. */
static void
test_long_users(void)
{
    char name[300];
    const char *why;

    memset(name, 'a', sizeof(name));
    name[255] = '\0';
    ok(s4u_user_name_valid(name, &why), "accepts a 255-byte name");
    name[255] = 'a';
    name[256] = '\0';
    ok(!s4u_user_name_valid(name, &why) && strstr(why, "longer"),
       "refuses a 256-byte name");
}

/* Plain names pass, including non-ASCII letters, and qualified ones. */
static void
test_good_users(void)
{
    static const char *const good[] = {"alice",
                                       "bob.smith",
                                       "carol_d",
                                       "dave-2",
                                       "Eve",
                                       "j\xc3\xb6rg",
                                       "u1",
                                       "alice@ad.example.com",
                                       "alice@AD",
                                       "ADLAB\\alice",
                                       "FIFTEENCHARSLO\\x"};
    const char *why;
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ok(s4u_user_name_valid(good[i], &why), "accepts user name %s", good[i]);
}

/* The parts a login name splits into. */
static void
test_split_users(void)
{
    struct s4u_user_parts parts;
    const char *why;

    ok(s4u_user_name_split("alice", &parts, &why) &&
           parts.form == S4U_USER_PLAIN && strcmp(parts.name, "alice") == 0 &&
           parts.domain[0] == '\0',
       "alice is a plain name");
    ok(s4u_user_name_split("alice@ad.example.com", &parts, &why) &&
           parts.form == S4U_USER_QUALIFIED &&
           strcmp(parts.name, "alice") == 0 &&
           strcmp(parts.domain, "ad.example.com") == 0,
       "alice@ad.example.com: account alice, DNS domain ad.example.com");
    ok(s4u_user_name_split("ADLAB\\alice", &parts, &why) &&
           parts.form == S4U_USER_DOWNLEVEL &&
           strcmp(parts.name, "alice") == 0 &&
           strcmp(parts.domain, "ADLAB") == 0,
       "ADLAB\\alice: account alice, NetBIOS domain ADLAB");
}

/* Cache templates. */
static void
test_ccache_expand(void)
{
    char *name = NULL;
    const char *why;

    ok(s4u_ccache_expand("KEYRING:persistent:%{uid}", "alice", 61001, &name,
                         &why) == 0,
       "expands %%{uid}");
    is_str(name, "KEYRING:persistent:61001", "uid expansion");
    free(name);
    ok(s4u_ccache_expand("FILE:/tmp/krb5cc_%{username}_%%", "bob", 5, &name,
                         &why) == 0,
       "expands %%{username}, %%%%");
    is_str(name, "FILE:/tmp/krb5cc_bob_%", "user expansion");
    free(name);
    name = NULL;
    /* %u is the uid, as in pam-krb5 (FILE:/tmp/krb5cc_%u), not the name. */
    ok(s4u_ccache_expand("FILE:/tmp/krb5cc_%u", "bob", 61002, &name, &why) == 0,
       "expands %%u");
    is_str(name, "FILE:/tmp/krb5cc_61002", "%u is the uid");
    free(name);
    name = NULL;
    ok(s4u_ccache_expand("KEYRING:%x", "bob", 5, &name, &why) != 0 &&
           name == NULL && strstr(why, "unknown"),
       "refuses an unknown %% sequence");
    ok(s4u_ccache_expand("KEYRING:%", "bob", 5, &name, &why) != 0,
       "refuses a trailing %%");
    ok(s4u_ccache_expand("", "bob", 5, &name, &why) != 0,
       "refuses an empty template");
}

/*
 * Where a cache may go: never the session keyring, which with su or sudo
 * belongs to the invoking user; the refusal says what to use instead.
 */
static void
test_ccache_kinds(void)
{
    static const char *const allowed[] = {
        "KEYRING:persistent:1001",
        "KEYRING:persistent:1001:s4u_0123",
        "KEYRING:user:1001",
        "FILE:/tmp/krb5cc_1001",
        "/tmp/krb5cc_1001",
        "KCM:",
        "KCM:1001:s4u_0123",
        "DIR:/run/user/1001/krb5cc",
        "DIR::/run/user/1001/krb5cc/tkt_s4u_0123",
    };
    static const char *const session[] = {
        "KEYRING:session:1001", "KEYRING:session:1001:s4u_0123456789abcdef",
        "KEYRING:legacy:1001",
        "KEYRING:krb5cc_1001", /* MIT's legacy form: the session keyring */
    };
    static const char *const other[] = {
        "KEYRING:process:1001",
        "KEYRING:thread:1001",
        "KEYRING:Session:1",
        "MEMORY:x",
        "DIR:relative",
        "FILE:relative",
        "krb5cc",
        "keyring:persistent:1",
    };
    const char *why;
    size_t i;

    for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        ok(s4u_ccache_kind_allowed(allowed[i], &why) && why == NULL,
           "allows %s", allowed[i]);
    for (i = 0; i < sizeof(session) / sizeof(session[0]); i++)
        ok(!s4u_ccache_kind_allowed(session[i], &why) &&
               strstr(why, "session keyring") != NULL &&
               strstr(why, "use ccache=KEYRING:persistent:%{uid}") != NULL,
           "refuses %s as the session keyring", session[i]);
    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        ok(!s4u_ccache_kind_allowed(other[i], &why) && why != NULL,
           "refuses %s", other[i]);
}

/* Expansion refuses the kinds s4u_ccache_kind_allowed refuses. */
static void
test_ccache_expand_kinds(void)
{
    char *name = NULL;
    const char *why = NULL;

    ok(s4u_ccache_expand("KEYRING:session:%{uid}", "bob", 5, &name, &why) ==
               EINVAL &&
           name == NULL && why != NULL && strstr(why, "session keyring"),
       "refuses to expand a KEYRING:session: template");
    ok(s4u_ccache_expand("KEYRING:%u", "bob", 5, &name, &why) == EINVAL &&
           name == NULL && why != NULL && strstr(why, "session keyring"),
       "refuses to expand a legacy KEYRING: template");
    ok(s4u_ccache_expand("KEYRING:user:%{uid}", "bob", 5, &name, &why) == 0,
       "expands a KEYRING:user: template");
    free(name);
}

/* A template that expands past the limit is refused. */
static void
test_ccache_too_long(void)
{
    char tmpl[1100], *name = NULL;
    const char *why;

    memset(tmpl, 'x', sizeof(tmpl));
    tmpl[sizeof(tmpl) - 1] = '\0';
    ok(s4u_ccache_expand(tmpl, "bob", 5, &name, &why) != 0 && name == NULL,
       "refuses a template over 1024 bytes");
}

/* Target lists. */
static void
test_targets(void)
{
    char **t = NULL;
    size_t n = 0;
    const char *why;

    ok(s4u_targets_parse("host/c.example.test, cifs/c.example.test,,"
                         "host/c.example.test\tHTTP/w.example.test@R",
                         &t, &n, &why) == 0,
       "parses a mixed list");
    is_long(n, 3, "drops duplicates and empty entries");
    if (n == 3) {
        is_str(t[0], "host/c.example.test", "first target");
        is_str(t[1], "cifs/c.example.test", "second target");
        is_str(t[2], "HTTP/w.example.test@R", "third target");
        ok(t[3] == NULL, "vector is NULL-terminated");
    }
    s4u_strv_free(t, n);
    ok(s4u_targets_parse(NULL, &t, &n, &why) == 0 && n == 0 && t == NULL,
       "an unset list is empty");
    ok(s4u_targets_parse("host/a\x01", &t, &n, &why) != 0 && t == NULL,
       "refuses control characters");
}

/* More than the maximum number of targets is refused. */
static void
test_too_many_targets(void)
{
    char *text = malloc(300 * 16), **t = NULL;
    size_t i, len = 0, n = 0;
    const char *why;

    if (text == NULL)
        return;
    for (i = 0; i < 300; i++)
        len += (size_t)sprintf(text + len, "host/t%zu,", i);
    ok(s4u_targets_parse(text, &t, &n, &why) != 0 && strstr(why, "256"),
       "refuses more than 256 targets");
    free(text);
}

/*
 * Without ccache=, the host's default_ccache_name picks the collection
 * when it names one pam_s4u writes; otherwise the persistent keyring.
 */
static void
test_ccache_from_host(void)
{
    static const struct {
        const char *dflt, *tmpl;
        enum s4u_ccache_rule rule;
    } cases[] = {
        {NULL, "KEYRING:persistent:%{uid}", S4U_CC_UNSET},
        {"", "KEYRING:persistent:%{uid}", S4U_CC_UNSET},
        {"FILE:/tmp/krb5cc_%{uid}", "KEYRING:persistent:%{uid}",
         S4U_CC_HOST_FILE},
        {"/tmp/krb5cc_%{uid}", "KEYRING:persistent:%{uid}", S4U_CC_HOST_FILE},
        {"KEYRING:persistent:%{uid}", "KEYRING:persistent:%{uid}", S4U_CC_HOST},
        {"KEYRING:persistent:%{euid}", "KEYRING:persistent:%{uid}",
         S4U_CC_HOST},
        {"KEYRING:persistent:%{uid}:tkt", "KEYRING:persistent:%{uid}",
         S4U_CC_HOST},
        {"KEYRING:user:%{uid}", "KEYRING:user:%{uid}", S4U_CC_HOST},
        {"KCM:", "KCM:", S4U_CC_HOST},
        {"KCM:%{uid}", "KCM:", S4U_CC_HOST},
        {"DIR:/run/user/%{uid}/krb5cc", "DIR:/run/user/%{uid}/krb5cc",
         S4U_CC_HOST},
        {"DIR::/run/user/%{uid}/krb5cc/tkt", "DIR:/run/user/%{uid}/krb5cc",
         S4U_CC_HOST},
        /* Refused or unknown here: the keyring, and the rule says why. */
        {"KEYRING:session:%{uid}", "KEYRING:persistent:%{uid}",
         S4U_CC_HOST_OTHER},
        {"KEYRING:krb5cc_%{uid}", "KEYRING:persistent:%{uid}",
         S4U_CC_HOST_OTHER},
        {"DIR:%{TEMP}/cc", "KEYRING:persistent:%{uid}", S4U_CC_HOST_OTHER},
        {"MEMORY:x", "KEYRING:persistent:%{uid}", S4U_CC_HOST_OTHER},
        {"API:", "KEYRING:persistent:%{uid}", S4U_CC_HOST_OTHER},
    };
    enum s4u_ccache_rule rule;
    char *tmpl;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(s4u_ccache_from_host(cases[i].dflt, &tmpl, &rule) == 0,
           "default_ccache_name %s: chosen",
           cases[i].dflt ? cases[i].dflt : "unset");
        is_str(tmpl, cases[i].tmpl, "the collection");
        is_long(rule, cases[i].rule, "the rule");
        free(tmpl);
    }
    ok(strstr(s4u_ccache_rule_text(S4U_CC_HOST), "default_ccache_name") != NULL,
       "the rule's text names default_ccache_name");
}

/* The one spelling of our cache names, per collection kind, and back. */
static void
test_cache_names_in(void)
{
    static const char *const hex = "0123456789abcdef";
    static const struct {
        const char *collection, *name, *back;
    } cases[] = {
        {"KEYRING:persistent:61001",
         "KEYRING:persistent:61001:s4u_0123456789abcdef",
         "KEYRING:persistent:61001"},
        {"KEYRING:user:61001", "KEYRING:user:61001:s4u_0123456789abcdef",
         "KEYRING:user:61001"},
        {"KCM:", "KCM:61001:s4u_0123456789abcdef", "KCM:"},
        {"DIR:/run/user/61001/cc",
         "DIR::/run/user/61001/cc/tkt_s4u_0123456789abcdef",
         "DIR:/run/user/61001/cc"},
        {"FILE:/tmp/krb5cc_61001",
         "FILE:/tmp/krb5cc_61001_s4u_0123456789abcdef", NULL},
        {"/tmp/krb5cc_61001", "FILE:/tmp/krb5cc_61001_s4u_0123456789abcdef",
         NULL},
    };
    char *name, *back;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(s4u_cache_name_in(cases[i].collection, 61001, hex, &name) == 0,
           "a name in %s", cases[i].collection);
        is_str(name, cases[i].name, "spelled per kind");
        ok(s4u_cache_name_ours(name), "and ours");
        ok(s4u_cache_in_collection(name, cases[i].collection, 61001),
           "in its collection");
        ok(!s4u_cache_in_collection(name, cases[i].collection, 61002) ||
               strncmp(name, "KCM:", 4) != 0,
           "a KCM name carries the uid");
        back = NULL;
        if (cases[i].back == NULL) {
            ok(s4u_cache_collection_of(name, &back) == ENOENT && back == NULL,
               "a FILE cache has no collection");
        } else {
            ok(s4u_cache_collection_of(name, &back) == 0, "its collection");
            is_str(back, cases[i].back, "is the one it was made in");
        }
        free(back);
        free(name);
    }
    ok(s4u_cache_name_in("KEYRING:persistent:1:tkt", 1, hex, &name) == EINVAL &&
           name == NULL,
       "a cache is not a collection");
    ok(s4u_cache_name_in("KCM:61001", 1, hex, &name) == EINVAL,
       "KCM: is the only KCM collection");
    ok(!s4u_cache_in_collection("KEYRING:persistent:61001:s4u_0123456789abcdef",
                                "KEYRING:persistent:61002", 61001),
       "another uid's collection");
    ok(!s4u_cache_in_collection("KEYRING:persistent:61001:tkt",
                                "KEYRING:persistent:61001", 61001),
       "her kinit is not ours");
    ok(s4u_cache_collection_of("KEYRING:persistent:61001:tkt", &name) ==
               EINVAL &&
           name == NULL,
       "no collection for a cache that is not ours");
}

int
main(void)
{
    test_bad_users();
    test_long_users();
    test_good_users();
    test_split_users();
    test_ccache_expand();
    test_ccache_kinds();
    test_ccache_expand_kinds();
    test_ccache_too_long();
    test_ccache_from_host();
    test_cache_names_in();
    test_targets();
    test_too_many_targets();
    return tap_done();
}
