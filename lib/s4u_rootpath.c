/*
 * s4u_rootpath.c: opening a file only root can have put there.
 *
 * The policy file and the session records steer what root does for a
 * user, so what is read must be root's: every directory from "/" down must
 * be owned by root and writable by nobody else, no symlink may be on the
 * way, and each name is looked up in the descriptor of the directory
 * above, already checked, so the path cannot change between check and use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/s4u_rootpath.h"

/* Only root may own or write it; why says what is wrong otherwise. */
static int
root_only(int fd, const char *at, bool dir, char *why, size_t size)
{
    struct stat sb;

    if (fstat(fd, &sb) != 0) {
        snprintf(why, size, "cannot stat %s: %s", at, strerror(errno));
        return EIO;
    }
    if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)) {
        snprintf(why, size, "%s is not a %s", at,
                 dir ? "directory" : "regular file");
        return EPERM;
    }
    if (sb.st_uid != 0 || (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(why, size,
                 "%s is unsafe: owned by uid %lu, mode %04o; it and every "
                 "directory above it must be owned by root and writable "
                 "only by root",
                 at, (unsigned long)sb.st_uid,
                 (unsigned int)(sb.st_mode & 07777));
        return EPERM;
    }
    return 0;
}

/*
 * Open name in dir (at is the path so far), refusing symlinks; a missing
 * directory is made first when mkdir_mode is not 0.
 */
static int
open_in(int dir, const char *name, const char *at, int flags, bool is_dir,
        mode_t mkdir_mode, int *fd_out, char *why, size_t size)
{
    int fd, ret;

    fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && is_dir && mkdir_mode != 0 &&
        (mkdirat(dir, name, mkdir_mode) == 0 || errno == EEXIST))
        fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        ret = errno;
        if (ret == ELOOP || (is_dir && ret == ENOTDIR))
            snprintf(why, size, "%s is a symlink or not a directory", at);
        else
            snprintf(why, size, "cannot open %s: %s", at, strerror(ret));
        return ret == ELOOP ? EPERM : ret;
    }
    ret = root_only(fd, at, is_dir, why, size);
    if (ret != 0) {
        close(fd);
        return ret;
    }
    *fd_out = fd;
    return 0;
}

/* Take the next name of *p into name; false if the path is not plain. */
static bool
next_name(const char **p, char *name)
{
    size_t len;

    *p += strspn(*p, "/");
    len = strcspn(*p, "/");
    if (len == 0 || len > NAME_MAX || (len == 1 && (*p)[0] == '.') ||
        (len == 2 && (*p)[0] == '.' && (*p)[1] == '.'))
        return false;
    memcpy(name, *p, len);
    name[len] = '\0';
    *p += len;
    return true;
}

/*
 * Open path, an absolute path without "." or "..", checked as the top of
 * this file says.  flags are for the last name: with O_DIRECTORY it must
 * be a directory (made, like missing directories above it, with
 * mkdir_mode if that is not 0), else a regular file.  0 with *fd_out, or
 * an errno value (ENOENT: a name is missing) with why saying what is
 * wrong, for the admin.
 */
int
s4u_root_open(const char *path, int flags, mode_t mkdir_mode, int *fd_out,
              char *why, size_t size)
{
    char at[PATH_MAX] = "", name[NAME_MAX + 1];
    const char *p = path;
    bool last, want_dir = (flags & O_DIRECTORY) != 0;
    int dir, next = -1, ret;

    why[0] = '\0';
    if (path[0] != '/' || strlen(path) >= sizeof(at)) {
        snprintf(why, size, "%s is not an absolute path", path);
        return EINVAL;
    }
    dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return errno;
    ret = root_only(dir, "/", true, why, size);
    while (ret == 0) {
        if (!next_name(&p, name)) {
            snprintf(why, size, "%s is not a plain absolute path", path);
            ret = EINVAL;
            break;
        }
        snprintf(at + strlen(at), sizeof(at) - strlen(at), "/%s", name);
        last = p[strspn(p, "/")] == '\0';
        ret = open_in(dir, name, at, last ? flags : O_PATH | O_DIRECTORY,
                      !last || want_dir, mkdir_mode, &next, why, size);
        if (ret != 0)
            break;
        close(dir);
        dir = next;
        if (last) {
            *fd_out = dir;
            return 0;
        }
    }
    close(dir);
    return ret;
}

/*
 * Open name in the checked directory dir for reading: a regular file of
 * root's that nobody else may write (and, with private, nobody else may
 * read).  0 with *fd_out, or an errno value with why filled.
 */
int
s4u_root_open_at(int dir, const char *name, bool private, int *fd_out,
                 char *why, size_t size)
{
    struct stat sb;
    int fd, ret;

    fd = openat(dir, name,
                O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        ret = errno;
        snprintf(why, size, "cannot open %s: %s", name, strerror(ret));
        return ret == ELOOP ? EPERM : ret;
    }
    ret = root_only(fd, name, false, why, size);
    if (ret == 0 && private &&
        (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0)) {
        snprintf(why, size, "%s is readable by others", name);
        ret = EPERM;
    }
    if (ret != 0) {
        close(fd);
        return ret;
    }
    *fd_out = fd;
    return 0;
}

/* Read all of fd, at most max bytes, as a string. */
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
