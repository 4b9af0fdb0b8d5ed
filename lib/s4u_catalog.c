/*
 * s4u_catalog.c: the one catalog of failure explanations.
 *
 * Each code has a stable id (used on the helper wire and in --json output),
 * a clause saying what happened, a fix in any KDC's terms, and the exact
 * command per KDC kind.  The PAM module's log lines, the helper and s4uctl
 * all take their words from here, and docs/troubleshooting.md documents the
 * same entries.  Fix texts are single lines (they end up in syslog) and use
 * placeholders that s4uctl fills in with the names it knows:
 *   <host> <fqdn> <computer> <computer-name> <host-dn> <keytab> <realm>
 *   <domain> <user> <login> <target> <target-spn> <target-computer>
 *   <target-computer-name>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"

/* Commands that more than one entry gives. */
#define MIT_KTADD "kadmin -q \"ktadd -k <keytab> <host>\" (this sets a new key)"
#define MIT_KTADD_KEEP                                                         \
    "kadmin.local -q \"ktadd -norandkey -k <keytab> <host>\" on the KDC, "     \
    "then copy the keytab here (or kadmin ktadd from here, which sets a new "  \
    "key)"
#define IPA_GETKEYTAB "ipa-getkeytab -p <host> -k <keytab>"
#define AD_KEYTAB                                                              \
    "adcli update --computer-password-lifetime=0 --host-keytab=<keytab> "      \
    "(realmd/sssd), or net ads keytab create -P (winbind)"
#define SAMBA_EXPORT                                                           \
    "samba-tool domain exportkeytab <keytab> --principal=<host> on a DC, "     \
    "then copy the keytab here"
#define MIT_PROTOCOL_TRANSITION                                                \
    "kadmin.local -q \"modprinc +ok_to_auth_as_delegate <host>\""
#define IPA_PROTOCOL_TRANSITION                                                \
    "ipa host-mod <fqdn> --ok-to-auth-as-delegate=true"
#define AD_PROTOCOL_TRANSITION                                                 \
    "Set-ADAccountControl -Identity '<computer>' "                             \
    "-TrustedToAuthForDelegation $true"
#define SAMBA_PROTOCOL_TRANSITION                                              \
    "samba-tool delegation for-any-protocol '<computer>' on"
#define MIT_USER_FORWARDABLE                                                   \
    "kadmin.local -q \"modprinc +allow_forwardable <user>\""
#define AD_USER_DELEGABLE                                                      \
    "Set-ADAccountControl -Identity <login> -AccountNotDelegated $false; "     \
    "Remove-ADGroupMember 'Protected Users' -Members <login>"
#define SAMBA_USER_DELEGABLE "samba-tool user sensitive <login> off"

static const struct s4u_explanation catalog[S4U_CODE_COUNT] = {
    [S4U_OK] = {"OK", "success", "", "", "", "", ""},
    [S4U_ERR_NOMEM] = {"NOMEM", "out of memory", "free memory on the jump host",
                       "", "", "", ""},
    [S4U_ERR_CONFIG] =
        {"CONFIG", "a pam_s4u option has an unusable value",
         "correct the option in the PAM service file or in krb5.conf "
         "[appdefaults] pam_s4u (s4uctl status shows each value and where it "
         "came from); see pam_s4u(8)",
         "", "", "", ""},
    [S4U_ERR_BAD_USER] =
        {"BAD_USER",
         "the login is not one pam_s4u delegates for (not a plain local user "
         "name, root, or below minimum_uid=)",
         "nothing is delegated for such logins; this is not a fault", "", "",
         "", ""},
    [S4U_ERR_KEYTAB_MISSING] =
        {"KEYTAB_MISSING", "the jump host's keytab is missing or unreadable",
         "create it, or point keytab= at the right file (readable by root)",
         MIT_KTADD, IPA_GETKEYTAB, AD_KEYTAB, SAMBA_EXPORT},
    [S4U_ERR_KEYTAB_NO_PRINCIPAL] =
        {"KEYTAB_NO_PRINCIPAL",
         "the keytab holds no key for the jump host's principal",
         "add that principal's key to the keytab, or set principal= to one "
         "the keytab holds (klist -k lists them)",
         MIT_KTADD, IPA_GETKEYTAB, AD_KEYTAB, SAMBA_EXPORT},
    [S4U_ERR_KEYTAB_STALE] =
        {"KEYTAB_STALE",
         "the KDC rejected the keytab's key (stale kvno or wrong key)",
         "refresh the keytab with the key the KDC has now", MIT_KTADD_KEEP,
         "ipa-getkeytab -r -p <host> -k <keytab>", AD_KEYTAB, SAMBA_EXPORT},
    [S4U_ERR_KDC_UNREACHABLE] =
        {"KDC_UNREACHABLE", "no KDC of the realm answered",
         "start the KDC, or correct kdc = in krb5.conf [realms] (or the "
         "_kerberos SRV records), and let port 88 (UDP and TCP) through; the "
         "login continues without delegated tickets",
         "systemctl status krb5-kdc (on the KDC)", "ipactl status",
         "adcli info <domain>", "systemctl status samba-ad-dc (on the DC)"},
    [S4U_ERR_REALM_UNKNOWN] =
        {"REALM_UNKNOWN", "krb5.conf does not say where the realm's KDCs are",
         "add the realm to krb5.conf [realms] with its kdc = lines, or set "
         "dns_lookup_kdc = true",
         "", "", "", ""},
    [S4U_ERR_HOST_UNKNOWN] =
        {"HOST_UNKNOWN", "the KDC does not know the jump host's principal",
         "create the principal or join the host, or set principal= to the "
         "name the KDC knows",
         "kadmin.local -q \"addprinc -randkey <host>\"", "ipa host-add <fqdn>",
         "adcli join <domain>", "net ads join -U Administrator"},
    [S4U_ERR_HOST_TGT] =
        {"HOST_TGT", "the jump host could not get its own ticket",
         "run kinit -k -t <keytab> <host> as root to see the KDC's answer", "",
         "", "", ""},
    [S4U_ERR_USER_UNKNOWN] =
        {"USER_UNKNOWN", "the KDC has no principal for this user",
         "only users with a Kerberos principal get tickets: create it, or set "
         "realm= if the users live in another realm",
         "kadmin.local -q \"addprinc <user>\"",
         "ipa user-add <login> --first=FIRST --last=LAST", "", ""},
    [S4U_ERR_S4U2SELF] =
        {"S4U2SELF_REFUSED",
         "the KDC refused protocol transition (S4U2self) for the jump host",
         "allow the jump host protocol transition, and check that the user's "
         "principal is neither disabled nor locked",
         MIT_PROTOCOL_TRANSITION, IPA_PROTOCOL_TRANSITION,
         AD_PROTOCOL_TRANSITION, SAMBA_PROTOCOL_TRANSITION},
    [S4U_ERR_EVIDENCE_NOT_FORWARDABLE] =
        {"EVIDENCE_NOT_FORWARDABLE",
         "the KDC issued a non-forwardable evidence ticket, so classic "
         "constrained delegation is refused",
         "either the user may not be delegated, or the jump host lacks "
         "protocol transition, or its own TGT is not forwardable; s4uctl "
         "check tells which",
         MIT_USER_FORWARDABLE " (the user), " MIT_PROTOCOL_TRANSITION
                              " (protocol transition), kadmin.local -q "
                              "\"modprinc +allow_forwardable <host>\" (the "
                              "host)",
         IPA_PROTOCOL_TRANSITION " (protocol transition), " MIT_USER_FORWARDABLE
                                 " on an IPA server (the user)",
         AD_PROTOCOL_TRANSITION " (protocol transition), " AD_USER_DELEGABLE
                                " (the user)",
         SAMBA_PROTOCOL_TRANSITION
         " (protocol transition), " SAMBA_USER_DELEGABLE " (the user)"},
    [S4U_ERR_TARGET_UNKNOWN] =
        {"TARGET_UNKNOWN", "the target service does not exist in the KDC",
         "check the spelling in targets= (realm included), or create the "
         "service principal",
         "kadmin.local -q \"addprinc -randkey <target>\"",
         "ipa service-add <target>",
         "setspn -S <target-spn> <target-computer-name>",
         "samba-tool spn add <target-spn> '<target-computer>'"},
    [S4U_ERR_TARGET_NOT_ALLOWED] =
        {"TARGET_NOT_ALLOWED",
         "the KDC does not allow the jump host to delegate to this target",
         "allow the jump host to delegate to the target, spelled exactly as in "
         "targets=",
         "add krbAllowedToDelegateTo: <target> to the jump host's LDAP entry "
         "(find its DN with ldapsearch -LLL '(krbPrincipalName=<host>)' dn): "
         "printf 'dn: <host-dn>\\nchangetype: modify\\nadd: "
         "krbAllowedToDelegateTo\\nkrbAllowedToDelegateTo: <target>\\n' | "
         "ldapmodify -Y EXTERNAL -H ldapi:///",
         "ipa servicedelegationrule-add pam-s4u; ipa "
         "servicedelegationrule-add-member pam-s4u --principals=<host>; ipa "
         "servicedelegationtarget-add pam-s4u-targets; ipa "
         "servicedelegationtarget-add-member pam-s4u-targets "
         "--principals=<target>; ipa servicedelegationrule-add-target pam-s4u "
         "--servicedelegationtargets=pam-s4u-targets",
         "Set-ADComputer <computer-name> -Add "
         "@{'msDS-AllowedToDelegateTo'='<target-spn>'} (classic), or "
         "resource-based: Set-ADComputer <target-computer-name> "
         "-PrincipalsAllowedToDelegateToAccount (Get-ADComputer "
         "<computer-name>)",
         "samba-tool delegation add-service '<computer>' <target-spn>"},
    [S4U_ERR_TARGET_REFUSED] =
        {"TARGET_REFUSED", "the KDC refused the delegated ticket",
         "read the KDC's log for this request, and run s4uctl check", "", "",
         "", ""},
    [S4U_ERR_WRONG_TICKET] =
        {"WRONG_TICKET",
         "the KDC returned a ticket that is not for the user and the target; "
         "it was discarded",
         "report this; the KDC's reply does not match the request", "", "", "",
         ""},
    [S4U_ERR_TIMEOUT] = {"TIMEOUT", "the KDC did not answer within timeout=",
                         "check the KDC's health and the network, or raise "
                         "timeout=",
                         "", "", "", ""},
    [S4U_ERR_QUOTA] =
        {"QUOTA", "the user's kernel keyring quota has no room for all tickets",
         "raise sysctl kernel.keys.maxbytes (and maxkeys); s4uctl status shows "
         "each user's headroom; or delegate to fewer targets",
         "", "", "", ""},
    [S4U_ERR_CACHE] =
        {"CACHE", "the user's credential cache could not be written",
         "check ccache= and that the kernel keyring works (keyctl show)", "",
         "", "", ""},
    [S4U_ERR_HELPER] =
        {"HELPER", "the pam_s4u helper could not run or answered badly",
         "check that helper= names the installed pam_s4u_helper, owned by "
         "root and not writable by others, in directories only root may "
         "change",
         "", "", "", ""},
    [S4U_ERR_INTERNAL] = {"INTERNAL", "an unexpected library error",
                          "report this, with the detail", "", "", "", ""},
    [S4U_ERR_HOST_NOT_FORWARDABLE] =
        {"HOST_NOT_FORWARDABLE",
         "the KDC issued the jump host a non-forwardable TGT, so its evidence "
         "tickets are not forwardable and classic constrained delegation is "
         "refused",
         "allow forwardable tickets for the jump host's principal (and for "
         "krbtgt), and keep forwardable = true in krb5.conf",
         "kadmin.local -q \"modprinc +allow_forwardable <host>\"",
         "kadmin.local -q \"modprinc +allow_forwardable <host>\" on an IPA "
         "server",
         "Set-ADAccountControl -Identity '<computer>' -AccountNotDelegated "
         "$false",
         "samba-tool user sensitive '<computer>' off"},
    [S4U_ERR_USER_NOT_DELEGABLE] =
        {"USER_NOT_DELEGABLE",
         "the user is marked as not delegable, so her evidence ticket is not "
         "forwardable",
         "nothing, if that is policy (administrators are often marked so on "
         "purpose); otherwise lift the mark",
         MIT_USER_FORWARDABLE, MIT_USER_FORWARDABLE " on an IPA server",
         AD_USER_DELEGABLE, SAMBA_USER_DELEGABLE},
    [S4U_ERR_NO_PROTOCOL_TRANSITION] =
        {"NO_PROTOCOL_TRANSITION",
         "the jump host lacks protocol transition, so its evidence tickets "
         "are not forwardable",
         "allow the jump host protocol transition (\"use any authentication "
         "protocol\"), or use resource-based delegation",
         MIT_PROTOCOL_TRANSITION, IPA_PROTOCOL_TRANSITION,
         AD_PROTOCOL_TRANSITION, SAMBA_PROTOCOL_TRANSITION},
    [S4U_ERR_TARGET_IS_JUMP_HOST] =
        {"TARGET_IS_JUMP_HOST",
         "a key in the jump host's own keytab decrypts this ticket (the "
         "target is the jump host under another name, or a service whose key "
         "the jump host holds); it was discarded",
         "a user never gets a ticket the jump host itself can read: take the "
         "target out of targets= and out of the jump host's delegation "
         "targets (or its key out of the jump host's keytab)",
         "delete krbAllowedToDelegateTo: <target> from the jump host's LDAP "
         "entry (find its DN with ldapsearch -LLL '(krbPrincipalName=<host>)' "
         "dn): printf 'dn: <host-dn>\\nchangetype: modify\\ndelete: "
         "krbAllowedToDelegateTo\\nkrbAllowedToDelegateTo: <target>\\n' | "
         "ldapmodify -Y EXTERNAL -H ldapi:///",
         "ipa servicedelegationtarget-remove-member pam-s4u-targets "
         "--principals=<target>",
         "Set-ADComputer <computer-name> -Remove "
         "@{'msDS-AllowedToDelegateTo'='<target-spn>'}",
         "samba-tool delegation del-service '<computer>' <target-spn>"},
    [S4U_ERR_KDC_ERROR] =
        {"KDC_ERROR",
         "the KDC answered but could not process the request (an error on "
         "the KDC itself, most often its database: the LDAP directory behind "
         "it is down or unreachable)",
         "read the KDC's log for this request and repair its database "
         "backend (for an LDAP backend: the directory server must run and be "
         "reachable from the KDC); the login continues without delegated "
         "tickets",
         "systemctl status slapd on the KDC (the server in kdc.conf "
         "ldap_servers); the KDC's log says \"LDAP handle unavailable\" while "
         "it cannot reach it",
         "ipactl status (dirsrv and krb5kdc) on the IPA server",
         "dcdiag /test:services on the DC",
         "systemctl status samba-ad-dc and its log on the DC"},
    [S4U_ERR_CLOCK_SKEW] =
        {"CLOCK_SKEW",
         "the jump host's clock and the KDC's differ by more than the allowed "
         "clock skew (5 minutes by default)",
         "synchronise the jump host's clock with the KDC's by NTP (chrony or "
         "systemd-timesyncd; chronyc tracking or timedatectl "
         "timesync-status shows the offset), and keep kdc_timesync = 1 (the "
         "default) in krb5.conf [libdefaults], which lets the Kerberos "
         "library allow for the difference",
         "", "", "", ""},
    [S4U_ERR_USER_MAPPING] =
        {"USER_MAPPING",
         "the login name does not map to a principal of the realm: its domain "
         "is not the realm's, or the realm's auth_to_local maps the principal "
         "back to another local name",
         "for a UPN suffix of the realm, map its domain to the realm in "
         "krb5.conf [domain_realm]; for qualified names (alice@domain, "
         "DOMAIN\\alice) let auth_to_local map the principal to that name "
         "(SSSD's and winbind's localauth plugins do); see pam_s4u(8)",
         "", "", "", ""},
    [S4U_ERR_LOCAL_ACCOUNT] =
        {"LOCAL_ACCOUNT",
         "the login is a local account (/etc/passwd), not the domain account "
         "of the same name",
         "nothing is delegated for local accounts; if this realm's principals "
         "do belong to local accounts (an MIT realm whose users are in "
         "/etc/passwd), set local_accounts in krb5.conf [appdefaults] "
         "pam_s4u or on the PAM line",
         "", "", "", ""},
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

/* The exact fix for one KDC kind; "" when the general fix says it all. */
const char *
s4u_explain_fix(const struct s4u_explanation *ex, enum s4u_kdc_kind kind)
{
    const char *fix;

    switch (kind) {
    case S4U_KDC_MIT:
        fix = ex->fix_mit;
        break;
    case S4U_KDC_IPA:
        fix = ex->fix_ipa;
        break;
    case S4U_KDC_AD:
        fix = ex->fix_ad;
        break;
    case S4U_KDC_SAMBA:
        fix = ex->fix_samba;
        break;
    default:
        fix = NULL;
        break;
    }
    return fix != NULL ? fix : "";
}

/* Names of the KDC kinds, for s4uctl --kdc and its output. */
static const char *const kind_names[S4U_KDC_KINDS] = {
    [S4U_KDC_MIT] = "mit",
    [S4U_KDC_IPA] = "ipa",
    [S4U_KDC_AD] = "ad",
    [S4U_KDC_SAMBA] = "samba",
};

/* A KDC kind's short name ("mit", "ipa", "ad", "samba"). */
const char *
s4u_kdc_kind_name(enum s4u_kdc_kind kind)
{
    return (unsigned int)kind < S4U_KDC_KINDS ? kind_names[kind] : "?";
}

/* Map a short name back to its KDC kind. */
bool
s4u_kdc_kind_from_name(const char *name, enum s4u_kdc_kind *kind_out)
{
    unsigned int i;

    for (i = 0; i < S4U_KDC_KINDS; i++) {
        if (strcmp(kind_names[i], name) == 0) {
            *kind_out = (enum s4u_kdc_kind)i;
            return true;
        }
    }
    return false;
}

/* The value for the placeholder text[0..len), or NULL if none is known. */
static const char *
lookup_var(const char *name, size_t len, const struct s4u_fix_var *vars,
           size_t nvars)
{
    size_t i;

    for (i = 0; i < nvars; i++) {
        if (vars[i].value != NULL && strlen(vars[i].name) == len &&
            strncmp(vars[i].name, name, len) == 0)
            return vars[i].value;
    }
    return NULL;
}

/* Length of a placeholder name at p ([a-z-]+ then '>'), or 0. */
static size_t
placeholder_len(const char *p)
{
    size_t n = 0;

    while ((p[n] >= 'a' && p[n] <= 'z') || p[n] == '-')
        n++;
    return n > 0 && p[n] == '>' ? n : 0;
}

/*
 * Fill the placeholders of a fix text with the values known; unknown ones
 * stay as they are, so the admin sees what to put there.  0 or ENOMEM.
 */
int
s4u_fix_expand(const char *text, const struct s4u_fix_var *vars, size_t nvars,
               char **text_out)
{
    char *buf = NULL;
    size_t size = 0, n;
    const char *p, *value;
    FILE *f;

    *text_out = NULL;
    f = open_memstream(&buf, &size);
    if (f == NULL)
        return ENOMEM;
    for (p = text; *p != '\0'; p++) {
        n = *p == '<' ? placeholder_len(p + 1) : 0;
        value = n > 0 ? lookup_var(p + 1, n, vars, nvars) : NULL;
        if (value == NULL) {
            fputc(*p, f);
            continue;
        }
        fputs(value, f);
        p += n + 1;
    }
    if (fclose(f) != 0) {
        free(buf);
        return ENOMEM;
    }
    *text_out = buf;
    return 0;
}
