/*
 * s4u_engine.c: steps 1 to 3 for one login, run by the privileged side.
 *
 * A fatal failure (no host ticket, no evidence) stops the chain and is
 * reported in out->st.  After that, each target stands alone: one refused
 * target never stops the others, and a ticket the jump host's own keys
 * decrypt is dropped here, while the keytab is still readable.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* True if DNS domain maps to realm in krb5.conf [domain_realm]. */
static bool
domain_in_realm(krb5_context ctx, const char *domain, const char *realm)
{
    char **realms = NULL;
    bool in = false;

    if (krb5_get_host_realm(ctx, domain, &realms) == 0 && realms != NULL &&
        realms[0] != NULL)
        in = strcmp(realms[0], realm) == 0;
    krb5_free_host_realm(ctx, realms);
    return in;
}

/*
 * The principal a split login name asks for in realm: the account name as
 * one component (never parsed, so no name selects another realm or
 * instance); for a domain other than the realm's own, the enterprise name
 * account@domain, if [domain_realm] maps that domain to the realm (a UPN
 * suffix).  A domain the realm does not claim is refused.
 */
static krb5_error_code
parts_principal(krb5_context ctx, const struct s4u_user_parts *parts,
                const char *realm, krb5_principal *out, struct s4u_status *st)
{
    krb5_error_code kret;
    char upn[2 * S4U_USER_MAX + 2];

    if (parts->form != S4U_USER_QUALIFIED ||
        strcasecmp(parts->domain, realm) == 0)
        return krb5_build_principal(ctx, out, strlen(realm), realm, parts->name,
                                    (char *)NULL);
    if (!domain_in_realm(ctx, parts->domain, realm)) {
        s4u_status_set(st, S4U_ERR_USER_MAPPING, 0,
                       "the domain %s of the login name is not realm %s's "
                       "(krb5.conf [domain_realm] does not map it there)",
                       parts->domain, realm);
        return KRB5_PARSE_MALFORMED;
    }
    snprintf(upn, sizeof(upn), "%s@%s", parts->name, parts->domain);
    kret =
        krb5_build_principal(ctx, out, strlen(realm), realm, upn, (char *)NULL);
    if (kret == 0)
        (*out)->type = KRB5_NT_ENTERPRISE_PRINCIPAL;
    return kret;
}

/*
 * The realm's own answer to "whose principal is this": auth_to_local
 * (krb5_aname_to_localname, as sshd's GSSAPI login asks through
 * krb5_kuserok, but without reading the user's ~/.k5login as root) must
 * map princ back to exactly the login name.
 */
static krb5_error_code
check_localname(krb5_context ctx, krb5_const_principal princ, const char *user,
                struct s4u_status *st)
{
    char local[S4U_USER_MAX + 1], *name = NULL;
    krb5_error_code kret;

    kret = krb5_aname_to_localname(ctx, princ, sizeof(local), local);
    if (kret == 0 && strcmp(local, user) == 0)
        return 0;
    if (krb5_unparse_name(ctx, princ, &name) != 0)
        name = NULL;
    if (kret == 0)
        s4u_status_set(st, S4U_ERR_USER_MAPPING, 0,
                       "auth_to_local maps %s to local name %s, not to the "
                       "login name",
                       name != NULL ? name : "the principal", local);
    else
        s4u_status_krb5(st, S4U_ERR_USER_MAPPING, ctx, kret,
                        "auth_to_local has no local name for the principal");
    krb5_free_unparsed_name(ctx, name);
    return kret != 0 ? kret : KRB5_LNAME_NOTRANS;
}

/*
 * The user's principal for a login name: "alice", "ADLAB\alice" and
 * "alice@<realm>" ask for alice@REALM, "alice@<UPN suffix>" for the
 * enterprise name alice@<suffix>; and the realm's auth_to_local must map
 * that principal back to the login name (see check_localname).
 */
krb5_error_code
s4u_user_principal(krb5_context ctx, const char *user, krb5_principal *out,
                   struct s4u_status *st)
{
    struct s4u_user_parts parts;
    krb5_principal princ = NULL;
    krb5_error_code kret;
    const char *why;
    char *realm = NULL;

    *out = NULL;
    if (!s4u_user_name_split(user, &parts, &why)) {
        s4u_status_set(st, S4U_ERR_BAD_USER, 0, "%s", why);
        return KRB5_PARSE_MALFORMED;
    }
    kret = krb5_get_default_realm(ctx, &realm);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_REALM_UNKNOWN, ctx, kret,
                        "no realm for the user");
        goto cleanup;
    }
    s4u_status_clear(st);
    kret = parts_principal(ctx, &parts, realm, &princ, st);
    if (kret != 0) {
        if (st->code == S4U_OK)
            s4u_status_krb5(st, S4U_ERR_NOMEM, ctx, kret, "user principal");
        goto cleanup;
    }
    kret = check_localname(ctx, princ, user, st);
    if (kret == 0) {
        *out = princ;
        princ = NULL;
    }

cleanup:
    krb5_free_principal(ctx, princ);
    krb5_free_default_realm(ctx, realm);
    return kret;
}

/*
 * The enterprise name account@<realm in lower case> for a plain principal
 * account@REALM.  An AD KDC finds an account by its sAMAccountName through
 * it even when the account's UPN has another suffix, which a Samba KDC's
 * S4U2self does not do for the plain name.  Non-zero if princ is not a
 * plain one-component name.
 */
krb5_error_code
s4u_enterprise_fallback(krb5_context ctx, krb5_const_principal princ,
                        krb5_principal *out)
{
    char upn[2 * S4U_NAME_MAX + 2];
    size_t i, n;

    *out = NULL;
    if (princ->type == KRB5_NT_ENTERPRISE_PRINCIPAL || princ->length != 1 ||
        princ->data[0].length + princ->realm.length + 2 > sizeof(upn))
        return KRB5_PARSE_MALFORMED;
    n = princ->data[0].length;
    memcpy(upn, princ->data[0].data, n);
    upn[n++] = '@';
    for (i = 0; i < princ->realm.length; i++)
        upn[n++] = (char)tolower((unsigned char)princ->realm.data[i]);
    upn[n] = '\0';
    if (krb5_build_principal_ext(ctx, out, princ->realm.length,
                                 princ->realm.data, (unsigned int)n, upn,
                                 0) != 0)
        return ENOMEM;
    (*out)->type = KRB5_NT_ENTERPRISE_PRINCIPAL;
    return 0;
}

/*
 * The fallback must land where the plain name pointed: the KDC's name for
 * the evidence's client is user (in any case), or the evidence is refused.
 * An enterprise name is looked up by UPN first, and another account may
 * carry alice@<domain> as its UPN.
 */
static krb5_error_code
check_fallback_client(krb5_context ctx, krb5_principal user,
                      krb5_creds **evidence, struct s4u_status *st)
{
    char *got = NULL, *want = NULL;

    if (krb5_principal_compare_flags(ctx, (*evidence)->client, user,
                                     KRB5_PRINCIPAL_COMPARE_CASEFOLD))
        return 0;
    if (krb5_unparse_name(ctx, (*evidence)->client, &got) != 0)
        got = NULL;
    if (krb5_unparse_name(ctx, user, &want) != 0)
        want = NULL;
    s4u_status_set(st, S4U_ERR_USER_MAPPING, 0,
                   "the KDC answered the enterprise name for %s with %s",
                   want != NULL ? want : "the user", got != NULL ? got : "?");
    krb5_free_unparsed_name(ctx, got);
    krb5_free_unparsed_name(ctx, want);
    krb5_free_creds(ctx, *evidence);
    *evidence = NULL;
    return KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN;
}

/*
 * S4U2self for user; a plain name the KDC does not know is asked for once
 * more as an enterprise name (see s4u_enterprise_fallback), and the answer
 * must name the same user.
 */
krb5_error_code
s4u_self_fallback(krb5_context ctx, krb5_ccache host_cc, krb5_principal host,
                  krb5_principal user, krb5_creds **evidence_out,
                  struct s4u_status *st)
{
    krb5_principal upn = NULL;
    krb5_error_code kret;
    struct s4u_status first;

    kret = s4u_self(ctx, host_cc, host, user, evidence_out, st);
    if (kret == 0 || st->code != S4U_ERR_USER_UNKNOWN ||
        s4u_enterprise_fallback(ctx, user, &upn) != 0)
        return kret;
    first = *st;
    s4u_status_clear(st);
    kret = s4u_self(ctx, host_cc, host, upn, evidence_out, st);
    if (kret == 0)
        kret = check_fallback_client(ctx, user, evidence_out, st);
    else if (st->code == S4U_ERR_USER_UNKNOWN)
        *st = first;
    krb5_free_principal(ctx, upn);
    return kret;
}

/* Evidence for pp (another principal) is forwardable: 1, 0, or -1. */
static int
principal_forwardable(krb5_context ctx, krb5_ccache host_cc,
                      krb5_principal host, krb5_principal pp,
                      struct s4u_status *st)
{
    krb5_creds *ev = NULL;
    int fwd = -1;

    if (s4u_self_fallback(ctx, host_cc, host, pp, &ev, st) == 0)
        fwd = (ev->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
    krb5_free_creds(ctx, ev);
    return fwd;
}

/*
 * Is evidence for probe (another principal, a target) forwardable: 1, 0,
 * or -1 if that cannot be told?  Forwardable evidence there means the jump
 * host has protocol transition, so a user whose evidence is not
 * forwardable is marked as not delegable.  An AD KDC finds no client by a
 * service name, so where probe fails the jump host's own machine account
 * (as an enterprise name) is asked for: computer accounts are not marked
 * sensitive.  used names the principal asked for last.
 */
int
s4u_probe_forwardable(krb5_context ctx, krb5_ccache host_cc,
                      krb5_principal host, const char *probe, char *used,
                      size_t size, struct s4u_status *st)
{
    krb5_principal pp = NULL, self = NULL;
    krb5_error_code kret;
    char *name = NULL;
    int fwd;

    snprintf(used, size, "%s", probe);
    kret = krb5_parse_name(ctx, probe, &pp);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_CONFIG, ctx, kret, probe);
        return -1;
    }
    fwd = principal_forwardable(ctx, host_cc, host, pp, st);
    if (fwd < 0 && s4u_enterprise_fallback(ctx, host, &self) == 0) {
        s4u_status_clear(st);
        fwd = principal_forwardable(ctx, host_cc, host, self, st);
        if (krb5_unparse_name(ctx, self, &name) == 0)
            snprintf(used, size, "%s", name);
        krb5_free_unparsed_name(ctx, name);
    }
    krb5_free_principal(ctx, self);
    krb5_free_principal(ctx, pp);
    return fwd;
}

/* What the login knows about its evidence, for explaining refusals. */
struct evidence_state {
    bool evidence_fwd, host_fwd;
    enum s4u_code cause; /* S4U_OK until probed */
};

/*
 * Is a failed S4U2self with a kept TGT worth one more try with a new TGT?
 * Not when the user is unknown or no KDC answered: a new TGT changes
 * nothing there.  Otherwise the KDC may no longer take the kept TGT (a
 * new krbtgt key, a restored database, a clock that moved).
 */
static bool
worth_renewing(enum s4u_code code)
{
    return code != S4U_ERR_USER_UNKNOWN && code != S4U_ERR_KDC_UNREACHABLE &&
           code != S4U_ERR_BAD_USER && code != S4U_ERR_NOMEM;
}

/*
 * Steps 1 and 2: the host's TGT (kept between logins when it can be; a new
 * one if renew) and the evidence.  When S4U2self fails with a kept TGT,
 * the TGT is renewed once and S4U2self tried again.
 */
static krb5_error_code
host_and_self(krb5_context ctx, const struct s4u_request *req,
              krb5_principal host, krb5_principal user, bool renew,
              krb5_ccache *host_cc, bool *host_fwd, krb5_creds **evidence,
              struct s4u_status *st)
{
    krb5_error_code kret;
    bool kept = false;

    kret = s4u_host_creds_kept(ctx, req, host, renew, host_cc, host_fwd, &kept,
                               st);
    if (kret == 0)
        kret = s4u_self_fallback(ctx, *host_cc, host, user, evidence, st);
    if (kret == 0 || !kept || !worth_renewing(st->code))
        return kret;
    krb5_cc_destroy(ctx, *host_cc);
    *host_cc = NULL;
    s4u_status_clear(st);
    kret =
        s4u_host_creds_kept(ctx, req, host, true, host_cc, host_fwd, &kept, st);
    if (kret == 0)
        kret = s4u_self_fallback(ctx, *host_cc, host, user, evidence, st);
    return kret;
}

/*
 * A refused S4U2proxy with non-forwardable evidence is explained by the
 * evidence, not by the target's ACL; non-forwardable evidence after a
 * non-forwardable host TGT by the host TGT; otherwise one comparison
 * S4U2self (made once per login, and only on this failure path) tells a
 * user marked as not delegable (AD: sensitive, Protected Users) from a
 * jump host without protocol transition.
 */
static void
explain_refusal(krb5_context ctx, krb5_ccache host_cc, krb5_principal host,
                const char *target, struct evidence_state *es,
                struct s4u_status *st)
{
    struct s4u_status pst;
    char used[S4U_NAME_MAX];
    int fwd;

    if (st->code != S4U_ERR_TARGET_NOT_ALLOWED || es->evidence_fwd)
        return;
    if (!es->host_fwd) {
        st->code = S4U_ERR_HOST_NOT_FORWARDABLE;
        return;
    }
    if (es->cause == S4U_OK) {
        s4u_status_clear(&pst);
        fwd = s4u_probe_forwardable(ctx, host_cc, host, target, used,
                                    sizeof(used), &pst);
        es->cause = fwd == 1   ? S4U_ERR_USER_NOT_DELEGABLE
                    : fwd == 0 ? S4U_ERR_NO_PROTOCOL_TRANSITION
                               : S4U_ERR_EVIDENCE_NOT_FORWARDABLE;
    }
    st->code = es->cause;
}

/*
 * Step 3 for every target at once (s4u_proxy_all), then the results and
 * the tickets in the configured order; refusals explained afterwards, one
 * thread again (explain_refusal may ask the KDC once more).
 */
static krb5_error_code
proxy_all(krb5_context ctx, const struct s4u_request *req, krb5_ccache host_cc,
          const krb5_creds *evidence, struct evidence_state *es,
          struct s4u_tickets *t, struct s4u_outcome *out)
{
    struct s4u_proxy_slot *slots;
    struct s4u_target_result *r;
    krb5_error_code kret;
    size_t i;

    slots = calloc(out->ntargets + 1, sizeof(*slots));
    if (slots == NULL)
        return ENOMEM;
    kret = s4u_proxy_all(ctx, host_cc, t->host, evidence, req, slots);
    for (i = 0; kret == 0 && i < out->ntargets; i++) {
        r = &out->targets[i];
        r->st = slots[i].st;
        if (slots[i].creds == NULL) {
            explain_refusal(ctx, host_cc, t->host, r->target, es, &r->st);
            continue;
        }
        r->endtime = slots[i].creds->times.endtime;
        t->creds[t->ncreds] = slots[i].creds;
        t->target_index[t->ncreds++] = i;
        slots[i].creds = NULL;
    }
    for (i = 0; i < out->ntargets; i++)
        krb5_free_creds(ctx, slots[i].creds);
    free(slots);
    return kret;
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
 * What kind of KDC a jump host named host talks to, as far as its name
 * tells: a machine account (NAME$) is Active Directory's or Samba's way of
 * naming a computer; other names tell nothing (0).
 */
static unsigned int
host_kdc_kinds(krb5_const_principal host)
{
    const krb5_data *c = host->length == 1 ? &host->data[0] : NULL;

    if (c == NULL || c->length < 2 || c->data[c->length - 1] != '$')
        return 0;
    return (1u << S4U_KDC_AD) | (1u << S4U_KDC_SAMBA);
}

/*
 * Run steps 1 to 3 for req.  renew_host asks for a new host TGT even if
 * the kept one is fresh (a refresh wants tickets of a full lifetime: none
 * outlives the TGT).  On return, out holds every result and tickets holds
 * the delegated tickets; both are the caller's to free.  Returns non-zero
 * only when the chain stopped before S4U2proxy.
 */
krb5_error_code
s4u_fetch(krb5_context ctx, const struct s4u_request *req, bool renew_host,
          struct s4u_tickets *tickets, struct s4u_outcome *out)
{
    krb5_principal user = NULL;
    krb5_ccache host_cc = NULL;
    krb5_creds *evidence = NULL;
    krb5_error_code kret;
    struct evidence_state es = {false, false, S4U_OK};

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
    if (kret == 0) {
        out->kdc_kinds = host_kdc_kinds(tickets->host);
        kret = host_and_self(ctx, req, tickets->host, user, renew_host,
                             &host_cc, &es.host_fwd, &evidence, &out->st);
    }
    if (kret != 0)
        goto cleanup;
    kret = krb5_copy_principal(ctx, evidence->client, &tickets->client);
    if (kret != 0) {
        s4u_status_set(&out->st, S4U_ERR_NOMEM, kret, "out of memory");
        goto cleanup;
    }
    es.evidence_fwd = (evidence->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
    kret = proxy_all(ctx, req, host_cc, evidence, &es, tickets, out);
    if (kret != 0) {
        s4u_status_krb5(&out->st, S4U_ERR_INTERNAL, ctx, kret, "S4U2proxy");
        goto cleanup;
    }
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
