/* latents.c — latent vectors z in HDF5: written on their own, read back from any file's /z
 * (see latents.h). */
#include "store/latents.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/seal.h"
#include "store/h5util.h"
#include "store/internal.h"

#define LATENTS_NAMES_MAX 256 /* room for the names of what a file without /z holds */

NashStatus latents_write(const char *path, const float *z, int n, Shape shape, const SamplesInfo *info,
                         NashError *err) {
    return samples_write_file(path, LATENTS_FORMAT, NULL, shape_1d(0), z, shape, n, info, err);
}

typedef struct {
    char text[LATENTS_NAMES_MAX];
    size_t used;
} NameList;

static herr_t list_name(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    (void)loc;
    (void)info;
    NameList *list = data;
    if (list->used < sizeof list->text) {
        int k =
            snprintf(list->text + list->used, sizeof list->text - list->used, "%s/%s", list->used ? ", " : "", name);
        if (k > 0) list->used += (size_t)k;
    }
    return 0;
}

/* What is wrong with the dims of /z for rows of `shape`, into why; false when nothing is. */
static bool dims_mismatch(int rank, const hsize_t *dims, Shape shape, char *why, size_t size) {
    char want[64], got[64];
    shape_format(shape, want, sizeof want);
    if (rank != shape.ndim + 1) {
        snprintf(why, size, "has %d dimension%s %s, but latents are (N,%s: one row per sample", rank,
                 rank == 1 ? "" : "s", h5util_dims_format(rank, dims, got, sizeof got), want + 1);
        return true;
    }
    bool same = true;
    for (int i = 0; i < shape.ndim; i++) same = same && dims[i + 1] == (hsize_t)shape.dim[i];
    if (same) return false;
    if (shape.ndim == 1)
        snprintf(why, size, "has %llu columns, the generator takes latent = %d", (unsigned long long)dims[1],
                 shape.dim[0]);
    else
        snprintf(why, size, "has rows of shape %s, the generator takes %s",
                 h5util_dims_format(rank - 1, dims + 1, got, sizeof got), want);
    return true;
}

/* The first value of z (rows, numel) that is not finite, as a message; false when all are. */
static bool find_nonfinite(const float *z, int64_t rows, size_t numel, char *why, size_t size) {
    for (size_t i = 0; i < (size_t)rows * numel; i++) {
        if (isfinite(z[i])) continue;
        snprintf(why, size, "row %zu, column %zu is %s: latents must be finite numbers", i / numel, i % numel,
                 isnan(z[i]) ? "nan"
                 : z[i] > 0  ? "inf"
                             : "-inf");
        return true;
    }
    return false;
}

NashStatus latents_read(const char *path, Shape shape, int64_t max_rows, float **z, int64_t *rows, NashError *err) {
    *z = NULL;
    *rows = 0;
    h5util_quiet();
    bool sealed = false; /* a file without a seal (written with h5py) is read as it is */
    hid_t file, set = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID, mem = H5I_INVALID_HID;
    NashStatus st = seal_verify(path, &sealed, err);
    if (st == NASH_ERR_DATA && err) {
        char said[NASH_ERROR_MSG_MAX];
        snprintf(said, sizeof said, "%s", err->msg);
        return nash_fail(err, st,
                         "%s (latents edited in place, with h5py, no longer match the seal: write them to a new "
                         "file instead, which is read as it is)",
                         said);
    }
    if (!st) st = h5util_open_read(path, &file, err);
    if (st) return st;
    if (H5Lexists(file, "z", H5P_DEFAULT) <= 0) {
        NameList list = {{0}, 0};
        hsize_t idx = 0;
        H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, list_name, &list);
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: no dataset /z (it holds: %s); --z reads latents from /z, float32 (N, latent), "
                       "as nash sample -o OUT.h5 or --z-out writes it",
                       path, list.used ? list.text : "nothing");
    }
    if (!st && ((set = H5Dopen2(file, "z", H5P_DEFAULT)) < 0 || (space = H5Dget_space(set)) < 0 ||
                (type = H5Dget_type(set)) < 0))
        st = nash_fail(err, NASH_ERR_DATA, "%s: /z is not a readable dataset", path);
    char why[256];
    if (!st && H5Tget_class(type) != H5T_FLOAT)
        st = nash_fail(err, NASH_ERR_DATA, "%s: /z holds %s, not floating-point numbers: write it as float32", path,
                       h5util_type_name(type, why, sizeof why));
    hsize_t dims[SHAPE_MAX_DIMS + 2];
    int rank = st ? 0 : H5Sget_simple_extent_ndims(space);
    if (!st && (rank < 0 || rank > SHAPE_MAX_DIMS + 1 || H5Sget_simple_extent_dims(space, dims, NULL) < 0)) {
        char want[64];
        st = nash_fail(err, NASH_ERR_DATA, "%s: /z has %d dimensions, but latents are (N,%s: one row per sample", path,
                       rank, shape_format(shape, want, sizeof want) + 1);
    }
    if (!st && dims_mismatch(rank, dims, shape, why, sizeof why))
        st = nash_fail(err, NASH_ERR_DATA, "%s: /z %s", path, why);
    if (!st && dims[0] == 0) st = nash_fail(err, NASH_ERR_DATA, "%s: /z has no rows", path);
    size_t numel = shape_numel(shape);
    int64_t take = 0;
    if (!st) {
        *rows = (int64_t)dims[0];
        take = max_rows < *rows ? max_rows : *rows;
        if (take > 0 && !(*z = malloc((size_t)take * numel * sizeof **z)))
            st = nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate %lld rows of /z", path, (long long)take);
    }
    if (!st && take > 0) {
        hsize_t start[SHAPE_MAX_DIMS + 1] = {0}, count[SHAPE_MAX_DIMS + 1];
        memcpy(count, dims, sizeof count);
        count[0] = (hsize_t)take;
        if ((mem = H5Screate_simple(rank, count, NULL)) < 0 ||
            H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dread(set, H5T_NATIVE_FLOAT, mem, space, H5P_DEFAULT, *z) < 0)
            st = nash_fail(err, NASH_ERR_DATA, "%s: cannot read /z: %s", path, h5util_reason(why, sizeof why));
    }
    if (!st && find_nonfinite(*z, take, numel, why, sizeof why))
        st = nash_fail(err, NASH_ERR_DATA, "%s: /z %s", path, why);
    if (mem >= 0) H5Sclose(mem);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (set >= 0) H5Dclose(set);
    H5Fclose(file);
    if (st) {
        free(*z);
        *z = NULL;
    }
    return st;
}
