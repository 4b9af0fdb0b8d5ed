/*
 * test_escape.c: untrusted text is made visible, never interpreted, in logs
 * and terminals (lib/s4u_escape.c).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"
#include "tests/tap.h"

/* Escape src into a large buffer and compare. */
static void
check(const char *src, const char *want, const char *name)
{
    char buf[512];

    s4u_escape(buf, sizeof(buf), src);
    is_str(buf, want, name);
}

/* Every class of dangerous character becomes a visible escape. */
static void
test_escapes(void)
{
    check("alice", "alice", "plain ASCII is kept");
    check("J\xc3\xb6rg \xe5\xb1\xb1\xe7\x94\xb0",
          "J\xc3\xb6rg \xe5\xb1\xb1\xe7\x94\xb0", "other scripts are kept");
    check("a\tb\nc\r\x01\x7f", "a\\x09b\\x0Ac\\x0D\\x01\\x7F",
          "C0 controls and DEL are escaped");
    check("x\x1b[2Jy", "x\\x1B[2Jy", "an ANSI escape is shown, not run");
    check("x\xc2\x9b"
          "31my",
          "x\\u{009B}31my", "C1 CSI is escaped");
    check("\xc2\x85", "\\u{0085}", "C1 NEL is escaped");
    check("a\xe2\x80\xaeZYX", "a\\u{202E}ZYX", "a bidi override is escaped");
    check("\xe2\x81\xa6\xe2\x81\xa9", "\\u{2066}\\u{2069}",
          "bidi isolates are escaped");
    check("\xe2\x80\x8f\xd8\x9c", "\\u{200F}\\u{061C}",
          "bidi marks are escaped");
    check("l1\xe2\x80\xa8l2\xe2\x80\xa9", "l1\\u{2028}l2\\u{2029}",
          "line and paragraph separators are escaped");
    check("\xef\xbb\xbf"
          "bom",
          "\\u{FEFF}bom", "a BOM is escaped");
    check("bad\xff\xc0\xaf", "bad\\xFF\\xC0\\xAF", "invalid UTF-8 is escaped");
    check("\xed\xa0\x80", "\\xED\\xA0\\x80", "an encoded surrogate is escaped");
    check("cut\xe2\x80", "cut\\xE2\\x80", "a cut sequence is escaped");
    check(NULL, "", "NULL is empty");
}

/* A small buffer cuts before an escape, never inside one. */
static void
test_cut(void)
{
    char buf[8];

    ok(s4u_escape(buf, sizeof(buf),
                  "abcd\x1b"
                  "ef") == 4 &&
           strcmp(buf, "abcd") == 0,
       "the cut falls before an escape that does not fit");
    s4u_escape(buf, sizeof(buf), "ab\xc3\xb6\xc3\xb6\xc3\xb6");
    is_str(buf, "ab\xc3\xb6\xc3\xb6", "multi-byte characters fit whole");
    s4u_escape(buf, 4, "ab\xc3\xb6");
    is_str(buf, "ab", "a character that does not fit is left out whole");
}

/* The in-place and allocating forms agree with s4u_escape. */
static void
test_forms(void)
{
    char buf[32] = "q\x1b[0m";
    char *dup = s4u_escape_dup("q\x1b[0m");

    s4u_escape_inplace(buf, sizeof(buf));
    is_str(buf, "q\\x1B[0m", "escape in place");
    is_str(dup, "q\\x1B[0m", "escape into a new string");
    free(dup);
}

int
main(void)
{
    test_escapes();
    test_cut();
    test_forms();
    return tap_done();
}
