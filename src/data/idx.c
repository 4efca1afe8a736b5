/* idx.c — read ubyte IDX files (LeCun's MNIST format), gzip-compressed or plain (see idx.h).
 *
 * zlib's gzread reads both: it decompresses a gzip stream and passes any other file through.
 * The header is validated before any allocation; the data buffer grows as bytes arrive rather
 * than trusting the header's sizes, so a lying header on a small file is reported as truncated
 * instead of asking for gigabytes. After the data, one more read must find a clean end of file:
 * trailing bytes, a cut gzip stream (no trailer) and a bad CRC are all errors.
 */
#include "data/idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define IDX_TYPE_UBYTE 0x08
#define IDX_READ_BLOCK (1u << 24) /* bytes per gzread call (gzread takes an unsigned length) */
#define IDX_FIRST_ALLOC ((size_t)1 << 20)

static const char *idx_type_name(int type) {
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "unknown";
    }
}

/* zlib's message when the stream is in an error state (a cut or damaged gzip stream, an OS read
 * error), without the "path: " prefix gzerror adds; NULL after a clean end of file. */
static const char *gz_damage(gzFile gz, const char *path) {
    int errnum = Z_OK;
    const char *msg = gzerror(gz, &errnum);
    if (errnum == Z_OK) return NULL;
    if (errnum == Z_ERRNO) return strerror(errno);
    size_t len = strlen(path);
    if (strncmp(msg, path, len) == 0 && msg[len] == ':' && msg[len + 1] == ' ') msg += len + 2;
    return msg;
}

/* zlib reads ahead, so a damaged stream may be noticed before the bytes it damages are asked
 * for: the message does not say which part of the file was being read. */
static NashStatus damaged(const char *path, const char *why, NashError *err) {
    return nash_fail(err, NASH_ERR_DATA,
                     "%s: cannot read: %s; the file is truncated or damaged, download or copy it again", path, why);
}

/* Read exactly len bytes; returns the number read (less than len at end of file or on error). */
static size_t gz_read_full(gzFile gz, uint8_t *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        size_t want = len - got;
        if (want > IDX_READ_BLOCK) want = IDX_READ_BLOCK;
        int n = gzread(gz, buf + got, (unsigned)want);
        if (n <= 0) break;
        got += (size_t)n;
    }
    return got;
}

static uint32_t be32(const uint8_t *b) {
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

/* Parse and check the magic and sizes; fills ndim, dims and the expected data size. */
static NashStatus idx_read_header(gzFile gz, const char *path, IdxArray *a, NashError *err) {
    uint8_t magic[4];
    size_t got = gz_read_full(gz, magic, sizeof magic);
    const char *why = gz_damage(gz, path);
    if (why) return damaged(path, why, err);
    if (got < sizeof magic)
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: not an IDX file: %zu bytes where a 4-byte header was expected; "
                         "check that this is an MNIST-style IDX file",
                         path, got);
    if (magic[0] != 0 || magic[1] != 0)
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: not an IDX file: magic 0x%02x%02x%02x%02x does not start with 0x0000; "
                         "check that this is an MNIST-style IDX file (e.g. train-images-idx3-ubyte.gz)",
                         path, magic[0], magic[1], magic[2], magic[3]);
    if (magic[2] != IDX_TYPE_UBYTE)
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: IDX element type 0x%02x (%s) is not supported; nash reads only unsigned byte "
                         "(0x08) IDX files",
                         path, magic[2], idx_type_name(magic[2]));
    if (magic[3] < 1 || magic[3] > IDX_MAX_DIMS)
        return nash_fail(err, NASH_ERR_DATA, "%s: IDX header declares %d dimensions; nash reads 1 to %d", path,
                         magic[3], IDX_MAX_DIMS);
    a->ndim = magic[3];
    uint8_t sizes[4 * IDX_MAX_DIMS];
    size_t want = 4 * (size_t)a->ndim;
    got = gz_read_full(gz, sizes, want);
    why = gz_damage(gz, path);
    if (why) return damaged(path, why, err);
    if (got < want)
        return nash_fail(err, NASH_ERR_DATA, "%s: truncated IDX header: %zu of %zu size bytes; the file is cut short",
                         path, got, want);
    size_t total = 1;
    for (int i = 0; i < a->ndim; i++) {
        a->dims[i] = be32(sizes + 4 * i);
        if (a->dims[i] == 0)
            return nash_fail(err, NASH_ERR_DATA, "%s: IDX dimension %d has size 0; the file holds no data", path, i);
        if (total > SIZE_MAX / a->dims[i])
            return nash_fail(err, NASH_ERR_DATA, "%s: IDX sizes overflow the address space; the header is corrupt",
                             path);
        total *= a->dims[i];
    }
    a->size = total;
    return NASH_OK;
}

static void idx_describe_dims(const IdxArray *a, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < a->ndim && used < size; i++) {
        int k = snprintf(buf + used, size - used, i ? "x%u" : "%u", (unsigned)a->dims[i]);
        if (k > 0) used += (size_t)k;
    }
}

/* Read a->size data bytes, growing the buffer as they arrive. */
static NashStatus idx_read_data(gzFile gz, const char *path, IdxArray *a, NashError *err) {
    size_t cap = a->size < IDX_FIRST_ALLOC ? a->size : IDX_FIRST_ALLOC;
    size_t got = 0;
    a->data = malloc(cap);
    if (!a->data) return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory for %zu bytes of IDX data", path, cap);
    for (;;) {
        size_t n = gz_read_full(gz, a->data + got, cap - got);
        got += n;
        if (got < cap) break;
        if (got == a->size) return NASH_OK;
        size_t grow = cap > a->size - cap ? a->size : 2 * cap;
        uint8_t *bigger = realloc(a->data, grow);
        if (!bigger) return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory for %zu bytes of IDX data", path, grow);
        a->data = bigger;
        cap = grow;
    }
    char dims[64];
    idx_describe_dims(a, dims, sizeof dims);
    const char *why = gz_damage(gz, path);
    if (why) return damaged(path, why, err);
    return nash_fail(err, NASH_ERR_DATA,
                     "%s: truncated IDX data: %zu of %zu bytes for dims %s; the file is cut short, "
                     "download or copy it again",
                     path, got, a->size, dims);
}

/* After the data: the file must end here, and a gzip stream must end with a valid trailer. */
static NashStatus idx_check_end(gzFile gz, const char *path, const IdxArray *a, NashError *err) {
    uint8_t extra[256];
    int n = gzread(gz, extra, sizeof extra);
    if (n > 0) {
        size_t more = (size_t)n;
        while ((n = gzread(gz, extra, sizeof extra)) > 0) more += (size_t)n;
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: %zu%s trailing bytes after the %zu bytes of IDX data the header declares; "
                         "the header and the data disagree",
                         path, more, n < 0 ? "+" : "", a->size);
    }
    const char *why = gz_damage(gz, path);
    if (n < 0 || why) return damaged(path, why ? why : "read error", err);
    return NASH_OK;
}

NashStatus idx_read(const char *path, IdxArray *out, NashError *err) {
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0)
        return nash_fail(err, NASH_ERR_IO, "%s: cannot open: %s; check the path", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return nash_fail(err, NASH_ERR_IO, "%s: is a directory; give the path of an IDX file", path);
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return nash_fail(err, NASH_ERR_IO, "%s: cannot open: %s; check the path and its permissions", path,
                         errno ? strerror(errno) : "out of memory");
    gzbuffer(gz, 1u << 17);
    IdxArray a = {0};
    NashStatus s = idx_read_header(gz, path, &a, err);
    if (s == NASH_OK) s = idx_read_data(gz, path, &a, err);
    if (s == NASH_OK) s = idx_check_end(gz, path, &a, err);
    int closed = gzclose_r(gz);
    if (s == NASH_OK && closed != Z_OK)
        s = nash_fail(err, NASH_ERR_IO, "%s: error while closing: %s", path,
                      closed == Z_ERRNO ? strerror(errno) : "zlib error");
    if (s != NASH_OK) {
        idx_free(&a);
        return s;
    }
    *out = a;
    return NASH_OK;
}

void idx_free(IdxArray *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}
