/*
 * s4u_json.c: the JSON writer behind s4uctl --json.
 */
#include <inttypes.h>
#include <string.h>

#include "lib/s4u.h"
#include "s4uctl/s4u_json.h"

/* Start writing at f. */
void
s4u_json_init(struct s4u_json *j, FILE *f)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
    j->first[0] = true;
}

/* Write one ASCII byte of a string, escaped as JSON requires. */
static void
escape_ascii(FILE *f, unsigned char c)
{
    switch (c) {
    case '"':
        fputs("\\\"", f);
        break;
    case '\\':
        fputs("\\\\", f);
        break;
    case '\n':
        fputs("\\n", f);
        break;
    case '\t':
        fputs("\\t", f);
        break;
    default:
        if (c < 0x20 || c == 0x7F)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
        break;
    }
}

/* Write s as a JSON string, quotes included. */
void
s4u_json_escape(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;

    fputc('"', f);
    while (*p != '\0') {
        n = s4u_utf8_seq_len(p);
        if (n == 0) {
            fputs("\\ufffd", f); /* not UTF-8: U+FFFD */
            n = 1;
        } else if (n == 1) {
            escape_ascii(f, *p);
        } else {
            fwrite(p, 1, n, f);
        }
        p += n;
    }
    fputc('"', f);
}

/* Separator, indentation and key before a value. */
static void
member(struct s4u_json *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    if (j->depth > 0)
        fprintf(j->f, "\n%*s", 2 * j->depth, "");
    j->first[j->depth] = false;
    if (key != NULL) {
        s4u_json_escape(j->f, key);
        fputs(": ", j->f);
    }
}

/* Open an object or array; deeper nesting than we track is flattened. */
static void
open_container(struct s4u_json *j, const char *key, char c)
{
    member(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < S4U_JSON_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

/* Close an object or array, on its own line unless it is empty. */
static void
close_container(struct s4u_json *j, char c)
{
    bool empty = j->first[j->depth];

    if (j->depth > 0)
        j->depth--;
    if (!empty)
        fprintf(j->f, "\n%*s", 2 * j->depth, "");
    fputc(c, j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

/* The four container calls: open or close an object or an array. */
void
s4u_json_begin_object(struct s4u_json *j, const char *key)
{
    open_container(j, key, '{');
}

void
s4u_json_end_object(struct s4u_json *j)
{
    close_container(j, '}');
}

void
s4u_json_begin_array(struct s4u_json *j, const char *key)
{
    open_container(j, key, '[');
}

void
s4u_json_end_array(struct s4u_json *j)
{
    close_container(j, ']');
}

/* A string member; NULL is written as null. */
void
s4u_json_string(struct s4u_json *j, const char *key, const char *value)
{
    member(j, key);
    if (value == NULL)
        fputs("null", j->f);
    else
        s4u_json_escape(j->f, value);
}

/* A number member. */
void
s4u_json_int(struct s4u_json *j, const char *key, int64_t value)
{
    member(j, key);
    fprintf(j->f, "%" PRId64, value);
}

/* A boolean member. */
void
s4u_json_bool(struct s4u_json *j, const char *key, bool value)
{
    member(j, key);
    fputs(value ? "true" : "false", j->f);
}
