/*
 * s4u_options.c: pam_s4u's configuration, and the request it makes.
 *
 * One table, one struct.  Values come, in increasing precedence, from the
 * built-in defaults, krb5.conf [appdefaults] pam_s4u (per realm first), and
 * the PAM arguments.  Unknown options and bad values are reported through
 * warn() and ignored, so a typo never locks anyone out.  This file knows
 * nothing of PAM, so s4uctl shows the same effective configuration, and
 * s4u_options_request turns it into the same request the module sends.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <krb5/krb5.h>
#include <profile.h>

#include "lib/s4u_options.h"
#include "lib/s4u_pamfile.h"
#include "lib/s4u_policy.h"

enum opt_type { OPT_BOOL, OPT_NUMBER, OPT_STRING };

struct opt_spec {
    const char *name;
    enum opt_type type;
    size_t offset;
    const char *def;  /* default as text; NULL: unset */
    long min, max;    /* for numbers */
    bool appdefaults; /* may come from krb5.conf [appdefaults] */
};

#define OFF(field) offsetof(struct s4u_options, field)

/*
 * In documentation order; indexed by enum s4u_option_id.  helper= names the
 * program the module runs as root: only the PAM line, which says which
 * module runs at all, may name it.
 */
static const struct opt_spec table[S4U_OPT_COUNT] = {
    [S4U_OPT_DEBUG] = {"debug", OPT_BOOL, OFF(debug), "false", 0, 0, true},
    [S4U_OPT_TARGETS] = {"targets", OPT_STRING, OFF(targets), NULL, 0, 0, true},
    [S4U_OPT_PRINCIPAL] = {"principal", OPT_STRING, OFF(principal), NULL, 0, 0,
                           true},
    [S4U_OPT_KEYTAB] = {"keytab", OPT_STRING, OFF(keytab), NULL, 0, 0, true},
    [S4U_OPT_REALM] = {"realm", OPT_STRING, OFF(realm), NULL, 0, 0, true},
    [S4U_OPT_CCACHE] = {"ccache", OPT_STRING, OFF(ccache),
                        "KEYRING:persistent:%{uid}", 0, 0, true},
    [S4U_OPT_MINIMUM_UID] = {"minimum_uid", OPT_NUMBER, OFF(minimum_uid),
                             "1000", 1, INT_MAX, true},
    [S4U_OPT_TIMEOUT] = {"timeout", OPT_NUMBER, OFF(timeout), "10", 1, 300,
                         true},
    [S4U_OPT_FAIL_ON_ERROR] = {"fail_on_error", OPT_BOOL, OFF(fail_on_error),
                               "false", 0, 0, true},
    [S4U_OPT_LOCAL_ACCOUNTS] = {"local_accounts", OPT_BOOL, OFF(local_accounts),
                                "false", 0, 0, true},
    [S4U_OPT_HOST_CACHE] = {"host_cache", OPT_STRING, OFF(host_cache),
                            S4U_HOST_CACHE_DIR, 0, 0, true},
    [S4U_OPT_MAX_PARALLEL] = {"max_parallel", OPT_NUMBER, OFF(max_parallel),
                              S4U_PARALLEL_DEFAULT_TEXT, 1, S4U_PARALLEL_MAX,
                              true},
    [S4U_OPT_HELPER] = {"helper", OPT_STRING, OFF(helper), S4U_HELPER_PATH, 0,
                        0, false},
    [S4U_OPT_POLICY] = {"policy", OPT_STRING, OFF(policy), S4U_POLICY_PATH, 0,
                        0, true},
    [S4U_OPT_NO_EXPIRY_NOTICE] = {"no_expiry_notice", OPT_BOOL,
                                  OFF(no_expiry_notice), "false", 0, 0, true},
};

/* The option's name, for messages and s4uctl. */
const char *
s4u_option_name(enum s4u_option_id id)
{
    return (unsigned int)id < S4U_OPT_COUNT ? table[id].name : "?";
}

/* The name of a value's source. */
const char *
s4u_source_name(enum s4u_source src)
{
    switch (src) {
    case S4U_SRC_APPDEFAULTS:
        return "krb5.conf [appdefaults]";
    case S4U_SRC_ARGUMENT:
        return "PAM argument";
    default:
        return "default";
    }
}

/*
 * Parse a boolean as MIT's profile library does (profile_get_boolean), in
 * any case, so a value means the same in krb5.conf and on the PAM line.
 */
static bool
parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"y", "yes", "true", "t", "1", "on"};
    static const char *const no[] = {"n", "no", "false", "nil", "0", "off"};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Store value into the option; false if the value is unusable. */
static bool
set_value(struct s4u_options *opts, const struct opt_spec *spec,
          const char *value)
{
    char *field = (char *)opts + spec->offset, *end, *copy;
    long num;

    switch (spec->type) {
    case OPT_BOOL:
        return parse_bool(value, (bool *)(void *)field);
    case OPT_NUMBER:
        errno = 0;
        num = strtol(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || num < spec->min ||
            num > spec->max)
            return false;
        *(long *)(void *)field = num;
        return true;
    case OPT_STRING:
        if (*value == '\0' || (spec->offset == OFF(host_cache) &&
                               *value != '/' && strcmp(value, "none") != 0))
            return false;
        copy = strdup(value);
        if (copy == NULL)
            return false;
        free(*(char **)(void *)field);
        *(char **)(void *)field = copy;
        return true;
    }
    return false;
}

/* Find an option by the name before '=' (or the whole argument). */
static const struct opt_spec *
find_option(const char *arg, size_t len)
{
    size_t i;

    for (i = 0; i < S4U_OPT_COUNT; i++) {
        if (strlen(table[i].name) == len &&
            strncmp(table[i].name, arg, len) == 0)
            return &table[i];
    }
    return NULL;
}

/* The realm= argument, if any, selects the appdefaults realm. */
static const char *
argument_realm(int argc, const char **argv)
{
    int i;

    for (i = argc - 1; i >= 0; i--) {
        if (strncmp(argv[i], "realm=", 6) == 0)
            return argv[i] + 6;
    }
    return NULL;
}

/* Apply one krb5.conf [appdefaults] value, if the option may come there. */
static void
apply_appdefault(struct s4u_options *opts, const struct opt_spec *spec,
                 const char *value, s4u_warn_fn *warn, void *data)
{
    if (!spec->appdefaults) {
        warn(data,
             "krb5.conf [appdefaults] pam_s4u: ignoring %s: the program "
             "pam_s4u runs as root is named on the pam_s4u.so line only; "
             "remove %s from krb5.conf and, to change it, add %s=PATH to "
             "the pam_s4u.so line of the PAM service file",
             spec->name, spec->name, spec->name);
        return;
    }
    if (!set_value(opts, spec, value)) {
        warn(data, "krb5.conf [appdefaults] pam_s4u: ignoring bad value for %s",
             spec->name);
        return;
    }
    opts->source[spec - table] = S4U_SRC_APPDEFAULTS;
}

/*
 * Read every option that krb5.conf [appdefaults] pam_s4u sets, through the
 * caller's context (NULL: no krb5.conf could be read; the caller said so).
 */
static void
load_appdefaults(krb5_context ctx, struct s4u_options *opts,
                 const char *realm_arg, s4u_warn_fn *warn, void *data)
{
    krb5_data realm = {0, 0, NULL};
    char *def_realm = NULL, *value;
    size_t i;

    if (ctx == NULL)
        return;
    if (realm_arg == NULL && krb5_get_default_realm(ctx, &def_realm) == 0)
        realm_arg = def_realm;
    if (realm_arg != NULL) {
        realm.data = (char *)realm_arg;
        realm.length = strlen(realm_arg);
    }
    for (i = 0; i < S4U_OPT_COUNT; i++) {
        value = NULL;
        krb5_appdefault_string(ctx, "pam_s4u", &realm, table[i].name, "",
                               &value);
        if (value != NULL && *value != '\0')
            apply_appdefault(opts, &table[i], value, warn, data);
        free(value);
    }
    krb5_free_default_realm(ctx, def_realm);
}

/* Apply one PAM argument: "name=value", or "name" for a boolean. */
static void
apply_argument(struct s4u_options *opts, const char *arg, s4u_warn_fn *warn,
               void *data)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
    const struct opt_spec *spec = find_option(arg, len);

    if (spec == NULL) {
        warn(data, "ignoring unknown option %.*s", (int)len, arg);
        return;
    }
    if (eq == NULL && spec->type != OPT_BOOL) {
        warn(data, "ignoring option %s without a value", spec->name);
        return;
    }
    if (!set_value(opts, spec, eq != NULL ? eq + 1 : "true")) {
        warn(data, "ignoring bad value for option %s", spec->name);
        return;
    }
    opts->source[spec - table] = S4U_SRC_ARGUMENT;
}

/*
 * Arguments this long may come from a line Linux-PAM cut: a cut line has
 * S4U_PAM_LINE_MAX characters, and its type, control and module path take
 * far fewer than half of them.  Shorter arguments skip reading the file.
 */
#define CUT_ARGS_MIN 512

/* What separates targets in targets= (as s4u_targets_parse splits them). */
#define TARGET_SEPARATORS ", \t\r\n"

/* The bytes of the arguments as Linux-PAM handed them over. */
static size_t
args_size(int argc, const char **argv)
{
    size_t total = 0;
    int i;

    for (i = 0; i < argc; i++)
        total += strlen(argv[i]) + 1;
    return total;
}

/* A line of the service file that was cut and delivered exactly argv. */
static const struct s4u_pam_line *
find_cut_line(const struct s4u_pam_line *lines, size_t n, int argc,
              const char **argv)
{
    size_t i, a;

    for (i = 0; i < n; i++) {
        if (lines[i].length <= S4U_PAM_LINE_MAX ||
            lines[i].argc != (size_t)argc)
            continue;
        for (a = 0; a < lines[i].argc; a++) {
            if (strcmp(lines[i].argv[a], argv[a]) != 0)
                break;
        }
        if (a == lines[i].argc)
            return &lines[i];
    }
    return NULL;
}

/* Does the delivered value end inside a target name of the whole value? */
static bool
ends_in_fragment(const char *value, const char *whole)
{
    size_t n = strlen(value);

    return n > 0 && strncmp(whole, value, n) == 0 && whole[n] != '\0' &&
           strchr(TARGET_SEPARATORS, whole[n]) == NULL &&
           strchr(TARGET_SEPARATORS, value[n - 1]) == NULL;
}

/* Drop the last target of opts->targets; says which, made safe to log. */
static void
drop_last_target(struct s4u_options *opts, char *frag, size_t size)
{
    size_t keep = strlen(opts->targets);

    while (keep > 0 &&
           strchr(TARGET_SEPARATORS, opts->targets[keep - 1]) == NULL)
        keep--;
    snprintf(frag, size, "%s", opts->targets + keep);
    s4u_escape_inplace(frag, size);
    if (keep > 0) {
        opts->targets[keep - 1] = '\0';
    } else {
        free(opts->targets);
        opts->targets = NULL;
    }
}

/*
 * Linux-PAM cut the line our arguments come from: say so, and if the cut
 * fell inside a target of the targets= in effect, ignore that fragment.
 */
static void
report_cut_line(struct s4u_options *opts, const struct s4u_pam_line *line,
                const char *last_arg, s4u_warn_fn *warn, void *data)
{
    char file[S4U_NAME_MAX], frag[S4U_NAME_MAX];

    snprintf(file, sizeof(file), "%s", line->file);
    s4u_escape_inplace(file, sizeof(file));
    if (line->cut_arg == NULL || strncmp(last_arg, "targets=", 8) != 0 ||
        strncmp(line->cut_arg, "targets=", 8) != 0 || opts->targets == NULL ||
        strcmp(opts->targets, last_arg + 8) != 0 ||
        !ends_in_fragment(opts->targets, line->cut_arg + 8)) {
        warn(data,
             "%s:%u: the pam_s4u.so line is %zu characters long, but "
             "Linux-PAM reads only the first %d and takes the rest for a "
             "line of its own; put long target lists in krb5.conf "
             "[appdefaults] pam_s4u",
             file, line->line, line->length, S4U_PAM_LINE_MAX);
        return;
    }
    drop_last_target(opts, frag, sizeof(frag));
    warn(data,
         "%s:%u: the pam_s4u.so line is %zu characters long, but Linux-PAM "
         "reads only the first %d and takes the rest for a line of its own: "
         "ignoring the cut last target \"%s\"; put long target lists in "
         "krb5.conf [appdefaults] pam_s4u",
         file, line->line, line->length, S4U_PAM_LINE_MAX, frag);
}

/*
 * Did Linux-PAM cut the line our targets= came from?  Only the service
 * file can tell: find the pam_s4u.so line there whose arguments, as
 * Linux-PAM delivers them, are ours, and see whether it is longer than
 * Linux-PAM reads.  A file that cannot be read delivered its line whole.
 */
static void
check_cut_line(struct s4u_options *opts, int argc, const char **argv,
               const char *service_file, s4u_warn_fn *warn, void *data)
{
    struct s4u_pam_line *lines = NULL;
    const struct s4u_pam_line *cut;
    const char *why = NULL;
    size_t n = 0;

    if (service_file == NULL || argc == 0 ||
        opts->source[S4U_OPT_TARGETS] != S4U_SRC_ARGUMENT ||
        args_size(argc, argv) < CUT_ARGS_MIN)
        return;
    if (s4u_pam_service_lines(service_file, &lines, &n, &why) != 0)
        return;
    cut = find_cut_line(lines, n, argc, argv);
    if (cut != NULL)
        report_cut_line(opts, cut, argv[argc - 1], warn, data);
    s4u_pam_lines_free(lines, n);
}

/*
 * Without ccache=, the host's cache type: krb5.conf's default_ccache_name,
 * read raw from the profile of the caller's context (never KRB5CCNAME, and
 * before any % expansion, which would use the caller's uid), when it names
 * a collection pam_s4u writes; else the persistent keyring
 * (s4u_ccache_from_host).  0 or ENOMEM.
 */
static int
choose_ccache(krb5_context ctx, struct s4u_options *opts)
{
    profile_t profile = NULL;
    char *value = NULL, *tmpl = NULL;
    int ret;

    if (opts->source[S4U_OPT_CCACHE] != S4U_SRC_DEFAULT) {
        opts->ccache_rule = S4U_CC_OPTION;
        return 0;
    }
    if (ctx != NULL && krb5_get_profile(ctx, &profile) == 0) {
        if (profile_get_string(profile, "libdefaults", "default_ccache_name",
                               NULL, NULL, &value) != 0)
            value = NULL;
        profile_release(profile);
    }
    ret = s4u_ccache_from_host(value, &tmpl, &opts->ccache_rule);
    if (ret == 0 && value != NULL &&
        (opts->host_ccache = strdup(value)) == NULL)
        ret = ENOMEM;
    if (ret == 0) {
        free(opts->ccache);
        opts->ccache = tmpl;
        tmpl = NULL;
    }
    free(tmpl);
    profile_release_string(value);
    return ret;
}

/*
 * Load the effective configuration; 0 or ENOMEM.  krb5.conf is read through
 * the caller's context, so the caller decides which krb5.conf that is (the
 * module and s4uctl use a secure context; NULL skips [appdefaults]).
 * service_file is the PAM service file argv came from, if known: it shows
 * whether Linux-PAM cut the line (NULL: take argv as whole).
 */
int
s4u_options_load(krb5_context ctx, struct s4u_options *opts, int argc,
                 const char **argv, const char *service_file, s4u_warn_fn *warn,
                 void *data)
{
    size_t i;
    int a;

    memset(opts, 0, sizeof(*opts));
    for (i = 0; i < S4U_OPT_COUNT; i++) {
        if (table[i].def != NULL && !set_value(opts, &table[i], table[i].def)) {
            s4u_options_free(opts);
            return ENOMEM;
        }
    }
    load_appdefaults(ctx, opts, argument_realm(argc, argv), warn, data);
    for (a = 0; a < argc; a++)
        apply_argument(opts, argv[a], warn, data);
    check_cut_line(opts, argc, argv, service_file, warn, data);
    if (choose_ccache(ctx, opts) != 0) {
        s4u_options_free(opts);
        return ENOMEM;
    }
    return 0;
}

/* Free the option strings. */
void
s4u_options_free(struct s4u_options *opts)
{
    free(opts->targets);
    free(opts->principal);
    free(opts->keytab);
    free(opts->realm);
    free(opts->ccache);
    free(opts->host_cache);
    free(opts->helper);
    free(opts->policy);
    free(opts->host_ccache);
    memset(opts, 0, sizeof(*opts));
}

/* Copy an optional string into a request field; 0 or ENOMEM. */
static int
copy_string(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    *dst = strdup(src);
    return *dst == NULL ? ENOMEM : 0;
}

/* The parts of a request that name the user: targets, cache, login name. */
static int
user_part(const struct s4u_options *opts, const char *user, uid_t uid,
          const char *targets_override, struct s4u_request *req,
          const char **why_out)
{
    int ret;

    if (!s4u_user_name_valid(user, why_out))
        return EINVAL;
    ret = s4u_targets_parse(targets_override != NULL ? targets_override
                                                     : opts->targets,
                            &req->targets, &req->ntargets, why_out);
    if (ret == 0)
        ret = s4u_ccache_expand(opts->ccache, user, uid, &req->ccache, why_out);
    if (ret == 0)
        ret = copy_string(&req->user, user);
    return ret;
}

/*
 * The request the options make for user (uid, gid): the one place where
 * options become a request, for the module and for s4uctl.  With user NULL,
 * only the host's part (principal, keytab, realm, timeout, host_cache,
 * max_parallel), as
 * s4uctl status checks it.  targets_override, in the syntax of targets=,
 * replaces targets= (s4uctl check's TARGET arguments).  No targets is no error:
 * the caller says what that means.  0, ENOMEM, or EINVAL/E2BIG/ENAMETOOLONG
 * with *why_out saying which value is wrong; on failure *req is empty.
 */
int
s4u_options_request(const struct s4u_options *opts, const char *user, uid_t uid,
                    gid_t gid, const char *targets_override,
                    struct s4u_request *req, const char **why_out)
{
    int ret = 0;

    *req = (struct s4u_request){0};
    *why_out = NULL;
    req->uid = uid;
    req->gid = gid;
    req->timeout = (unsigned int)opts->timeout;
    req->max_parallel = (unsigned int)opts->max_parallel;
    if (user != NULL)
        ret = user_part(opts, user, uid, targets_override, req, why_out);
    if (ret == 0)
        ret = copy_string(&req->principal, opts->principal);
    if (ret == 0)
        ret = copy_string(&req->keytab, opts->keytab);
    if (ret == 0)
        ret = copy_string(&req->realm, opts->realm);
    if (ret == 0 && opts->host_cache != NULL &&
        strcmp(opts->host_cache, "none") != 0)
        ret = copy_string(&req->host_cache, opts->host_cache);
    if (ret != 0)
        s4u_request_free(req);
    return ret;
}

/*
 * May pam_s4u impersonate this uid?  Never root, and never an account below
 * minimum_uid (system accounts).  The module and s4uctl check both ask here.
 */
bool
s4u_uid_allowed(const struct s4u_options *opts, uid_t uid)
{
    return uid != 0 && (long)uid >= opts->minimum_uid;
}

/*
 * Is user a local account: does the passwd file (/etc/passwd, NSS's
 * "files" source) hold an entry of that name?  getpwnam cannot say where
 * an entry came from, and with "files" first in nsswitch.conf a local
 * administrator hides the domain's Administrator.  0 with *local_out set,
 * or an errno value when the file cannot be read (the caller refuses).
 */
int
s4u_local_account(const char *passwd_path, const char *user, bool *local_out)
{
    struct passwd pw, *ent = NULL;
    char buf[4096];
    FILE *fp;
    int ret;

    *local_out = false;
    fp = fopen(passwd_path, "re");
    if (fp == NULL)
        return errno;
    while ((ret = fgetpwent_r(fp, &pw, buf, sizeof(buf), &ent)) == 0) {
        if (strcmp(ent->pw_name, user) == 0) {
            *local_out = true;
            break;
        }
    }
    fclose(fp);
    /* ERANGE: a line longer than buf; refuse rather than skip it. */
    return ret == 0 || ret == ENOENT ? 0 : ret;
}
