/*
 * s4uctl.c: diagnose, inspect and reset pam-s4u delegation.
 *
 *   s4uctl check USER [TARGET...]   run every step of a login, say what is
 *                                   wrong and what to type to fix it
 *   s4uctl status                   effective configuration, host
 *                                   credentials, kernel keyring quotas
 *   s4uctl list [USER]              a user's delegated tickets
 *   s4uctl purge                    drop the jump host's cached credentials
 *   s4uctl refresh                  renew open sessions' tickets (the timer)
 *
 * The configuration is read as the module reads it (s4u_options_load) from
 * the pam_s4u.so line of a PAM service file.  The Kerberos work is the
 * engine's, through s4u_diag.c; check writes nothing to any user's cache.
 * Exit status: 0 all ok, 1 some targets (or a non-fatal check) failed,
 * 2 nothing works, 3 usage or configuration error, 4 not permitted.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s4uctl/s4uctl.h"

#define PWBUF_SIZE 16384

/* --- messages and configuration --- */

/* The s4u_warn_fn for s4u_options_load: keep the warning for the report. */
static void __attribute__((format(printf, 2, 3)))
collect_warning(void *data, const char *fmt, ...)
{
    struct ctl *c = data;
    va_list ap;
    char *text = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n >= 0 && s4u_strv_append(&c->warnings, &c->nwarnings, text) != 0)
        s4uctl_complain("out of memory");
    free(text);
}

/* An error for the admin, on stderr. */
void
s4uctl_complain(const char *fmt, ...)
{
    va_list ap;

    fputs("s4uctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The line the module's options come from: the session line, else the first. */
static const struct s4u_pam_line *
choose_line(const struct ctl *c)
{
    size_t i;

    for (i = 0; i < c->nlines; i++) {
        if (strcmp(c->lines[i].type, "session") == 0)
            return &c->lines[i];
    }
    return c->nlines > 0 ? &c->lines[0] : NULL;
}

/* Same arguments on two lines? */
static bool
same_arguments(const struct s4u_pam_line *a, const struct s4u_pam_line *b)
{
    size_t i;

    if (a->argc != b->argc)
        return false;
    for (i = 0; i < a->argc; i++) {
        if (strcmp(a->argv[i], b->argv[i]) != 0)
            return false;
    }
    return true;
}

/* Warn about a service file the module would not run from, or runs oddly. */
static void
warn_about_lines(struct ctl *c)
{
    size_t i;

    if (c->line == NULL) {
        collect_warning(c,
                        "%s has no pam_s4u.so line, so pam_s4u does not run "
                        "for this service; showing krb5.conf [appdefaults] "
                        "and the defaults",
                        c->service);
        return;
    }
    for (i = 0; i < c->nlines; i++) {
        if (!same_arguments(&c->lines[i], c->line))
            collect_warning(c,
                            "the pam_s4u.so lines differ (%s:%u and %s:%u); "
                            "using the %s line",
                            c->line->file, c->line->line, c->lines[i].file,
                            c->lines[i].line, c->line->type);
    }
}

/*
 * Merge the chosen line's arguments with krb5.conf as the module does,
 * through a secure context: s4uctl shows what the module reads, whatever
 * KRB5_CONFIG says.  0 or ENOMEM.
 */
static int
load_options(struct ctl *c)
{
    krb5_context ctx = NULL;
    krb5_error_code kret;
    int ret;

    kret = krb5_init_secure_context(&ctx);
    if (kret != 0) {
        collect_warning(c,
                        "cannot read krb5.conf (%s); showing the defaults "
                        "and the PAM arguments",
                        error_message(kret));
        ctx = NULL;
    }
    ret = s4u_options_load(
        ctx, &c->opts, c->line != NULL ? (int)c->line->argc : 0,
        c->line != NULL ? (const char **)c->line->argv : NULL, c->service,
        collect_warning, c);
    if (ctx != NULL)
        krb5_free_context(ctx);
    return ret;
}

/*
 * Read the configuration as the module would: the pam_s4u.so arguments of
 * the service file, merged with krb5.conf [appdefaults] and the defaults.
 */
int
s4uctl_load_config(struct ctl *c)
{
    const char *why = NULL;
    int ret;

    ret = s4u_pam_service_lines(c->service, &c->lines, &c->nlines, &why);
    if (ret == ENOENT && !c->service_given) {
        collect_warning(c,
                        "no %s; showing krb5.conf [appdefaults] and the "
                        "defaults",
                        c->service);
    } else if (ret != 0) {
        s4uctl_complain("cannot read the PAM service file %s: %s", c->service,
                        why != NULL ? why : strerror(ret));
        return S4UCTL_USAGE;
    } else {
        c->line = choose_line(c);
        warn_about_lines(c);
    }
    ret = load_options(c);
    if (ret != 0) {
        s4uctl_complain("cannot load the configuration: %s", strerror(ret));
        return S4UCTL_NOTHING;
    }
    if (c->timeout == 0)
        c->timeout = c->opts.timeout;
    return 0;
}

/*
 * Look up the login as the module does: once, by name.  With name NULL,
 * the caller (her real uid) instead.  u->local says whether she has an
 * account.
 */
void
s4uctl_resolve_user(const char *name, struct user *u)
{
    struct passwd pw, *res = NULL;
    char *buf = malloc(PWBUF_SIZE);
    int ret = ENOMEM, len;

    memset(u, 0, sizeof(*u));
    if (buf != NULL && name != NULL)
        ret = getpwnam_r(name, &pw, buf, PWBUF_SIZE, &res);
    else if (buf != NULL)
        ret = getpwuid_r(getuid(), &pw, buf, PWBUF_SIZE, &res);
    if (ret == 0 && res != NULL && name == NULL)
        name = pw.pw_name;
    len = snprintf(u->name, sizeof(u->name), "%s", name != NULL ? name : "");
    if (ret == 0 && res != NULL && len >= 0 && (size_t)len < sizeof(u->name)) {
        u->uid = pw.pw_uid;
        u->gid = pw.pw_gid;
        u->local = true;
    }
    free(buf);
}

/* --- purge and main --- */

/* s4uctl purge: drop the jump host's credentials kept in host_cache=. */
static int
cmd_purge(struct ctl *c, int argc, char **argv)
{
    struct s4u_purge p;
    struct s4u_status st;
    struct s4u_json j;
    int status;

    (void)argv;
    if (argc > 0) {
        s4uctl_complain("purge takes no arguments");
        return S4UCTL_USAGE;
    }
    if (geteuid() != 0) {
        s4uctl_complain("purge must run as root");
        return S4UCTL_DENIED;
    }
    status = s4uctl_load_config(c);
    if (status != 0)
        return status;
    if (s4u_host_cache_purge(c->opts.host_cache, &p, &st) != 0) {
        s4uctl_complain("purge: %s [%s]", st.detail, s4u_explain(st.code)->id);
        return S4UCTL_NOTHING;
    }
    if (!c->json) {
        printf("%s\n", p.explanation);
        return 0;
    }
    s4u_json_init(&j, stdout);
    s4u_json_begin_object(&j, NULL);
    s4u_json_string(&j, "command", "purge");
    s4u_json_int(&j, "purged", (int64_t)p.purged);
    s4u_json_bool(&j, "credentials_kept_between_logins", p.kept);
    s4u_json_string(&j, "explanation", p.explanation);
    s4u_json_end_object(&j);
    return 0;
}

/* The usage text. */
static void
usage(FILE *f)
{
    fputs("usage: s4uctl [OPTIONS] COMMAND [ARGS]\n"
          "\n"
          "  check USER [TARGET...]  run every step of a login for USER and "
          "explain\n"
          "                          each failure with its fix (root)\n"
          "  status                  effective configuration, host "
          "credentials, keyring\n"
          "                          quotas\n"
          "  list [USER]             delegated tickets in USER's caches\n"
          "  purge                   drop the jump host's cached credentials "
          "(root)\n"
          "  refresh                 renew the tickets of open sessions that "
          "end\n"
          "                          within --margin; clean up ended ones "
          "(root)\n"
          "\n"
          "  --service FILE   PAM service file to read (default " S4UCTL_SERVICE
          ")\n"
          "  --timeout SECS   bound on all KDC traffic (default: timeout=)\n"
          "  --kdc KINDS      fixes to show: mit,ipa,ad,samba (default all)\n"
          "  --margin SECS    refresh: tickets ending within SECS (default "
          "3600)\n"
          "  --json           machine-readable output (check, status, list, "
          "purge,\n"
          "                   refresh)\n"
          "\n"
          "exit status: 0 ok, 1 some targets or checks failed, 2 nothing "
          "works,\n"
          "             3 usage or configuration error, 4 not permitted\n",
          f);
}

/* --kdc mit,ad: the set of KDC kinds to print fixes for. */
static bool
parse_kinds(const char *text, unsigned int *kinds_out)
{
    char *copy = strdup(text), *tok, *save = NULL;
    enum s4u_kdc_kind kind;
    bool ok = copy != NULL;

    *kinds_out = 0;
    for (tok = ok ? strtok_r(copy, ",", &save) : NULL; tok != NULL && ok;
         tok = strtok_r(NULL, ",", &save)) {
        ok = s4u_kdc_kind_from_name(tok, &kind);
        if (ok)
            *kinds_out |= 1u << kind;
    }
    free(copy);
    return ok && *kinds_out != 0;
}

/*
 * Parse the options, which may come anywhere (GNU getopt moves the other
 * arguments to the end); returns the index of the command, or -1.
 */
static int
parse_options(struct ctl *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"service", required_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},
        {"kdc", required_argument, NULL, 'k'},
        {"margin", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    char *end;
    int opt;

    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'j') {
            c->json = true;
        } else if (opt == 's') {
            c->service = optarg;
            c->service_given = true;
        } else if (opt == 't') {
            errno = 0;
            c->timeout = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || c->timeout < 1 ||
                c->timeout > 300) {
                s4uctl_complain("--timeout: give 1 to 300 seconds");
                return -1;
            }
        } else if (opt == 'k') {
            if (!parse_kinds(optarg, &c->kinds)) {
                s4uctl_complain("--kdc: give a list of mit, ipa, ad, samba");
                return -1;
            }
        } else if (opt == 'm') {
            errno = 0;
            c->margin = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || c->margin < 0 ||
                c->margin > 30L * 86400) {
                s4uctl_complain("--margin: give 0 to 2592000 seconds");
                return -1;
            }
        } else if (opt == 'h') {
            usage(stdout);
            exit(0);
        } else {
            return -1;
        }
    }
    return optind;
}

/* Free the configuration. */
static void
ctl_free(struct ctl *c)
{
    s4u_options_free(&c->opts);
    s4u_pam_lines_free(c->lines, c->nlines);
    s4u_strv_free(c->warnings, c->nwarnings);
    if (c->decision != NULL)
        s4u_decision_free(c->decision);
    free(c->decision);
}

/* Clear the environment, read the options, run the command. */
int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(struct ctl *c, int argc, char **argv);
    } commands[] = {{"check", s4uctl_check},
                    {"status", s4uctl_status},
                    {"list", s4uctl_list},
                    {"purge", cmd_purge},
                    {"refresh", s4uctl_refresh}};
    struct ctl c = {0};
    size_t i;
    int first, status = S4UCTL_USAGE;

    /*
     * See what pam_s4u_helper sees: it runs with an empty environment.  Our
     * own krb5 contexts are secure, but the one GSSAPI makes for S4U2self
     * reads KRB5_CONFIG, KRB5_TRACE and the like.  TZ goes too: times are
     * printed in the zone of /etc/localtime.
     */
    if (clearenv() != 0) {
        s4uctl_complain("cannot clear the environment");
        return S4UCTL_NOTHING;
    }
    c.service = S4UCTL_SERVICE;
    c.kinds = (1u << S4U_KDC_KINDS) - 1;
    c.margin = 3600;
    first = parse_options(&c, argc, argv);
    if (first < 0 || first >= argc) {
        usage(stderr);
        return S4UCTL_USAGE;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[first], commands[i].name) == 0)
            break;
    }
    if (i == sizeof(commands) / sizeof(commands[0])) {
        s4uctl_complain("unknown command %s", argv[first]);
        usage(stderr);
        return S4UCTL_USAGE;
    }
    status = commands[i].run(&c, argc - first - 1, argv + first + 1);
    fflush(stdout);
    fflush(stderr);
    if (c.abandoned) /* a thread still waits for the KDC: leave at once */
        _exit(status);
    ctl_free(&c);
    return status;
}
