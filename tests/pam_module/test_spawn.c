/*
 * test_spawn.c: the real s4u_run_helper (lib/s4u_spawn.o) against a stand-in
 * helper (tests/tools/helper_standin.c).
 *
 * First with the application's standard fds open or closed: a PAM
 * application may run with fds 0 and 1 closed; the helper must still read
 * its request on 0, answer on 1, and never get the socket as its standard
 * error.  Then the checks on helper=: only a root-owned file that nobody
 * else may change, reached through directories only root may change, runs,
 * and what runs is the file that was checked.
 *
 * s4u_spawn.c refuses a helper under a directory others may write, such as
 * /tmp, where a CI clone may sit; so the test runs as root in a mount
 * namespace of its own, with a fresh tmpfs on /run (root's, 0755) for its
 * copies of the stand-in.  Nothing of it is seen outside the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pam_module/internal.h"
#include "tests/tap.h"

#define TOP "/run"
#define HELPER TOP "/safe/pam_s4u_helper"
#define EVIL TOP "/safe/evil"
#define EVIL_RAN TOP "/evil-ran"
#define OTHER_UID 65534

static char standin[PATH_MAX];

/* The symlink to repoint, and where to, after the check (see socketpair). */
static const char *swap_link, *swap_to;

/*
 * s4u_spawn.c calls socketpair after it has checked the helper and before it
 * forks the child that runs it: the moment an attacker would swap the path.
 * This definition takes the place of libc's for the whole test program.
 */
int
socketpair(int domain, int type, int protocol, int sv[2])
{
    if (swap_link != NULL &&
        (unlink(swap_link) != 0 || symlink(swap_to, swap_link) != 0))
        abort();
    swap_link = NULL;
    return (int)syscall(SYS_socketpair, domain, type, protocol, sv);
}

/* Copy the stand-in to a new file at to, with mode and owner; 0 on success. */
static int
put_standin(const char *to, mode_t mode, uid_t owner)
{
    char buf[65536];
    ssize_t n = 0;
    int in, out, ret = -1;

    in = open(standin, O_RDONLY | O_CLOEXEC);
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (in >= 0 && out >= 0) {
        while ((n = read(in, buf, sizeof(buf))) > 0) {
            if (write(out, buf, (size_t)n) != n)
                break;
        }
        ret = n == 0 && fchown(out, owner, 0) == 0 && fchmod(out, mode) == 0
                  ? 0
                  : -1;
    }
    if (out >= 0 && close(out) != 0)
        ret = -1;
    if (in >= 0)
        close(in);
    return ret;
}

/* A directory with mode and owner (mkdir alone would apply the umask). */
static int
put_dir(const char *path, mode_t mode, uid_t owner)
{
    return mkdir(path, 0700) == 0 && chown(path, owner, 0) == 0 &&
                   chmod(path, mode) == 0
               ? 0
               : -1;
}

/* A script that leaves a mark if it ever runs. */
static int
put_evil(void)
{
    static const char text[] = "#!/bin/sh\n: >" EVIL_RAN "\n";
    int fd = open(EVIL, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    int ret = -1;

    if (fd >= 0 && write(fd, text, sizeof(text) - 1) == sizeof(text) - 1)
        ret = 0;
    if (fd >= 0 && close(fd) != 0)
        ret = -1;
    return ret;
}

/* The copies of the stand-in, safe and unsafe ones, and symlinks to them. */
static int
populate(void)
{
    return put_dir(TOP "/safe", 0755, 0) || put_standin(HELPER, 0755, 0) ||
           put_standin(TOP "/safe/group_writable", 0775, 0) ||
           put_standin(TOP "/safe/not_roots", 0755, OTHER_UID) || put_evil() ||
           put_dir(TOP "/open", 0777, 0) ||
           put_standin(TOP "/open/pam_s4u_helper", 0755, 0) ||
           put_dir(TOP "/sticky", 01777, 0) ||
           put_standin(TOP "/sticky/pam_s4u_helper", 0755, 0) ||
           put_dir(TOP "/group", 0775, 0) ||
           put_standin(TOP "/group/pam_s4u_helper", 0755, 0) ||
           put_dir(TOP "/users", 0755, OTHER_UID) ||
           put_standin(TOP "/users/pam_s4u_helper", 0755, 0) ||
           symlink("safe", TOP "/lib") ||
           symlink(HELPER, TOP "/safe/absolute") ||
           symlink("pam_s4u_helper", TOP "/safe/swap") ||
           symlink(TOP "/open/pam_s4u_helper", TOP "/safe/into_open");
}

/*
 * The test's own mount namespace, with a tmpfs on /run; the stand-in's
 * path is found first, next to this program in the build tree.
 */
static int
setup(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n <= 0)
        return -1;
    exe[n] = '\0';
    snprintf(standin, sizeof(standin), "%s/../../tools/helper_standin",
             dirname(exe));
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("s4u-spawn", TOP, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") !=
            0)
        return -1;
    umask(022);
    return populate();
}

/* Run the helper at path with the fds in closed[] closed, then reopen them. */
static int
run_closed(const char *path, const int *closed, size_t nclosed,
           struct s4u_outcome *out)
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
    ret = s4u_run_helper(path, text, 5, out);
    for (i = 0; i < nclosed; i++) {
        if (dup2(saved[i], closed[i]) != closed[i])
            abort();
        close(saved[i]);
    }
    free(text);
    return ret;
}

/* True if the stand-in ran and its answer came back whole. */
static bool
standin_answered(int ret, const struct s4u_outcome *out)
{
    bool good = ret == 0 && out->st.code == S4U_ERR_KDC_UNREACHABLE &&
                strcmp(out->st.detail, "stand-in read mode=delegate") == 0;

    if (!good)
        printf("#   got %d, status %d: %s\n", ret, (int)out->st.code,
               out->st.detail);
    return good;
}

/* One case of closed fds: the helper's answer must come back whole. */
static void
check_fds(const int *closed, size_t nclosed, const char *name)
{
    struct s4u_outcome out;
    int ret = run_closed(HELPER, closed, nclosed, &out);

    ok(standin_answered(ret, &out), "%s: the stand-in's answer is parsed",
       name);
    s4u_outcome_free(&out);
}

/* helper=path runs: the stand-in answers. */
static void
runs(const char *path, const char *name)
{
    struct s4u_outcome out;
    int ret = run_closed(path, NULL, 0, &out);

    ok(standin_answered(ret, &out), "%s runs", name);
    s4u_outcome_free(&out);
}

/* helper=path is refused, nothing runs, and the log detail holds why. */
static void
refused(const char *path, const char *why, const char *name)
{
    struct s4u_outcome out;
    int ret = run_closed(path, NULL, 0, &out);

    ok(ret == EPERM && out.st.code == S4U_ERR_HELPER &&
           strstr(out.st.detail, why) != NULL,
       "%s is refused: %s", name, why);
    if (ret != EPERM || strstr(out.st.detail, why) == NULL)
        printf("#   got %d, status %d: %s\n", ret, (int)out.st.code,
               out.st.detail);
    s4u_outcome_free(&out);
}

/* Each unsafe place is refused, naming the part to fix. */
static void
check_refusals(void)
{
    refused(TOP "/open/pam_s4u_helper",
            "directory " TOP "/open is writable by others (mode 0777)",
            "a helper in a directory others may write");
    refused(TOP "/sticky/pam_s4u_helper",
            "directory " TOP "/sticky is writable by others (mode 1777)",
            "a helper in a sticky world-writable directory (as /tmp)");
    refused(TOP "/group/pam_s4u_helper",
            "directory " TOP "/group is writable by its group (mode 0775)",
            "a helper in a group-writable directory");
    refused(TOP "/users/pam_s4u_helper",
            "directory " TOP "/users belongs to uid 65534",
            "a helper in a directory root does not own");
    refused(TOP "/safe/group_writable",
            "file " TOP "/safe/group_writable is writable by its group",
            "a group-writable helper");
    refused(TOP "/safe/not_roots",
            "file " TOP "/safe/not_roots belongs to uid 65534",
            "a helper root does not own");
    refused(TOP "/safe/into_open",
            "directory " TOP "/open is writable by others",
            "a root's symlink into an unsafe directory");
    refused(TOP "/safe", "is not an executable regular file", "a directory");
    refused("safe/pam_s4u_helper", "is not an absolute path",
            "a relative path");
    refused(TOP "/safe/nosuch", "cannot find " TOP "/safe/nosuch",
            "a missing helper");
}

/*
 * The path is swapped to another program between the check and the exec:
 * the checked file still runs, never what the path names by then.
 */
static void
check_swap(void)
{
    struct s4u_outcome out;
    int ret;

    swap_link = TOP "/safe/swap";
    swap_to = "evil";
    ret = run_closed(TOP "/safe/swap", NULL, 0, &out);
    ok(standin_answered(ret, &out) && swap_link == NULL,
       "a path swapped after the check: the checked file runs");
    ok(access(EVIL_RAN, F_OK) != 0 && errno == ENOENT,
       "and the program swapped in never ran");
    s4u_outcome_free(&out);
}

int
main(void)
{
    static const int none[] = {-1}, in_out[] = {0, 1}, all[] = {0, 1, 2},
                     err[] = {2}, in[] = {0};

    if (geteuid() != 0) {
        printf("1..0 # SKIP spawn.c runs only a root-owned helper\n");
        return 0;
    }
    if (setup() != 0) {
        printf("Bail out! cannot set up the stand-ins on a private %s: %s\n",
               TOP, strerror(errno));
        return 1;
    }
    check_fds(none, 0, "all standard fds open");
    check_fds(in_out, 2, "fds 0 and 1 closed");
    check_fds(all, 3, "fds 0, 1 and 2 closed");
    check_fds(err, 1, "fd 2 closed");
    check_fds(in, 1, "fd 0 closed");
    runs(TOP "/lib/pam_s4u_helper", "a root's relative symlink on the way");
    runs(TOP "/safe/absolute", "a root's absolute symlink to the helper");
    runs(TOP "/safe/./../safe//pam_s4u_helper", "a path with . and ..");
    check_refusals();
    check_swap();
    return tap_done();
}
