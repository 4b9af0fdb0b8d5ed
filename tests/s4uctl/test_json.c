/*
 * test_json.c: the JSON writer of s4uctl --json escapes every string and
 * keeps the output valid whatever the bytes (control characters, quotes,
 * invalid UTF-8).  The integration test parses real output with python3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s4uctl/s4u_json.h"
#include "tests/tap.h"

/* The JSON escaping of s, as a new string. */
static char *
escaped(const char *s)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    if (f == NULL)
        abort();
    s4u_json_escape(f, s);
    fclose(f);
    return buf;
}

/* Check one escaping. */
static void
check_escape(const char *in, const char *want, const char *name)
{
    char *got = escaped(in);

    is_str(got, want, name);
    free(got);
}

static void
test_escape(void)
{
    check_escape("alice@EXAMPLE.TEST", "\"alice@EXAMPLE.TEST\"", "plain text");
    check_escape("", "\"\"", "empty string");
    check_escape("say \"hi\"", "\"say \\\"hi\\\"\"", "quotes");
    check_escape("a\\b", "\"a\\\\b\"", "backslash");
    check_escape("l1\nl2\tx", "\"l1\\nl2\\tx\"", "newline and tab");
    check_escape("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"",
                 "other control characters as \\u");
    check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
                 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"",
                 "valid UTF-8 passes unchanged");
    check_escape("a\xff"
                 "b",
                 "\"a\\ufffdb\"", "an invalid byte becomes U+FFFD");
    check_escape("\xc3", "\"\\ufffd\"", "a cut sequence becomes U+FFFD");
    check_escape("\xc0\xaf", "\"\\ufffd\\ufffd\"",
                 "overlong forms are refused");
    check_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
                 "surrogates are refused");
    check_escape("/</script>", "\"/</script>\"", "slashes need no escape");
}

/* Write a small document with every kind of value. */
static char *
document(void)
{
    struct s4u_json j;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    if (f == NULL)
        abort();
    s4u_json_init(&j, f);
    s4u_json_begin_object(&j, NULL);
    s4u_json_string(&j, "name", "x\"y");
    s4u_json_int(&j, "n", -42);
    s4u_json_bool(&j, "yes", true);
    s4u_json_string(&j, "null string", NULL);
    s4u_json_begin_array(&j, "list");
    s4u_json_int(&j, NULL, 1);
    s4u_json_begin_object(&j, NULL);
    s4u_json_bool(&j, "no", false);
    s4u_json_end_object(&j);
    s4u_json_end_array(&j);
    s4u_json_begin_array(&j, "empty");
    s4u_json_end_array(&j);
    s4u_json_begin_object(&j, "empty object");
    s4u_json_end_object(&j);
    s4u_json_end_object(&j);
    fclose(f);
    return buf;
}

static void
test_document(void)
{
    char *doc = document();

    is_str(doc,
           "{\n"
           "  \"name\": \"x\\\"y\",\n"
           "  \"n\": -42,\n"
           "  \"yes\": true,\n"
           "  \"null string\": null,\n"
           "  \"list\": [\n"
           "    1,\n"
           "    {\n"
           "      \"no\": false\n"
           "    }\n"
           "  ],\n"
           "  \"empty\": [],\n"
           "  \"empty object\": {}\n"
           "}\n",
           "a document with every kind of value, indented");
    free(doc);
}

int
main(void)
{
    test_escape();
    test_document();
    return tap_done();
}
