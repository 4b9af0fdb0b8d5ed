/*
 * s4u_request.c: freeing a request and an outcome.
 */
#include <stdlib.h>

#include "lib/s4u.h"

/* Free the contents of a request and clear it. */
void
s4u_request_free(struct s4u_request *req)
{
    free(req->user);
    free(req->principal);
    free(req->keytab);
    free(req->realm);
    free(req->ccache);
    free(req->host_cache);
    s4u_strv_free(req->targets, req->ntargets);
    *req = (struct s4u_request){0};
}

/* Free the contents of an outcome and clear it. */
void
s4u_outcome_free(struct s4u_outcome *out)
{
    size_t i;

    for (i = 0; i < out->ntargets; i++)
        free(out->targets[i].target);
    free(out->targets);
    free(out->ccache_name);
    *out = (struct s4u_outcome){0};
}
