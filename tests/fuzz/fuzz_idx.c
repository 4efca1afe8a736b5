/* fuzz_idx.c — libFuzzer target: the IDX importer (data/idx.h), as `nash data idx` and
 * `nash data fashion-mnist` use it.
 *
 * Input: the bytes of an IDX file, plain or gzip-compressed (zlib tells them apart, as for a real
 * file). Each run writes them to a file in a private temporary directory and calls idx_read.
 * Checked: a refusal has a status, a message naming the file and an empty array; an accepted file
 * has 1..IDX_MAX_DIMS non-zero sizes whose product is the data size, and that many bytes were
 * read (all are touched, so ASan sees a short buffer). Header sizes that lie are read as growing
 * buffers, so a small input never makes a large allocation.
 */
#include <string.h>

#include "data/idx.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write_file("input.idx", data, size);
    IdxArray a;
    NashError err = {0};
    NashStatus st = idx_read(path, &a, &err);
    if (st != NASH_OK) {
        fuzz_require(err.code == st && strstr(err.msg, path) != NULL, "a refusal names the file");
        fuzz_require(a.data == NULL && a.size == 0 && a.ndim == 0, "a refusal leaves the array empty");
        return 0;
    }
    fuzz_require(a.ndim >= 1 && a.ndim <= IDX_MAX_DIMS, "1 to IDX_MAX_DIMS dimensions");
    size_t total = 1;
    for (int i = 0; i < a.ndim; i++) {
        fuzz_require(a.dims[i] > 0, "non-zero sizes");
        total *= a.dims[i];
    }
    fuzz_require(total == a.size && a.data != NULL, "the data size is the product of the sizes");
    unsigned sum = 0;
    for (size_t i = 0; i < a.size; i++) sum += a.data[i];
    fuzz_require(sum <= 255u * a.size, "bytes read");
    idx_free(&a);
    return 0;
}
