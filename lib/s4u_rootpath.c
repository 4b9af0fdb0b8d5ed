/*
 * s4u_rootpath.c: opening a file only root can have put there.
 *
 * The policy file, the session records and the helper steer what root
 * does for a user, so what is opened must be root's: every directory from
 * "/" down must be owned by root and writable by nobody else (a sticky
 * world-writable directory such as /tmp too: anyone may still create names
 * in it), and so must the file.  Each name is looked up in the descriptor
 * of the directory above, already checked, so the path cannot change
 * between check and use.  A symlink is refused, or, when the caller asks
 * (helper=), followed: it sits in a directory only root may write, so root
 * put it there, as with Debian's /lib -> usr/lib, and where it leads is
 * walked and checked the same way.  This is the one walker: a fix to the
 * walk lands here for every caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/s4u_rootpath.h"

/* Symlinks followed in one walk, as many as the kernel allows. */
#define LINKS_MAX 40

/* A walk down a path, one name at a time from "/". */
struct walk {
    const struct s4u_root_how *how;
    struct s4u_root_stop *stop;
    int dir;              /* O_PATH descriptor of the directory reached */
    char where[PATH_MAX]; /* its path, free of symlinks ("" for "/") */
    char rest[PATH_MAX];  /* the names still to look up ... */
    size_t next;          /* ... from rest[next] on */
    unsigned int links;   /* symlinks followed so far */
};

/* Say where and why the walk stopped; returns ret. */
static int
halt(struct walk *w, enum s4u_root_fault fault, int err, const char *what,
     const char *at, int ret)
{
    w->stop->fault = fault;
    w->stop->err = err;
    w->stop->what = what;
    snprintf(w->stop->at, sizeof(w->stop->at), "%s", at[0] != '\0' ? at : "/");
    return ret;
}

/*
 * at must be a directory (dir) or a regular file, root's, that neither its
 * group nor others may write.  A wrong type is ENOTDIR on the way (last
 * false), EPERM at the end.
 */
static int
check(struct walk *w, const struct stat *sb, const char *at, bool dir,
      bool last)
{
    w->stop->dir = dir;
    if (dir ? !S_ISDIR(sb->st_mode) : !S_ISREG(sb->st_mode))
        return halt(w, S4U_ROOT_TYPE, 0, NULL, at, last ? EPERM : ENOTDIR);
    if (sb->st_uid != 0 || (sb->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        w->stop->uid = sb->st_uid;
        w->stop->mode = sb->st_mode & 07777;
        return halt(w, S4U_ROOT_UNSAFE, 0, NULL, at, EPERM);
    }
    return 0;
}

/* at = where + "/" + name, with ".." taking where's last name off. */
static bool
path_join(char *at, size_t size, const char *where, const char *name)
{
    const char *slash;

    if (strcmp(name, "..") != 0)
        return (size_t)snprintf(at, size, "%s/%s", where, name) < size;
    slash = strrchr(where, '/');
    return (size_t)snprintf(at, size, "%.*s",
                            (int)(slash != NULL ? slash - where : 0),
                            where) < size;
}

/* Start (again) at "/", which must be safe like every other directory. */
static int
walk_root(struct walk *w)
{
    struct stat sb;
    int fd, ret;

    fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        ret = errno;
        if (fd >= 0)
            close(fd);
        return halt(w, S4U_ROOT_NO_OPEN, ret, NULL, "/", ret);
    }
    ret = check(w, &sb, "/", true, false);
    if (ret != 0) {
        close(fd);
        return ret;
    }
    if (w->dir >= 0)
        close(w->dir);
    w->dir = fd;
    w->where[0] = '\0';
    return 0;
}

/* Is name "." or ".."? */
static bool
dots(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') ||
           (len == 2 && name[0] == '.' && name[1] == '.');
}

/*
 * Take the next name off w->rest into name (NAME_MAX + 1 bytes); *last
 * tells whether any name is left after it.  "." is skipped when symlinks
 * are followed, and "." and ".." are refused when they are not (the path
 * must then be plain).  0, or EINVAL with the walk stopped.
 */
static int
next_name(struct walk *w, char *name, bool *last)
{
    const char *p = w->rest + w->next;
    size_t len;

    for (;;) {
        p += strspn(p, "/");
        len = strcspn(p, "/");
        if (len == 0)
            return halt(w, S4U_ROOT_BAD_PATH, 0, "does not name a file",
                        w->where, EINVAL);
        if (!w->how->follow && dots(p, len))
            return halt(w, S4U_ROOT_BAD_PATH, 0, "is not a plain absolute path",
                        w->where, EINVAL);
        if (len != 1 || p[0] != '.')
            break;
        p += len;
    }
    if (len > NAME_MAX)
        return halt(w, S4U_ROOT_BAD_PATH, 0, "holds a name too long", w->where,
                    EINVAL);
    memcpy(name, p, len);
    name[len] = '\0';
    p += len;
    p += strspn(p, "/");
    while (w->how->follow && p[0] == '.' && (p[1] == '/' || p[1] == '\0'))
        p += 1 + strspn(p + 1, "/");
    *last = *p == '\0';
    w->next = (size_t)(p - w->rest);
    return 0;
}

/*
 * Follow the symlink link (at is its path): its target, then what was left
 * of the walk; an absolute target starts again at "/".
 */
static int
follow(struct walk *w, int link, const char *at)
{
    char target[PATH_MAX], rest[PATH_MAX];
    ssize_t n;

    if (!w->how->follow)
        return halt(w, S4U_ROOT_LINK, 0, NULL, at, EPERM);
    if (++w->links > LINKS_MAX)
        return halt(w, S4U_ROOT_LOOP, ELOOP, "too many symlinks", at, ELOOP);
    n = readlinkat(link, "", target, sizeof(target) - 1);
    if (n <= 0 || n >= (ssize_t)sizeof(target) - 1)
        return halt(w, S4U_ROOT_LOOP, n < 0 ? errno : 0,
                    "cannot read the symlink", at, ELOOP);
    target[n] = '\0';
    if ((size_t)snprintf(rest, sizeof(rest), "%s/%s", target,
                         w->rest + w->next) >= sizeof(rest))
        return halt(w, S4U_ROOT_LOOP, ENAMETOOLONG,
                    "the path through it is too long", at, ELOOP);
    memcpy(w->rest, rest, sizeof(rest));
    w->next = 0;
    return target[0] == '/' ? walk_root(w) : 0;
}

/* Enter the directory *fd (at is its path) once it is found safe. */
static int
enter(struct walk *w, int *fd, const char *at, const struct stat *sb)
{
    int ret = check(w, sb, at, true, false);

    if (ret != 0)
        return ret;
    close(w->dir);
    w->dir = *fd;
    *fd = -1;
    snprintf(w->where, sizeof(w->where), "%s", at);
    return 0;
}

/*
 * The last name, found safe through its O_PATH descriptor *fd: hand that
 * over, or open name again with the caller's flags (never following a
 * symlink) and check what that gives, which is what the caller reads.
 */
static int
finish(struct walk *w, int *fd, const char *name, const char *at,
       const struct stat *sb, int *fd_out)
{
    bool dir = (w->how->flags & O_DIRECTORY) != 0;
    struct stat again;
    int ret, file;

    ret = check(w, sb, at, dir, true);
    if (ret != 0)
        return ret;
    if ((w->how->flags & O_PATH) != 0) {
        *fd_out = *fd;
        *fd = -1;
        return 0;
    }
    file = openat(w->dir, name, w->how->flags | O_NOFOLLOW | O_CLOEXEC);
    if (file < 0 || fstat(file, &again) != 0) {
        ret = errno;
        if (file >= 0)
            close(file);
        return ret == ELOOP ? halt(w, S4U_ROOT_LINK, 0, NULL, at, EPERM)
                            : halt(w, S4U_ROOT_NO_OPEN, ret, NULL, at, ret);
    }
    ret = check(w, &again, at, dir, true);
    if (ret != 0) {
        close(file);
        return ret;
    }
    *fd_out = file;
    return 0;
}

/* Look name up in w->dir, making a missing directory if asked to. */
static int
lookup(struct walk *w, const char *name, bool dir)
{
    int fd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT && dir && w->how->mkdir_mode != 0 &&
        (mkdirat(w->dir, name, w->how->mkdir_mode) == 0 || errno == EEXIST))
        fd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    return fd;
}

/*
 * One name, looked up in w->dir without following it: a directory is
 * entered once found safe, a symlink followed or refused, and the last
 * name is the file (finish).  0 or an errno value.
 */
static int
step(struct walk *w, const char *name, bool last, int *fd_out)
{
    bool want_dir = !last || (w->how->flags & O_DIRECTORY) != 0;
    char at[PATH_MAX];
    struct stat sb;
    int fd, ret;

    if (!path_join(at, sizeof(at), w->where, name))
        return halt(w, S4U_ROOT_BAD_PATH, 0, "is too long", w->where,
                    ENAMETOOLONG);
    fd = lookup(w, name, want_dir);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        ret = errno;
        if (fd >= 0)
            close(fd);
        return halt(w, S4U_ROOT_NO_OPEN, ret, NULL, at, ret);
    }
    if (S_ISLNK(sb.st_mode))
        ret = follow(w, fd, at);
    else if (!last)
        ret = enter(w, &fd, at, &sb);
    else
        ret = finish(w, &fd, name, at, &sb, fd_out);
    if (fd >= 0)
        close(fd);
    return ret;
}

/*
 * Walk the absolute path as the top of this file says; how->flags are for
 * the last name: with O_PATH its O_PATH descriptor is handed over, with
 * O_DIRECTORY it must be a directory, else a regular file.  0 with
 * *fd_out, or an errno value (ENOENT: a name is missing) with stop saying
 * where and why, for the caller to word.
 */
int
s4u_root_walk(const char *path, const struct s4u_root_how *how, int *fd_out,
              struct s4u_root_stop *stop)
{
    struct walk w = {.how = how, .stop = stop, .dir = -1};
    char name[NAME_MAX + 1];
    int file = -1, ret;
    bool last = false;

    *stop = (struct s4u_root_stop){0};
    if (path[0] != '/')
        return halt(&w, S4U_ROOT_BAD_PATH, 0, "is not an absolute path", "",
                    EINVAL);
    if (strlen(path) >= sizeof(w.rest))
        return halt(&w, S4U_ROOT_BAD_PATH, 0, "is too long", "", EINVAL);
    snprintf(w.rest, sizeof(w.rest), "%s", path);
    ret = walk_root(&w);
    while (ret == 0 && file < 0) {
        ret = next_name(&w, name, &last);
        if (ret == 0)
            ret = step(&w, name, last, &file);
    }
    if (w.dir >= 0)
        close(w.dir);
    if (ret == 0)
        *fd_out = file;
    return ret;
}

/* The stop in words, for the admin. */
static void
word_stop(const char *path, const struct s4u_root_stop *s, char *why,
          size_t size)
{
    switch (s->fault) {
    case S4U_ROOT_BAD_PATH:
        snprintf(why, size, "%s %s", path, s->what);
        break;
    case S4U_ROOT_NO_OPEN:
        snprintf(why, size, "cannot open %s: %s", s->at, strerror(s->err));
        break;
    case S4U_ROOT_LINK:
        snprintf(why, size, "%s is a symlink; none may be on the way", s->at);
        break;
    case S4U_ROOT_LOOP:
        snprintf(why, size, "%s: %s", s->at, s->what);
        break;
    case S4U_ROOT_TYPE:
        snprintf(why, size, "%s is not a %s", s->at,
                 s->dir ? "directory" : "regular file");
        break;
    case S4U_ROOT_UNSAFE:
        snprintf(why, size,
                 "%s is unsafe: owned by uid %lu, mode %04o; it and every "
                 "directory above it must be owned by root and writable "
                 "only by root",
                 s->at, (unsigned long)s->uid, (unsigned int)s->mode);
        break;
    }
}

/*
 * Open path, an absolute path without "." or ".." or any symlink, as
 * s4u_root_walk does with flags; missing directories are made with
 * mkdir_mode if that is not 0.  0 with *fd_out, or an errno value (ENOENT:
 * a name is missing) with why saying what is wrong, for the admin.
 */
int
s4u_root_open(const char *path, int flags, mode_t mkdir_mode, int *fd_out,
              char *why, size_t size)
{
    struct s4u_root_how how = {flags, mkdir_mode, false};
    struct s4u_root_stop stop;
    int ret;

    why[0] = '\0';
    ret = s4u_root_walk(path, &how, fd_out, &stop);
    if (ret != 0)
        word_stop(path, &stop, why, size);
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
    struct s4u_root_how how = {O_RDONLY, 0, false};
    struct s4u_root_stop stop = {0};
    struct walk w = {.how = &how, .stop = &stop, .dir = dir};
    struct stat sb;
    int fd, ret;

    fd = openat(dir, name,
                O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        ret = errno;
        snprintf(why, size, "cannot open %s: %s", name, strerror(ret));
        return ret == ELOOP ? EPERM : ret;
    }
    if (fstat(fd, &sb) != 0) {
        ret = EIO;
        snprintf(why, size, "cannot stat %s: %s", name, strerror(errno));
    } else if ((ret = check(&w, &sb, name, false, true)) != 0) {
        word_stop(name, &stop, why, size);
    }
    if (ret == 0 && private && (sb.st_mode & 077) != 0) {
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
