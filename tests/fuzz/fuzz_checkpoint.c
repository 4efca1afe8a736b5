/* fuzz_checkpoint.c — libFuzzer target: the checkpoint and weights loaders (store/checkpoint.h,
 * store/weights.h), structure-aware.
 *
 * Raw-byte mutation of an HDF5 file mostly exercises libhdf5's own parser, whose crashes on
 * malformed files nash cannot fix (and which would fail this test for bugs not in nash). So the
 * input is a program of edits instead: at start-up the target saves one valid checkpoint with
 * nash's own writer (ckpt_save: a dense+batchnorm generator with Adam moments, a conv
 * discriminator with SGD momentum, an EMA generator, /state, /config); each run copies it, opens
 * the copy with HDF5 and applies the edits the input describes, then runs every reader on it.
 *
 * Input: a flags byte (bit 0: recompute every crc32 after the edits and seal the file again, so
 * that edited files pass the checksums and reach the loaders' own checks), then up to MAX_OPS edits, each an op byte
 * and its operands (see apply_op): delete an object or an attribute; set an attribute (format, version, step, layout,
 * input_shape, layers, crc32, kind, steps, ...) to a value of another type, shape or content; replace a dataset by one
 * of another type (float, int, string, variable-length) and shape (empty, scalar, up to rank 4, huge dimensions with no
 * storage); overwrite a dataset's values (NaN, Inf, any bytes); add groups, datasets, soft links (dangling, cyclic) and
 * hard links.
 *
 * Readers, as nash calls them: ckpt_verify, ckpt_verify_count, ckpt_describe (nash inspect),
 * weights_read_config and config_text_value (nash sample), weights_read_spec and, when the layer
 * lines describe a small network, building it and loading it (nash sample); ckpt_load_player and
 * weights_load into the nets the checkpoint was made from (nash train --resume). Checked: no
 * crash, sanitizer report or leak; a failure carries a message; a failed load leaves the net's
 * parameters, buffers and the moment arrays exactly as they were (all-or-nothing); a load of an
 * unedited file gives the saved values; no HDF5 object is left open after any reader.
 */
#include <hdf5.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz_crc.h"
#include "fuzz_util.h"
#include "nn/net.h"
#include "nn/spec.h"
#include "reseal.h"
#include "store/checkpoint.h"
#include "store/internal.h"
#include "store/weights.h"

#define MAX_OPS 12
#define MAX_NAMES 64
#define NAME_MAX_LEN 128
#define SMALL_POINTS 4096 /* datasets up to this many points get their values written */

static const char *const g_layers = "dense 4\nbatchnorm\nrelu\ndense 2";
static const char *const d_layers = "conv2d 2 k=3 p=1\nbatchnorm\nleakyrelu 0.2\nflatten\ndense 1";
static const char *const config_text = "[generator]\nnoise = gaussian\n[train]\nsteps = 7\nseed = 42\n";

typedef struct {
    Net net;
    float *m, *v;                       /* moment arrays handed to ckpt_load_player */
    float *saved, *saved_buf, *saved_m; /* what the base checkpoint holds */
} Player;

static struct {
    bool ready;
    uint8_t *base;
    size_t base_size;
    char names[MAX_NAMES][NAME_MAX_LEN]; /* every link of the base file, "generator/0.weight" */
    int n_names;
    Player g, d;
} fx;

/* Names that are not in the base file but that readers look for or could trip over. */
static const char *const extra_names[] = {"generator/9.weight",
                                          "generator/0.weightx",
                                          "optim/generator/w",
                                          "state/x",
                                          "discriminator/0",
                                          "optim/x",
                                          "generator_ema/1.running_mean/x",
                                          "x"};
#define N_EXTRA ((int)(sizeof extra_names / sizeof extra_names[0]))

static const char *const attr_names[] = {"format", "version",    "step",  "data_batch", "seed",
                                         "layout", "world_size", "crc32", "layers",     "input_shape",
                                         "kind",   "steps",      "x"};
#define N_ATTRS ((int)(sizeof attr_names / sizeof attr_names[0]))

/* ---- the base checkpoint -------------------------------------------------------------------- */

static float *pattern(size_t n, float scale, float offset) {
    float *x = malloc((n ? n : 1) * sizeof *x);
    fuzz_require(x != NULL, "malloc");
    for (size_t i = 0; i < n; i++) x[i] = offset + scale * (float)((i * 37) % 101) / 101.0f;
    return x;
}

static void player_init(Player *p, Shape in, const char *layers, float seed) {
    NashError err = {0};
    fuzz_require(net_init_text(&p->net, in, layers, 2, &err) == NASH_OK, "the base net builds");
    size_t n = p->net.param_floats;
    p->saved = pattern(n, 1.0f, seed);
    p->saved_buf = pattern(p->net.buffer_floats, 1.0f, 0.5f + seed);
    p->saved_m = pattern(n, 0.1f, seed);
    p->m = pattern(n, 0, 0);
    p->v = pattern(n, 0, 0);
    memcpy(p->net.params, p->saved, n * sizeof(float));
    memcpy(p->net.buffers, p->saved_buf, p->net.buffer_floats * sizeof(float));
}

static herr_t collect_name(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    (void)loc, (void)info, (void)data;
    if (fx.n_names < MAX_NAMES && strlen(name) < NAME_MAX_LEN)
        snprintf(fx.names[fx.n_names++], NAME_MAX_LEN, "%s", name);
    return 0;
}

static void fixture_init(void) {
    h5util_quiet(); /* the edits fail often, by design: no HDF5 error stacks on stderr */
    player_init(&fx.g, shape_1d(3), g_layers, -0.5f);
    player_init(&fx.d, shape_3d(1, 4, 4), d_layers, -0.25f);
    float *ema = pattern(fx.g.net.param_floats, 0.5f, 0.1f), *gv = pattern(fx.g.net.param_floats, 0.2f, 0.01f);
    CheckpointState state = {.step = 7, .data_batch = 22, .seed = 42, .world_size = 3};
    snprintf(state.layout, sizeof state.layout, "split 1G+2D");
    CheckpointPlayer players[3] = {
        {"generator", &fx.g.net, g_layers, NULL, "adam", fx.g.saved_m, gv, 7, NULL},
        {"discriminator", &fx.d.net, d_layers, NULL, "sgd", fx.d.saved_m, NULL, 9, NULL},
        {"generator_ema", &fx.g.net, g_layers, ema, NULL, NULL, NULL, 0, NULL},
    };
    const char *path = fuzz_path("base.h5");
    NashError err = {0};
    fuzz_require(ckpt_save(path, &state, players, 3, config_text, &err) == NASH_OK, "the base checkpoint saves");
    free(ema);
    free(gv);
    fx.base = fuzz_read_file(path, &fx.base_size);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    fuzz_require(file >= 0, "open the base checkpoint with HDF5");
    H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, collect_name, NULL);
    H5Fclose(file);
    fx.ready = true;
}

/* ---- edits ---------------------------------------------------------------------------------- */

static const char *pick_name(FuzzBytes *in) {
    uint32_t i = fuzz_below(in, (uint32_t)(fx.n_names + N_EXTRA + 1));
    if (i == 0) return ".";
    i--;
    return (int)i < fx.n_names ? fx.names[i] : extra_names[i - (uint32_t)fx.n_names];
}

/* A dimension: mostly small (0..9), sometimes huge (a dataset that declares far more than the
 * file holds). */
static hsize_t pick_dim(FuzzBytes *in) {
    uint8_t b = fuzz_u8(in);
    return b < 224 ? b % 10 : (hsize_t)1 << (b - 224 + 20);
}

/* A dataspace: null, scalar or simple of rank 1..4. */
static hid_t pick_space(FuzzBytes *in, hssize_t *points) {
    uint8_t kind = fuzz_u8(in) % 6;
    *points = 0;
    if (kind == 0) return H5Screate(H5S_NULL);
    if (kind == 1) {
        *points = 1;
        return H5Screate(H5S_SCALAR);
    }
    hsize_t dims[4];
    int rank = kind - 1;
    for (int i = 0; i < rank; i++) dims[i] = pick_dim(in);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    *points = space >= 0 ? H5Sget_simple_extent_npoints(space) : 0;
    return space;
}

typedef enum {
    VALUE_F32,
    VALUE_F32BE,
    VALUE_F64,
    VALUE_I32,
    VALUE_U8,
    VALUE_I64BE,
    VALUE_U64,
    VALUE_VLEN_STRING,
    VALUE_FIXED_STRING,
    VALUE_VLEN_FLOATS,
    VALUE_COUNT
} ValueKind;

static hid_t value_type(ValueKind kind, size_t fixed_len) {
    switch (kind) {
    case VALUE_F32: return H5Tcopy(H5T_IEEE_F32LE);
    case VALUE_F32BE: return H5Tcopy(H5T_IEEE_F32BE);
    case VALUE_F64: return H5Tcopy(H5T_IEEE_F64LE);
    case VALUE_I32: return H5Tcopy(H5T_STD_I32LE);
    case VALUE_U8: return H5Tcopy(H5T_STD_U8LE);
    case VALUE_I64BE: return H5Tcopy(H5T_STD_I64BE);
    case VALUE_U64: return H5Tcopy(H5T_STD_U64LE);
    case VALUE_VLEN_STRING:
    case VALUE_FIXED_STRING: {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, kind == VALUE_VLEN_STRING ? H5T_VARIABLE : (fixed_len ? fixed_len : 1));
        H5Tset_cset(t, H5T_CSET_UTF8);
        return t;
    }
    case VALUE_VLEN_FLOATS: return H5Tvlen_create(H5T_NATIVE_FLOAT);
    case VALUE_COUNT: break;
    }
    return H5I_INVALID_HID;
}

/* Write `points` values of `kind` into an attribute or a dataset (is_attr), taken from the input:
 * numbers as doubles (NaN, Inf, any int32, or a ramp) converted by HDF5, strings from its bytes. */
static void write_values(FuzzBytes *in, hid_t obj, bool is_attr, ValueKind kind, size_t fixed_len, hssize_t points) {
    if (points <= 0 || points > SMALL_POINTS) return;
    size_t n = (size_t)points;
    herr_t rc = 0;
    if (kind == VALUE_VLEN_STRING || kind == VALUE_FIXED_STRING) {
        size_t len = 0;
        const uint8_t *bytes = fuzz_bytes(in, 255, &len);
        char *text = calloc(len + 1, 1);
        char **ptrs = calloc(n, sizeof *ptrs);
        char *fixed = calloc(n, fixed_len ? fixed_len : 1);
        fuzz_require(text && ptrs && fixed, "calloc");
        memcpy(text, bytes, len);
        for (size_t i = 0; i < n; i++) {
            ptrs[i] = text;
            memcpy(fixed + i * (fixed_len ? fixed_len : 1), text, len < fixed_len ? len : fixed_len);
        }
        hid_t mem = value_type(kind, fixed_len);
        void *buf = kind == VALUE_VLEN_STRING ? (void *)ptrs : (void *)fixed;
        rc = is_attr ? H5Awrite(obj, mem, buf) : H5Dwrite(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        H5Tclose(mem);
        free(fixed);
        free(ptrs);
        free(text);
    } else if (kind == VALUE_VLEN_FLOATS) {
        static float one = 1.0f;
        hvl_t *vl = calloc(n, sizeof *vl);
        fuzz_require(vl != NULL, "calloc");
        for (size_t i = 0; i < n; i++) vl[i] = (hvl_t){.len = fuzz_u8(in) % 2, .p = &one};
        hid_t mem = H5Tvlen_create(H5T_NATIVE_FLOAT);
        rc = is_attr ? H5Awrite(obj, mem, vl) : H5Dwrite(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl);
        H5Tclose(mem);
        free(vl);
    } else {
        static const float specials[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e30f, 7.0f, 1.0f};
        double *x = calloc(n, sizeof *x);
        fuzz_require(x != NULL, "calloc");
        uint8_t how = fuzz_u8(in);
        for (size_t i = 0; i < n; i++) {
            if (how % 4 == 0)
                x[i] = specials[fuzz_u8(in) % 8];
            else if (how % 4 == 1)
                x[i] = (double)(int32_t)fuzz_u32(in);
            else
                x[i] = (double)(how / 4) + (double)i;
        }
        rc = is_attr ? H5Awrite(obj, H5T_NATIVE_DOUBLE, x)
                     : H5Dwrite(obj, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
        free(x);
    }
    (void)rc; /* a conversion HDF5 refuses leaves the fill values: still a file to read */
}

static void set_attr(FuzzBytes *in, hid_t file) {
    const char *obj_name = pick_name(in);
    const char *attr_name = attr_names[fuzz_below(in, N_ATTRS)];
    ValueKind kind = (ValueKind)(fuzz_u8(in) % VALUE_COUNT);
    size_t fixed_len = 1 + fuzz_u8(in) % 40;
    hssize_t points = 0;
    hid_t space = pick_space(in, &points);
    hid_t obj = H5Oopen(file, obj_name, H5P_DEFAULT);
    hid_t type = value_type(kind, fixed_len);
    if (obj >= 0 && space >= 0 && type >= 0) {
        if (H5Aexists(obj, attr_name) > 0) H5Adelete(obj, attr_name);
        hid_t attr = H5Acreate2(obj, attr_name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (attr >= 0) {
            write_values(in, attr, true, kind, fixed_len, points);
            H5Aclose(attr);
        }
    }
    if (type >= 0) H5Tclose(type);
    if (obj >= 0) H5Oclose(obj);
    if (space >= 0) H5Sclose(space);
}

static void create_dataset(FuzzBytes *in, hid_t file, const char *name) {
    ValueKind kind = (ValueKind)(fuzz_u8(in) % VALUE_COUNT);
    size_t fixed_len = 1 + fuzz_u8(in) % 40;
    hssize_t points = 0;
    hid_t space = pick_space(in, &points);
    hid_t type = value_type(kind, fixed_len);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
    if (space >= 0 && type >= 0) {
        hid_t set = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (set >= 0) {
            write_values(in, set, false, kind, fixed_len, points);
            if (fuzz_u8(in) & 1) h5util_write_crc32_attr(set, fuzz_u32(in));
            H5Dclose(set);
        }
    }
    H5Pclose(dcpl);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
}

/* Overwrite a dataset's values in place, keeping its type and shape. */
static void overwrite_dataset(FuzzBytes *in, hid_t file) {
    const char *name = pick_name(in);
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return;
    hid_t obj = H5Oopen(file, name, H5P_DEFAULT);
    if (obj < 0) return;
    if (H5Iget_type(obj) == H5I_DATASET) {
        hid_t space = H5Dget_space(obj);
        hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : 0;
        hid_t type = H5Dget_type(obj);
        ValueKind kind = VALUE_F64;
        size_t fixed_len = 1;
        if (type >= 0 && H5Tget_class(type) == H5T_STRING) {
            kind = H5Tis_variable_str(type) > 0 ? VALUE_VLEN_STRING : VALUE_FIXED_STRING;
            fixed_len = H5Tget_size(type);
        }
        if (type >= 0 && H5Tget_class(type) != H5T_VLEN) write_values(in, obj, false, kind, fixed_len, points);
        if (type >= 0) H5Tclose(type);
        if (space >= 0) H5Sclose(space);
    }
    H5Oclose(obj);
}

/* One edit; the op byte chooses it. */
static void apply_op(FuzzBytes *in, hid_t file) {
    const char *name, *target;
    switch (fuzz_u8(in) % 8) {
    case 0: /* delete an object (and everything under it) */ H5Ldelete(file, pick_name(in), H5P_DEFAULT); break;
    case 1: { /* delete an attribute */
        name = pick_name(in);
        const char *attr = attr_names[fuzz_below(in, N_ATTRS)];
        if (H5Lexists(file, name, H5P_DEFAULT) > 0 || !strcmp(name, "."))
            H5Adelete_by_name(file, name, attr, H5P_DEFAULT);
        break;
    }
    case 2: set_attr(in, file); break;
    case 3: /* replace an object by a dataset of another type and shape */
        name = pick_name(in);
        H5Ldelete(file, name, H5P_DEFAULT);
        create_dataset(in, file, name);
        break;
    case 4: overwrite_dataset(in, file); break;
    case 5: { /* replace an object by an empty group */
        name = pick_name(in);
        H5Ldelete(file, name, H5P_DEFAULT);
        hid_t g = H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g >= 0) H5Gclose(g);
        break;
    }
    case 6: { /* replace an object by a soft link: to another object, to itself, or dangling */
        name = pick_name(in);
        target = pick_name(in);
        char full[NAME_MAX_LEN + 2];
        snprintf(full, sizeof full, "/%s", target);
        H5Ldelete(file, name, H5P_DEFAULT);
        H5Lcreate_soft(full, file, name, H5P_DEFAULT, H5P_DEFAULT);
        break;
    }
    default: /* replace an object by a hard link to another (a cycle when it is an ancestor) */
        name = pick_name(in);
        target = pick_name(in);
        if (H5Lexists(file, target, H5P_DEFAULT) > 0 || !strcmp(target, ".")) {
            H5Ldelete(file, name, H5P_DEFAULT);
            H5Lcreate_hard(file, target, file, name, H5P_DEFAULT, H5P_DEFAULT);
        }
        break;
    }
}

/* ---- readers -------------------------------------------------------------------------------- */

static void require_failure_message(NashStatus st, const NashError *err, const char *what) {
    if (st == NASH_OK) return;
    if (!(err->code == st && err->msg[0])) fprintf(stderr, "%s: status %d without a message\n", what, (int)st);
    fuzz_require(err->code == st && err->msg[0], "a failure carries its status and a message");
}

static void require_closed(const char *after) {
    ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open != 0) fprintf(stderr, "%zd HDF5 objects left open after %s\n", open, after);
    fuzz_require(open == 0, "no HDF5 object left open by a reader");
}

static bool same(const float *a, const float *b, size_t n) { return !memcmp(a, b, n * sizeof(float)); }

/* Resume's loads into the nets the checkpoint was made from. */
static void load_players(const char *path, bool unedited) {
    static const char *const groups[] = {"generator", "discriminator", "generator_ema"};
    for (int i = 0; i < 3; i++) {
        Player *p = i == 1 ? &fx.d : &fx.g;
        Net *net = &p->net;
        size_t n = net->param_floats, nb = net->buffer_floats;
        bool moments = i < 2;
        float *before = pattern(n, 0, -7.0f), *before_buf = pattern(nb, 0, -9.0f), *before_m = pattern(n, 0, 3.0f);
        memcpy(net->params, before, n * sizeof(float));
        memcpy(net->buffers, before_buf, nb * sizeof(float));
        memcpy(p->m, before_m, n * sizeof(float));
        memcpy(p->v, before_m, n * sizeof(float));
        int64_t steps = -1;
        char kind[16] = "";
        NashError err = {0};
        NashStatus st = ckpt_load_player(path, groups[i], net, moments ? p->m : NULL, i == 0 ? p->v : NULL,
                                         moments ? n : 0, &steps, kind, &err);
        require_failure_message(st, &err, "ckpt_load_player");
        require_closed("ckpt_load_player");
        if (st != NASH_OK) {
            fuzz_require(same(net->params, before, n) && same(net->buffers, before_buf, nb) &&
                             same(p->m, before_m, n) && same(p->v, before_m, n),
                         "a failed ckpt_load_player changes nothing");
        } else {
            fuzz_require(strlen(kind) < 16, "the optimizer kind fits");
            if (unedited && i < 2)
                fuzz_require(same(p->m, p->saved_m, n), "an unedited checkpoint loads the saved moments");
        }
        /* Room for the wrong number of moments is refused before anything is read. */
        NashStatus wrong = ckpt_load_player(path, groups[i], net, p->m, NULL, n + 1, &steps, kind, &err);
        fuzz_require(wrong == NASH_ERR_INVALID, "a wrong moment count is refused");
        require_closed("ckpt_load_player");

        memcpy(net->params, before, n * sizeof(float));
        memcpy(net->buffers, before_buf, nb * sizeof(float));
        st = weights_load(path, groups[i], net, &err);
        require_failure_message(st, &err, "weights_load");
        require_closed("weights_load");
        if (st != NASH_OK)
            fuzz_require(same(net->params, before, n) && same(net->buffers, before_buf, nb),
                         "a failed weights_load changes nothing");
        else if (unedited && i < 2)
            for (int t = 0; t < net->n_params; t++) {
                const NetTensor *info = &net->param_info[t];
                fuzz_require(same(net->params + info->offset, p->saved + info->offset, info->numel),
                             "an unedited checkpoint loads the saved parameters");
            }
        free(before);
        free(before_buf);
        free(before_m);
    }
}

/* Whether layer lines describe a network small enough to build in a fuzzing run. */
static bool small_net(const char *layers, Shape in) {
    if (shape_numel(in) > 4096) return false;
    LayerSpec specs[16];
    int count = 0;
    NashError err = {0};
    if (spec_parse_lines(layers, specs, 16, &count, &err) != NASH_OK) return false;
    for (int i = 0; i < count; i++) {
        const LayerSpec *s = &specs[i];
        if (s->units > 64 || s->kh > 8 || s->kw > 8 || s->sh > 8 || s->sw > 8 || s->ph > 8 || s->pw > 8) return false;
        if (s->kind == LAYER_RESHAPE && shape_numel(s->target) > 4096) return false;
    }
    return true;
}

/* What `nash sample` does with a file: read the group's spec, build its net, load it. */
static void sample_like(const char *path, const char *group) {
    char *layers = NULL;
    Shape in;
    NashError err = {0};
    NashStatus st = weights_read_spec(path, group, &layers, &in, &err);
    require_failure_message(st, &err, "weights_read_spec");
    require_closed("weights_read_spec");
    if (st != NASH_OK) {
        fuzz_require(layers == NULL, "a failed weights_read_spec returns no text");
        return;
    }
    fuzz_require(in.ndim >= 1 && in.ndim <= SHAPE_MAX_DIMS, "an input shape of 1..SHAPE_MAX_DIMS dimensions");
    if (small_net(layers, in)) {
        Net net;
        if (net_init_text(&net, in, layers, 2, &err) == NASH_OK) {
            st = weights_load(path, group, &net, &err);
            require_failure_message(st, &err, "weights_load");
            size_t n = net.param_floats;
            float *m = calloc(n + 1, sizeof *m);
            fuzz_require(m != NULL, "calloc");
            int64_t steps = 0;
            char kind[16];
            st = ckpt_load_player(path, group, &net, m, NULL, n, &steps, kind, &err);
            require_failure_message(st, &err, "ckpt_load_player");
            free(m);
            net_free(&net);
            require_closed("loading a net built from the file");
        }
    }
    free(layers);
}

/* What `nash inspect` and `nash sample` read besides the networks. */
static void read_info(const char *path) {
    NashError err = {0};
    int checked = 0;
    CheckpointState state;
    NashStatus st = ckpt_verify_count(path, &state, &checked, &err);
    require_failure_message(st, &err, "ckpt_verify_count");
    require_closed("ckpt_verify_count");

    CkptInfo info;
    st = ckpt_describe(path, &info, &err);
    require_failure_message(st, &err, "ckpt_describe");
    require_closed("ckpt_describe");
    if (st == NASH_OK) {
        for (int i = 0; i < info.n_groups; i++) {
            const CkptGroupInfo *g = &info.groups[i];
            fuzz_require(strnlen(g->name, sizeof g->name) < sizeof g->name, "group name");
            for (int t = 0; t < g->n_tensors; t++)
                fuzz_require(g->tensors[t].ndim >= 0 && g->tensors[t].ndim <= 8, "tensor rank");
            if (g->layers) fuzz_require(strlen(g->layers) < (size_t)1 << 30, "layers");
        }
        ckpt_info_free(&info);
    }

    char *config = NULL;
    st = weights_read_config(path, &config, &err);
    require_failure_message(st, &err, "weights_read_config");
    require_closed("weights_read_config");
    if (st == NASH_OK) {
        char value[64];
        config_text_value(config, "generator", "noise", value, sizeof value);
        free(config);
    } else {
        fuzz_require(config == NULL, "a failed weights_read_config returns no text");
    }
}

/* ckpt_verify always; then the readers chosen by flags bits 1-3 (all of them when none is set):
 * each HDF5 file open costs a fresh metadata cache, so a run that opens the file fewer times
 * leaves the fuzzer more runs per second. */
static void read_everything(const char *path, unsigned flags, bool unedited) {
    bool all = (flags & 14u) == 0 || unedited;
    NashError err = {0};
    CheckpointState state;
    NashStatus st = ckpt_verify(path, &state, &err);
    require_failure_message(st, &err, "ckpt_verify");
    require_closed("ckpt_verify");
    if (unedited) fuzz_require(st == NASH_OK && state.step == 7, "the unedited checkpoint verifies");
    if (st == NASH_OK) fuzz_require(strnlen(state.layout, sizeof state.layout) < sizeof state.layout, "layout");
    if (all || (flags & 2u)) read_info(path);
    if (all || (flags & 4u)) {
        static const char *const groups[] = {"generator", "discriminator", "generator_ema", "state"};
        for (int i = 0; i < 4; i++) sample_like(path, groups[i]);
    }
    if (all || (flags & 8u)) load_players(path, unedited);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fx.ready) fixture_init();
    FuzzBytes in = {data, size};
    uint8_t flags = fuzz_u8(&in);
    const char *path = fuzz_write_file("edited.h5", fx.base, fx.base_size);
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    fuzz_require(file >= 0, "open the copy of the base checkpoint");
    int ops = 0;
    while (in.n > 0 && ops < MAX_OPS) {
        apply_op(&in, file);
        ops++;
    }
    if (flags & 1) {
        fuzz_fix_checksums(file, SMALL_POINTS);
    }
    H5Eclear2(H5E_DEFAULT);
    fuzz_require(H5Fclose(file) >= 0, "close the edited copy");
    require_closed("editing");
    if (flags & 1) fuzz_require(test_reseal(path), "seal the edited copy again");
    read_everything(path, flags, ops == 0);
    return 0;
}
