/*
 * s4u_host_cache.c: the jump host's TGT, kept between logins.
 *
 * One FILE cache per host principal in a directory only root may use
 * (host_cache=, by default /run/pam_s4u): "<principal, escaped>.cc", next
 * to its lock file "<...>.cc.lock".  It holds the host's TGT and nothing
 * else: the evidence tickets are per user and per login and are never kept.
 *
 *   - The directory and every directory above it must be root's and
 *     writable only by root, the directory itself 0700, and no name on the
 *     way may be a symlink: otherwise nothing is read or written there.
 *   - A cache file is read only if it is a regular file of root's, mode
 *     0600 or stricter, with one link, and holds a TGT of the host's; any
 *     other file is ignored and replaced.
 *   - A new cache is written to a temporary name and renamed over the old
 *     one, so no login ever reads a half-written cache.
 *   - Renewal is serialised by flock on the lock file, so a burst of logins
 *     makes one AS exchange; the waiting is bounded by the caller, who then
 *     gets a TGT of its own in memory.
 * The cached TGT is copied into a private MEMORY cache for each login; the
 * file itself is never handed to anything else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gss_helper/s4u_engine.h"
#include "lib/s4u_rootpath.h"

/* A cache file bigger than this is not ours (one TGT is a few KiB). */
#define CACHE_FILE_MAX (64 * 1024)

/* Names in the directory: the cache, its lock, a cache being written. */
#define CACHE_SUFFIX ".cc"
#define LOCK_SUFFIX ".cc.lock"
#define TEMP_PREFIX ".tmp-"

/*
 * Open the host cache directory path, made (0700) if create and missing,
 * through the walk every root-only path takes (lib/s4u_rootpath.c): every
 * directory from "/" root's and writable only by root, no symlink on the
 * way.  The directory itself must also be 0700: the kept TGT is the host's.
 * *fd_out is an O_PATH descriptor for the *at calls.  Non-zero with st set
 * when the directory is missing or unsafe: then nothing may be kept.
 */
int
s4u_host_cache_dir(const char *path, bool create, int *fd_out,
                   struct s4u_status *st)
{
    char why[2 * S4U_NAME_MAX] = "";
    struct stat sb;
    int fd = -1, ret;

    *fd_out = -1;
    ret = s4u_root_open(path, O_PATH | O_DIRECTORY, create ? 0700 : 0, &fd, why,
                        sizeof(why));
    if (ret != 0) {
        s4u_status_set(st, S4U_ERR_CONFIG, ret, "host_cache=%s: %s", path, why);
        return ret;
    }
    if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0) {
        ret = EPERM;
        s4u_status_set(st, S4U_ERR_CONFIG, ret,
                       "host_cache=%s: the directory has owner uid %lu and "
                       "mode %04o; it must be root's and mode 0700",
                       path, (unsigned long)sb.st_uid,
                       (unsigned int)(sb.st_mode & 07777));
        close(fd);
        return ret;
    }
    *fd_out = fd;
    return 0;
}

/*
 * The file name of host's cache: the principal with every byte but
 * [A-Za-z0-9._@-] as %XX, then ".cc".  ENAMETOOLONG if it does not fit.
 */
krb5_error_code
s4u_host_cache_file(krb5_context ctx, krb5_const_principal host, char *buf,
                    size_t size)
{
    static const char keep[] = "abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-";
    krb5_error_code kret;
    char *name = NULL;
    size_t len = 0, i;

    kret = krb5_unparse_name(ctx, host, &name);
    if (kret != 0)
        return kret;
    for (i = 0; name[i] != '\0' && len + 4 < size; i++) {
        if (strchr(keep, name[i]) != NULL)
            buf[len++] = name[i];
        else
            len += (size_t)snprintf(buf + len, size - len, "%%%02X",
                                    (unsigned char)name[i]);
    }
    kret = name[i] == '\0' &&
                   len + sizeof(CACHE_SUFFIX) + sizeof(".lock") < size &&
                   len + 16 < 200
               ? 0
               : ENAMETOOLONG;
    if (kret == 0)
        memcpy(buf + len, CACHE_SUFFIX, sizeof(CACHE_SUFFIX));
    krb5_free_unparsed_name(ctx, name);
    return kret;
}

/* Open name in dir for reading if it may be a cache of ours; else -1. */
static int
open_cache_file(int dir, const char *name)
{
    struct stat sb;
    int fd;

    fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != 0 ||
        (sb.st_mode & 077) != 0 || sb.st_nlink != 1 ||
        sb.st_size > CACHE_FILE_MAX) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Two krb5_data hold the same bytes. */
static bool
same_data(const krb5_data *a, const krb5_data *b)
{
    return a->length == b->length &&
           (a->length == 0 || memcmp(a->data, b->data, a->length) == 0);
}

/* True for krbtgt/R@R, R being host's realm: the host's own TGT. */
static bool
is_host_tgt(krb5_context ctx, const krb5_creds *c, krb5_const_principal host)
{
    const krb5_principal_data *s = c->server;

    return krb5_principal_compare(ctx, c->client, host) && s->length == 2 &&
           s->data[0].length == KRB5_TGS_NAME_SIZE &&
           memcmp(s->data[0].data, KRB5_TGS_NAME, KRB5_TGS_NAME_SIZE) == 0 &&
           same_data(&s->data[1], &host->realm) &&
           same_data(&s->realm, &host->realm);
}

/* Copy the host's TGT from cc to *tgt_out (the caller frees it). */
static krb5_error_code
find_tgt(krb5_context ctx, krb5_ccache cc, krb5_const_principal host,
         krb5_creds **tgt_out)
{
    krb5_cc_cursor cur = NULL;
    krb5_creds c;
    krb5_error_code kret;

    *tgt_out = NULL;
    kret = krb5_cc_start_seq_get(ctx, cc, &cur);
    if (kret != 0)
        return kret;
    while ((kret = krb5_cc_next_cred(ctx, cc, &cur, &c)) == 0) {
        if (*tgt_out == NULL && is_host_tgt(ctx, &c, host))
            kret = krb5_copy_creds(ctx, &c, tgt_out);
        krb5_free_cred_contents(ctx, &c);
        if (kret != 0)
            break;
    }
    krb5_cc_end_seq_get(ctx, cc, &cur);
    if (kret == KRB5_CC_END)
        kret = *tgt_out != NULL ? 0 : KRB5_CC_NOTFOUND;
    return kret;
}

/*
 * How usable a TGT is now.  Every ticket the user gets ends no later than
 * the TGT (the KDC caps the evidence and the delegated tickets by it), so
 * a TGT is fresh only in the first eighth of its life; up to half-way it
 * still serves while one login renews it; after that it must be renewed.
 */
enum s4u_tgt_age
s4u_host_tgt_age(const krb5_creds *tgt, krb5_timestamp now)
{
    long long start, end, life, left;

    start =
        tgt->times.starttime != 0 ? tgt->times.starttime : tgt->times.authtime;
    end = tgt->times.endtime;
    life = end - start;
    left = end - (long long)now;
    if (life <= 0 || start > (long long)now + 300 || left < 300)
        return S4U_TGT_EXPIRED;
    if (left * 8 >= life * 7)
        return S4U_TGT_FRESH;
    return left * 2 >= life ? S4U_TGT_AGING : S4U_TGT_EXPIRED;
}

/*
 * Read the cached TGT of host from dir/name into *tgt_out; non-zero if
 * there is none we may use (missing, foreign, corrupt, another's).
 */
krb5_error_code
s4u_host_cache_read(krb5_context ctx, int dir, const char *name,
                    krb5_const_principal host, krb5_creds **tgt_out)
{
    krb5_ccache cc = NULL;
    krb5_principal owner = NULL;
    krb5_error_code kret;
    char ccname[64];
    int fd;

    *tgt_out = NULL;
    fd = open_cache_file(dir, name);
    if (fd < 0)
        return KRB5_FCC_NOFILE;
    /* The descriptor checked, not the name, is what MIT reads. */
    snprintf(ccname, sizeof(ccname), "FILE:/proc/self/fd/%d", fd);
    kret = krb5_cc_resolve(ctx, ccname, &cc);
    if (kret == 0)
        kret = krb5_cc_get_principal(ctx, cc, &owner);
    if (kret == 0 && !krb5_principal_compare(ctx, owner, host))
        kret = KRB5_CC_NOTFOUND;
    if (kret == 0)
        kret = find_tgt(ctx, cc, host, tgt_out);
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    krb5_free_principal(ctx, owner);
    close(fd);
    return kret;
}

/* A new temporary name in the directory: ".tmp-" and 16 hex digits. */
static int
temp_name(char *buf, size_t size)
{
    unsigned char rnd[8];
    size_t i, len;

    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return errno != 0 ? errno : EIO;
    len = (size_t)snprintf(buf, size, "%s", TEMP_PREFIX);
    for (i = 0; i < sizeof(rnd) && len + 3 <= size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%02x", rnd[i]);
    return 0;
}

/*
 * Write host's TGT from mem as dir/name: into a new temporary file, then
 * renamed over the old cache, so a reader sees the old or the new, whole.
 * path is the directory's checked path (MIT's FILE cache takes a name).
 */
krb5_error_code
s4u_host_cache_write(krb5_context ctx, const char *path, int dir,
                     const char *name, krb5_ccache mem,
                     krb5_const_principal host)
{
    krb5_ccache cc = NULL;
    krb5_error_code kret;
    char tmp[32], *ccname = NULL;

    kret = temp_name(tmp, sizeof(tmp));
    if (kret != 0)
        return kret;
    if (asprintf(&ccname, "FILE:%s/%s", path, tmp) < 0)
        return ENOMEM;
    kret = krb5_cc_resolve(ctx, ccname, &cc);
    if (kret == 0)
        kret = krb5_cc_initialize(ctx, cc, (krb5_principal)host);
    if (kret == 0)
        kret = krb5_cc_copy_creds(ctx, mem, cc);
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    if (kret == 0 && renameat(dir, tmp, dir, name) != 0)
        kret = errno;
    if (kret != 0)
        (void)unlinkat(dir, tmp, 0);
    free(ccname);
    return kret;
}

/*
 * Take the lock of dir/name (an exclusive flock on "<name>.lock"), trying
 * until deadline_ms (CLOCK_MONOTONIC; 0: try once).  The locked descriptor,
 * or -1.  A lock file that is not a regular file of root's is refused.
 */
int
s4u_host_cache_lock(int dir, const char *name, long long deadline_ms)
{
    char lock[S4U_NAME_MAX];
    struct timespec now, pause = {0, 2 * 1000 * 1000};
    struct stat sb;
    int fd;

    if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", name) >= sizeof(lock))
        return -1;
    fd = openat(dir, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != 0) {
        close(fd);
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (errno != EWOULDBLOCK ||
            now.tv_sec * 1000LL + now.tv_nsec / 1000000 >= deadline_ms) {
            close(fd);
            return -1;
        }
        nanosleep(&pause, NULL);
        if (pause.tv_nsec < 16 * 1000 * 1000)
            pause.tv_nsec *= 2;
    }
    return fd;
}

/* Does name end in suffix, after at least one byte? */
static bool
ends_in(const char *name, const char *suffix)
{
    size_t len = strlen(name), slen = strlen(suffix);

    return len > slen && strcmp(name + len - slen, suffix) == 0;
}

/* Is name a cache file (not a temporary one)? */
static bool
is_cache_name(const char *name)
{
    return name[0] != '.' && ends_in(name, CACHE_SUFFIX);
}

/* Is name one of the names we make in the directory? */
static bool
ours(const char *name)
{
    return strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0 ||
           ends_in(name, CACHE_SUFFIX) || ends_in(name, LOCK_SUFFIX);
}

/*
 * Call fn for every cache file of the directory dir (an O_PATH descriptor),
 * in no particular order; with remove, remove each of our names instead
 * (caches, locks, leftovers) and count the caches.  0 or an errno value.
 */
int
s4u_host_cache_scan(int dir, bool remove, s4u_host_cache_fn *fn, void *data,
                    size_t *count_out)
{
    DIR *d;
    struct dirent *e;
    int fd, ret = 0;
    bool cache;

    *count_out = 0;
    fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    d = fdopendir(fd);
    if (d == NULL) {
        ret = errno;
        close(fd);
        return ret;
    }
    while ((e = readdir(d)) != NULL) {
        if (!ours(e->d_name))
            continue;
        cache = is_cache_name(e->d_name);
        if (remove) {
            if (unlinkat(dir, e->d_name, 0) != 0 && errno != ENOENT)
                ret = errno;
            else if (cache)
                (*count_out)++;
        } else if (cache) {
            (*count_out)++;
            fn(data, dir, e->d_name);
        }
    }
    closedir(d);
    return ret;
}

/*
 * For s4uctl status: the principal of the cache file dir/name and the end
 * time of its TGT, without any ticket's contents.  Non-zero if the file is
 * not one a login would use.
 */
krb5_error_code
s4u_host_cache_describe(krb5_context ctx, int dir, const char *name,
                        char *principal, size_t size, krb5_creds **tgt_out)
{
    krb5_ccache cc = NULL;
    krb5_principal owner = NULL;
    krb5_error_code kret;
    char ccname[64], *text = NULL;
    int fd;

    *tgt_out = NULL;
    snprintf(principal, size, "?");
    fd = open_cache_file(dir, name);
    if (fd < 0)
        return KRB5_FCC_PERM;
    snprintf(ccname, sizeof(ccname), "FILE:/proc/self/fd/%d", fd);
    kret = krb5_cc_resolve(ctx, ccname, &cc);
    if (kret == 0)
        kret = krb5_cc_get_principal(ctx, cc, &owner);
    if (kret == 0 && krb5_unparse_name(ctx, owner, &text) == 0)
        snprintf(principal, size, "%s", text);
    if (kret == 0)
        kret = find_tgt(ctx, cc, owner, tgt_out);
    krb5_free_unparsed_name(ctx, text);
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    krb5_free_principal(ctx, owner);
    close(fd);
    return kret;
}
