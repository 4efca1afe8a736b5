/* fuzz_crc.c — recompute a checkpoint's checksums after the fuzzer's edits, exactly as nash
 * computes them when it saves (store/checkpoint.c: a crc32 attribute on every dataset, one on /state
 * over its fields), so edited files pass ckpt_verify and reach the loaders' own checks. */
#include "fuzz_crc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/checkpoint.h"
#include "store/h5util.h"
#include "store/internal.h"

static herr_t fix_dataset_crc(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    const hssize_t small_points = *(const hssize_t *)data;
    if (info->type != H5L_TYPE_HARD) return 0;
    hid_t set = H5Oopen(loc, name, H5P_DEFAULT);
    if (set < 0) return 0;
    if (H5Iget_type(set) == H5I_DATASET) {
        hid_t type = H5Dget_type(set), space = H5Dget_space(set);
        hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
        void *bytes = NULL;
        size_t size = 0;
        if (type >= 0 && H5Tis_variable_str(type) > 0) {
            bytes = h5util_read_string_dataset(loc, name);
            size = bytes ? strlen(bytes) : 0;
        } else if (type >= 0 && H5Tget_class(type) != H5T_VLEN && points >= 0 && points <= small_points) {
            size = (size_t)points * H5Tget_size(type);
            bytes = calloc(size ? size : 1, 1);
            if (bytes && H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes) < 0) {
                free(bytes);
                bytes = NULL;
            }
        }
        if (bytes) {
            if (H5Aexists(set, "crc32") > 0) H5Adelete(set, "crc32");
            h5util_write_crc32_attr(set, h5util_crc32(bytes, size));
            free(bytes);
        }
        if (space >= 0) H5Sclose(space);
        if (type >= 0) H5Tclose(type);
    }
    H5Oclose(set);
    return 0;
}

static void fix_state_crc(hid_t file) {
    CheckpointState s;
    NashError err = {0};
    if (ckpt_read_state(file, "fuzz", &s, &err) != NASH_OK) return;
    unsigned char buf[28 + sizeof s.layout];
    uint64_t words[3] = {(uint64_t)s.step, (uint64_t)s.data_batch, s.seed};
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < 8; i++) buf[8 * w + i] = (unsigned char)(words[w] >> (8 * i));
    for (int i = 0; i < 4; i++) buf[24 + i] = (unsigned char)((uint32_t)s.world_size >> (8 * i));
    size_t n = strnlen(s.layout, sizeof s.layout);
    memcpy(buf + 28, s.layout, n);
    hid_t g = H5Gopen2(file, "state", H5P_DEFAULT);
    if (g < 0) return;
    if (H5Aexists(g, "crc32") > 0) H5Adelete(g, "crc32");
    h5util_write_crc32_attr(g, h5util_crc32(buf, 28 + n));
    H5Gclose(g);
}

void fuzz_fix_checksums(hid_t file, long long small_points) {
    hssize_t limit = (hssize_t)small_points;
    H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, fix_dataset_crc, &limit);
    fix_state_crc(file);
}
