/*
 * test_spawn.c: the real s4u_run_helper (spawn.o) against a stand-in
 * helper (tests/tools/helper_standin.c), with the application's standard
 * fds open or closed.  A PAM application may run with fds 0 and 1 closed;
 * the helper must still read its request on 0, answer on 1, and never get
 * the socket as its standard error.
 *
 * spawn.c runs only a root-owned helper that nobody else may change, so
 * the test runs as root, from a private 0755 copy of the stand-in next to
 * this binary (the build's own mode depends on the umask).
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_module/internal.h"
#include "tests/tap.h"

static char dir[PATH_MAX], helper[PATH_MAX + 32];

/* Copy from to a new file at to, mode 0755; 0 on success. */
static int
copy_file(const char *from, const char *to)
{
    char buf[65536];
    ssize_t n = 0;
    int in, out, ret = -1;

    in = open(from, O_RDONLY | O_CLOEXEC);
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (in >= 0 && out >= 0) {
        while ((n = read(in, buf, sizeof(buf))) > 0) {
            if (write(out, buf, (size_t)n) != n)
                break;
        }
        ret = n == 0 && fchmod(out, 0755) == 0 ? 0 : -1;
    }
    if (out >= 0 && close(out) != 0)
        ret = -1;
    if (in >= 0)
        close(in);
    return ret;
}

/* Make the private copy: <build>/tests/pam_module/standin.XXXXXX/helper. */
static int
setup_helper(void)
{
    char exe[PATH_MAX], standin[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *here;

    if (n <= 0)
        return -1;
    exe[n] = '\0';
    here = dirname(exe);
    snprintf(dir, sizeof(dir), "%s/standin.XXXXXX", here);
    snprintf(standin, sizeof(standin), "%s/../../tools/helper_standin", here);
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(helper, sizeof(helper), "%s/pam_s4u_helper", dir);
    return copy_file(standin, helper);
}

/* Run the helper with the fds in closed[] closed, then reopen them. */
static int
run_closed(const int *closed, size_t nclosed, struct s4u_outcome *out)
{
    struct s4u_request req = {0};
    char *text = NULL;
    int saved[3] = {-1, -1, -1}, ret;
    size_t i;

    req.user = (char *)"alice";
    req.uid = req.gid = 1001;
    req.ccache = (char *)"KEYRING:persistent:1001";
    req.timeout = 5;
    if (s4u_request_format(&req, "delegate", &text) != 0)
        abort();
    fflush(stdout);
    for (i = 0; i < nclosed; i++) {
        saved[i] = fcntl(closed[i], F_DUPFD_CLOEXEC, 10);
        if (saved[i] < 0 || close(closed[i]) != 0)
            abort();
    }
    ret = s4u_run_helper(helper, text, 5, out);
    for (i = 0; i < nclosed; i++) {
        if (dup2(saved[i], closed[i]) != closed[i])
            abort();
        close(saved[i]);
    }
    free(text);
    return ret;
}

/* One case: the helper's answer must come back whole. */
static void
check(const int *closed, size_t nclosed, const char *name)
{
    struct s4u_outcome out;
    int ret = run_closed(closed, nclosed, &out);

    ok(ret == 0 && out.st.code == S4U_ERR_KDC_UNREACHABLE &&
           strcmp(out.st.detail, "stand-in read mode=delegate") == 0,
       "%s: the stand-in's answer is parsed", name);
    if (ret != 0 || out.st.code != S4U_ERR_KDC_UNREACHABLE)
        printf("#   got status %d: %s\n", (int)out.st.code, out.st.detail);
    s4u_outcome_free(&out);
}

int
main(void)
{
    static const int none[] = {-1}, in_out[] = {0, 1}, all[] = {0, 1, 2},
                     err[] = {2}, in[] = {0};
    int ret;

    if (geteuid() != 0) {
        printf("1..0 # SKIP spawn.c runs only a root-owned helper\n");
        return 0;
    }
    if (setup_helper() != 0) {
        printf("Bail out! cannot copy the stand-in helper to %s\n", dir);
        return 1;
    }
    check(none, 0, "all standard fds open");
    check(in_out, 2, "fds 0 and 1 closed");
    check(all, 3, "fds 0, 1 and 2 closed");
    check(err, 1, "fd 2 closed");
    check(in, 1, "fd 0 closed");
    ret = tap_done();
    if (unlink(helper) != 0 || rmdir(dir) != 0)
        ret = 1;
    return ret;
}
