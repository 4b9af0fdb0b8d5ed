/*
 * s4u_diag.c: s4uctl check, step by step, on the engine's own functions.
 *
 * The steps are those of a login (s4u_host_creds, s4u_self, s4u_proxy),
 * each reported on its own, plus what tells the causes of a refusal apart:
 *   - the KDC's key version for the host, read from the AS reply (even when
 *     the keytab's key no longer decrypts it) and from a ticket the KDC
 *     issues for the host, which must decrypt with the keytab;
 *   - for non-forwardable evidence: the host's TGT, and a second S4U2self
 *     for another principal (the first target) to compare with;
 *   - for a refused target: the host's own plain TGS request for it, which
 *     says "Server not found" when the target does not exist.
 * Every ticket stays in a MEMORY cache of this process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s4uctl/s4u_diag.h"

/* The state a check carries from one step to the next. */
struct diag {
    krb5_context ctx;
    const struct s4u_request *req;
    const struct s4u_diag_sink *sink;
    krb5_principal host;
    char host_name[S4U_NAME_MAX];
    const char *host_why; /* why the engine chose that principal */
    krb5_keytab kt;
    long keytab_kvno;  /* newest kvno the keytab holds for the host */
    krb5_data *as_rep; /* the last AS reply, kept by keep_as_rep */
    long kdc_kvno;     /* the KDC's key version for the host, -1: unknown */
    krb5_ccache host_cc;
    bool host_fwd;
    char user_name[S4U_NAME_MAX];
    krb5_creds *evidence;
    bool evidence_fwd;
    enum s4u_code evidence_code; /* why the evidence is not forwardable */
};

/* Each step's stable name (--json) and how text output calls it. */
static const struct {
    const char *name, *label;
} steps[S4U_STEP_COUNT] = {
    [S4U_STEP_CONFIG] = {"configuration", "configuration"},
    [S4U_STEP_USER] = {"user", "user"},
    [S4U_STEP_KEYTAB] = {"keytab", "keytab"},
    [S4U_STEP_HOST_TGT] = {"host_tgt", "host TGT"},
    [S4U_STEP_KVNO] = {"kvno", "key version"},
    [S4U_STEP_S4U2SELF] = {"s4u2self", "S4U2self"},
    [S4U_STEP_S4U2PROXY] = {"s4u2proxy", "S4U2proxy"},
};

/* A step's stable name, as in --json output. */
const char *
s4u_diag_step_name(enum s4u_diag_step step)
{
    return (unsigned int)step < S4U_STEP_COUNT ? steps[step].name : "?";
}

/* How text output calls a step. */
const char *
s4u_diag_step_label(enum s4u_diag_step step)
{
    return (unsigned int)step < S4U_STEP_COUNT ? steps[step].label : "?";
}

/* A verdict's stable name. */
const char *
s4u_verdict_name(enum s4u_verdict verdict)
{
    switch (verdict) {
    case S4U_PASS:
        return "pass";
    case S4U_WARN:
        return "warn";
    default:
        return "fail";
    }
}

/* A result with nothing known yet. */
void
s4u_diag_result_init(struct s4u_diag_result *r, enum s4u_diag_step step,
                     const char *subject)
{
    memset(r, 0, sizeof(*r));
    r->step = step;
    r->verdict = S4U_PASS;
    s4u_status_clear(&r->st);
    snprintf(r->subject, sizeof(r->subject), "%s", subject);
    r->keytab_kvno = -1;
    r->kdc_kvno = -1;
    r->forwardable = -1;
    r->exists = -1;
}

/* Format a result's text; a long name is cut, which is fine for a report. */
static void __attribute__((format(printf, 3, 4)))
say(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* Start a step: tell the sink, and fill in what every result carries. */
static void
begin(struct diag *d, struct s4u_diag_result *r, enum s4u_diag_step step,
      const char *subject)
{
    s4u_diag_result_init(r, step, subject);
    snprintf(r->host, sizeof(r->host), "%s", d->host_name);
    if (d->sink->begin != NULL)
        d->sink->begin(d->sink->data, step, subject);
}

/* Finish a step with a verdict; the status and texts are already set. */
static void
report(struct diag *d, struct s4u_diag_result *r, enum s4u_verdict verdict)
{
    r->verdict = verdict;
    s4u_escape_inplace(r->facts, sizeof(r->facts));
    s4u_escape_inplace(r->reason, sizeof(r->reason));
    d->sink->result(d->sink->data, r);
}

/* --- the KDC's key version, from the raw AS reply --- */

/* One DER element: its tag and content. */
struct der {
    unsigned char tag;
    const unsigned char *p;
    size_t len;
};

/* Read the element at *buf (*left bytes) into el and step past it. */
static bool
der_next(const unsigned char **buf, size_t *left, struct der *el)
{
    const unsigned char *p = *buf;
    size_t n = *left, len, nb, i;

    if (n < 2 || (p[0] & 0x1F) == 0x1F) /* no high tag numbers in KDC-REP */
        return false;
    el->tag = p[0];
    len = p[1];
    p += 2;
    n -= 2;
    if (len & 0x80) {
        nb = len & 0x7F;
        if (nb == 0 || nb > 4 || nb > n)
            return false;
        for (len = 0, i = 0; i < nb; i++)
            len = (len << 8) | p[i];
        p += nb;
        n -= nb;
    }
    if (len > n)
        return false;
    el->p = p;
    el->len = len;
    *buf = p + len;
    *left = n - len;
    return true;
}

/* Find the element with the given tag among in's children. */
static bool
der_child(const struct der *in, unsigned char tag, struct der *out)
{
    const unsigned char *p = in->p;
    size_t n = in->len;

    while (der_next(&p, &n, out)) {
        if (out->tag == tag)
            return true;
    }
    return false;
}

/* An INTEGER's value (up to 32 bits unsigned, as a kvno is). */
static long
der_uint32(const struct der *num)
{
    unsigned long v = 0;
    size_t i;

    for (i = 0; i < num->len; i++)
        v = (v << 8) | num->p[i];
    return (long)(v & 0xFFFFFFFFUL);
}

/*
 * The parts of an AS-REP that tell the KDC's key versions:
 *   AS-REP ::= [APPLICATION 11] SEQUENCE { ..., ticket [5] Ticket,
 *              enc-part [6] EncryptedData }
 *   EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] }
 * enc_kvno_out is the enc-part's kvno, the version of the client's key (AD
 * sends it; MIT leaves it out: -1).  ticket_out is the encoded ticket,
 * pointing into der; its own enc-part kvno is the server's key version.
 * 0, or EINVAL if der is not an AS-REP.
 */
int
s4u_diag_as_rep_parse(const unsigned char *der, size_t len, long *enc_kvno_out,
                      krb5_data *ticket_out)
{
    struct der top = {0, der, len}, rep, seq, tkt, enc, data, kv, num;

    *enc_kvno_out = -1;
    memset(ticket_out, 0, sizeof(*ticket_out));
    if (!der_child(&top, 0x6B, &rep) || !der_child(&rep, 0x30, &seq) ||
        !der_child(&seq, 0xA5, &tkt) || !der_child(&seq, 0xA6, &enc) ||
        !der_child(&enc, 0x30, &data))
        return EINVAL;
    ticket_out->data = (char *)tkt.p;
    ticket_out->length = (unsigned int)tkt.len;
    if (der_child(&data, 0xA1, &kv) && der_child(&kv, 0x02, &num) &&
        num.len > 0 && num.len <= 5)
        *enc_kvno_out = der_uint32(&num);
    return 0;
}

/* krb5 recv hook: keep a copy of the last AS reply ([APPLICATION 11]). */
static krb5_error_code KRB5_CALLCONV
keep_as_rep(krb5_context ctx, void *data, krb5_error_code code,
            const krb5_data *realm, const krb5_data *message,
            const krb5_data *reply, krb5_data **new_reply_out)
{
    krb5_data **kept = data;

    (void)realm;
    (void)message;
    (void)new_reply_out;
    if (code == 0 && reply != NULL && reply->length > 0 &&
        (unsigned char)reply->data[0] == 0x6B) {
        krb5_free_data(ctx, *kept);
        *kept = NULL;
        (void)krb5_copy_data(ctx, reply, kept);
    }
    return code;
}

/*
 * The KDC's key version for the host, from the kept AS reply: the reply's
 * own kvno, else that of the ticket in it when it is a ticket for the host.
 */
static long
as_rep_host_kvno(struct diag *d)
{
    krb5_ticket *tkt = NULL;
    krb5_data tdata;
    long kvno = -1;

    if (d->as_rep == NULL ||
        s4u_diag_as_rep_parse((const unsigned char *)d->as_rep->data,
                              d->as_rep->length, &kvno, &tdata) != 0)
        return -1;
    if (kvno < 0 && krb5_decode_ticket(&tdata, &tkt) == 0 &&
        krb5_principal_compare(d->ctx, tkt->server, d->host))
        kvno = (long)tkt->enc_part.kvno;
    krb5_free_ticket(d->ctx, tkt);
    return kvno;
}

/*
 * The key was refused: ask the KDC by AS for a ticket to the host itself.
 * That fails too, but the reply's ticket is encrypted in the host's current
 * key and names its version.
 */
static long
probe_kdc_kvno(struct diag *d)
{
    krb5_creds creds;

    memset(&creds, 0, sizeof(creds));
    krb5_set_kdc_recv_hook(d->ctx, keep_as_rep, &d->as_rep);
    (void)krb5_get_init_creds_keytab(d->ctx, &creds, d->host, d->kt, 0,
                                     d->host_name, NULL);
    krb5_set_kdc_recv_hook(d->ctx, NULL, NULL);
    krb5_free_cred_contents(d->ctx, &creds);
    return as_rep_host_kvno(d);
}

/* --- step: the keytab --- */

/* Append an enctype's name to a comma-separated list. */
static void
append_enctype(char *buf, size_t size, krb5_enctype etype)
{
    char name[64];
    size_t len = strlen(buf);

    if (krb5_enctype_to_name(etype, FALSE, name, sizeof(name)) != 0)
        snprintf(name, sizeof(name), "enctype %d", (int)etype);
    snprintf(buf + len, size - len, "%s%s", len > 0 ? ", " : "", name);
}

/* Walk the keytab: the host's newest kvno and its enctypes; others' names. */
static krb5_error_code
scan_keytab(struct diag *d, char *etypes, size_t esize, char *others,
            size_t osize)
{
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    krb5_error_code kret;
    char *name = NULL;
    size_t len;

    d->keytab_kvno = -1;
    kret = krb5_kt_start_seq_get(d->ctx, d->kt, &cur);
    if (kret != 0)
        return kret;
    while (krb5_kt_next_entry(d->ctx, d->kt, &e, &cur) == 0) {
        if (krb5_principal_compare(d->ctx, e.principal, d->host)) {
            if ((long)e.vno > d->keytab_kvno) {
                d->keytab_kvno = (long)e.vno;
                etypes[0] = '\0';
            }
            if ((long)e.vno == d->keytab_kvno)
                append_enctype(etypes, esize, e.key.enctype);
        } else if (krb5_unparse_name(d->ctx, e.principal, &name) == 0) {
            len = strlen(others);
            if (strstr(others, name) == NULL)
                snprintf(others + len, osize - len, "%s%s", len ? ", " : "",
                         name);
            krb5_free_unparsed_name(d->ctx, name);
        }
        krb5_free_keytab_entry_contents(d->ctx, &e);
    }
    krb5_kt_end_seq_get(d->ctx, d->kt, &cur);
    return 0;
}

/* The jump host's principal, as the engine chooses it, and its name. */
static bool
host_principal(struct diag *d, struct s4u_status *st)
{
    char *name = NULL;
    krb5_error_code kret;

    if (s4u_host_principal_choice(d->ctx, d->req, &d->host, &d->host_why, st) !=
        0)
        return false;
    kret = krb5_unparse_name(d->ctx, d->host, &name);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_INTERNAL, d->ctx, kret, "host name");
        return false;
    }
    snprintf(d->host_name, sizeof(d->host_name), "%s", name);
    krb5_free_unparsed_name(d->ctx, name);
    return true;
}

/* The host's principal, and the keytab holds a key for it. */
static bool
step_keytab(struct diag *d)
{
    struct s4u_diag_result r;
    char name[S4U_NAME_MAX] = "", etypes[256] = "", others[256] = "";
    krb5_error_code kret;

    begin(d, &r, S4U_STEP_KEYTAB,
          d->req->keytab != NULL ? d->req->keytab : "(default keytab)");
    if (!host_principal(d, &r.st))
        goto fail;
    snprintf(r.host, sizeof(r.host), "%s", d->host_name);
    kret = d->req->keytab != NULL
               ? krb5_kt_resolve(d->ctx, d->req->keytab, &d->kt)
               : krb5_kt_default(d->ctx, &d->kt);
    if (kret != 0) {
        s4u_status_krb5(&r.st, S4U_ERR_CONFIG, d->ctx, kret, "keytab=");
        goto fail;
    }
    if (krb5_kt_get_name(d->ctx, d->kt, name, sizeof(name)) == 0)
        snprintf(r.subject, sizeof(r.subject), "%s", name);
    kret = krb5_kt_have_content(d->ctx, d->kt);
    if (kret == 0)
        kret = scan_keytab(d, etypes, sizeof(etypes), others, sizeof(others));
    if (kret != 0) {
        s4u_status_krb5(&r.st, S4U_ERR_KEYTAB_MISSING, d->ctx, kret, name);
        goto fail;
    }
    r.keytab_kvno = d->keytab_kvno;
    if (d->keytab_kvno < 0) {
        s4u_status_set(&r.st, S4U_ERR_KEYTAB_NO_PRINCIPAL, 0,
                       "no key for %s in %s", d->host_name, name);
        say(r.reason, sizeof(r.reason), "the keytab holds only: %s",
            others[0] != '\0' ? others : "(nothing)");
        goto fail;
    }
    say(r.facts, sizeof(r.facts),
        "holds %s, kvno %ld (%s); the jump host is %s because %s", d->host_name,
        d->keytab_kvno, etypes, d->host_name, d->host_why);
    report(d, &r, S4U_PASS);
    return true;

fail:
    report(d, &r, S4U_FAIL);
    return false;
}

/* --- step: the host's TGT --- */

/* The end time of the first ticket in cc (the host's TGT). */
static int64_t
first_endtime(krb5_context ctx, krb5_ccache cc)
{
    krb5_cc_cursor cur = NULL;
    krb5_creds creds;
    int64_t end = 0;

    if (krb5_cc_start_seq_get(ctx, cc, &cur) != 0)
        return 0;
    while (end == 0 && krb5_cc_next_cred(ctx, cc, &cur, &creds) == 0) {
        if (!krb5_is_config_principal(ctx, creds.server))
            end = creds.times.endtime;
        krb5_free_cred_contents(ctx, &creds);
    }
    krb5_cc_end_seq_get(ctx, cc, &cur);
    return end;
}

/* Why the KDC refused the keytab's key, from the key versions. */
static void
explain_stale(const struct diag *d, struct s4u_diag_result *r)
{
    if (d->kdc_kvno < 0)
        say(r->reason, sizeof(r->reason),
            "the KDC did not say which key version it has (it answered "
            "with an error, e.g. because the principal requires "
            "pre-authentication); the keytab's newest is kvno %ld",
            d->keytab_kvno);
    else if (d->kdc_kvno != d->keytab_kvno)
        say(r->reason, sizeof(r->reason),
            "the keytab's newest key is kvno %ld but the KDC uses kvno "
            "%ld: the key changed at the KDC after this keytab was "
            "written",
            d->keytab_kvno, d->kdc_kvno);
    else
        say(r->reason, sizeof(r->reason),
            "the keytab and the KDC both say kvno %ld, but the keys "
            "differ: the key was set twice with the same version",
            d->kdc_kvno);
}

/* The KDC gives the host a TGT; is it forwardable? */
static bool
step_host_tgt(struct diag *d)
{
    struct s4u_diag_result r;

    begin(d, &r, S4U_STEP_HOST_TGT, d->host_name);
    krb5_set_kdc_recv_hook(d->ctx, keep_as_rep, &d->as_rep);
    (void)s4u_host_creds(d->ctx, d->req, d->host, &d->host_cc, &d->host_fwd,
                         &r.st);
    krb5_set_kdc_recv_hook(d->ctx, NULL, NULL);
    r.keytab_kvno = d->keytab_kvno;
    if (d->host_cc == NULL) {
        if (r.st.code == S4U_ERR_KEYTAB_STALE) {
            d->kdc_kvno = as_rep_host_kvno(d);
            if (d->kdc_kvno < 0)
                d->kdc_kvno = probe_kdc_kvno(d);
            r.kdc_kvno = d->kdc_kvno;
            explain_stale(d, &r);
        }
        report(d, &r, S4U_FAIL);
        return false;
    }
    r.forwardable = d->host_fwd;
    r.endtime = first_endtime(d->ctx, d->host_cc);
    if (!d->host_fwd) {
        s4u_status_set(&r.st, S4U_ERR_HOST_NOT_FORWARDABLE, 0,
                       "the TGT lacks the forwardable flag");
        say(r.facts, sizeof(r.facts), "TGT issued, not forwardable");
        say(r.reason, sizeof(r.reason),
            "the KDC refuses forwardable tickets to %s, so its evidence "
            "tickets will not be forwardable either: classic constrained "
            "delegation fails, resource-based delegation can still work",
            d->host_name);
        report(d, &r, S4U_WARN);
        return true;
    }
    say(r.facts, sizeof(r.facts), "forwardable TGT issued");
    report(d, &r, S4U_PASS);
    return true;
}

/* --- step: key versions --- */

/* A ticket for the host from the KDC, decoded; the caller frees both. */
static krb5_error_code
host_ticket(struct diag *d, krb5_creds **creds_out, krb5_ticket **tkt_out)
{
    krb5_creds in;
    krb5_error_code kret;

    *tkt_out = NULL;
    memset(&in, 0, sizeof(in));
    in.client = d->host;
    in.server = d->host;
    kret = krb5_get_credentials(d->ctx, KRB5_GC_NO_STORE, d->host_cc, &in,
                                creds_out);
    if (kret == 0)
        kret = krb5_decode_ticket(&(*creds_out)->ticket, tkt_out);
    return kret;
}

/*
 * What kind of KDC issued tkt (decrypted): Active Directory and Samba put
 * a PAC in every ticket and know computers by their machine account
 * (NAME$); FreeIPA puts a PAC in tickets for its host/ principals; a plain
 * MIT KDC puts none.  AD and Samba cannot be told apart from a ticket, so
 * both are named.  Sets r->kdc_kinds and says so in r->facts.
 */
static void
recognise_kdc(struct diag *d, const krb5_ticket *tkt, struct s4u_diag_result *r)
{
    krb5_authdata **pac = NULL;
    const krb5_data *last;
    bool machine;
    size_t len = strlen(r->facts);

    last = d->host->length > 0 ? &d->host->data[d->host->length - 1] : NULL;
    machine = d->host->length == 1 && last->length > 1 &&
              last->data[last->length - 1] == '$';
    if (krb5_find_authdata(d->ctx, tkt->enc_part2->authorization_data, NULL,
                           KRB5_AUTHDATA_WIN2K_PAC, &pac) != 0)
        return;
    if (pac == NULL)
        r->kdc_kinds = 1u << S4U_KDC_MIT;
    else if (machine)
        r->kdc_kinds = (1u << S4U_KDC_AD) | (1u << S4U_KDC_SAMBA);
    else
        r->kdc_kinds = 1u << S4U_KDC_IPA;
    say(r->facts + len, sizeof(r->facts) - len, "; %s",
        pac == NULL ? "no PAC in it: an MIT KDC"
        : machine   ? "a PAC in it, and the host is a machine account: Active "
                      "Directory or Samba AD"
                    : "a PAC in it for a host/ principal: FreeIPA");
    krb5_free_authdata(d->ctx, pac);
}

/*
 * The KDC's key version equals the keytab's, and a ticket the KDC issues
 * for the host decrypts with the keytab (as sshd's GSSAPI needs too).
 */
static void
step_kvno(struct diag *d)
{
    struct s4u_diag_result r;
    krb5_creds *creds = NULL;
    krb5_ticket *tkt = NULL;
    krb5_error_code kret;

    begin(d, &r, S4U_STEP_KVNO, d->host_name);
    r.keytab_kvno = d->keytab_kvno;
    kret = host_ticket(d, &creds, &tkt);
    if (kret != 0) {
        s4u_status_krb5(&r.st, S4U_ERR_HOST_TGT, d->ctx, kret,
                        "ticket for the jump host itself");
        say(r.reason, sizeof(r.reason),
            "cannot compare key versions without a ticket for the host");
        report(d, &r, S4U_WARN);
        goto cleanup;
    }
    r.kdc_kvno = (long)tkt->enc_part.kvno;
    kret = krb5_server_decrypt_ticket_keytab(d->ctx, d->kt, tkt);
    if (kret != 0) {
        s4u_status_krb5(&r.st, S4U_ERR_KEYTAB_STALE, d->ctx, kret,
                        "decrypting a ticket for the jump host");
        say(r.reason, sizeof(r.reason),
            "the KDC encrypts tickets for %s with kvno %ld, and the "
            "keytab's key does not decrypt them: services on this host "
            "that accept Kerberos (sshd GSSAPI) fail too",
            d->host_name, r.kdc_kvno);
        report(d, &r, S4U_FAIL);
        goto cleanup;
    }
    say(r.facts, sizeof(r.facts),
        "the KDC uses kvno %ld; a ticket it issued for the host "
        "decrypts with the keytab",
        r.kdc_kvno);
    recognise_kdc(d, tkt, &r);
    if (r.kdc_kvno != d->keytab_kvno) {
        s4u_status_set(&r.st, S4U_ERR_KEYTAB_STALE, 0,
                       "keytab kvno %ld, KDC kvno %ld", d->keytab_kvno,
                       r.kdc_kvno);
        say(r.reason, sizeof(r.reason),
            "the keytab's newest key is not the one the KDC uses");
        report(d, &r, S4U_WARN);
        goto cleanup;
    }
    report(d, &r, S4U_PASS);

cleanup:
    krb5_free_ticket(d->ctx, tkt);
    krb5_free_creds(d->ctx, creds);
}

/* --- step: S4U2self --- */

/*
 * Non-forwardable evidence: tell which cause applies.  A non-forwardable
 * host TGT explains it.  Otherwise compare with S4U2self for the first
 * target's principal: forwardable evidence there means the host has
 * protocol transition, so the user is marked; non-forwardable there too
 * points at the host.  Where the comparison fails we say we cannot tell.
 */
static void
explain_evidence(struct diag *d, struct s4u_diag_result *r, const char *user)
{
    struct s4u_status pst;
    const char *probe = d->req->ntargets > 0 ? d->req->targets[0] : NULL;
    char used[S4U_NAME_MAX] = "";
    int fwd;

    s4u_status_clear(&pst);
    if (!d->host_fwd) {
        d->evidence_code = S4U_ERR_HOST_NOT_FORWARDABLE;
        say(r->reason, sizeof(r->reason),
            "the jump host's own TGT is not forwardable, and evidence "
            "tickets inherit that");
        return;
    }
    fwd = probe != NULL ? s4u_probe_forwardable(d->ctx, d->host_cc, d->host,
                                                probe, used, sizeof(used), &pst)
                        : -1;
    if (fwd == 1) {
        d->evidence_code = S4U_ERR_USER_NOT_DELEGABLE;
        say(r->reason, sizeof(r->reason),
            "for %s the KDC issues forwardable evidence, so the jump host "
            "has protocol transition: %s is marked as not delegable (MIT: "
            "-allow_forwardable; AD: sensitive, or Protected Users)",
            used, user);
    } else if (fwd == 0) {
        d->evidence_code = S4U_ERR_NO_PROTOCOL_TRANSITION;
        say(r->reason, sizeof(r->reason),
            "for %s the evidence is not forwardable either, while the "
            "jump host's TGT is: the jump host most likely lacks "
            "protocol transition (unless both are marked as not "
            "delegable)",
            used);
    } else {
        d->evidence_code = S4U_ERR_EVIDENCE_NOT_FORWARDABLE;
        say(r->reason, sizeof(r->reason),
            "cannot tell whether %s is marked as not delegable or the "
            "jump host lacks protocol transition: %s%s",
            user,
            probe == NULL ? "no other principal to compare with"
                          : "S4U2self for comparison failed: ",
            pst.detail);
    }
}

/* S4U2self for the user; is the evidence forwardable, and if not, why? */
static bool
step_self(struct diag *d)
{
    struct s4u_diag_result r;
    krb5_principal user = NULL;
    char *name = NULL;
    bool ok = false;

    begin(d, &r, S4U_STEP_S4U2SELF, d->req->user);
    if (s4u_user_principal(d->ctx, d->req->user, &user, &r.st) == 0 &&
        krb5_unparse_name(d->ctx, user, &name) == 0)
        snprintf(r.subject, sizeof(r.subject), "%s", name);
    if (name == NULL) {
        s4u_status_set(&r.st, S4U_ERR_REALM_UNKNOWN, 0,
                       "no realm for the user");
        report(d, &r, S4U_FAIL);
        goto cleanup;
    }
    snprintf(d->user_name, sizeof(d->user_name), "%s", name);
    if (s4u_self_fallback(d->ctx, d->host_cc, d->host, user, &d->evidence,
                          &r.st) != 0) {
        report(d, &r, S4U_FAIL);
        goto cleanup;
    }
    ok = true;
    d->evidence_fwd = (d->evidence->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
    r.forwardable = d->evidence_fwd;
    r.endtime = d->evidence->times.endtime;
    say(r.facts, sizeof(r.facts), "evidence ticket for %s, %s", name,
        d->evidence_fwd ? "forwardable" : "not forwardable");
    if (d->evidence_fwd) {
        report(d, &r, S4U_PASS);
        goto cleanup;
    }
    explain_evidence(d, &r, name);
    s4u_status_set(&r.st, d->evidence_code, 0,
                   "the evidence ticket lacks the forwardable flag");
    report(d, &r, S4U_WARN);

cleanup:
    krb5_free_unparsed_name(d->ctx, name);
    krb5_free_principal(d->ctx, user);
    return ok;
}

/* --- step: S4U2proxy, per target --- */

/* Does target exist?  The host's own plain TGS request tells: 1, 0, -1. */
static int
target_exists(struct diag *d, krb5_const_principal target,
              struct s4u_status *st)
{
    krb5_creds in, *out = NULL;
    krb5_error_code kret;

    memset(&in, 0, sizeof(in));
    in.client = d->host;
    in.server = (krb5_principal)target;
    kret =
        krb5_get_credentials(d->ctx, KRB5_GC_NO_STORE, d->host_cc, &in, &out);
    krb5_free_creds(d->ctx, out);
    if (kret == 0)
        return 1;
    s4u_status_krb5(st, S4U_ERR_TARGET_REFUSED, d->ctx, kret,
                    "the jump host's own request for it");
    return kret == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN ? 0 : -1;
}

/* A refused target: does it exist, and is the refusal about it at all? */
static void
explain_refusal(struct diag *d, krb5_const_principal tp,
                struct s4u_diag_result *r)
{
    struct s4u_status pst;

    s4u_status_clear(&pst);
    r->exists = target_exists(d, tp, &pst);
    if (r->exists == 0) {
        r->st.code = S4U_ERR_TARGET_UNKNOWN;
        say(r->reason, sizeof(r->reason), "it does not exist: %s", pst.detail);
    } else if (r->exists < 0) {
        say(r->reason, sizeof(r->reason),
            "could not tell whether it exists: %s", pst.detail);
    } else if (!d->evidence_fwd) {
        r->st.code = d->evidence_code;
        say(r->reason, sizeof(r->reason),
            "it exists; the refusal comes from the non-forwardable "
            "evidence ticket (see S4U2self)");
    } else {
        if (r->st.code == S4U_ERR_TARGET_UNKNOWN)
            r->st.code = S4U_ERR_TARGET_NOT_ALLOWED;
        say(r->reason, sizeof(r->reason),
            "it exists (the jump host's own ticket request for it "
            "succeeded), so the KDC refuses the delegation itself");
    }
}

/* The full name of a target, realm included, for the report. */
static krb5_error_code
parse_target(struct diag *d, const char *target, krb5_principal *tp_out,
             struct s4u_diag_result *r)
{
    char *name = NULL;
    krb5_error_code kret;

    kret = krb5_parse_name(d->ctx, target, tp_out);
    if (kret == 0)
        kret = krb5_unparse_name(d->ctx, *tp_out, &name);
    if (kret != 0) {
        s4u_status_krb5(&r->st, S4U_ERR_CONFIG, d->ctx, kret, "bad target");
        return kret;
    }
    snprintf(r->subject, sizeof(r->subject), "%s", name);
    krb5_free_unparsed_name(d->ctx, name);
    return 0;
}

/* S4U2proxy to one target; nothing is stored. */
static bool
step_proxy(struct diag *d, const char *target)
{
    struct s4u_diag_result r;
    krb5_principal tp = NULL;
    krb5_creds *creds = NULL;
    bool ok = false;

    begin(d, &r, S4U_STEP_S4U2PROXY, target);
    if (parse_target(d, target, &tp, &r) != 0)
        goto fail;
    if (s4u_proxy(d->ctx, d->host_cc, d->host, d->evidence, target, &creds,
                  &r.st) == 0) {
        r.exists = 1;
        /* The helper drops what the jump host's own keys decrypt. */
        s4u_ticket_not_host(d->ctx, d->kt, creds, &r.st);
        if (r.st.code != S4U_OK)
            goto fail;
        r.forwardable = (creds->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
        r.endtime = creds->times.endtime;
        say(r.facts, sizeof(r.facts), "ticket for %s issued", d->user_name);
        report(d, &r, S4U_PASS);
        ok = true;
        goto cleanup;
    }
    if (r.st.code == S4U_ERR_TARGET_NOT_ALLOWED ||
        r.st.code == S4U_ERR_TARGET_UNKNOWN ||
        r.st.code == S4U_ERR_TARGET_REFUSED)
        explain_refusal(d, tp, &r);

fail:
    report(d, &r, S4U_FAIL);

cleanup:
    krb5_free_creds(d->ctx, creds);
    krb5_free_principal(d->ctx, tp);
    return ok;
}

/* --- the whole check --- */

/* Report a failure that stops the check before any step could run. */
static void
fail_early(const struct s4u_diag_sink *sink, enum s4u_code code,
           krb5_context ctx, krb5_error_code kret, const char *what)
{
    struct s4u_diag_result r;

    s4u_diag_result_init(&r, S4U_STEP_KEYTAB, "");
    if (ctx != NULL)
        s4u_status_krb5(&r.st, code, ctx, kret, what);
    else
        s4u_status_set(&r.st, code, kret, "%s (error %ld)", what, (long)kret);
    r.verdict = S4U_FAIL;
    sink->result(sink->data, &r);
}

/* Set up the check's krb5 context, realm and host principal's name. */
static bool
setup(struct diag *d)
{
    krb5_error_code kret;

    kret = krb5_init_secure_context(&d->ctx);
    if (kret != 0) {
        fail_early(d->sink, S4U_ERR_CONFIG, NULL, kret,
                   "cannot read krb5.conf");
        return false;
    }
    if (d->req->realm != NULL) {
        kret = krb5_set_default_realm(d->ctx, d->req->realm);
        if (kret != 0) {
            fail_early(d->sink, S4U_ERR_CONFIG, d->ctx, kret, "realm=");
            return false;
        }
    }
    return true;
}

/* Free what the steps left. */
static void
teardown(struct diag *d)
{
    if (d->ctx == NULL)
        return;
    krb5_free_creds(d->ctx, d->evidence);
    krb5_free_data(d->ctx, d->as_rep);
    if (d->host_cc != NULL)
        krb5_cc_destroy(d->ctx, d->host_cc);
    if (d->kt != NULL)
        krb5_kt_close(d->ctx, d->kt);
    krb5_free_principal(d->ctx, d->host);
    krb5_free_context(d->ctx);
}

/*
 * Run the checks for req, reporting each step to sink as it finishes.  With
 * req->user NULL only the host's steps run (s4uctl status).  A failed step
 * that later steps depend on ends the run; targets stand alone.
 */
void
s4u_diag_run(const struct s4u_request *req, const struct s4u_diag_sink *sink)
{
    struct diag d;
    size_t i;

    memset(&d, 0, sizeof(d));
    d.req = req;
    d.sink = sink;
    d.kdc_kvno = -1;
    if (!setup(&d))
        goto cleanup;
    if (!step_keytab(&d) || !step_host_tgt(&d))
        goto cleanup;
    step_kvno(&d);
    if (req->user == NULL || !step_self(&d))
        goto cleanup;
    for (i = 0; i < req->ntargets; i++)
        (void)step_proxy(&d, req->targets[i]);

cleanup:
    teardown(&d);
}

/* Describe one kept cache file into the next slot of out->tgts. */
static void
describe_one(void *data, int dir, const char *name)
{
    struct s4u_purge *out = data;
    struct s4u_kept_tgt *k;
    krb5_context ctx = NULL;
    krb5_creds *tgt = NULL;
    krb5_timestamp now;

    if (out->ntgts >= S4U_KEPT_MAX) {
        out->ntgts++;
        return;
    }
    k = &out->tgts[out->ntgts++];
    k->state = "unusable";
    snprintf(k->principal, sizeof(k->principal), "%s", name);
    if (krb5_init_secure_context(&ctx) != 0)
        return;
    if (s4u_host_cache_describe(ctx, dir, name, k->principal,
                                sizeof(k->principal), &tgt) == 0 &&
        krb5_timeofday(ctx, &now) == 0) {
        k->endtime = tgt->times.endtime;
        switch (s4u_host_tgt_age(tgt, now)) {
        case S4U_TGT_FRESH:
            k->state = "fresh";
            break;
        case S4U_TGT_AGING:
            k->state = "aging";
            break;
        default:
            k->state = "expired";
        }
    }
    s4u_escape_inplace(k->principal, sizeof(k->principal));
    krb5_free_creds(ctx, tgt);
    krb5_free_context(ctx);
}

/*
 * What the configuration keeps of the jump host's own credentials between
 * logins: with host_cache=DIR (the default), its TGT, one cache file per
 * host principal (gss_helper/s4u_host_cache.c); with host_cache=none,
 * nothing.  Only the principal, the state and the end time are shown.
 */
void
s4u_host_cache_info(const char *dir, struct s4u_purge *out)
{
    struct s4u_status st;
    size_t n = 0;
    int fd = -1;

    memset(out, 0, sizeof(*out));
    s4u_status_clear(&st);
    out->kept = dir != NULL && strcmp(dir, "none") != 0;
    if (!out->kept) {
        snprintf(out->explanation, sizeof(out->explanation),
                 "host_cache=none: every login gets a fresh TGT for the jump "
                 "host in memory; nothing is kept, nothing to purge");
        return;
    }
    if (s4u_host_cache_dir(dir, false, &fd, &st) != 0) {
        snprintf(out->explanation, sizeof(out->explanation),
                 st.lib_code == ENOENT
                     ? "%s: none kept yet (the first login makes it)"
                     : "%s: not used, every login gets its own TGT: %s",
                 dir, st.detail);
        return;
    }
    if (s4u_host_cache_scan(fd, false, describe_one, out, &n) != 0)
        snprintf(out->explanation, sizeof(out->explanation),
                 "%s: cannot read the directory", dir);
    else
        snprintf(out->explanation, sizeof(out->explanation),
                 "%s: %zu kept TGT(s) of the jump host; s4uctl purge drops "
                 "them",
                 dir, n);
    close(fd);
}

/*
 * Drop the jump host's kept credentials, so that a KDC change (the host's
 * key or flags) takes effect at the next login: every cache file, lock
 * file and leftover of ours in host_cache=.  0, or non-zero with st set.
 */
int
s4u_host_cache_purge(const char *dir, struct s4u_purge *out,
                     struct s4u_status *st)
{
    int fd = -1, ret;

    s4u_status_clear(st);
    s4u_host_cache_info(dir, out);
    out->ntgts = 0;
    if (!out->kept)
        return 0;
    ret = s4u_host_cache_dir(dir, false, &fd, st);
    if (ret == ENOENT) {
        s4u_status_clear(st);
        snprintf(out->explanation, sizeof(out->explanation),
                 "%s does not exist: nothing to purge", dir);
        return 0;
    }
    if (ret != 0)
        return ret;
    ret = s4u_host_cache_scan(fd, true, NULL, NULL, &out->purged);
    close(fd);
    if (ret != 0) {
        s4u_status_set(st, S4U_ERR_CONFIG, ret, "%s: %s", dir, strerror(ret));
        return ret;
    }
    snprintf(out->explanation, sizeof(out->explanation),
             "%s: dropped %zu kept TGT(s) of the jump host; the next login "
             "gets a new one",
             dir, out->purged);
    return 0;
}
