/*
 * fuzz_pamfile.c: s4u_pam_service_lines, the PAM service-file reader s4uctl
 * uses to find the pam_s4u.so lines (with @include, include and substack).
 *
 * The input holds up to four files, separated by NUL bytes: "sshd" (the
 * service file read), then "common-auth", "common-session" and "other",
 * which it may include.  A file not in the input does not exist.  All live
 * in a private directory made once per process.
 *
 * Reading must succeed or stop on a loop (ELOOP with a reason), every
 * line found must name pam_s4u.so, and a second read of the same files
 * must give the same lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "lib/s4u_pamfile.h"
#include "tests/fuzz/fuzz.h"

static const char *const file_names[] = {"sshd", "common-auth",
                                         "common-session", "other"};
#define NFILES (sizeof(file_names) / sizeof(file_names[0]))

static char dir[64];

/* Remove the files and the directory at exit. */
static void
remove_dir(void)
{
    char path[128];
    size_t i;

    for (i = 0; i < NFILES; i++) {
        if (snprintf(path, sizeof(path), "%s/%s", dir, file_names[i]) > 0)
            (void)unlink(path); /* may be absent */
    }
    if (rmdir(dir) != 0)
        perror(dir);
}

/* The private directory: in $TMPDIR, else in memory if we can, else /tmp. */
static void
make_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    int n;

    if (tmp == NULL || *tmp == '\0' || strlen(tmp) >= 32)
        tmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    n = snprintf(dir, sizeof(dir), "%s/s4u-fuzz-pam.XXXXXX", tmp);
    FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(dir));
    FUZZ_ASSERT(mkdtemp(dir) != NULL);
    FUZZ_ASSERT(atexit(remove_dir) == 0);
}

/* Two results are the same lines, field by field. */
static bool
same_lines(const struct s4u_pam_line *a, size_t na,
           const struct s4u_pam_line *b, size_t nb)
{
    size_t i, j;

    if (na != nb)
        return false;
    for (i = 0; i < na; i++) {
        if (strcmp(a[i].file, b[i].file) != 0 || a[i].line != b[i].line ||
            strcmp(a[i].type, b[i].type) != 0 ||
            strcmp(a[i].control, b[i].control) != 0 ||
            strcmp(a[i].module, b[i].module) != 0 || a[i].argc != b[i].argc)
            return false;
        for (j = 0; j < a[i].argc; j++) {
            if (strcmp(a[i].argv[j], b[i].argv[j]) != 0)
                return false;
        }
    }
    return true;
}

/* What s4uctl relies on in each line found. */
static void
check_lines(const struct s4u_pam_line *l, size_t n)
{
    const char *base;
    size_t i, j;

    for (i = 0; i < n; i++) {
        FUZZ_ASSERT(l[i].file != NULL && l[i].type != NULL &&
                    l[i].control != NULL && l[i].module != NULL);
        FUZZ_ASSERT(l[i].line >= 1);
        base = strrchr(l[i].module, '/');
        FUZZ_ASSERT(
            strcmp(base != NULL ? base + 1 : l[i].module, "pam_s4u.so") == 0);
        FUZZ_ASSERT(l[i].argc == 0 ? l[i].argv == NULL
                                   : l[i].argv[l[i].argc] == NULL);
        for (j = 0; j < l[i].argc; j++)
            FUZZ_ASSERT(l[i].argv[j] != NULL);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct s4u_pam_line *lines = NULL, *again = NULL;
    size_t n = 0, nagain = 0, i, left = size;
    const char *p = (const char *)data, *end, *why = "unset", *why_again;
    char path[128], *service;
    int ret;

    if (dir[0] == '\0')
        make_dir();
    service = fuzz_cstr(data, size); /* the first file, up to a NUL */
    for (i = 0; i < NFILES; i++) {
        FUZZ_ASSERT(snprintf(path, sizeof(path), "%s/%s", dir, file_names[i]) <
                    (int)sizeof(path));
        if (p == NULL) {
            fuzz_put_file(path, NULL, 0);
            continue;
        }
        end = memchr(p, '\0', left);
        fuzz_put_file(path, p, end != NULL ? (size_t)(end - p) : left);
        if (end != NULL) {
            left -= (size_t)(end - p) + 1;
            p = end + 1;
        } else {
            p = NULL;
        }
    }
    FUZZ_ASSERT(snprintf(path, sizeof(path), "%s/sshd", dir) > 0);

    ret = s4u_pam_service_lines(path, &lines, &n, &why);
    FUZZ_ASSERT(ret == 0 || ret == ELOOP);
    FUZZ_ASSERT(ret == 0 ? why == NULL : why != NULL);
    FUZZ_ASSERT(ret == 0 || (lines == NULL && n == 0));
    check_lines(lines, n);
    /* Reading the same files again gives the same answer. */
    FUZZ_ASSERT(s4u_pam_service_lines(path, &again, &nagain, &why_again) ==
                ret);
    FUZZ_ASSERT(same_lines(lines, n, again, nagain));
    s4u_pam_lines_free(again, nagain);
    s4u_pam_lines_free(lines, n);
    free(service);
    return 0;
}
