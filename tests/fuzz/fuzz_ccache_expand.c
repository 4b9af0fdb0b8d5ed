/*
 * fuzz_ccache_expand.c: s4u_ccache_expand, the ccache= template.
 *
 * Input: four bytes of uid (little-endian), then the template, a NUL, and
 * the user name.  The result is checked against a second expansion that
 * builds the whole text first and applies the limits afterwards: a name
 * that reaches 1024 bytes before any unknown % sequence is too long, an
 * unknown sequence is refused, an empty result is refused, and so is a
 * name that is not a KEYRING:persistent: or KEYRING:user: collection, KCM:,
 * a DIR: collection or a FILE: path (the session keyring above all).
 */
#include <errno.h>
#include <stdbool.h>

#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

/* The kinds of cache pam_s4u may write, by prefix. */
static bool
kind_allowed(const char *name)
{
    static const char *const prefixes[] = {
        "FILE:/", "/",     "KEYRING:persistent:", "KEYRING:user:", "KCM:",
        "DIR:/",  "DIR::/"};
    size_t i;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    }
    return false;
}

/* The expected result: 0 with the name in *name_out, or an errno. */
static int
expected(const char *tmpl, const char *user, uid_t uid, char **name_out)
{
    char num[32], *buf = NULL;
    size_t size = 0;
    FILE *f;
    const char *p;
    bool unknown = false;
    long total;

    *name_out = NULL;
    FUZZ_ASSERT(snprintf(num, sizeof(num), "%lu", (unsigned long)uid) > 0);
    f = fuzz_must(open_memstream(&buf, &size));
    for (p = tmpl; *p != '\0' && !unknown;) {
        if (strncmp(p, "%u", 2) == 0) { /* the uid, as in pam-krb5 */
            FUZZ_ASSERT(fputs(num, f) >= 0);
            p += 2;
        } else if (strncmp(p, "%%", 2) == 0) {
            FUZZ_ASSERT(fputc('%', f) == '%');
            p += 2;
        } else if (strncmp(p, "%{uid}", 6) == 0) {
            FUZZ_ASSERT(fputs(num, f) >= 0);
            p += 6;
        } else if (strncmp(p, "%{username}", 11) == 0) {
            FUZZ_ASSERT(fputs(user, f) >= 0);
            p += 11;
        } else if (*p == '%') {
            unknown = true;
        } else {
            FUZZ_ASSERT(fputc(*p, f) == (unsigned char)*p);
            p++;
        }
    }
    total = ftell(f);
    FUZZ_ASSERT(total >= 0 && fclose(f) == 0);
    if (total >= S4U_NAME_MAX) {
        free(buf);
        return ENAMETOOLONG;
    }
    if (unknown || total == 0 || !kind_allowed(buf)) {
        free(buf);
        return EINVAL;
    }
    *name_out = buf;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *tmpl, *name = NULL, *want = NULL;
    const char *user, *why = "unset";
    uid_t uid;
    int ret;

    if (size < 4)
        return 0;
    uid = (uid_t)((uint32_t)data[0] | (uint32_t)data[1] << 8 |
                  (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
    tmpl = fuzz_cstr(data + 4, size - 4);
    user =
        memchr(data + 4, '\0', size - 4) != NULL ? tmpl + strlen(tmpl) + 1 : "";
    ret = s4u_ccache_expand(tmpl, user, uid, &name, &why);
    FUZZ_ASSERT(ret == expected(tmpl, user, uid, &want));
    if (ret == 0) {
        FUZZ_ASSERT(why == NULL);
        FUZZ_ASSERT(fuzz_str_eq(name, want));
        FUZZ_ASSERT(strlen(name) > 0 && strlen(name) < S4U_NAME_MAX);
        (void)s4u_cache_name_ours(name);
    } else {
        FUZZ_ASSERT(name == NULL && why != NULL);
    }
    free(name);
    free(want);
    free(tmpl);
    return 0;
}
