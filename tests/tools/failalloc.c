/*
 * failalloc.c: an LD_PRELOAD shim that fails one allocation, to test the
 * error paths of a program.
 *
 *   S4U_FAIL_ALLOC=N           the Nth allocation the program's own code
 *                              makes returns NULL (errno ENOMEM)
 *   S4U_FAIL_ALLOC_COUNT=FILE  at exit, write how many it made
 *
 * Only calls of malloc, calloc, realloc, strdup and strndup from the main
 * executable count (libraries' allocations pass untouched), so N runs over
 * the program's own error paths.  Memory from malloc is filled with 0xA5,
 * as glibc's MALLOC_PERTURB_ does, so a read of memory that was never
 * written shows.
 */
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);

static uintptr_t prog_lo, prog_hi; /* the main executable's mapped range */
static unsigned long fail_at;      /* 0: fail nothing */
static unsigned long counted;
static char count_path[4096]; /* read before main: s4uctl clears environ */

/* dl_iterate_phdr callback: the first object is the main executable. */
static int
find_program(struct dl_phdr_info *info, size_t size, void *data)
{
    uintptr_t start, end;
    int i;

    (void)size;
    (void)data;
    for (i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_LOAD)
            continue;
        start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
        end = start + info->dlpi_phdr[i].p_memsz;
        if (prog_lo == 0 || start < prog_lo)
            prog_lo = start;
        if (end > prog_hi)
            prog_hi = end;
    }
    return 1; /* stop after the first */
}

/* Read the settings and find the program before main runs. */
__attribute__((constructor)) static void
setup(void)
{
    const char *n = getenv("S4U_FAIL_ALLOC");
    const char *path = getenv("S4U_FAIL_ALLOC_COUNT");

    if (n != NULL)
        fail_at = strtoul(n, NULL, 10);
    if (path != NULL)
        snprintf(count_path, sizeof(count_path), "%s", path);
    dl_iterate_phdr(find_program, NULL);
}

/* Write the count for S4U_FAIL_ALLOC_COUNT. */
__attribute__((destructor)) static void
report(void)
{
    FILE *f;

    if (count_path[0] == '\0' || (f = fopen(count_path, "w")) == NULL)
        return;
    fprintf(f, "%lu\n", __atomic_load_n(&counted, __ATOMIC_SEQ_CST));
    fclose(f);
}

/* Count an allocation by the caller at ret; true if it must fail. */
static int
must_fail(const void *ret)
{
    uintptr_t at = (uintptr_t)ret;
    unsigned long nth;

    if (at < prog_lo || at >= prog_hi)
        return 0;
    nth = __atomic_add_fetch(&counted, 1, __ATOMIC_SEQ_CST);
    if (nth != fail_at)
        return 0;
    errno = ENOMEM;
    return 1;
}

void *
malloc(size_t size)
{
    void *p;

    if (must_fail(__builtin_return_address(0)))
        return NULL;
    p = __libc_malloc(size);
    if (p != NULL)
        memset(p, 0xA5, size);
    return p;
}

void *
calloc(size_t n, size_t size)
{
    if (must_fail(__builtin_return_address(0)))
        return NULL;
    return __libc_calloc(n, size);
}

void *
realloc(void *ptr, size_t size)
{
    if (must_fail(__builtin_return_address(0)))
        return NULL;
    return __libc_realloc(ptr, size);
}

char *
strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p;

    if (must_fail(__builtin_return_address(0)))
        return NULL;
    p = __libc_malloc(len);
    if (p != NULL)
        memcpy(p, s, len);
    return p;
}

char *
strndup(const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    char *p;

    if (must_fail(__builtin_return_address(0)))
        return NULL;
    p = __libc_malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}
