/* test_idx.c — the IDX reader (src/data/idx.h) on files written here, gzip and plain.
 *
 * Round trips of 1-D to 4-D ubyte arrays in both encodings, then every refusal: a missing file, a
 * directory, an empty file, a bad magic, a non-ubyte type, 0 or 5 dimensions, a zero size, sizes
 * that overflow, short data, trailing data (plain and gzip), a gzip stream cut in half, one cut
 * just before its trailer, one with a damaged CRC, and a header that claims far more data than
 * the file holds (refused as truncated, without a huge allocation). Every refusal must name the
 * file and leave the output array empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "data/idx.h"

static char dir[64];

static const char *path_in_dir(char *buf, const char *name) {
    snprintf(buf, 256, "%s/%s", dir, name);
    return buf;
}

/* An IDX image of bytes: header (magic type/ndim, sizes) then data. Returns its size. */
static size_t make_idx(uint8_t *buf, int type, int ndim, const uint32_t *dims, const uint8_t *data, size_t n) {
    size_t at = 0;
    buf[at++] = 0;
    buf[at++] = 0;
    buf[at++] = (uint8_t)type;
    buf[at++] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++) {
        buf[at++] = (uint8_t)(dims[i] >> 24);
        buf[at++] = (uint8_t)(dims[i] >> 16);
        buf[at++] = (uint8_t)(dims[i] >> 8);
        buf[at++] = (uint8_t)dims[i];
    }
    if (n) memcpy(buf + at, data, n);
    return at + n;
}

static void write_plain(const char *path, const uint8_t *bytes, size_t n) {
    FILE *f = fopen(path, "wb");
    check_true(f && fwrite(bytes, 1, n, f) == n && fclose(f) == 0, "write %s", path);
}

static void write_gzip(const char *path, const uint8_t *bytes, size_t n) {
    gzFile gz = gzopen(path, "wb");
    check_true(gz && gzwrite(gz, bytes, (unsigned)n) == (int)n && gzclose(gz) == Z_OK, "gzip %s", path);
}

static uint8_t *read_plain(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(1 << 22);
    *n = f ? fread(buf, 1, 1 << 22, f) : 0;
    if (f) fclose(f);
    return buf;
}

static void pattern(uint8_t *data, size_t n, unsigned seed) {
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (uint8_t)x;
    }
}

static void expect_roundtrip(const char *name, int ndim, const uint32_t *dims, int gzip) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= dims[i];
    uint8_t *data = malloc(n), *file = malloc(n + 64);
    pattern(data, n, (unsigned)n);
    size_t len = make_idx(file, 0x08, ndim, dims, data, n);
    char path[256];
    path_in_dir(path, name);
    if (gzip)
        write_gzip(path, file, len);
    else
        write_plain(path, file, len);
    IdxArray a;
    NashError err = {0};
    if (check_true(idx_read(path, &a, &err) == NASH_OK, "idx_read %s: %s", name, err.msg)) {
        bool dims_ok = a.ndim == ndim && a.size == n;
        for (int i = 0; dims_ok && i < ndim; i++) dims_ok = a.dims[i] == dims[i];
        check_true(dims_ok, "%s: ndim %d size %zu as written (%d, %zu)", name, a.ndim, a.size, ndim, n);
        check_true(a.data && memcmp(a.data, data, n) == 0, "%s: bytes read equal bytes written", name);
        idx_free(&a);
    }
    free(data);
    free(file);
}

/* idx_read must fail with `code`, name the file, mention `needle`, and leave *out empty. */
static void expect_refused(const char *path, NashStatus code, const char *needle, const char *what) {
    IdxArray a;
    memset(&a, 0xab, sizeof a);
    NashError err = {0};
    NashStatus st = idx_read(path, &a, &err);
    check_true(st == code, "%s: status %s, expected %s (%s)", what, nash_status_name(st), nash_status_name(code),
               err.msg);
    check_true(strstr(err.msg, path) != NULL, "%s: message names the file: %s", what, err.msg);
    check_true(!needle || strstr(err.msg, needle) != NULL, "%s: message mentions '%s': %s", what, needle, err.msg);
    check_true(a.data == NULL && a.size == 0 && a.ndim == 0, "%s: output left empty", what);
}

static void test_roundtrips(void) {
    const uint32_t d1[1] = {7}, d3[3] = {3, 4, 5}, d4[4] = {2, 3, 4, 5}, big[3] = {50, 28, 28};
    expect_roundtrip("a1.idx", 1, d1, 0);
    expect_roundtrip("a1.idx.gz", 1, d1, 1);
    expect_roundtrip("a3.idx", 3, d3, 0);
    expect_roundtrip("a3.idx.gz", 3, d3, 1);
    expect_roundtrip("a4.idx.gz", 4, d4, 1);
    expect_roundtrip("big.idx.gz", 3, big, 1);
    /* Larger than the reader's first 1 MiB buffer: exercises the growing buffer. */
    const uint32_t huge[2] = {3000, 1000};
    expect_roundtrip("huge.idx", 2, huge, 0);
    idx_free(NULL);
}

static void test_header_refusals(void) {
    char path[256];
    uint8_t buf[256];
    const uint32_t d3[3] = {3, 4, 5};
    uint8_t data[60];
    pattern(data, sizeof data, 1);

    expect_refused(path_in_dir(path, "missing.idx"), NASH_ERR_IO, "No such file", "missing file");
    expect_refused(dir, NASH_ERR_IO, "directory", "a directory");

    write_plain(path_in_dir(path, "empty.idx"), buf, 0);
    expect_refused(path, NASH_ERR_DATA, "not an IDX", "empty file");

    size_t len = make_idx(buf, 0x08, 3, d3, data, 60);
    buf[0] = 0x1f;
    write_plain(path_in_dir(path, "magic.idx"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "magic", "bad magic");

    len = make_idx(buf, 0x0D, 3, d3, data, 60);
    write_gzip(path_in_dir(path, "float.idx.gz"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "float32", "float32 element type");
    len = make_idx(buf, 0x09, 3, d3, data, 60);
    write_plain(path_in_dir(path, "sbyte.idx"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "0x09", "signed byte element type");

    len = make_idx(buf, 0x08, 0, d3, data, 0);
    write_plain(path_in_dir(path, "ndim0.idx"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "0 dimensions", "0 dimensions");
    const uint32_t d5[5] = {1, 1, 1, 1, 1};
    len = make_idx(buf, 0x08, 5, d5, data, 1);
    write_plain(path_in_dir(path, "ndim5.idx"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "5 dimensions", "5 dimensions");

    const uint32_t zero[3] = {3, 0, 5};
    len = make_idx(buf, 0x08, 3, zero, data, 0);
    write_gzip(path_in_dir(path, "zero.idx.gz"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "size 0", "a zero size");

    const uint32_t over[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
    len = make_idx(buf, 0x08, 4, over, data, 8);
    write_plain(path_in_dir(path, "overflow.idx"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "overflow", "sizes that overflow");

    len = make_idx(buf, 0x08, 3, d3, data, 0);
    write_plain(path_in_dir(path, "cuthead.idx"), buf, 10); /* magic and half the sizes */
    expect_refused(path, NASH_ERR_DATA, "header", "header cut short");
}

static void test_data_refusals(void) {
    char path[256];
    uint8_t buf[256];
    const uint32_t d3[3] = {3, 4, 5};
    uint8_t data[61];
    pattern(data, sizeof data, 2);

    size_t len = make_idx(buf, 0x08, 3, d3, data, 50);
    write_plain(path_in_dir(path, "short.idx"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "50 of 60 bytes", "short data (plain)");
    write_gzip(path_in_dir(path, "short.idx.gz"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "50 of 60 bytes", "short data (gzip)");

    len = make_idx(buf, 0x08, 3, d3, data, 61);
    write_plain(path_in_dir(path, "trailing.idx"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "1 trailing", "trailing data (plain)");
    write_gzip(path_in_dir(path, "trailing.idx.gz"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "trailing", "trailing data (gzip)");

    /* A header that claims 65535^3 bytes over a 60-byte body: truncated, no huge allocation. */
    const uint32_t liar[3] = {65535, 65535, 65535};
    len = make_idx(buf, 0x08, 3, liar, data, 60);
    write_gzip(path_in_dir(path, "liar.idx.gz"), buf, len);
    expect_refused(path, NASH_ERR_DATA, "truncated", "header claiming 2.8e14 bytes");
}

/* gzip streams damaged three ways: cut in half, cut before the 8-byte trailer, bad CRC. */
static void test_damaged_gzip(void) {
    const uint32_t dims[3] = {20, 28, 28};
    size_t n = 20 * 28 * 28;
    uint8_t *data = malloc(n), *file = malloc(n + 64);
    pattern(data, n, 3); /* incompressible: the .gz is about as large as the data */
    size_t len = make_idx(file, 0x08, 3, dims, data, n);
    char good[256], path[256];
    write_gzip(path_in_dir(good, "good.idx.gz"), file, len);
    size_t gz_len = 0;
    uint8_t *gz = read_plain(good, &gz_len);
    check_true(gz_len > 1000, "gzip file written (%zu bytes)", gz_len);

    write_plain(path_in_dir(path, "half.idx.gz"), gz, gz_len / 2);
    expect_refused(path, NASH_ERR_DATA, "truncated", "gzip cut in half");

    write_plain(path_in_dir(path, "notrailer.idx.gz"), gz, gz_len - 8);
    expect_refused(path, NASH_ERR_DATA, "truncated or damaged", "gzip without its trailer");

    gz[gz_len - 8] ^= 0xff; /* first byte of the CRC-32 */
    write_plain(path_in_dir(path, "badcrc.idx.gz"), gz, gz_len);
    expect_refused(path, NASH_ERR_DATA, "truncated or damaged", "gzip with a bad CRC");

    free(gz);
    free(data);
    free(file);
}

/* Remove everything written under dir. */
static void cleanup(void) {
    static const char *const names[] = {
        "a1.idx",      "a1.idx.gz",   "a3.idx",       "a3.idx.gz",        "a4.idx.gz",
        "big.idx.gz",  "huge.idx",    "empty.idx",    "magic.idx",        "float.idx.gz",
        "sbyte.idx",   "ndim0.idx",   "ndim5.idx",    "zero.idx.gz",      "overflow.idx",
        "cuthead.idx", "short.idx",   "short.idx.gz", "trailing.idx",     "trailing.idx.gz",
        "liar.idx.gz", "good.idx.gz", "half.idx.gz",  "notrailer.idx.gz", "badcrc.idx.gz",
    };
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlink(path_in_dir(path, names[i]));
    check_true(rmdir(dir) == 0, "temporary directory %s is empty at the end", dir);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/nash_test_idx.XXXXXX");
    if (!check_true(mkdtemp(dir) != NULL, "mkdtemp")) return check_finish("idx");
    test_roundtrips();
    test_header_refusals();
    test_data_refusals();
    test_damaged_gzip();
    cleanup();
    return check_finish("idx");
}
