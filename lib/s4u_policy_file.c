/*
 * s4u_policy_file.c: reading pam_s4u.conf(5) and deciding for an account.
 *
 * The file says what root's helper asks the KDC for in a user's name, so
 * only root may have written it: it must be a regular file owned by root
 * that neither group nor others may write, reached from "/" through
 * directories with the same properties and no symlink, each looked up in
 * the descriptor of the one above.  What is checked is what is read.
 * Group membership comes from NSS (getgrouplist on the passwd entry's
 * name and primary group), so SSSD and winbind groups count.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/s4u_policy.h"
#include "lib/s4u_rootpath.h"

/*
 * Read the policy file, checked as the top of this file says.  0, ENOENT
 * (no such file, why filled), or another errno value with why saying what
 * is wrong, for the admin.
 */
int
s4u_policy_read(const char *path, char **text_out, size_t *len_out, char *why,
                size_t why_size)
{
    int fd = -1, ret;

    *text_out = NULL;
    *len_out = 0;
    ret = s4u_root_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &fd, why,
                        why_size);
    if (ret != 0)
        return ret;
    ret = s4u_read_fd(fd, S4U_TEXT_MAX, text_out, len_out);
    if (ret != 0)
        snprintf(why, why_size, "cannot read %s: %s", path,
                 ret == EFBIG ? "larger than 1 MiB" : strerror(ret));
    close(fd);
    return ret;
}

/* The user's groups, looked up once, when a rule first names a group. */
struct member_data {
    const char *user;
    gid_t gid;
    gid_t *groups;
    int ngroups;
    bool loaded;
};

/* getgrouplist into md->groups, growing the buffer as it asks. */
static int
load_groups(struct member_data *md)
{
    int n = 32, want;
    gid_t *buf = NULL, *grown;

    for (;;) {
        grown = realloc(buf, (size_t)n * sizeof(*buf));
        if (grown == NULL) {
            free(buf);
            return ENOMEM;
        }
        buf = grown;
        want = n;
        if (getgrouplist(md->user, md->gid, buf, &want) >= 0)
            break;
        if (want <= n || want > 65536) {
            free(buf);
            return EIO;
        }
        n = want;
    }
    md->groups = buf;
    md->ngroups = want;
    md->loaded = true;
    return 0;
}

/* s4u_member_fn through NSS: the group's gid among the user's groups. */
static int
nss_member(void *data, const char *group, bool *member_out)
{
    struct member_data *md = data;
    gid_t gid;
    int i, ret;

    *member_out = false;
    ret = s4u_nss_gid(group, &gid);
    if (ret == ENOENT)
        return 0;
    if (ret == 0 && !md->loaded)
        ret = load_groups(md);
    for (i = 0; ret == 0 && i < md->ngroups; i++) {
        if (md->groups[i] == gid)
            *member_out = true;
    }
    return ret;
}

/* A refusal: grants nothing; why says what, for the log. */
__attribute__((format(printf, 2, 3))) static void
refuse(struct s4u_decision *d, const char *fmt, ...)
{
    va_list ap;

    s4u_grants_free(&d->grants);
    d->state = S4U_POLICY_REFUSED;
    va_start(ap, fmt);
    vsnprintf(d->why, sizeof(d->why), fmt, ap);
    va_end(ap);
    s4u_escape_inplace(d->why, sizeof(d->why));
}

/* No policy file: targets= as configured, each from line 0. */
static int
from_targets(const struct s4u_options *opts, struct s4u_decision *d)
{
    char **vec = NULL;
    const char *why = NULL;
    size_t n = 0, i;
    int ret;

    d->state = S4U_POLICY_NONE;
    ret = s4u_targets_parse(opts->targets, &vec, &n, &why);
    if (ret == ENOMEM)
        return ENOMEM;
    if (ret != 0) {
        refuse(d, "targets=: %s", why != NULL ? why : "invalid");
        return 0;
    }
    for (i = 0; i < n && ret == 0; i++)
        ret = s4u_grants_add(&d->grants, vec[i], 0);
    s4u_strv_free(vec, n);
    return ret;
}

/* Parse the text and evaluate it for the user. */
static int
from_text(const char *text, size_t len, const char *user, gid_t gid,
          struct s4u_decision *d)
{
    struct member_data md = {.user = user, .gid = gid};
    struct s4u_policy policy = {0};
    const char *why = NULL;
    unsigned int line = 0;
    int ret;

    ret = s4u_policy_parse(text, len, &policy, &line, &why);
    if (ret == ENOMEM)
        return ENOMEM;
    if (ret != 0) {
        refuse(d,
               "%s:%u: %s; this policy file grants nothing until it is "
               "fixed",
               d->file, line, why);
        return 0;
    }
    d->state = S4U_POLICY_FILE;
    ret = s4u_policy_grants(&policy, user, nss_member, &md, &d->grants, &line,
                            &why);
    if (ret == ENOMEM) {
        s4u_policy_free(&policy);
        free(md.groups);
        return ENOMEM;
    }
    if (ret != 0)
        refuse(d, "%s:%u: %s; nothing is granted to this user", d->file, line,
               why);
    s4u_policy_free(&policy);
    free(md.groups);
    return 0;
}

/*
 * Decide what user (primary group gid) may receive: the policy file's
 * rules, or targets= when there is no file at the default path.  A
 * policy= that names a missing file, a file that is unsafe or does not
 * parse, and a failed group lookup all refuse (grant nothing, d->why says
 * why).  0 or ENOMEM; d is to be freed with s4u_decision_free.
 */
int
s4u_policy_decide(const struct s4u_options *opts, const char *user, gid_t gid,
                  struct s4u_decision *d)
{
    const char *path = opts->policy != NULL ? opts->policy : S4U_POLICY_PATH;
    bool explicit = opts->source[S4U_OPT_POLICY] != S4U_SRC_DEFAULT;
    char why[2 * S4U_NAME_MAX], *text = NULL;
    size_t len = 0;
    int ret;

    *d = (struct s4u_decision){0};
    snprintf(d->file, sizeof(d->file), "%s", path);
    s4u_escape_inplace(d->file, sizeof(d->file));
    ret = s4u_policy_read(path, &text, &len, why, sizeof(why));
    if (ret == ENOMEM)
        return ENOMEM;
    if (ret == ENOENT && !explicit)
        return from_targets(opts, d);
    if (ret == ENOENT) {
        refuse(d,
               "policy=%s: no such file; nothing is granted (create "
               "it, or remove policy=)",
               d->file);
        return 0;
    }
    if (ret != 0) {
        refuse(d, "policy file refused: %s; nothing is granted", why);
        return 0;
    }
    ret = from_text(text, len, user, gid, d);
    free(text);
    return ret;
}

/* Free a decision's grants. */
void
s4u_decision_free(struct s4u_decision *d)
{
    s4u_grants_free(&d->grants);
    d->state = S4U_POLICY_NONE;
}
