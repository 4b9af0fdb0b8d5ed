/*
 * fakehelper.c: s4u_run_helper for the module's unit tests, in place of
 * lib/s4u_spawn.o.  Each call is recorded after the real wire code parsed its
 * request, so a request the helper would refuse fails the test; the
 * answer is the next scripted outcome text, parsed by the real wire code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_module/internal.h"
#include "tests/pam_module/fake.h"

#define MAX_CALLS 16

static struct fake_call calls[MAX_CALLS];
static size_t ncalls;
static char *answers[MAX_CALLS];
static size_t nanswers, next_answer;

/* Queue the outcome text the next unanswered call gets. */
void
fake_helper_answer(const char *outcome_text)
{
    if (nanswers == MAX_CALLS ||
        (answers[nanswers] = strdup(outcome_text)) == NULL)
        abort();
    nanswers++;
}

size_t
fake_helper_calls(void)
{
    return ncalls;
}

const struct fake_call *
fake_helper_call(size_t i)
{
    return i < ncalls ? &calls[i] : NULL;
}

/* Forget the calls and any answers left unused. */
void
fake_helper_reset(void)
{
    size_t i;

    for (i = 0; i < ncalls; i++) {
        free(calls[i].mode);
        free(calls[i].ccache);
        free(calls[i].user);
        free(calls[i].path);
    }
    for (i = 0; i < nanswers; i++)
        free(answers[i]);
    memset(calls, 0, sizeof(calls));
    ncalls = nanswers = next_answer = 0;
}

/* Record one request as the helper would read it. */
static void
record(const char *path, const char *request)
{
    struct fake_call *c = &calls[ncalls];
    struct s4u_request req;
    const char *why = NULL;

    if (ncalls == MAX_CALLS || s4u_request_parse(request, strlen(request),
                                                 &c->mode, &req, &why) != 0) {
        fprintf(stderr, "fakehelper: bad request (%s):\n%s",
                why != NULL ? why : "too many calls", request);
        abort();
    }
    c->ccache = req.ccache;
    c->user = req.user;
    c->uid = req.uid;
    c->gid = req.gid;
    c->ntargets = req.ntargets;
    req.ccache = req.user = NULL;
    s4u_request_free(&req);
    if ((c->path = strdup(path)) == NULL)
        abort();
    ncalls++;
}

int
s4u_run_helper(const char *path, const char *request, unsigned int timeout,
               struct s4u_outcome *out)
{
    static const char unscripted[] =
        "fatal\tINTERNAL\t0\tthe test scripted no answer\nend\n";
    const char *text, *why = NULL;
    int ret;

    (void)timeout;
    *out = (struct s4u_outcome){0};
    record(path, request);
    text = next_answer < nanswers ? answers[next_answer++] : unscripted;
    ret = s4u_outcome_parse(text, strlen(text), out, &why);
    if (ret != 0)
        s4u_status_set(&out->st, S4U_ERR_HELPER, ret, "%s", why);
    return ret;
}
