/*
 * tap.h: a minimal TAP producer for the C unit tests, read by prove.
 */
#ifndef S4U_TAP_H
#define S4U_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

/* Report one check. */
__attribute__((format(printf, 4, 5))) static inline int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", pass ? "ok" : "not ok", ++tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!pass) {
        tap_failures++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return pass;
}

/* Compare two strings, showing both on failure. */
static inline int
tap_is_str(const char *got, const char *want, const char *file, int line,
           const char *name)
{
    int pass = (got == NULL && want == NULL) ||
               (got != NULL && want != NULL && strcmp(got, want) == 0);

    tap_ok(pass, file, line, "%s", name);
    if (!pass)
        printf("#   got: '%s'\n#   expected: '%s'\n", got ? got : "(null)",
               want ? want : "(null)");
    return pass;
}

/* Compare two numbers, showing both on failure. */
static inline int
tap_is_long(long got, long want, const char *file, int line, const char *name)
{
    int pass = got == want;

    tap_ok(pass, file, line, "%s", name);
    if (!pass)
        printf("#   got: %ld\n#   expected: %ld\n", got, want);
    return pass;
}

/* Print the plan and return the exit status. */
static inline int
tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failures == 0 && tap_count > 0 ? 0 : 1;
}

#define ok(cond, ...) tap_ok((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, name) tap_is_str(got, want, __FILE__, __LINE__, name)
#define is_long(got, want, name)                                               \
    tap_is_long((long)(got), (long)(want), __FILE__, __LINE__, name)

#endif /* S4U_TAP_H */
