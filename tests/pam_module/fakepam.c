/*
 * fakepam.c: a small libpam for the module's unit tests.
 *
 * Only the calls pam_module/ makes exist here, so a new libpam call in the
 * module is a link error until the fake learns it.  Items, data and the
 * environment follow Linux-PAM 1.5: pam_set_data over an existing name
 * calls the old cleanup, pam_end calls every cleanup, and pam_putenv of a
 * bare name deletes it.  Log lines are kept, one per line, as
 * "<priority> <text>"; getpwnam answers from a table the test fills.
 */
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "tests/pam_module/fake.h"

#define MAX_DATA 16
#define MAX_ENV 16
#define MAX_USERS 16

/* One pam_set_data entry. */
struct data {
    char *name;
    void *value;
    void (*cleanup)(pam_handle_t *, void *, int);
};

struct pam_handle {
    char *user;
    struct data data[MAX_DATA];
    char *env[MAX_ENV]; /* "NAME=value" */
    struct passwd *pw[MAX_USERS];
};

/* The passwd table fake_passwd_add fills. */
static struct {
    char *name;
    uid_t uid;
    gid_t gid;
} users[MAX_USERS];

static char log_text[65536];

uid_t fake_euid;

/* Abort on a broken test setup: the fake has fixed, small tables. */
static void *
must(void *p)
{
    if (p == NULL) {
        fprintf(stderr, "fakepam: out of memory or table full\n");
        abort();
    }
    return p;
}

/* What the module sees as its effective uid. */
uid_t
geteuid(void)
{
    return fake_euid;
}

/* A handle for user (NULL: no PAM_USER). */
pam_handle_t *
fake_pam_start(const char *user)
{
    pam_handle_t *pamh = must(calloc(1, sizeof(*pamh)));

    if (user != NULL)
        pamh->user = must(strdup(user));
    return pamh;
}

/* pam_end: every data cleanup runs, then the handle goes. */
void
fake_pam_end(pam_handle_t *pamh)
{
    size_t i;

    for (i = 0; i < MAX_DATA; i++) {
        if (pamh->data[i].name == NULL)
            continue;
        if (pamh->data[i].cleanup != NULL)
            pamh->data[i].cleanup(pamh, pamh->data[i].value, PAM_SUCCESS);
        free(pamh->data[i].name);
    }
    for (i = 0; i < MAX_ENV; i++)
        free(pamh->env[i]);
    for (i = 0; i < MAX_USERS && pamh->pw[i] != NULL; i++) {
        free(pamh->pw[i]->pw_name);
        free(pamh->pw[i]);
    }
    free(pamh->user);
    free(pamh);
}

/* How many data entries hold a value (a NULL value does not count). */
size_t
fake_pam_data_count(const pam_handle_t *pamh)
{
    size_t i, n = 0;

    for (i = 0; i < MAX_DATA; i++)
        n += pamh->data[i].name != NULL && pamh->data[i].value != NULL;
    return n;
}

/* Everything logged since the last fake_log_clear. */
const char *
fake_log(void)
{
    return log_text;
}

void
fake_log_clear(void)
{
    log_text[0] = '\0';
}

/* Add a local account to what pam_modutil_getpwnam finds. */
void
fake_passwd_add(const char *name, uid_t uid, gid_t gid)
{
    size_t i;

    for (i = 0; i < MAX_USERS && users[i].name != NULL; i++)
        ;
    if (i == MAX_USERS) {
        fprintf(stderr, "fakepam: passwd table full\n");
        abort();
    }
    users[i].name = must(strdup(name));
    users[i].uid = uid;
    users[i].gid = gid;
}

void
fake_passwd_clear(void)
{
    size_t i;

    for (i = 0; i < MAX_USERS; i++) {
        free(users[i].name);
        users[i].name = NULL;
    }
}

int
pam_get_item(const pam_handle_t *pamh, int item_type, const void **item)
{
    if (item_type != PAM_USER)
        return PAM_BAD_ITEM;
    *item = pamh->user;
    return PAM_SUCCESS;
}

int
pam_set_item(pam_handle_t *pamh, int item_type, const void *item)
{
    if (item_type != PAM_USER)
        return PAM_BAD_ITEM;
    free(pamh->user);
    pamh->user = item != NULL ? must(strdup(item)) : NULL;
    return PAM_SUCCESS;
}

/* The entry called name, or NULL. */
static struct data *
find_data(const pam_handle_t *pamh, const char *name)
{
    size_t i;

    for (i = 0; i < MAX_DATA; i++) {
        if (pamh->data[i].name != NULL && strcmp(pamh->data[i].name, name) == 0)
            return (struct data *)&pamh->data[i];
    }
    return NULL;
}

int
pam_set_data(pam_handle_t *pamh, const char *module_data_name, void *data,
             void (*cleanup)(pam_handle_t *pamh, void *data, int error_status))
{
    struct data *d = find_data(pamh, module_data_name);
    size_t i;

    if (d != NULL) {
        if (d->cleanup != NULL)
            d->cleanup(pamh, d->value, PAM_DATA_REPLACE | PAM_SUCCESS);
    } else {
        for (i = 0; i < MAX_DATA && pamh->data[i].name != NULL; i++)
            ;
        if (i == MAX_DATA)
            return PAM_BUF_ERR;
        d = &pamh->data[i];
        d->name = must(strdup(module_data_name));
    }
    d->value = data;
    d->cleanup = cleanup;
    return PAM_SUCCESS;
}

int
pam_get_data(const pam_handle_t *pamh, const char *module_data_name,
             const void **data)
{
    const struct data *d = find_data(pamh, module_data_name);

    if (d == NULL)
        return PAM_NO_MODULE_DATA;
    *data = d->value;
    return PAM_SUCCESS;
}

/* The slot of the variable named by the first len bytes, or -1. */
static int
find_env(const pam_handle_t *pamh, const char *name, size_t len)
{
    int i;

    for (i = 0; i < MAX_ENV; i++) {
        if (pamh->env[i] != NULL && strncmp(pamh->env[i], name, len) == 0 &&
            pamh->env[i][len] == '=')
            return i;
    }
    return -1;
}

const char *
pam_getenv(pam_handle_t *pamh, const char *name)
{
    int i = find_env(pamh, name, strlen(name));

    return i < 0 ? NULL : strchr(pamh->env[i], '=') + 1;
}

int
pam_putenv(pam_handle_t *pamh, const char *name_value)
{
    const char *eq = strchr(name_value, '=');
    size_t len = eq != NULL ? (size_t)(eq - name_value) : strlen(name_value);
    int i = find_env(pamh, name_value, len);

    if (eq == NULL) {
        if (i < 0)
            return PAM_BAD_ITEM;
        free(pamh->env[i]);
        pamh->env[i] = NULL;
        return PAM_SUCCESS;
    }
    if (i < 0) {
        for (i = 0; i < MAX_ENV && pamh->env[i] != NULL; i++)
            ;
        if (i == MAX_ENV)
            return PAM_BUF_ERR;
    }
    free(pamh->env[i]);
    pamh->env[i] = must(strdup(name_value));
    return PAM_SUCCESS;
}

void
pam_vsyslog(const pam_handle_t *pamh, int priority, const char *fmt,
            va_list args)
{
    size_t len = strlen(log_text);

    (void)pamh;
    snprintf(log_text + len, sizeof(log_text) - len, "%d ", priority);
    len = strlen(log_text);
    vsnprintf(log_text + len, sizeof(log_text) - len, fmt, args);
    len = strlen(log_text);
    snprintf(log_text + len, sizeof(log_text) - len, "\n");
}

void
pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pam_vsyslog(pamh, priority, fmt, ap);
    va_end(ap);
}

const char *
pam_strerror(pam_handle_t *pamh, int errnum)
{
    static char text[32];

    (void)pamh;
    snprintf(text, sizeof(text), "PAM code %d", errnum);
    return text;
}

/* Like libpam: the entry lives in the handle until pam_end. */
struct passwd *
pam_modutil_getpwnam(pam_handle_t *pamh, const char *user)
{
    struct passwd *pw;
    size_t i, slot;

    for (slot = 0; slot < MAX_USERS && pamh->pw[slot] != NULL; slot++)
        ;
    for (i = 0; i < MAX_USERS; i++) {
        if (users[i].name == NULL || strcmp(users[i].name, user) != 0 ||
            slot == MAX_USERS)
            continue;
        pw = must(calloc(1, sizeof(*pw)));
        pw->pw_name = must(strdup(user));
        pw->pw_uid = users[i].uid;
        pw->pw_gid = users[i].gid;
        pamh->pw[slot] = pw;
        return pw;
    }
    return NULL;
}
