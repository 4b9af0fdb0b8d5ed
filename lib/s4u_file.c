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

/* Make *buf hold at least want + 1 bytes (growing by doubling); ENOMEM. */
static int
grow(char **buf, size_t *size, size_t want, size_t max)
{
    size_t next = *size == 0 ? 4096 : *size;
    char *bigger;

    while (next < want + 1 && next <= max)
        next *= 2;
    if (next > max + 1)
        next = max + 1;
    bigger = realloc(*buf, next + 1);
    if (bigger == NULL)
        return ENOMEM;
    *buf = bigger;
    *size = next;
    return 0;
}

/*
 * Read all of fd, at most max bytes, as a string; EFBIG if there is more.
 * The buffer grows with what is read, so a small file costs a small one.
 * 0 with *text_out (to free) and *len_out, or an errno value.
 */
int
s4u_read_fd(int fd, size_t max, char **text_out, size_t *len_out)
{
    char *buf = NULL;
    size_t len = 0, size = 0;
    ssize_t n = 0;
    int ret = 0;

    *text_out = NULL;
    *len_out = 0;
    while (len <= max) {
        if (len == size && (ret = grow(&buf, &size, len + 1, max)) != 0)
            break;
        n = read(fd, buf + len, size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (ret == 0 && (n < 0 || len > max))
        ret = n < 0 ? EIO : EFBIG;
    if (ret != 0) {
        free(buf);
        return ret;
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
