/*
 * s4u_session_file.c: the session records on disk, and the processes they
 * name.
 *
 * S4U_SESSION_DIR and every directory above it must be root's and
 * writable only by root (s4u_root_open, which makes the missing ones
 * 0700); a record is written whole to a new file and renamed into place,
 * so a reader sees the old record or the new one, never half of one, and
 * it is read only if it is a regular file of root's that nobody else may
 * read or write.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/s4u_rootpath.h"
#include "lib/s4u_session.h"

/* The records' directory, made if missing; 0 with *fd_out or an errno. */
static int
open_dir(bool create, int *fd_out, char *why, size_t size)
{
    return s4u_root_open(S4U_SESSION_DIR, O_PATH | O_DIRECTORY,
                         create ? 0700 : 0, fd_out, why, size);
}

/* Write all of text to fd. */
static int
write_all(int fd, const char *text, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write text to name in dir through a temporary file and a rename. */
static int
replace_file(int dir, const char *name, const char *text, char *why,
             size_t size)
{
    char tmp[S4U_SESSION_ID_LEN + 8];
    int fd, ret;

    snprintf(tmp, sizeof(tmp), ".%s.new", name);
    (void)unlinkat(dir, tmp, 0);
    fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0) {
        ret = errno;
        snprintf(why, size, "cannot create %s/%s: %s", S4U_SESSION_DIR, tmp,
                 strerror(ret));
        return ret;
    }
    ret = write_all(fd, text, strlen(text));
    if (close(fd) != 0 && ret == 0)
        ret = errno;
    if (ret == 0 && renameat(dir, tmp, dir, name) != 0)
        ret = errno;
    if (ret != 0) {
        snprintf(why, size, "cannot write %s/%s: %s", S4U_SESSION_DIR, name,
                 strerror(ret));
        (void)unlinkat(dir, tmp, 0);
    }
    return ret;
}

/* Write (or rewrite) the record of s; 0 or an errno value with why. */
int
s4u_session_save(const struct s4u_session *s, char *why, size_t size)
{
    char id[S4U_SESSION_ID_LEN + 1], *text = NULL;
    int dir = -1, ret;

    if (!s4u_session_id(s->ccache, id)) {
        snprintf(why, size, "not a cache of pam_s4u's");
        return EINVAL;
    }
    ret = s4u_session_format(s, &text);
    if (ret != 0) {
        snprintf(why, size, "cannot format the record: %s", strerror(ret));
        return ret;
    }
    ret = open_dir(true, &dir, why, size);
    if (ret == 0) {
        ret = replace_file(dir, id, text, why, size);
        close(dir);
    }
    free(text);
    return ret;
}

/* Remove the record of the session whose cache is ccache, if any. */
int
s4u_session_forget(const char *ccache, char *why, size_t size)
{
    char id[S4U_SESSION_ID_LEN + 1];
    int dir = -1, ret;

    why[0] = '\0';
    if (!s4u_session_id(ccache, id))
        return 0;
    ret = open_dir(false, &dir, why, size);
    if (ret == ENOENT)
        return 0;
    if (ret != 0)
        return ret;
    ret = unlinkat(dir, id, 0) == 0 || errno == ENOENT ? 0 : errno;
    if (ret != 0)
        snprintf(why, size, "cannot remove %s/%s: %s", S4U_SESSION_DIR, id,
                 strerror(ret));
    close(dir);
    return ret;
}

/* Is name a record's id (16 lower-case hex digits)? */
static bool
id_ok(const char *name)
{
    size_t i;

    for (i = 0; name[i] != '\0'; i++) {
        if (!((name[i] >= '0' && name[i] <= '9') ||
              (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    }
    return i == S4U_SESSION_ID_LEN;
}

/*
 * Take fd's flock, waiting up to wait_ms for another holder to let go (0:
 * not at all).  0, EWOULDBLOCK, or an errno value.
 */
static int
lock_fd(int fd, unsigned int wait_ms)
{
    const struct timespec pause = {0, 20 * 1000 * 1000};
    unsigned int waited = 0;

    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            return errno;
        if (waited >= wait_ms)
            return EWOULDBLOCK;
        nanosleep(&pause, NULL);
        waited += 20;
    }
}

/*
 * Does name in dir still name fd's file?  0, ENOENT (removed: the session
 * logged out), or ESTALE (replaced: a refresh rewrote it meanwhile).
 */
static int
still_named(int dir, const char *name, int fd)
{
    struct stat named, held;

    if (fstatat(dir, name, &named, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? ENOENT : errno;
    if (fstat(fd, &held) != 0)
        return errno;
    return named.st_dev == held.st_dev && named.st_ino == held.st_ino ? 0
                                                                      : ESTALE;
}

/*
 * Lock the record id, so that a logout and a refresh of the same session
 * never overlap: logout holds it while it removes the cache and the
 * record, a refresh while it rewrites them.  The lock is the flock of the
 * record's file; a record rewritten meanwhile (a new file, renamed into
 * place) is locked afresh.  wait_ms: how long to wait for another holder.
 * 0 with *fd_out (close it to unlock), ENOENT when there is no record (any
 * more), EWOULDBLOCK when another still holds it, or an errno value with
 * why.
 */
int
s4u_session_lock(const char *id, unsigned int wait_ms, int *fd_out, char *why,
                 size_t size)
{
    int dir = -1, fd = -1, ret, tries;

    why[0] = '\0';
    if (!id_ok(id)) {
        snprintf(why, size, "not a record's name");
        return EINVAL;
    }
    ret = open_dir(false, &dir, why, size);
    for (tries = 0; ret == 0 && tries < 3; tries++) {
        ret = s4u_root_open_at(dir, id, true, &fd, why, size);
        if (ret == 0)
            ret = lock_fd(fd, wait_ms);
        if (ret == 0)
            ret = still_named(dir, id, fd);
        if (ret == 0)
            break;
        if (fd >= 0)
            close(fd);
        fd = -1;
        ret = ret == ESTALE ? 0 : ret;
    }
    if (dir >= 0)
        close(dir);
    if (ret == 0 && fd < 0)
        ret = EWOULDBLOCK;
    if (ret != 0 && ret != ENOENT && ret != EWOULDBLOCK && why[0] == '\0')
        snprintf(why, size, "cannot lock %s/%s: %s", S4U_SESSION_DIR, id,
                 strerror(ret));
    if (ret == 0)
        *fd_out = fd;
    return ret;
}

/* qsort order of ids. */
static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The ids of every record, sorted; other names are skipped.  No directory
 * is no record.  0, or an errno value with why.
 */
int
s4u_session_list(char ***ids_out, size_t *n_out, char *why, size_t size)
{
    char **ids = NULL;
    size_t n = 0;
    struct dirent *e;
    DIR *d = NULL;
    int dir = -1, fd, ret;

    *ids_out = NULL;
    *n_out = 0;
    ret = open_dir(false, &dir, why, size);
    if (ret == ENOENT)
        return 0;
    if (ret != 0)
        return ret;
    fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(dir);
    d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        ret = errno;
        if (fd >= 0)
            close(fd);
        snprintf(why, size, "cannot list %s: %s", S4U_SESSION_DIR,
                 strerror(ret));
        return ret;
    }
    while (ret == 0 && (e = readdir(d)) != NULL) {
        if (id_ok(e->d_name))
            ret = s4u_strv_append(&ids, &n, e->d_name);
    }
    closedir(d);
    if (ret != 0) {
        s4u_strv_free(ids, n);
        return ret;
    }
    if (n > 1)
        qsort(ids, n, sizeof(*ids), by_name);
    *ids_out = ids;
    *n_out = n;
    return 0;
}

/* Read and parse the record id; 0, or an errno value with why. */
int
s4u_session_load(const char *id, struct s4u_session *s_out, char *why,
                 size_t size)
{
    char *text = NULL;
    const char *what = NULL;
    size_t len = 0;
    int dir = -1, fd = -1, ret;

    *s_out = (struct s4u_session){0};
    if (!id_ok(id)) {
        snprintf(why, size, "not a record's name");
        return EINVAL;
    }
    ret = open_dir(false, &dir, why, size);
    if (ret == 0) {
        ret = s4u_root_open_at(dir, id, true, &fd, why, size);
        close(dir);
    }
    if (ret == 0) {
        ret = s4u_read_fd(fd, S4U_SESSION_MAX, &text, &len);
        close(fd);
    }
    if (ret == 0) {
        ret = s4u_session_parse(text, len, s_out, &what);
        if (ret != 0)
            snprintf(why, size, "%s/%s: %s", S4U_SESSION_DIR, id,
                     what != NULL ? what : strerror(ret));
    }
    free(text);
    return ret;
}

/* The start time of process pid; 0, ENOENT if it is gone, or EIO. */
int
s4u_proc_start(pid_t pid, unsigned long long *start_out)
{
    char path[64], *text = NULL;
    size_t len = 0;
    int fd, ret;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH ? ENOENT : EIO;
    ret = s4u_read_fd(fd, 4096, &text, &len);
    close(fd);
    if (ret == 0 && !s4u_proc_stat_start(text, start_out))
        ret = EIO;
    free(text);
    return ret;
}

/*
 * Does the session's process still run?  The same pid with the same start
 * time: a pid the kernel gave to another process since does not count.
 */
bool
s4u_session_alive(const struct s4u_session *s)
{
    unsigned long long start = 0;

    return s4u_proc_start(s->pid, &start) == 0 && start == s->start;
}
