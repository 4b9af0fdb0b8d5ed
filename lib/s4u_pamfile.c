/*
 * s4u_pamfile.c: the pam_s4u.so lines of a PAM service file, parsed as
 * Linux-PAM 1.5 does: '#' starts a comment that ends the line, a backslash
 * at the end of a line continues it, blank and comment lines are skipped
 * (even inside a continued line), [bracketed] fields may hold spaces (and
 * \] for a ']'), and @include, include and substack pull in other files of
 * the same directory.  Like Linux-PAM 1.5, a logical line is read only to
 * its first S4U_PAM_LINE_MAX characters; each line records its whole length
 * so that a caller can tell a cut line from a whole one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/s4u_pamfile.h"

#define INCLUDE_DEPTH 8  /* nested includes we follow */
#define INCLUDE_FILES 64 /* includes we follow in all, bounding fan-out */

/* --- PAM service files --- */

/* One token of a logical line: a word, or a [bracketed] field as written. */
static size_t
token_len(const char *p)
{
    size_t n = 0;

    if (*p == '[') {
        for (n = 1; p[n] != '\0' && p[n] != ']'; n++) {
            if (p[n] == '\\' && p[n + 1] == ']')
                n++;
        }
        return p[n] == ']' ? n + 1 : n;
    }
    while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t')
        n++;
    return n;
}

/* A module argument: brackets removed and \] unescaped, as Linux-PAM does. */
static char *
argument_from_token(const char *tok, size_t len)
{
    char *out = malloc(len + 1), *q = out;
    size_t i = 0;

    if (out == NULL)
        return NULL;
    if (len >= 2 && tok[0] == '[' && tok[len - 1] == ']') {
        i = 1;
        len--;
    }
    for (; i < len; i++) {
        if (tok[i] == '\\' && i + 1 < len && tok[i + 1] == ']')
            i++;
        *q++ = tok[i];
    }
    *q = '\0';
    return out;
}

/* Split a logical line into tokens; fields 4 and on become arguments. */
static int
tokenize(const char *text, char ***toks_out, size_t *n_out)
{
    const char *p = text;
    size_t len;
    char *tok;
    int ret = 0;

    *toks_out = NULL;
    *n_out = 0;
    while (ret == 0) {
        p += strspn(p, " \t");
        if (*p == '\0')
            break;
        len = token_len(p);
        tok = *n_out >= 3 ? argument_from_token(p, len) : strndup(p, len);
        ret = tok == NULL ? ENOMEM : s4u_strv_append(toks_out, n_out, tok);
        free(tok);
        p += len;
    }
    return ret;
}

/* Is this module path pam_s4u.so (by any directory)? */
static bool
is_pam_s4u(const char *module)
{
    const char *base = strrchr(module, '/');

    return strcmp(base != NULL ? base + 1 : module, "pam_s4u.so") == 0;
}

/* Growable list of found lines, and what parsing a file needs to know. */
struct pam_scan {
    struct s4u_pam_line *lines;
    size_t n;
    const char *dir;    /* where included files live; NULL: no includes */
    const char *filter; /* only this type (include/substack), or NULL */
    int depth;
    unsigned int files; /* includes followed so far */
    const char *why;
};

/* A logical line: where it starts, its text, its length to Linux-PAM. */
struct logical {
    const char *file;
    unsigned int first; /* its first physical line */
    char *text;         /* continued lines joined, comment and end blanks cut */
    size_t length;      /* characters Linux-PAM 1.5 assembles for it */
};

static int scan_file(struct pam_scan *sc, const char *name);

/*
 * The argument Linux-PAM cut, whole: the last delivered token as the uncut
 * text has it, if the two differ.  0 or ENOMEM.
 */
static int
cut_argument(const char *text, char **toks, size_t ntoks, char **cut_out)
{
    char **full = NULL;
    size_t n = 0;
    int ret;

    *cut_out = NULL;
    ret = tokenize(text, &full, &n);
    if (ret == 0 && n >= ntoks &&
        strcmp(full[ntoks - 1], toks[ntoks - 1]) != 0) {
        *cut_out = strdup(full[ntoks - 1]);
        if (*cut_out == NULL)
            ret = ENOMEM;
    }
    s4u_strv_free(full, n);
    return ret;
}

/* Record one pam_s4u line from its tokens (type control module args...). */
static int
add_line(struct pam_scan *sc, const struct logical *lg, char **toks,
         size_t ntoks)
{
    struct s4u_pam_line *v, *l;
    size_t i;

    v = realloc(sc->lines, (sc->n + 1) * sizeof(*v));
    if (v == NULL)
        return ENOMEM;
    sc->lines = v;
    l = &v[sc->n];
    memset(l, 0, sizeof(*l));
    l->line = lg->first;
    l->length = lg->length;
    l->file = strdup(lg->file);
    l->type = strdup(toks[0][0] == '-' ? toks[0] + 1 : toks[0]);
    l->control = strdup(toks[1]);
    l->module = strdup(toks[2]);
    sc->n++;
    if (l->file == NULL || l->type == NULL || l->control == NULL ||
        l->module == NULL)
        return ENOMEM;
    for (i = 3; i < ntoks; i++) {
        if (s4u_strv_append(&l->argv, &l->argc, toks[i]) != 0)
            return ENOMEM;
    }
    if (lg->length > S4U_PAM_LINE_MAX && ntoks > 3)
        return cut_argument(lg->text, toks, ntoks, &l->cut_arg);
    return 0;
}

/* Follow an include: the named file's lines (of type, unless NULL). */
static int
follow_include(struct pam_scan *sc, const char *name, const char *type)
{
    const char *saved = sc->filter;
    int ret;

    if (sc->dir == NULL || strchr(name, '/') != NULL)
        return 0; /* Linux-PAM takes included names from its own directory */
    if (sc->depth >= INCLUDE_DEPTH) {
        sc->why = "includes nest too deeply";
        return ELOOP;
    }
    if (sc->files >= INCLUDE_FILES) {
        sc->why = "includes pull in more than 64 files";
        return ELOOP;
    }
    sc->files++;
    if (type != NULL)
        sc->filter = type;
    sc->depth++;
    ret = scan_file(sc, name);
    sc->depth--;
    sc->filter = saved;
    return ret;
}

/*
 * Handle one logical line of a service file, as much of it as Linux-PAM
 * reads: its first S4U_PAM_LINE_MAX characters.
 */
static int
scan_line(struct pam_scan *sc, const struct logical *lg)
{
    char **toks = NULL, *seen;
    size_t n = 0;
    const char *type;
    int ret;

    seen = strndup(lg->text, S4U_PAM_LINE_MAX);
    ret = seen == NULL ? ENOMEM : tokenize(seen, &toks, &n);
    free(seen);
    if (ret != 0 || n < 2)
        goto cleanup;
    type = toks[0][0] == '-' ? toks[0] + 1 : toks[0];
    if (strcmp(toks[0], "@include") == 0) {
        ret = follow_include(sc, toks[1], NULL);
        goto cleanup;
    }
    if (n < 3 || (sc->filter != NULL && strcmp(type, sc->filter) != 0))
        goto cleanup;
    if (strcmp(toks[1], "include") == 0 || strcmp(toks[1], "substack") == 0)
        ret = follow_include(sc, toks[2], type);
    else if (is_pam_s4u(toks[2]))
        ret = add_line(sc, lg, toks, n);

cleanup:
    s4u_strv_free(toks, n);
    return ret;
}

/*
 * Cut a physical line at its comment; true if it continues on the next
 * line.  As in Linux-PAM 1.5, a comment ends the logical line even after a
 * backslash.  *raw_out is what Linux-PAM keeps of the line in its buffer:
 * up to the '#', up to the backslash (made a space), or all of it.
 */
static bool
strip_line(char *line, size_t *raw_out)
{
    char *hash = strchr(line, '#');
    size_t len;

    if (hash != NULL) {
        *hash = '\0';
        *raw_out = (size_t)(hash - line);
        return false;
    }
    len = strcspn(line, "\n");
    line[len] = '\0';
    *raw_out = len;
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
                       line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len > 0 && line[len - 1] == '\\') {
        line[len - 1] = ' ';
        *raw_out = len;
        return true;
    }
    return false;
}

/* Blank and comment-only lines are skipped, even inside a continued line. */
static bool
skipped_line(const char *line)
{
    line += strspn(line, " \t\r");
    return *line == '\0' || *line == '#';
}

/* Hand a finished logical line (written to acc) to scan_line. */
static int
flush_logical(struct pam_scan *sc, FILE **acc, struct logical *lg)
{
    bool failed = ferror(*acc) != 0;
    int ret;

    failed = fclose(*acc) != 0 || failed;
    *acc = NULL;
    ret = failed ? ENOMEM : scan_line(sc, lg);
    free(lg->text);
    lg->text = NULL;
    return ret;
}

/* Scan a service file's text, joining continued lines into logical ones. */
static int
scan_text(struct pam_scan *sc, const char *text, const char *file)
{
    char *copy = strdup(text), *line, *next;
    struct logical lg = {file, 0, NULL, 0};
    size_t size = 0, raw;
    unsigned int lineno = 0;
    FILE *acc = NULL;
    bool more;
    int ret = 0;

    if (copy == NULL)
        return ENOMEM;
    for (line = copy; line != NULL && ret == 0; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (skipped_line(line))
            continue;
        if (acc == NULL) {
            lg.first = lineno;
            lg.length = 0;
            acc = open_memstream(&lg.text, &size);
            if (acc == NULL) {
                ret = ENOMEM;
                break;
            }
        }
        more = strip_line(line, &raw); /* continued on the next line? */
        lg.length += raw;
        fputs(line, acc); /* a failure shows in ferror at the flush */
        if (!more)
            ret = flush_logical(sc, &acc, &lg);
    }
    if (acc != NULL && ret == 0)
        ret = flush_logical(sc, &acc, &lg);
    if (acc != NULL)
        fclose(acc);
    free(lg.text);
    free(copy);
    return ret;
}

/* Scan the file name (relative to sc->dir when not absolute). */
static int
scan_file(struct pam_scan *sc, const char *name)
{
    char *path = NULL, *text = NULL;
    int ret;

    if (name[0] == '/')
        path = strdup(name);
    else if (asprintf(&path, "%s/%s", sc->dir, name) < 0)
        path = NULL;
    if (path == NULL)
        return ENOMEM;
    ret = s4u_read_text(path, &text);
    if (ret == 0)
        ret = scan_text(sc, text, path);
    else if (sc->depth > 0)
        ret = 0; /* a missing included file: Linux-PAM skips it too */
    free(text);
    free(path);
    return ret;
}

/*
 * The file Linux-PAM 1.5 reads for service when the application names no
 * directory of its own: /etc/pam.d/SERVICE, else /usr/lib/pam.d/SERVICE,
 * and for a service with neither, the "other" file found the same way.
 * 0, ENOENT (none exists), EINVAL (not a service name) or ENOMEM.
 */
int
s4u_pam_service_path(const char *service, char **path_out)
{
    static const char *const dirs[] = {"/etc/pam.d", "/usr/lib/pam.d"};
    const char *const names[] = {service, "other"};
    char *path = NULL;
    size_t i, j;

    *path_out = NULL;
    if (service == NULL || service[0] == '\0' || strchr(service, '/') != NULL ||
        strcmp(service, ".") == 0 || strcmp(service, "..") == 0)
        return EINVAL;
    for (i = 0; i < 2; i++) {
        for (j = 0; j < 2; j++) {
            if (asprintf(&path, "%s/%s", dirs[j], names[i]) < 0)
                return ENOMEM;
            if (access(path, F_OK) == 0) {
                *path_out = path;
                return 0;
            }
            free(path);
        }
    }
    return ENOENT;
}

/* The pam_s4u.so lines of the service file at path.  0 or an errno. */
int
s4u_pam_service_lines(const char *path, struct s4u_pam_line **lines_out,
                      size_t *n_out, const char **why_out)
{
    struct pam_scan sc = {NULL, 0, NULL, NULL, 0, 0, NULL};
    char *dir = strdup(path), *slash;
    int ret;

    *lines_out = NULL;
    *n_out = 0;
    *why_out = NULL;
    if (dir == NULL)
        return ENOMEM;
    slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    sc.dir = slash != NULL ? (slash == dir ? "/" : dir) : ".";
    ret = scan_file(&sc, path);
    if (ret != 0) {
        *why_out = sc.why;
        s4u_pam_lines_free(sc.lines, sc.n);
    } else {
        *lines_out = sc.lines;
        *n_out = sc.n;
    }
    free(dir);
    return ret;
}

/* Free found lines. */
void
s4u_pam_lines_free(struct s4u_pam_line *lines, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(lines[i].file);
        free(lines[i].type);
        free(lines[i].control);
        free(lines[i].module);
        free(lines[i].cut_arg);
        s4u_strv_free(lines[i].argv, lines[i].argc);
    }
    free(lines);
}
