/* utf8.c — UTF-8 validation (utf8.h), the byte ranges of RFC 3629, section 4. */
#include "core/utf8.h"

#include <stdint.h>

size_t utf8_invalid_at(const void *bytes, size_t n) {
    const uint8_t *s = bytes;
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint8_t lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0; /* overlong below U+0800 */
            if (c == 0xED) hi = 0x9F; /* surrogates U+D800..U+DFFF */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90; /* overlong below U+10000 */
            if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
        } else {
            return i; /* a continuation byte, C0/C1 (overlong) or F5..FF */
        }
        if (n - i < len) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += len;
    }
    return n;
}
