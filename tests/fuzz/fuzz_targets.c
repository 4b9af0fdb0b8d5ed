/*
 * fuzz_targets.c: s4u_targets_parse, the targets= list.
 *
 * Checked against a second reading of the same rule (split on commas and
 * white space, skip empty entries, drop repeats, refuse a bad entry or a
 * 257th target, in the order they come), and the list must survive being
 * joined with commas and parsed again.
 */
#include <errno.h>
#include <stdbool.h>

#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

#define SEPARATORS ", \t\r\n"

/* The expected result: 0 with the list in vec/n, EINVAL or E2BIG. */
static int
expected(const char *text, char ***vec, size_t *n)
{
    const char *p = text;
    const char *why;
    char *tok;
    size_t len, i;
    bool seen;

    *vec = NULL;
    *n = 0;
    for (;;) {
        p += strspn(p, SEPARATORS);
        if (*p == '\0')
            return 0;
        len = strcspn(p, SEPARATORS);
        tok = fuzz_must(strndup(p, len));
        p += len;
        if (!s4u_principal_text_valid(tok, &why)) {
            free(tok);
            return EINVAL;
        }
        for (seen = false, i = 0; i < *n && !seen; i++)
            seen = strcmp((*vec)[i], tok) == 0;
        if (!seen && *n >= S4U_TARGETS_MAX) {
            free(tok);
            return E2BIG;
        }
        if (!seen && s4u_strv_append(vec, n, tok) != 0)
            abort();
        free(tok);
    }
}

static bool
same_list(char **a, size_t na, char **b, size_t nb)
{
    size_t i;

    if (na != nb)
        return false;
    for (i = 0; i < na; i++) {
        if (strcmp(a[i], b[i]) != 0)
            return false;
    }
    return true;
}

/* Parse the list joined with commas; it must give the same list. */
static void
check_roundtrip(char **vec, size_t n)
{
    char *joined, *q, **back = NULL;
    size_t total = 1, nback = 0, i;
    const char *why;

    for (i = 0; i < n; i++)
        total += strlen(vec[i]) + 1;
    joined = q = fuzz_must(malloc(total));
    for (i = 0; i < n; i++) {
        if (i > 0)
            *q++ = ',';
        memcpy(q, vec[i], strlen(vec[i]));
        q += strlen(vec[i]);
    }
    *q = '\0';
    FUZZ_ASSERT(s4u_targets_parse(joined, &back, &nback, &why) == 0);
    FUZZ_ASSERT(same_list(vec, n, back, nback));
    s4u_strv_free(back, nback);
    free(joined);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size), **vec = NULL, **want = NULL;
    size_t n = 99, nwant = 0, i;
    const char *why = "unset";
    int ret, ret_want;

    ret = s4u_targets_parse(text, &vec, &n, &why);
    ret_want = expected(text, &want, &nwant);
    FUZZ_ASSERT(ret == ret_want);
    if (ret == 0) {
        FUZZ_ASSERT(why == NULL);
        FUZZ_ASSERT(n <= S4U_TARGETS_MAX);
        FUZZ_ASSERT(same_list(vec, n, want, nwant));
        FUZZ_ASSERT(n == 0 ? vec == NULL : vec[n] == NULL);
        for (i = 0; i < n; i++)
            FUZZ_ASSERT(s4u_principal_text_valid(vec[i], &why));
        check_roundtrip(vec, n);
    } else {
        FUZZ_ASSERT(vec == NULL && n == 0);
        FUZZ_ASSERT(why != NULL);
    }
    s4u_strv_free(vec, n);
    s4u_strv_free(want, nwant);
    free(text);
    return 0;
}
