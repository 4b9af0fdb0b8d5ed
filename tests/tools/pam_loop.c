/*
 * pam_loop.c: many logins through one PAM stack, in one process, as a
 * long-lived sshd does, for the leak and descriptor tests
 * (tests/integration/32-logins.t).
 *
 *   pam_loop CONFDIR SERVICE USER COUNT
 *
 * Each login is pam_start_confdir, open_session, setcred(ESTABLISH),
 * close_session, setcred(DELETE), pam_end, with no authentication (a
 * public-key login).  A login counts as good when the session opened with
 * KRB5CCNAME set and closed with it gone.  The descriptors in /proc/self/fd
 * are counted before the first login, after it (libraries may open one
 * for good the first time), and after the last; VmRSS likewise.  Prints
 *
 *   logins good=N of COUNT
 *   fds before=N first=N last=N
 *   fd N -> TARGET                  (each descriptor open at the end)
 *   rss_kb first=N last=N
 *
 * and exits 0 only if every login was good and the descriptors after the
 * last login are no more than after the first.  A failed login prints why.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

/* No prompts are expected: answer none. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *data)
{
    (void)n;
    (void)msg;
    (void)resp;
    (void)data;
    return PAM_CONV_ERR;
}

/* The open descriptors of this process, or -1. */
static int
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            n++;
    }
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

/* Print each open descriptor and what it is. */
static void
print_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char path[300], target[256];
    ssize_t n;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
            continue;
        snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
        n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        printf("fd %s -> %s\n", e->d_name, target);
    }
    closedir(d);
}

/* VmRSS in kB, or -1. */
static long
rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    long kb = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    }
    fclose(f);
    return kb;
}

/* One login, start to end; 0 if it was good, else prints why. */
static int
login(const char *confdir, const char *service, const char *user, long i)
{
    struct pam_conv pc = {conv, NULL};
    pam_handle_t *pamh = NULL;
    const char *why = NULL;
    int ret;

    ret = pam_start_confdir(service, user, &pc, confdir, &pamh);
    if (ret != PAM_SUCCESS) {
        printf("login %ld: pam_start: %d\n", i, ret);
        return 1;
    }
    pam_set_item(pamh, PAM_RHOST, "servera.example.test");
    if ((ret = pam_open_session(pamh, 0)) != PAM_SUCCESS)
        why = "open_session";
    else if ((ret = pam_setcred(pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS)
        why = "setcred";
    else if (pam_getenv(pamh, "KRB5CCNAME") == NULL)
        why = "no KRB5CCNAME after open";
    else if ((ret = pam_close_session(pamh, 0)) != PAM_SUCCESS)
        why = "close_session";
    else if ((ret = pam_setcred(pamh, PAM_DELETE_CRED)) != PAM_SUCCESS)
        why = "setcred(DELETE)";
    else if (pam_getenv(pamh, "KRB5CCNAME") != NULL)
        why = "KRB5CCNAME still set after close";
    if (why != NULL)
        printf("login %ld: %s: %s\n", i, why, pam_strerror(pamh, ret));
    pam_end(pamh, ret);
    return why != NULL;
}

int
main(int argc, char **argv)
{
    long count, i, good = 0, rss_first = -1;
    int fds_before, fds_first = -1, fds_last;
    char *end;

    if (argc != 5) {
        fprintf(stderr, "usage: pam_loop CONFDIR SERVICE USER COUNT\n");
        return 2;
    }
    count = strtol(argv[4], &end, 10);
    if (*end != '\0' || count < 1) {
        fprintf(stderr, "pam_loop: bad COUNT %s\n", argv[4]);
        return 2;
    }
    fds_before = count_fds();
    for (i = 1; i <= count; i++) {
        if (login(argv[1], argv[2], argv[3], i) == 0)
            good++;
        if (i == 1) {
            fds_first = count_fds();
            rss_first = rss_kb();
        }
        fflush(stdout);
    }
    fds_last = count_fds();
    printf("logins good=%ld of %ld\n", good, count);
    printf("fds before=%d first=%d last=%d\n", fds_before, fds_first, fds_last);
    print_fds();
    printf("rss_kb first=%ld last=%ld\n", rss_first, rss_kb());
    return good == count && fds_before >= 0 && fds_last <= fds_first ? 0 : 1;
}
