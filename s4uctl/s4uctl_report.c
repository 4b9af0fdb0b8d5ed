/*
 * s4uctl_report.c: how s4uctl's results look, as text and as JSON.
 *
 * Text output is one line per step, tagged [ ok ], [warn] or [FAIL]; a
 * step that did not simply pass gets its cause (the catalog's words, the id
 * and the library's message), how s4uctl knows, and the fixes per KDC kind
 * with the catalog's placeholders filled in from the names the steps found.
 * JSON output carries the same, for monitoring.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s4uctl/s4uctl.h"

/* --- times and configuration --- */

/* A time for people (local) or, with iso, for machines (UTC). */
const char *
s4uctl_when(int64_t t, bool iso, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || (iso ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm)) == NULL)
        return "";
    strftime(buf, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

/* An option's value as text. */
static void
option_value(const struct s4u_options *o, enum s4u_option_id id, char *buf,
             size_t size)
{
    const char *s = NULL;

    switch (id) {
    case S4U_OPT_DEBUG:
        s = o->debug ? "true" : "false";
        break;
    case S4U_OPT_FAIL_ON_ERROR:
        s = o->fail_on_error ? "true" : "false";
        break;
    case S4U_OPT_NO_EXPIRY_NOTICE:
        s = o->no_expiry_notice ? "true" : "false";
        break;
    case S4U_OPT_LOCAL_ACCOUNTS:
        s = o->local_accounts ? "true" : "false";
        break;
    case S4U_OPT_MINIMUM_UID:
        snprintf(buf, size, "%ld", o->minimum_uid);
        return;
    case S4U_OPT_TIMEOUT:
        snprintf(buf, size, "%ld", o->timeout);
        return;
    case S4U_OPT_MAX_PARALLEL:
        snprintf(buf, size, "%ld", o->max_parallel);
        return;
    case S4U_OPT_TARGETS:
        s = o->targets;
        break;
    case S4U_OPT_PRINCIPAL:
        s = o->principal;
        break;
    case S4U_OPT_KEYTAB:
        s = o->keytab;
        break;
    case S4U_OPT_REALM:
        s = o->realm;
        break;
    case S4U_OPT_CCACHE:
        s = o->ccache;
        break;
    case S4U_OPT_HOST_CACHE:
        s = o->host_cache;
        break;
    case S4U_OPT_HELPER:
        s = o->helper;
        break;
    case S4U_OPT_POLICY:
        s = o->policy;
        break;
    default:
        break;
    }
    snprintf(buf, size, "%s", s != NULL ? s : "");
}

/* An option's value as JSON: a boolean, a number, a string or null. */
static void
json_option_value(struct s4u_json *j, enum s4u_option_id id, const char *value)
{
    if (id == S4U_OPT_DEBUG || id == S4U_OPT_FAIL_ON_ERROR ||
        id == S4U_OPT_NO_EXPIRY_NOTICE || id == S4U_OPT_LOCAL_ACCOUNTS)
        s4u_json_bool(j, "value", strcmp(value, "true") == 0);
    else if (id == S4U_OPT_MINIMUM_UID || id == S4U_OPT_TIMEOUT ||
             id == S4U_OPT_MAX_PARALLEL)
        s4u_json_int(j, "value", strtol(value, NULL, 10));
    else
        s4u_json_string(j, "value", value[0] != '\0' ? value : NULL);
}

/* The kind of cache a collection template names, in a word. */
static const char *
cache_kind(const char *tmpl)
{
    if (tmpl == NULL)
        return NULL;
    if (strncmp(tmpl, "KEYRING:", 8) == 0)
        return "KEYRING";
    if (strncmp(tmpl, "KCM:", 4) == 0)
        return "KCM";
    if (strncmp(tmpl, "DIR:", 4) == 0)
        return "DIR";
    return "FILE";
}

/*
 * sssd-kcm's per-uid limits as sssd ships them (sssd-kcm(8)); a host may
 * change them in sssd.conf's [kcm] section, which pam_s4u does not read.
 */
#define KCM_MAX_UID_CCACHES 64
#define KCM_MAX_CCACHE_SIZE 65536

/* sssd-kcm's limits as JSON, under the cache type (KCM only). */
static void
json_kcm_limits(struct s4u_json *j, const char *tmpl)
{
    if (tmpl == NULL || strncmp(tmpl, "KCM:", 4) != 0)
        return;
    s4u_json_begin_object(j, "kcm_limits");
    s4u_json_int(j, "max_uid_ccaches", KCM_MAX_UID_CCACHES);
    s4u_json_int(j, "max_ccache_size", KCM_MAX_CCACHE_SIZE);
    s4u_json_string(j, "source",
                    "sssd's defaults; sssd.conf [kcm] may "
                    "change them");
    s4u_json_end_object(j);
}

/* sssd-kcm's limits as text, in a login's terms (KCM only). */
static void
print_kcm_limits(const char *tmpl)
{
    if (tmpl == NULL || strncmp(tmpl, "KCM:", 4) != 0)
        return;
    printf("                 sssd-kcm's limits, sssd's defaults (sssd.conf "
           "[kcm] max_uid_ccaches and max_ccache_size change them):\n");
    printf("                 %d caches per uid: each open session takes one, "
           "and so does each cache of the user's own\n",
           KCM_MAX_UID_CCACHES);
    printf("                 %d bytes per cache: a session's tickets, about "
           "1.3 KB each (more with an AD PAC)\n",
           KCM_MAX_CCACHE_SIZE);
}

/* The configuration as a JSON object. */
void
s4uctl_json_config(struct s4u_json *j, const struct ctl *c)
{
    char value[4096];
    size_t i;
    int id;

    s4u_json_begin_object(j, "configuration");
    s4u_json_string(j, "service_file", c->service);
    s4u_json_begin_array(j, "pam_lines");
    for (i = 0; i < c->nlines; i++) {
        s4u_json_begin_object(j, NULL);
        s4u_json_string(j, "file", c->lines[i].file);
        s4u_json_int(j, "line", c->lines[i].line);
        s4u_json_string(j, "type", c->lines[i].type);
        s4u_json_string(j, "control", c->lines[i].control);
        s4u_json_string(j, "module", c->lines[i].module);
        s4u_json_bool(j, "used", &c->lines[i] == c->line);
        s4u_json_end_object(j);
    }
    s4u_json_end_array(j);
    s4u_json_begin_array(j, "options");
    for (id = 0; id < S4U_OPT_COUNT; id++) {
        option_value(&c->opts, id, value, sizeof(value));
        s4u_json_begin_object(j, NULL);
        s4u_json_string(j, "name", s4u_option_name(id));
        json_option_value(j, id, value);
        s4u_json_string(j, "source", s4u_source_name(c->opts.source[id]));
        s4u_json_end_object(j);
    }
    s4u_json_end_array(j);
    s4u_json_begin_object(j, "cache_type");
    s4u_json_string(j, "collection", c->opts.ccache);
    s4u_json_string(j, "kind", cache_kind(c->opts.ccache));
    s4u_json_string(j, "rule", s4u_ccache_rule_text(c->opts.ccache_rule));
    s4u_json_string(j, "default_ccache_name", c->opts.host_ccache);
    json_kcm_limits(j, c->opts.ccache);
    s4u_json_end_object(j);
    s4u_json_begin_array(j, "warnings");
    for (i = 0; i < c->nwarnings; i++)
        s4u_json_string(j, NULL, c->warnings[i]);
    s4u_json_end_array(j);
    s4u_json_end_object(j);
}

/* The configuration as text: each option, its value and its source. */
void
s4uctl_print_config(const struct ctl *c)
{
    char value[4096];
    const char *why = NULL;
    size_t i;
    int id;

    printf("Configuration (%s):\n", c->service);
    for (i = 0; i < c->nlines; i++)
        printf("  %s:%u: %s %s %s%s\n", c->lines[i].file, c->lines[i].line,
               c->lines[i].type, c->lines[i].control, c->lines[i].module,
               &c->lines[i] == c->line ? " (options taken from here)" : "");
    for (id = 0; id < S4U_OPT_COUNT; id++) {
        option_value(&c->opts, id, value, sizeof(value));
        printf("  %-14s %-40s %s\n", s4u_option_name(id),
               value[0] != '\0' ? value : "(unset)",
               s4u_source_name(c->opts.source[id]));
    }
    s4u_escape(value, sizeof(value),
               c->opts.host_ccache != NULL ? c->opts.host_ccache : "");
    printf("  cache type:    %s, %s%s%s%s\n", cache_kind(c->opts.ccache),
           s4u_ccache_rule_text(c->opts.ccache_rule),
           c->opts.host_ccache != NULL ? " = \"" : "", value,
           c->opts.host_ccache != NULL ? "\"" : "");
    if (strncmp(c->opts.ccache, "KEYRING:", 8) == 0)
        printf("                 each ticket takes about 1.3 KB of the user's "
               "keyring quota (see Kernel keyring quotas below)\n");
    if (!s4u_ccache_kind_allowed(c->opts.ccache, &why))
        printf("  REFUSED: %s; the module and the helper store nothing\n", why);
    print_kcm_limits(c->opts.ccache);
    for (i = 0; i < c->nwarnings; i++)
        printf("  warning: %s\n", c->warnings[i]);
}

/* --- fixes, with the names filled in --- */

/* The names the catalog's placeholders stand for. */
struct names {
    char host[S4U_NAME_MAX], fqdn[S4U_NAME_MAX], computer[S4U_NAME_MAX];
    char computer_name[S4U_NAME_MAX], host_dn[3 * S4U_NAME_MAX];
    char keytab[S4U_NAME_MAX], realm[S4U_NAME_MAX], domain[S4U_NAME_MAX];
    char user[S4U_NAME_MAX], login[S4U_NAME_MAX];
    char target[S4U_NAME_MAX], target_spn[S4U_NAME_MAX];
    char target_computer[S4U_NAME_MAX], target_computer_name[S4U_NAME_MAX];
};

/* Copy s with each letter changed by f (toupper or tolower). */
static void
copy_case(char *dst, size_t size, const char *s, size_t len, int (*f)(int))
{
    size_t i;

    for (i = 0; i < len && i + 1 < size; i++)
        dst[i] = (char)f((unsigned char)s[i]);
    dst[i] = '\0';
}

/*
 * A service principal's parts: "svc/host.domain@REALM" gives the name
 * without the realm, the host and the AD account (HOST$ and HOST).
 */
static void
principal_parts(const char *princ, char *spn, char *fqdn, char *account,
                char *account_name, size_t size)
{
    const char *at = strrchr(princ, '@'), *slash = strchr(princ, '/');
    size_t len = at != NULL ? (size_t)(at - princ) : strlen(princ);
    const char *h = slash != NULL && slash < princ + len ? slash + 1 : princ;
    size_t hlen = (size_t)(princ + len - h);

    snprintf(spn, size, "%.*s", (int)len, princ);
    snprintf(fqdn, size, "%.*s", (int)hlen, h);
    copy_case(account_name, size, h, strcspn(fqdn, ".$"), toupper);
    snprintf(account, size, "%s$", account_name);
}

/* The usual LDAP DN of the host's entry (kdb5_ldap_util's layout). */
static void
host_dn(struct names *nm)
{
    char dc[S4U_NAME_MAX] = "", lower[S4U_NAME_MAX];
    char *p, *save = NULL;
    size_t len;

    copy_case(lower, sizeof(lower), nm->realm, strlen(nm->realm), tolower);
    for (p = strtok_r(lower, ".", &save); p != NULL;
         p = strtok_r(NULL, ".", &save)) {
        len = strlen(dc);
        snprintf(dc + len, sizeof(dc) - len, "%sdc=%s", len ? "," : "", p);
    }
    snprintf(nm->host_dn, sizeof(nm->host_dn),
             "krbPrincipalName=%s,cn=%s,cn=krbContainer,%s", nm->host,
             nm->realm, dc);
}

/* Fill in the names from the results so far and the login. */
static void
fill_names(struct names *nm, const struct s4u_diag_result *res, size_t n,
           const char *login)
{
    char spn[S4U_NAME_MAX];
    const char *at;
    size_t i;

    memset(nm, 0, sizeof(*nm));
    snprintf(nm->login, sizeof(nm->login), "%s", login != NULL ? login : "");
    for (i = 0; i < n; i++) {
        if (res[i].host[0] != '\0')
            snprintf(nm->host, sizeof(nm->host), "%s", res[i].host);
        if (res[i].step == S4U_STEP_KEYTAB)
            snprintf(nm->keytab, sizeof(nm->keytab), "%s",
                     strncmp(res[i].subject, "FILE:", 5) == 0
                         ? res[i].subject + 5
                         : res[i].subject);
        if (res[i].step == S4U_STEP_S4U2SELF)
            snprintf(nm->user, sizeof(nm->user), "%s", res[i].subject);
    }
    at = strrchr(nm->host, '@');
    snprintf(nm->realm, sizeof(nm->realm), "%s", at != NULL ? at + 1 : "");
    copy_case(nm->domain, sizeof(nm->domain), nm->realm, strlen(nm->realm),
              tolower);
    principal_parts(nm->host, spn, nm->fqdn, nm->computer, nm->computer_name,
                    sizeof(spn));
    host_dn(nm);
    if (nm->user[0] == '\0' && login != NULL && nm->realm[0] != '\0')
        snprintf(nm->user, sizeof(nm->user), "%s@%s", login, nm->realm);
}

/* Set the target's names for a result about one target. */
static void
target_names(struct names *nm, const struct s4u_diag_result *r)
{
    char fqdn[S4U_NAME_MAX];

    nm->target[0] = '\0';
    if (r->step != S4U_STEP_S4U2PROXY)
        return;
    snprintf(nm->target, sizeof(nm->target), "%s", r->subject);
    principal_parts(nm->target, nm->target_spn, fqdn, nm->target_computer,
                    nm->target_computer_name, sizeof(fqdn));
}

/* A fix text with every known name filled in; the caller frees it. */
static char *
expand(const char *text, const struct names *nm)
{
    const struct s4u_fix_var vars[] = {
        {"host", nm->host},
        {"fqdn", nm->fqdn},
        {"computer", nm->computer},
        {"computer-name", nm->computer_name},
        {"host-dn", nm->host[0] != '\0' ? nm->host_dn : NULL},
        {"keytab", nm->keytab},
        {"realm", nm->realm},
        {"domain", nm->domain},
        {"user", nm->user},
        {"login", nm->login},
        {"target", nm->target},
        {"target-spn", nm->target_spn},
        {"target-computer", nm->target_computer},
        {"target-computer-name", nm->target_computer_name},
    };
    struct s4u_fix_var known[sizeof(vars) / sizeof(vars[0])];
    size_t i, n = 0;
    char *out = NULL;

    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        if (vars[i].value != NULL && vars[i].value[0] != '\0')
            known[n++] = vars[i];
    }
    if (s4u_fix_expand(text, known, n, &out) != 0)
        return NULL;
    return out;
}

/* --- results --- */

/* How each KDC kind is called in text output. */
static const char *
kind_label(enum s4u_kdc_kind kind)
{
    static const char *const labels[S4U_KDC_KINDS] = {
        "MIT/LDAP:", "FreeIPA: ", "AD:      ", "Samba:   "};

    return (unsigned int)kind < S4U_KDC_KINDS ? labels[kind] : "?";
}

/* The tag in front of each result line. */
static const char *
verdict_tag(enum s4u_verdict v)
{
    return v == S4U_PASS ? "[ ok ]" : v == S4U_WARN ? "[warn]" : "[FAIL]";
}

/* Print cause, reasoning and fixes of a result that is not a plain pass. */
static void
print_explanation(const struct ctl *c, const struct s4u_diag_result *r,
                  unsigned int detected, const struct names *nm)
{
    const struct s4u_explanation *ex = s4u_explain(r->st.code);
    char *text;
    int k, pass;

    printf("       cause: %s [%s%s%s]\n", ex->what, ex->id,
           r->st.detail[0] != '\0' ? ": " : "", r->st.detail);
    if (r->reason[0] != '\0')
        printf("       why:   %s\n", r->reason);
    text = expand(ex->fix, nm);
    if (text != NULL && text[0] != '\0')
        printf("       fix:   %s\n", text);
    free(text);
    /* The kinds the KDC was recognised as first, then the others. */
    for (pass = 0; pass < 2; pass++) {
        for (k = 0; k < S4U_KDC_KINDS; k++) {
            if (!(c->kinds & (1u << k)) ||
                ((detected & (1u << k)) != 0) != (pass == 0))
                continue;
            text = expand(s4u_explain_fix(ex, k), nm);
            if (text != NULL && text[0] != '\0')
                printf("         %s %s\n", kind_label(k), text);
            free(text);
        }
    }
}

/* The KDC kinds the results so far recognised, or 0. */
static unsigned int
detected_kinds(const struct s4u_diag_result *all, size_t n)
{
    unsigned int kinds = 0;
    size_t i;

    for (i = 0; i < n; i++)
        kinds |= all[i].kdc_kinds;
    return kinds;
}

/* Print one result of check or status as text: all[i]. */
void
s4uctl_show_text(struct ctl *c, const struct s4u_diag_result *all, size_t i)
{
    const struct s4u_diag_result *r = &all[i];
    struct names nm;
    char t[64];

    printf("%s %s: %s", verdict_tag(r->verdict), s4u_diag_step_label(r->step),
           r->subject);
    if (r->facts[0] != '\0')
        printf(": %s", r->facts);
    if (r->endtime > 0 && r->step != S4U_STEP_S4U2SELF)
        printf(", valid until %s",
               s4uctl_when(r->endtime, false, t, sizeof(t)));
    putchar('\n');
    if (r->verdict != S4U_PASS || r->st.code != S4U_OK) {
        fill_names(&nm, all, i + 1, c->login);
        target_names(&nm, r);
        print_explanation(c, r, detected_kinds(all, i + 1), &nm);
    }
    fflush(stdout);
}

/* s4uctl_show_fn for --json: everything is printed at the end. */
void
s4uctl_show_nothing(struct ctl *c, const struct s4u_diag_result *all, size_t i)
{
    (void)c;
    (void)all;
    (void)i;
}

/* One result as a JSON object, with its fixes filled in. */
static void
json_result(struct s4u_json *j, const struct ctl *c,
            const struct s4u_diag_result *all, size_t i)
{
    const struct s4u_diag_result *r = &all[i];
    const struct s4u_explanation *ex = s4u_explain(r->st.code);
    struct names nm;
    char *text, t[64];
    int k;

    s4u_json_begin_object(j, NULL);
    s4u_json_string(j, "step", s4u_diag_step_name(r->step));
    s4u_json_string(j, "subject", r->subject);
    s4u_json_string(j, "verdict", s4u_verdict_name(r->verdict));
    s4u_json_string(j, "id", ex->id);
    s4u_json_string(j, "what", r->st.code != S4U_OK ? ex->what : NULL);
    s4u_json_string(j, "detail", r->st.detail[0] ? r->st.detail : NULL);
    s4u_json_string(j, "facts", r->facts[0] ? r->facts : NULL);
    s4u_json_string(j, "reason", r->reason[0] ? r->reason : NULL);
    if (r->keytab_kvno >= 0)
        s4u_json_int(j, "keytab_kvno", r->keytab_kvno);
    if (r->kdc_kvno >= 0)
        s4u_json_int(j, "kdc_kvno", r->kdc_kvno);
    if (r->forwardable >= 0)
        s4u_json_bool(j, "forwardable", r->forwardable == 1);
    if (r->exists >= 0)
        s4u_json_bool(j, "exists", r->exists == 1);
    if (r->kdc_kinds != 0) {
        s4u_json_begin_array(j, "kdc");
        for (k = 0; k < S4U_KDC_KINDS; k++) {
            if (r->kdc_kinds & (1u << k))
                s4u_json_string(j, NULL, s4u_kdc_kind_name(k));
        }
        s4u_json_end_array(j);
    }
    if (r->endtime > 0) {
        s4u_json_int(j, "endtime", r->endtime);
        s4u_json_string(j, "expires",
                        s4uctl_when(r->endtime, true, t, sizeof(t)));
    }
    if (r->st.code != S4U_OK) {
        fill_names(&nm, all, i + 1, c->login);
        target_names(&nm, r);
        s4u_json_begin_object(j, "fix");
        text = expand(ex->fix, &nm);
        s4u_json_string(j, "general", text);
        free(text);
        for (k = 0; k < S4U_KDC_KINDS; k++) {
            text = expand(s4u_explain_fix(ex, k), &nm);
            s4u_json_string(j, s4u_kdc_kind_name(k),
                            text != NULL && text[0] != '\0' ? text : NULL);
            free(text);
        }
        s4u_json_end_object(j);
    }
    s4u_json_end_object(j);
}

/* Every result as a JSON array. */
void
s4uctl_json_results(struct s4u_json *j, const struct ctl *c,
                    const struct s4u_diag_result *all, size_t n)
{
    size_t i;

    s4u_json_begin_array(j, "steps");
    for (i = 0; i < n; i++)
        json_result(j, c, all, i);
    s4u_json_end_array(j);
}

/* --- kernel keyring quotas --- */

/* What a uid's keyring headroom means, or NULL if it is comfortable. */
static const char *
headroom_note(long keys, long bytes)
{
    if (keys <= 0 || bytes <= 0)
        return "FULL: this uid cannot create keys, so klist and kdestroy see "
               "no keyring cache; raise kernel.keys.maxbytes/maxkeys";
    if (keys < 8 || bytes < 4096)
        return "LOW: the next login's tickets may not fit";
    return NULL;
}

/* The kernel keyring quotas as text; the headroom as the helper sees it. */
void
s4uctl_print_keyring(const struct s4u_key_limits *kl)
{
    const char *note;
    long room_keys, room_bytes;
    size_t i;

    printf("\nKernel keyring quotas:\n");
    printf("  per user:  kernel.keys.maxkeys = %ld, kernel.keys.maxbytes = "
           "%ld\n",
           kl->maxkeys, kl->maxbytes);
    printf("  root:      kernel.keys.root_maxkeys = %ld, "
           "kernel.keys.root_maxbytes = %ld\n",
           kl->root_maxkeys, kl->root_maxbytes);
    printf("  %-8s %-16s %-20s %s\n", "uid", "keys", "bytes", "headroom");
    for (i = 0; i < kl->nusers; i++) {
        const struct s4u_key_user *u = &kl->users[i];
        char keys[48], bytes[48];

        snprintf(keys, sizeof(keys), "%ld/%ld", u->keys, u->maxkeys);
        snprintf(bytes, sizeof(bytes), "%ld/%ld", u->bytes, u->maxbytes);
        s4u_key_room_in(kl, (uid_t)u->uid, &room_keys, &room_bytes);
        note = headroom_note(room_keys, room_bytes);
        printf("  %-8lu %-16s %-20s %ld keys, %ld bytes%s%s\n", u->uid, keys,
               bytes, room_keys, room_bytes, note != NULL ? "  " : "",
               note != NULL ? note : "");
    }
}

/* The kernel keyring quotas as JSON; the headroom as the helper sees it. */
void
s4uctl_json_keyring(struct s4u_json *j, const struct s4u_key_limits *kl)
{
    long room_keys, room_bytes;
    size_t i;

    s4u_json_begin_object(j, "keyring");
    s4u_json_int(j, "maxkeys", kl->maxkeys);
    s4u_json_int(j, "maxbytes", kl->maxbytes);
    s4u_json_int(j, "root_maxkeys", kl->root_maxkeys);
    s4u_json_int(j, "root_maxbytes", kl->root_maxbytes);
    s4u_json_begin_array(j, "users");
    for (i = 0; i < kl->nusers; i++) {
        const struct s4u_key_user *u = &kl->users[i];

        s4u_key_room_in(kl, (uid_t)u->uid, &room_keys, &room_bytes);
        s4u_json_begin_object(j, NULL);
        s4u_json_int(j, "uid", (int64_t)u->uid);
        s4u_json_int(j, "keys", u->keys);
        s4u_json_int(j, "maxkeys", u->maxkeys);
        s4u_json_int(j, "bytes", u->bytes);
        s4u_json_int(j, "maxbytes", u->maxbytes);
        s4u_json_int(j, "headroom_keys", room_keys);
        s4u_json_int(j, "headroom_bytes", room_bytes);
        s4u_json_string(j, "note", headroom_note(room_keys, room_bytes));
        s4u_json_end_object(j);
    }
    s4u_json_end_array(j);
    s4u_json_end_object(j);
}
