/*
 * test_pamcut.c: what Linux-PAM 1.5 makes of a long service-file line.
 *
 * Linux-PAM assembles a logical line in a 1024-byte buffer: it keeps
 * leading blanks, the text before a '#', a continued line up to its
 * backslash (made a space), and a last line whole with its trailing
 * blanks; blank and comment lines add nothing.  It reads at most 1023
 * characters.  Each case is a service file in a temporary directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/s4u_pamfile.h"
#include "tests/tap.h"

static char dir[] = "/tmp/test_pamcut.XXXXXX";

/* The test's service file. */
static const char *
svc_path(void)
{
    static char path[sizeof(dir) + 8];

    snprintf(path, sizeof(path), "%s/svc", dir);
    return path;
}

/* The pam_s4u lines of text, written as the service file. */
static size_t
lines_of(const char *text, struct s4u_pam_line **lines)
{
    const char *why = NULL;
    size_t n = 0;
    FILE *f = fopen(svc_path(), "w");

    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
        s4u_pam_service_lines(svc_path(), lines, &n, &why) != 0)
        abort();
    return n;
}

/* The length Linux-PAM assembles for the one pam_s4u line of text. */
static long
length_of(const char *text)
{
    struct s4u_pam_line *l;
    size_t n = lines_of(text, &l);
    long len = n == 1 ? (long)l[0].length : -1;

    s4u_pam_lines_free(l, n);
    return len;
}

static void
test_length(void)
{
    is_long(length_of("session optional pam_s4u.so a=1\n"), 31,
            "a plain line: its characters");
    is_long(length_of("  session optional pam_s4u.so a=1  \t\n"), 36,
            "leading and trailing blanks count");
    is_long(length_of("session optional pam_s4u.so a=1 # note\n"), 32,
            "a comment does not count, the blank before it does");
    is_long(length_of("session optional pam_s4u.so a=1 \\\n"
                      "\n"
                      "   # a comment line\n"
                      "    b=2\n"),
            33 + 7,
            "a continued line: up to the backslash, then the next line; "
            "blank and comment lines add nothing");
    is_long(length_of("session optional pam_s4u.so a=1 \\   \n    b=2"), 33 + 7,
            "blanks after the backslash do not count");
}

/* A line of len characters: the prefix, then "x=" and 'x's. */
static void
line_of(char *buf, size_t len)
{
    static const char prefix[] = "session optional pam_s4u.so a=1 x=";

    memset(buf, 'x', len);
    memcpy(buf, prefix, sizeof(prefix) - 1);
    buf[len] = '\n';
    buf[len + 1] = '\0';
}

static void
test_cut(void)
{
    char text[2100];
    struct s4u_pam_line *l;
    size_t n;

    line_of(text, 1023);
    n = lines_of(text, &l);
    ok(n == 1 && l[0].length == 1023 && l[0].argc == 2 &&
           strlen(l[0].argv[1]) == 1023 - 32 && l[0].cut_arg == NULL,
       "a 1023-character line arrives whole");
    s4u_pam_lines_free(l, n);

    line_of(text, 1024);
    n = lines_of(text, &l);
    ok(n == 1 && l[0].length == 1024 && l[0].argc == 2 &&
           strlen(l[0].argv[1]) == 1023 - 32,
       "a 1024-character line loses its last character");
    ok(n == 1 && l[0].cut_arg != NULL && strlen(l[0].cut_arg) == 1024 - 32 &&
           strncmp(l[0].cut_arg, l[0].argv[1], 1023 - 32) == 0,
       "and the cut argument is kept whole beside it");
    s4u_pam_lines_free(l, n);

    line_of(text, 1100);
    text[1023] = ' '; /* the cut falls between two arguments */
    n = lines_of(text, &l);
    ok(n == 1 && l[0].length == 1100 && l[0].argc == 2 && l[0].cut_arg == NULL,
       "a cut between arguments: every delivered argument is whole");
    s4u_pam_lines_free(l, n);

    memset(text, 'y', sizeof(text));
    memcpy(text, "session optional pam_s4u.so a=1 y=", 34);
    memcpy(text + 600, " \\\n    z=", 9);
    memcpy(text + 1100, "\n", 2);
    n = lines_of(text, &l);
    ok(n == 1 && l[0].length == 602 + 1100 - 603 && l[0].argc == 3 &&
           strlen(l[0].argv[2]) == 1023 - 602 - 4 && l[0].cut_arg != NULL,
       "a continued line is cut at 1023 characters of the whole");
    s4u_pam_lines_free(l, n);
}

static void
test_service_path(void)
{
    static const char *const bad[] = {"", ".", "..", "a/b", "/etc/pam.d/x"};
    char *path = NULL;
    size_t i;
    int ret;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ok(s4u_pam_service_path(bad[i], &path) == EINVAL && path == NULL,
           "refuses service name '%s'", bad[i]);
    ok(s4u_pam_service_path(NULL, &path) == EINVAL, "refuses no name");
    ret = s4u_pam_service_path("no-such-service.pam-s4u-test", &path);
    ok(ret == ENOENT ||
           (ret == 0 && strcmp(path + strlen(path) - 6, "/other") == 0),
       "a service without a file of its own falls back to \"other\"");
    free(path);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL)
        abort();
    test_length();
    test_cut();
    test_service_path();
    unlink(svc_path());
    rmdir(dir);
    return tap_done();
}
