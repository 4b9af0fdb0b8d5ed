/*
 * fuzz.h: what the libFuzzer harnesses in tests/fuzz/ share.
 *
 * Each fuzz_<name>.c feeds one parser with hostile bytes and checks the
 * properties its callers rely on; a broken property aborts, which libFuzzer
 * reports as a crash and saves as an input to reproduce.
 */
#ifndef S4U_FUZZ_H
#define S4U_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold for every input. */
#define FUZZ_ASSERT(cond)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__,          \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Out of memory in a harness is not a finding of the parser: stop. */
static inline void *
fuzz_must(void *p)
{
    if (p == NULL) {
        fprintf(stderr, "fuzz: out of memory\n");
        abort();
    }
    return p;
}

/* The input as a C string, as a caller holding it in a buffer sees it. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = fuzz_must(malloc(size + 1));

    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Equal strings, where NULL equals only NULL. */
static inline int
fuzz_str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

#endif /* S4U_FUZZ_H */
