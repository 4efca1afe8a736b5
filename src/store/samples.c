/* samples.c — generated samples in HDF5: written atomically, read back (see samples.h). */
#include "store/samples.h"

#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/seal.h"
#include "store/h5util.h"
#include "store/internal.h"

static herr_t write_batch(hid_t file, const char *name, const float *values, int n, Shape shape) {
    hsize_t dims[SHAPE_MAX_DIMS + 1] = {(hsize_t)n};
    for (int i = 0; i < shape.ndim; i++) dims[i + 1] = (hsize_t)shape.dim[i];
    return h5util_write_floats(file, name, shape.ndim + 1, dims, values, false);
}

herr_t samples_write_info(hid_t file, const char *format, const SamplesInfo *info) {
    herr_t rc = 0;
    if (h5util_write_string_attr(file, "format", format) < 0 ||
        h5util_write_int_attr(file, "version", SAMPLES_VERSION) < 0 ||
        h5util_write_string_attr(file, "source", info->source ? info->source : "") < 0 ||
        h5util_write_string_attr(file, "group", info->group ? info->group : "") < 0 ||
        h5util_write_string_attr(file, "noise", info->noise ? info->noise : "") < 0 ||
        h5util_write_string_attr(file, "mode", info->train_mode ? "train" : "eval") < 0)
        rc = -1;
    if (rc >= 0)
        rc = info->z_file ? h5util_write_string_attr(file, "z_file", info->z_file)
                          : h5util_write_uint64_attr(file, "seed", info->seed);
    if (rc >= 0 && info->grid_rows > 0) {
        int32_t grid[2] = {info->grid_rows, info->grid_cols};
        if (h5util_write_string_attr(file, "interpolation", "slerp") < 0 ||
            h5util_write_ints_attr(file, "grid", grid, 2) < 0)
            rc = -1;
    }
    if (rc >= 0 && info->truncation > 0.0) rc = h5util_write_doubles_attr(file, "truncation", &info->truncation, 1);
    return rc;
}

herr_t samples_write_z(hid_t file, const float *z, int n, Shape z_shape) {
    return write_batch(file, "z", z, n, z_shape);
}

NashStatus samples_write_file(const char *path, const char *format, const float *samples, Shape shape, const float *z,
                              Shape z_shape, int n, const SamplesInfo *info, NashError *err) {
    h5util_quiet();
    Shape first = samples ? shape : z_shape; /* the shape that must hold something */
    if (n <= 0 || first.ndim < 0 || first.ndim > SHAPE_MAX_DIMS || shape_numel(first) == 0)
        return nash_fail(err, NASH_ERR_INVALID, "%s: no %s to write (n=%d)", path, samples ? "samples" : "latents", n);
    AtomicFile af;
    hid_t file;
    NashStatus st = h5util_create_atomic(path, &af, &file, err);
    if (st) return st;
    if (samples_write_info(file, format, info) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write the attributes", path);
    if (!st && samples && write_batch(file, "samples", samples, n, shape) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /samples (is the disk full?)", path);
    if (!st && z && samples_write_z(file, z, n, z_shape) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /z (is the disk full?)", path);
    if (!st && info->labels) {
        hsize_t dims[1] = {(hsize_t)n};
        hid_t space = H5Screate_simple(1, dims, NULL);
        hid_t set =
            space < 0 ? -1 : H5Dcreate2(file, "labels", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (set < 0 || H5Dwrite(set, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, info->labels) < 0)
            st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /labels (is the disk full?)", path);
        if (set >= 0) H5Dclose(set);
        if (space >= 0) H5Sclose(space);
    }
    return h5util_commit_atomic(&af, file, st, err);
}

NashStatus samples_write(const char *path, const float *samples, const float *z, int n, Shape shape, Shape z_shape,
                         const SamplesInfo *info, NashError *err) {
    return samples_write_file(path, SAMPLES_FORMAT, samples, shape, z, z_shape, n, info, err);
}

bool samples_detect(const char *path) {
    h5util_quiet();
    /* A file whose seal fails is not opened here: the reader that comes next says why. */
    bool sealed = false;
    if (seal_verify(path, &sealed, NULL) != NASH_OK) return false;
    if (h5util_is_hdf5(path) <= 0) return false;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return false;
    char *format = h5util_read_string_attr(file, "format");
    bool yes = format && strcmp(format, SAMPLES_FORMAT) == 0;
    free(format);
    H5Fclose(file);
    return yes;
}

NashStatus samples_read(const char *path, float **samples, int64_t *n, Shape *shape, NashError *err) {
    *samples = NULL;
    hid_t file, dset = -1, space = -1;
    bool sealed = false;
    NashStatus st = seal_verify(path, &sealed, err);
    if (!st) st = h5util_open_read(path, &file, err);
    if (st) return st;
    if (!sealed) nash_warn("%s carries no seal (not written by nash): its bytes cannot be verified", path);
    char *format = h5util_read_string_attr(file, "format");
    if (!format || strcmp(format, SAMPLES_FORMAT) != 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: not a samples file (its format attribute is not \"%s\")", path,
                       SAMPLES_FORMAT);
    free(format);
    hsize_t dims[SHAPE_MAX_DIMS + 2];
    int rank = 0;
    if (!st && ((dset = H5Dopen2(file, "samples", H5P_DEFAULT)) < 0 || (space = H5Dget_space(dset)) < 0 ||
                (rank = H5Sget_simple_extent_ndims(space)) < 2 || rank > SHAPE_MAX_DIMS + 1 ||
                H5Sget_simple_extent_dims(space, dims, NULL) < 0))
        st = nash_fail(err, NASH_ERR_DATA, "%s: no readable /samples dataset of 2 to %d dimensions", path,
                       SHAPE_MAX_DIMS + 1);
    if (!st) {
        shape->ndim = rank - 1;
        size_t total = dims[0];
        for (int i = 1; i < rank; i++) {
            shape->dim[i - 1] = (int)dims[i];
            total *= dims[i];
        }
        *n = (int64_t)dims[0];
        *samples = malloc(total * sizeof **samples);
        if (!*samples)
            st = nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate %zu floats for /samples", path, total);
        else if (H5Dread(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *samples) < 0)
            st = nash_fail(err, NASH_ERR_DATA, "%s: cannot read /samples", path);
    }
    if (st) {
        free(*samples);
        *samples = NULL;
    }
    if (space >= 0) H5Sclose(space);
    if (dset >= 0) H5Dclose(dset);
    H5Fclose(file);
    return st;
}
