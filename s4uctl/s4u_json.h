/*
 * s4u_json.h: a small streaming JSON writer for s4uctl --json.
 *
 * Values are written as they come, with two-space indentation; the writer
 * tracks only whether a comma is due.  Strings are escaped for JSON and
 * made valid UTF-8 (invalid bytes become U+FFFD), so the output always
 * parses whatever a principal name or a library message holds.
 */
#ifndef S4U_JSON_H
#define S4U_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define S4U_JSON_DEPTH 16

struct s4u_json {
    FILE *f;
    int depth;
    bool first[S4U_JSON_DEPTH]; /* nothing written yet at this depth */
};

/* key is the member name inside an object, NULL inside an array or at top. */
void s4u_json_init(struct s4u_json *j, FILE *f);
void s4u_json_begin_object(struct s4u_json *j, const char *key);
void s4u_json_end_object(struct s4u_json *j);
void s4u_json_begin_array(struct s4u_json *j, const char *key);
void s4u_json_end_array(struct s4u_json *j);
void s4u_json_string(struct s4u_json *j, const char *key, const char *value);
void s4u_json_int(struct s4u_json *j, const char *key, int64_t value);
void s4u_json_bool(struct s4u_json *j, const char *key, bool value);
void s4u_json_escape(FILE *f, const char *s);

#endif /* S4U_JSON_H */
