/* reseal.c — see reseal.h. */
#include "reseal.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/seal.h"

bool test_reseal(const char *path) {
    FILE *f = fopen(path, "r+b");
    if (!f) return false;
    bool ok = fseek(f, 0, SEEK_END) == 0;
    long size = ok ? ftell(f) : -1;
    unsigned char *bytes = size > SEAL_BLOCK ? malloc((size_t)size) : NULL;
    ok = bytes && fseek(f, 0, SEEK_SET) == 0 && fread(bytes, 1, (size_t)size, f) == (size_t)size;
    if (ok) {
        unsigned char block[SEAL_BLOCK];
        seal_make(block, bytes + SEAL_BLOCK, (size_t)size - SEAL_BLOCK);
        ok = fseek(f, 0, SEEK_SET) == 0 && fwrite(block, 1, SEAL_BLOCK, f) == SEAL_BLOCK;
    }
    free(bytes);
    return fclose(f) == 0 && ok;
}
