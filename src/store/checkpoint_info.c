/* checkpoint_info.c — what a checkpoint or weights file holds, for `nash inspect` (see
 * checkpoint.h): format, /state, the network groups with their tensors and shapes, the optimizer
 * state of each group and /config, read as they are in the file (no network is built). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/checkpoint.h"
#include "store/internal.h"

typedef struct {
    CkptInfo *info;
    NashStatus st;
} GroupList;

/* H5Literate callback over the root: collect the names of network groups. */
static herr_t add_group(hid_t loc, const char *name, const H5L_info_t *linfo, void *data) {
    (void)linfo;
    GroupList *list = data;
    if (!strcmp(name, "optim") || !strcmp(name, "state") || strlen(name) >= sizeof list->info->groups->name) return 0;
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    if (obj < 0) return 0;
    bool group = H5Iget_type(obj) == H5I_GROUP;
    H5Oclose(obj);
    if (!group) return 0;
    CkptInfo *info = list->info;
    CkptGroupInfo *more = realloc(info->groups, (size_t)(info->n_groups + 1) * sizeof *more);
    if (!more) {
        list->st = NASH_ERR_NOMEM;
        return -1;
    }
    info->groups = more;
    more[info->n_groups] = (CkptGroupInfo){.m_floats = -1, .v_floats = -1};
    snprintf(more[info->n_groups].name, sizeof more->name, "%s", name);
    info->n_groups++;
    return 0;
}

/* Buffers by their names (nn/: batch-norm statistics, spectral norm's u and v). */
static bool is_buffer_name(const char *name) {
    size_t n = strlen(name);
    bool sn = n > 9 && (!strcmp(name + n - 9, ".weight_u") || !strcmp(name + n - 9, ".weight_v"));
    return sn || strstr(name, ".running_") != NULL;
}

/* H5Literate callback over a network group: collect its datasets. */
static herr_t add_tensor(hid_t loc, const char *name, const H5L_info_t *linfo, void *data) {
    (void)linfo;
    CkptGroupInfo *g = data;
    if (strlen(name) >= sizeof g->tensors->name || H5Lexists(loc, name, H5P_DEFAULT) <= 0) return 0;
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    if (obj < 0) return 0;
    if (H5Iget_type(obj) != H5I_DATASET) {
        H5Oclose(obj);
        return 0;
    }
    CkptTensorInfo t = {.numel = 1, .buffer = is_buffer_name(name)};
    snprintf(t.name, sizeof t.name, "%s", name);
    hid_t space = H5Dget_space(obj);
    hsize_t dims[H5S_MAX_RANK];
    int rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    if (space >= 0) H5Sclose(space);
    H5Oclose(obj);
    if (rank < 0 || rank > 8) return 0;
    t.ndim = rank;
    /* A damaged file can declare more elements than int64 counts: the counts saturate. */
    for (int i = 0; i < rank; i++) {
        t.dim[i] = dims[i] > (hsize_t)INT64_MAX ? INT64_MAX : (int64_t)dims[i];
        t.numel = t.dim[i] && t.numel > INT64_MAX / t.dim[i] ? INT64_MAX : t.numel * t.dim[i];
    }
    CkptTensorInfo *more = realloc(g->tensors, (size_t)(g->n_tensors + 1) * sizeof *more);
    if (!more) return -1;
    g->tensors = more;
    more[g->n_tensors++] = t;
    int64_t *count = t.buffer ? &g->buffer_count : &g->param_count;
    *count = *count > INT64_MAX - t.numel ? INT64_MAX : *count + t.numel;
    return 0;
}

/* Layer order: "2.weight" before "10.weight", then by name. */
static int tensor_order(const void *a, const void *b) {
    const char *x = ((const CkptTensorInfo *)a)->name, *y = ((const CkptTensorInfo *)b)->name;
    long lx = strtol(x, NULL, 10), ly = strtol(y, NULL, 10);
    return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

/* The number of floats of dataset loc/name, -1 when it is absent. */
static int64_t dataset_floats(hid_t loc, const char *name) {
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t set = H5Dopen2(loc, name, H5P_DEFAULT);
    if (set < 0) return -1;
    hid_t space = H5Dget_space(set);
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    H5Dclose(set);
    return (int64_t)n;
}

static void describe_optim(hid_t file, CkptGroupInfo *g) {
    if (H5Lexists(file, "optim", H5P_DEFAULT) <= 0) return;
    hid_t optim = H5Gopen2(file, "optim", H5P_DEFAULT);
    if (optim < 0) return;
    if (H5Lexists(optim, g->name, H5P_DEFAULT) > 0) {
        hid_t og = H5Gopen2(optim, g->name, H5P_DEFAULT);
        if (og >= 0) {
            g->has_optim = 1;
            char *kind = h5util_read_string_attr(og, "kind");
            snprintf(g->opt_kind, sizeof g->opt_kind, "%s", kind ? kind : "?");
            free(kind);
            if (h5util_read_int64_attr(og, "steps", &g->opt_steps) < 0) g->opt_steps = -1;
            g->m_floats = dataset_floats(og, "m");
            g->v_floats = dataset_floats(og, "v");
            H5Gclose(og);
        }
    }
    H5Gclose(optim);
}

static NashStatus describe_locked(const char *path, CkptInfo *info, NashError *err) {
    hid_t file;
    NashStatus st = weights_open_file(path, &file, err);
    if (st) return st;
    char *format = h5util_read_string_attr(file, "format");
    snprintf(info->format, sizeof info->format, "%s", format ? format : "?");
    free(format);
    int32_t version = 0;
    h5util_read_ints_attr(file, "version", &version, 1);
    info->version = version;
    NashError ignored = {0};
    info->has_state = H5Lexists(file, "state", H5P_DEFAULT) > 0 && !ckpt_read_state(file, path, &info->state, &ignored);
    GroupList list = {info, NASH_OK};
    hsize_t idx = 0;
    if (H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, add_group, &list) < 0)
        st = nash_fail(err, list.st ? list.st : NASH_ERR_DATA, "%s: cannot list the root group", path);
    for (int i = 0; !st && i < info->n_groups; i++) {
        CkptGroupInfo *g = &info->groups[i];
        hid_t gid = H5Gopen2(file, g->name, H5P_DEFAULT);
        idx = 0;
        if (gid < 0 || H5Literate(gid, H5_INDEX_NAME, H5_ITER_INC, &idx, add_tensor, g) < 0)
            st = nash_fail(err, NASH_ERR_DATA, "%s: cannot list /%s (damaged file)", path, g->name);
        if (gid >= 0) {
            g->layers = h5util_read_string_attr(gid, "layers");
            H5Gclose(gid);
        }
        if (g->n_tensors > 1) qsort(g->tensors, (size_t)g->n_tensors, sizeof *g->tensors, tensor_order);
        describe_optim(file, g);
    }
    if (!st) info->config = h5util_read_string_dataset(file, "config");
    H5Fclose(file);
    return st;
}

NashStatus ckpt_describe(const char *path, CkptInfo *info, NashError *err) {
    *info = (CkptInfo){0};
    h5util_lock();
    h5util_quiet();
    NashStatus st = describe_locked(path, info, err);
    h5util_unlock();
    if (st) ckpt_info_free(info);
    return st;
}

void ckpt_info_free(CkptInfo *info) {
    for (int i = 0; i < info->n_groups; i++) {
        free(info->groups[i].tensors);
        free(info->groups[i].layers);
    }
    free(info->groups);
    free(info->config);
    *info = (CkptInfo){0};
}
