/*
 * s4u_inspect.c: the delegated caches (s4u_...) in one user's cache
 * collection, read without asking the KDC.  The user owns them and may
 * have written anything into them: every name read is sanitized before
 * anyone prints it.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s4uctl/s4u_diag.h"

/*
 * A principal's name made safe to print: a user chooses the names in her
 * own caches, and root reads them with s4uctl list.
 */
static krb5_error_code
unparse_escaped(krb5_context ctx, krb5_const_principal princ, char **out)
{
    krb5_error_code kret;
    char *raw = NULL;

    *out = NULL;
    kret = krb5_unparse_name(ctx, princ, &raw);
    if (kret != 0)
        return kret;
    *out = s4u_escape_dup(raw);
    krb5_free_unparsed_name(ctx, raw);
    return *out == NULL ? ENOMEM : 0;
}

/* Free one cache's description. */
static void
cache_info_clear(struct s4u_cache_info *c)
{
    size_t i;

    for (i = 0; i < c->ntickets; i++) {
        free(c->tickets[i].server);
        free(c->tickets[i].client);
    }
    free(c->tickets);
    free(c->name);
    free(c->principal);
    memset(c, 0, sizeof(*c));
}

/* Free a list of caches. */
void
s4u_cache_infos_free(struct s4u_cache_info *caches, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        cache_info_clear(&caches[i]);
    free(caches);
}

/* Append one ticket of a cache to its description. */
static krb5_error_code
add_ticket(krb5_context ctx, struct s4u_cache_info *c, const krb5_creds *cr)
{
    struct s4u_ticket_info *v, *t;
    krb5_error_code kret;

    v = realloc(c->tickets, (c->ntickets + 1) * sizeof(*v));
    if (v == NULL)
        return ENOMEM;
    c->tickets = v;
    t = &v[c->ntickets++];
    memset(t, 0, sizeof(*t));
    t->starttime =
        cr->times.starttime != 0 ? cr->times.starttime : cr->times.authtime;
    t->endtime = cr->times.endtime;
    t->forwardable = (cr->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
    kret = unparse_escaped(ctx, cr->server, &t->server);
    if (kret == 0)
        kret = unparse_escaped(ctx, cr->client, &t->client);
    return kret;
}

/* Describe one cache: its principal and its tickets (no config entries). */
static krb5_error_code
describe_cache(krb5_context ctx, krb5_ccache cc, struct s4u_cache_info *c)
{
    krb5_principal princ = NULL;
    krb5_cc_cursor cur = NULL;
    krb5_creds cr;
    krb5_error_code kret;

    kret = krb5_cc_get_principal(ctx, cc, &princ);
    if (kret == 0)
        kret = unparse_escaped(ctx, princ, &c->principal);
    if (kret == 0)
        kret = krb5_cc_start_seq_get(ctx, cc, &cur);
    while (kret == 0 && (kret = krb5_cc_next_cred(ctx, cc, &cur, &cr)) == 0) {
        if (!krb5_is_config_principal(ctx, cr.server))
            kret = add_ticket(ctx, c, &cr);
        krb5_free_cred_contents(ctx, &cr);
    }
    if (cur != NULL)
        krb5_cc_end_seq_get(ctx, cc, &cur);
    krb5_free_principal(ctx, princ);
    return kret == KRB5_CC_END ? 0 : kret;
}

/* Add the cache called name to the list, if it is one of ours. */
static krb5_error_code
add_cache(krb5_context ctx, const char *name, struct s4u_cache_info **v,
          size_t *n)
{
    struct s4u_cache_info *grown;
    krb5_ccache cc = NULL;
    krb5_error_code kret;

    if (!s4u_cache_name_ours(name))
        return 0;
    grown = realloc(*v, (*n + 1) * sizeof(**v));
    if (grown == NULL)
        return ENOMEM;
    *v = grown;
    memset(&grown[*n], 0, sizeof(grown[*n]));
    grown[*n].name = s4u_escape_dup(name); /* for display only */
    (*n)++;
    if (grown[*n - 1].name == NULL)
        return ENOMEM;
    kret = krb5_cc_resolve(ctx, name, &cc);
    if (kret == 0) {
        (void)describe_cache(ctx, cc, &grown[*n - 1]); /* a gone cache: empty */
        krb5_cc_close(ctx, cc);
    }
    return 0;
}

/*
 * The caches of a KEYRING, KCM or DIR collection, through the krb5
 * collection cursor.
 */
static krb5_error_code
cursor_caches(krb5_context ctx, const char *collection,
              struct s4u_cache_info **v, size_t *n)
{
    krb5_cccol_cursor cur = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code kret;
    char *name = NULL, *in = NULL;

    kret = krb5_cc_set_default_name(ctx, collection);
    if (kret == 0)
        kret = krb5_cccol_cursor_new(ctx, &cur);
    while (kret == 0 && (kret = krb5_cccol_cursor_next(ctx, cur, &cc)) == 0 &&
           cc != NULL) {
        kret = krb5_cc_get_full_name(ctx, cc, &name);
        if (kret == 0 && s4u_cache_collection_of(name, &in) == 0 &&
            strcmp(in, collection) == 0)
            kret = add_cache(ctx, name, v, n);
        krb5_free_string(ctx, name);
        free(in);
        name = in = NULL;
        krb5_cc_close(ctx, cc);
    }
    if (cur != NULL)
        krb5_cccol_cursor_free(ctx, &cur);
    return kret;
}

/*
 * The caches next to a FILE collection: <path>_s4u_<hex>, as the helper
 * names them (S4U_CACHE_MARKER); add_cache keeps only those that
 * s4u_cache_name_ours recognises.
 */
static krb5_error_code
file_caches(krb5_context ctx, const char *collection, struct s4u_cache_info **v,
            size_t *n)
{
    const char *path = collection + (strncmp(collection, "FILE:", 5) == 0) * 5;
    char *pattern = NULL, *name = NULL;
    glob_t g;
    krb5_error_code kret = 0;
    size_t i;

    if (asprintf(&pattern, "%s_" S4U_CACHE_MARKER "*", path) < 0)
        return ENOMEM;
    memset(&g, 0, sizeof(g));
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (i = 0; kret == 0 && i < g.gl_pathc; i++) {
            if (asprintf(&name, "FILE:%s", g.gl_pathv[i]) < 0)
                kret = ENOMEM;
            else
                kret = add_cache(ctx, name, v, n);
            free(name);
            name = NULL;
        }
    }
    globfree(&g);
    free(pattern);
    return kret;
}

/*
 * The delegated caches (s4u_...) of a collection, read as whoever runs
 * this (s4uctl switches to the user first).  The user's other caches are
 * not listed.
 */
int
s4u_list_caches(krb5_context ctx, const char *collection,
                struct s4u_cache_info **caches_out, size_t *n_out,
                struct s4u_status *st)
{
    struct s4u_cache_info *v = NULL;
    size_t n = 0;
    krb5_error_code kret;

    *caches_out = NULL;
    *n_out = 0;
    if (strncmp(collection, "FILE:", 5) == 0 || collection[0] == '/')
        kret = file_caches(ctx, collection, &v, &n);
    else
        kret = cursor_caches(ctx, collection, &v, &n);
    if (kret == KRB5_CC_END)
        kret = 0;
    if (kret != 0) {
        s4u_status_krb5(st, kret == EDQUOT ? S4U_ERR_QUOTA : S4U_ERR_CACHE, ctx,
                        kret, collection);
        s4u_cache_infos_free(v, n);
        return kret;
    }
    *caches_out = v;
    *n_out = n;
    return 0;
}
