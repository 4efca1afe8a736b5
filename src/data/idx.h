/* idx.h — read IDX files (LeCun's MNIST format; Fashion-MNIST, EMNIST), gzip-compressed or plain.
 *
 * Format: big-endian magic 0x0000TTDD (TT = 0x08 for unsigned byte, the only type nash reads;
 * DD = number of dimensions), then DD big-endian uint32 sizes, then the data row-major.
 * Every error names the file and says what was wrong (missing, not IDX, wrong type, truncated,
 * trailing bytes) — a truncated gzip stream is an error, never a short array.
 */
#ifndef NASH_DATA_IDX_H
#define NASH_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define IDX_MAX_DIMS 4

typedef struct {
    int ndim;
    uint32_t dims[IDX_MAX_DIMS];
    uint8_t *data; /* dims[0] * ... * dims[ndim-1] bytes, malloc'd */
    size_t size;   /* number of bytes in data */
} IdxArray;

/* Read a whole ubyte IDX file (gzip or plain, detected by zlib). */
NashStatus idx_read(const char *path, IdxArray *out, NashError *err);
void idx_free(IdxArray *a);

#endif
