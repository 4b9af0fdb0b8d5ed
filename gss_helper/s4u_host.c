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
#include <time.h>
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
static krb5_error_code
as_exchange(krb5_context ctx, krb5_principal host, krb5_keytab kt,
            krb5_ccache *ccache_out, bool *forwardable_out,
            struct s4u_status *st)
{
    krb5_get_init_creds_opt *opt = NULL;
    krb5_ccache cc = NULL;
    krb5_creds creds;
    krb5_error_code kret;

    memset(&creds, 0, sizeof(creds));
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
    return kret;
}

/*
 * The host's TGT from its keytab into a new MEMORY cache, by an AS
 * exchange; nothing is kept between logins (s4uctl's diagnosis).
 */
krb5_error_code
s4u_host_creds(krb5_context ctx, const struct s4u_request *req,
               krb5_principal host, krb5_ccache *ccache_out,
               bool *forwardable_out, struct s4u_status *st)
{
    krb5_keytab kt = NULL;
    krb5_error_code kret;

    *ccache_out = NULL;
    *forwardable_out = false;
    kret = s4u_host_keytab(ctx, req, host, &kt, st);
    if (kret == 0)
        kret = as_exchange(ctx, host, kt, ccache_out, forwardable_out, st);
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
    return kret;
}

/* A new MEMORY cache holding tgt, the host's TGT read from the file. */
static krb5_error_code
tgt_to_memory(krb5_context ctx, krb5_principal host, krb5_creds *tgt,
              krb5_ccache *ccache_out, bool *forwardable_out)
{
    krb5_ccache cc = NULL;
    krb5_error_code kret;

    kret = krb5_cc_new_unique(ctx, "MEMORY", NULL, &cc);
    if (kret == 0)
        kret = krb5_cc_initialize(ctx, cc, host);
    if (kret == 0)
        kret = krb5_cc_store_cred(ctx, cc, tgt);
    if (kret != 0) {
        if (cc != NULL)
            krb5_cc_destroy(ctx, cc);
        return kret;
    }
    *forwardable_out = (tgt->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
    *ccache_out = cc;
    return 0;
}

/*
 * The kept TGT of host in dir/name, and how usable it is now.  One that is
 * not forwardable is renewed by the next login that can take the lock: the
 * flag is most often a mistake at the KDC, and its fix then takes effect
 * at once.
 */
static enum s4u_tgt_age
read_kept(krb5_context ctx, int dir, const char *name, krb5_principal host,
          krb5_creds **tgt_out)
{
    enum s4u_tgt_age age;
    krb5_timestamp now;

    *tgt_out = NULL;
    if (s4u_host_cache_read(ctx, dir, name, host, tgt_out) != 0 ||
        krb5_timeofday(ctx, &now) != 0)
        return S4U_TGT_EXPIRED;
    age = s4u_host_tgt_age(*tgt_out, now);
    if (age == S4U_TGT_FRESH &&
        ((*tgt_out)->ticket_flags & TKT_FLG_FORWARDABLE) == 0)
        age = S4U_TGT_AGING;
    return age;
}

/*
 * How long a login waits for another one to renew the kept TGT: a third of
 * timeout=, so that after the wait its own AS exchange still has time.
 */
static long long
lock_deadline(const struct s4u_request *req)
{
    struct timespec ts;
    long long wait = req->timeout * 1000LL / 3;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 +
           (wait > 200 ? wait : 200);
}

/* Where the host's TGT is kept, and what renews it. */
struct kept {
    const char *path; /* host_cache=, checked */
    int dir;          /* its descriptor */
    char name[S4U_NAME_MAX];
    krb5_principal host;
    krb5_keytab kt;
};

/* The result of kept_creds: a MEMORY cache and what the caller learns. */
struct got {
    krb5_ccache cc;
    bool fwd;  /* the TGT is forwardable */
    bool kept; /* the TGT is the kept one */
};

/* Use tgt, which was kept, for this login. */
static krb5_error_code
use_kept(krb5_context ctx, const struct kept *k, krb5_creds *tgt, struct got *g)
{
    krb5_error_code kret = tgt_to_memory(ctx, k->host, tgt, &g->cc, &g->fwd);

    g->kept = kret == 0;
    return kret;
}

/*
 * With the lock held: unless another login renewed the kept TGT meanwhile
 * (and renew does not ask for a new one whatever), get a new TGT and keep
 * it.  If that fails while the old one (old) still serves, use that.
 */
static krb5_error_code
renew_locked(krb5_context ctx, const struct kept *k, bool renew,
             krb5_creds *old, struct got *g, struct s4u_status *st)
{
    krb5_creds *again = NULL;
    krb5_error_code kret;

    if (!renew &&
        read_kept(ctx, k->dir, k->name, k->host, &again) == S4U_TGT_FRESH) {
        kret = use_kept(ctx, k, again, g);
        krb5_free_creds(ctx, again);
        return kret;
    }
    krb5_free_creds(ctx, again);
    kret = as_exchange(ctx, k->host, k->kt, &g->cc, &g->fwd, st);
    if (kret == 0) {
        /* Kept for the next logins; this one goes on if that fails. */
        (void)s4u_host_cache_write(ctx, k->path, k->dir, k->name, g->cc,
                                   k->host);
        return 0;
    }
    if (renew || old == NULL)
        return kret;
    s4u_status_clear(st);
    return use_kept(ctx, k, old, g);
}

/*
 * The host's TGT, kept in the host cache directory: fresh, read from it;
 * else renewed under its lock by one login while the others wait (at most
 * lock_deadline) or, if it still serves, use the old one.  A login that
 * cannot take the lock in time gets a TGT of its own, in memory only.
 */
static krb5_error_code
kept_creds(krb5_context ctx, const struct s4u_request *req,
           const struct kept *k, bool renew, struct got *g,
           struct s4u_status *st)
{
    enum s4u_tgt_age age = S4U_TGT_EXPIRED;
    krb5_creds *tgt = NULL;
    krb5_error_code kret;
    int lock;

    if (!renew)
        age = read_kept(ctx, k->dir, k->name, k->host, &tgt);
    if (age == S4U_TGT_FRESH) {
        kret = use_kept(ctx, k, tgt, g);
        goto cleanup;
    }
    lock = s4u_host_cache_lock(k->dir, k->name,
                               age == S4U_TGT_AGING ? 0 : lock_deadline(req));
    if (lock >= 0) {
        kret = renew_locked(ctx, k, renew, age == S4U_TGT_AGING ? tgt : NULL, g,
                            st);
        close(lock);
    } else if (age == S4U_TGT_AGING) {
        kret = use_kept(ctx, k, tgt, g);
    } else {
        kret = as_exchange(ctx, k->host, k->kt, &g->cc, &g->fwd, st);
    }

cleanup:
    krb5_free_creds(ctx, tgt);
    return kret;
}

/*
 * Step 1 for a login: the host's TGT into a new MEMORY cache, from the
 * TGT kept between logins in host_cache= when there is one (see
 * s4u_host_cache.c), else by an AS exchange.  renew asks for a new TGT
 * even if the kept one looks fresh (the KDC refused it).  *kept_out says
 * whether the TGT is one that was kept.  The keytab must hold the host's
 * key either way, so a missing keytab is noticed at once.  A host cache
 * that is unsafe or unusable is left alone: the TGT then lives in memory
 * only, and s4uctl status says why.
 */
krb5_error_code
s4u_host_creds_kept(krb5_context ctx, const struct s4u_request *req,
                    krb5_principal host, bool renew, krb5_ccache *ccache_out,
                    bool *forwardable_out, bool *kept_out,
                    struct s4u_status *st)
{
    struct kept k = {req->host_cache, -1, "", host, NULL};
    struct got g = {NULL, false, false};
    struct s4u_status dir_st;
    krb5_error_code kret;

    *ccache_out = NULL;
    *forwardable_out = false;
    *kept_out = false;
    kret = s4u_host_keytab(ctx, req, host, &k.kt, st);
    if (kret != 0)
        goto cleanup;
    if (k.path == NULL ||
        s4u_host_cache_file(ctx, host, k.name, sizeof(k.name)) != 0 ||
        s4u_host_cache_dir(k.path, true, &k.dir, &dir_st) != 0)
        kret = as_exchange(ctx, host, k.kt, &g.cc, &g.fwd, st);
    else
        kret = kept_creds(ctx, req, &k, renew, &g, st);
    if (kret == 0) {
        *ccache_out = g.cc;
        *forwardable_out = g.fwd;
        *kept_out = g.kept;
    }

cleanup:
    if (k.dir >= 0)
        close(k.dir);
    if (k.kt != NULL)
        krb5_kt_close(ctx, k.kt);
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
