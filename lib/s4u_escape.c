/*
 * s4u_escape.c: untrusted text made safe for one line of a log or a
 * terminal.
 *
 * Login names, cache names, principals and the KDC's error text reach our
 * log lines and s4uctl's output.  A KRB-ERROR is unauthenticated, so anyone
 * on the path to the KDC can choose its text.  What could move the cursor,
 * recolour the screen, end the line or reorder what an admin reads is
 * shown as visible escapes instead:
 *   - C0 controls and DEL, and bytes that are not valid UTF-8: \xNN;
 *   - C1 controls (U+0080 to U+009F, which include CSI and NEL), the bidi
 *     embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
 *     U+2069), the invisible marks that steer them (U+061C, U+200E, U+200F),
 *     the line and paragraph separators (U+2028, U+2029) and the byte order
 *     mark (U+FEFF): \u{XXXX}.
 * Everything else, printable ASCII and other valid UTF-8, is kept as is,
 * so a name in any script still reads naturally.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s4u.h"

/* Room for the longest escape we write, "\u{FEFF}", with margin for the
 * compiler. */
#define ESCAPE_MAX 12

/* Would this code point change how a terminal shows the line? */
static bool
code_point_unsafe(unsigned int cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

/*
 * The visible form of the character at s: its escape in esc (and the
 * return value says how many input bytes it covers), or esc empty when
 * those bytes may be copied as they are.
 */
static size_t
escape_one(const unsigned char *s, char esc[ESCAPE_MAX + 1])
{
    unsigned int cp;
    size_t len;

    esc[0] = '\0';
    if (s[0] >= 0x20 && s[0] < 0x7F)
        return 1;
    len = s4u_utf8_decode(s, &cp);
    if (len == 0 || cp < 0x20 || cp == 0x7F) {
        snprintf(esc, ESCAPE_MAX + 1, "\\x%02X", s[0]);
        return 1;
    }
    if (code_point_unsafe(cp))
        snprintf(esc, ESCAPE_MAX + 1, "\\u{%04X}", cp);
    return len;
}

/*
 * Escape src into dst (size bytes, size > 0).  The result is always
 * NUL-terminated; when it does not fit, it is cut before the character or
 * escape that would not fit, never inside one.  Returns the length written.
 */
size_t
s4u_escape(char *dst, size_t size, const char *src)
{
    const unsigned char *s = (const unsigned char *)(src != NULL ? src : "");
    char esc[ESCAPE_MAX + 1];
    size_t out = 0, in, piece;

    while (*s != '\0') {
        in = escape_one(s, esc);
        piece = esc[0] != '\0' ? strlen(esc) : in;
        if (out + piece >= size)
            break;
        memcpy(dst + out, esc[0] != '\0' ? esc : (const char *)s, piece);
        out += piece;
        s += in;
    }
    dst[out] = '\0';
    return out;
}

/* A newly allocated escaped copy of src, or NULL when out of memory. */
char *
s4u_escape_dup(const char *src)
{
    size_t size = (src != NULL ? strlen(src) : 0) * ESCAPE_MAX + 1;
    char *dst = malloc(size);

    if (dst != NULL)
        s4u_escape(dst, size, src);
    return dst;
}

/* Escape the text in buf (size bytes) in place, cutting it if need be. */
void
s4u_escape_inplace(char *buf, size_t size)
{
    char *copy = strdup(buf);

    if (copy == NULL) {
        /* No memory for a copy: keep only what needs no escape. */
        copy = buf;
        while (*copy != '\0' && (unsigned char)*copy >= 0x20 &&
               (unsigned char)*copy < 0x7F)
            copy++;
        *copy = '\0';
        return;
    }
    s4u_escape(buf, size, copy);
    free(copy);
}
