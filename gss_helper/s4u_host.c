/*
 * s4u_host.c: step 1, the jump host's own forwardable TGT.
 *
 * The TGT goes into a private MEMORY cache that lives only inside the
 * privileged helper; it never reaches a user's cache.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gss_helper/s4u_engine.h"

/* Fill in the default realm when sname_to_principal left none. */
static krb5_error_code
ensure_realm(krb5_context ctx, krb5_principal princ, struct s4u_status *st)
{
    krb5_error_code kret = 0;
    char *realm = NULL;

    if (princ->realm.length != 0)
        return 0;
    kret = krb5_get_default_realm(ctx, &realm);
    if (kret == 0)
        kret = krb5_set_principal_realm(ctx, princ, realm);
    if (kret != 0)
        s4u_status_krb5(st, S4U_ERR_REALM_UNKNOWN, ctx, kret,
                        "no realm for the jump host's principal");
    krb5_free_default_realm(ctx, realm);
    return kret;
}

/*
 * The machine account joining tools create for this host in realm:
 * <SHORTNAME>$, SHORTNAME being the first label of the host name in upper
 * case, cut to 15 characters as NetBIOS names are.
 */
static krb5_error_code
machine_account(krb5_context ctx, const krb5_data *realm, krb5_principal *out)
{
    char host[256], name[17];
    size_t i;

    *out = NULL;
    if (gethostname(host, sizeof(host)) != 0)
        return errno;
    host[sizeof(host) - 1] = '\0';
    for (i = 0; i < 15 && host[i] != '\0' && host[i] != '.'; i++)
        name[i] = (char)toupper((unsigned char)host[i]);
    if (i == 0)
        return KRB5_PARSE_MALFORMED;
    name[i++] = '$';
    name[i] = '\0';
    return krb5_build_principal_ext(ctx, out, realm->length, realm->data,
                                    (unsigned int)i, name, 0);
}

/* True if the keytab named in req (or the default one) holds princ. */
static bool
keytab_holds(krb5_context ctx, const struct s4u_request *req,
             krb5_const_principal princ)
{
    krb5_keytab kt = NULL;
    krb5_keytab_entry entry;
    bool holds = false;

    if ((req->keytab != NULL ? krb5_kt_resolve(ctx, req->keytab, &kt)
                             : krb5_kt_default(ctx, &kt)) != 0)
        return false;
    if (krb5_kt_get_entry(ctx, kt, princ, 0, 0, &entry) == 0) {
        holds = true;
        krb5_free_keytab_entry_contents(ctx, &entry);
    }
    krb5_kt_close(ctx, kt);
    return holds;
}

/*
 * The jump host's principal and why it was chosen: principal= if set (the
 * realm from realm= when the name has none); else the machine account
 * <SHORTNAME>$ if the keytab holds it, as the keytabs realm join, adcli,
 * SSSD and winbind write do; else host/<this host's canonical name>.
 */
krb5_error_code
s4u_host_principal_choice(krb5_context ctx, const struct s4u_request *req,
                          krb5_principal *princ_out, const char **why_out,
                          struct s4u_status *st)
{
    krb5_principal princ = NULL, machine = NULL;
    krb5_error_code kret;
    const char *why = "principal= is set";

    *princ_out = NULL;
    *why_out = NULL;
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
    kret = ensure_realm(ctx, princ, st);
    if (kret != 0 || req->principal != NULL)
        goto cleanup;
    why = "no principal=, and the keytab holds no machine account "
          "<SHORTNAME>$ of this host";
    if (machine_account(ctx, &princ->realm, &machine) == 0 &&
        keytab_holds(ctx, req, machine)) {
        why = "no principal=, and the keytab holds this host's machine "
              "account (as a domain join writes it)";
        krb5_free_principal(ctx, princ);
        princ = machine;
        machine = NULL;
    }

cleanup:
    if (kret == 0) {
        *princ_out = princ;
        *why_out = why;
        princ = NULL;
    }
    krb5_free_principal(ctx, machine);
    krb5_free_principal(ctx, princ);
    return kret;
}

/* The jump host's principal (see s4u_host_principal_choice). */
krb5_error_code
s4u_host_principal(krb5_context ctx, const struct s4u_request *req,
                   krb5_principal *princ_out, struct s4u_status *st)
{
    const char *why;

    return s4u_host_principal_choice(ctx, req, princ_out, &why, st);
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
krb5_error_code
s4u_host_keytab(krb5_context ctx, const struct s4u_request *req,
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
    kret = s4u_host_keytab(ctx, req, host, &kt, st);
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

/*
 * Whether key decrypts the ticket's encrypted part: 0 if it does,
 * KRB5KRB_AP_ERR_BAD_INTEGRITY if it is the wrong key.  The plaintext
 * (which holds the ticket's session key) is wiped before it is freed.
 */
static krb5_error_code
key_opens(krb5_context ctx, const krb5_keyblock *key, const krb5_enc_data *enc)
{
    krb5_data plain;
    krb5_error_code kret;

    plain.magic = KV5M_DATA;
    plain.length = enc->ciphertext.length;
    plain.data = malloc(plain.length > 0 ? plain.length : 1);
    if (plain.data == NULL)
        return ENOMEM;
    kret = krb5_c_decrypt(ctx, key, KRB5_KEYUSAGE_KDC_REP_TICKET, NULL, enc,
                          &plain);
    explicit_bzero(plain.data, enc->ciphertext.length);
    free(plain.data);
    return kret;
}

/*
 * Try each key of kt that has the ticket's enctype, of any principal and
 * kvno, and stop at the first that decrypts it.  A wrong key fails the
 * integrity check; any other failure ends the search as an error.
 */
static krb5_error_code
try_keys(krb5_context ctx, krb5_keytab kt, const krb5_ticket *tkt,
         krb5_principal *owner_out)
{
    krb5_keytab_entry entry;
    krb5_kt_cursor cur;
    krb5_error_code kret, dret, end;

    kret = krb5_kt_start_seq_get(ctx, kt, &cur);
    if (kret != 0)
        return kret;
    while (*owner_out == NULL &&
           (kret = krb5_kt_next_entry(ctx, kt, &entry, &cur)) == 0) {
        dret = KRB5KRB_AP_ERR_BAD_INTEGRITY;
        if (entry.key.enctype == tkt->enc_part.enctype)
            dret = key_opens(ctx, &entry.key, &tkt->enc_part);
        if (dret == 0)
            dret = krb5_copy_principal(ctx, entry.principal, owner_out);
        krb5_free_keytab_entry_contents(ctx, &entry);
        if (dret != 0 && dret != KRB5KRB_AP_ERR_BAD_INTEGRITY) {
            kret = dret;
            break;
        }
    }
    end = krb5_kt_end_seq_get(ctx, kt, &cur);
    if (kret == KRB5_KT_END || kret == 0)
        kret = end;
    return kret;
}

/*
 * The principal of the key in the jump host's keytab that decrypts the
 * ticket in creds, or NULL when none does.  Such a ticket is the jump
 * host's own whatever its server is called: an alias of the host's entry is
 * another name for the same key.  Non-zero when the check itself failed.
 */
krb5_error_code
s4u_host_key_owner(krb5_context ctx, krb5_keytab kt, const krb5_creds *creds,
                   krb5_principal *owner_out)
{
    krb5_ticket *tkt = NULL;
    krb5_error_code kret;

    *owner_out = NULL;
    kret = krb5_decode_ticket(&creds->ticket, &tkt);
    if (kret == 0)
        kret = try_keys(ctx, kt, tkt, owner_out);
    if (kret != 0) {
        krb5_free_principal(ctx, *owner_out);
        *owner_out = NULL;
    }
    krb5_free_ticket(ctx, tkt);
    return kret;
}
