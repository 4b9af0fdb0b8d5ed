/*
 * ccdump.c: print every entry of a credential cache with its client, so
 * the tests can check the cache invariants that klist does not show.
 *
 *   ccdump CCNAME
 *   default PRINCIPAL
 *   cred client=C server=S forwardable=0|1 tgt=0|1 config=0|1 skey=N
 *        authtime=T starttime=T endtime=T (seconds since the epoch; a
 *        ticket without a start time starts at its authtime)
 */
#include <stdio.h>
#include <string.h>

#include <krb5/krb5.h>

/* True for krbtgt/... principals. */
static int
is_tgt(krb5_const_principal p)
{
    return p->length == 2 && p->data[0].length == 6 &&
           memcmp(p->data[0].data, "krbtgt", 6) == 0;
}

/* Print one credential. */
static void
print_cred(krb5_context ctx, const krb5_creds *c)
{
    char *client = NULL, *server = NULL;

    if (krb5_unparse_name(ctx, c->client, &client) != 0 ||
        krb5_unparse_name(ctx, c->server, &server) != 0) {
        printf("cred unprintable\n");
    } else {
        printf("cred client=%s server=%s forwardable=%d tgt=%d config=%d "
               "skey=%u authtime=%ld starttime=%ld endtime=%ld\n",
               client, server, (c->ticket_flags & TKT_FLG_FORWARDABLE) ? 1 : 0,
               is_tgt(c->server), krb5_is_config_principal(ctx, c->server),
               c->second_ticket.length, (long)c->times.authtime,
               (long)(c->times.starttime != 0 ? c->times.starttime
                                              : c->times.authtime),
               (long)c->times.endtime);
    }
    krb5_free_unparsed_name(ctx, client);
    krb5_free_unparsed_name(ctx, server);
}

int
main(int argc, char **argv)
{
    krb5_context ctx = NULL;
    krb5_ccache cc = NULL;
    krb5_principal def = NULL;
    krb5_cc_cursor cur;
    krb5_creds creds;
    char *name = NULL;
    int status = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: ccdump CCNAME\n");
        return 2;
    }
    if (krb5_init_context(&ctx) != 0 || krb5_cc_resolve(ctx, argv[1], &cc) ||
        krb5_cc_get_principal(ctx, cc, &def) != 0 ||
        krb5_unparse_name(ctx, def, &name) != 0) {
        fprintf(stderr, "ccdump: cannot read %s\n", argv[1]);
        goto cleanup;
    }
    printf("default %s\n", name);
    if (krb5_cc_start_seq_get(ctx, cc, &cur) != 0)
        goto cleanup;
    while (krb5_cc_next_cred(ctx, cc, &cur, &creds) == 0) {
        print_cred(ctx, &creds);
        krb5_free_cred_contents(ctx, &creds);
    }
    krb5_cc_end_seq_get(ctx, cc, &cur);
    status = 0;

cleanup:
    krb5_free_unparsed_name(ctx, name);
    krb5_free_principal(ctx, def);
    if (cc != NULL)
        krb5_cc_close(ctx, cc);
    if (ctx != NULL)
        krb5_free_context(ctx);
    return status;
}
