/* utf8.h — is a byte string valid UTF-8 (RFC 3629)?
 *
 * Valid means well-formed as RFC 3629 section 4 defines it: no overlong forms (C0 AF for '/'), no
 * UTF-16 surrogates (ED A0 80), nothing above U+10FFFF, no sequence cut short and no stray
 * continuation byte. The monitor refuses frames that are not (a JSON text is UTF-8, RFC 8259), so
 * what it writes to --jsonl and serves from /api/state is valid UTF-8 too.
 */
#ifndef NASH_CORE_UTF8_H
#define NASH_CORE_UTF8_H

#include <stddef.h>

/* The offset of the first byte that is not part of a valid UTF-8 sequence, or n when all n
 * bytes are valid. */
size_t utf8_invalid_at(const void *bytes, size_t n);

#endif
