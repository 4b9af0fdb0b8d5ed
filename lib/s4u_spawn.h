/*
 * s4u_spawn.h: running pam_s4u_helper (s4u_spawn.c), for the module and
 * for s4uctl refresh.  The caller must be root, as the helper checks.
 */
#ifndef S4U_SPAWN_H
#define S4U_SPAWN_H

#include "lib/s4u.h"

int s4u_run_helper(const char *path, const char *request, unsigned int timeout,
                   struct s4u_outcome *out);

#endif /* S4U_SPAWN_H */
