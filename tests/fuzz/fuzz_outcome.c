/*
 * fuzz_outcome.c: s4u_outcome_parse, what the module reads back from the
 * helper.  A helper that died or was replaced must not be taken at its word:
 * an outcome that parses holds only known codes, bounded counts and
 * wire-safe text.  Formatting it must work, and parse again to the same
 * outcome; formatting that gives the same text.
 *
 * "Same" allows one loss: a "fatal" record whose code is OK is not written
 * back (an OK outcome has no fatal record), so its number and detail go.
 *
 * A refused answer holds nothing but, perhaps, the cache the helper
 * announced ("pending") before it stopped: logout destroys that one, so it
 * must be a name of ours (s4u_cache_name_ours), never one a broken or
 * replaced helper picked among the user's other caches.
 */
#include <stdbool.h>

#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

static bool
field_safe(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return false;
    }
    return true;
}

static void
check_status(const struct s4u_status *st)
{
    FUZZ_ASSERT((unsigned int)st->code < S4U_CODE_COUNT);
    FUZZ_ASSERT(s4u_explain(st->code) != NULL);
    FUZZ_ASSERT(memchr(st->detail, '\0', sizeof(st->detail)) != NULL);
    FUZZ_ASSERT(field_safe(st->detail));
}

static void
check_fields(const struct s4u_outcome *out)
{
    size_t i;

    check_status(&out->st);
    FUZZ_ASSERT(out->ntargets <= S4U_TARGETS_MAX);
    FUZZ_ASSERT(out->ntargets == 0 || out->targets != NULL);
    for (i = 0; i < out->ntargets; i++) {
        FUZZ_ASSERT(out->targets[i].target != NULL);
        FUZZ_ASSERT(field_safe(out->targets[i].target));
        FUZZ_ASSERT(strchr(out->targets[i].target, '\t') == NULL);
        check_status(&out->targets[i].st);
    }
    FUZZ_ASSERT(out->stored <= S4U_TARGETS_MAX);
    FUZZ_ASSERT(out->ccache_name != NULL || out->stored == 0);
    FUZZ_ASSERT(out->ccache_name == NULL || field_safe(out->ccache_name));
    FUZZ_ASSERT(out->kdc_kinds < (1u << S4U_KDC_KINDS));
}

static bool
same_status(const struct s4u_status *a, const struct s4u_status *b)
{
    return a->code == b->code && a->lib_code == b->lib_code &&
           strcmp(a->detail, b->detail) == 0;
}

static bool
same_outcome(const struct s4u_outcome *a, const struct s4u_outcome *b)
{
    size_t i;

    if (a->st.code != b->st.code ||
        (a->st.code != S4U_OK && !same_status(&a->st, &b->st)) ||
        a->ntargets != b->ntargets || a->stored != b->stored ||
        a->kdc_kinds != b->kdc_kinds ||
        !fuzz_str_eq(a->ccache_name, b->ccache_name))
        return false;
    for (i = 0; i < a->ntargets; i++) {
        if (strcmp(a->targets[i].target, b->targets[i].target) != 0 ||
            a->targets[i].endtime != b->targets[i].endtime ||
            !same_status(&a->targets[i].st, &b->targets[i].st))
            return false;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct s4u_outcome out, back, back2;
    char *text = NULL, *again = NULL;
    const char *why = "unset";

    if (s4u_outcome_parse((const char *)data, size, &out, &why) != 0) {
        FUZZ_ASSERT(why != NULL);
        FUZZ_ASSERT(out.targets == NULL && out.ntargets == 0 &&
                    out.stored == 0);
        FUZZ_ASSERT(out.ccache_name == NULL ||
                    (field_safe(out.ccache_name) &&
                     s4u_cache_name_ours(out.ccache_name)));
        s4u_outcome_free(&out);
        return 0;
    }
    FUZZ_ASSERT(why == NULL);
    check_fields(&out);

    FUZZ_ASSERT(s4u_outcome_format(&out, &text) == 0);
    FUZZ_ASSERT(s4u_outcome_parse(text, strlen(text), &back, &why) == 0);
    FUZZ_ASSERT(same_outcome(&out, &back));
    FUZZ_ASSERT(s4u_outcome_format(&back, &again) == 0);
    FUZZ_ASSERT(strcmp(text, again) == 0);
    FUZZ_ASSERT(s4u_outcome_parse(again, strlen(again), &back2, &why) == 0);
    FUZZ_ASSERT(same_outcome(&back, &back2) &&
                same_status(&back.st, &back2.st));
    s4u_outcome_free(&back2);
    s4u_outcome_free(&back);
    free(again);
    free(text);
    s4u_outcome_free(&out);
    return 0;
}
