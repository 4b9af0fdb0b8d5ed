/*
 * s4u_proxy.c: step 3, S4U2proxy for one target through public krb5.
 *
 * krb5_get_credentials() with KRB5_GC_CONSTRAINED_DELEGATION sends a TGS
 * request with the host's TGT and the evidence ticket as second ticket.
 * in_creds.client must be the host (the impersonator), not the user: with
 * the user there, MIT looks for her TGT and fails with "Matching credential
 * not found".  The reply's client is the user, which we check, as MIT's own
 * (private) krb5_get_credentials_for_proxy does.  The function touches only its
 * arguments, so later work can run it on several threads, one krb5 context and
 * host cache per thread.
 */
#include <string.h>

#include "gss_helper/s4u_engine.h"

/* Classify a refused S4U2proxy request. */
static enum s4u_code
classify_proxy_error(krb5_error_code kret)
{
    switch (kret) {
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
        return S4U_ERR_TARGET_UNKNOWN;
    case KRB5KDC_ERR_BADOPTION:
    case KRB5KDC_ERR_POLICY:
        return S4U_ERR_TARGET_NOT_ALLOWED;
    case KRB5_KDC_UNREACH:
        return S4U_ERR_KDC_UNREACHABLE;
    /* Not KRB_ERR_GENERIC: an MIT KDC also uses it for "NO PREAUTH". */
    case KRB5KDC_ERR_SVC_UNAVAILABLE:
        return S4U_ERR_KDC_ERROR;
    case KRB5KRB_AP_ERR_SKEW:
    case KRB5_KDCREP_SKEW:
        return S4U_ERR_CLOCK_SKEW;
    case KRB5_REALM_UNKNOWN:
    case KRB5_REALM_CANT_RESOLVE:
        return S4U_ERR_REALM_UNKNOWN;
    default:
        return S4U_ERR_TARGET_REFUSED;
    }
}

/* True for krbtgt/REALM@REALM: a ticket-granting principal. */
static bool
is_tgs_principal(krb5_const_principal princ)
{
    return princ->length == 2 && princ->data[0].length == KRB5_TGS_NAME_SIZE &&
           memcmp(princ->data[0].data, KRB5_TGS_NAME, KRB5_TGS_NAME_SIZE) == 0;
}

/*
 * The invariant of every ticket we hand to a user: its client is the user,
 * and it is neither a TGT, nor a config entry, nor anything of the host's.
 */
bool
s4u_creds_safe_for_user(krb5_context ctx, const krb5_creds *creds,
                        krb5_const_principal user, krb5_const_principal host)
{
    if (creds == NULL || creds->client == NULL || creds->server == NULL)
        return false;
    if (!krb5_principal_compare(ctx, creds->client, user))
        return false;
    if (krb5_principal_compare_any_realm(ctx, creds->client, host) ||
        krb5_principal_compare_any_realm(ctx, creds->server, host))
        return false;
    if (krb5_is_config_principal(ctx, creds->server) ||
        is_tgs_principal(creds->server))
        return false;
    return creds->second_ticket.length == 0;
}

/* Parse a target and refuse the names no user may ever hold a ticket to. */
static krb5_error_code
parse_target(krb5_context ctx, const char *target, krb5_principal host,
             krb5_principal *princ_out, struct s4u_status *st)
{
    krb5_principal princ = NULL;
    krb5_error_code kret;

    *princ_out = NULL;
    kret = krb5_parse_name(ctx, target, &princ);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_CONFIG, ctx, kret, "bad target name");
        return kret;
    }
    if (is_tgs_principal(princ) ||
        krb5_principal_compare_any_realm(ctx, princ, host)) {
        s4u_status_set(st, S4U_ERR_CONFIG, 0,
                       "a TGS or the jump host itself is never a target");
        krb5_free_principal(ctx, princ);
        return KRB5_PARSE_MALFORMED;
    }
    *princ_out = princ;
    return 0;
}

/* S4U2proxy: a ticket for the evidence's client to target. */
krb5_error_code
s4u_proxy(krb5_context ctx, krb5_ccache host_cc, krb5_principal host,
          const krb5_creds *evidence, const char *target,
          krb5_creds **creds_out, struct s4u_status *st)
{
    krb5_principal tprinc = NULL;
    krb5_creds in, *out = NULL;
    krb5_error_code kret;
    const krb5_flags flags = KRB5_GC_CONSTRAINED_DELEGATION |
                             KRB5_GC_CANONICALIZE | KRB5_GC_NO_STORE;

    *creds_out = NULL;
    memset(&in, 0, sizeof(in));
    kret = parse_target(ctx, target, host, &tprinc, st);
    if (kret != 0)
        goto cleanup;
    in.client = host;
    in.server = tprinc;
    in.second_ticket = evidence->ticket;
    kret = krb5_get_credentials(ctx, flags, host_cc, &in, &out);
    if (kret != 0) {
        s4u_status_krb5(st, classify_proxy_error(kret), ctx, kret, "S4U2proxy");
        goto cleanup;
    }
    /* The evidence ticket may come back as second ticket: never keep it. */
    krb5_free_data_contents(ctx, &out->second_ticket);
    out->is_skey = FALSE;
    /* Check the reply as MIT's own krb5_get_credentials_for_proxy does. */
    if (!s4u_creds_safe_for_user(ctx, out, evidence->client, host) ||
        !krb5_principal_compare_any_realm(ctx, out->server, tprinc)) {
        s4u_status_set(st, S4U_ERR_WRONG_TICKET, 0,
                       "reply ticket does not match the request");
        kret = KRB5_KDCREP_MODIFIED;
        goto cleanup;
    }
    *creds_out = out;
    out = NULL;

cleanup:
    krb5_free_creds(ctx, out);
    krb5_free_principal(ctx, tprinc);
    return kret;
}
