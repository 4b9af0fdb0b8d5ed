/*
 * fuzz_session.c: s4u_session_parse, the records s4uctl refresh acts on.
 *
 * A parse returns a whole record or nothing (with a reason); a record has
 * a user, a service without '/', a cache of pam_s4u's, a uid and a pid
 * that are not 0, at most 256 valid targets; written back, it parses to
 * the same record.
 */
#include <errno.h>
#include <stdbool.h>

#include "lib/s4u_session.h"
#include "tests/fuzz/fuzz.h"

/* Two records are the same, field by field. */
static bool
same(const struct s4u_session *a, const struct s4u_session *b)
{
    size_t i;

    if (strcmp(a->user, b->user) != 0 || a->uid != b->uid || a->gid != b->gid ||
        strcmp(a->service, b->service) != 0 ||
        strcmp(a->ccache, b->ccache) != 0 || a->pid != b->pid ||
        a->start != b->start || a->ntargets != b->ntargets)
        return false;
    for (i = 0; i < a->ntargets; i++) {
        if (strcmp(a->targets[i].name, b->targets[i].name) != 0 ||
            a->targets[i].endtime != b->targets[i].endtime)
            return false;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct s4u_session s, back;
    const char *why = "unset";
    char *text = NULL;
    size_t i;
    int ret;

    ret = s4u_session_parse((const char *)data, size, &s, &why);
    if (ret != 0) {
        FUZZ_ASSERT(ret == EINVAL || ret == E2BIG);
        FUZZ_ASSERT(s.user == NULL && s.targets == NULL && why != NULL);
        return 0;
    }
    FUZZ_ASSERT(why == NULL);
    FUZZ_ASSERT(s.uid != 0 && s.pid > 0);
    FUZZ_ASSERT(strchr(s.service, '/') == NULL);
    FUZZ_ASSERT(s4u_cache_name_ours(s.ccache));
    FUZZ_ASSERT(s.ntargets <= S4U_TARGETS_MAX);
    for (i = 0; i < s.ntargets; i++)
        FUZZ_ASSERT(s4u_principal_text_valid(s.targets[i].name, &why));
    FUZZ_ASSERT(s4u_session_format(&s, &text) == 0);
    FUZZ_ASSERT(s4u_session_parse(text, strlen(text), &back, &why) == 0);
    FUZZ_ASSERT(same(&s, &back));
    s4u_session_free(&back);
    s4u_session_free(&s);
    free(text);
    return 0;
}
