/*
 * s4u_session.h: the record of an open session, for s4uctl refresh.
 *
 * At login the module, as root, writes one record per session it gave a
 * cache: /run/pam_s4u/sessions/<id>, root's, mode 0600, where <id> is the
 * cache name's 16 hex digits.  It names the user, the PAM service, the
 * cache, the process that holds the PAM handle (its pid and its start
 * time, so a reused pid is never taken for it) and each delegated target
 * with its ticket's end time.  Logout removes it.  s4uctl refresh acts on
 * these records alone: nothing a user can write decides what root does.
 *
 * s4u_session.c is pure (format, parse, /proc/PID/stat), so it is
 * unit-tested and fuzzed; s4u_session_file.c keeps the files.
 */
#ifndef S4U_SESSION_H
#define S4U_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/s4u.h"

#ifndef S4U_SESSION_DIR
#define S4U_SESSION_DIR "/run/pam_s4u/sessions"
#endif
#define S4U_SESSION_MAX 65536 /* bytes of one record */
#define S4U_SESSION_ID_LEN S4U_CACHE_MARKER_HEX

/* One delegated target and its ticket's end time. */
struct s4u_session_target {
    char *name;
    int64_t endtime;
};

/* One open session. */
struct s4u_session {
    char *user;
    uid_t uid;
    gid_t gid;
    char *service; /* PAM_SERVICE: whose pam_s4u.so line configures it */
    char *ccache;  /* a cache of ours (s4u_cache_name_ours) */
    pid_t pid;     /* the process holding the PAM handle */
    unsigned long long start; /* its start time, /proc/PID/stat field 22 */
    struct s4u_session_target *targets;
    size_t ntargets;
};

/* --- s4u_session.c: pure --- */
int s4u_session_format(const struct s4u_session *s, char **text_out);
int s4u_session_parse(const char *text, size_t len, struct s4u_session *s_out,
                      const char **why_out);
void s4u_session_free(struct s4u_session *s);
int s4u_session_retarget(struct s4u_session *s, const struct s4u_outcome *out);
int s4u_session_add_target(struct s4u_session *s, const char *name,
                           int64_t endtime);
bool s4u_session_id(const char *ccache, char id[S4U_SESSION_ID_LEN + 1]);
bool s4u_proc_stat_start(const char *stat, unsigned long long *start_out);

/* --- s4u_session_file.c: the records, and the processes they name --- */
int s4u_session_save(const struct s4u_session *s, char *why, size_t size);
int s4u_session_forget(const char *ccache, char *why, size_t size);
int s4u_session_list(char ***ids_out, size_t *n_out, char *why, size_t size);
int s4u_session_lock(const char *id, unsigned int wait_ms, int *fd_out,
                     char *why, size_t size);
int s4u_session_load(const char *id, struct s4u_session *s_out, char *why,
                     size_t size);
int s4u_proc_start(pid_t pid, unsigned long long *start_out);
bool s4u_session_alive(const struct s4u_session *s);

#endif /* S4U_SESSION_H */
