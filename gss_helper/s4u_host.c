/*
 * s4u_host.c: step 1, the jump host's own forwardable TGT.
 *
 * The TGT goes into a private MEMORY cache that lives only inside the
 * privileged helper; it never reaches a user's cache.
 */
#include <errno.h>
#include <string.h>

#include "gss_helper/s4u_engine.h"

/*
 * The jump host's principal: principal= if set (the realm from realm= when
 * the name has none), else host/<this host's canonical name>.
 */
krb5_error_code
s4u_host_principal(krb5_context ctx, const struct s4u_request *req,
                   krb5_principal *princ_out, struct s4u_status *st)
{
    krb5_principal princ = NULL;
    krb5_error_code kret;
    char *realm = NULL;

    *princ_out = NULL;
    if (req->principal != NULL)
        kret = krb5_parse_name(ctx, req->principal, &princ);
    else
        kret =
            krb5_sname_to_principal(ctx, NULL, "host", KRB5_NT_SRV_HST, &princ);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_CONFIG, ctx, kret,
                        "cannot form the jump host's principal");
        goto cleanup;
    }
    /* sname_to_principal leaves the realm empty when none is mapped. */
    if (princ->realm.length == 0) {
        kret = krb5_get_default_realm(ctx, &realm);
        if (kret == 0)
            kret = krb5_set_principal_realm(ctx, princ, realm);
        if (kret != 0) {
            s4u_status_krb5(st, S4U_ERR_REALM_UNKNOWN, ctx, kret,
                            "no realm for the jump host's principal");
            goto cleanup;
        }
    }
    *princ_out = princ;
    princ = NULL;

cleanup:
    krb5_free_default_realm(ctx, realm);
    krb5_free_principal(ctx, princ);
    return kret;
}

/* Classify a failure of the AS exchange for the host. */
static enum s4u_code
classify_as_error(krb5_error_code kret)
{
    switch (kret) {
    case ENOENT:
    case EACCES:
    case EPERM:
        return S4U_ERR_KEYTAB_MISSING;
    case KRB5_KT_NOTFOUND:
    case KRB5_KT_KVNONOTFOUND:
        return S4U_ERR_KEYTAB_NO_PRINCIPAL;
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
    case KRB5_PREAUTH_FAILED:
        return S4U_ERR_KEYTAB_STALE;
    case KRB5_KDC_UNREACH:
        return S4U_ERR_KDC_UNREACHABLE;
    /* An MIT KDC answers an AS request it cannot look up (its LDAP
     * directory is down) with KRB_ERR_GENERIC; others may say so. */
    case KRB5KRB_ERR_GENERIC:
    case KRB5KDC_ERR_SVC_UNAVAILABLE:
        return S4U_ERR_KDC_ERROR;
    case KRB5KRB_AP_ERR_SKEW: /* the KDC's verdict */
    case KRB5_KDCREP_SKEW:    /* ours, with kdc_timesync = 0 */
        return S4U_ERR_CLOCK_SKEW;
    case KRB5_REALM_UNKNOWN:
    case KRB5_REALM_CANT_RESOLVE:
        return S4U_ERR_REALM_UNKNOWN;
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        return S4U_ERR_HOST_UNKNOWN;
    default:
        return S4U_ERR_HOST_TGT;
    }
}

/* Open the keytab and make sure it holds a key for the host. */
static krb5_error_code
open_keytab(krb5_context ctx, const struct s4u_request *req,
            krb5_principal host, krb5_keytab *kt_out, struct s4u_status *st)
{
    krb5_keytab kt = NULL;
    krb5_keytab_entry entry;
    krb5_error_code kret;
    char name[S4U_NAME_MAX];

    *kt_out = NULL;
    memset(&entry, 0, sizeof(entry));
    if (req->keytab != NULL)
        kret = krb5_kt_resolve(ctx, req->keytab, &kt);
    else
        kret = krb5_kt_default(ctx, &kt);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_CONFIG, ctx, kret, "bad keytab name");
        goto cleanup;
    }
    if (krb5_kt_get_name(ctx, kt, name, sizeof(name)) != 0)
        strcpy(name, "(keytab)");
    kret = krb5_kt_have_content(ctx, kt);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_KEYTAB_MISSING, ctx, kret, name);
        goto cleanup;
    }
    kret = krb5_kt_get_entry(ctx, kt, host, 0, 0, &entry);
    if (kret != 0) {
        s4u_status_krb5(st, classify_as_error(kret), ctx, kret, name);
        goto cleanup;
    }
    *kt_out = kt;
    kt = NULL;

cleanup:
    krb5_free_keytab_entry_contents(ctx, &entry);
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
    return kret;
}

/*
 * Get a forwardable TGT for the host into a new MEMORY cache.  A TGT the
 * KDC made non-forwardable is still returned (resource-based delegation
 * works without it); the caller learns through forwardable_out.
 */
krb5_error_code
s4u_host_creds(krb5_context ctx, const struct s4u_request *req,
               krb5_principal host, krb5_ccache *ccache_out,
               bool *forwardable_out, struct s4u_status *st)
{
    krb5_keytab kt = NULL;
    krb5_get_init_creds_opt *opt = NULL;
    krb5_ccache cc = NULL;
    krb5_creds creds;
    krb5_error_code kret;

    *ccache_out = NULL;
    *forwardable_out = false;
    memset(&creds, 0, sizeof(creds));
    kret = open_keytab(ctx, req, host, &kt, st);
    if (kret != 0)
        goto cleanup;
    kret = krb5_cc_new_unique(ctx, "MEMORY", NULL, &cc);
    if (kret == 0)
        kret = krb5_get_init_creds_opt_alloc(ctx, &opt);
    if (kret == 0)
        kret = krb5_get_init_creds_opt_set_out_ccache(ctx, opt, cc);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_INTERNAL, ctx, kret, "host cache");
        goto cleanup;
    }
    krb5_get_init_creds_opt_set_forwardable(opt, 1);
    kret = krb5_get_init_creds_keytab(ctx, &creds, host, kt, 0, NULL, opt);
    if (kret != 0) {
        s4u_status_krb5(st, classify_as_error(kret), ctx, kret,
                        "getting the jump host's ticket");
        goto cleanup;
    }
    *forwardable_out = (creds.ticket_flags & TKT_FLG_FORWARDABLE) != 0;
    *ccache_out = cc;
    cc = NULL;

cleanup:
    krb5_free_cred_contents(ctx, &creds);
    krb5_get_init_creds_opt_free(ctx, opt);
    if (cc != NULL)
        krb5_cc_destroy(ctx, cc);
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
    return kret;
}
