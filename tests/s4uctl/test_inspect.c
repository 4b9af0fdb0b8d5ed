/*
 * test_inspect.c: a FILE collection's delegated caches as s4uctl list reads
 * them: the helper's caches and nothing else, and nothing the user wrote
 * into them reaches a terminal as a control character.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s4uctl/s4u_diag.h"
#include "tests/tap.h"

#define OURS "cc_s4u_0123456789abcdef"
#define HOSTILE "cc_s4u_\033]0;x\007_s4u_0123456789abcdef"

/* The directory the test's caches are written to. */
static char dir[] = "/tmp/test_inspect.XXXXXX";

/* Write the FILE cache name for client, with one ticket for server. */
static void
write_cache(krb5_context ctx, const char *name, const char *client,
            const char *server)
{
    krb5_ccache cc = NULL;
    krb5_creds cr;
    char ccname[512];

    memset(&cr, 0, sizeof(cr));
    snprintf(ccname, sizeof(ccname), "FILE:%s/%s", dir, name);
    if (krb5_cc_resolve(ctx, ccname, &cc) != 0 ||
        krb5_parse_name(ctx, client, &cr.client) != 0 ||
        krb5_parse_name(ctx, server, &cr.server) != 0 ||
        krb5_cc_initialize(ctx, cc, cr.client) != 0 ||
        krb5_cc_store_cred(ctx, cc, &cr) != 0)
        abort();
    krb5_free_cred_contents(ctx, &cr);
    krb5_cc_close(ctx, cc);
}

/* True if s holds a C0 or C1 control, DEL or a bidi override. */
static bool
has_control(const char *s)
{
    if (s != NULL &&
        (strstr(s, "\xc2\x9b") != NULL || strstr(s, "\xe2\x80\xae") != NULL))
        return true;
    for (; s != NULL && *s != '\0'; s++) {
        if ((unsigned char)*s < ' ' || *s == 0x7F)
            return true;
    }
    return false;
}

/* The collection's caches: ours, the hostile one, and not a look-alike. */
static void
test_file_collection(krb5_context ctx)
{
    struct s4u_cache_info *c = NULL;
    struct s4u_status st;
    char collection[512], path[512];
    size_t n = 0, i;
    bool clean = true;
    FILE *f;

    write_cache(ctx, OURS, "alice@EXAMPLE.TEST", "host/c@EXAMPLE.TEST");
    write_cache(ctx, HOSTILE,
                "alice\033[2J\xc2\x9b"
                "2J@EXAMPLE.TEST",
                "host/c\033]0;owned\007\xe2\x80\xae@EXAMPLE.TEST");
    snprintf(path, sizeof(path), "%s/cc_s4u_decoy", dir);
    f = fopen(path, "w");
    if (f == NULL || fclose(f) != 0)
        abort();
    snprintf(collection, sizeof(collection), "FILE:%s/cc", dir);
    is_long(s4u_list_caches(ctx, collection, &c, &n, &st), 0,
            "a FILE collection lists");
    is_long(n, 2, "the two caches with the helper's marker, not the decoy");
    for (i = 0; i < n; i++) {
        clean = clean && !has_control(c[i].name) &&
                !has_control(c[i].principal) && c[i].ntickets == 1 &&
                !has_control(c[i].tickets[0].server) &&
                !has_control(c[i].tickets[0].client);
    }
    ok(clean, "no control character in any name, principal or ticket");
    ok(n == 2 &&
           (strstr(c[0].name, OURS) != NULL || strstr(c[1].name, OURS) != NULL),
       "the helper's cache by its name");
    s4u_cache_infos_free(c, n);
}

int
main(void)
{
    krb5_context ctx = NULL;
    char cmd[64];

    if (mkdtemp(dir) == NULL || krb5_init_context(&ctx) != 0)
        abort();
    test_file_collection(ctx);
    krb5_free_context(ctx);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        abort();
    return tap_done();
}
