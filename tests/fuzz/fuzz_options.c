/*
 * fuzz_options.c: s4u_options_load, the options loader: krb5.conf
 * [appdefaults] pam_s4u (per realm and global), the PAM arguments, and the
 * service file it reads to see whether Linux-PAM cut the line; then
 * s4u_options_request, which turns the options into a helper request.
 *
 * The input holds up to three parts, separated by NUL bytes: the whole
 * krb5.conf (read through a krb5 context, as the module's secure one does;
 * a krb5.conf the profile library refuses gives no context, as in the
 * module), the PAM arguments one a line, and the PAM service file (absent:
 * the module did not find it).  The files live in a private directory made
 * once per process.
 *
 * Loading never fails; every value is in range; helper= comes only from
 * the PAM line; the last usable PAM argument wins over krb5.conf; a second
 * load gives the same options; and the request is whole or empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#include <krb5/krb5.h>

#include "lib/s4u_options.h"
#include "tests/fuzz/fuzz.h"

#define ARGS_MAX 64

static char dir[64], conf_path[96], service_path[96];

/* Remove the files and the directory at exit. */
static void
remove_dir(void)
{
    (void)unlink(conf_path);    /* may be absent */
    (void)unlink(service_path); /* may be absent */
    if (rmdir(dir) != 0)
        perror(dir);
}

/*
 * The private directory, in memory if we can; krb5_init_context reads
 * krb5.conf from it (KRB5_CONFIG, set once here).
 */
static void
make_dir(void)
{
    const char *tmp = getenv("TMPDIR");

    if (tmp == NULL || *tmp == '\0' || strlen(tmp) >= 32)
        tmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    FUZZ_ASSERT(snprintf(dir, sizeof(dir), "%s/s4u-fuzz-opt.XXXXXX", tmp) <
                (int)sizeof(dir));
    FUZZ_ASSERT(mkdtemp(dir) != NULL);
    snprintf(conf_path, sizeof(conf_path), "%s/krb5.conf", dir);
    snprintf(service_path, sizeof(service_path), "%s/sshd", dir);
    FUZZ_ASSERT(setenv("KRB5_CONFIG", conf_path, 1) == 0);
    FUZZ_ASSERT(atexit(remove_dir) == 0);
}

/* The warnings: counted, and each must format. */
__attribute__((format(printf, 2, 3))) static void
count_warning(void *data, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    va_start(ap, fmt);
    FUZZ_ASSERT(vsnprintf(line, sizeof(line), fmt, ap) > 0);
    va_end(ap);
    (*(unsigned int *)data)++;
}

/* The PAM arguments: the lines of text, at most ARGS_MAX, none empty. */
static int
split_args(char *text, const char **argv)
{
    int argc = 0;
    char *line = text, *nl;

    while (line != NULL && *line != '\0' && argc < ARGS_MAX) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        if (*line != '\0')
            argv[argc++] = line;
        line = nl;
    }
    return argc;
}

/* The value of the last "name=VALUE" argument with VALUE non-empty. */
static const char *
last_string_arg(int argc, const char **argv, const char *name)
{
    size_t len = strlen(name);
    int i;

    for (i = argc - 1; i >= 0; i--) {
        if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=' &&
            argv[i][len + 1] != '\0')
            return argv[i] + len + 1;
    }
    return NULL;
}

/* Is there an argument "name" or "name=..." at all? */
static bool
has_arg(int argc, const char **argv, const char *name)
{
    size_t len = strlen(name);
    int i;

    for (i = 0; i < argc; i++) {
        if (strncmp(argv[i], name, len) == 0 &&
            (argv[i][len] == '=' || argv[i][len] == '\0'))
            return true;
    }
    return false;
}

/* Ranges, defaults and where helper= may come from. */
static void
check_values(const struct s4u_options *o)
{
    size_t i;

    FUZZ_ASSERT(o->minimum_uid >= 1 && o->minimum_uid <= 2147483647L);
    FUZZ_ASSERT(o->timeout >= 1 && o->timeout <= 300);
    FUZZ_ASSERT(o->max_parallel >= 1 && o->max_parallel <= S4U_PARALLEL_MAX);
    FUZZ_ASSERT(o->ccache != NULL && o->ccache[0] != '\0');
    FUZZ_ASSERT(o->helper != NULL && o->helper[0] != '\0');
    FUZZ_ASSERT(o->principal == NULL || o->principal[0] != '\0');
    FUZZ_ASSERT(o->keytab == NULL || o->keytab[0] != '\0');
    FUZZ_ASSERT(o->realm == NULL || o->realm[0] != '\0');
    FUZZ_ASSERT(o->source[S4U_OPT_HELPER] != S4U_SRC_APPDEFAULTS);
    if (o->source[S4U_OPT_HELPER] == S4U_SRC_DEFAULT)
        FUZZ_ASSERT(strcmp(o->helper, S4U_HELPER_PATH) == 0);
    for (i = 0; i < S4U_OPT_COUNT; i++)
        FUZZ_ASSERT(o->source[i] <= S4U_SRC_ARGUMENT);
}

/* The PAM line wins: a usable string argument is the value in effect. */
static void
check_precedence(const struct s4u_options *o, int argc, const char **argv)
{
    static const struct {
        enum s4u_option_id id;
        size_t offset;
    } strings[] = {
        {S4U_OPT_TARGETS, offsetof(struct s4u_options, targets)},
        {S4U_OPT_PRINCIPAL, offsetof(struct s4u_options, principal)},
        {S4U_OPT_KEYTAB, offsetof(struct s4u_options, keytab)},
        {S4U_OPT_REALM, offsetof(struct s4u_options, realm)},
        {S4U_OPT_CCACHE, offsetof(struct s4u_options, ccache)},
        {S4U_OPT_HELPER, offsetof(struct s4u_options, helper)},
    };
    const char *want, *got, *name;
    size_t i;

    for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        name = s4u_option_name(strings[i].id);
        want = last_string_arg(argc, argv, name);
        got =
            *(char *const *)(const void *)((const char *)o + strings[i].offset);
        if (want == NULL)
            continue;
        FUZZ_ASSERT(o->source[strings[i].id] == S4U_SRC_ARGUMENT);
        /* A targets= from a cut line may lose its cut last target. */
        if (strings[i].id == S4U_OPT_TARGETS)
            FUZZ_ASSERT(got == NULL || strncmp(want, got, strlen(got)) == 0);
        else
            FUZZ_ASSERT(fuzz_str_eq(want, got));
    }
    for (i = 0; i < S4U_OPT_COUNT; i++) {
        if (o->source[i] == S4U_SRC_ARGUMENT)
            FUZZ_ASSERT(has_arg(argc, argv, s4u_option_name(i)));
    }
}

/* Two loads of the same input give the same options. */
static bool
same_options(const struct s4u_options *a, const struct s4u_options *b)
{
    return a->debug == b->debug && a->fail_on_error == b->fail_on_error &&
           a->minimum_uid == b->minimum_uid && a->timeout == b->timeout &&
           a->max_parallel == b->max_parallel &&
           fuzz_str_eq(a->targets, b->targets) &&
           fuzz_str_eq(a->principal, b->principal) &&
           fuzz_str_eq(a->keytab, b->keytab) &&
           fuzz_str_eq(a->realm, b->realm) &&
           fuzz_str_eq(a->ccache, b->ccache) &&
           fuzz_str_eq(a->helper, b->helper) &&
           memcmp(a->source, b->source, sizeof(a->source)) == 0;
}

/* The request for alice: whole, or empty with a reason. */
static void
check_request(const struct s4u_options *o)
{
    struct s4u_request req;
    const char *why = "unset";
    size_t i;
    int ret;

    ret = s4u_options_request(o, "alice", 61001, 61001, NULL, &req, &why);
    FUZZ_ASSERT(ret == 0 || ret == EINVAL || ret == E2BIG ||
                ret == ENAMETOOLONG);
    if (ret != 0) {
        FUZZ_ASSERT(why != NULL);
        FUZZ_ASSERT(req.user == NULL && req.ccache == NULL &&
                    req.targets == NULL && req.ntargets == 0 &&
                    req.principal == NULL && req.keytab == NULL &&
                    req.realm == NULL);
        return;
    }
    FUZZ_ASSERT(why == NULL);
    FUZZ_ASSERT(fuzz_str_eq(req.user, "alice") && req.uid == 61001);
    FUZZ_ASSERT(req.timeout == (unsigned int)o->timeout);
    FUZZ_ASSERT(req.max_parallel == (unsigned int)o->max_parallel);
    FUZZ_ASSERT(req.ccache != NULL && strlen(req.ccache) < S4U_NAME_MAX);
    FUZZ_ASSERT(req.ntargets <= S4U_TARGETS_MAX);
    for (i = 0; i < req.ntargets; i++)
        FUZZ_ASSERT(s4u_principal_text_valid(req.targets[i], &why));
    FUZZ_ASSERT(fuzz_str_eq(req.principal, o->principal) &&
                fuzz_str_eq(req.keytab, o->keytab) &&
                fuzz_str_eq(req.realm, o->realm));
    s4u_request_free(&req);
}

/* Load the options as the module would: a context if krb5.conf parses. */
static void
load(struct s4u_options *o, int argc, const char **argv, const char *service,
     unsigned int *warnings)
{
    krb5_context ctx = NULL;

    if (krb5_init_context(&ctx) != 0)
        ctx = NULL;
    FUZZ_ASSERT(s4u_options_load(ctx, o, argc, argv, service, count_warning,
                                 warnings) == 0);
    if (ctx != NULL)
        krb5_free_context(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct s4u_options opts, again;
    const char *argv[ARGS_MAX], *service = NULL, *p, *end;
    char *args = NULL;
    unsigned int warnings = 0, warnings_again = 0;
    size_t left = size;
    int argc;

    if (dir[0] == '\0')
        make_dir();
    p = (const char *)data;
    end = memchr(p, '\0', left);
    fuzz_put_file(conf_path, p, end != NULL ? (size_t)(end - p) : left);
    if (end != NULL) {
        left -= (size_t)(end - p) + 1;
        p = end + 1;
        args = fuzz_cstr((const uint8_t *)p, left); /* up to the next NUL */
        end = memchr(p, '\0', left);
        fuzz_put_file(service_path, end != NULL ? end + 1 : NULL,
                      end != NULL ? left - (size_t)(end - p) - 1 : 0);
        service = end != NULL ? service_path : NULL;
    } else {
        args = fuzz_cstr(NULL, 0);
        fuzz_put_file(service_path, NULL, 0);
    }
    argc = split_args(args, argv);

    load(&opts, argc, argv, service, &warnings);
    check_values(&opts);
    check_precedence(&opts, argc, argv);
    load(&again, argc, argv, service, &warnings_again);
    FUZZ_ASSERT(same_options(&opts, &again) && warnings == warnings_again);
    check_request(&opts);
    s4u_options_free(&again);
    s4u_options_free(&opts);
    FUZZ_ASSERT(opts.ccache == NULL && opts.helper == NULL);
    free(args);
    return 0;
}
