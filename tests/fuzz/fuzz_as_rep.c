/*
 * fuzz_as_rep.c: s4u_diag_as_rep_parse, s4uctl's DER reading of the KDC's
 * AS reply (bytes off the network).  Whatever it accepts, the ticket it
 * returns must lie inside the reply, and the kvno must be -1 (absent) or
 * a 32-bit unsigned value.
 */
#include <errno.h>

#include "s4uctl/s4u_diag.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *der;
    const unsigned char *tp;
    krb5_data ticket;
    long kvno = -2;
    int ret;

    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    der = fuzz_must(malloc(size > 0 ? size : 1));
    if (size > 0)
        memcpy(der, data, size);
    ret = s4u_diag_as_rep_parse(der, size, &kvno, &ticket);
    FUZZ_ASSERT(ret == 0 || ret == EINVAL);
    if (ret == 0) {
        tp = (const unsigned char *)ticket.data;
        FUZZ_ASSERT(tp != NULL && tp >= der && tp <= der + size);
        FUZZ_ASSERT(ticket.length <= (size_t)(der + size - tp));
        FUZZ_ASSERT(kvno >= -1 && kvno <= 0xFFFFFFFFL);
    } else {
        FUZZ_ASSERT(kvno == -1);
    }
    free(der);
    return 0;
}
