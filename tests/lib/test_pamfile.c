/*
 * test_pamfile.c: finding the pam_s4u.so lines of a PAM service file as
 * Linux-PAM reads it: comments, continued lines, [bracketed] fields and
 * includes.  Each case is a service file written to a temporary directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u_pamfile.h"
#include "tests/tap.h"

/* The directory the test's service files are written to. */
static char dir[] = "/tmp/test_pamfile.XXXXXX";

/* Write the file name in the test directory. */
static void
write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

/* The pam_s4u lines of text, written as the service file "svc". */
static size_t
lines_of(const char *text, struct s4u_pam_line **lines)
{
    char path[512];
    const char *why = NULL;
    size_t n = 0;

    write_file("svc", text);
    snprintf(path, sizeof(path), "%s/svc", dir);
    if (s4u_pam_service_lines(path, lines, &n, &why) != 0)
        abort();
    return n;
}

/* All arguments of a line, joined with '|'. */
static const char *
args_of(const struct s4u_pam_line *l)
{
    static char buf[1024];
    size_t i, len;

    buf[0] = '\0';
    for (i = 0; i < l->argc; i++) {
        len = strlen(buf);
        snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "|" : "",
                 l->argv[i]);
    }
    return buf;
}

/* The line among others: its number, type, control and arguments. */
static void
test_pam_plain(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("auth required pam_permit.so\n"
                 "session optional pam_s4u.so targets=a,b debug\n"
                 "session required pam_unix.so\n",
                 &l);
    is_long(n, 1, "one pam_s4u line among others");
    is_long(l[0].line, 2, "its line number");
    is_str(l[0].type, "session", "its type");
    is_str(l[0].control, "optional", "its control");
    is_str(args_of(&l[0]), "targets=a,b|debug", "its arguments");
    s4u_pam_lines_free(l, n);

    n = lines_of("-session [success=ok default=ignore] "
                 "/lib/security/pam_s4u.so timeout=3",
                 &l);
    is_long(n, 1, "a full module path, a leading '-', no final newline");
    is_str(l[0].type, "session", "the '-' is not part of the type");
    is_str(l[0].control, "[success=ok default=ignore]",
           "a bracketed control is one field");
    is_str(args_of(&l[0]), "timeout=3", "argument after a bracketed control");
    s4u_pam_lines_free(l, n);

    n = lines_of("session optional pam_s4u_other.so x\n"
                 "session optional pam_s4u.so.bak x\n",
                 &l);
    is_long(n, 0, "other modules with similar names are not ours");
    s4u_pam_lines_free(l, n);
}

/* Comment lines are skipped, a trailing comment is cut. */
static void
test_pam_comments(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("# session optional pam_s4u.so commented=out\n"
                 "   # indented comment\n"
                 "\n"
                 "session optional pam_s4u.so a=1 # b=2\n",
                 &l);
    is_long(n, 1, "comment lines are skipped");
    is_str(args_of(&l[0]), "a=1", "a trailing comment is cut");
    is_long(l[0].line, 4, "line numbers count comments and blank lines");
    s4u_pam_lines_free(l, n);
}

/* A backslash continues a line, unless a comment ends it. */
static void
test_pam_continuation(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("session optional pam_s4u.so a=1 \\\n"
                 "    b=2\\\n"
                 "    # a comment inside the continued line\n"
                 "    c=3\n"
                 "auth optional pam_s4u.so d=4\n",
                 &l);
    is_long(n, 2, "a continued line is one line");
    is_str(args_of(&l[0]), "a=1|b=2|c=3",
           "continued arguments join; comment lines in between are skipped");
    is_long(l[0].line, 1, "the line number is the first physical line");
    is_long(l[1].line, 5, "the next line's number counts the continuation");
    s4u_pam_lines_free(l, n);

    n = lines_of("session optional pam_s4u.so a=1 \\ # a comment\n"
                 "session optional pam_s4u.so b=2\n",
                 &l);
    is_long(n, 2, "a comment ends the line, even after a backslash");
    is_str(args_of(&l[0]), "a=1|\\", "the backslash stays an argument");
    s4u_pam_lines_free(l, n);

    n = lines_of("session optional pam_s4u.so a=1 \\", &l);
    is_long(n, 1, "a continuation at the end of the file ends the line");
    is_str(args_of(&l[0]), "a=1", "with its arguments");
    s4u_pam_lines_free(l, n);
}

/* A [bracketed] argument is one argument; \] stands for a bracket. */
static void
test_pam_brackets(void)
{
    struct s4u_pam_line *l;
    size_t n;

    n = lines_of("session optional pam_s4u.so "
                 "[targets=host/a@R, cifs/b@R] [x=a\\]b] plain\n",
                 &l);
    is_long(n, 1, "bracketed arguments");
    is_long(l[0].argc, 3, "each bracketed argument is one argument");
    is_str(args_of(&l[0]), "targets=host/a@R, cifs/b@R|x=a]b|plain",
           "brackets removed, \\] unescaped");
    s4u_pam_lines_free(l, n);
}

/* @include, include and substack, as Linux-PAM follows them. */
static void
test_pam_includes(void)
{
    char path[512];
    struct s4u_pam_line *l = NULL;
    const char *why = NULL;
    size_t n = 0;
    int ret;

    write_file("common-session", "session optional pam_s4u.so from=common\n"
                                 "auth optional pam_s4u.so from=common-auth\n");
    write_file("sshd", "@include common-session\n"
                       "account include common-session\n"
                       "session substack common-session\n"
                       "session include missing-file\n"
                       "session optional pam_s4u.so from=sshd\n");
    write_file("loop", "@include loop\n");
    snprintf(path, sizeof(path), "%s/sshd", dir);
    ret = s4u_pam_service_lines(path, &l, &n, &why);
    is_long(ret, 0, "a service file with includes");
    is_long(n, 4, "@include takes every line, include/substack one type");
    ok(n == 4 && strcmp(args_of(&l[1]), "from=common-auth") == 0 &&
           strcmp(args_of(&l[2]), "from=common") == 0 &&
           strcmp(args_of(&l[3]), "from=sshd") == 0,
       "in the order Linux-PAM reads them");
    ok(n == 4 && strstr(l[0].file, "common-session") != NULL,
       "an included line names its own file");
    s4u_pam_lines_free(l, n);

    snprintf(path, sizeof(path), "%s/loop", dir);
    ret = s4u_pam_service_lines(path, &l, &n, &why);
    is_long(ret, ELOOP, "an include loop stops");
    ok(why != NULL && strstr(why, "nest") != NULL, "and says why");

    snprintf(path, sizeof(path), "%s/nonexistent", dir);
    is_long(s4u_pam_service_lines(path, &l, &n, &why), ENOENT,
            "a missing service file is an error");
}

int
main(void)
{
    char cmd[64];

    if (mkdtemp(dir) == NULL)
        abort();
    test_pam_plain();
    test_pam_comments();
    test_pam_continuation();
    test_pam_brackets();
    test_pam_includes();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        abort();
    return tap_done();
}
