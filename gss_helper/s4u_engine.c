/*
 * s4u_engine.c: steps 1 to 3 for one login, run by the privileged side.
 *
 * A fatal failure (no host ticket, no evidence) stops the chain and is
 * reported in out->st.  After that, each target stands alone: one refused
 * target never stops the others, and a ticket the jump host's own keys
 * decrypt is dropped here, while the keytab is still readable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gss_helper/s4u_engine.h"

/* Set up out->targets with one result slot per requested target. */
static krb5_error_code
init_results(const struct s4u_request *req, struct s4u_outcome *out,
             struct s4u_tickets *t)
{
    size_t i;

    out->targets = calloc(req->ntargets + 1, sizeof(*out->targets));
    t->creds = calloc(req->ntargets + 1, sizeof(*t->creds));
    t->target_index = calloc(req->ntargets + 1, sizeof(*t->target_index));
    if (out->targets == NULL || t->creds == NULL || t->target_index == NULL)
        return ENOMEM;
    for (i = 0; i < req->ntargets; i++) {
        out->targets[i].target = strdup(req->targets[i]);
        if (out->targets[i].target == NULL)
            return ENOMEM;
        out->ntargets = i + 1;
    }
    return 0;
}

/*
 * The user's principal in the default realm: her login name as one
 * component, never parsed, so no name can select another realm or instance.
 */
krb5_error_code
s4u_user_principal(krb5_context ctx, const char *user, krb5_principal *out,
                   struct s4u_status *st)
{
    krb5_error_code kret;
    char *realm = NULL;

    kret = krb5_get_default_realm(ctx, &realm);
    if (kret == 0)
        kret = krb5_build_principal(ctx, out, strlen(realm), realm, user,
                                    (char *)NULL);
    if (kret != 0)
        s4u_status_krb5(st, S4U_ERR_REALM_UNKNOWN, ctx, kret,
                        "no realm for the user");
    krb5_free_default_realm(ctx, realm);
    return kret;
}

/*
 * A refused S4U2proxy with non-forwardable evidence is explained by the
 * evidence, not by the target's ACL; and non-forwardable evidence after a
 * non-forwardable host TGT is explained by the host TGT.
 */
static void
explain_refusal(struct s4u_status *st, bool evidence_fwd, bool host_fwd)
{
    if (st->code != S4U_ERR_TARGET_NOT_ALLOWED || evidence_fwd)
        return;
    st->code = host_fwd ? S4U_ERR_EVIDENCE_NOT_FORWARDABLE
                        : S4U_ERR_HOST_NOT_FORWARDABLE;
}

/* Step 3 for every target, filling the results and the tickets. */
static void
proxy_all(krb5_context ctx, krb5_ccache host_cc, const krb5_creds *evidence,
          bool evidence_fwd, bool host_fwd, struct s4u_tickets *t,
          struct s4u_outcome *out)
{
    struct s4u_target_result *r;
    krb5_creds *creds;
    size_t i;

    for (i = 0; i < out->ntargets; i++) {
        r = &out->targets[i];
        s4u_status_clear(&r->st);
        if (s4u_proxy(ctx, host_cc, t->host, evidence, r->target, &creds,
                      &r->st) != 0) {
            explain_refusal(&r->st, evidence_fwd, host_fwd);
            continue;
        }
        r->endtime = creds->times.endtime;
        t->creds[t->ncreds] = creds;
        t->target_index[t->ncreds++] = i;
    }
}

/*
 * Refuse one ticket if a key of the jump host's keytab decrypts it, or if
 * that cannot be checked; st stays S4U_OK otherwise.  The helper and
 * s4uctl check both ask here.
 */
void
s4u_ticket_not_host(krb5_context ctx, krb5_keytab kt, const krb5_creds *creds,
                    struct s4u_status *st)
{
    krb5_principal owner = NULL;
    krb5_error_code kret;
    char *name = NULL, ktname[S4U_NAME_MAX];

    kret = s4u_host_key_owner(ctx, kt, creds, &owner);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_INTERNAL, ctx, kret,
                        "cannot check the ticket against the jump host's "
                        "keytab");
        return;
    }
    if (owner == NULL)
        return;
    if (krb5_kt_get_name(ctx, kt, ktname, sizeof(ktname)) != 0)
        snprintf(ktname, sizeof(ktname), "%s", "the keytab");
    if (krb5_unparse_name(ctx, owner, &name) != 0)
        name = NULL;
    s4u_status_set(st, S4U_ERR_TARGET_IS_JUMP_HOST, 0,
                   "the key of %s in %s decrypts this ticket",
                   name != NULL ? name : "a principal", ktname);
    krb5_free_unparsed_name(ctx, name);
    krb5_free_principal(ctx, owner);
}

/*
 * Drop every delegated ticket that a key of the jump host's keytab
 * decrypts.  Names cannot show it (an alias of the host's entry is another
 * name for the same key), so this runs while the helper can still read the
 * keytab.  A ticket that cannot be checked is dropped as well.
 */
static void
drop_host_tickets(krb5_context ctx, const struct s4u_request *req,
                  struct s4u_tickets *t, struct s4u_outcome *out)
{
    struct s4u_target_result *r;
    struct s4u_status kt_st;
    krb5_keytab kt = NULL;
    size_t i, kept = 0;

    s4u_status_clear(&kt_st);
    if (t->ncreds > 0)
        (void)s4u_host_keytab(ctx, req, t->host, &kt, &kt_st);
    for (i = 0; i < t->ncreds; i++) {
        r = &out->targets[t->target_index[i]];
        if (kt != NULL)
            s4u_ticket_not_host(ctx, kt, t->creds[i], &r->st);
        else
            r->st = kt_st;
        if (r->st.code == S4U_OK) {
            t->creds[kept] = t->creds[i];
            t->target_index[kept++] = t->target_index[i];
            continue;
        }
        r->endtime = 0;
        krb5_free_creds(ctx, t->creds[i]);
        t->creds[i] = NULL;
    }
    t->ncreds = kept;
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
}

/*
 * Run steps 1 to 3 for req.  On return, out holds every result and
 * tickets holds the delegated tickets; both are the caller's to free.
 * Returns non-zero only when the chain stopped before S4U2proxy.
 */
krb5_error_code
s4u_fetch(krb5_context ctx, const struct s4u_request *req,
          struct s4u_tickets *tickets, struct s4u_outcome *out)
{
    krb5_principal user = NULL;
    krb5_ccache host_cc = NULL;
    krb5_creds *evidence = NULL;
    krb5_error_code kret;
    bool host_fwd = false, evidence_fwd;

    s4u_status_clear(&out->st);
    kret = init_results(req, out, tickets);
    if (kret != 0) {
        s4u_status_set(&out->st, S4U_ERR_NOMEM, kret, "out of memory");
        goto cleanup;
    }
    if (req->realm != NULL) {
        kret = krb5_set_default_realm(ctx, req->realm);
        if (kret != 0) {
            s4u_status_krb5(&out->st, S4U_ERR_CONFIG, ctx, kret, "realm=");
            goto cleanup;
        }
    }
    kret = s4u_user_principal(ctx, req->user, &user, &out->st);
    if (kret == 0)
        kret = s4u_host_principal(ctx, req, &tickets->host, &out->st);
    if (kret == 0)
        kret = s4u_host_creds(ctx, req, tickets->host, &host_cc, &host_fwd,
                              &out->st);
    if (kret == 0)
        kret = s4u_self(ctx, host_cc, tickets->host, user, &evidence, &out->st);
    if (kret != 0)
        goto cleanup;
    kret = krb5_copy_principal(ctx, evidence->client, &tickets->client);
    if (kret != 0) {
        s4u_status_set(&out->st, S4U_ERR_NOMEM, kret, "out of memory");
        goto cleanup;
    }
    evidence_fwd = (evidence->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
    proxy_all(ctx, host_cc, evidence, evidence_fwd, host_fwd, tickets, out);
    drop_host_tickets(ctx, req, tickets, out);

cleanup:
    /* A stopped chain leaves every target with the reason it stopped. */
    for (size_t i = 0; kret != 0 && i < out->ntargets; i++)
        out->targets[i].st = out->st;
    krb5_free_creds(ctx, evidence);
    if (host_cc != NULL)
        krb5_cc_destroy(ctx, host_cc);
    krb5_free_principal(ctx, user);
    return kret;
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
