/*
 * s4u_policy.h: the jump host's own policy, pam_s4u.conf(5).
 *
 * One rule a line, "who target...", where who is a login name, "@group" or
 * "*"; a user receives the union of the targets of every rule that matches
 * her.  s4u_policy.c parses the text and evaluates it, pure, with group
 * membership asked of a callback, so it is unit-tested and fuzzed.
 * s4u_policy_file.c reads the file (root's, written only by root, through
 * directories only root may change) and decides for a real account through
 * NSS.  The module, s4uctl check, status and refresh all decide here.
 *
 * Ownership follows MIT krb5: *_out parameters are cleared on entry and set
 * only on success; the caller frees them with the matching s4u_*_free.
 */
#ifndef S4U_POLICY_H
#define S4U_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/s4u.h"
#include "lib/s4u_options.h"

#ifndef S4U_POLICY_PATH
#define S4U_POLICY_PATH "/etc/security/pam_s4u.conf"
#endif

/* One rule: who it is for, and what it grants. */
struct s4u_policy_rule {
    unsigned int line; /* 1-based line of the file */
    char *who;         /* "*", "@group" or a login name */
    char **targets;
    size_t ntargets;
};

/* A parsed policy: its rules in file order. */
struct s4u_policy {
    struct s4u_policy_rule *rules;
    size_t nrules;
};

/* What a user receives: targets, and the line of the first rule giving it. */
struct s4u_grants {
    char **targets;
    unsigned int *lines; /* 0: from targets= (no policy file) */
    size_t n;
};

/*
 * Is the user a member of group (a name without the '@')?  0 with
 * *member_out set, or an errno value: the policy then grants nothing.
 */
typedef int s4u_member_fn(void *data, const char *group, bool *member_out);

/* How a policy file decided for one user. */
enum s4u_policy_state {
    S4U_POLICY_NONE = 0, /* no file at the default path: targets= applies */
    S4U_POLICY_FILE,     /* the file decided (grants may be empty) */
    S4U_POLICY_REFUSED   /* unusable file, or lookup failure: grants nothing */
};

/* A decision, with what to tell the admin. */
struct s4u_decision {
    enum s4u_policy_state state;
    char file[S4U_NAME_MAX];    /* the policy file, escaped for logs */
    struct s4u_grants grants;   /* empty unless NONE or FILE */
    char why[2 * S4U_NAME_MAX]; /* REFUSED: what is wrong and where */
};

/* --- s4u_policy.c: pure --- */
int s4u_policy_parse(const char *text, size_t len,
                     struct s4u_policy *policy_out, unsigned int *line_out,
                     const char **why_out);
void s4u_policy_free(struct s4u_policy *policy);
int s4u_policy_grants(const struct s4u_policy *policy, const char *user,
                      s4u_member_fn *member, void *data,
                      struct s4u_grants *grants_out, unsigned int *line_out,
                      const char **why_out);
int s4u_grants_add(struct s4u_grants *g, const char *target, unsigned int line);
bool s4u_grants_find(const struct s4u_grants *g, const char *target,
                     unsigned int *line_out);
void s4u_grants_free(struct s4u_grants *g);
int s4u_grants_to_request(const struct s4u_grants *g, struct s4u_request *req);

/* --- s4u_policy_file.c: the file and NSS --- */
int s4u_policy_read(const char *path, char **text_out, size_t *len_out,
                    char *why, size_t why_size);
int s4u_policy_decide(const struct s4u_options *opts, const char *user,
                      gid_t gid, struct s4u_decision *d);
void s4u_decision_free(struct s4u_decision *d);

#endif /* S4U_POLICY_H */
