/*
 * s4u_request.c: freeing the engine's request, outcome and tickets.
 */
#include <stdlib.h>

#include "s4u.h"

/* Free the contents of a request and clear it. */
void
s4u_request_free(struct s4u_request *req)
{
    free(req->user);
    free(req->principal);
    free(req->keytab);
    free(req->realm);
    free(req->ccache);
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

/* Free fetched tickets; krb5 zeroes their session keys as it frees them. */
void
s4u_tickets_free(krb5_context ctx, struct s4u_tickets *t)
{
    size_t i;

    for (i = 0; i < t->ncreds; i++)
        krb5_free_creds(ctx, t->creds[i]);
    free(t->creds);
    free(t->target_index);
    krb5_free_principal(ctx, t->client);
    krb5_free_principal(ctx, t->host);
    *t = (struct s4u_tickets){0};
}
