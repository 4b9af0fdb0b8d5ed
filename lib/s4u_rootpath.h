/*
 * s4u_rootpath.h: opening files only root can have put there
 * (s4u_rootpath.c): the policy file, the session records, helper=.
 */
#ifndef S4U_ROOTPATH_H
#define S4U_ROOTPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How s4u_root_walk goes down a path. */
struct s4u_root_how {
    int flags;         /* open flags of the last name; O_DIRECTORY: a dir */
    mode_t mkdir_mode; /* make missing directories so, when not 0 */
    bool follow;       /* follow symlinks (they sit in root's directories) */
};

/* What stopped a walk, for the caller to word. */
enum s4u_root_fault {
    S4U_ROOT_BAD_PATH, /* not absolute, "." or "..", too long: what says */
    S4U_ROOT_NO_OPEN,  /* at cannot be opened (err) */
    S4U_ROOT_LINK,     /* at is a symlink, and symlinks are refused */
    S4U_ROOT_LOOP,     /* too many symlinks, or one unreadable: what says */
    S4U_ROOT_TYPE,     /* at is not a directory (dir) or a regular file */
    S4U_ROOT_UNSAFE,   /* at is not root's, or others may write it */
};

/* Where and why a walk stopped. */
struct s4u_root_stop {
    enum s4u_root_fault fault;
    int err;          /* NO_OPEN, LOOP: the errno value */
    const char *what; /* BAD_PATH, LOOP: a phrase */
    bool dir;         /* TYPE, UNSAFE: at is (meant to be) a directory */
    uid_t uid;        /* UNSAFE: owner and mode of at */
    mode_t mode;
    char at[PATH_MAX]; /* the path reached, free of symlinks */
};

int s4u_root_walk(const char *path, const struct s4u_root_how *how, int *fd_out,
                  struct s4u_root_stop *stop);
int s4u_root_open(const char *path, int flags, mode_t mkdir_mode, int *fd_out,
                  char *why, size_t size);
int s4u_root_open_at(int dir, const char *name, bool private, int *fd_out,
                     char *why, size_t size);

#endif /* S4U_ROOTPATH_H */
