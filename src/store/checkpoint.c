/* checkpoint.c — resumable training state in HDF5 (see checkpoint.h and docs/checkpoint.md):
 * the weights format (store/weights.c, whose group writer and reader this reuses) plus optimizer
 * moments and /state, a CRC-32 (zlib) on every dataset, written atomically (core/atomic.h);
 * verification of every checksum, all-or-nothing loading, choosing the newest valid checkpoint
 * of a run and pruning old ones. Every HDF5 call is made holding h5util_lock. */
#include "store/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "store/internal.h"

#define CKPT_KIND_MAX 16

NashStatus ckpt_path(const char *run_dir, int64_t step, char *out, size_t size, NashError *err) {
    int n = snprintf(out, size, "%s/ckpt/step_%08lld.h5", run_dir, (long long)step);
    if (n < 0 || (size_t)n >= size) return nash_fail(err, NASH_ERR_INVALID, "%s: checkpoint path too long", run_dir);
    return NASH_OK;
}

/* The CRC-32 of /state: its values as little-endian step, data_batch, seed (8 bytes each),
 * world_size (4 bytes), then the layout's bytes. */
static uint32_t state_crc(const CheckpointState *s) {
    unsigned char buf[28 + sizeof s->layout];
    uint64_t words[3] = {(uint64_t)s->step, (uint64_t)s->data_batch, s->seed};
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < 8; i++) buf[8 * w + i] = (unsigned char)(words[w] >> (8 * i));
    for (int i = 0; i < 4; i++) buf[24 + i] = (unsigned char)((uint32_t)s->world_size >> (8 * i));
    size_t n = strnlen(s->layout, sizeof s->layout);
    memcpy(buf + 28, s->layout, n);
    return h5util_crc32(buf, 28 + n);
}

NashStatus ckpt_read_state(hid_t file, const char *path, CheckpointState *state, NashError *err) {
    *state = (CheckpointState){0};
    if (H5Lexists(file, "state", H5P_DEFAULT) <= 0)
        return nash_fail(err, NASH_ERR_DATA, "%s: no /state group (not a checkpoint?)", path);
    hid_t g = H5Gopen2(file, "state", H5P_DEFAULT);
    if (g < 0) return nash_fail(err, NASH_ERR_DATA, "%s: /state is not a group", path);
    int32_t world = 0;
    char *layout = h5util_read_string_attr(g, "layout");
    NashStatus st = NASH_OK;
    if (h5util_read_int64_attr(g, "step", &state->step) < 0 ||
        h5util_read_int64_attr(g, "data_batch", &state->data_batch) < 0 ||
        h5util_read_uint64_attr(g, "seed", &state->seed) < 0 ||
        h5util_read_ints_attr(g, "world_size", &world, 1) != 1 || !layout)
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: /state lacks one of its integer attributes step, data_batch, seed, world_size or the "
                       "string layout",
                       path);
    else if (strlen(layout) >= sizeof state->layout)
        st = nash_fail(err, NASH_ERR_DATA, "%s: /state@layout is too long", path);
    else
        snprintf(state->layout, sizeof state->layout, "%s", layout);
    state->world_size = world;
    free(layout);
    H5Gclose(g);
    return st;
}

/* ---- saving ---------------------------------------------------------------------------------- */

/* The first non-finite value of n floats, or -1. */
static long first_non_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return (long)i;
    return -1;
}

static NashStatus check_players(const char *path, const CheckpointPlayer *players, int n, WeightsEntry *entries,
                                NashError *err) {
    for (int i = 0; i < n; i++) {
        const CheckpointPlayer *p = &players[i];
        entries[i] = (WeightsEntry){
            .group = p->group, .net = p->net, .layers = p->layers, .params = p->params, .buffers = p->buffers};
        if (p->group && (!strcmp(p->group, "optim") || !strcmp(p->group, "state")))
            return nash_fail(err, NASH_ERR_INVALID, "%s: '%s' cannot name a network group", path, p->group);
        if (p->opt_kind && (!*p->opt_kind || strlen(p->opt_kind) >= CKPT_KIND_MAX))
            return nash_fail(err, NASH_ERR_INVALID, "%s: /%s: optimizer kind '%s' (1 to %d characters)", path,
                             p->group ? p->group : "?", p->opt_kind, CKPT_KIND_MAX - 1);
    }
    NashStatus st = weights_check_entries(path, entries, n, err);
    for (int i = 0; !st && i < n; i++) {
        const CheckpointPlayer *p = &players[i];
        const Net *net = p->net;
        const float *arrays[3] = {p->params ? p->params : net->params, p->moment1, p->moment2};
        const char *what[3] = {"parameters", "optimizer moment m", "optimizer moment v"};
        for (int a = 0; a < 3; a++) {
            long bad = arrays[a] ? first_non_finite(arrays[a], net->param_floats) : -1;
            if (bad >= 0)
                return nash_fail(err, NASH_ERR_INVALID,
                                 "%s: refusing to save a checkpoint: /%s %s hold a non-finite value (float %ld)", path,
                                 p->group, what[a], bad);
        }
        long bad = first_non_finite(p->buffers ? p->buffers : net->buffers, net->buffer_floats);
        if (bad >= 0)
            return nash_fail(err, NASH_ERR_INVALID,
                             "%s: refusing to save a checkpoint: /%s buffers hold a non-finite value (float %ld)", path,
                             p->group, bad);
    }
    return st;
}

static NashStatus write_optim(hid_t optim, const char *path, const CheckpointPlayer *p, NashError *err) {
    hid_t g = H5Gcreate2(optim, p->group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot create /optim/%s", path, p->group);
    hsize_t n = p->net->param_floats;
    NashStatus st = NASH_OK;
    if (h5util_write_string_attr(g, "kind", p->opt_kind) < 0 ||
        h5util_write_scalar_attr(g, "steps", H5T_STD_I64LE, H5T_NATIVE_INT64, &p->opt_steps) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write the attributes of /optim/%s", path, p->group);
    if (!st && p->moment1 && h5util_write_floats(g, "m", 1, &n, p->moment1, true) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /optim/%s/m (is the disk full?)", path, p->group);
    if (!st && p->moment2 && h5util_write_floats(g, "v", 1, &n, p->moment2, true) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write /optim/%s/v (is the disk full?)", path, p->group);
    H5Gclose(g);
    return st;
}

static NashStatus write_state(hid_t file, const char *path, const CheckpointState *s, NashError *err) {
    hid_t g = H5Gcreate2(file, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot create /state", path);
    herr_t rc = h5util_write_scalar_attr(g, "step", H5T_STD_I64LE, H5T_NATIVE_INT64, &s->step);
    if (rc >= 0) rc = h5util_write_scalar_attr(g, "data_batch", H5T_STD_I64LE, H5T_NATIVE_INT64, &s->data_batch);
    if (rc >= 0) rc = h5util_write_uint64_attr(g, "seed", s->seed);
    if (rc >= 0) rc = h5util_write_string_attr(g, "layout", s->layout);
    if (rc >= 0) rc = h5util_write_int_attr(g, "world_size", s->world_size);
    if (rc >= 0) rc = h5util_write_crc32_attr(g, state_crc(s));
    H5Gclose(g);
    return rc < 0 ? nash_fail(err, NASH_ERR_IO, "%s: cannot write /state", path) : NASH_OK;
}

static NashStatus write_config(hid_t file, const char *path, const char *text, NashError *err) {
    herr_t rc = h5util_write_string_dataset(file, "config", text);
    hid_t set = rc < 0 ? H5I_INVALID_HID : H5Dopen2(file, "config", H5P_DEFAULT);
    if (set >= 0) {
        rc = h5util_write_crc32_attr(set, h5util_crc32(text, strlen(text)));
        H5Dclose(set);
    }
    return rc < 0 || set < 0 ? nash_fail(err, NASH_ERR_IO, "%s: cannot write /config", path) : NASH_OK;
}

static NashStatus save_locked(const char *path, const CheckpointState *state, const CheckpointPlayer *players,
                              int n_players, const char *config_text, NashError *err) {
    if (!state || strnlen(state->layout, sizeof state->layout) >= sizeof state->layout)
        return nash_fail(err, NASH_ERR_INVALID, "%s: no state, or a layout without its terminating NUL", path);
    if (n_players <= 0 || !players) return nash_fail(err, NASH_ERR_INVALID, "%s: no network to save", path);
    WeightsEntry *entries = calloc((size_t)n_players, sizeof *entries);
    if (!entries) return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory", path);
    NashStatus st = check_players(path, players, n_players, entries, err);
    char dir[NASH_PATH_MAX];
    if (!st) st = fs_dirname(path, dir, sizeof dir, err);
    if (!st) st = fs_mkdir_p(dir, err);
    AtomicFile af;
    hid_t file;
    if (!st) st = h5util_create_atomic(path, &af, &file, err);
    if (st) {
        free(entries);
        return st;
    }
    if (h5util_write_string_attr(file, "format", CKPT_FORMAT) < 0 ||
        h5util_write_int_attr(file, "version", CKPT_VERSION) < 0)
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot write the format attributes", path);
    for (int i = 0; !st && i < n_players; i++) st = weights_write_group(file, path, &entries[i], true, err);
    hid_t optim = H5I_INVALID_HID;
    for (int i = 0; !st && i < n_players; i++) {
        if (!players[i].opt_kind) continue;
        if (optim < 0 && (optim = H5Gcreate2(file, "optim", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
            st = nash_fail(err, NASH_ERR_IO, "%s: cannot create /optim", path);
        if (!st) st = write_optim(optim, path, &players[i], err);
    }
    if (optim >= 0) H5Gclose(optim);
    if (!st) st = write_state(file, path, state, err);
    if (!st) st = write_config(file, path, config_text ? config_text : "", err);
    free(entries);
    return h5util_commit_atomic(&af, file, st, err);
}

NashStatus ckpt_save(const char *path, const CheckpointState *state, const CheckpointPlayer *players, int n_players,
                     const char *config_text, NashError *err) {
    h5util_lock();
    h5util_quiet();
    NashStatus st = save_locked(path, state, players, n_players, config_text, err);
    h5util_unlock();
    return st;
}

/* ---- verifying ------------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    char name[512]; /* the HDF5 path of the group being walked, "" for the root */
    int checked;
    NashStatus st;
    NashError *err;
} ChecksumWalk;

/* Compare the crc32 attribute of dataset loc/name (full name `full`) with its bytes. */
static NashStatus check_dataset(hid_t loc, const char *name, const char *full, ChecksumWalk *w) {
    hid_t set = H5Dopen2(loc, name, H5P_DEFAULT);
    if (set < 0)
        return nash_fail(w->err, NASH_ERR_DATA, "%s: dataset %s cannot be opened (damaged file)", w->path, full);
    uint32_t stored = 0;
    hid_t type = H5Dget_type(set), space = H5Dget_space(set);
    hssize_t npoints = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    NashStatus st = NASH_OK;
    void *bytes = NULL;
    size_t size = 0;
    if (H5Aexists(set, "crc32") <= 0 || h5util_read_scalar_attr(set, "crc32", H5T_NATIVE_UINT32, &stored) < 0) {
        st = nash_fail(w->err, NASH_ERR_DATA, "%s: dataset %s has no crc32 attribute (damaged, or not a checkpoint)",
                       w->path, full);
    } else if (type < 0 || npoints < 0) {
        st = nash_fail(w->err, NASH_ERR_DATA, "%s: dataset %s has an unreadable type or shape (damaged file)", w->path,
                       full);
    } else if (H5Tis_variable_str(type) > 0) {
        bytes = h5util_read_string_dataset(loc, name);
        size = bytes ? strlen(bytes) : 0;
    } else if (H5Tget_class(type) != H5T_FLOAT && H5Tget_class(type) != H5T_INTEGER &&
               H5Tget_class(type) != H5T_STRING) {
        /* Read raw, variable-length or compound data would make HDF5 allocate memory that is
         * never freed (and the checksum would cover pointers); nash writes only floats and text. */
        char tname[32];
        st = nash_fail(w->err, NASH_ERR_DATA, "%s: dataset %s has type %s, not a tensor or a string (damaged file)",
                       w->path, full, h5util_type_name(type, tname, sizeof tname));
    } else if (H5Tget_size(type) == 0 || (size_t)npoints > SIZE_MAX / H5Tget_size(type) ||
               (hsize_t)npoints * H5Tget_size(type) != H5Dget_storage_size(set)) {
        /* nash stores every value it declares; a dataset that declares more than the file holds
         * is refused before its declared size is allocated. */
        st = nash_fail(w->err, NASH_ERR_DATA,
                       "%s: dataset %s declares %lld values of %zu bytes but the file stores %llu bytes (truncated "
                       "or damaged file)",
                       w->path, full, (long long)npoints, H5Tget_size(type),
                       (unsigned long long)H5Dget_storage_size(set));
    } else {
        size = (size_t)npoints * H5Tget_size(type);
        bytes = malloc(size ? size : 1);
        if (bytes && H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes) < 0) {
            free(bytes);
            bytes = NULL;
        }
    }
    if (!st && !bytes)
        st = nash_fail(w->err, NASH_ERR_DATA, "%s: dataset %s cannot be read (truncated or damaged file)", w->path,
                       full);
    if (!st) {
        uint32_t crc = h5util_crc32(bytes, size);
        if (crc != stored)
            st = nash_fail(w->err, NASH_ERR_DATA,
                           "%s: dataset %s is corrupt: its CRC-32 is %08" PRIx32 " but %08" PRIx32 " was saved",
                           w->path, full, crc, stored);
    }
    free(bytes);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Dclose(set);
    return st;
}

static herr_t visit_link(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    ChecksumWalk *w = data;
    size_t len = strlen(w->name);
    if (len + 1 + strlen(name) >= sizeof w->name) {
        w->st = nash_fail(w->err, NASH_ERR_DATA, "%s: an object name under %s is too long", w->path, w->name);
        return -1;
    }
    snprintf(w->name + len, sizeof w->name - len, "/%s", name);
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    H5I_type_t type = obj < 0 ? H5I_BADID : H5Iget_type(obj);
    if (obj >= 0) H5Oclose(obj);
    if (type == H5I_BADID) {
        w->st = nash_fail(w->err, NASH_ERR_DATA, "%s: object %s cannot be read (damaged file)", w->path, w->name);
    } else if (type == H5I_DATASET) {
        w->st = check_dataset(loc, name, w->name, w);
        if (!w->st) w->checked++;
    } else if (type == H5I_GROUP) {
        hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
        hsize_t idx = 0;
        if (g < 0 || (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_link, w) < 0 && !w->st))
            w->st = nash_fail(w->err, NASH_ERR_DATA, "%s: group %s cannot be listed (damaged file)", w->path, w->name);
        if (g >= 0) H5Gclose(g);
    }
    w->name[len] = '\0';
    return w->st ? -1 : 0;
}

static NashStatus verify_locked(const char *path, CheckpointState *state, int *n_checked, NashError *err) {
    CheckpointState local;
    if (!state) state = &local;
    *state = (CheckpointState){0};
    if (n_checked) *n_checked = 0;
    hid_t file;
    NashStatus st = weights_open_file(path, &file, err);
    if (st) return st;
    char *format = h5util_read_string_attr(file, "format");
    if (!format || strcmp(format, CKPT_FORMAT) != 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: not a checkpoint (format '%s', expected '%s')", path,
                       format ? format : "?", CKPT_FORMAT);
    free(format);
    ChecksumWalk w = {.path = path, .name = "", .err = err};
    hsize_t idx = 0;
    if (!st && H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_link, &w) < 0)
        st = w.st ? w.st : nash_fail(err, NASH_ERR_DATA, "%s: the root group cannot be listed (damaged file)", path);
    if (!st) st = ckpt_read_state(file, path, state, err);
    if (!st) {
        hid_t g = H5Gopen2(file, "state", H5P_DEFAULT);
        uint32_t stored = 0;
        herr_t rc = g < 0 ? -1 : h5util_read_scalar_attr(g, "crc32", H5T_NATIVE_UINT32, &stored);
        if (g >= 0) H5Gclose(g);
        if (rc < 0 || stored != state_crc(state))
            st = nash_fail(err, NASH_ERR_DATA, "%s: /state is corrupt: its attributes do not match their crc32", path);
    }
    if (!st && (H5Lexists(file, "config", H5P_DEFAULT) <= 0 || w.checked < 2))
        st = nash_fail(err, NASH_ERR_DATA, "%s: an incomplete checkpoint (no /config or no networks)", path);
    H5Fclose(file);
    if (n_checked && !st) *n_checked = w.checked + 1;
    return st;
}

NashStatus ckpt_verify_count(const char *path, CheckpointState *state, int *n_checked, NashError *err) {
    h5util_lock();
    h5util_quiet();
    NashStatus st = verify_locked(path, state, n_checked, err);
    h5util_unlock();
    return st;
}

NashStatus ckpt_verify(const char *path, CheckpointState *state, NashError *err) {
    return ckpt_verify_count(path, state, NULL, err);
}

/* ---- loading --------------------------------------------------------------------------------- */

/* Read the moment /optim/<group>/<name> of n floats into dst. */
static NashStatus read_moment(hid_t og, const char *path, const char *group, const char *name, float *dst, size_t n,
                              NashError *err) {
    if (H5Lexists(og, name, H5P_DEFAULT) <= 0)
        return nash_fail(err, NASH_ERR_DATA, "%s: /optim/%s/%s is absent (the optimizer that saved it did not use it)",
                         path, group, name);
    hid_t set = H5Dopen2(og, name, H5P_DEFAULT);
    if (set < 0) return nash_fail(err, NASH_ERR_DATA, "%s: /optim/%s/%s is not a dataset", path, group, name);
    hid_t space = H5Dget_space(set);
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hssize_t got = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    NashStatus st = NASH_OK;
    if (rank != 1 || got != (hssize_t)n)
        st = nash_fail(err, NASH_ERR_DATA,
                       "%s: /optim/%s/%s holds %lld floats in the file but the network has %zu (a different "
                       "architecture?)",
                       path, group, name, (long long)got, n);
    else if (H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: cannot read /optim/%s/%s (truncated or damaged file?)", path, group,
                       name);
    if (space >= 0) H5Sclose(space);
    H5Dclose(set);
    return st;
}

/* The optimizer state of group: kind and steps, and the moments asked for into m1/m2. */
static NashStatus read_optim(hid_t file, const char *path, const char *group, float *m1, float *m2, size_t n,
                             int64_t *steps, char *kind, NashError *err) {
    bool has = H5Lexists(file, "optim", H5P_DEFAULT) > 0;
    hid_t optim = has ? H5Gopen2(file, "optim", H5P_DEFAULT) : H5I_INVALID_HID;
    has = optim >= 0 && H5Lexists(optim, group, H5P_DEFAULT) > 0;
    hid_t og = has ? H5Gopen2(optim, group, H5P_DEFAULT) : H5I_INVALID_HID;
    NashStatus st = NASH_OK;
    kind[0] = '\0';
    *steps = 0;
    if (og < 0) {
        if (m1 || m2) st = nash_fail(err, NASH_ERR_DATA, "%s: no optimizer state /optim/%s", path, group);
    } else {
        char *text = h5util_read_string_attr(og, "kind");
        if (!text || !*text || strlen(text) >= CKPT_KIND_MAX || h5util_read_int64_attr(og, "steps", steps) < 0)
            st = nash_fail(err, NASH_ERR_DATA, "%s: /optim/%s lacks its attributes kind (string) and steps (int)", path,
                           group);
        else
            snprintf(kind, CKPT_KIND_MAX, "%s", text);
        free(text);
        if (!st && m1) st = read_moment(og, path, group, "m", m1, n, err);
        if (!st && m2) st = read_moment(og, path, group, "v", m2, n, err);
        H5Gclose(og);
    }
    if (optim >= 0) H5Gclose(optim);
    return st;
}

static NashStatus load_locked(const char *path, const char *group, Net *net, float *moment1, float *moment2, size_t n,
                              int64_t *opt_steps, char *opt_kind, NashError *err) {
    if ((moment1 || moment2) && n != net->param_floats)
        return nash_fail(err, NASH_ERR_INVALID, "%s: /%s: room for %zu moment floats, the network has %zu", path, group,
                         n, net->param_floats);
    hid_t file, g = H5I_INVALID_HID;
    NashStatus st = weights_open_file(path, &file, err);
    if (st) return st;
    char *format = h5util_read_string_attr(file, "format");
    if (!format || strcmp(format, CKPT_FORMAT) != 0)
        st = nash_fail(err, NASH_ERR_DATA, "%s: not a checkpoint (format '%s')", path, format ? format : "?");
    free(format);
    if (!st) st = weights_open_group(file, path, group, &g, err);
    /* Everything is read into temporaries first, so a failure leaves the caller's arrays as they were. */
    size_t pf = net->param_floats, bf = net->buffer_floats;
    float *params = malloc((pf + 1) * sizeof(float)), *buffers = malloc((bf + 1) * sizeof(float));
    float *m1 = moment1 ? malloc((n + 1) * sizeof(float)) : NULL,
          *m2 = moment2 ? malloc((n + 1) * sizeof(float)) : NULL;
    if (!st && (!params || !buffers || (moment1 && !m1) || (moment2 && !m2)))
        st = nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate room to load /%s", path, group);
    if (!st) {
        memcpy(params, net->params, pf * sizeof(float));
        memcpy(buffers, net->buffers, bf * sizeof(float));
        st = weights_read_group(g, path, group, net, params, buffers, err);
    }
    int64_t steps = 0;
    char kind[CKPT_KIND_MAX] = "";
    if (!st) st = read_optim(file, path, group, m1, m2, n, &steps, kind, err);
    if (!st) {
        memcpy(net->params, params, pf * sizeof(float));
        memcpy(net->buffers, buffers, bf * sizeof(float));
        if (moment1) memcpy(moment1, m1, n * sizeof(float));
        if (moment2) memcpy(moment2, m2, n * sizeof(float));
        if (opt_steps) *opt_steps = steps;
        if (opt_kind) memcpy(opt_kind, kind, CKPT_KIND_MAX);
    }
    free(params);
    free(buffers);
    free(m1);
    free(m2);
    if (g >= 0) H5Gclose(g);
    H5Fclose(file);
    return st;
}

NashStatus ckpt_load_player(const char *path, const char *group, Net *net, float *moment1, float *moment2, size_t n,
                            int64_t *opt_steps, char *opt_kind, NashError *err) {
    h5util_lock();
    h5util_quiet();
    NashStatus st = load_locked(path, group, net, moment1, moment2, n, opt_steps, opt_kind, err);
    h5util_unlock();
    return st;
}

/* ---- the checkpoints of a run ---------------------------------------------------------------- */

typedef struct {
    int64_t step;
    char path[NASH_PATH_MAX];
} CkptFile;

/* The step of a name "step_<digits>.h5", or -1 for any other name (hidden temporary files). */
static int64_t parse_step_name(const char *name) {
    if (strncmp(name, "step_", 5) != 0) return -1;
    const char *p = name + 5, *digits = p;
    int64_t step = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (step > (INT64_MAX - 9) / 10) return -1;
        step = step * 10 + (*p - '0');
    }
    return p > digits && !strcmp(p, ".h5") ? step : -1;
}

static int newest_first(const void *a, const void *b) {
    int64_t x = ((const CkptFile *)a)->step, y = ((const CkptFile *)b)->step;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The checkpoints of <run_dir>/ckpt, newest first (malloc'd; *n = 0 and NULL when there is no
 * such directory). */
static NashStatus list_checkpoints(const char *run_dir, CkptFile **files, int *n, NashError *err) {
    *files = NULL;
    *n = 0;
    char dir[NASH_PATH_MAX];
    NashStatus st = fs_join(run_dir, "ckpt", dir, sizeof dir, err);
    if (st) return st;
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? NASH_OK : nash_fail(err, NASH_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
    int cap = 0;
    struct dirent *e;
    while (!st && (e = readdir(d))) {
        int64_t step = parse_step_name(e->d_name);
        if (step < 0) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            CkptFile *more = realloc(*files, (size_t)cap * sizeof **files);
            if (!more) {
                st = nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory listing checkpoints", dir);
                break;
            }
            *files = more;
        }
        (*files)[*n].step = step;
        st = fs_join(dir, e->d_name, (*files)[*n].path, sizeof(*files)[*n].path, err);
        (*n)++;
    }
    closedir(d);
    if (st) {
        free(*files);
        *files = NULL;
        *n = 0;
        return st;
    }
    if (*n) qsort(*files, (size_t)*n, sizeof **files, newest_first);
    return NASH_OK;
}

static void append_line(char *buf, size_t size, const char *line) {
    if (!buf || !size) return;
    size_t used = strnlen(buf, size);
    if (used + 1 < size) snprintf(buf + used, size - used, "%s\n", line);
}

NashStatus ckpt_find_latest(const char *run_dir, char *out, size_t size, CheckpointState *state, char *skipped,
                            size_t skipped_size, NashError *err) {
    if (size) out[0] = '\0';
    if (skipped && skipped_size) skipped[0] = '\0';
    CkptFile *files;
    int n;
    NashStatus st = list_checkpoints(run_dir, &files, &n, err);
    if (st) return st;
    NashError why = {0}, newest_why = {0};
    for (int i = 0; i < n; i++) {
        if (!ckpt_verify(files[i].path, state, &why)) {
            if (strlen(files[i].path) >= size)
                st = nash_fail(err, NASH_ERR_INVALID, "%s: path too long for the caller's buffer", files[i].path);
            else
                snprintf(out, size, "%s", files[i].path);
            free(files);
            return st;
        }
        if (i == 0) newest_why = why;
        append_line(skipped, skipped_size, why.msg);
    }
    free(files);
    if (n > 0)
        return nash_fail(err, NASH_ERR_DATA, "%s/ckpt: none of its %d checkpoints is valid (the newest: %s)", run_dir,
                         n, newest_why.msg);
    return NASH_OK;
}

NashStatus ckpt_prune(const char *run_dir, int keep, NashError *err) {
    if (keep < 1) return nash_fail(err, NASH_ERR_INVALID, "%s: keep %d checkpoints? (at least 1)", run_dir, keep);
    CkptFile *files;
    int n;
    NashStatus st = list_checkpoints(run_dir, &files, &n, err);
    for (int i = keep; !st && i < n; i++)
        if (unlink(files[i].path) != 0 && errno != ENOENT)
            st = nash_fail(err, NASH_ERR_IO, "%s: cannot delete: %s", files[i].path, strerror(errno));
    free(files);
    return st;
}
