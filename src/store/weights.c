/* weights.c — networks in HDF5: save both players atomically, read back a group's layer lines,
 * input shape and tensors, all-or-nothing (see weights.h and docs/weights.md). The pieces that
 * checkpoints and sample files reuse (tensor writing with CRC-32s, group writing and reading)
 * are declared in h5io.h. */
#include "store/weights.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "core/atomic.h"
#include "core/seal.h"
#include "store/h5util.h"
#include "store/internal.h"

/* ---- saving --------------------------------------------------------------------------------- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checksums are taken over native floats, which must be the file's little-endian bytes"
#endif

static herr_t write_tensor(hid_t group, const NetTensor *t, const float *data, bool checksum) {
    hsize_t dims[SHAPE_MAX_DIMS];
    for (int i = 0; i < t->shape.ndim; i++) dims[i] = (hsize_t)t->shape.dim[i];
    return h5util_write_floats(group, t->name, t->shape.ndim, dims, data, checksum);
}

NashStatus weights_write_group(hid_t file, const char *path, const WeightsEntry *e, bool checksum, NashError *err) {
    const Net *net = e->net;
    hid_t g = H5Gcreate2(file, e->group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot create group /%s", path, e->group);
    int32_t in[SHAPE_MAX_DIMS];
    for (int i = 0; i < net->in.ndim; i++) in[i] = net->in.dim[i];
    NashStatus st = NASH_OK;
    if (h5util_write_string_attr(g, "layers", e->layers) < 0 ||
        h5util_write_ints_attr(g, "input_shape", in, net->in.ndim) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write the attributes of /%s", path, e->group);
    const float *params = e->params ? e->params : net->params;
    for (int t = 0; !st && t < net->n_params; t++)
        if (write_tensor(g, &net->param_info[t], params + net->param_info[t].offset, checksum) < 0)
            st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /%s/%s", path, e->group, net->param_info[t].name);
    const float *buffers = e->buffers ? e->buffers : net->buffers;
    for (int t = 0; !st && t < net->n_buffers; t++)
        if (write_tensor(g, &net->buffer_info[t], buffers + net->buffer_info[t].offset, checksum) < 0)
            st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /%s/%s", path, e->group, net->buffer_info[t].name);
    if (H5Gclose(g) < 0 && !st) st = nash_fail(err, NASH_ERR_IO, "%s: cannot close group /%s", path, e->group);
    return st;
}

NashStatus weights_check_group_name(const char *path, const char *group, NashError *err) {
    if (!group || !*group || strchr(group, '/') || !strcmp(group, "config") || !strcmp(group, "."))
        return nash_fail(err, NASH_ERR_INVALID, "%s: '%s' cannot name a network group (one word, not 'config')", path,
                         group ? group : "(null)");
    return NASH_OK;
}

NashStatus weights_check_entries(const char *path, const WeightsEntry *entries, int n_entries, NashError *err) {
    if (n_entries <= 0) return nash_fail(err, NASH_ERR_INVALID, "%s: no network to save", path);
    for (int i = 0; i < n_entries; i++) {
        NashStatus st = weights_check_group_name(path, entries[i].group, err);
        if (st) return st;
        if (!entries[i].net || !entries[i].layers)
            return nash_fail(err, NASH_ERR_INVALID, "%s: group /%s has no network or no layer lines", path,
                             entries[i].group);
        for (int j = 0; j < i; j++)
            if (!strcmp(entries[i].group, entries[j].group))
                return nash_fail(err, NASH_ERR_INVALID, "%s: group /%s given twice", path, entries[i].group);
    }
    return NASH_OK;
}

NashStatus weights_save(const char *path, const WeightsEntry *entries, int n_entries, const char *config_text,
                        NashError *err) {
    h5util_quiet();
    NashStatus st = weights_check_entries(path, entries, n_entries, err);
    if (st) return st;
    AtomicFile af;
    hid_t file;
    st = h5util_create_atomic(path, &af, &file, err);
    if (st) return st;
    if (h5util_write_string_attr(file, "format", WEIGHTS_FORMAT) < 0 ||
        h5util_write_int_attr(file, "version", WEIGHTS_VERSION) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write the format attributes", path);
    for (int i = 0; !st && i < n_entries; i++) st = weights_write_group(file, path, &entries[i], false, err);
    if (!st && h5util_write_string_dataset(file, "config", config_text ? config_text : "") < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /config", path);
    return h5util_commit_atomic(&af, file, st, err);
}

/* ---- reading -------------------------------------------------------------------------------- */

NashStatus weights_open_file(const char *path, hid_t *file, NashError *err) {
    struct stat sb;
    *file = H5I_INVALID_HID;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0)
        return nash_fail(err, NASH_ERR_DATA, "%s: empty file (0 bytes): an interrupted or failed write", path);
    /* Every byte is checked before HDF5 reads any (core/seal.h). A checkpoint must be sealed (only
     * nash writes them); a weights file may be written by hand in the documented layout, and the
     * user is then told it cannot be verified. */
    bool sealed = false;
    NashStatus st = seal_verify(path, &sealed, err);
    if (!st) st = h5util_open_read(path, file, err);
    if (st) return st;
    char *format = h5util_read_string_attr(*file, "format");
    int32_t version = 0;
    int n_version = h5util_read_ints_attr(*file, "version", &version, 1);
    if (!format || strncmp(format, "nash-", 5) != 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: not a nash weights file (the root has no format attribute '%s')", path,
                       WEIGHTS_FORMAT);
    else if (n_version != 1)
        st = nash_fail(err, NASH_ERR_DATA, "%s: the root has no int attribute 'version'", path);
    else if (version < 1 || version > WEIGHTS_VERSION)
        st = nash_fail(err, NASH_ERR_DATA, "%s: format version %d; this nash reads versions 1..%d", path, (int)version,
                       WEIGHTS_VERSION);
    else if (!sealed && strcmp(format, "nash-checkpoint") == 0)
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: a checkpoint without nash's seal (the first line of the file): it was written by a nash "
                       "before 0.2, or its first bytes are damaged; nash resumes only from checkpoints it can verify",
                       path);
    else if (!sealed && strcmp(format, WEIGHTS_FORMAT) != 0)
        /* Only the documented weights layout may be written by hand; any other unsealed nash-*
         * file is a sealed one that lost its seal (tests/fuzz/regressions/sealed). */
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: format '%s' without nash's seal (the first line of the file): the file is damaged; "
                       "only a weights file (format '%s') may be written by hand without one",
                       path, format, WEIGHTS_FORMAT);
    else if (!sealed)
        nash_warn("%s carries no seal (not written by nash, or by a nash before 0.2): its bytes cannot be verified",
                  path);
    free(format);
    if (st) {
        H5Fclose(*file);
        *file = H5I_INVALID_HID;
    }
    return st;
}

typedef struct {
    char text[256];
    size_t used;
} NameJoin;

/* The kind of object at loc/name (H5I_GROUP, H5I_DATASET), H5I_BADID when it cannot be opened. */
static H5I_type_t object_type(hid_t loc, const char *name) {
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    if (obj < 0) return H5I_BADID;
    H5I_type_t type = H5Iget_type(obj);
    H5Oclose(obj);
    return type;
}

static herr_t join_group_name(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    NameJoin *join = data;
    if (object_type(loc, name) != H5I_GROUP) return 0;
    if (join->used < sizeof join->text) {
        int n =
            snprintf(join->text + join->used, sizeof join->text - join->used, "%s/%s", join->used ? ", " : "", name);
        if (n > 0) join->used += (size_t)n;
    }
    return 0;
}

NashStatus weights_open_group(hid_t file, const char *path, const char *group, hid_t *g, NashError *err) {
    *g = H5I_INVALID_HID;
    NashStatus st = weights_check_group_name(path, group, err);
    if (st) return st;
    if (H5Lexists(file, group, H5P_DEFAULT) <= 0) {
        NameJoin join = {{0}, 0};
        hsize_t idx = 0;
        H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, join_group_name, &join);
        return nash_fail(err, NASH_ERR_DATA, "%s: no group /%s in the file (it holds: %s)", path, group,
                         join.used ? join.text : "no networks");
    }
    *g = H5Gopen2(file, group, H5P_DEFAULT);
    if (*g < 0) return nash_fail(err, NASH_ERR_DATA, "%s: /%s is not a group", path, group);
    return NASH_OK;
}

/* Open a weights file and one of its network groups; on failure nothing is left open. */
static NashStatus open_weights_group(const char *path, const char *group, hid_t *file, hid_t *g, NashError *err) {
    NashStatus st = weights_open_file(path, file, err);
    if (st) return st;
    st = weights_open_group(*file, path, group, g, err);
    if (st) {
        H5Fclose(*file);
        *file = H5I_INVALID_HID;
    }
    return st;
}

NashStatus weights_read_spec(const char *path, const char *group, char **layers, Shape *input, NashError *err) {
    *layers = NULL;
    hid_t file, g;
    NashStatus st = open_weights_group(path, group, &file, &g, err);
    if (st) return st;
    int32_t dims[SHAPE_MAX_DIMS];
    int ndim = h5util_read_ints_attr(g, "input_shape", dims, SHAPE_MAX_DIMS);
    char *text = h5util_read_string_attr(g, "layers");
    if (!text) {
        st = nash_fail(err, NASH_ERR_DATA, "%s: /%s has no string attribute 'layers'", path, group);
    } else if (ndim < 1) {
        st = nash_fail(err, NASH_ERR_DATA, "%s: /%s has no int attribute 'input_shape' of 1 to %d values", path, group,
                       SHAPE_MAX_DIMS);
    } else {
        *input = (Shape){.ndim = ndim};
        for (int i = 0; i < ndim; i++) {
            if (dims[i] <= 0)
                st = nash_fail(err, NASH_ERR_DATA, "%s: /%s@input_shape has a dimension %d", path, group, (int)dims[i]);
            input->dim[i] = dims[i];
        }
    }
    if (st)
        free(text);
    else
        *layers = text;
    H5Gclose(g);
    H5Fclose(file);
    return st;
}

NashStatus weights_read_config(const char *path, char **config_text, NashError *err) {
    *config_text = NULL;
    hid_t file;
    NashStatus st = weights_open_file(path, &file, err);
    if (st) return st;
    if (H5Lexists(file, "config", H5P_DEFAULT) <= 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: no /config dataset", path);
    else if (!(*config_text = h5util_read_string_dataset(file, "config")))
        st = nash_fail(err, NASH_ERR_DATA, "%s: /config is not a readable scalar string", path);
    H5Fclose(file);
    return st;
}

/* Read one tensor of the net from the group into dst, checking class and shape. */
static NashStatus read_tensor(hid_t g, const char *path, const char *group, const NetTensor *t, float *dst,
                              NashError *err) {
    char want[64], got[64];
    shape_format(t->shape, want, sizeof want);
    if (H5Lexists(g, t->name, H5P_DEFAULT) <= 0)
        return nash_fail(err, NASH_ERR_DATA, "%s: /%s/%s is missing from the file (the network has it with shape %s)",
                         path, group, t->name, want);
    hid_t set = H5Dopen2(g, t->name, H5P_DEFAULT);
    if (set < 0) return nash_fail(err, NASH_ERR_DATA, "%s: /%s/%s is not a dataset", path, group, t->name);
    hid_t type = H5Dget_type(set), space = H5Dget_space(set);
    NashStatus st = NASH_OK;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t dims[H5S_MAX_RANK];
    if (type < 0 || H5Tget_class(type) != H5T_FLOAT) {
        st = nash_fail(err, NASH_ERR_DATA, "%s: /%s/%s is not a float dataset", path, group, t->name);
    } else if (rank < 0 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        st = nash_fail(err, NASH_ERR_DATA, "%s: cannot read the shape of /%s/%s", path, group, t->name);
    } else {
        bool same = rank == t->shape.ndim;
        for (int i = 0; same && i < rank; i++) same = dims[i] == (hsize_t)t->shape.dim[i];
        if (!same)
            st = nash_fail(err, NASH_ERR_DATA, "%s: /%s/%s has shape %s in the file but %s in the network", path, group,
                           t->name, h5util_dims_format(rank, dims, got, sizeof got), want);
        else if (H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0)
            st = nash_fail(err, NASH_ERR_DATA, "%s: cannot read /%s/%s (truncated or damaged file?)", path, group,
                           t->name);
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Dclose(set);
    return st;
}

/* A name like "12.weight": what the net calls its tensors. */
static bool looks_like_tensor(const char *name) {
    const char *p = name;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
    if (*p++ != '.' || !*p) return false;
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_') return false;
    return true;
}

typedef struct {
    const Net *net;
    char extra[NET_NAME_MAX];
} ExtraSearch;

static herr_t find_extra(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    ExtraSearch *search = data;
    if (!looks_like_tensor(name) || object_type(loc, name) != H5I_DATASET) return 0;
    if (net_find_param(search->net, name) || net_find_buffer(search->net, name)) return 0;
    snprintf(search->extra, sizeof search->extra, "%s", name);
    return 1;
}

NashStatus weights_read_group(hid_t g, const char *path, const char *group, const Net *net, float *params,
                              float *buffers, NashError *err) {
    NashStatus st = NASH_OK;
    for (int t = 0; !st && t < net->n_params; t++)
        st = read_tensor(g, path, group, &net->param_info[t], params + net->param_info[t].offset, err);
    for (int t = 0; !st && t < net->n_buffers; t++)
        st = read_tensor(g, path, group, &net->buffer_info[t], buffers + net->buffer_info[t].offset, err);
    if (st) return st;
    ExtraSearch search = {.net = net, .extra = ""};
    hsize_t idx = 0;
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, find_extra, &search) < 0)
        return nash_fail(err, NASH_ERR_DATA, "%s: cannot list /%s", path, group);
    if (search.extra[0])
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: /%s/%s is in the file but not in the network (a different architecture?)", path, group,
                         search.extra);
    return NASH_OK;
}

NashStatus weights_load(const char *path, const char *group, Net *net, NashError *err) {
    hid_t file, g;
    NashStatus st = open_weights_group(path, group, &file, &g, err);
    if (st) return st;
    /* Read into copies of the arenas, so that a failure leaves the net as it was. */
    float *params = malloc((net->param_floats ? net->param_floats : 1) * sizeof(float));
    float *buffers = malloc((net->buffer_floats ? net->buffer_floats : 1) * sizeof(float));
    if (!params || !buffers) {
        st = nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate room to load /%s", path, group);
        goto done;
    }
    if (net->param_floats) memcpy(params, net->params, net->param_floats * sizeof(float));
    if (net->buffer_floats) memcpy(buffers, net->buffers, net->buffer_floats * sizeof(float));
    st = weights_read_group(g, path, group, net, params, buffers, err);
    if (!st) {
        if (net->param_floats) memcpy(net->params, params, net->param_floats * sizeof(float));
        if (net->buffer_floats) memcpy(net->buffers, buffers, net->buffer_floats * sizeof(float));
    }
done:
    free(params);
    free(buffers);
    H5Gclose(g);
    H5Fclose(file);
    return st;
}
