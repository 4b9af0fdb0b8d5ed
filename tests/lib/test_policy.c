/*
 * test_policy.c: pam_s4u.conf(5) parsed and evaluated (s4u_policy.c), with
 * group membership from a table; the file checks of s4u_policy_file.c on
 * files whose owner and place the test controls.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/s4u_policy.h"
#include "tests/tap.h"

/* alice is in ops, bob in web and ops2; "broken" fails the lookup. */
static int
member(void *data, const char *group, bool *member_out)
{
    const char *user = data;

    *member_out = false;
    if (strcmp(group, "broken") == 0)
        return EIO;
    if (strcmp(group, "ops") == 0)
        *member_out = strcmp(user, "alice") == 0;
    if (strcmp(group, "web") == 0 || strcmp(group, "ops2") == 0)
        *member_out = strcmp(user, "bob") == 0;
    return 0;
}

/* The grants of text for user as "target@line ...", or "ERR n line why". */
static const char *
grants(const char *text, const char *user)
{
    static char buf[4096];
    struct s4u_policy p;
    struct s4u_grants g;
    const char *why = NULL;
    unsigned int line = 0;
    size_t i, len = 0;
    int ret;

    buf[0] = '\0';
    ret = s4u_policy_parse(text, strlen(text), &p, &line, &why);
    if (ret != 0) {
        snprintf(buf, sizeof(buf), "ERR %d %u %s", ret, line, why);
        return buf;
    }
    ret = s4u_policy_grants(&p, user, member, (void *)user, &g, &line, &why);
    s4u_policy_free(&p);
    if (ret != 0) {
        snprintf(buf, sizeof(buf), "ERR %d %u %s", ret, line, why);
        return buf;
    }
    for (i = 0; i < g.n && len < sizeof(buf); i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s@%u",
                                i > 0 ? " " : "", g.targets[i], g.lines[i]);
    s4u_grants_free(&g);
    return buf;
}

static const char example[] =
    "# who        targets\n"
    "@ops         host/db1.example.com  postgres/db1.example.com\n"
    "@web         HTTP/web.example.com   # the web farm\n"
    "\n"
    "   alice     cifs/files.example.com,host/db1.example.com\n"
    "*            host/bastion2.example.com\n";

static void
test_union(void)
{
    is_str(grants(example, "alice"),
           "host/db1.example.com@2 postgres/db1.example.com@2 "
           "cifs/files.example.com@5 host/bastion2.example.com@6",
           "alice: her group's, her own line's and *'s, first line kept");
    is_str(grants(example, "bob"),
           "HTTP/web.example.com@3 host/bastion2.example.com@6",
           "bob: web and *");
    is_str(grants(example, "carol"), "host/bastion2.example.com@6",
           "carol: only *");
    is_str(grants("# nothing\n\n", "alice"), "",
           "a file of comments grants "
           "nothing");
    is_str(grants("", "alice"), "", "an empty file grants nothing");
    is_str(grants("alicex host/a\nalic host/b\n", "alice"), "",
           "a user line matches the whole name only");
    is_str(grants("ops host/a\n", "alice"), "",
           "a name without @ is a user, not a group");
    is_str(grants("@broken host/a\n* host/b\n", "alice"),
           "ERR 5 1 cannot look up the group's members",
           "a failed group lookup grants nothing at all");
    is_str(grants("* host/b\n", "alice"), "host/b@1",
           "no group rule: no lookup");
}

static void
test_errors(void)
{
    is_str(grants("* host/a\nalice\n", "alice"),
           "ERR 22 2 a rule names no target", "a rule without targets");
    is_str(grants("* host/a\n@ host/b\n", "alice"),
           "ERR 22 2 a group name is missing or invalid after '@'", "@ alone");
    is_str(grants("*x host/a\n", "alice"),
           "ERR 22 1 the first field must be a user name, @group or *",
           "*x is no pattern");
    ok(strncmp(grants("* host/a\n\n* host/b\x7f\n", "alice"), "ERR 22 3 ", 9) ==
           0,
       "a bad target: the line is named");
    ok(strncmp(grants("alice host/\x01x\n", "alice"), "ERR 22 1 ", 9) == 0,
       "a control character in a target");
    ok(strncmp(grants("al\x1bice host/a\n", "alice"), "ERR 22 1 ", 9) == 0,
       "a control character in a name");
    ok(strncmp(grants("al\xff host/a\n", "alice"), "ERR 22 1 ", 9) == 0,
       "invalid UTF-8 in a name");
    is_str(grants("# a comment\nalice host/a # host/b\n", "alice"), "host/a@2",
           "a comment at the end of a rule");
}

/* n distinct targets for who, on one line each or on one line. */
static char *
many(const char *who, size_t n, bool one_line)
{
    size_t size = n * 40 + 64, len = 0, i;
    char *text = malloc(size);

    if (text == NULL)
        abort();
    if (one_line)
        len += (size_t)snprintf(text, size, "%s", who);
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, size - len, "%s%s host/t%zu",
                                one_line || i == 0 ? "" : "\n",
                                one_line ? "" : who, i);
    return text;
}

static void
test_limits(void)
{
    char *text;
    struct s4u_policy p;
    const char *why = NULL;
    unsigned int line = 0;

    text = many("*", S4U_TARGETS_MAX, false);
    ok(strncmp(grants(text, "alice"), "host/t0@1 ", 10) == 0,
       "256 targets over 256 lines are granted");
    free(text);
    text = many("*", S4U_TARGETS_MAX + 1, false);
    is_str(grants(text, "alice"),
           "ERR 7 257 the rules matching the user grant more than 256 targets",
           "a 257th target grants nothing, and names the line");
    free(text);
    text = many("*", S4U_TARGETS_MAX + 1, true);
    ok(strncmp(grants(text, "alice"), "ERR 7 1 ", 8) == 0,
       "257 targets on one line: the line does not parse");
    free(text);
    is_long(s4u_policy_parse("* host/a\0* host/b\n", 18, &p, &line, &why),
            EINVAL, "a NUL byte in the file");
}

/* A scratch file holding text, mode mode, in dir; its path. */
static const char *
scratch(const char *dir, const char *text, mode_t mode)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/pam_s4u.conf", dir);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
        chmod(path, mode) != 0)
        abort();
    return path;
}

/* The verdict of s4u_policy_read on path, and its text. */
static int
read_policy(const char *path, char *why, size_t size)
{
    char *text = NULL;
    size_t len = 0;
    int ret;

    ret = s4u_policy_read(path, &text, &len, why, size);
    if (ret == 0 && (text == NULL || len != strlen(text)))
        ret = -1;
    free(text);
    return ret;
}

/* Paths refused whatever the file holds. */
static void
test_paths(void)
{
    char why[512], dir[] = "/tmp/test_policy.XXXXXX";

    is_long(read_policy("/nonexistent/pam_s4u.conf", why, sizeof(why)), ENOENT,
            "a missing file is ENOENT");
    is_long(read_policy("etc/passwd", why, sizeof(why)), EINVAL,
            "a relative path is refused");
    is_long(read_policy("/etc/../etc/passwd", why, sizeof(why)), EINVAL,
            "a path with .. is refused");
    is_long(read_policy("/etc/passwd", why, sizeof(why)), 0,
            "root's file in root's directories is read");
    is_long(read_policy("/etc/passwd/x", why, sizeof(why)), ENOTDIR,
            "a file used as a directory");
    if (mkdtemp(dir) == NULL)
        abort();
    is_long(read_policy(scratch(dir, "* host/a\n", 0644), why, sizeof(why)),
            EPERM, "a file below world-writable /tmp is refused");
    ok(strstr(why, "/tmp is unsafe") != NULL, "the log names /tmp (%s)", why);
    unlink(scratch(dir, "", 0644));
    rmdir(dir);
}

/*
 * Files in a directory of root's that only root may write: owner, mode,
 * symlink, not a file.  The directory is made in /run (root's, 0755 on
 * every systemd host), not in the build tree, which may lie below a
 * directory anybody may write (a checkout in /tmp), and is removed after.
 */
static void
test_files(void)
{
    char why[512], dir[] = "/run/pam-s4u-test-policy.XXXXXX",
                   link[sizeof(dir) + 8];
    const char *path;

    ok(geteuid() == 0, "runs as root (it makes files of other owners)");
    if (mkdtemp(dir) == NULL)
        abort();
    path = scratch(dir, "* host/a\n", 0644);
    is_long(read_policy(path, why, sizeof(why)), 0, "root's 0644 file is read");
    is_long(read_policy(scratch(dir, "* host/a\n", 0664), why, sizeof(why)),
            EPERM, "a group-writable file is refused");
    is_long(read_policy(scratch(dir, "* host/a\n", 0646), why, sizeof(why)),
            EPERM, "a file others may write is refused");
    ok(strstr(why, "mode 0646") != NULL, "the log says the mode (%s)", why);
    path = scratch(dir, "* host/a\n", 0644);
    if (chown(path, 61001, 61001) != 0)
        abort();
    is_long(read_policy(path, why, sizeof(why)), EPERM,
            "a file owned by a user is refused");
    ok(strstr(why, "uid 61001") != NULL, "the log says the owner (%s)", why);
    snprintf(link, sizeof(link), "%s/link", dir);
    if (symlink("/etc/passwd", link) != 0)
        abort();
    is_long(read_policy(link, why, sizeof(why)), EPERM, "a symlink is refused");
    is_long(read_policy(dir, why, sizeof(why)), EPERM,
            "a directory is refused");
    unlink(link);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    test_union();
    test_errors();
    test_limits();
    test_paths();
    test_files();
    return tap_done();
}
