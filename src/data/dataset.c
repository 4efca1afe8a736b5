/* dataset.c — open, check and read nash data files by sample ranges (see dataset.h and
 * docs/data.md; writing is in dataset_write.c).
 *
 * dataset_open refuses anything a trainer could not use before any work starts (docs/reliability.md,
 * "bad data is refused"): a missing or truncated file, a missing /images or /x, a wrong dtype or
 * rank, zero samples, a label count that differs from the sample count. Every message names the
 * file and the dataset, with what was found and what was expected.
 *
 * Reads select a hyperslab of whole samples. The chunk cache of the data set is sized to hold a
 * few chunks, so reading consecutive small batches decompresses each chunk once.
 */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "core/seal.h"
#include "data/dataset.h"
#include "store/h5util.h"

#define READER_CACHE_MIN ((size_t)4 << 20)
#define READER_CACHE_MAX ((size_t)64 << 20)

struct DatasetReader {
    char path[NASH_PATH_MAX];
    const char *name; /* "/images" or "/x" */
    hid_t file;
    hid_t data;   /* /images or /x */
    hid_t labels; /* /labels, or H5I_INVALID_HID */
    DatasetInfo info;
    uint8_t *stage; /* uint8 staging buffer for image reads */
    size_t stage_size;
    float lut[256]; /* byte -> byte / 127.5 - 1 */
};

static NashStatus fail_h5(const DatasetReader *r, NashStatus code, const char *what, NashError *err) {
    char why[256];
    h5util_reason(why, sizeof why);
    return nash_fail(err, code, "%s: %s: %s", r->path, what, why);
}

/* Open the file read-only with the sec2 driver. */
static NashStatus open_file(DatasetReader *r, const char *path, NashError *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return nash_fail(err, NASH_ERR_IO, "%s: cannot open data file: %s; check the path or make it with nash data",
                         path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return nash_fail(err, NASH_ERR_IO, "%s: is a directory, not a data file", path);
    bool sealed = false;
    NashStatus vst = seal_verify(path, &sealed, err);
    if (vst) return vst;
    if (!sealed) nash_warn("%s carries no seal (not written by nash data): its bytes cannot be verified", path);
    hid_t fapl = h5util_fapl_sec2();
    if (fapl < 0) return nash_fail(err, NASH_ERR_INTERNAL, "%s: cannot set up HDF5 file access", path);
    r->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    char why[256]; /* taken before any other HDF5 call: each API call clears the error stack */
    if (r->file < 0) h5util_reason(why, sizeof why);
    H5Pclose(fapl);
    if (r->file >= 0) return NASH_OK;
    if (h5util_is_hdf5(path) <= 0)
        return nash_fail(err, NASH_ERR_DATA, "%s: not an HDF5 file (%s); make data files with nash data", path, why);
    return nash_fail(err, NASH_ERR_DATA,
                     "%s: cannot open as HDF5 (%s); the file is truncated or damaged, make it again with nash data",
                     path, why);
}

/* Open the object `name` and check that it is a data set. */
static NashStatus open_dataset(DatasetReader *r, const char *name, hid_t *out, NashError *err) {
    hid_t obj = H5Oopen(r->file, name, H5P_DEFAULT);
    if (obj < 0) return fail_h5(r, NASH_ERR_DATA, name, err);
    H5I_type_t type = H5Iget_type(obj);
    if (type != H5I_DATASET) {
        H5Oclose(obj);
        return nash_fail(err, NASH_ERR_DATA, "%s: %s is a %s, not a dataset; make the file again with nash data",
                         r->path, name, type == H5I_GROUP ? "group" : "named type");
    }
    *out = obj;
    return NASH_OK;
}

/* Rank and dims of an open dataset; fails beyond max_rank. */
static NashStatus dataset_dims(DatasetReader *r, hid_t dset, const char *name, int max_rank, int *rank, hsize_t *dims,
                               NashError *err) {
    hid_t space = H5Dget_space(dset);
    if (space < 0) return fail_h5(r, NASH_ERR_DATA, name, err);
    int nd = H5Sget_simple_extent_ndims(space);
    if (nd < 0) {
        NashStatus st = fail_h5(r, NASH_ERR_DATA, name, err);
        H5Sclose(space);
        return st;
    }
    if (nd <= max_rank) H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    if (nd > max_rank)
        return nash_fail(err, NASH_ERR_DATA, "%s: %s has %d dimensions, at most %d are supported", r->path, name, nd,
                         max_rank);
    *rank = nd;
    return NASH_OK;
}

/* Check dtype class and size and the rank range; found vs expected in the message. */
static NashStatus check_layout(DatasetReader *r, hid_t dset, const char *name, H5T_class_t cls, size_t size,
                               int min_rank, int max_rank, const char *expected, int *rank, hsize_t *dims,
                               NashError *err) {
    hsize_t d[32];
    int nd = 0;
    NashStatus st = dataset_dims(r, dset, name, 32, &nd, d, err);
    if (st != NASH_OK) return st;
    hid_t type = H5Dget_type(dset);
    if (type < 0) return fail_h5(r, NASH_ERR_DATA, name, err);
    bool type_ok = H5Tget_class(type) == cls && H5Tget_size(type) == size &&
                   (cls != H5T_INTEGER || H5Tget_sign(type) == H5T_SGN_NONE);
    char tname[32], shape[256];
    h5util_type_name(type, tname, sizeof tname);
    h5util_dims_format(nd, d, shape, sizeof shape);
    H5Tclose(type);
    if (!type_ok || nd < min_rank || nd > max_rank)
        return nash_fail(err, NASH_ERR_DATA, "%s: %s is %s %s, expected %s; make the file again with nash data",
                         r->path, name, tname, shape, expected);
    for (int i = 0; i < nd; i++) {
        if (d[i] == 0)
            return nash_fail(err, NASH_ERR_DATA, "%s: %s is %s %s: %s; the file holds no data", r->path, name, tname,
                             shape, i == 0 ? "zero samples" : "a zero-sized dimension");
    }
    hsize_t per_sample = 1;
    for (int i = 1; i < nd; i++) {
        per_sample *= d[i];
        if (per_sample > (hsize_t)INT32_MAX)
            return nash_fail(err, NASH_ERR_DATA, "%s: %s is %s %s: a sample of more than %d values is not supported",
                             r->path, name, tname, shape, INT32_MAX);
    }
    *rank = nd;
    memcpy(dims, d, (size_t)nd * sizeof *d);
    return NASH_OK;
}

/* Reopen `name` with a chunk cache that holds a few of its chunks. The first handle must be closed
 * before reopening: HDF5 shares one open dataset (and its cache) between handles, so a second
 * H5Dopen2 while the first is open would ignore the new access properties. */
static NashStatus size_chunk_cache(DatasetReader *r, hid_t *dset, const char *name, size_t elem, NashError *err) {
    hid_t dcpl = H5Dget_create_plist(*dset);
    if (dcpl < 0) return fail_h5(r, NASH_ERR_DATA, name, err);
    hsize_t chunk[32];
    int nd = H5Pget_layout(dcpl) == H5D_CHUNKED ? H5Pget_chunk(dcpl, 32, chunk) : 0;
    H5Pclose(dcpl);
    if (nd <= 0) return NASH_OK; /* contiguous: no chunk cache */
    size_t bytes = elem;
    for (int i = 0; i < nd; i++) bytes *= (size_t)chunk[i];
    size_t cache = 4 * bytes;
    if (cache < READER_CACHE_MIN) cache = READER_CACHE_MIN;
    if (cache > READER_CACHE_MAX) cache = READER_CACHE_MAX;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    NashStatus st = NASH_OK;
    if (dapl < 0 || H5Pset_chunk_cache(dapl, 1021, cache, H5D_CHUNK_CACHE_W0_DEFAULT) < 0) {
        st = fail_h5(r, NASH_ERR_INTERNAL, name, err);
    } else {
        H5Dclose(*dset);
        *dset = H5Dopen2(r->file, name, dapl);
        if (*dset < 0) st = fail_h5(r, NASH_ERR_DATA, name, err);
    }
    if (dapl >= 0) H5Pclose(dapl);
    return st;
}

/* For a virtual /images (nash data images --shard-samples), check every shard it maps before any
 * read: HDF5 would read a missing source file as fill values without a word. Each shard must
 * exist beside the file (or at its absolute name) and pass its seal. */
static NashStatus check_shards(DatasetReader *r, hid_t dset, const char *name, NashError *err) {
    hid_t dcpl = H5Dget_create_plist(dset);
    if (dcpl < 0) return fail_h5(r, NASH_ERR_DATA, name, err);
    size_t count = 0;
    NashStatus st = NASH_OK;
    if (H5Pget_layout(dcpl) == H5D_VIRTUAL && H5Pget_virtual_count(dcpl, &count) >= 0) {
        char dir[NASH_PATH_MAX];
        st = fs_dirname(r->path, dir, sizeof dir, err);
        for (size_t i = 0; st == NASH_OK && i < count; i++) {
            char file[NASH_PATH_MAX], full[2 * NASH_PATH_MAX + 2];
            if (H5Pget_virtual_filename(dcpl, i, file, sizeof file) < 0) {
                st = fail_h5(r, NASH_ERR_DATA, name, err);
                break;
            }
            if (file[0] == '/')
                snprintf(full, sizeof full, "%s", file);
            else
                snprintf(full, sizeof full, "%s/%s", dir, file);
            struct stat sb;
            if (stat(full, &sb) != 0) {
                st = nash_fail(err, NASH_ERR_DATA,
                               "%s: %s maps samples to shard %s, which cannot be opened (%s); shards stay beside the "
                               "file that lists them: copy or move them together, or import again",
                               r->path, name, full, strerror(errno));
                break;
            }
            bool sealed = false;
            st = seal_verify(full, &sealed, err);
            if (st != NASH_OK) nash_fail_context(err, "%s: shard of %s: ", r->path, name);
        }
    }
    H5Pclose(dcpl);
    return st;
}

static NashStatus open_images(DatasetReader *r, NashError *err) {
    hsize_t dims[4];
    int rank = 0;
    r->name = "/images";
    NashStatus st = open_dataset(r, "/images", &r->data, err);
    if (st == NASH_OK)
        st = check_layout(r, r->data, "/images", H5T_INTEGER, 1, 4, 4, "uint8 (N,C,H,W)", &rank, dims, err);
    if (st == NASH_OK) st = check_shards(r, r->data, "/images", err);
    if (st == NASH_OK) st = size_chunk_cache(r, &r->data, "/images", 1, err);
    if (st != NASH_OK) return st;
    r->info.kind = DATASET_IMAGES;
    r->info.n = (int64_t)dims[0];
    r->info.sample = shape_3d((int)dims[1], (int)dims[2], (int)dims[3]);
    for (int i = 0; i < 256; i++) r->lut[i] = (float)i / 127.5f - 1.0f;
    htri_t has = H5Lexists(r->file, "/labels", H5P_DEFAULT);
    if (has <= 0) return NASH_OK;
    hsize_t ldims[1];
    st = open_dataset(r, "/labels", &r->labels, err);
    if (st == NASH_OK) st = check_layout(r, r->labels, "/labels", H5T_INTEGER, 1, 1, 1, "uint8 (N)", &rank, ldims, err);
    if (st != NASH_OK) return st;
    if (ldims[0] != dims[0])
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: /labels holds %llu labels but /images holds %llu images; the counts must be equal, "
                         "make the file again with nash data",
                         r->path, (unsigned long long)ldims[0], (unsigned long long)dims[0]);
    r->info.has_labels = true;
    return NASH_OK;
}

static NashStatus open_vectors(DatasetReader *r, NashError *err) {
    hsize_t dims[1 + SHAPE_MAX_DIMS];
    int rank = 0;
    r->name = "/x";
    NashStatus st = open_dataset(r, "/x", &r->data, err);
    if (st == NASH_OK)
        st = check_layout(r, r->data, "/x", H5T_FLOAT, 4, 2, 1 + SHAPE_MAX_DIMS, "float32 (N,D...)", &rank, dims, err);
    if (st == NASH_OK) st = size_chunk_cache(r, &r->data, "/x", 4, err);
    if (st != NASH_OK) return st;
    r->info.kind = DATASET_VECTORS;
    r->info.n = (int64_t)dims[0];
    r->info.sample.ndim = rank - 1;
    for (int i = 1; i < rank; i++) r->info.sample.dim[i - 1] = (int)dims[i];
    r->info.has_labels = false;
    return NASH_OK;
}

NashStatus dataset_open(const char *path, DatasetReader **out, DatasetInfo *info, NashError *err) {
    *out = NULL;
    if (!path) return nash_fail(err, NASH_ERR_INVALID, "dataset_open: no path");
    h5util_quiet();
    DatasetReader *r = calloc(1, sizeof *r);
    if (!r) return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory", path);
    r->file = r->data = r->labels = H5I_INVALID_HID;
    if (snprintf(r->path, sizeof r->path, "%s", path) >= (int)sizeof r->path) {
        free(r);
        return nash_fail(err, NASH_ERR_INVALID, "%.200s...: path too long", path);
    }
    NashStatus st = open_file(r, path, err);
    if (st == NASH_OK) {
        if (H5Lexists(r->file, "/images", H5P_DEFAULT) > 0)
            st = open_images(r, err);
        else if (H5Lexists(r->file, "/x", H5P_DEFAULT) > 0)
            st = open_vectors(r, err);
        else
            st = nash_fail(err, NASH_ERR_DATA,
                           "%s: neither /images (uint8 (N,C,H,W)) nor /x (float32 (N,D...)) is present; this is not "
                           "a nash data file, make one with nash data",
                           path);
    }
    if (st != NASH_OK) {
        H5Eclear2(H5E_DEFAULT);
        dataset_close(r);
        return st;
    }
    if (info) *info = r->info;
    *out = r;
    return NASH_OK;
}

/* Check [first, first+count) against the sample count. */
static NashStatus check_range(const DatasetReader *r, const char *name, int64_t first, int64_t count, NashError *err) {
    if (first < 0 || count < 0 || first > r->info.n || count > r->info.n - first)
        return nash_fail(err, NASH_ERR_INVALID,
                         "%s: cannot read %s samples [%lld, %lld + %lld): the file holds samples [0, %lld)", r->path,
                         name, (long long)first, (long long)first, (long long)count, (long long)r->info.n);
    return NASH_OK;
}

/* Read samples [first, first+count) of dset (rank taken from the file) as mem_type into out. */
static NashStatus read_slab(DatasetReader *r, hid_t dset, const char *name, hid_t mem_type, int64_t first,
                            int64_t count, void *out, NashError *err) {
    hsize_t start[1 + SHAPE_MAX_DIMS] = {0}, dims[1 + SHAPE_MAX_DIMS];
    hid_t fspace = H5Dget_space(dset);
    int rank = fspace >= 0 ? H5Sget_simple_extent_ndims(fspace) : -1;
    herr_t s = -1;
    hid_t mspace = H5I_INVALID_HID;
    if (rank >= 1 && rank <= 1 + SHAPE_MAX_DIMS && H5Sget_simple_extent_dims(fspace, dims, NULL) >= 0) {
        start[0] = (hsize_t)first;
        dims[0] = (hsize_t)count;
        s = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, dims, NULL);
        if (s >= 0) mspace = H5Screate_simple(rank, dims, NULL);
        if (mspace >= 0)
            s = H5Dread(dset, mem_type, mspace, fspace, H5P_DEFAULT, out);
        else
            s = -1;
    }
    NashStatus st = NASH_OK;
    if (s < 0) {
        char why[256];
        h5util_reason(why, sizeof why);
        st = nash_fail(err, NASH_ERR_IO,
                       "%s: cannot read %s samples [%lld, %lld): %s; the file may be damaged, make it again with "
                       "nash data",
                       r->path, name, (long long)first, (long long)(first + count), why);
    }
    if (mspace >= 0) H5Sclose(mspace);
    if (fspace >= 0) H5Sclose(fspace);
    return st;
}

NashStatus dataset_read(DatasetReader *r, int64_t first, int64_t count, float *out, NashError *err) {
    if (!r) return nash_fail(err, NASH_ERR_INVALID, "dataset_read: no reader");
    NashStatus st = check_range(r, r->name, first, count, err);
    if (st != NASH_OK || count == 0) return st;
    if (!out) return nash_fail(err, NASH_ERR_INVALID, "%s: dataset_read: no output buffer", r->path);
    size_t per_sample = shape_numel(r->info.sample);
    if ((uint64_t)count > SIZE_MAX / sizeof(float) / per_sample)
        return nash_fail(err, NASH_ERR_INVALID, "%s: cannot read %lld samples of %zu values at once", r->path,
                         (long long)count, per_sample);
    size_t numel = (size_t)count * per_sample;
    if (r->info.kind == DATASET_VECTORS)
        return read_slab(r, r->data, r->name, H5T_NATIVE_FLOAT, first, count, out, err);
    if (r->stage_size < numel) {
        uint8_t *bigger = realloc(r->stage, numel);
        if (!bigger)
            return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory reading %lld images", r->path, (long long)count);
        r->stage = bigger;
        r->stage_size = numel;
    }
    st = read_slab(r, r->data, r->name, H5T_NATIVE_UINT8, first, count, r->stage, err);
    if (st != NASH_OK) return st;
    for (size_t i = 0; i < numel; i++) out[i] = r->lut[r->stage[i]];
    return NASH_OK;
}

NashStatus dataset_read_stored(DatasetReader *r, int64_t first, int64_t count, void *out, NashError *err) {
    if (!r) return nash_fail(err, NASH_ERR_INVALID, "dataset_read_stored: no reader");
    NashStatus st = check_range(r, r->name, first, count, err);
    if (st != NASH_OK || count == 0) return st;
    if (!out) return nash_fail(err, NASH_ERR_INVALID, "%s: dataset_read_stored: no output buffer", r->path);
    hid_t mem_type = r->info.kind == DATASET_IMAGES ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT;
    return read_slab(r, r->data, r->name, mem_type, first, count, out, err);
}

size_t dataset_stored_bytes(const DatasetInfo *info) {
    return shape_numel(info->sample) * (info->kind == DATASET_IMAGES ? 1 : sizeof(float));
}

NashStatus dataset_read_labels(DatasetReader *r, int64_t first, int64_t count, uint8_t *out, NashError *err) {
    if (!r) return nash_fail(err, NASH_ERR_INVALID, "dataset_read_labels: no reader");
    if (!r->info.has_labels)
        return nash_fail(err, NASH_ERR_DATA, "%s: no /labels dataset; this data set has no labels", r->path);
    NashStatus st = check_range(r, "/labels", first, count, err);
    if (st != NASH_OK || count == 0) return st;
    if (!out) return nash_fail(err, NASH_ERR_INVALID, "%s: dataset_read_labels: no output buffer", r->path);
    return read_slab(r, r->labels, "/labels", H5T_NATIVE_UINT8, first, count, out, err);
}

NashStatus dataset_read_attr(DatasetReader *r, const char *name, double *out, int max, int *count, NashError *err) {
    if (!r || !name || !count) return nash_fail(err, NASH_ERR_INVALID, "dataset_read_attr: missing argument");
    *count = 0;
    if (H5Aexists(r->data, name) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return nash_fail(err, NASH_ERR_DATA, "%s: %s has no attribute '%s'", r->path, r->name, name);
    }
    hid_t attr = H5Aopen(r->data, name, H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : H5I_INVALID_HID;
    hid_t space = attr >= 0 ? H5Aget_space(attr) : H5I_INVALID_HID;
    NashStatus st = NASH_OK;
    if (type < 0 || space < 0) {
        st = fail_h5(r, NASH_ERR_DATA, name, err);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(type);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    char tname[32];
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || H5Sget_simple_extent_ndims(space) > 1) {
        st = nash_fail(err, NASH_ERR_DATA, "%s: attribute '%s' of %s is %s with %d dims, expected a 1-D number array",
                       r->path, name, r->name, h5util_type_name(type, tname, sizeof tname),
                       H5Sget_simple_extent_ndims(space));
    } else if (n < 0 || n > max || !out) {
        st = nash_fail(err, NASH_ERR_DATA, "%s: attribute '%s' of %s has %lld values, more than the %d expected",
                       r->path, name, r->name, (long long)n, max);
    } else if (H5Aread(attr, H5T_NATIVE_DOUBLE, out) < 0) {
        st = fail_h5(r, NASH_ERR_DATA, name, err);
    } else {
        *count = (int)n;
    }
done:
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    return st;
}

NashStatus dataset_read_kind(DatasetReader *r, char *out, int size, NashError *err) {
    if (!r || !out || size <= 0) return nash_fail(err, NASH_ERR_INVALID, "dataset_read_kind: missing argument");
    const char *fallback = r->info.kind == DATASET_IMAGES ? "images" : "vectors";
    char *stored = NULL;
    if (r->info.kind == DATASET_VECTORS && H5Aexists(r->data, "kind") > 0) {
        stored = h5util_read_string_attr(r->data, "kind");
        H5Eclear2(H5E_DEFAULT);
        if (!stored) /* present but not a readable scalar string */
            return nash_fail(err, NASH_ERR_DATA, "%s: attribute 'kind' of %s cannot be read as a string", r->path,
                             r->name);
    }
    const char *kind = stored ? stored : fallback;
    size_t len = strlen(kind);
    if (len < (size_t)size) memcpy(out, kind, len + 1);
    free(stored);
    if (len >= (size_t)size)
        return nash_fail(err, NASH_ERR_DATA, "%s: attribute 'kind' of %s is longer than %d characters", r->path,
                         r->name, size - 1);
    return NASH_OK;
}

void dataset_close(DatasetReader *r) {
    if (!r) return;
    if (r->labels >= 0) H5Dclose(r->labels);
    if (r->data >= 0) H5Dclose(r->data);
    if (r->file >= 0) H5Fclose(r->file);
    free(r->stage);
    free(r);
}
