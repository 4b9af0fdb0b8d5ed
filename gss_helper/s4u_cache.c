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
 * A fresh cache name in the collection, spelled by s4u_cache_name_in.  The
 * collection's kind is already allowed (kind_allowed).
 */
static int
new_cache_name(const char *collection, uid_t uid, char **name_out)
{
    unsigned char rnd[S4U_CACHE_MARKER_HEX / 2];
    char hex[S4U_CACHE_MARKER_HEX + 1];
    size_t i;

    *name_out = NULL;
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return EIO;
    for (i = 0; i < sizeof(rnd); i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    return s4u_cache_name_in(collection, uid, hex, name_out);
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
s4u_cache_new_name(const char *collection, uid_t uid, char **name_out,
                   struct s4u_status *st)
{
    if (!kind_allowed(collection, st))
        return EINVAL;
    if (new_cache_name(collection, uid, name_out) != 0) {
        s4u_status_set(st, S4U_ERR_CONFIG, 0,
                       "ccache=%s must name a whole collection, not a "
                       "cache in one",
                       collection);
        return EINVAL;
    }
    return 0;
}

/*
 * --- The collection's primary cache ---
 *
 * Programs that do not inherit the session's KRB5CCNAME (a systemd --user
 * service, cron, a tmux server from an earlier login) use the collection's
 * primary cache.  A login's cache becomes the primary when there is no
 * usable one; a primary holding her own valid tickets is never taken away;
 * and a cache destroyed at logout never stays the primary.  MIT keeps the
 * primary's name apart from the caches (the KEYRING key krb_ccache:primary,
 * DIR's "primary" file) and changes it only on krb5_cc_switch, so
 * destroying the primary cache leaves it dangling.  sssd-kcm also makes a
 * cache the default when it is initialized, so the primary is read before
 * the write and put right after it.  All of this runs as the user, through
 * her context, and is best effort: it never fails a login or a logout.
 */

/* Remove the cache called name; one already gone is success. */
static krb5_error_code
destroy_named(krb5_context ctx, const char *name, struct s4u_status *st)
{
    krb5_ccache cc = NULL;
    krb5_error_code kret;

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

/* True if cc holds a ticket (not a config entry) that is still valid. */
static bool
cache_usable(krb5_context ctx, krb5_ccache cc)
{
    krb5_cc_cursor cur = NULL;
    krb5_creds creds;
    krb5_timestamp now;
    bool usable = false;

    if (krb5_timeofday(ctx, &now) != 0 ||
        krb5_cc_start_seq_get(ctx, cc, &cur) != 0)
        return false;
    while (!usable && krb5_cc_next_cred(ctx, cc, &cur, &creds) == 0) {
        usable = !krb5_is_config_principal(ctx, creds.server) &&
                 (uint32_t)creds.times.endtime > (uint32_t)now;
        krb5_free_cred_contents(ctx, &creds);
    }
    krb5_cc_end_seq_get(ctx, cc, &cur);
    return usable;
}

/*
 * The full name of the collection's primary cache, and whether it is
 * usable; 0 or a krb5 error (no such collection, no KCM daemon...).
 */
static krb5_error_code
primary_of(krb5_context ctx, const char *collection, char **name_out,
           bool *usable_out)
{
    krb5_ccache cc = NULL;
    krb5_error_code kret;

    *name_out = NULL;
    *usable_out = false;
    kret = krb5_cc_resolve(ctx, collection, &cc);
    if (kret == 0)
        kret = krb5_cc_get_full_name(ctx, cc, name_out);
    if (kret == 0)
        *usable_out = cache_usable(ctx, cc);
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    return kret;
}

/* Make the cache called name its collection's primary. */
static krb5_error_code
switch_to(krb5_context ctx, const char *name)
{
    krb5_ccache cc = NULL;
    krb5_error_code kret;

    kret = krb5_cc_resolve(ctx, name, &cc);
    if (kret == 0)
        kret = krb5_cc_switch(ctx, cc);
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    return kret;
}

/* The collection's primary before a write: its name, if known. */
struct primary {
    char *name;  /* NULL: no collection, or unreadable */
    bool usable; /* it holds a valid ticket */
};

/* Read the primary of the collection the cache called name belongs to. */
static void
primary_before(krb5_context ctx, const char *name, struct primary *p)
{
    char *collection = NULL;

    p->name = NULL;
    p->usable = false;
    if (s4u_cache_collection_of(name, &collection) != 0)
        return;
    if (primary_of(ctx, collection, &p->name, &p->usable) != 0)
        p->name = NULL;
    free(collection);
}

/*
 * After writing the cache called name (written: it holds the tickets):
 * the primary is the one before if that was usable, else this cache.
 */
static void
settle_primary(krb5_context ctx, const char *name, struct primary *before,
               bool written)
{
    char *collection = NULL, *now = NULL;
    const char *want;
    bool usable;

    want = before->usable ? before->name : written ? name : NULL;
    if (want != NULL && s4u_cache_collection_of(name, &collection) == 0 &&
        (primary_of(ctx, collection, &now, &usable) != 0 ||
         strcmp(now, want) != 0))
        (void)switch_to(ctx, want);
    krb5_free_string(ctx, now);
    krb5_free_string(ctx, before->name);
    before->name = NULL;
    free(collection);
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
    struct primary before = {NULL, false};
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
    primary_before(ctx, name, &before);
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
    if (before.name != NULL || kret == 0)
        settle_primary(ctx, name, &before, kret == 0);
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

/* True if the cache called name is in collection (ours or not). */
static bool
in_collection(const char *name, const char *collection)
{
    size_t len = strlen(collection);

    if (strcmp(collection, "KCM:") == 0)
        return strncmp(name, "KCM:", 4) == 0;
    if (strncmp(collection, "DIR:", 4) == 0)
        return strncmp(name, "DIR::", 5) == 0 &&
               strncmp(name + 5, collection + 4, len - 4) == 0 &&
               name[len + 1] == '/';
    return strncmp(name, collection, len) == 0 && name[len] == ':';
}

/*
 * A usable cache of the collection other than gone, hers before another
 * session's (ours), as a name to free; NULL if there is none.
 */
static char *
other_usable(krb5_context ctx, const char *collection, const char *gone)
{
    krb5_cccol_cursor cur = NULL;
    krb5_ccache cc = NULL;
    char *name = NULL, *pick = NULL;

    if (krb5_cc_set_default_name(ctx, collection) != 0 ||
        krb5_cccol_cursor_new(ctx, &cur) != 0)
        return NULL;
    while (krb5_cccol_cursor_next(ctx, cur, &cc) == 0 && cc != NULL) {
        if (krb5_cc_get_full_name(ctx, cc, &name) == 0 &&
            strcmp(name, gone) != 0 && in_collection(name, collection) &&
            cache_usable(ctx, cc) &&
            (pick == NULL ||
             (s4u_cache_name_ours(pick) && !s4u_cache_name_ours(name)))) {
            free(pick);
            pick = strdup(name);
        }
        krb5_free_string(ctx, name);
        name = NULL;
        krb5_cc_close(ctx, cc);
    }
    krb5_cccol_cursor_free(ctx, &cur);
    return pick;
}

/*
 * The name MIT's collection falls back on when it has no primary ("tkt" in
 * a keyring or a directory): a cache that does not exist yet, so her next
 * kinit makes a cache of her own rather than one with our marker.  NULL
 * for KCM, whose daemon picks its own default.
 */
static char *
stock_primary(const char *collection)
{
    char *name = NULL;

    if (strncmp(collection, "KEYRING:", 8) == 0 &&
        asprintf(&name, "%s:tkt", collection) < 0)
        name = NULL;
    else if (strncmp(collection, "DIR:", 4) == 0 &&
             asprintf(&name, "DIR::%s/tkt", collection + 4) < 0)
        name = NULL;
    return name;
}

/*
 * After the primary cache gone was destroyed: make another usable cache of
 * the collection primary, or else the collection's stock default name.
 */
static void
move_primary(krb5_context ctx, const char *collection, const char *gone)
{
    char *next = other_usable(ctx, collection, gone);

    if (next == NULL)
        next = stock_primary(collection);
    if (next != NULL)
        (void)switch_to(ctx, next);
    free(next);
}

/* True if the cache called name is its collection's primary now. */
static bool
is_primary(krb5_context ctx, const char *collection, const char *name)
{
    char *primary = NULL;
    bool usable, same;

    if (primary_of(ctx, collection, &primary, &usable) != 0)
        return false;
    same = strcmp(primary, name) == 0;
    krb5_free_string(ctx, primary);
    return same;
}

/*
 * Destroy a cache this module created; a cache already gone is success.
 * If it was its collection's primary, the primary moves (move_primary).
 */
krb5_error_code
s4u_cache_destroy(krb5_context ctx, const char *name, struct s4u_status *st)
{
    char *collection = NULL;
    bool was_primary;
    krb5_error_code kret;

    if (!s4u_cache_name_ours(name)) {
        s4u_status_set(st, S4U_ERR_CONFIG, 0, "not a cache pam_s4u created: %s",
                       name);
        return EINVAL;
    }
    if (!kind_allowed(name, st))
        return EINVAL;
    if (s4u_cache_collection_of(name, &collection) != 0)
        collection = NULL;
    was_primary = collection != NULL && is_primary(ctx, collection, name);
    kret = destroy_named(ctx, name, st);
    if (collection != NULL &&
        (was_primary || is_primary(ctx, collection, name)))
        move_primary(ctx, collection, name);
    free(collection);
    return kret;
}
