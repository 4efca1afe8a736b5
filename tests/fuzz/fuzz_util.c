/* fuzz_util.c — the temporary directory and byte reader of the fuzz targets (fuzz_util.h). */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];
static char path_buf[512];

static void remove_tmpdir(void) {
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(tmpdir);
}

const char *fuzz_path(const char *name) {
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/nash_fuzz_XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_tmpdir);
    }
    snprintf(path_buf, sizeof path_buf, "%s/%s", tmpdir, name);
    return path_buf;
}

const char *fuzz_write_file(const char *name, const void *data, size_t size) {
    const char *path = fuzz_path(name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

uint8_t *fuzz_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    fuzz_require(f != NULL, "open a file to read it whole");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *bytes = n >= 0 ? malloc((size_t)n + 1) : NULL;
    fuzz_require(bytes && fread(bytes, 1, (size_t)n, f) == (size_t)n, "read a file whole");
    fclose(f);
    *size = (size_t)n;
    return bytes;
}

void fuzz_require(int cond, const char *what) {
    if (cond) return;
    fprintf(stderr, "fuzz: property violated: %s\n", what);
    abort();
}

uint8_t fuzz_u8(FuzzBytes *in) {
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

uint32_t fuzz_u32(FuzzBytes *in) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = v << 8 | fuzz_u8(in);
    return v;
}

uint32_t fuzz_below(FuzzBytes *in, uint32_t n) {
    uint32_t v = fuzz_u8(in);
    if (n > 256) v = v << 8 | fuzz_u8(in);
    return v % n;
}

const uint8_t *fuzz_bytes(FuzzBytes *in, size_t max, size_t *len) {
    size_t want = fuzz_u8(in);
    if (want > max) want = max;
    if (want > in->n) want = in->n;
    const uint8_t *p = in->p;
    in->p += want;
    in->n -= want;
    *len = want;
    return p;
}
