/*
 * s4u_catalog.c: the one catalog of failure explanations.
 *
 * Each code has a stable id (used on the helper wire and in --json output),
 * a clause saying what happened, and the fix per KDC kind.  The PAM module's
 * log lines, the helper and s4uctl all take their words from here, and
 * docs/troubleshooting.md documents the same entries.
 */
#include <string.h>

#include "s4u.h"

static const struct s4u_explanation catalog[S4U_CODE_COUNT] = {
    [S4U_OK] = {"OK", "success", ""},
    [S4U_ERR_NOMEM] = {"NOMEM", "out of memory", "check the host's memory"},
    [S4U_ERR_CONFIG] =
        {"CONFIG", "a pam_s4u option has an unusable value",
         "correct the option in the PAM service file or in krb5.conf "
         "[appdefaults] pam_s4u; see pam_s4u(8)"},
    [S4U_ERR_BAD_USER] =
        {"BAD_USER", "the login name is not a plain local user name",
         "nothing is delegated for such names; this is not a fault"},
    [S4U_ERR_KEYTAB_MISSING] =
        {"KEYTAB_MISSING", "the jump host's keytab is missing or unreadable",
         "create it (MIT: kadmin ktadd -k /etc/krb5.keytab host/FQDN; "
         "FreeIPA: ipa-getkeytab; AD/Samba: net ads keytab create or "
         "samba-tool domain exportkeytab), or set keytab="},
    [S4U_ERR_KEYTAB_NO_PRINCIPAL] =
        {"KEYTAB_NO_PRINCIPAL",
         "the keytab holds no key for the jump host's principal",
         "add the key (kadmin ktadd) or set principal= to a principal the "
         "keytab holds (klist -k lists them)"},
    [S4U_ERR_KEYTAB_STALE] =
        {"KEYTAB_STALE",
         "the KDC rejected the keytab's key (stale kvno or wrong key)",
         "refresh the keytab: MIT kadmin ktadd (this changes the key), "
         "FreeIPA ipa-getkeytab, AD/Samba net ads keytab create"},
    [S4U_ERR_KDC_UNREACHABLE] =
        {"KDC_UNREACHABLE", "no KDC of the realm answered",
         "check that the KDC runs and that krb5.conf [realms] names it; "
         "the login continues without delegated tickets"},
    [S4U_ERR_REALM_UNKNOWN] =
        {"REALM_UNKNOWN", "krb5.conf does not say where the realm's KDCs are",
         "add the realm to krb5.conf [realms] or enable dns_lookup_kdc"},
    [S4U_ERR_HOST_UNKNOWN] =
        {"HOST_UNKNOWN", "the KDC does not know the jump host's principal",
         "create the principal (MIT: kadmin addprinc -randkey host/FQDN; "
         "FreeIPA: ipa host-add; AD/Samba: join the host) or set principal="},
    [S4U_ERR_HOST_TGT] =
        {"HOST_TGT", "the jump host could not get its own ticket",
         "run kinit -k -t KEYTAB PRINCIPAL as root to see the KDC's answer"},
    [S4U_ERR_USER_UNKNOWN] =
        {"USER_UNKNOWN", "the KDC has no principal for this user",
         "only users with a Kerberos principal in the realm get tickets; "
         "set realm= if the user lives in another realm"},
    [S4U_ERR_S4U2SELF] =
        {"S4U2SELF_REFUSED",
         "the KDC refused protocol transition (S4U2self) for the jump host",
         "allow it: MIT: kadmin modprinc +ok_to_auth_as_delegate host/FQDN; "
         "FreeIPA: ipa servicedelegationrule-add-member; AD: "
         "Set-ADAccountControl -TrustedToAuthForDelegation $true; Samba: "
         "samba-tool delegation for-any-protocol HOST$ on"},
    [S4U_ERR_EVIDENCE_NOT_FORWARDABLE] =
        {"EVIDENCE_NOT_FORWARDABLE",
         "the KDC issued a non-forwardable evidence ticket, so classic "
         "constrained delegation is refused",
         "either the user may not be delegated (MIT: modprinc "
         "+allow_forwardable USER; AD: clear 'sensitive and cannot be "
         "delegated', remove from Protected Users; Samba: samba-tool user "
         "sensitive USER off) or the jump host lacks protocol transition "
         "(MIT: modprinc +ok_to_auth_as_delegate host/FQDN; AD: "
         "TrustedToAuthForDelegation)"},
    [S4U_ERR_TARGET_UNKNOWN] =
        {"TARGET_UNKNOWN", "the target service does not exist in the KDC",
         "check the spelling in targets=, or create the service principal"},
    [S4U_ERR_TARGET_NOT_ALLOWED] =
        {"TARGET_NOT_ALLOWED",
         "the KDC does not allow the jump host to delegate to this target",
         "allow it: MIT/LDAP: add krbAllowedToDelegateTo: TARGET to the jump "
         "host's LDAP entry; FreeIPA: ipa servicedelegationtarget-add-member "
         "and servicedelegationrule-add-target; AD: msDS-AllowedToDelegateTo "
         "(or RBCD: Set-ADComputer TARGETHOST "
         "-PrincipalsAllowedToDelegateToAccount JUMPHOST$); Samba: samba-tool "
         "delegation add-service JUMPHOST$ TARGET"},
    [S4U_ERR_TARGET_REFUSED] =
        {"TARGET_REFUSED", "the KDC refused the delegated ticket",
         "read the KDC's log for the request of this target"},
    [S4U_ERR_WRONG_TICKET] =
        {"WRONG_TICKET",
         "the KDC returned a ticket that is not for the user and the target; "
         "it was discarded",
         "report this; the KDC's reply does not match the request"},
    [S4U_ERR_TIMEOUT] =
        {"TIMEOUT", "the KDC did not answer within timeout=",
         "check the KDC's health and network, or raise timeout="},
    [S4U_ERR_QUOTA] =
        {"QUOTA", "the user's kernel keyring quota has no room for all tickets",
         "raise sysctl kernel.keys.maxbytes (and maxkeys), or delegate to "
         "fewer targets"},
    [S4U_ERR_CACHE] =
        {"CACHE", "the user's credential cache could not be written",
         "check ccache= and that the kernel keyring works (keyctl show)"},
    [S4U_ERR_HELPER] =
        {"HELPER", "the pam_s4u helper could not run or answered badly",
         "check that helper= names the installed pam_s4u_helper, owned by "
         "root and not writable by others"},
    [S4U_ERR_INTERNAL] = {"INTERNAL", "an unexpected library error",
                          "report this"},
};

/* The explanation for a code; never NULL. */
const struct s4u_explanation *
s4u_explain(enum s4u_code code)
{
    if ((unsigned int)code >= S4U_CODE_COUNT)
        return &catalog[S4U_ERR_INTERNAL];
    return &catalog[code];
}

/* Map a stable id back to its code. */
bool
s4u_code_from_id(const char *id, enum s4u_code *code_out)
{
    unsigned int i;

    for (i = 0; i < S4U_CODE_COUNT; i++) {
        if (strcmp(catalog[i].id, id) == 0) {
            *code_out = (enum s4u_code)i;
            return true;
        }
    }
    return false;
}
