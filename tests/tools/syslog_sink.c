/*
 * syslog_sink: a minimal syslog receiver for the integration tests.
 *
 * Usage: syslog_sink SOCKET_PATH OUTFILE PIDFILE
 *
 * Binds an AF_UNIX datagram socket at SOCKET_PATH (mode 0666, so that
 * processes running as test users can log too), writes its pid to PIDFILE
 * and appends every datagram it receives to OUTFILE as exactly one line.
 * It runs until SIGTERM or SIGINT, then removes SOCKET_PATH and exits 0.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

/* Large enough for any datagram syslog(3) or logger(1) will send. */
#define SINK_BUFSIZE 65536

static volatile sig_atomic_t stop_requested = 0;

/* Ask the receive loop to finish; recv() returns EINTR since no SA_RESTART. */
static void
on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Install the SIGTERM/SIGINT handler without SA_RESTART. */
static int
install_signal_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    if (sigemptyset(&sa.sa_mask) != 0)
        return -1;
    if (sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    if (sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    return 0;
}

/* Remove a stale socket left by an earlier run; refuse to remove anything else.
 */
static int
remove_stale_socket(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        errno = EEXIST;
        return -1;
    }
    return unlink(path);
}

/* Create, bind and open up the datagram socket; returns the fd or -1. */
static int
open_socket(const char *path)
{
    struct sockaddr_un addr;
    int fd = -1;

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    if (remove_stale_socket(path) != 0)
        return -1;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        chmod(path, 0666) != 0) {
        int saved = errno;
        if (close(fd) != 0)
            perror("syslog_sink: close");
        errno = saved;
        return -1;
    }
    return fd;
}

/* Write our pid to PIDFILE. */
static int
write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    if (fprintf(f, "%ld\n", (long)getpid()) < 0) {
        if (fclose(f) != 0)
            perror("syslog_sink: fclose pidfile");
        return -1;
    }
    return fclose(f);
}

/* Turn one datagram into one line: drop trailing NUL/newlines, flatten the
 * rest. */
static size_t
normalise_message(char *buf, size_t len)
{
    size_t i;

    while (len > 0 && (buf[len - 1] == '\0' || buf[len - 1] == '\n' ||
                       buf[len - 1] == '\r'))
        len--;
    for (i = 0; i < len; i++) {
        if (buf[i] == '\0' || buf[i] == '\n' || buf[i] == '\r')
            buf[i] = ' ';
    }
    return len;
}

/* Append one line to the output and flush it, so tests see it at once. */
static int
append_line(FILE *out, const char *buf, size_t len)
{
    if (len > 0 && fwrite(buf, 1, len, out) != len)
        return -1;
    if (fputc('\n', out) == EOF)
        return -1;
    return fflush(out) == 0 ? 0 : -1;
}

/* Receive datagrams until asked to stop; returns 0 on a clean stop. */
static int
receive_loop(int fd, FILE *out)
{
    static char buf[SINK_BUFSIZE];

    while (!stop_requested) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("syslog_sink: recv");
            return -1;
        }
        if (append_line(out, buf, normalise_message(buf, (size_t)n)) != 0) {
            perror("syslog_sink: write");
            return -1;
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    FILE *out = NULL;
    int fd = -1;
    int status = EXIT_FAILURE;

    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET_PATH OUTFILE PIDFILE\n", argv[0]);
        return EXIT_FAILURE;
    }
    if (install_signal_handlers() != 0) {
        perror("syslog_sink: sigaction");
        goto cleanup;
    }
    out = fopen(argv[2], "a");
    if (out == NULL) {
        fprintf(stderr, "syslog_sink: %s: %s\n", argv[2], strerror(errno));
        goto cleanup;
    }
    fd = open_socket(argv[1]);
    if (fd < 0) {
        fprintf(stderr, "syslog_sink: %s: %s\n", argv[1], strerror(errno));
        goto cleanup;
    }
    if (write_pidfile(argv[3]) != 0) {
        fprintf(stderr, "syslog_sink: %s: %s\n", argv[3], strerror(errno));
        goto cleanup;
    }
    if (receive_loop(fd, out) == 0)
        status = EXIT_SUCCESS;

cleanup:
    if (fd >= 0) {
        if (close(fd) != 0)
            perror("syslog_sink: close");
        if (unlink(argv[1]) != 0)
            perror("syslog_sink: unlink");
    }
    if (out != NULL && fclose(out) != 0) {
        perror("syslog_sink: fclose");
        status = EXIT_FAILURE;
    }
    return status;
}
