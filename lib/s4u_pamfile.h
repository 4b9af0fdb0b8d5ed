/*
 * s4u_pamfile.h: reading the pam_s4u.so lines of PAM service files.
 */
#ifndef S4U_PAMFILE_H
#define S4U_PAMFILE_H

#include <stddef.h>

#include "lib/s4u.h"

/* --- s4u_pamfile.c --- */
struct s4u_pam_line {
    char *file;
    unsigned int line; /* first physical line of the logical line */
    char *type;        /* auth, account, session, password (no '-') */
    char *control;
    char *module;
    char **argv;
    size_t argc;
};

int s4u_pam_service_lines(const char *path, struct s4u_pam_line **lines_out,
                          size_t *n_out, const char **why_out);
void s4u_pam_lines_free(struct s4u_pam_line *lines, size_t n);

#endif /* S4U_PAMFILE_H */
