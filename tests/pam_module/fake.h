/*
 * fake.h: what the module's unit tests link instead of libpam and
 * lib/s4u_spawn.o.
 *
 * fakepam.c implements the libpam calls the module makes, over a handle
 * the test creates, with an injectable passwd table and euid.  fakehelper.c
 * replaces s4u_run_helper: it records each request and answers with the
 * outcome text the test scripted, parsed by the real wire code.
 */
#ifndef S4U_TEST_FAKE_H
#define S4U_TEST_FAKE_H

#include <stddef.h>
#include <sys/types.h>

#include <security/pam_modules.h>

/* --- fakepam.c --- */
pam_handle_t *fake_pam_start(const char *user);
void fake_pam_end(pam_handle_t *pamh);
size_t fake_pam_data_count(const pam_handle_t *pamh);
const char *fake_log(void);
void fake_log_clear(void);
void fake_passwd_add(const char *name, uid_t uid, gid_t gid);
void fake_passwd_clear(void);
extern uid_t fake_euid;

/* --- fakehelper.c --- */
struct fake_call {
    char *mode;   /* the request's mode= */
    char *ccache; /* its ccache= */
    char *user;   /* its user= */
    uid_t uid;    /* its uid= */
    gid_t gid;    /* its gid= */
    size_t ntargets;
    char *path; /* the helper path the module ran */
};

void fake_helper_answer(const char *outcome_text);
size_t fake_helper_calls(void);
const struct fake_call *fake_helper_call(size_t i);
void fake_helper_reset(void);

#endif /* S4U_TEST_FAKE_H */
