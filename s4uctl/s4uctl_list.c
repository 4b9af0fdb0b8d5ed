/*
 * s4uctl_list.c: s4uctl list, the delegated tickets in a user's caches.
 *
 * A user may list only her own.  Root lists another user's as her: a child
 * process switches to her ids for good (as the helper does) and reads her
 * keyring with her own possession rights; no key's permissions change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "s4uctl/s4uctl.h"

/* The caches as text. */
static void
print_caches(const struct user *u, const char *collection,
             const struct s4u_cache_info *caches, size_t n)
{
    size_t i, k, total = 0;
    time_t now = time(NULL);
    char t[64];

    for (i = 0; i < n; i++) {
        printf("%s (%s)\n", caches[i].name,
               caches[i].principal != NULL ? caches[i].principal : "empty");
        for (k = 0; k < caches[i].ntickets; k++, total++) {
            const struct s4u_ticket_info *tk = &caches[i].tickets[k];

            printf("  %-50s %s %s\n", tk->server,
                   tk->endtime > now ? "expires" : "EXPIRED",
                   s4uctl_when(tk->endtime, false, t, sizeof(t)));
        }
    }
    if (n == 0)
        printf("no delegated tickets for %s in %s\n", u->name, collection);
    else
        printf("%zu ticket%s in %zu cache%s of %s\n", total,
               total == 1 ? "" : "s", n, n == 1 ? "" : "s", u->name);
}

/* The caches as JSON. */
static void
json_caches(const struct user *u, const char *collection,
            const struct s4u_cache_info *caches, size_t n)
{
    struct s4u_json j;
    time_t now = time(NULL);
    size_t i, k;
    char t[64];

    s4u_json_init(&j, stdout);
    s4u_json_begin_object(&j, NULL);
    s4u_json_string(&j, "command", "list");
    s4u_json_string(&j, "user", u->name);
    s4u_json_int(&j, "uid", (int64_t)u->uid);
    s4u_json_string(&j, "collection", collection);
    s4u_json_begin_array(&j, "caches");
    for (i = 0; i < n; i++) {
        s4u_json_begin_object(&j, NULL);
        s4u_json_string(&j, "name", caches[i].name);
        s4u_json_string(&j, "principal", caches[i].principal);
        s4u_json_begin_array(&j, "tickets");
        for (k = 0; k < caches[i].ntickets; k++) {
            const struct s4u_ticket_info *tk = &caches[i].tickets[k];

            s4u_json_begin_object(&j, NULL);
            s4u_json_string(&j, "server", tk->server);
            s4u_json_string(&j, "client", tk->client);
            s4u_json_int(&j, "starttime", tk->starttime);
            s4u_json_int(&j, "endtime", tk->endtime);
            s4u_json_string(&j, "expires",
                            s4uctl_when(tk->endtime, true, t, 64));
            s4u_json_bool(&j, "expired", tk->endtime <= now);
            s4u_json_bool(&j, "forwardable", tk->forwardable);
            s4u_json_end_object(&j);
        }
        s4u_json_end_array(&j);
        s4u_json_end_object(&j);
    }
    s4u_json_end_array(&j);
    s4u_json_end_object(&j);
    fflush(stdout);
}

/* List the collection as whoever we are now (the user herself). */
static int
list_as_self(const struct ctl *c, const struct user *u, const char *collection)
{
    struct s4u_cache_info *caches = NULL;
    struct s4u_status st;
    krb5_context ctx = NULL;
    size_t n = 0;
    int status = 0;

    s4u_status_clear(&st);
    if (krb5_init_secure_context(&ctx) != 0) {
        s4uctl_complain("cannot read krb5.conf");
        return S4UCTL_NOTHING;
    }
    if (s4u_list_caches(ctx, collection, &caches, &n, &st) != 0) {
        s4uctl_complain("cannot read %s's caches: %s [%s]", u->name, st.detail,
                        s4u_explain(st.code)->id);
        status = S4UCTL_NOTHING;
    } else if (c->json) {
        json_caches(u, collection, caches, n);
    } else {
        print_caches(u, collection, caches, n);
    }
    s4u_cache_infos_free(caches, n);
    krb5_free_context(ctx);
    return status;
}

/*
 * As root, read another user's caches as her: a child switches to her ids
 * for good (as the helper does) and lists; key permissions stay as they are.
 */
static int
list_as_user(const struct ctl *c, const struct user *u, const char *collection)
{
    struct s4u_status st;
    pid_t pid;
    int wstatus;

    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        s4uctl_complain("fork: %s", strerror(errno));
        return S4UCTL_NOTHING;
    }
    if (pid == 0) {
        if (s4u_drop_to_user(u->uid, u->gid, &st) != 0) {
            s4uctl_complain("cannot switch to %s: %s", u->name, st.detail);
            _exit(S4UCTL_NOTHING);
        }
        wstatus = list_as_self(c, u, collection);
        fflush(stdout);
        _exit(wstatus);
    }
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR)
            return S4UCTL_NOTHING;
    }
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : S4UCTL_NOTHING;
}

/* The user list is about: USER, or the caller; refuses others to non-root. */
static int
list_user(int argc, char **argv, struct user *u)
{
    const char *why = NULL;

    if (argc > 1) {
        s4uctl_complain("list takes at most one user");
        return S4UCTL_USAGE;
    }
    if (argc == 1 && !s4u_user_name_valid(argv[0], &why)) {
        s4uctl_complain("list: %s", why);
        return S4UCTL_USAGE;
    }
    if (argc == 0 && getuid() == 0) {
        s4uctl_complain("list: as root, name the user (s4uctl list USER)");
        return S4UCTL_USAGE;
    }
    s4uctl_resolve_user(argc == 1 ? argv[0] : NULL, u);
    if (!u->local && argc == 0) {
        s4uctl_complain("list: who are you? uid %lu has no account",
                        (unsigned long)getuid());
        return S4UCTL_USAGE;
    }
    if (!u->local) {
        s4uctl_complain("list: %s has no local account", argv[0]);
        return S4UCTL_USAGE;
    }
    if (getuid() != 0 && u->uid != getuid()) {
        s4uctl_complain(
            "list: you may list only your own delegated tickets; root "
            "can list %s's",
            u->name);
        return S4UCTL_DENIED;
    }
    return 0;
}

/* s4uctl list [USER]: the delegated tickets in a user's collection. */
int
s4uctl_list(struct ctl *c, int argc, char **argv)
{
    struct user u;
    char *collection = NULL;
    const char *why = NULL;
    int status;

    status = list_user(argc, argv, &u);
    if (status == 0)
        status = s4uctl_load_config(c);
    if (status != 0)
        return status;
    if (s4u_ccache_expand(c->opts.ccache, u.name, u.uid, &collection, &why) !=
        0) {
        s4uctl_complain("ccache=%s: %s", c->opts.ccache,
                        why != NULL ? why : "bad");
        return S4UCTL_USAGE;
    }
    if (u.uid == geteuid())
        status = list_as_self(c, &u, collection);
    else
        status = list_as_user(c, &u, collection);
    free(collection);
    return status;
}
