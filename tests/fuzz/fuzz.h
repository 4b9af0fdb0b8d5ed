/*
 * fuzz.h: what the libFuzzer harnesses in tests/fuzz/ share.
 *
 * Each fuzz_<name>.c feeds one parser with hostile bytes and checks the
 * properties its callers rely on; a broken property aborts, which libFuzzer
 * reports as a crash and saves as an input to reproduce.
 */
#ifndef S4U_FUZZ_H
#define S4U_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Make the file hold exactly text[0..len), or be absent if text is NULL.
 * A new file each time: ext4 flushes a file rewritten after O_TRUNC when
 * it is closed, which would make every run wait for the disk.
 */
static inline void
fuzz_put_file(const char *path, const char *text, size_t len)
{
    ssize_t n;
    int fd;

    FUZZ_ASSERT(unlink(path) == 0 || errno == ENOENT);
    if (text == NULL)
        return;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FUZZ_ASSERT(fd >= 0);
    while (len > 0) {
        n = write(fd, text, len);
        FUZZ_ASSERT(n > 0);
        text += n;
        len -= (size_t)n;
    }
    FUZZ_ASSERT(close(fd) == 0);
}

#endif /* S4U_FUZZ_H */
