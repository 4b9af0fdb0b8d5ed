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

/*
 * Where pam_s4u may put a user's cache: a KEYRING:persistent: or
 * KEYRING:user: collection, or a FILE: path.  name is a collection or a
 * cache in one; only its kind is judged here.  The session keyring is
 * refused (also as MIT's "legacy" KEYRING:<name>): it is the one the PAM
 * application inherited, and with su or sudo and no pam_keyinit before us
 * that belongs to the invoking user, who could then read the tickets.
 * Module, helper and s4uctl all ask this one function.
 */
bool
s4u_ccache_kind_allowed(const char *name, const char **why_out)
{
    const char *res, *sep;

    *why_out = NULL;
    if (strncmp(name, "FILE:/", 6) == 0 || name[0] == '/')
        return true;
    if (strncmp(name, "KEYRING:", 8) != 0) {
        *why_out = "ccache= must name a KEYRING:persistent: or KEYRING:user: "
                   "collection or a FILE: path";
        return false;
    }
    res = name + 8;
    if (strncmp(res, "persistent:", 11) == 0 || strncmp(res, "user:", 5) == 0)
        return true;
    sep = strchr(res, ':');
    if (sep == NULL || strncmp(res, "session:", 8) == 0 ||
        strncmp(res, "legacy:", 7) == 0)
        *why_out = "ccache= names the session keyring, which with su or sudo "
                   "belongs to the invoking user, who could read the tickets; "
                   "use ccache=KEYRING:persistent:%{uid}";
    else
        *why_out = "ccache= names a keyring other than KEYRING:persistent: "
                   "or KEYRING:user:; use ccache=KEYRING:persistent:%{uid}";
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
    return strncmp(name, "KEYRING:", 8) == 0 || strncmp(name, "FILE:/", 6) == 0;
}
