/*
 * s4u_file.c: reading a small text file whole, the one reader for every
 * file pam-s4u reads (PAM service files, /proc/key-users, the policy file,
 * the session records, /proc/PID/stat).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/s4u.h"

/*
 * Read all of fd, at most max bytes, as a string; EFBIG if there is more.
 * 0 with *text_out (to free) and *len_out, or an errno value.
 */
int
s4u_read_fd(int fd, size_t max, char **text_out, size_t *len_out)
{
    char *buf = malloc(max + 1);
    size_t len = 0;
    ssize_t n = 0;

    *text_out = NULL;
    *len_out = 0;
    if (buf == NULL)
        return ENOMEM;
    while (len <= max) {
        n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (n < 0 || len > max) {
        free(buf);
        return n < 0 ? EIO : EFBIG;
    }
    buf[len] = '\0';
    *text_out = buf;
    *len_out = len;
    return 0;
}

/* Read a whole file of less than S4U_TEXT_MAX bytes into a string. */
int
s4u_read_text(const char *path, char **text_out)
{
    size_t len = 0;
    int fd, ret;

    *text_out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errno;
    ret = s4u_read_fd(fd, S4U_TEXT_MAX - 1, text_out, &len);
    close(fd);
    return ret;
}
