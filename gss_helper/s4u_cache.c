/*
 * s4u_cache.c: step 4, the user's credential cache.
 *
 * These functions run after the helper has switched to the user's ids, so
 * every key or file they create belongs to her.  Each login gets a new
 * cache of its own inside the configured collection, so the user's other
 * caches (her own kinit, other sessions) are never touched, and a failed
 * write is undone by destroying only that cache.  A refresh rewrites an
 * existing cache of ours in place, under the same checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "gss_helper/s4u_engine.h"
#include "lib/s4u_keyring.h"

/*
 * Kernel keyring charges we budget for.  MIT stores each credential as a
 * "user" key charged at its full size (kernels without big_key; a user key
 * holds at most 32,767 bytes); an MIT-realm service ticket without a PAC
 * costs about 1,280 bytes, the cache keyring and principal key a few
 * hundred more.  A user whose quota is full cannot even klist or kdestroy
 * (keyctl_get_persistent fails with EDQUOT), so a reserve is always left.
 */
#define KEY_OVERHEAD 512   /* cache keyring, principal key, collection */
#define CRED_OVERHEAD 384  /* a credential's fields beyond its ticket */
#define RESERVE_BYTES 2048 /* left free so she can still klist/kinit */
#define RESERVE_KEYS 4

/* How many of the tickets fit, in order, while keeping the reserve. */
static size_t
tickets_that_fit(uid_t uid, const struct s4u_tickets *t)
{
    long bytes = KEY_OVERHEAD + RESERVE_BYTES, keys = 3 + RESERVE_KEYS;
    long room_keys, room_bytes;
    size_t i;

    s4u_key_room(uid, &room_keys, &room_bytes);
    for (i = 0; i < t->ncreds; i++) {
        bytes += CRED_OVERHEAD + (long)t->creds[i]->ticket.length;
        keys++;
        if (bytes > room_bytes || keys > room_keys)
            return i;
    }
    return t->ncreds;
}

/*
 * The helper's own check of where a cache goes (s4u_ccache_kind_allowed),
 * made whatever the module checked: it never trusts the request.
 */
static bool
kind_allowed(const char *name, struct s4u_status *st)
{
    const char *why = NULL;

    if (s4u_ccache_kind_allowed(name, &why))
        return true;
    s4u_status_set(st, S4U_ERR_CONFIG, 0, "%s (not %s)", why, name);
    return false;
}

/*
 * A fresh cache name in the collection: ...:s4u_<hex> or ..._s4u_<hex>.
 * The collection's kind is already allowed (kind_allowed).
 */
static int
new_cache_name(const char *collection, char **name_out)
{
    unsigned char rnd[S4U_CACHE_MARKER_HEX / 2];
    char hex[S4U_CACHE_MARKER_HEX + 1];
    const char *prefix = "", *join = "_", *sep;
    size_t i;

    *name_out = NULL;
    if (strncmp(collection, "KEYRING:", 8) == 0) {
        /* The collection must not already name a subsidiary cache. */
        sep = strchr(collection + 8, ':');
        if (sep == NULL || sep[1] == '\0' || strchr(sep + 1, ':') != NULL)
            return EINVAL;
        join = ":";
    } else if (collection[0] == '/') {
        prefix = "FILE:";
    } else if (strncmp(collection, "FILE:/", 6) != 0) {
        return EINVAL;
    }
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return EIO;
    for (i = 0; i < sizeof(rnd); i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    return asprintf(name_out, "%s%s%s" S4U_CACHE_MARKER "%s", prefix,
                    collection, join, hex) < 0
               ? ENOMEM
               : 0;
}

/* Mark the results of tickets [from, n) with a status. */
static void
mark_unstored(const struct s4u_tickets *t, size_t from, struct s4u_outcome *out,
              enum s4u_code code, const char *msg)
{
    size_t i;

    for (i = from; i < t->ncreds; i++)
        s4u_status_set(&out->targets[t->target_index[i]].st, code, 0, "%s",
                       msg);
}

/* Write tickets [0, n) into the new cache cc. */
static krb5_error_code
write_cache(krb5_context ctx, krb5_ccache cc, const struct s4u_tickets *t,
            size_t n, struct s4u_status *st)
{
    krb5_error_code kret;
    size_t i;

    kret = krb5_cc_initialize(ctx, cc, t->client);
    for (i = 0; kret == 0 && i < n; i++) {
        /* Last line of defence for the cache invariants. */
        if (!s4u_creds_safe_for_user(ctx, t->creds[i], t->client, t->host)) {
            s4u_status_set(st, S4U_ERR_WRONG_TICKET, 0,
                           "refusing to store a ticket that is not the "
                           "user's service ticket");
            return KRB5_CC_BADNAME;
        }
        kret = krb5_cc_store_cred(ctx, cc, t->creds[i]);
    }
    if (kret != 0)
        s4u_status_krb5(st, kret == EDQUOT ? S4U_ERR_QUOTA : S4U_ERR_CACHE, ctx,
                        kret, "writing the user's cache");
    return kret;
}

/*
 * A fresh name for this login's cache in the collection.  The helper picks
 * it, and tells the module, before it starts to write.
 */
krb5_error_code
s4u_cache_new_name(const char *collection, char **name_out,
                   struct s4u_status *st)
{
    if (!kind_allowed(collection, st))
        return EINVAL;
    if (new_cache_name(collection, name_out) != 0) {
        s4u_status_set(st, S4U_ERR_CONFIG, 0,
                       "ccache=%s must name a whole collection, not a "
                       "cache in one",
                       collection);
        return EINVAL;
    }
    return 0;
}

/*
 * Write what fits of the tickets into the cache called name: the quota
 * check, then the per-ticket check in write_cache.  Tickets that do not fit
 * the keyring quota are left out (later targets first) and reported; any
 * write error destroys the cache, so nothing half-written stays.  Shared by
 * a new cache (s4u_cache_store) and an in-place refresh.
 */
static krb5_error_code
write_named(krb5_context ctx, const char *name, uid_t uid,
            const struct s4u_tickets *t, struct s4u_outcome *out)
{
    krb5_ccache cc = NULL;
    krb5_error_code kret;
    size_t n;

    n = strncmp(name, "KEYRING:", 8) == 0 ? tickets_that_fit(uid, t)
                                          : t->ncreds;
    mark_unstored(t, n, out, S4U_ERR_QUOTA,
                  "left out: no room in the user's keyring quota");
    if (n == 0) {
        s4u_status_set(&out->st, S4U_ERR_QUOTA, EDQUOT,
                       "no ticket fits in uid %lu's keyring quota",
                       (unsigned long)uid);
        kret = EDQUOT;
        goto cleanup;
    }
    kret = krb5_cc_resolve(ctx, name, &cc);
    if (kret != 0) {
        s4u_status_krb5(&out->st, S4U_ERR_CACHE, ctx, kret, name);
        goto cleanup;
    }
    kret = write_cache(ctx, cc, t, n, &out->st);
    if (kret != 0) {
        mark_unstored(t, 0, out, out->st.code, out->st.detail);
        krb5_cc_destroy(ctx, cc);
        cc = NULL;
        goto cleanup;
    }
    out->stored = n;

cleanup:
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    return kret;
}

/*
 * Store the tickets in the new cache name (from s4u_cache_new_name), with
 * write_named's checks; on success the outcome names the cache.
 */
krb5_error_code
s4u_cache_store(krb5_context ctx, const char *name, uid_t uid,
                const struct s4u_tickets *t, struct s4u_outcome *out)
{
    krb5_error_code kret;

    if (!kind_allowed(name, &out->st))
        return EINVAL;
    kret = write_named(ctx, name, uid, t, out);
    if (kret == 0 && (out->ccache_name = strdup(name)) == NULL) {
        s4u_status_set(&out->st, S4U_ERR_NOMEM, ENOMEM, "out of memory");
        kret = ENOMEM;
    }
    return kret;
}

/*
 * A cache to refresh must still exist and hold the user's tickets: a name
 * in the session's environment is never a reason to create a cache (no
 * logout would remove it) or to overwrite another principal's.
 */
static krb5_error_code
check_refreshable(krb5_context ctx, const char *name, krb5_const_principal user,
                  struct s4u_status *st)
{
    krb5_principal holder = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code kret;

    kret = krb5_cc_resolve(ctx, name, &cc);
    if (kret == 0)
        kret = krb5_cc_get_principal(ctx, cc, &holder);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_CACHE, ctx, kret, name);
    } else if (!krb5_principal_compare(ctx, holder, user)) {
        s4u_status_set(st, S4U_ERR_CACHE, 0,
                       "%s holds another principal's tickets", name);
        kret = KRB5_CC_BADNAME;
    }
    krb5_free_principal(ctx, holder);
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    return kret;
}

/*
 * Refresh a cache this module created, in place: the same name, so the
 * KRB5CCNAME of programs already running stays valid.  The new tickets
 * replace the old ones (krb5_cc_initialize) under the same checks as a
 * new cache (write_named).
 */
krb5_error_code
s4u_cache_refresh(krb5_context ctx, const char *name, uid_t uid,
                  const struct s4u_tickets *t, struct s4u_outcome *out)
{
    krb5_error_code kret;

    if (!s4u_cache_name_ours(name)) {
        s4u_status_set(&out->st, S4U_ERR_CONFIG, 0,
                       "not a cache pam_s4u created: %s", name);
        return EINVAL;
    }
    if (!kind_allowed(name, &out->st))
        return EINVAL;
    kret = check_refreshable(ctx, name, t->client, &out->st);
    if (kret == 0)
        kret = write_named(ctx, name, uid, t, out);
    if (kret == 0 && (out->ccache_name = strdup(name)) == NULL) {
        s4u_status_set(&out->st, S4U_ERR_NOMEM, ENOMEM, "out of memory");
        kret = ENOMEM;
    }
    return kret;
}

/* Destroy a cache this module created; a cache already gone is success. */
krb5_error_code
s4u_cache_destroy(krb5_context ctx, const char *name, struct s4u_status *st)
{
    krb5_ccache cc = NULL;
    krb5_error_code kret;

    if (!s4u_cache_name_ours(name)) {
        s4u_status_set(st, S4U_ERR_CONFIG, 0, "not a cache pam_s4u created: %s",
                       name);
        return EINVAL;
    }
    if (!kind_allowed(name, st))
        return EINVAL;
    kret = krb5_cc_resolve(ctx, name, &cc);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_CACHE, ctx, kret, name);
        return kret;
    }
    kret = krb5_cc_destroy(ctx, cc);
    if (kret == KRB5_FCC_NOFILE || kret == KRB5_CC_NOTFOUND)
        kret = 0;
    if (kret != 0)
        s4u_status_krb5(st, S4U_ERR_CACHE, ctx, kret, name);
    return kret;
}
