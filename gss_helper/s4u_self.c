/*
 * s4u_self.c: step 2, S4U2self through public GSSAPI.
 *
 * gss_acquire_cred_impersonate_name() asks the KDC for an evidence ticket
 * for the user to the jump host.  To use that ticket with krb5's S4U2proxy
 * we store the impersonated credential into a private MEMORY cache and read
 * the evidence ticket back.  gss_store_cred_into() on an impersonated
 * credential also writes the host's TGT, the evidence ticket and a
 * proxy_impersonator config entry into the destination: whoever holds that
 * cache can impersonate anybody to every allowed target.  That is why the
 * cache is a MEMORY cache that never leaves this process and is destroyed
 * before we return.
 */
#include <stdio.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "gss_helper/s4u_engine.h"

/* Append GSS's words for one status value (major or minor) to buf. */
static void
append_gss_text(char *buf, size_t size, OM_uint32 value, int type)
{
    OM_uint32 min, msg_ctx = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    size_t len;

    do {
        if (GSS_ERROR(gss_display_status(&min, value, type, GSS_C_NO_OID,
                                         &msg_ctx, &text)))
            return;
        len = strlen(buf);
        snprintf(buf + len, size - len, "%s%.*s", len > 0 ? "; " : "",
                 (int)text.length, (const char *)text.value);
        gss_release_buffer(&min, &text);
    } while (msg_ctx != 0);
}

/* Record a GSS failure with both the major and the minor status. */
static void
gss_fail(struct s4u_status *st, enum s4u_code code, const char *what,
         OM_uint32 maj, OM_uint32 min)
{
    char text[S4U_DETAIL_MAX] = "";

    append_gss_text(text, sizeof(text), maj, GSS_C_GSS_CODE);
    append_gss_text(text, sizeof(text), min, GSS_C_MECH_CODE);
    s4u_status_set(st, code, (long)min, "%s: %s", what, text);
}

/* Classify a refused S4U2self by the krb5 code in the minor status. */
static enum s4u_code
classify_self_error(OM_uint32 min)
{
    switch ((krb5_error_code)min) {
    case KRB5_KDC_UNREACH:
        return S4U_ERR_KDC_UNREACHABLE;
    case KRB5KDC_ERR_SVC_UNAVAILABLE:
        return S4U_ERR_KDC_ERROR;
    case KRB5KRB_AP_ERR_SKEW:
    case KRB5_KDCREP_SKEW:
        return S4U_ERR_CLOCK_SKEW;
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        return S4U_ERR_USER_UNKNOWN;
    default:
        return S4U_ERR_S4U2SELF;
    }
}

/*
 * Import a krb5 principal as a GSS name.  An enterprise principal (a UPN,
 * alice@corp.example.com in realm AD.EXAMPLE.COM) goes in as
 * GSS_KRB5_NT_ENTERPRISE_NAME, so that S4U2self sends it as NT-ENTERPRISE
 * and the KDC looks the UPN up; its text is the one component, unescaped.
 */
static OM_uint32
import_name(krb5_context ctx, krb5_const_principal princ, gss_name_t *out)
{
    OM_uint32 maj, min;
    gss_buffer_desc buf;
    char *text = NULL;
    bool upn = princ->type == KRB5_NT_ENTERPRISE_PRINCIPAL;

    *out = GSS_C_NO_NAME;
    if (krb5_unparse_name_flags(ctx, princ,
                                upn ? KRB5_PRINCIPAL_UNPARSE_DISPLAY |
                                          KRB5_PRINCIPAL_UNPARSE_NO_REALM
                                    : 0,
                                &text) != 0)
        return GSS_S_FAILURE;
    buf.value = text;
    buf.length = strlen(text);
    maj = gss_import_name(
        &min, &buf,
        upn ? GSS_KRB5_NT_ENTERPRISE_NAME : GSS_KRB5_NT_PRINCIPAL_NAME, out);
    krb5_free_unparsed_name(ctx, text);
    return maj;
}

/* Find the evidence ticket (server = host, client != host) in cc. */
static krb5_error_code
find_evidence(krb5_context ctx, krb5_ccache cc, krb5_principal host,
              krb5_creds **evidence_out)
{
    krb5_cc_cursor cur = NULL;
    krb5_creds creds;
    krb5_error_code kret;

    *evidence_out = NULL;
    kret = krb5_cc_start_seq_get(ctx, cc, &cur);
    if (kret != 0)
        return kret;
    while ((kret = krb5_cc_next_cred(ctx, cc, &cur, &creds)) == 0) {
        if (*evidence_out == NULL &&
            !krb5_is_config_principal(ctx, creds.server) &&
            krb5_principal_compare(ctx, creds.server, host) &&
            !krb5_principal_compare(ctx, creds.client, host))
            kret = krb5_copy_creds(ctx, &creds, evidence_out);
        krb5_free_cred_contents(ctx, &creds);
        if (kret != 0)
            break;
    }
    krb5_cc_end_seq_get(ctx, cc, &cur);
    if (kret == KRB5_CC_END)
        kret = *evidence_out != NULL ? 0 : KRB5_CC_NOTFOUND;
    return kret;
}

/* Store the impersonated credential in a new MEMORY cache; read evidence. */
static krb5_error_code
extract_evidence(krb5_context ctx, gss_cred_id_t imp, krb5_principal host,
                 krb5_creds **evidence_out, struct s4u_status *st)
{
    OM_uint32 maj, min;
    krb5_ccache cc = NULL;
    krb5_error_code kret;
    char *name = NULL;
    gss_key_value_element_desc elem;
    gss_key_value_set_desc store;

    kret = krb5_cc_new_unique(ctx, "MEMORY", NULL, &cc);
    if (kret == 0)
        kret = krb5_cc_get_full_name(ctx, cc, &name);
    if (kret != 0) {
        s4u_status_krb5(st, S4U_ERR_INTERNAL, ctx, kret, "evidence cache");
        goto cleanup;
    }
    elem.key = "ccache";
    elem.value = name;
    store.count = 1;
    store.elements = &elem;
    maj = gss_store_cred_into(&min, imp, GSS_C_INITIATE, gss_mech_krb5, 1, 0,
                              &store, NULL, NULL);
    if (GSS_ERROR(maj)) {
        gss_fail(st, S4U_ERR_INTERNAL, "storing the evidence", maj, min);
        kret = KRB5_CC_IO;
        goto cleanup;
    }
    kret = find_evidence(ctx, cc, host, evidence_out);
    if (kret != 0)
        s4u_status_krb5(st, S4U_ERR_S4U2SELF, ctx, kret,
                        "no evidence ticket after S4U2self");

cleanup:
    krb5_free_string(ctx, name);
    if (cc != NULL)
        krb5_cc_destroy(ctx, cc);
    return kret;
}

/* Acquire a GSS initiator credential for host from the MEMORY cache. */
static OM_uint32
host_gss_cred(krb5_context ctx, krb5_ccache host_cc, krb5_principal host,
              gss_cred_id_t *cred_out, OM_uint32 *min)
{
    OM_uint32 maj, discard;
    gss_name_t name = GSS_C_NO_NAME;
    gss_key_value_element_desc elem;
    gss_key_value_set_desc store;
    gss_OID_set_desc mechs = {1, (gss_OID)gss_mech_krb5};
    char *ccname = NULL;

    *cred_out = GSS_C_NO_CREDENTIAL;
    *min = 0;
    if (krb5_cc_get_full_name(ctx, host_cc, &ccname) != 0)
        return GSS_S_FAILURE;
    maj = import_name(ctx, host, &name);
    if (!GSS_ERROR(maj)) {
        elem.key = "ccache";
        elem.value = ccname;
        store.count = 1;
        store.elements = &elem;
        maj =
            gss_acquire_cred_from(min, name, GSS_C_INDEFINITE, &mechs,
                                  GSS_C_INITIATE, &store, cred_out, NULL, NULL);
    }
    gss_release_name(&discard, &name);
    krb5_free_string(ctx, ccname);
    return maj;
}

/*
 * S4U2self: the evidence ticket for user to host.  evidence_out's client is
 * the user as the KDC named her.
 */
krb5_error_code
s4u_self(krb5_context ctx, krb5_ccache host_cc, krb5_principal host,
         krb5_principal user, krb5_creds **evidence_out, struct s4u_status *st)
{
    OM_uint32 maj, min = 0, discard;
    gss_cred_id_t host_cred = GSS_C_NO_CREDENTIAL;
    gss_cred_id_t imp_cred = GSS_C_NO_CREDENTIAL;
    gss_name_t uname = GSS_C_NO_NAME;
    gss_OID_set_desc mechs = {1, (gss_OID)gss_mech_krb5};
    krb5_error_code kret = KRB5KRB_ERR_GENERIC; /* until evidence */

    *evidence_out = NULL;
    maj = host_gss_cred(ctx, host_cc, host, &host_cred, &min);
    if (GSS_ERROR(maj)) {
        gss_fail(st, S4U_ERR_INTERNAL, "host credential", maj, min);
        goto cleanup;
    }
    maj = import_name(ctx, user, &uname);
    if (GSS_ERROR(maj)) {
        s4u_status_set(st, S4U_ERR_BAD_USER, 0, "cannot import user name");
        goto cleanup;
    }
    maj = gss_acquire_cred_impersonate_name(
        &min, host_cred, uname, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
        &imp_cred, NULL, NULL);
    if (GSS_ERROR(maj)) {
        gss_fail(st, classify_self_error(min), "S4U2self", maj, min);
        goto cleanup;
    }
    kret = extract_evidence(ctx, imp_cred, host, evidence_out, st);

cleanup:
    gss_release_cred(&discard, &imp_cred);
    gss_release_cred(&discard, &host_cred);
    gss_release_name(&discard, &uname);
    return kret;
}
