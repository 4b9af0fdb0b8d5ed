/*
 * fuzz_request.c: s4u_request_parse, what pam_s4u_helper reads from the
 * module (root reads it, so every byte is hostile until checked).
 *
 * A request that parses holds only checked fields; formatting it must work,
 * the text must parse again to the same request, and formatting that gives
 * the same text (the formatted text is the canonical form).
 */
#include <stdbool.h>

#include "lib/s4u.h"
#include "tests/fuzz/fuzz.h"

/* Wire-safe: no control characters, no DEL. */
static bool
field_safe(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return false;
    }
    return true;
}

/* What the helper relies on in a parsed request. */
static void
check_fields(const char *mode, const struct s4u_request *req)
{
    const char *why;
    size_t i;

    FUZZ_ASSERT(mode != NULL && field_safe(mode));
    FUZZ_ASSERT(req->user != NULL && s4u_user_name_valid(req->user, &why));
    FUZZ_ASSERT(req->ccache != NULL && field_safe(req->ccache));
    FUZZ_ASSERT(req->uid != (uid_t)-1 && req->uid <= 0x7FFFFFFE);
    FUZZ_ASSERT(req->gid <= 0x7FFFFFFE);
    FUZZ_ASSERT(req->timeout <= 3600);
    FUZZ_ASSERT(req->max_parallel <= S4U_PARALLEL_MAX);
    FUZZ_ASSERT(req->host_cache == NULL ||
                (req->host_cache[0] == '/' && field_safe(req->host_cache)));
    FUZZ_ASSERT(req->principal == NULL ||
                s4u_principal_text_valid(req->principal, &why));
    FUZZ_ASSERT(req->realm == NULL ||
                s4u_principal_text_valid(req->realm, &why));
    FUZZ_ASSERT(req->keytab == NULL || field_safe(req->keytab));
    FUZZ_ASSERT(req->ntargets <= S4U_TARGETS_MAX);
    FUZZ_ASSERT(req->ntargets == 0 ? req->targets == NULL
                                   : req->targets[req->ntargets] == NULL);
    for (i = 0; i < req->ntargets; i++)
        FUZZ_ASSERT(s4u_principal_text_valid(req->targets[i], &why));
}

static bool
same_request(const struct s4u_request *a, const struct s4u_request *b)
{
    size_t i;

    if (!fuzz_str_eq(a->user, b->user) || a->uid != b->uid ||
        a->gid != b->gid || !fuzz_str_eq(a->principal, b->principal) ||
        !fuzz_str_eq(a->keytab, b->keytab) ||
        !fuzz_str_eq(a->realm, b->realm) ||
        !fuzz_str_eq(a->ccache, b->ccache) || a->ntargets != b->ntargets ||
        a->timeout != b->timeout ||
        !fuzz_str_eq(a->host_cache, b->host_cache) ||
        a->max_parallel != b->max_parallel)
        return false;
    for (i = 0; i < a->ntargets; i++) {
        if (strcmp(a->targets[i], b->targets[i]) != 0)
            return false;
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct s4u_request req, back;
    char *mode = NULL, *mode_back = NULL, *text = NULL, *again = NULL;
    const char *why = "unset";

    if (s4u_request_parse((const char *)data, size, &mode, &req, &why) != 0) {
        FUZZ_ASSERT(mode == NULL && why != NULL);
        FUZZ_ASSERT(req.user == NULL && req.targets == NULL);
        return 0;
    }
    FUZZ_ASSERT(why == NULL);
    check_fields(mode, &req);

    FUZZ_ASSERT(s4u_request_format(&req, mode, &text) == 0);
    /*
     * The formatted text always has gid= and timeout= lines, so near the
     * size limit it can outgrow a request that left them out.
     */
    if (strlen(text) <= S4U_REQUEST_MAX) {
        FUZZ_ASSERT(s4u_request_parse(text, strlen(text), &mode_back, &back,
                                      &why) == 0);
        FUZZ_ASSERT(fuzz_str_eq(mode, mode_back));
        FUZZ_ASSERT(same_request(&req, &back));
        FUZZ_ASSERT(s4u_request_format(&back, mode_back, &again) == 0);
        FUZZ_ASSERT(strcmp(text, again) == 0);
        s4u_request_free(&back);
    }
    free(again);
    free(mode_back);
    free(text);
    free(mode);
    s4u_request_free(&req);
    return 0;
}
