/* dataset_write.c — write nash data files whole (see dataset.h and docs/data.md).
 *
 * Crash safety: the HDF5 file is built in memory (the core driver, no backing store) and then
 * written with plain write(2) to a temporary file in the destination's directory (core/atomic.h:
 * .OUT.tmp.XXXXXX, fsync'd, renamed over OUT, the directory fsync'd). On any failure the temporary
 * file is removed: a failed import leaves neither a partial OUT nor a stray temporary file.
 * Building in memory keeps disk errors (a full disk, a file size limit) out of HDF5, whose library
 * state does not survive a failed H5Fclose (1.10.8 crashes at exit); the cost is one copy of the
 * file in memory while writing.
 *
 * Layout: the sample axis is chunked so that a reader of a range of samples touches only the
 * chunks it needs. A chunk holds up to DATASET_CHUNK_SAMPLES samples and at most about
 * DATASET_CHUNK_BYTES bytes; no compression (the measurement behind both is in docs/data.md).
 */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/fsutil.h"
#include "core/seal.h"
#include "data/dataset.h"
#include "store/h5util.h"

#define DATASET_CHUNK_SAMPLES 1024
#define DATASET_CHUNK_BYTES ((size_t)1 << 20)
#define DATASET_LABEL_CHUNK 65536
#define DATASET_DEFLATE_LEVEL 0 /* no compression: see docs/data.md for the measurement */

typedef struct {
    const char *path; /* the final name */
    AtomicFile out;   /* the temporary file beside it */
    int fd;           /* the temporary file, created empty by writer_begin */
    hid_t file;       /* the HDF5 file being built in memory */
} Writer;

static void writer_abort(Writer *w) {
    if (w->file >= 0) H5Fclose(w->file); /* H5F_CLOSE_STRONG closes any object left open */
    w->file = H5I_INVALID_HID;
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    atomic_abort(&w->out);
}

/* Create the empty temporary file and an in-memory HDF5 file of about size_hint bytes. */
static NashStatus writer_begin(Writer *w, const char *path, size_t size_hint, NashError *err) {
    w->path = path;
    w->out = (AtomicFile){NULL, NULL, NULL};
    w->fd = -1;
    w->file = H5I_INVALID_HID;
    char dir[NASH_PATH_MAX];
    NashStatus st = fs_dirname(path, dir, sizeof dir, err);
    if (st != NASH_OK) return st;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return nash_fail(err, NASH_ERR_IO, "%s: is a directory; give the name of the HDF5 file to write", path);
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return nash_fail(err, NASH_ERR_IO, "%s: cannot write: directory %s does not exist; create it first", path, dir);
    st = atomic_begin(&w->out, path, &w->fd, err);
    if (st != NASH_OK) return st;
    h5util_quiet();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fcpl = h5util_fcpl_sealed();
    if (fapl < 0 || fcpl < 0 || H5Pset_fapl_core(fapl, size_hint + ((size_t)1 << 20), 0) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
        (w->file = H5Fcreate(w->out.tmp_path, H5F_ACC_TRUNC, fcpl, fapl)) < 0) {
        char why[256];
        h5util_reason(why, sizeof why);
        if (fapl >= 0) H5Pclose(fapl);
        if (fcpl >= 0) H5Pclose(fcpl);
        writer_abort(w);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot build the HDF5 file in memory: %s", path, why);
    }
    H5Pclose(fapl);
    H5Pclose(fcpl);
    return NASH_OK;
}

/* Write all of buf to fd. Returns 0 or an errno value. */
static int write_all(int fd, const uint8_t *buf, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, buf, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : EIO;
        buf += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Copy the in-memory file to the temporary file, then atomic_commit: fsync, rename, fsync the
 * directory. On any failure the temporary file is removed. */
static NashStatus writer_commit(Writer *w, NashError *err) {
    ssize_t size = H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(w->file, NULL, 0);
    uint8_t *image = size > 0 ? malloc((size_t)size) : NULL;
    if (!image || H5Fget_file_image(w->file, image, (size_t)size) != size) {
        char why[256];
        h5util_reason(why, sizeof why);
        if (!image) snprintf(why, sizeof why, "out of memory");
        free(image);
        writer_abort(w);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot take the image of the HDF5 file (%zd bytes): %s", w->path,
                         size, why);
    }
    H5Fclose(w->file);
    w->file = H5I_INVALID_HID;
    unsigned char seal[SEAL_BLOCK];
    seal_make(seal, image, (size_t)size);
    int failed = write_all(w->fd, seal, SEAL_BLOCK);
    if (!failed) failed = write_all(w->fd, image, (size_t)size);
    free(image);
    if (failed) {
        NashStatus st = nash_fail(err, NASH_ERR_IO, "%s: cannot write %zd bytes to %s: %s; is the disk full?", w->path,
                                  size, w->out.tmp_path, strerror(failed));
        writer_abort(w);
        return st;
    }
    int closed = close(w->fd);
    w->fd = -1;
    if (closed != 0) {
        NashStatus st = nash_fail(err, NASH_ERR_IO, "%s: cannot close %s: %s; is the disk full?", w->path,
                                  w->out.tmp_path, strerror(errno));
        writer_abort(w);
        return st;
    }
    return atomic_commit(&w->out, err);
}

/* Samples per chunk for samples of sample_bytes bytes each. */
static hsize_t chunk_samples(int64_t n, size_t sample_bytes) {
    size_t by_bytes = sample_bytes ? DATASET_CHUNK_BYTES / sample_bytes : 1;
    size_t c = DATASET_CHUNK_SAMPLES;
    if (by_bytes < c) c = by_bytes;
    if (c < 1) c = 1;
    if ((int64_t)c > n) c = (size_t)n;
    return (hsize_t)c;
}

/* Create dataset `name` (rank dims, chunked along dim 0 by chunk0 samples) and write data. */
static NashStatus write_dataset(Writer *w, const char *name, hid_t file_type, hid_t mem_type, int rank,
                                const hsize_t *dims, hsize_t chunk0, const void *data, hid_t *out, NashError *err) {
    hsize_t chunk[1 + SHAPE_MAX_DIMS];
    chunk[0] = chunk0;
    for (int i = 1; i < rank; i++) chunk[i] = dims[i];
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t dset = H5I_INVALID_HID;
    herr_t s = (space < 0 || dcpl < 0) ? -1 : H5Pset_chunk(dcpl, rank, chunk);
    if (s >= 0 && DATASET_DEFLATE_LEVEL > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0)
        s = H5Pset_deflate(dcpl, DATASET_DEFLATE_LEVEL);
    if (s >= 0) dset = H5Dcreate2(w->file, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset >= 0) s = H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    NashStatus st = NASH_OK;
    if (dset < 0 || s < 0) {
        char why[256], shape[128];
        h5util_reason(why, sizeof why); /* before the closes below clear HDF5's error stack */
        st = nash_fail(err, NASH_ERR_NOMEM, "%s: cannot build %s %s in memory: %s", w->path, name,
                       h5util_dims_format(rank, dims, shape, sizeof shape), why);
        if (dset >= 0) H5Dclose(dset);
    } else {
        *out = dset;
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return st;
}

static NashStatus attr_failed(const Writer *w, const char *obj, const char *name, NashError *err) {
    char why[256];
    h5util_reason(why, sizeof why);
    return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot write attribute %s of %s: %s", w->path, name, obj, why);
}

/* Close a dataset written by write_dataset (this flushes its chunks into the in-memory file). */
static NashStatus close_dataset(const Writer *w, hid_t dset, const char *name, NashStatus st, NashError *err) {
    if (dset < 0) return st;
    if (H5Dclose(dset) >= 0 || st != NASH_OK) return st;
    char why[256];
    h5util_reason(why, sizeof why);
    return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot finish %s in memory: %s", w->path, name, why);
}

static NashStatus check_sample_shape(const char *path, Shape sample, int want_ndim, NashError *err) {
    char buf[64];
    if (sample.ndim < 1 || sample.ndim > SHAPE_MAX_DIMS || (want_ndim && sample.ndim != want_ndim))
        return nash_fail(err, NASH_ERR_INVALID, "%s: per-sample shape has %d dims, expected %s", path, sample.ndim,
                         want_ndim == 3 ? "3 (C,H,W)" : "1 to 4");
    for (int i = 0; i < sample.ndim; i++)
        if (sample.dim[i] <= 0)
            return nash_fail(err, NASH_ERR_INVALID, "%s: per-sample shape %s has a non-positive size", path,
                             shape_format(sample, buf, sizeof buf));
    return NASH_OK;
}

/* meta's root attributes (dataset.h, DatasetMeta). */
static NashStatus write_meta(Writer *w, const DatasetMeta *meta, NashError *err) {
    if (h5util_write_string_attr(w->file, "source", meta->source ? meta->source : "") < 0)
        return attr_failed(w, "/", "source", err);
    if (meta->n_classes > 0 &&
        h5util_write_strings_attr(w->file, "class_names", meta->class_names, meta->n_classes) < 0)
        return attr_failed(w, "/", "class_names", err);
    for (int i = 0; i < meta->n_strings; i++)
        if (meta->strings[i].count > 0 &&
            h5util_write_strings_attr(w->file, meta->strings[i].name, meta->strings[i].values, meta->strings[i].count) <
                0)
            return attr_failed(w, "/", meta->strings[i].name, err);
    for (int i = 0; i < meta->n_numbers; i++)
        if (h5util_write_doubles_attr(w->file, meta->numbers[i].name, meta->numbers[i].values, meta->numbers[i].count) <
            0)
            return attr_failed(w, "/", meta->numbers[i].name, err);
    return NASH_OK;
}

static NashStatus check_meta(const char *path, const DatasetMeta *meta, NashError *err) {
    if (meta->n_classes < 0 || (meta->n_classes > 0 && !meta->class_names))
        return nash_fail(err, NASH_ERR_INVALID, "%s: %d class names but no array of them", path, meta->n_classes);
    for (int c = 0; c < meta->n_classes; c++)
        if (!meta->class_names[c]) return nash_fail(err, NASH_ERR_INVALID, "%s: class name %d is missing", path, c);
    for (int i = 0; i < meta->n_strings; i++)
        if (!meta->strings[i].name || (meta->strings[i].count > 0 && !meta->strings[i].values))
            return nash_fail(err, NASH_ERR_INVALID, "%s: string attribute %d has no name or no values", path, i);
    for (int i = 0; i < meta->n_numbers; i++)
        if (!meta->numbers[i].name || !meta->numbers[i].values || meta->numbers[i].count <= 0)
            return nash_fail(err, NASH_ERR_INVALID, "%s: numeric attribute %d has no name or no values", path, i);
    return NASH_OK;
}

NashStatus dataset_write_images(const char *path, const uint8_t *images, int64_t n, Shape sample, const uint8_t *labels,
                                const char *source, const char *const *class_names, int n_classes, NashError *err) {
    DatasetMeta meta = {.source = source, .class_names = class_names, .n_classes = n_classes};
    return dataset_write_images_meta(path, images, n, sample, labels, &meta, err);
}

NashStatus dataset_write_images_meta(const char *path, const uint8_t *images, int64_t n, Shape sample,
                                     const uint8_t *labels, const DatasetMeta *meta, NashError *err) {
    if (!path || !images || n <= 0)
        return nash_fail(err, NASH_ERR_INVALID, "%s: nothing to write (%lld images)", path ? path : "(null)",
                         (long long)n);
    NashStatus st = check_sample_shape(path, sample, 3, err);
    if (st == NASH_OK) st = check_meta(path, meta, err);
    if (st != NASH_OK) return st;
    if (labels && meta->n_classes > 0) {
        for (int64_t i = 0; i < n; i++)
            if (labels[i] >= meta->n_classes)
                return nash_fail(err, NASH_ERR_DATA, "%s: label %d of sample %lld is not one of the %d classes", path,
                                 labels[i], (long long)i, meta->n_classes);
    }
    size_t sample_bytes = shape_numel(sample);
    Writer w;
    st = writer_begin(&w, path, (size_t)n * (sample_bytes + (labels ? 1 : 0)), err);
    if (st != NASH_OK) return st;
    hsize_t dims[4] = {(hsize_t)n, (hsize_t)sample.dim[0], (hsize_t)sample.dim[1], (hsize_t)sample.dim[2]};
    hid_t dset = H5I_INVALID_HID;
    st = write_dataset(&w, "/images", H5T_STD_U8LE, H5T_NATIVE_UINT8, 4, dims, chunk_samples(n, sample_bytes), images,
                       &dset, err);
    if (st == NASH_OK) st = close_dataset(&w, dset, "/images", st, err);
    if (st == NASH_OK && labels) {
        hsize_t ldims[1] = {(hsize_t)n};
        hsize_t lchunk = n < DATASET_LABEL_CHUNK ? (hsize_t)n : DATASET_LABEL_CHUNK;
        st = write_dataset(&w, "/labels", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, ldims, lchunk, labels, &dset, err);
        if (st == NASH_OK) st = close_dataset(&w, dset, "/labels", st, err);
    }
    if (st == NASH_OK) st = write_meta(&w, meta, err);
    if (st == NASH_OK) return writer_commit(&w, err);
    writer_abort(&w);
    return st;
}

/* The virtual dataset `name` (rank dims, sample axis first) mapping samples [first, first + counts[k])
 * to the same dataset of shards[k]. */
static NashStatus write_virtual(Writer *w, const char *name, int rank, const hsize_t *dims, const char *const *shards,
                                const int64_t *counts, int n_shards, NashError *err) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), vspace = H5Screate_simple(rank, dims, NULL);
    herr_t s = dcpl < 0 || vspace < 0 ? -1 : 0;
    hsize_t first = 0;
    for (int k = 0; s >= 0 && k < n_shards; k++) {
        hsize_t sdims[4], start[4] = {first, 0, 0, 0};
        for (int i = 0; i < rank; i++) sdims[i] = dims[i];
        sdims[0] = (hsize_t)counts[k];
        hid_t sspace = H5Screate_simple(rank, sdims, NULL);
        s = sspace < 0 ? -1 : H5Sselect_hyperslab(vspace, H5S_SELECT_SET, start, NULL, sdims, NULL);
        if (s >= 0) s = H5Pset_virtual(dcpl, vspace, shards[k], name, sspace);
        if (sspace >= 0) H5Sclose(sspace);
        first += (hsize_t)counts[k];
    }
    if (s >= 0) s = H5Sselect_all(vspace);
    hid_t dset =
        s < 0 ? H5I_INVALID_HID : H5Dcreate2(w->file, name, H5T_STD_U8LE, vspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    NashStatus st = NASH_OK;
    if (dset < 0) {
        char why[256];
        h5util_reason(why, sizeof why);
        st = nash_fail(err, NASH_ERR_INTERNAL, "%s: cannot build the virtual dataset %s over %d shards: %s", w->path,
                       name, n_shards, why);
    }
    st = close_dataset(w, dset, name, st, err);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (vspace >= 0) H5Sclose(vspace);
    return st;
}

NashStatus dataset_write_images_virtual(const char *path, const char *const *shards, const int64_t *counts,
                                        int n_shards, Shape sample, bool labels, const DatasetMeta *meta,
                                        NashError *err) {
    if (!path || !shards || !counts || n_shards < 1)
        return nash_fail(err, NASH_ERR_INVALID, "%s: a virtual dataset needs at least one shard",
                         path ? path : "(null)");
    NashStatus st = check_sample_shape(path, sample, 3, err);
    if (st == NASH_OK) st = check_meta(path, meta, err);
    if (st != NASH_OK) return st;
    int64_t n = 0;
    for (int k = 0; k < n_shards; k++) {
        if (!shards[k] || counts[k] < 1)
            return nash_fail(err, NASH_ERR_INVALID, "%s: shard %d has no name or no samples", path, k);
        n += counts[k];
    }
    Writer w;
    st = writer_begin(&w, path, (size_t)n_shards * 1024, err);
    if (st != NASH_OK) return st;
    hsize_t dims[4] = {(hsize_t)n, (hsize_t)sample.dim[0], (hsize_t)sample.dim[1], (hsize_t)sample.dim[2]};
    st = write_virtual(&w, "/images", 4, dims, shards, counts, n_shards, err);
    if (st == NASH_OK && labels) st = write_virtual(&w, "/labels", 1, dims, shards, counts, n_shards, err);
    if (st == NASH_OK) st = write_meta(&w, meta, err);
    double count = n_shards;
    if (st == NASH_OK && h5util_write_doubles_attr(w.file, "shards", &count, 1) < 0)
        st = attr_failed(&w, "/", "shards", err);
    if (st == NASH_OK) return writer_commit(&w, err);
    writer_abort(&w);
    return st;
}

NashStatus dataset_write_vectors(const char *path, const float *x, int64_t n, Shape sample, const char *kind,
                                 const DatasetAttr *attrs, int n_attrs, NashError *err) {
    return dataset_write_vectors_columns(path, x, n, sample, kind, attrs, n_attrs, NULL, 0, err);
}

NashStatus dataset_write_vectors_columns(const char *path, const float *x, int64_t n, Shape sample, const char *kind,
                                         const DatasetAttr *attrs, int n_attrs, const DatasetColumn *columns,
                                         int n_columns, NashError *err) {
    if (!path || !x || n <= 0)
        return nash_fail(err, NASH_ERR_INVALID, "%s: nothing to write (%lld vectors)", path ? path : "(null)",
                         (long long)n);
    NashStatus st = check_sample_shape(path, sample, 0, err);
    if (st != NASH_OK) return st;
    for (int a = 0; a < n_attrs; a++)
        if (!attrs[a].name || !attrs[a].values || attrs[a].count <= 0)
            return nash_fail(err, NASH_ERR_INVALID, "%s: attribute %d of /x has no name or no values", path, a);
    for (int c = 0; c < n_columns; c++)
        if (!columns[c].name || !columns[c].values || !strcmp(columns[c].name, "x") ||
            !strcmp(columns[c].name, "images") || !strcmp(columns[c].name, "labels"))
            return nash_fail(err, NASH_ERR_INVALID, "%s: per-sample column %d has no values or a reserved name", path,
                             c);
    Writer w;
    st = writer_begin(&w, path, (size_t)n * sizeof(float) * shape_numel(sample), err);
    if (st != NASH_OK) return st;
    hsize_t dims[1 + SHAPE_MAX_DIMS];
    dims[0] = (hsize_t)n;
    for (int i = 0; i < sample.ndim; i++) dims[1 + i] = (hsize_t)sample.dim[i];
    hid_t dset = H5I_INVALID_HID;
    st = write_dataset(&w, "/x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1 + sample.ndim, dims,
                       chunk_samples(n, sizeof(float) * shape_numel(sample)), x, &dset, err);
    if (st == NASH_OK && h5util_write_string_attr(dset, "kind", kind ? kind : "vectors") < 0)
        st = attr_failed(&w, "/x", "kind", err);
    for (int a = 0; st == NASH_OK && a < n_attrs; a++)
        if (h5util_write_doubles_attr(dset, attrs[a].name, attrs[a].values, attrs[a].count) < 0)
            st = attr_failed(&w, "/x", attrs[a].name, err);
    st = close_dataset(&w, dset, "/x", st, err);
    for (int c = 0; st == NASH_OK && c < n_columns; c++) {
        char name[256];
        snprintf(name, sizeof name, "/%s", columns[c].name);
        hsize_t cdims[1] = {(hsize_t)n};
        dset = H5I_INVALID_HID;
        st = write_dataset(&w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, cdims, chunk_samples(n, sizeof(double)),
                           columns[c].values, &dset, err);
        if (st == NASH_OK) st = close_dataset(&w, dset, name, st, err);
    }
    if (st == NASH_OK) return writer_commit(&w, err);
    writer_abort(&w);
    return st;
}
