/*
 * s4u_file.c: reading a small text file whole (PAM service files,
 * /proc/key-users).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/s4u.h"

/* Read a whole file of at most S4U_TEXT_MAX bytes into a string. */
int
s4u_read_text(const char *path, char **text_out)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t len;
    int ret = 0;

    *text_out = NULL;
    if (f == NULL)
        return errno;
    buf = malloc(S4U_TEXT_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        return ENOMEM;
    }
    len = fread(buf, 1, S4U_TEXT_MAX, f);
    if (ferror(f))
        ret = EIO;
    else if (len == S4U_TEXT_MAX)
        ret = EFBIG;
    fclose(f);
    if (ret != 0) {
        free(buf);
        return ret;
    }
    buf[len] = '\0';
    *text_out = buf;
    return 0;
}
