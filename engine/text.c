/*
 * text.c -- which characters an operator's text may hold (text.h).
 */
#include "text.h"

/* Exported, documented in text.h */
unsigned cf_text_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && (c < '\t' || c > '\r')) || c == 0x7f)
            return c;
        if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0)
            return (unsigned char)s[i + 1]; /* U+0080..U+009F: C2 80..C2 9F */
    }
    return 0;
}
