/*
 * test_options.c: defaults, krb5.conf [appdefaults], PAM arguments over
 * both, warnings, the 1 KiB line.
 *
 * Every test loads through a krb5 context on a krb5.conf of its own
 * (KRB5_CONFIG, read by krb5_init_context), never the machine's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/s4u_options.h"
#include "tests/tap.h"

static char warnings[4096];
static char conf_dir[] = "/tmp/test_options.XXXXXX";

/* Collect warnings so the tests can check their words. */
__attribute__((format(printf, 2, 3))) static void
collect(void *data, const char *fmt, ...)
{
    size_t len = strlen(warnings);
    va_list ap;

    (void)data;
    va_start(ap, fmt);
    vsnprintf(warnings + len, sizeof(warnings) - len, fmt, ap);
    va_end(ap);
    len = strlen(warnings);
    snprintf(warnings + len, sizeof(warnings) - len, "\n");
}

/* The test krb5.conf's path. */
static const char *
conf_path(void)
{
    static char path[sizeof(conf_dir) + 16];

    snprintf(path, sizeof(path), "%s/krb5.conf", conf_dir);
    return path;
}

/*
 * Load options from argv through a context on a krb5.conf holding
 * "[libdefaults] default_realm = EXAMPLE.TEST" and then appdefaults (a
 * whole [appdefaults] section, or ""), with argv from service_file (or
 * NULL), clearing the warnings first.
 */
static void
load_with(struct s4u_options *o, const char *appdefaults,
          const char *service_file, int argc, const char **argv)
{
    krb5_context ctx = NULL;
    FILE *f = fopen(conf_path(), "w");

    if (f == NULL ||
        fprintf(f, "[libdefaults]\n    default_realm = EXAMPLE.TEST\n%s\n",
                appdefaults) < 0 ||
        fclose(f) != 0 || setenv("KRB5_CONFIG", conf_path(), 1) != 0 ||
        krb5_init_context(&ctx) != 0)
        abort();
    warnings[0] = '\0';
    if (s4u_options_load(ctx, o, argc, argv, service_file, collect, NULL) != 0)
        abort();
    krb5_free_context(ctx);
}

/* Load options from argv and the given [appdefaults]. */
static void
load_conf(struct s4u_options *o, const char *appdefaults, int argc,
          const char **argv)
{
    load_with(o, appdefaults, NULL, argc, argv);
}

/* Load options from argv alone (a krb5.conf without [appdefaults]). */
static void
load(struct s4u_options *o, int argc, const char **argv)
{
    load_with(o, "", NULL, argc, argv);
}

static void
test_defaults(void)
{
    struct s4u_options o;

    load(&o, 0, NULL);
    ok(!o.debug, "debug off by default");
    is_long(o.minimum_uid, 1000, "minimum_uid defaults to 1000");
    is_long(o.timeout, 10, "timeout defaults to 10 s");
    is_str(o.ccache, "KEYRING:persistent:%{uid}", "ccache default");
    ok(o.targets == NULL && o.principal == NULL && o.keytab == NULL,
       "no targets, principal or keytab by default");
    ok(!o.fail_on_error, "fail_on_error off by default");
    is_str(o.helper, S4U_HELPER_PATH, "helper default");
    is_str(o.policy, "/etc/security/pam_s4u.conf", "policy default");
    ok(!o.no_expiry_notice, "the expiry notice is on by default");
    is_str(o.host_cache, S4U_HOST_CACHE_DIR, "host_cache default");
    is_long(o.source[S4U_OPT_TIMEOUT], S4U_SRC_DEFAULT, "source: default");
    is_str(warnings, "", "no warnings");
    s4u_options_free(&o);
}

static void
test_arguments(void)
{
    const char *argv[] = {"debug",
                          "targets=host/c,cifs/c",
                          "principal=host/b.example.test",
                          "keytab=/etc/other.keytab",
                          "realm=EXAMPLE.TEST",
                          "ccache=KEYRING:user:%{uid}",
                          "minimum_uid=5000",
                          "timeout=3",
                          "fail_on_error"};
    struct s4u_options o;

    load(&o, 9, argv);
    ok(o.debug, "debug");
    is_str(o.targets, "host/c,cifs/c", "targets");
    is_str(o.principal, "host/b.example.test", "principal");
    is_str(o.keytab, "/etc/other.keytab", "keytab");
    is_str(o.realm, "EXAMPLE.TEST", "realm");
    is_str(o.ccache, "KEYRING:user:%{uid}", "ccache");
    is_long(o.minimum_uid, 5000, "minimum_uid");
    is_long(o.timeout, 3, "timeout");
    ok(o.fail_on_error, "fail_on_error");
    is_long(o.source[S4U_OPT_TARGETS], S4U_SRC_ARGUMENT, "source: argument");
    is_str(warnings, "", "no warnings");
    s4u_options_free(&o);
}

static void
test_bad_arguments(void)
{
    const char *argv[] = {"nosuchoption=1", "timeout=0",      "timeout=abc",
                          "minimum_uid=0",  "minimum_uid=-5", "debug=maybe",
                          "targets",        "keytab=",        "timeout=99999"};
    struct s4u_options o;

    load(&o, 9, argv);
    ok(strstr(warnings, "unknown option nosuchoption") != NULL,
       "unknown option is named");
    ok(strstr(warnings, "bad value for option timeout") != NULL,
       "bad timeout is named");
    ok(strstr(warnings, "bad value for option minimum_uid") != NULL,
       "minimum_uid=0 is refused (root is never impersonated)");
    ok(strstr(warnings, "option targets without a value") != NULL,
       "targets without value");
    is_long(o.timeout, 10, "bad values keep the default timeout");
    is_long(o.minimum_uid, 1000, "bad values keep the default minimum_uid");
    ok(o.keytab == NULL, "empty keytab= is ignored");
    s4u_options_free(&o);
    {
        const char *hc[] = {"host_cache=relative/dir"};
        const char *none[] = {"host_cache=none"};
        struct s4u_request req;
        const char *why;

        load(&o, 1, hc);
        ok(strstr(warnings, "bad value for option host_cache") != NULL,
           "a relative host_cache= is refused");
        is_str(o.host_cache, S4U_HOST_CACHE_DIR, "and the default kept");
        s4u_options_free(&o);
        load(&o, 1, none);
        ok(s4u_options_request(&o, NULL, 0, 0, NULL, &req, &why) == 0 &&
               req.host_cache == NULL,
           "host_cache=none: the request keeps nothing");
        s4u_request_free(&req);
    }
    ok(!o.debug, "debug=maybe is ignored");
    s4u_options_free(&o);
}

/* --- lines Linux-PAM cut --- */

#define PREFIX "session optional pam_s4u.so "
#define NAME_LEN 22 /* "host/tNNN.example.test" */

/* A service file in the test directory holding text; returns its path. */
static const char *
service(const char *text)
{
    static char path[sizeof(conf_dir) + 16];
    FILE *f;

    snprintf(path, sizeof(path), "%s/svc", conf_dir);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
    return path;
}

/*
 * A pam_s4u.so line of ntargets 22-character targets after a principal=
 * of pad letters: "PREFIX principal=host/bbb.example.test targets=host/
 * t000.example.test,...", and a newline.
 */
static void
long_line(char *buf, size_t size, int pad, int ntargets)
{
    size_t len;
    int i;

    len = (size_t)snprintf(
        buf, size,
        PREFIX "principal=host/%.*s.example.test"
               " targets=",
        pad, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    for (i = 0; i < ntargets && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len,
                                "%shost/t%03d.example.test", i ? "," : "", i);
    if (len < size)
        snprintf(buf + len, size - len, "\n");
}

/*
 * A line longer than Linux-PAM reads whose character 1023 (the first one
 * lost) is at offset off (0..22) of a target and its comma: 0..21 inside
 * the name, 22 the comma after it.
 */
static void
cut_line(char *buf, size_t size, int off)
{
    /* PREFIX, "principal=host/", ".example.test targets=": 65 characters */
    int pad =
        ((1023 - 65 - off) % (NAME_LEN + 1) + NAME_LEN + 1) % (NAME_LEN + 1) +
        NAME_LEN + 1;

    long_line(buf, size, pad, 48);
}

/*
 * The arguments Linux-PAM delivers for line: the words of its first 1023
 * characters after type, control and module.  Returns argc.
 */
static int
delivered(const char *line, char *buf, size_t size, const char **argv, int max)
{
    char *tok, *save = NULL;
    int n = 0, words = 0;

    snprintf(buf, size, "%.1023s", line);
    buf[strcspn(buf, "\n")] = '\0';
    for (tok = strtok_r(buf, " ", &save); tok != NULL && n < max;
         tok = strtok_r(NULL, " ", &save)) {
        if (++words > 3)
            argv[n++] = tok;
    }
    return n;
}

/*
 * A 1003-character line arrives whole: its 976 bytes of arguments are more
 * than the old 960-byte guess, and every target stays.
 */
static void
test_whole_long_line(void)
{
    char line[2048], buf[2048];
    const char *argv[8];
    struct s4u_options o;
    const char *file;
    int argc;

    long_line(line, sizeof(line), 19, 40);
    is_long(strlen(line), 1003 + 1, "a 1003-character line");
    file = service(line);
    argc = delivered(line, buf, sizeof(buf), argv, 8);
    is_long(argc, 2, "with two arguments");
    ok(strlen(argv[0]) + strlen(argv[1]) + 2 >= 960, "of at least 960 bytes");
    load_with(&o, "", file, argc, argv);
    is_str(o.targets, argv[1] + 8, "all 40 targets are kept");
    is_str(warnings, "", "and nothing is said");
    s4u_options_free(&o);
}

/* A line over 1023 characters cut inside a target: that fragment is dropped. */
static void
test_cut_inside_target(void)
{
    char line[2048], buf[2048], want[2048];
    const char *argv[8], *file, *last;
    struct s4u_options o;
    int argc;

    cut_line(line, sizeof(line), 9);
    file = service(line);
    argc = delivered(line, buf, sizeof(buf), argv, 8);
    last = strrchr(argv[argc - 1], ',') + 1;
    is_str(last, "host/t040", "Linux-PAM delivers a fragment of a target");
    snprintf(want, sizeof(want), "%.*s", (int)(last - 1 - (argv[1] + 8)),
             argv[1] + 8);
    load_with(&o, "", file, argc, argv);
    is_str(o.targets, want, "the fragment is dropped, the rest kept");
    ok(strstr(warnings, "/svc:1: the pam_s4u.so line is") != NULL &&
           strstr(warnings, "ignoring the cut last target \"host/t040\"") !=
               NULL &&
           strstr(warnings, "krb5.conf [appdefaults] pam_s4u") != NULL,
       "the warning names the line, the fragment and the fix");
    s4u_options_free(&o);

    load_with(&o, "", NULL, argc, argv);
    is_str(o.targets, argv[1] + 8,
           "without the service file, nothing is dropped");
    is_str(warnings, "", "nor said");
    s4u_options_free(&o);
    load_with(&o, "", "/nonexistent/pam.d/svc", argc, argv);
    is_str(o.targets, argv[1] + 8,
           "nor with a service file that cannot be read");
    s4u_options_free(&o);
    load_with(&o, "", service("session optional pam_s4u.so targets=x\n"), argc,
              argv);
    is_str(o.targets, argv[1] + 8,
           "nor when no line of the file delivered our arguments");
    s4u_options_free(&o);
}

/* A cut at a comma loses whole targets only: none of ours is dropped. */
static void
test_cut_between_targets(void)
{
    char line[2048], buf[2048];
    const char *argv[8], *file;
    struct s4u_options o;
    int argc, off;

    for (off = 0; off <= NAME_LEN; off += NAME_LEN) {
        cut_line(line, sizeof(line), off);
        file = service(line);
        argc = delivered(line, buf, sizeof(buf), argv, 8);
        load_with(&o, "", file, argc, argv);
        is_str(o.targets, argv[1] + 8,
               off == 0 ? "a cut just after a comma drops nothing"
                        : "a cut just before a comma drops nothing");
        ok(strstr(warnings, "reads only the first 1023 and takes the rest "
                            "for a line of its own; put long target") != NULL,
           "but the cut is reported");
        s4u_options_free(&o);
    }
}

/* Targets from krb5.conf: the PAM line's length does not matter to them. */
static void
test_cut_targets_elsewhere(void)
{
    char line[2048], buf[2048];
    const char *argv[8], *file;
    struct s4u_options o;
    int argc;

    cut_line(line, sizeof(line), 9);
    file = service(line);
    argc = delivered(line, buf, sizeof(buf), argv, 8);
    argv[1] = "debug"; /* no targets= on the line */
    load_with(
        &o,
        "[appdefaults]\n    pam_s4u = {\n        targets = host/a,host/b\n"
        "    }\n",
        file, argc, argv);
    is_str(o.targets, "host/a,host/b", "targets from [appdefaults] stay");
    is_str(warnings, "", "and the file is not read");
    s4u_options_free(&o);
}

/* [appdefaults] pam_s4u, the realm's block first, and arguments over it. */
static void
test_appdefaults(void)
{
    static const char conf[] = "[appdefaults]\n"
                               "    pam_s4u = {\n"
                               "        OTHER.TEST = {\n"
                               "            timeout = 3\n"
                               "        }\n"
                               "        EXAMPLE.TEST = {\n"
                               "            targets = cifs/c.example.test\n"
                               "        }\n"
                               "        targets = host/c.example.test\n"
                               "        timeout = 7\n"
                               "        minimum_uid = 2000\n"
                               "    }\n";
    const char *argv[] = {"minimum_uid=3000"};
    const char *other[] = {"realm=OTHER.TEST"};
    struct s4u_options o;

    load_conf(&o, conf, 1, argv);
    is_str(o.targets, "cifs/c.example.test",
           "the default realm's block wins within [appdefaults]");
    is_long(o.source[S4U_OPT_TARGETS], S4U_SRC_APPDEFAULTS,
            "source: krb5.conf [appdefaults]");
    is_long(o.timeout, 7, "a value from [appdefaults]");
    is_long(o.minimum_uid, 3000, "a PAM argument wins over [appdefaults]");
    is_long(o.source[S4U_OPT_MINIMUM_UID], S4U_SRC_ARGUMENT,
            "and its source is the argument");
    is_str(warnings, "", "no warnings");
    s4u_options_free(&o);

    load_conf(&o, conf, 1, other);
    is_long(o.timeout, 3, "realm= selects the realm's block");
    is_str(o.targets, "host/c.example.test",
           "and the general block fills in the rest");
    s4u_options_free(&o);

    load_conf(&o,
              "[appdefaults]\n    pam_s4u = {\n        timeout = 0\n"
              "    }\n",
              0, NULL);
    ok(strstr(warnings, "[appdefaults] pam_s4u: ignoring bad value for "
                        "timeout") != NULL,
       "a bad [appdefaults] value is named");
    is_long(o.timeout, 10, "and the default is kept");
    s4u_options_free(&o);
}

/*
 * max_parallel=: 6 by default (a default MIT KDC's TCP backlog), 1 to 32
 * from the PAM line or [appdefaults], and carried in the request.
 */
static void
test_max_parallel(void)
{
    const char *arg[] = {"max_parallel=16"};
    const char *bad[] = {"max_parallel=0", "max_parallel=33", "max_parallel=x"};
    struct s4u_options o;
    struct s4u_request req;
    const char *why;

    load(&o, 0, NULL);
    is_long(o.max_parallel, S4U_PARALLEL_DEFAULT, "max_parallel defaults to 6");
    ok(s4u_options_request(&o, NULL, 0, 0, NULL, &req, &why) == 0 &&
           req.max_parallel == 6,
       "the request carries the default");
    s4u_request_free(&req);
    s4u_options_free(&o);

    load(&o, 1, arg);
    is_long(o.max_parallel, 16, "max_parallel from the PAM line");
    ok(s4u_options_request(&o, NULL, 0, 0, NULL, &req, &why) == 0 &&
           req.max_parallel == 16,
       "and in the request");
    s4u_request_free(&req);
    s4u_options_free(&o);

    load(&o, 3, bad);
    ok(strstr(warnings, "bad value for option max_parallel") != NULL,
       "max_parallel outside 1..32 is refused");
    is_long(o.max_parallel, 6, "and the default kept");
    s4u_options_free(&o);

    load_conf(&o,
              "[appdefaults]\n    pam_s4u = {\n        max_parallel = 32\n"
              "    }\n",
              0, NULL);
    is_long(o.max_parallel, 32, "max_parallel from [appdefaults]");
    is_long(o.source[S4U_OPT_MAX_PARALLEL], S4U_SRC_APPDEFAULTS,
            "source: krb5.conf [appdefaults]");
    s4u_options_free(&o);
}

/* policy= and no_expiry_notice, from krb5.conf and from the PAM line. */
static void
test_policy_options(void)
{
    const char *argv[] = {"no_expiry_notice"};
    const char *path[] = {"policy=/etc/security/jump.conf"};
    struct s4u_options o;

    load_conf(&o,
              "[appdefaults]\n    pam_s4u = {\n"
              "        policy = /etc/security/ops.conf\n"
              "        no_expiry_notice = true\n    }\n",
              0, NULL);
    is_str(o.policy, "/etc/security/ops.conf", "policy from [appdefaults]");
    is_long(o.source[S4U_OPT_POLICY], S4U_SRC_APPDEFAULTS,
            "its source: not the default, so a missing file grants nothing");
    ok(o.no_expiry_notice, "no_expiry_notice from [appdefaults]");
    s4u_options_free(&o);
    load(&o, 1, path);
    is_str(o.policy, "/etc/security/jump.conf", "policy= on the PAM line");
    is_long(o.source[S4U_OPT_POLICY], S4U_SRC_ARGUMENT, "source: argument");
    s4u_options_free(&o);
    load(&o, 1, argv);
    ok(o.no_expiry_notice, "no_expiry_notice on the PAM line");
    is_str(warnings, "", "no warnings");
    s4u_options_free(&o);
}

/*
 * Booleans take every spelling of MIT's profile library, in any case, from
 * krb5.conf and from PAM arguments alike.
 */
static void
test_booleans(void)
{
    static const char *const yes[] = {"y", "yes", "true", "t", "1", "on",
                                      "Y", "YES", "True", "T", "On"};
    static const char *const no[] = {"n", "no", "false", "nil", "0",  "off",
                                     "N", "NO", "False", "NIL", "Off"};
    char conf[256], arg[64];
    const char *argv[] = {arg};
    struct s4u_options o;
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        snprintf(conf, sizeof(conf),
                 "[appdefaults]\n    pam_s4u = {\n        debug = %s\n"
                 "    }\n",
                 yes[i]);
        load_conf(&o, conf, 0, NULL);
        ok(o.debug && o.source[S4U_OPT_DEBUG] == S4U_SRC_APPDEFAULTS &&
               warnings[0] == '\0',
           "[appdefaults] debug = %s is true", yes[i]);
        s4u_options_free(&o);
        snprintf(arg, sizeof(arg), "fail_on_error=%s", yes[i]);
        load(&o, 1, argv);
        ok(o.fail_on_error && warnings[0] == '\0', "argument %s is true", arg);
        s4u_options_free(&o);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        snprintf(conf, sizeof(conf),
                 "[appdefaults]\n    pam_s4u = {\n        debug = %s\n"
                 "    }\n",
                 no[i]);
        load_conf(&o, conf, 0, NULL);
        ok(!o.debug && o.source[S4U_OPT_DEBUG] == S4U_SRC_APPDEFAULTS &&
               warnings[0] == '\0',
           "[appdefaults] debug = %s is false", no[i]);
        s4u_options_free(&o);
    }
}

/* helper= names a root-run program: the PAM line only, never krb5.conf. */
static void
test_helper_not_from_krb5_conf(void)
{
    static const char conf[] = "[appdefaults]\n"
                               "    pam_s4u = {\n"
                               "        helper = /tmp/not-the-helper\n"
                               "        timeout = 5\n"
                               "    }\n";
    const char *argv[] = {"helper=/opt/s4u/pam_s4u_helper"};
    struct s4u_options o;

    load_conf(&o, conf, 0, NULL);
    is_str(o.helper, S4U_HELPER_PATH, "helper= in [appdefaults] is ignored");
    is_long(o.source[S4U_OPT_HELPER], S4U_SRC_DEFAULT,
            "the helper's source stays the default");
    ok(strstr(warnings, "[appdefaults] pam_s4u: ignoring helper") != NULL &&
           strstr(warnings, "add helper=PATH to the pam_s4u.so line") != NULL,
       "the warning names the option and the fix");
    ok(strstr(warnings, "/tmp/not-the-helper") == NULL,
       "the warning does not repeat the ignored path");
    is_long(o.timeout, 5, "the other [appdefaults] values still apply");
    s4u_options_free(&o);

    load_conf(&o, conf, 1, argv);
    is_str(o.helper, "/opt/s4u/pam_s4u_helper", "helper= on the PAM line");
    is_long(o.source[S4U_OPT_HELPER], S4U_SRC_ARGUMENT,
            "comes from the PAM argument");
    s4u_options_free(&o);
}

/* The request for a login: every field from the options and the user. */
static void
test_request(void)
{
    const char *argv[] = {"targets=host/c.example.test,cifs/c.example.test",
                          "principal=host/b.example.test",
                          "keytab=FILE:/etc/b.keytab",
                          "realm=EXAMPLE.TEST",
                          "ccache=FILE:/tmp/krb5cc_%{username}_%{uid}",
                          "timeout=7"};
    struct s4u_options o;
    struct s4u_request req;
    const char *why = "unset";

    load(&o, 6, argv);
    ok(s4u_options_request(&o, "alice", 61001, 61000, NULL, &req, &why) == 0 &&
           why == NULL,
       "a request for alice");
    is_str(req.user, "alice", "request: user");
    is_long(req.uid, 61001, "request: uid");
    is_long(req.gid, 61000, "request: gid");
    is_long(req.ntargets, 2, "request: two targets");
    if (req.ntargets == 2) {
        is_str(req.targets[0], "host/c.example.test", "request: target 1");
        is_str(req.targets[1], "cifs/c.example.test", "request: target 2");
    }
    is_str(req.ccache, "FILE:/tmp/krb5cc_alice_61001",
           "request: the cache template expanded");
    is_str(req.principal, "host/b.example.test", "request: principal");
    is_str(req.keytab, "FILE:/etc/b.keytab", "request: keytab");
    is_str(req.realm, "EXAMPLE.TEST", "request: realm");
    is_long(req.timeout, 7, "request: timeout");
    s4u_request_free(&req);

    ok(s4u_options_request(&o, "bob", 61002, 61002, "HTTP/w.example.test", &req,
                           &why) == 0 &&
           req.ntargets == 1 &&
           strcmp(req.targets[0], "HTTP/w.example.test") == 0,
       "targets_override replaces targets=");
    s4u_request_free(&req);

    ok(s4u_options_request(&o, NULL, 0, 0, NULL, &req, &why) == 0 &&
           req.user == NULL && req.ntargets == 0 && req.ccache == NULL &&
           req.principal != NULL && req.keytab != NULL && req.realm != NULL &&
           req.timeout == 7,
       "without a user: the host's part only");
    s4u_request_free(&req);
    s4u_options_free(&o);
}

/* Each value the request cannot be made from is named; nothing is kept. */
static void
test_request_refused(void)
{
    const char *bad_target[] = {"targets=host/c.example.test,host/\x01"
                                "bad"};
    const char *bad_ccache[] = {"targets=host/c", "ccache=KEYRING:%x"};
    struct s4u_options o;
    struct s4u_request req;
    const char *why;

    load(&o, 1, bad_target);
    ok(s4u_options_request(&o, "alice", 61001, 61001, NULL, &req, &why) ==
               EINVAL &&
           why != NULL && req.targets == NULL && req.user == NULL,
       "a bad target is refused");
    ok(s4u_options_request(&o, "alice", 61001, 61001, "host/ok", &req, &why) ==
           0,
       "unless TARGET arguments replace targets=");
    s4u_request_free(&req);
    s4u_options_free(&o);

    load(&o, 2, bad_ccache);
    ok(s4u_options_request(&o, "alice", 61001, 61001, NULL, &req, &why) ==
               EINVAL &&
           why != NULL && strstr(why, "ccache=") != NULL && req.ccache == NULL,
       "a bad ccache= template is refused");
    ok(s4u_options_request(&o, "alice/admin", 61001, 61001, NULL, &req, &why) ==
               EINVAL &&
           why != NULL && strstr(why, "instance") != NULL,
       "a user name that is not a plain login name is refused");
    s4u_options_free(&o);

    load(&o, 0, NULL);
    ok(s4u_options_request(&o, "alice", 61001, 61001, NULL, &req, &why) == 0 &&
           req.ntargets == 0 && req.targets == NULL,
       "no targets is no error");
    s4u_request_free(&req);
    s4u_options_free(&o);
}

/*
 * Without ccache=, the cache type follows krb5.conf's default_ccache_name
 * when it names a collection; ccache= wins; KRB5CCNAME never counts.
 */
static void
test_host_ccache(void)
{
    const char *arg[] = {"ccache=KEYRING:user:%{uid}"};
    struct s4u_options o;

    setenv("KRB5CCNAME", "KCM:", 1);
    load(&o, 0, NULL);
    is_str(o.ccache, "KEYRING:persistent:%{uid}",
           "no default_ccache_name: the keyring (KRB5CCNAME=KCM: ignored)");
    is_long(o.ccache_rule, S4U_CC_UNSET, "rule: unset");
    ok(o.host_ccache == NULL, "nothing read from krb5.conf");
    s4u_options_free(&o);
    unsetenv("KRB5CCNAME");

    load_conf(&o, "    default_ccache_name = KCM:\n", 0, NULL);
    is_str(o.ccache, "KCM:", "default_ccache_name = KCM: gives KCM:");
    is_long(o.ccache_rule, S4U_CC_HOST, "rule: the host's default");
    is_str(o.host_ccache, "KCM:", "what krb5.conf said is kept");
    s4u_options_free(&o);

    load_conf(&o, "    default_ccache_name = FILE:/tmp/krb5cc_%{uid}\n", 0,
              NULL);
    is_str(o.ccache, "KEYRING:persistent:%{uid}",
           "a FILE default: the keyring");
    is_long(o.ccache_rule, S4U_CC_HOST_FILE, "rule: the host's is a FILE");
    s4u_options_free(&o);

    load_conf(&o, "    default_ccache_name = KCM:\n", 1, arg);
    is_str(o.ccache, "KEYRING:user:%{uid}", "ccache= wins over the host's");
    is_long(o.ccache_rule, S4U_CC_OPTION, "rule: ccache=");
    s4u_options_free(&o);

    load_conf(&o,
              "    default_ccache_name = KCM:\n[appdefaults]\n"
              "    pam_s4u = {\n        ccache = DIR:/run/cc_%{uid}\n    }\n",
              0, NULL);
    is_str(o.ccache, "DIR:/run/cc_%{uid}", "so does ccache= in [appdefaults]");
    is_long(o.ccache_rule, S4U_CC_OPTION, "rule: ccache= there too");
    s4u_options_free(&o);
}

/* Without a krb5 context, the defaults and the arguments still apply. */
static void
test_no_context(void)
{
    const char *argv[] = {"timeout=4"};
    struct s4u_options o;

    warnings[0] = '\0';
    ok(s4u_options_load(NULL, &o, 1, argv, NULL, collect, NULL) == 0,
       "loads without a krb5 context");
    is_long(o.timeout, 4, "with the arguments");
    is_str(o.ccache, "KEYRING:persistent:%{uid}", "and the defaults");
    s4u_options_free(&o);
}

/* Local accounts: exactly the names the passwd file holds. */
static void
test_local_account(void)
{
    char path[sizeof(conf_dir) + 16];
    bool local = true;
    FILE *f;

    snprintf(path, sizeof(path), "%s/passwd", conf_dir);
    f = fopen(path, "w");
    if (f == NULL)
        abort();
    fputs("root:x:0:0:root:/root:/bin/bash\n"
          "administrator:x:1001:1001::/home/administrator:/bin/bash\n",
          f);
    fclose(f);
    ok(s4u_local_account(path, "administrator", &local) == 0 && local,
       "an /etc/passwd entry is a local account");
    ok(s4u_local_account(path, "admin", &local) == 0 && !local,
       "a prefix of one is not");
    ok(s4u_local_account(path, "alice@ad.example.com", &local) == 0 && !local,
       "a name the file does not hold is not");
    ok(s4u_local_account("/nonexistent/passwd", "alice", &local) == ENOENT &&
           !local,
       "an unreadable file is an error, never \"not local\"");
    unlink(path);
}

int
main(void)
{
    if (mkdtemp(conf_dir) == NULL)
        abort();
    test_defaults();
    test_arguments();
    test_bad_arguments();
    test_whole_long_line();
    test_cut_inside_target();
    test_cut_between_targets();
    test_cut_targets_elsewhere();
    test_appdefaults();
    test_max_parallel();
    test_policy_options();
    test_booleans();
    test_helper_not_from_krb5_conf();
    test_no_context();
    test_host_ccache();
    test_request();
    test_request_refused();
    test_local_account();
    is_str(s4u_option_name(S4U_OPT_CCACHE), "ccache", "option names");
    unlink(conf_path());
    unlink(service(""));
    rmdir(conf_dir);
    return tap_done();
}
