/*
 * s4u_names.c: checks and expansions of untrusted text, free of Kerberos.
 *
 * The login name becomes a principal and part of a cache name, so only
 * plain names, or names qualified by one DNS or NetBIOS domain, pass.  Target
 * lists and cache templates come from root-owned configuration, but are still
 * bounded and checked so that a typo becomes a clear message rather than a
 * strange request.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"

/*
 * Decode one UTF-8 character at s into *cp_out; returns its length in
 * bytes, or 0 if s does not start with a valid, shortest-form sequence
 * (no surrogates, nothing above U+10FFFF).
 */
size_t
s4u_utf8_decode(const unsigned char *s, unsigned int *cp_out)
{
    size_t len, i;
    unsigned int cp;

    *cp_out = s[0];
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        cp = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        cp = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    *cp_out = cp;
    return len;
}

/* The length of the valid UTF-8 character at s, or 0. */
size_t
s4u_utf8_seq_len(const unsigned char *s)
{
    unsigned int cp;

    return s4u_utf8_decode(s, &cp);
}

/* True if c may appear in a login name: letters, digits, '.', '_', '-'. */
static bool
user_ascii_ok(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '-';
}

/*
 * Check the account part of a login name: 1 or more bytes, not starting
 * with '-' or '.', ASCII limited to user_ascii_ok, the rest well-formed
 * UTF-8.  '/', '$', separators and control characters are refused, so the
 * part can never select an instance, a machine account or another name.
 */
static bool
account_part_valid(const char *p, size_t len, const char **why_out)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i, step;

    if (len == 0) {
        *why_out = "the user name is empty";
        return false;
    }
    if (p[0] == '-' || p[0] == '.') {
        *why_out = "the user name starts with '-' or '.'";
        return false;
    }
    for (i = 0; i < len; i += step) {
        step = s4u_utf8_seq_len(u + i);
        if (step == 0 || i + step > len) {
            *why_out = "the user name is not valid UTF-8";
            return false;
        }
        if (step == 1 && !user_ascii_ok(u[i])) {
            *why_out = u[i] == '/' ? "the user name names an instance"
                                   : "the user name contains a separator or "
                                     "control character";
            return false;
        }
    }
    return true;
}

/*
 * Check a domain part: ASCII labels of letters, digits and '-', joined by
 * single dots (a DNS domain, as SSSD appends it), or for a down-level name
 * one label of at most 15 bytes (a NetBIOS domain, as winbind prefixes it).
 */
static bool
domain_part_valid(const char *p, size_t len, bool netbios, const char **why_out)
{
    size_t i, label = 0;

    *why_out = netbios ? "the domain before '\\' is not a NetBIOS domain name"
                       : "the domain after '@' is not a DNS domain name";
    if (len == 0 || len > (netbios ? 15 : 253))
        return false;
    for (i = 0; i < len; i++) {
        if (p[i] == '.' && !netbios) {
            if (label == 0 || i + 1 == len)
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)p[i]) && p[i] != '-')
            return false;
        if (++label > 63)
            return false;
    }
    *why_out = NULL;
    return true;
}

/* Copy the two parts (lengths already bounded by S4U_USER_MAX). */
static bool
fill_parts(struct s4u_user_parts *parts, enum s4u_user_form form,
           const char *name, size_t name_len, const char *domain,
           size_t domain_len)
{
    parts->form = form;
    memcpy(parts->name, name, name_len);
    parts->name[name_len] = '\0';
    memcpy(parts->domain, domain, domain_len);
    parts->domain[domain_len] = '\0';
    return true;
}

/*
 * Split a login name as the jump host's NSS gives it: "alice",
 * "alice@ad.example.com" (SSSD's fully qualified name, or a UPN) or
 * "ADLAB\alice" (winbind).  At most one '@' or one backslash, never both;
 * each
 * part is checked on its own.  parts_out is filled only on success.
 */
bool
s4u_user_name_split(const char *name, struct s4u_user_parts *parts_out,
                    const char **why_out)
{
    const char *at, *bs, *sep;
    size_t len;

    *why_out = NULL;
    if (name == NULL || *name == '\0') {
        *why_out = "the user name is empty";
        return false;
    }
    len = strnlen(name, S4U_USER_MAX + 1);
    if (len > S4U_USER_MAX) {
        *why_out = "the user name is longer than 255 bytes";
        return false;
    }
    at = strchr(name, '@');
    bs = strchr(name, '\\');
    if ((at != NULL && (bs != NULL || strchr(at + 1, '@') != NULL)) ||
        (bs != NULL && strchr(bs + 1, '\\') != NULL)) {
        *why_out = "the user name has more than one '@' or '\\'";
        return false;
    }
    sep = at != NULL ? at : bs;
    if (sep == NULL)
        return account_part_valid(name, len, why_out) &&
               fill_parts(parts_out, S4U_USER_PLAIN, name, len, "", 0);
    if (at != NULL)
        return account_part_valid(name, (size_t)(at - name), why_out) &&
               domain_part_valid(at + 1, strlen(at + 1), false, why_out) &&
               fill_parts(parts_out, S4U_USER_QUALIFIED, name,
                          (size_t)(at - name), at + 1, strlen(at + 1));
    return domain_part_valid(name, (size_t)(bs - name), true, why_out) &&
           account_part_valid(bs + 1, strlen(bs + 1), why_out) &&
           fill_parts(parts_out, S4U_USER_DOWNLEVEL, bs + 1, strlen(bs + 1),
                      name, (size_t)(bs - name));
}

/*
 * Accept the login names s4u_user_name_split accepts: a plain name, or one
 * qualified by a DNS or NetBIOS domain.  Control characters, '/', '$',
 * separators and invalid UTF-8 are refused in every part.
 */
bool
s4u_user_name_valid(const char *name, const char **why_out)
{
    struct s4u_user_parts parts;

    return s4u_user_name_split(name, &parts, why_out);
}

/* Bound and sanity-check a principal's text before Kerberos parses it. */
bool
s4u_principal_text_valid(const char *text, const char **why_out)
{
    const unsigned char *p;

    *why_out = NULL;
    if (text == NULL || *text == '\0') {
        *why_out = "empty principal name";
        return false;
    }
    if (strnlen(text, S4U_NAME_MAX + 1) > S4U_NAME_MAX) {
        *why_out = "principal name longer than 1024 bytes";
        return false;
    }
    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p <= ' ' || *p == 0x7F || *p == ',') {
            *why_out = "principal name contains a space, comma or control "
                       "character";
            return false;
        }
    }
    return true;
}

/* Append s to the growing output, failing when the name gets too long. */
static int
put(char *buf, size_t *len, const char *s, size_t slen)
{
    if (*len + slen >= S4U_NAME_MAX)
        return ENAMETOOLONG;
    memcpy(buf + *len, s, slen);
    *len += slen;
    buf[*len] = '\0';
    return 0;
}

/* The session keyring, also as MIT's "legacy" KEYRING:<name>. */
static const char *
keyring_refusal(const char *res)
{
    const char *sep = strchr(res, ':');

    if (sep == NULL || strncmp(res, "session:", 8) == 0 ||
        strncmp(res, "legacy:", 7) == 0)
        return "ccache= names the session keyring, which with su or sudo "
               "belongs to the invoking user, who could read the tickets; "
               "use ccache=KEYRING:persistent:%{uid}";
    return "ccache= names a keyring other than KEYRING:persistent: or "
           "KEYRING:user:; use ccache=KEYRING:persistent:%{uid}";
}

/*
 * Where pam_s4u may put a user's cache: a KEYRING:persistent: or
 * KEYRING:user: collection, the KCM: collection (sssd-kcm; a KCM cache
 * belongs to the uid that connects), a DIR: collection, or a FILE: path.
 * name is a collection or a cache in one; only its kind is judged here.
 * The session keyring is refused (also as MIT's "legacy" KEYRING:<name>):
 * it is the one the PAM application inherited, and with su or sudo and no
 * pam_keyinit before us that belongs to the invoking user, who could then
 * read the tickets.  Module, helper and s4uctl all ask this one function.
 */
bool
s4u_ccache_kind_allowed(const char *name, const char **why_out)
{
    const char *res;

    *why_out = NULL;
    if (strncmp(name, "FILE:/", 6) == 0 || name[0] == '/' ||
        strncmp(name, "KCM:", 4) == 0 || strncmp(name, "DIR:/", 5) == 0 ||
        strncmp(name, "DIR::/", 6) == 0)
        return true;
    if (strncmp(name, "KEYRING:", 8) != 0) {
        *why_out = "ccache= must name a KEYRING:persistent: or KEYRING:user: "
                   "collection, KCM:, a DIR: collection or a FILE: path";
        return false;
    }
    res = name + 8;
    if (strncmp(res, "persistent:", 11) == 0 || strncmp(res, "user:", 5) == 0)
        return true;
    *why_out = keyring_refusal(res);
    return false;
}

/*
 * Expand a cache template: %{uid} and %u become the numeric uid (%u as in
 * pam-krb5's ccache=), %{username} the login name, %% a percent sign.
 * Anything else is an error, and so is a name of a kind
 * s4u_ccache_kind_allowed refuses.
 */
int
s4u_ccache_expand(const char *tmpl, const char *user, uid_t uid,
                  char **name_out, const char **why_out)
{
    char buf[S4U_NAME_MAX], num[32];
    const char *p, *rep;
    size_t len = 0, skip;
    int ret = 0;

    *name_out = NULL;
    *why_out = NULL;
    buf[0] = '\0';
    snprintf(num, sizeof(num), "%lu", (unsigned long)uid);
    for (p = tmpl; *p != '\0' && ret == 0; p += skip) {
        skip = 1;
        rep = NULL;
        if (*p != '%') {
            ret = put(buf, &len, p, 1);
            continue;
        }
        if (p[1] == 'u') {
            rep = num, skip = 2;
        } else if (p[1] == '%') {
            rep = "%", skip = 2;
        } else if (strncmp(p + 1, "{uid}", 5) == 0) {
            rep = num, skip = 6;
        } else if (strncmp(p + 1, "{username}", 10) == 0) {
            rep = user, skip = 11;
        } else {
            *why_out = "unknown % sequence in ccache= (use %{uid}, %u, "
                       "%{username} or %%)";
            return EINVAL;
        }
        ret = put(buf, &len, rep, strlen(rep));
    }
    if (ret != 0) {
        *why_out = "ccache= expands to more than 1024 bytes";
        return ret;
    }
    if (len == 0) {
        *why_out = "ccache= is empty";
        return EINVAL;
    }
    if (!s4u_ccache_kind_allowed(buf, why_out))
        return EINVAL;
    *name_out = strdup(buf);
    return *name_out == NULL ? ENOMEM : 0;
}

/* Append a copy of s to a NULL-terminated string vector. */
int
s4u_strv_append(char ***vec, size_t *n, const char *s)
{
    char **grown, *copy;

    copy = strdup(s);
    if (copy == NULL)
        return ENOMEM;
    grown = realloc(*vec, (*n + 2) * sizeof(**vec));
    if (grown == NULL) {
        free(copy);
        return ENOMEM;
    }
    grown[(*n)++] = copy;
    grown[*n] = NULL;
    *vec = grown;
    return 0;
}

/* Free a string vector of n entries. */
void
s4u_strv_free(char **vec, size_t n)
{
    size_t i;

    if (vec == NULL)
        return;
    for (i = 0; i < n; i++)
        free(vec[i]);
    free(vec);
}

/* True if s is already in the first n entries of vec. */
static bool
strv_has(char **vec, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(vec[i], s) == 0)
            return true;
    }
    return false;
}

/*
 * Split a target list on commas and white space.  Duplicates are dropped;
 * empty entries are skipped; each entry is bounded and checked.
 */
int
s4u_targets_parse(const char *text, char ***targets_out, size_t *n_out,
                  const char **why_out)
{
    char **vec = NULL, *copy = NULL, *tok, *save = NULL;
    size_t n = 0;
    int ret = 0;

    *targets_out = NULL;
    *n_out = 0;
    *why_out = NULL;
    copy = strdup(text != NULL ? text : "");
    if (copy == NULL)
        return ENOMEM;
    for (tok = strtok_r(copy, ", \t\r\n", &save); tok != NULL;
         tok = strtok_r(NULL, ", \t\r\n", &save)) {
        if (!s4u_principal_text_valid(tok, why_out)) {
            ret = EINVAL;
            goto cleanup;
        }
        if (strv_has(vec, n, tok))
            continue;
        if (n >= S4U_TARGETS_MAX) {
            *why_out = "more than 256 targets";
            ret = E2BIG;
            goto cleanup;
        }
        ret = s4u_strv_append(&vec, &n, tok);
        if (ret != 0)
            goto cleanup;
    }
    *targets_out = vec;
    *n_out = n;
    vec = NULL;
    n = 0;

cleanup:
    s4u_strv_free(vec, n);
    free(copy);
    return ret;
}

/* True if name is a cache this module created (it ends in our marker). */
bool
s4u_cache_name_ours(const char *name)
{
    size_t len, i;
    const char *tail;

    if (name == NULL)
        return false;
    len = strlen(name);
    if (len < sizeof(S4U_CACHE_MARKER) + S4U_CACHE_MARKER_HEX + 8 ||
        len > S4U_NAME_MAX)
        return false;
    tail = name + len - S4U_CACHE_MARKER_HEX - (sizeof(S4U_CACHE_MARKER) - 1);
    if (strncmp(tail, S4U_CACHE_MARKER, sizeof(S4U_CACHE_MARKER) - 1) != 0 ||
        (tail[-1] != ':' && tail[-1] != '_'))
        return false;
    for (i = sizeof(S4U_CACHE_MARKER) - 1; tail[i] != '\0'; i++) {
        if (!((tail[i] >= '0' && tail[i] <= '9') ||
              (tail[i] >= 'a' && tail[i] <= 'f')))
            return false;
    }
    return strncmp(name, "KEYRING:", 8) == 0 ||
           strncmp(name, "FILE:/", 6) == 0 || strncmp(name, "KCM:", 4) == 0 ||
           strncmp(name, "DIR::/", 6) == 0;
}

/*
 * The name of the cache with marker digits hex in collection, for uid: the
 * one spelling of pam_s4u's cache names, per collection kind:
 *   KEYRING:<kind>:<name>  ->  KEYRING:<kind>:<name>:s4u_<hex>
 *   KCM:                   ->  KCM:<uid>:s4u_<hex>   (sssd-kcm's own style)
 *   DIR:<dir>              ->  DIR::<dir>/tkt_s4u_<hex>  (MIT lists tkt*)
 *   FILE:<path> or <path>  ->  FILE:<path>_s4u_<hex>
 * The collection must be allowed (s4u_ccache_kind_allowed) and whole: a
 * name that is already one cache of a collection is EINVAL.  0, EINVAL or
 * ENOMEM.
 */
int
s4u_cache_name_in(const char *collection, uid_t uid, const char *hex,
                  char **name_out)
{
    const char *sep;
    int n;

    *name_out = NULL;
    if (strncmp(collection, "KEYRING:", 8) == 0) {
        sep = strchr(collection + 8, ':');
        if (sep == NULL || sep[1] == '\0' || strchr(sep + 1, ':') != NULL)
            return EINVAL;
        n = asprintf(name_out, "%s:" S4U_CACHE_MARKER "%s", collection, hex);
    } else if (strcmp(collection, "KCM:") == 0) {
        n = asprintf(name_out, "KCM:%lu:" S4U_CACHE_MARKER "%s",
                     (unsigned long)uid, hex);
    } else if (strncmp(collection, "DIR:/", 5) == 0) {
        n = asprintf(name_out, "DIR::%s/tkt_" S4U_CACHE_MARKER "%s",
                     collection + 4, hex);
    } else if (collection[0] == '/' || strncmp(collection, "FILE:/", 6) == 0) {
        n = asprintf(name_out, "%s%s_" S4U_CACHE_MARKER "%s",
                     collection[0] == '/' ? "FILE:" : "", collection, hex);
    } else {
        return EINVAL;
    }
    if (n < 0) {
        *name_out = NULL;
        return ENOMEM;
    }
    return 0;
}

/*
 * True if name is a cache pam_s4u makes in collection for uid, spelled as
 * s4u_cache_name_in spells it.
 */
bool
s4u_cache_in_collection(const char *name, const char *collection, uid_t uid)
{
    char *expect = NULL;
    bool same;

    if (!s4u_cache_name_ours(name) ||
        s4u_cache_name_in(collection, uid,
                          name + strlen(name) - S4U_CACHE_MARKER_HEX,
                          &expect) != 0)
        return false;
    same = strcmp(expect, name) == 0;
    free(expect);
    return same;
}

/*
 * The collection a cache of ours belongs to, for the kinds that have a
 * primary cache (KEYRING, KCM, DIR); ENOENT for a FILE cache, EINVAL for a
 * name that is not ours, ENOMEM.  The inverse of s4u_cache_name_in.
 */
int
s4u_cache_collection_of(const char *name, char **collection_out)
{
    size_t cut;

    *collection_out = NULL;
    if (!s4u_cache_name_ours(name))
        return EINVAL;
    cut = strlen(name) - S4U_CACHE_MARKER_HEX - strlen(S4U_CACHE_MARKER) - 1;
    if (strncmp(name, "FILE:", 5) == 0)
        return ENOENT;
    if (strncmp(name, "KCM:", 4) == 0)
        *collection_out = strdup("KCM:");
    else if (strncmp(name, "DIR::", 5) == 0 && cut > 8 &&
             strncmp(name + cut - 4, "/tkt_", 5) == 0)
        *collection_out = strndup(name, cut - 4);
    else if (strncmp(name, "KEYRING:", 8) == 0)
        *collection_out = strndup(name, cut);
    else
        return EINVAL;
    if (*collection_out == NULL)
        return ENOMEM;
    if (strncmp(*collection_out, "DIR::", 5) == 0)
        memmove(*collection_out + 4, *collection_out + 5,
                strlen(*collection_out + 5) + 1);
    return 0;
}

/* pam_s4u's own default collection: the persistent kernel keyring. */
#define KEYRING_DEFAULT "KEYRING:persistent:%{uid}"

/* Copy at most len bytes of s, with MIT's %{euid} as our %{uid}. */
static char *
template_copy(const char *s, size_t len)
{
    char buf[S4U_NAME_MAX];
    size_t in, out = 0;

    for (in = 0; in < len && s[in] != '\0' && out + 7 < sizeof(buf); in++) {
        if (strncmp(s + in, "%{euid}", 7) == 0) {
            memcpy(buf + out, "%{uid}", 6);
            out += 6;
            in += 6;
            continue;
        }
        buf[out++] = s[in];
    }
    if (in < len && s[in] != '\0')
        return NULL; /* too long: refused like any unusable name */
    buf[out] = '\0';
    return strdup(buf);
}

/*
 * The collection a host default names, as a template of ours, or NULL (not
 * a collection pam_s4u follows, or out of memory): KEYRING:<kind>:<name>
 * without a cache name, KCM:, the directory of DIR:<dir> or DIR::<dir>/tkt.
 */
static char *
host_collection(const char *dflt)
{
    const char *p, *slash;
    char *path, *dir;

    if (strncmp(dflt, "KCM:", 4) == 0)
        return strdup("KCM:");
    if (strncmp(dflt, "KEYRING:", 8) == 0) {
        p = strchr(dflt + 8, ':');
        p = p != NULL ? strchr(p + 1, ':') : NULL;
        return template_copy(dflt, p != NULL ? (size_t)(p - dflt) : SIZE_MAX);
    }
    if (strncmp(dflt, "DIR::/", 6) == 0) {
        slash = strrchr(dflt, '/');
        path = template_copy(dflt + 5, (size_t)(slash - dflt) - 5);
        if (path == NULL || asprintf(&dir, "DIR:%s", path) < 0)
            dir = NULL;
        free(path);
        return dir;
    }
    if (strncmp(dflt, "DIR:/", 5) == 0)
        return template_copy(dflt, SIZE_MAX);
    return NULL;
}

/*
 * The cache template pam_s4u uses when ccache= is not set, from the host's
 * krb5.conf default_ccache_name (dflt, NULL when unset): the host's
 * collection if it names one pam_s4u can write (KEYRING:persistent: or
 * KEYRING:user:, KCM:, DIR:), else pam_s4u's own default, the persistent
 * keyring: for an unset name (MIT then uses FILE:/tmp/krb5cc_%{uid}), a
 * FILE cache (no collection, no primary), or a kind refused or unknown here
 * (the session keyring, MIT-only % sequences).  *rule_out says which rule
 * chose.  0 or ENOMEM.
 */
int
s4u_ccache_from_host(const char *dflt, char **tmpl_out,
                     enum s4u_ccache_rule *rule_out)
{
    char *tmpl = NULL, *name = NULL;
    const char *why;

    *tmpl_out = NULL;
    *rule_out = S4U_CC_UNSET;
    if (dflt != NULL && *dflt != '\0') {
        *rule_out = strncmp(dflt, "FILE:", 5) == 0 || dflt[0] == '/'
                        ? S4U_CC_HOST_FILE
                        : S4U_CC_HOST_OTHER;
        tmpl = host_collection(dflt);
    }
    if (tmpl != NULL &&
        s4u_ccache_expand(tmpl, "nobody", 65534, &name, &why) == 0) {
        *rule_out = S4U_CC_HOST;
    } else {
        free(tmpl);
        tmpl = strdup(KEYRING_DEFAULT);
    }
    free(name);
    *tmpl_out = tmpl;
    return tmpl == NULL ? ENOMEM : 0;
}

/* How the cache type was chosen, in an admin's words. */
const char *
s4u_ccache_rule_text(enum s4u_ccache_rule rule)
{
    switch (rule) {
    case S4U_CC_OPTION:
        return "set by ccache=";
    case S4U_CC_HOST:
        return "the host's default (krb5.conf default_ccache_name)";
    case S4U_CC_HOST_FILE:
        return "pam_s4u's default: krb5.conf default_ccache_name names a "
               "FILE cache, which has no collection";
    case S4U_CC_HOST_OTHER:
        return "pam_s4u's default: krb5.conf default_ccache_name names a "
               "cache type pam_s4u does not write";
    default:
        return "pam_s4u's default: krb5.conf sets no default_ccache_name";
    }
}
