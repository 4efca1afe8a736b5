/* exchange.h — moving fakes and their gradients between the generator and discriminator groups
 * (split layout), over the intercommunicator.
 *
 * Generator rank i and discriminator rank j hold the global batch positions layout_g_slice and
 * layout_d_slice name (layout.h). Each pair exchanges the rows of the positions both hold (possibly
 * none): every row travels exactly once, whatever g and d are. Rows are `width` floats.
 */
#ifndef NASH_COMM_EXCHANGE_H
#define NASH_COMM_EXCHANGE_H

#include <stddef.h>

#include "comm/layout.h"

/* Generator side sends `rows` (g_count, width); discriminator side receives into `rows`
 * (d_count, width). Call on every rank of both groups. Returns the bytes this rank sent plus
 * received. */
size_t exchange_to_d(const Layout *lay, float *rows, size_t width, int tag);
/* The way back: discriminator side sends `rows` (d_count, width); generator side receives
 * (g_count, width). */
size_t exchange_to_g(const Layout *lay, float *rows, size_t width, int tag);

#endif
