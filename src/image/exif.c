/* exif.c — find the Orientation tag of an EXIF APP1 block (exif.h). */
#include "image/exif.h"

#include <string.h>

static unsigned read16(const uint8_t *p, int big) {
    return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t read32(const uint8_t *p, int big) {
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int exif_orientation(const uint8_t *data, size_t size) {
    if (size < 6 + 8 || memcmp(data, "Exif\0\0", 6) != 0) return 1;
    const uint8_t *tiff = data + 6;
    size_t n = size - 6;
    int big;
    if (tiff[0] == 'I' && tiff[1] == 'I') {
        big = 0;
    } else if (tiff[0] == 'M' && tiff[1] == 'M') {
        big = 1;
    } else {
        return 1;
    }
    if (read16(tiff + 2, big) != 42) return 1;
    uint32_t ifd = read32(tiff + 4, big);
    if (ifd > n || n - ifd < 2) return 1;
    unsigned entries = read16(tiff + ifd, big);
    for (unsigned i = 0; i < entries; i++) {
        size_t at = (size_t)ifd + 2 + (size_t)i * 12;
        if (at + 12 > n) return 1;
        const uint8_t *e = tiff + at;
        if (read16(e, big) != 0x0112) continue;
        unsigned type = read16(e + 2, big);
        uint32_t count = read32(e + 4, big);
        if (type != 3 || count < 1) return 1; /* SHORT */
        unsigned v = read16(e + 8, big);
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}
