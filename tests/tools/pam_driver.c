/*
 * pam_driver.c: drive a real PAM stack from a private service directory,
 * as sshd would, for the integration tests.
 *
 *   pam_driver CONFDIR SERVICE USER STEP...
 *
 * CONFDIR "-" reads the system's service files (/etc/pam.d), as an
 * application that names no directory of its own does.
 * Steps: auth, establish, reinit, refresh, delete (pam_setcred flags),
 * open, open-silent (with PAM_SILENT), close (sessions), env (print the PAM
 * environment), putenv:NAME=VALUE (set it in the PAM environment, as an
 * application that passes on its own KRB5CCNAME would), and run:CMD, which runs
 * CMD through /bin/sh as USER with the PAM environment, the way a login shell
 * would get it.  Each step prints one line "STEP: RESULT". A password prompt is
 * answered from $S4U_TEST_PASSWORD.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

/* Answer prompts: passwords from the environment, nothing else. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *data)
{
    const char *pw = getenv("S4U_TEST_PASSWORD");
    struct pam_response *r;
    int i;

    (void)data;
    r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (i = 0; i < n; i++) {
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && pw != NULL)
            r[i].resp = strdup(pw);
        else if (msg[i]->msg_style == PAM_ERROR_MSG ||
                 msg[i]->msg_style == PAM_TEXT_INFO)
            fprintf(stderr, "pam says: %s\n", msg[i]->msg);
    }
    *resp = r;
    return PAM_SUCCESS;
}

/* Run cmd as user with the PAM environment; return its exit status. */
static int
run_as_user(pam_handle_t *pamh, const char *user, const char *cmd)
{
    struct passwd *pw = getpwnam(user);
    char **env, *extra[4];
    int status, n = 0;
    pid_t pid;

    if (pw == NULL)
        return 255;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        env = pam_getenvlist(pamh);
        if (env == NULL || setgroups(1, &pw->pw_gid) != 0 ||
            setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0 ||
            chdir(pw->pw_dir) != 0)
            _exit(254);
        for (n = 0; env[n] != NULL; n++)
            putenv(env[n]);
        (void)extra;
        setenv("HOME", pw->pw_dir, 1);
        setenv("USER", user, 1);
        setenv("LOGNAME", user, 1);
        setenv("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(253);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 252;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run one step and print its result. */
static void
step(pam_handle_t *pamh, const char *user, const char *s)
{
    char **env;
    int ret, i;

    if (strncmp(s, "run:", 4) == 0) {
        ret = run_as_user(pamh, user, s + 4);
        printf("run: exit %d\n", ret);
        return;
    }
    if (strncmp(s, "putenv:", 7) == 0) {
        printf("putenv: %s\n", pam_strerror(pamh, pam_putenv(pamh, s + 7)));
        return;
    }
    if (strcmp(s, "env") == 0) {
        env = pam_getenvlist(pamh);
        for (i = 0; env != NULL && env[i] != NULL; i++) {
            printf("env: %s\n", env[i]);
            free(env[i]);
        }
        free(env);
        return;
    }
    if (strcmp(s, "auth") == 0)
        ret = pam_authenticate(pamh, 0);
    else if (strcmp(s, "establish") == 0)
        ret = pam_setcred(pamh, PAM_ESTABLISH_CRED);
    else if (strcmp(s, "reinit") == 0)
        ret = pam_setcred(pamh, PAM_REINITIALIZE_CRED);
    else if (strcmp(s, "refresh") == 0)
        ret = pam_setcred(pamh, PAM_REFRESH_CRED);
    else if (strcmp(s, "delete") == 0)
        ret = pam_setcred(pamh, PAM_DELETE_CRED);
    else if (strcmp(s, "open") == 0)
        ret = pam_open_session(pamh, 0);
    else if (strcmp(s, "open-silent") == 0)
        ret = pam_open_session(pamh, PAM_SILENT);
    else if (strcmp(s, "close") == 0)
        ret = pam_close_session(pamh, 0);
    else {
        printf("%s: unknown step\n", s);
        return;
    }
    printf("%s: %s\n", s, pam_strerror(pamh, ret));
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    struct pam_conv pc = {conv, NULL};
    pam_handle_t *pamh = NULL;
    int i, ret;

    if (argc < 5) {
        fprintf(stderr, "usage: pam_driver CONFDIR SERVICE USER STEP...\n");
        return 2;
    }
    if (strcmp(argv[1], "-") == 0)
        ret = pam_start(argv[2], argv[3], &pc, &pamh);
    else
        ret = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &pamh);
    if (ret != PAM_SUCCESS) {
        fprintf(stderr, "pam_start: %d\n", ret);
        return 2;
    }
    pam_set_item(pamh, PAM_RHOST, "servera.example.test");
    for (i = 4; i < argc; i++)
        step(pamh, argv[3], argv[i]);
    pam_end(pamh, PAM_SUCCESS);
    return 0;
}
