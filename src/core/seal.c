/* seal.c — the seal in a file's first 512 bytes (seal.h). */
#include "core/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SEAL_MAGIC "nash-seal 1 crc32 "
#define SEAL_CRC_AT (sizeof SEAL_MAGIC - 1) /* the eight hex digits */
#define SEAL_BYTES_AT (SEAL_CRC_AT + 8 + 7) /* after " bytes " */
#define SEAL_LINE_LEN (SEAL_BYTES_AT + 20 + 1)
#define SEAL_READ_BLOCK (1u << 20)

const unsigned char seal_hdf5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

/* The CRC-32 of n bytes whose first block holds the seal: its hex digits count as '0'. */
static uLong crc_block(uLong crc, const unsigned char *p, size_t n, size_t offset) {
    if (offset < SEAL_CRC_AT + 8 && offset + n > SEAL_CRC_AT) {
        /* the only block that holds the digits is the first, read from offset 0 */
        unsigned char head[SEAL_CRC_AT + 8];
        size_t k = n < sizeof head ? n : sizeof head;
        memcpy(head, p, k);
        for (size_t i = SEAL_CRC_AT; i < SEAL_CRC_AT + 8 && i < k; i++) head[i] = '0';
        crc = crc32(crc, head, (uInt)k);
        p += k;
        n -= k;
    }
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

void seal_make(unsigned char block[SEAL_BLOCK], const void *body, size_t body_size) {
    memset(block, 0, SEAL_BLOCK);
    char line[SEAL_LINE_LEN + 1];
    snprintf(line, sizeof line, SEAL_MAGIC "00000000 bytes %020" PRIu64 "\n", (uint64_t)(SEAL_BLOCK + body_size));
    memcpy(block, line, SEAL_LINE_LEN);
    uLong crc = crc_block(crc32(0L, Z_NULL, 0), block, SEAL_BLOCK, 0);
    crc = crc_block(crc, body, body_size, SEAL_BLOCK);
    char hex[9];
    snprintf(hex, sizeof hex, "%08" PRIx32, (uint32_t)crc);
    memcpy(block + SEAL_CRC_AT, hex, 8);
}

/* Parse n hex or decimal digits; false on anything else. */
static bool parse_digits(const unsigned char *p, size_t n, int base, uint64_t *out) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = p[i] >= '0' && p[i] <= '9'                 ? p[i] - '0'
                : base == 16 && p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                                                           : -1;
        if (d < 0) return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return true;
}

NashStatus seal_verify(const char *path, bool *present, NashError *err) {
    *present = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    unsigned char *buf = malloc(SEAL_READ_BLOCK);
    NashStatus st = NASH_OK;
    if (!buf) {
        st = nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory to check its seal", path);
    } else if (fstat(fd, &sb) != 0) {
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    } else {
        ssize_t got = read(fd, buf, SEAL_BLOCK + sizeof seal_hdf5_signature);
        uint64_t stored_crc = 0, stored_size = 0;
        if (got < (ssize_t)SEAL_LINE_LEN || memcmp(buf, SEAL_MAGIC, SEAL_CRC_AT) != 0) {
            /* No seal. A file nash wrote has HDF5's superblock right after its userblock: one whose
             * seal is gone is damaged, and is refused before HDF5 parses it. Anything else is not
             * nash's (h5py puts the superblock at 0), or older; an I/O error is still an error. */
            if (got < 0) {
                st = nash_fail(err, NASH_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
            } else if (got >= (ssize_t)(SEAL_BLOCK + sizeof seal_hdf5_signature) &&
                       memcmp(buf + SEAL_BLOCK, seal_hdf5_signature, sizeof seal_hdf5_signature) == 0) {
                *present = true;
                st = nash_fail(err, NASH_ERR_DATA,
                               "%s is corrupt: its seal (the first line of the file) is damaged or gone", path);
            }
        } else if (!parse_digits(buf + SEAL_CRC_AT, 8, 16, &stored_crc) ||
                   memcmp(buf + SEAL_CRC_AT + 8, " bytes ", 7) != 0 ||
                   !parse_digits(buf + SEAL_BYTES_AT, 20, 10, &stored_size) || buf[SEAL_LINE_LEN - 1] != '\n') {
            *present = true;
            st = nash_fail(err, NASH_ERR_DATA, "%s is corrupt: its seal (the first line of the file) is damaged", path);
        } else if ((uint64_t)sb.st_size != stored_size) {
            *present = true;
            st = nash_fail(err, NASH_ERR_DATA,
                           "%s is corrupt: it has %lld bytes but nash wrote %" PRIu64 " (%s); the file changed after "
                           "nash wrote it",
                           path, (long long)sb.st_size, stored_size,
                           (uint64_t)sb.st_size < stored_size ? "truncated" : "extended");
        } else {
            *present = true;
            uLong crc = crc_block(crc32(0L, Z_NULL, 0), buf, (size_t)got, 0);
            uint64_t offset = (uint64_t)got;
            while (!st && offset < stored_size) {
                ssize_t n = read(fd, buf, SEAL_READ_BLOCK);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) {
                    st = nash_fail(err, NASH_ERR_IO, "%s: cannot read at byte %" PRIu64 ": %s", path, offset,
                                   n < 0 ? strerror(errno) : "unexpected end of file");
                    break;
                }
                crc = crc_block(crc, buf, (size_t)n, (size_t)offset);
                offset += (uint64_t)n;
            }
            if (!st && (uint32_t)crc != (uint32_t)stored_crc)
                st = nash_fail(err, NASH_ERR_DATA,
                               "%s is corrupt: its bytes have CRC-32 %08" PRIx32 " but nash sealed it with %08" PRIx32
                               "; the file changed after nash wrote it",
                               path, (uint32_t)crc, (uint32_t)stored_crc);
        }
    }
    free(buf);
    close(fd);
    return st;
}
