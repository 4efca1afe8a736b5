/* samples.c — write generated samples to HDF5 atomically (see samples.h). */
#include "io/samples.h"

#include "core/atomic.h"
#include "data/h5util.h"
#include "io/h5io.h"

static herr_t write_samples(hid_t file, const float *samples, int n, Shape shape) {
    hsize_t dims[SHAPE_MAX_DIMS + 1] = {(hsize_t)n};
    for (int i = 0; i < shape.ndim; i++) dims[i + 1] = (hsize_t)shape.dim[i];
    return io_write_floats(file, "samples", shape.ndim + 1, dims, samples, false);
}

NashStatus samples_write(const char *path, const float *samples, int n, Shape shape, const SamplesInfo *info,
                         NashError *err) {
    h5util_quiet();
    if (n <= 0 || shape.ndim < 0 || shape.ndim > SHAPE_MAX_DIMS || shape_numel(shape) == 0)
        return nash_fail(err, NASH_ERR_INVALID, "%s: no samples to write (n=%d)", path, n);
    AtomicFile af;
    hid_t file;
    NashStatus st = h5util_create_atomic(path, &af, &file, err);
    if (st) return st;
    if (h5util_write_string_attr(file, "format", SAMPLES_FORMAT) < 0 ||
        h5util_write_int_attr(file, "version", SAMPLES_VERSION) < 0 ||
        h5util_write_uint64_attr(file, "seed", info->seed) < 0 ||
        h5util_write_string_attr(file, "source", info->source ? info->source : "") < 0 ||
        h5util_write_string_attr(file, "group", info->group ? info->group : "") < 0 ||
        h5util_write_string_attr(file, "noise", info->noise ? info->noise : "") < 0 ||
        h5util_write_string_attr(file, "mode", info->train_mode ? "train" : "eval") < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write the attributes", path);
    if (!st && write_samples(file, samples, n, shape) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /samples (is the disk full?)", path);
    return h5util_commit_atomic(&af, file, st, err);
}
