/*
 * test_catalog.c: every code has a unique id, words and a fix.
 */
#include <string.h>

#include "s4u.h"
#include "tap.h"

int
main(void)
{
    enum s4u_code back;
    unsigned int i, j;

    for (i = 0; i < S4U_CODE_COUNT; i++) {
        const struct s4u_explanation *ex = s4u_explain((enum s4u_code)i);

        ok(ex->id != NULL && ex->what != NULL && ex->fix != NULL,
           "code %u has an entry", i);
        ok(s4u_code_from_id(ex->id, &back) && back == (enum s4u_code)i,
           "id %s maps back", ex->id);
        ok(i == S4U_OK || strlen(ex->fix) > 10, "id %s has a fix", ex->id);
        for (j = 0; j < i; j++) {
            if (strcmp(ex->id, s4u_explain((enum s4u_code)j)->id) == 0)
                break;
        }
        ok(j == i, "id %s is unique", ex->id);
    }
    ok(strcmp(s4u_explain(S4U_CODE_COUNT + 5)->id, "INTERNAL") == 0,
       "an out-of-range code explains as INTERNAL");
    ok(!s4u_code_from_id("NO_SUCH", &back), "an unknown id is refused");
    return tap_done();
}
