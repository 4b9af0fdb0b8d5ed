/*
 * pid_reuse.c: a PAM application whose SIGCHLD handler reaps every child,
 * as some daemons' do, and then hands the reaped pid to a new process of
 * its own, a "victim", at once.  It opens a session with SERVICE and
 * reports whether the victim survived the module:
 *
 *   pid_reuse CONFDIR SERVICE USER
 *   victim: alive | killed (pid N, the helper's old pid)
 *
 * The pid is handed over through /proc/sys/kernel/ns_last_pid, so run it
 * as pid 1 of a pid namespace of its own (unshare --pid --fork
 * --mount-proc), where nothing else takes pids.  Exit status 0 when the
 * handover happened, 1 when it did not, 2 on a usage or PAM error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

static volatile sig_atomic_t victim_pid;    /* the victim, once forked */
static volatile sig_atomic_t victim_killed; /* a signal ended the victim */

/* Hand pid over: the next fork in this pid namespace gets it. */
static pid_t
fork_with_pid(pid_t pid)
{
    char text[32];
    int fd, n;

    n = snprintf(text, sizeof(text), "%d", (int)pid - 1);
    fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    if (fd < 0 || n <= 0 || write(fd, text, (size_t)n) != n) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return fork();
}

/* Reap every child; the first one's pid goes to a new, idle victim. */
static void
on_child(int sig)
{
    int saved = errno, status;
    pid_t pid, victim;

    (void)sig;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (victim_pid != 0 && pid == victim_pid) {
            victim_killed = WIFSIGNALED(status);
            continue;
        }
        if (victim_pid != 0)
            continue;
        victim = fork_with_pid(pid);
        if (victim == 0) {
            for (;;)
                pause();
        }
        victim_pid = victim == pid ? victim : -1;
    }
    errno = saved;
}

/* No prompts are expected: answer none. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *data)
{
    (void)n;
    (void)msg;
    (void)resp;
    (void)data;
    return PAM_CONV_ERR;
}

/* Whether the victim lives: not reaped by us nor by anyone else. */
static bool
victim_alive(pid_t victim)
{
    siginfo_t info;

    memset(&info, 0, sizeof(info));
    return !victim_killed &&
           waitid(P_PID, (id_t)victim, &info, WEXITED | WNOHANG | WNOWAIT) ==
               0 &&
           info.si_pid == 0;
}

int
main(int argc, char **argv)
{
    struct pam_conv pc = {conv, NULL};
    struct sigaction sa;
    pam_handle_t *pamh = NULL;
    pid_t victim;
    bool alive;
    int ret;

    if (argc != 4) {
        fprintf(stderr, "usage: pid_reuse CONFDIR SERVICE USER\n");
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_child;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGCHLD, &sa, NULL) != 0)
        return 2;
    ret = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &pamh);
    if (ret != PAM_SUCCESS)
        return 2;
    ret = pam_open_session(pamh, 0);
    printf("open: %s\n", pam_strerror(pamh, ret));
    pam_end(pamh, ret);
    victim = victim_pid;
    if (victim <= 0) {
        printf("victim: none (the pid was not handed over)\n");
        return 1;
    }
    alive = victim_alive(victim);
    printf("victim: %s (pid %d, the helper's old pid)\n",
           alive ? "alive" : "killed", (int)victim);
    if (alive && kill(victim, SIGTERM) == 0)
        (void)waitpid(victim, NULL, 0);
    return 0;
}
