/*
 * s4u_rootpath.h: opening files only root can have put there
 * (s4u_rootpath.c): the policy file, the session records.
 */
#ifndef S4U_ROOTPATH_H
#define S4U_ROOTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

int s4u_root_open(const char *path, int flags, mode_t mkdir_mode, int *fd_out,
                  char *why, size_t size);
int s4u_root_open_at(int dir, const char *name, bool private, int *fd_out,
                     char *why, size_t size);
int s4u_read_fd(int fd, size_t max, char **text_out, size_t *len_out);

#endif /* S4U_ROOTPATH_H */
