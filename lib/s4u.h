/*
 * s4u.h: what the programs of pam-s4u share.
 *
 * pam_s4u.so (pam_module/), pam_s4u_helper (gss_helper/) and s4uctl
 * (s4uctl/) all speak in these terms: the request for one login, its
 * outcome, a step's status, the catalog that explains a status, the checks
 * on names, and the wire protocol between the module and the helper.
 * Nothing here holds a ticket or a key.
 *
 * Every step reports a struct s4u_status.  Its code names an entry of one
 * catalog (s4u_catalog.c) that turns it into an admin's explanation and fix;
 * the PAM module, the helper and s4uctl all use that catalog.
 *
 * Ownership follows MIT krb5: *_out parameters are cleared on entry and set
 * only on success; the caller frees them with the matching s4u_*_free.
 */
#ifndef S4U_H
#define S4U_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <krb5/krb5.h>

/* Limits that keep hostile input bounded. */
#define S4U_USER_MAX 255       /* bytes of a login name */
#define S4U_NAME_MAX 1024      /* bytes of a principal or cache name */
#define S4U_TARGETS_MAX 256    /* targets per login */
#define S4U_DETAIL_MAX 256     /* bytes of a library message we keep */
#define S4U_REQUEST_MAX 65536  /* bytes of a helper request */
#define S4U_TEXT_MAX 1048576   /* bytes of a text file we read whole */
#define S4U_PARALLEL_MAX 32    /* S4U2proxy requests in flight (threads) */
#define S4U_PARALLEL_DEFAULT 6 /* max_parallel= unset; see s4u_options.h */

/* A cache pam_s4u creates ends in this marker and 16 lower-case hex digits. */
#define S4U_CACHE_MARKER "s4u_"
#define S4U_CACHE_MARKER_HEX 16

/* What went wrong, one identity per admin-visible cause. */
enum s4u_code {
    S4U_OK = 0,
    S4U_ERR_NOMEM,
    S4U_ERR_CONFIG,
    S4U_ERR_BAD_USER,
    S4U_ERR_KEYTAB_MISSING,
    S4U_ERR_KEYTAB_NO_PRINCIPAL,
    S4U_ERR_KEYTAB_STALE,
    S4U_ERR_KDC_UNREACHABLE,
    S4U_ERR_REALM_UNKNOWN,
    S4U_ERR_HOST_UNKNOWN,
    S4U_ERR_HOST_TGT,
    S4U_ERR_USER_UNKNOWN,
    S4U_ERR_S4U2SELF,
    S4U_ERR_EVIDENCE_NOT_FORWARDABLE,
    S4U_ERR_TARGET_UNKNOWN,
    S4U_ERR_TARGET_NOT_ALLOWED,
    S4U_ERR_TARGET_REFUSED,
    S4U_ERR_WRONG_TICKET,
    S4U_ERR_TIMEOUT,
    S4U_ERR_QUOTA,
    S4U_ERR_CACHE,
    S4U_ERR_HELPER,
    S4U_ERR_INTERNAL,
    /* Causes of non-forwardable evidence that s4uctl check can tell apart. */
    S4U_ERR_HOST_NOT_FORWARDABLE,
    S4U_ERR_USER_NOT_DELEGABLE,
    S4U_ERR_NO_PROTOCOL_TRANSITION,
    /* A delegated ticket the jump host's own keytab decrypts. */
    S4U_ERR_TARGET_IS_JUMP_HOST,
    /* The KDC answered, but failed the request on its side (its database). */
    S4U_ERR_KDC_ERROR,
    /* The jump host's clock and the KDC's are too far apart. */
    S4U_ERR_CLOCK_SKEW,
    /* The login name does not map to a principal of the realm. */
    S4U_ERR_USER_MAPPING,
    /* The login is a local (/etc/passwd) account, not a domain one. */
    S4U_ERR_LOCAL_ACCOUNT,
    S4U_CODE_COUNT
};

/* A step's result: a catalog code plus the library's own words. */
struct s4u_status {
    enum s4u_code code;
    long lib_code;               /* krb5_error_code or GSS minor; 0 if none */
    char detail[S4U_DETAIL_MAX]; /* library message; never key material */
};

/* How the cache type of a login was chosen (s4u_ccache_from_host). */
enum s4u_ccache_rule {
    S4U_CC_UNSET = 0,  /* no ccache=, no default_ccache_name: the keyring */
    S4U_CC_OPTION,     /* ccache= (PAM argument or [appdefaults]) */
    S4U_CC_HOST,       /* krb5.conf default_ccache_name's collection */
    S4U_CC_HOST_FILE,  /* default_ccache_name is a FILE cache: the keyring */
    S4U_CC_HOST_OTHER, /* a type pam_s4u does not write: the keyring */
};

/* The KDC kinds the catalog gives exact fixes for. */
enum s4u_kdc_kind {
    S4U_KDC_MIT = 0, /* MIT krb5 with the LDAP backend */
    S4U_KDC_IPA,     /* FreeIPA */
    S4U_KDC_AD,      /* Active Directory (PowerShell) */
    S4U_KDC_SAMBA,   /* Samba AD DC (samba-tool) */
    S4U_KDC_KINDS
};

/*
 * One catalog entry: a stable id, what happened, and how to fix it.  The
 * fix texts are one line each and may hold placeholders such as <host>,
 * <target> or <user> that s4u_fix_expand() fills in; "" means the general
 * fix says it all for that KDC kind.
 */
struct s4u_explanation {
    const char *id;        /* e.g. "TARGET_NOT_ALLOWED"; stable, on the wire */
    const char *what;      /* one clause, in an admin's words */
    const char *fix;       /* what to change, in any KDC's terms */
    const char *fix_mit;   /* exact command, MIT krb5 with LDAP */
    const char *fix_ipa;   /* exact command, FreeIPA */
    const char *fix_ad;    /* exact command, Active Directory */
    const char *fix_samba; /* exact command, Samba AD DC */
};

/* A placeholder's value for s4u_fix_expand: name is without the <>. */
struct s4u_fix_var {
    const char *name;
    const char *value;
};

/* The forms of login name NSS gives on a jump host. */
enum s4u_user_form {
    S4U_USER_PLAIN = 0, /* alice */
    S4U_USER_QUALIFIED, /* alice@ad.example.com (SSSD, or a UPN) */
    S4U_USER_DOWNLEVEL  /* ADLAB\alice (winbind) */
};

/* A login name split by s4u_user_name_split. */
struct s4u_user_parts {
    enum s4u_user_form form;
    char name[S4U_USER_MAX + 1];   /* the account: "alice" */
    char domain[S4U_USER_MAX + 1]; /* "" or the domain as given */
};

/* What the caller asks the engine to do for one login. */
struct s4u_request {
    char *user; /* validated login name, as NSS gives it */
    uid_t uid;  /* resolved once, by the caller */
    gid_t gid;
    char *principal; /* jump host principal; NULL: host/<fqdn> */
    char *keytab;    /* keytab name; NULL: the library default */
    char *realm;     /* NULL: the default realm */
    char *ccache;    /* expanded cache template (a collection or path) */
    char **targets;  /* target service principals */
    size_t ntargets;
    unsigned int timeout; /* seconds for all KDC traffic of this login */
    char *host_cache;     /* directory of the host's kept TGT; NULL: none */
    unsigned int max_parallel; /* S4U2proxy requests in flight, 1 to
                                  S4U_PARALLEL_MAX; 0: S4U_PARALLEL_DEFAULT */
};

/* The result for one target. */
struct s4u_target_result {
    char *target;
    struct s4u_status st;
    int64_t endtime; /* ticket end time when st.code == S4U_OK */
};

/* The outcome of one delegation: a fatal status, or per-target results. */
struct s4u_outcome {
    struct s4u_status st; /* S4U_OK unless the chain stopped early */
    struct s4u_target_result *targets;
    size_t ntargets;
    char *ccache_name;      /* the cache written (or announced), or NULL */
    size_t stored;          /* tickets stored in it */
    unsigned int kdc_kinds; /* bit per enum s4u_kdc_kind the KDC may be; 0:
                               not known (log lines then give MIT's fix) */
};

/* --- s4u_status.c --- */
void s4u_status_clear(struct s4u_status *st);
void s4u_status_set(struct s4u_status *st, enum s4u_code code, long lib_code,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void s4u_status_krb5(struct s4u_status *st, enum s4u_code code,
                     krb5_context ctx, krb5_error_code kret, const char *what);

/* --- s4u_catalog.c --- */
const struct s4u_explanation *s4u_explain(enum s4u_code code);
bool s4u_code_from_id(const char *id, enum s4u_code *code_out);
const char *s4u_explain_fix(const struct s4u_explanation *ex,
                            enum s4u_kdc_kind kind);
const char *s4u_kdc_kind_name(enum s4u_kdc_kind kind);
bool s4u_kdc_kind_from_name(const char *name, enum s4u_kdc_kind *kind_out);
int s4u_fix_expand(const char *text, const struct s4u_fix_var *vars,
                   size_t nvars, char **text_out);

/* --- s4u_names.c: pure input checks --- */
bool s4u_user_name_valid(const char *name, const char **why_out);
bool s4u_user_name_split(const char *name, struct s4u_user_parts *parts_out,
                         const char **why_out);
size_t s4u_utf8_seq_len(const unsigned char *s);
size_t s4u_utf8_decode(const unsigned char *s, unsigned int *cp_out);
bool s4u_principal_text_valid(const char *text, const char **why_out);
bool s4u_ccache_kind_allowed(const char *name, const char **why_out);
int s4u_ccache_expand(const char *tmpl, const char *user, uid_t uid,
                      char **name_out, const char **why_out);
int s4u_targets_parse(const char *text, char ***targets_out, size_t *n_out,
                      const char **why_out);
int s4u_strv_append(char ***vec, size_t *n, const char *s);
void s4u_strv_free(char **vec, size_t n);
bool s4u_cache_name_ours(const char *name);
int s4u_cache_name_in(const char *collection, uid_t uid, const char *hex,
                      char **name_out);
bool s4u_cache_in_collection(const char *name, const char *collection,
                             uid_t uid);
int s4u_cache_collection_of(const char *name, char **collection_out);
int s4u_ccache_from_host(const char *dflt, char **tmpl_out,
                         enum s4u_ccache_rule *rule_out);
const char *s4u_ccache_rule_text(enum s4u_ccache_rule rule);

/* --- s4u_escape.c: untrusted text for logs and terminals --- */
size_t s4u_escape(char *dst, size_t size, const char *src);
char *s4u_escape_dup(const char *src);
void s4u_escape_inplace(char *buf, size_t size);

/* --- s4u_nss.c --- */
int s4u_nss_uid(const char *user, uid_t *uid_out);
int s4u_nss_gid(const char *group, gid_t *gid_out);

/* --- s4u_file.c --- */
int s4u_read_text(const char *path, char **text_out);
int s4u_read_fd(int fd, size_t max, char **text_out, size_t *len_out);

/* --- s4u_request.c --- */
void s4u_request_free(struct s4u_request *req);
void s4u_outcome_free(struct s4u_outcome *out);

/* --- s4u_wire.c: the helper protocol, pure --- */
int s4u_request_format(const struct s4u_request *req, const char *mode,
                       char **text_out);
int s4u_request_parse(const char *text, size_t len, char **mode_out,
                      struct s4u_request *req, const char **why_out);
int s4u_outcome_format(const struct s4u_outcome *out, char **text_out);
int s4u_outcome_parse(const char *text, size_t len, struct s4u_outcome *out,
                      const char **why_out);
int s4u_pending_format(const char *name, char **text_out);

#endif /* S4U_H */
