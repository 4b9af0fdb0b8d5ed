/*
 * s4u_spawn.c: running pam_s4u_helper, the privileged part, for the
 * module (at login and logout) and for s4uctl refresh.
 *
 * The helper gets an empty environment, only the request on its standard
 * input, and a deadline: it stops its own KDC traffic after timeout=, and
 * we kill it if it has not answered a few seconds later.  The outcome is
 * trusted only if it parses and ends with "end".  A socket pair with
 * MSG_NOSIGNAL keeps a dying helper from raising SIGPIPE in the PAM
 * application.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/s4u_rootpath.h"
#include "lib/s4u_spawn.h"

#define GRACE_SECONDS 5
#define REPLY_MAX (1024 * 1024)

/* The fix named in every refusal of an unsafe place. */
#define HELPER_FIX                                                             \
    "the helper and every directory above it must be owned by root and "       \
    "writable only by root"

/* An unsafe place on the way to the helper, in the words of the log. */
static void
helper_unsafe(const struct s4u_root_stop *s, struct s4u_status *st)
{
    const char *what = s->dir ? "directory" : "file";

    if (s->uid != 0)
        s4u_status_set(st, S4U_ERR_HELPER, 0,
                       "unsafe helper=: %s %s belongs to uid %lu; %s", what,
                       s->at, (unsigned long)s->uid, HELPER_FIX);
    else
        s4u_status_set(st, S4U_ERR_HELPER, 0,
                       "unsafe helper=: %s %s is writable by %s (mode %04o); "
                       "%s",
                       what, s->at,
                       (s->mode & S_IWOTH) != 0 ? "others" : "its group",
                       (unsigned int)s->mode, HELPER_FIX);
}

/* Why the walk down helper= (s4u_root_walk) stopped, for the log. */
static void
helper_refused(const char *path, const struct s4u_root_stop *s,
               struct s4u_status *st)
{
    switch (s->fault) {
    case S4U_ROOT_BAD_PATH:
        s4u_status_set(st, S4U_ERR_HELPER, 0, "helper=%s %s", path, s->what);
        break;
    case S4U_ROOT_NO_OPEN:
        s4u_status_set(st, S4U_ERR_HELPER, s->err, "cannot find %s", s->at);
        break;
    case S4U_ROOT_LINK:
    case S4U_ROOT_LOOP:
        s4u_status_set(st, S4U_ERR_HELPER, s->err, "helper=: %s at %s",
                       s->what != NULL ? s->what : "a symlink", s->at);
        break;
    case S4U_ROOT_TYPE:
        if (s->dir)
            s4u_status_set(st, S4U_ERR_HELPER, ENOTDIR, "%s is not a directory",
                           s->at);
        else
            s4u_status_set(st, S4U_ERR_HELPER, 0,
                           "helper=%s is not an executable regular file",
                           s->at);
        break;
    case S4U_ROOT_UNSAFE:
        helper_unsafe(s, st);
        break;
    }
}

/*
 * Open the helper= file for fexecve, once, with the walker the policy file
 * and the session records use (s4u_root_walk), following the symlinks root
 * put in root's directories.  Each name is looked up in a directory already
 * found safe, so what runs is what was checked, and a user who may write
 * to a directory on the way never gets that far.  The descriptor is above
 * fd 2 (see make_socket); -1 with st filled on error.
 */
static int
helper_open(const char *path, struct s4u_status *st)
{
    const struct s4u_root_how how = {O_PATH, 0, true};
    struct s4u_root_stop stop;
    struct stat sb;
    int file = -1, moved;

    if (s4u_root_walk(path, &how, &file, &stop) != 0) {
        helper_refused(path, &stop, st);
        return -1;
    }
    if (fstat(file, &sb) != 0 || (sb.st_mode & S_IXUSR) == 0) {
        s4u_status_set(st, S4U_ERR_HELPER, 0,
                       "helper=%s is not an executable regular file", path);
        close(file);
        return -1;
    }
    if (file <= STDERR_FILENO) {
        moved = fcntl(file, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        if (moved < 0)
            s4u_status_set(st, S4U_ERR_HELPER, errno,
                           "cannot move the helper's descriptor");
        close(file);
        file = moved;
    }
    return file;
}

/*
 * In the child: wire the socket to stdin/stdout and exec the helper's
 * descriptor.  sock and helper are above fd 2 (make_socket, helper_open),
 * so each dup2 makes a new fd, without FD_CLOEXEC; /dev/null is opened
 * once 0 and 1 are taken, so it can only land on 2 or above, never on the
 * helper's standard output.  The descriptor moves to fd 3 and keeps
 * FD_CLOEXEC, so the helper starts with fds 0 to 2 only (fexecve of such
 * a descriptor fails for a script, and the helper is an ELF program).
 */
__attribute__((noreturn)) static void
exec_helper(int helper, int sock)
{
    char *const argv[] = {(char *)"pam_s4u_helper", NULL};
    char *const envp[] = {NULL};
    sigset_t all;
    int null, sig;

    if (dup2(sock, STDIN_FILENO) < 0 || dup2(sock, STDOUT_FILENO) < 0)
        _exit(127);
    null = open("/dev/null", O_RDWR);
    if (null < 0 || (null != STDERR_FILENO && dup2(null, STDERR_FILENO) < 0))
        _exit(127);
    if (helper != 3 && dup3(helper, 3, O_CLOEXEC) < 0)
        _exit(127);
    closefrom(4);
    for (sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    fexecve(3, argv, envp);
    _exit(127);
}

/*
 * The socket pair to the helper; sv[1], the helper's end, is moved above
 * fd 2.  An application may run with fd 0 or 1 closed, and socketpair then
 * returns them: dup2 of an fd onto itself is a no-op that keeps
 * FD_CLOEXEC, and the helper would start without standard input or output.
 * Returns 0 or an errno value, with st filled.
 */
static int
make_socket(int sv[2], struct s4u_status *st)
{
    int moved, ret = 0;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        ret = errno;
        s4u_status_set(st, S4U_ERR_HELPER, ret, "socketpair failed");
        return ret;
    }
    if (sv[1] > STDERR_FILENO)
        return 0;
    moved = fcntl(sv[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0) {
        ret = errno;
        close(sv[0]);
        s4u_status_set(st, S4U_ERR_HELPER, ret, "cannot move the socket");
    }
    close(sv[1]);
    sv[1] = moved;
    return ret;
}

/* Milliseconds left until the deadline, at least 0. */
static int
ms_left(const struct timespec *deadline)
{
    struct timespec now;
    long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (deadline->tv_sec - now.tv_sec) * 1000 +
         (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : (int)ms;
}

/* Wait for fd to be ready; false on deadline. */
static bool
wait_fd(int fd, short events, const struct timespec *deadline)
{
    struct pollfd p = {fd, events, 0};
    int n;

    do {
        n = poll(&p, 1, ms_left(deadline));
    } while (n < 0 && errno == EINTR);
    return n > 0;
}

/* Send the request and read the reply, both bounded by the deadline. */
static int
converse(int fd, const char *request, const struct timespec *deadline,
         char **reply_out, size_t *len_out)
{
    size_t sent = 0, len = strlen(request), got = 0;
    char *buf;
    ssize_t n;

    while (sent < len) {
        if (!wait_fd(fd, POLLOUT, deadline))
            return ETIMEDOUT;
        n = send(fd, request + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EINTR)
            return errno;
        sent += n > 0 ? (size_t)n : 0;
    }
    shutdown(fd, SHUT_WR);
    buf = malloc(REPLY_MAX);
    if (buf == NULL)
        return ENOMEM;
    for (;;) {
        if (!wait_fd(fd, POLLIN, deadline)) {
            free(buf);
            return ETIMEDOUT;
        }
        n = recv(fd, buf + got, REPLY_MAX - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (got += (size_t)n) == REPLY_MAX)
            break;
    }
    *reply_out = buf;
    *len_out = got;
    return 0;
}

/*
 * A pidfd for the helper, taken right after fork: unlike its pid, it can
 * never name another process, even after the application reaps the helper
 * (a SIGCHLD handler calling waitpid(-1) may) and the pid is reused.  If
 * the helper is already gone by then, or the pidfd names a process that is
 * not our child (that pid was reused at once), *pid is set to 0: nothing is
 * left to signal or reap.  -1 without a pidfd (no fds left): use the pid.
 */
static int
helper_pidfd(pid_t *pid)
{
    siginfo_t info;
    int fd;

    fd = pidfd_open(*pid, 0);
    if (fd < 0) {
        if (errno == ESRCH)
            *pid = 0;
        return -1;
    }
    memset(&info, 0, sizeof(info));
    if (waitid(P_PIDFD, (id_t)fd, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        close(fd);
        *pid = 0;
        return -1;
    }
    return fd;
}

/*
 * Kill the helper if asked, and reap it; the application may have reaped
 * it already (ECHILD).  Through the pidfd when there is one; else through
 * the pid, signalled only while waitid still shows it running as our
 * child, which narrows the reuse race to that check.
 */
static void
reap(pid_t pid, int pidfd, bool kill_it)
{
    siginfo_t info;

    memset(&info, 0, sizeof(info));
    if (pidfd >= 0) {
        /* ESRCH: it has exited already; there is nothing else to do. */
        if (kill_it)
            (void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
        while (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0 &&
               errno == EINTR)
            ;
        close(pidfd);
        return;
    }
    if (pid <= 0)
        return;
    if (kill_it &&
        waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == 0)
        (void)kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/*
 * Run the helper with request and parse its outcome into out.  Returns 0
 * when out holds the helper's answer, else fills out->st and returns an
 * errno value.
 */
int
s4u_run_helper(const char *path, const char *request, unsigned int timeout,
               struct s4u_outcome *out)
{
    struct timespec deadline;
    char *reply = NULL;
    const char *why;
    size_t len = 0;
    int sv[2] = {-1, -1}, helper, ret, pidfd;
    pid_t pid;

    *out = (struct s4u_outcome){0};
    helper = helper_open(path, &out->st);
    if (helper < 0)
        return EPERM;
    ret = make_socket(sv, &out->st);
    if (ret != 0) {
        close(helper);
        return ret;
    }
    pid = fork();
    ret = pid < 0 ? errno : 0;
    if (pid == 0)
        exec_helper(helper, sv[1]);
    pidfd = pid > 0 ? helper_pidfd(&pid) : -1;
    close(helper);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        s4u_status_set(&out->st, S4U_ERR_HELPER, ret, "fork failed");
        return ret;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout + GRACE_SECONDS;
    ret = converse(sv[0], request, &deadline, &reply, &len);
    close(sv[0]);
    reap(pid, pidfd, ret != 0);
    if (ret == ETIMEDOUT)
        s4u_status_set(&out->st, S4U_ERR_TIMEOUT, 0,
                       "the helper did not finish within %u seconds and was "
                       "stopped",
                       timeout + GRACE_SECONDS);
    else if (ret != 0)
        s4u_status_set(&out->st, S4U_ERR_HELPER, ret, "no answer from %s",
                       path);
    else if ((ret = s4u_outcome_parse(reply, len, out, &why)) != 0)
        s4u_status_set(&out->st, S4U_ERR_HELPER, ret, "%s (%s)", why, path);
    free(reply);
    return ret;
}
