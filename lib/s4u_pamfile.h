/*
 * s4u_pamfile.h: reading the pam_s4u.so lines of PAM service files.
 */
#ifndef S4U_PAMFILE_H
#define S4U_PAMFILE_H

#include <stddef.h>

#include "lib/s4u.h"

/*
 * Linux-PAM 1.5 reads a logical service-file line into a 1024-byte buffer
 * with fgets: it keeps at most this many characters and reads the rest of
 * the physical line as a line of its own.
 */
#define S4U_PAM_LINE_MAX 1023

/* --- s4u_pamfile.c --- */
struct s4u_pam_line {
    char *file;
    unsigned int line; /* first physical line of the logical line */
    char *type;        /* auth, account, session, password (no '-') */
    char *control;
    char *module;
    /* The arguments as Linux-PAM delivers them: from the line's first
     * S4U_PAM_LINE_MAX characters. */
    char **argv;
    size_t argc;
    size_t length; /* characters Linux-PAM assembles for the line, uncut */
    /* When length > S4U_PAM_LINE_MAX and the cut fell inside argv[argc - 1]:
     * that argument whole, as written; else NULL. */
    char *cut_arg;
};

int s4u_pam_service_path(const char *service, char **path_out);
int s4u_pam_service_lines(const char *path, struct s4u_pam_line **lines_out,
                          size_t *n_out, const char **why_out);
void s4u_pam_lines_free(struct s4u_pam_line *lines, size_t n);

#endif /* S4U_PAMFILE_H */
