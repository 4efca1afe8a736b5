/* fuzz_sealed.c — libFuzzer target: whole checkpoint files, byte by byte (core/seal.h).
 *
 * At start-up the target saves one checkpoint with nash's own writer (a dense + batch-norm
 * generator with Adam moments, a conv discriminator with SGD momentum, /state, /config). Each
 * input is a program of raw edits to a copy of its bytes — up to MAX_EDITS of (offset, new
 * byte), then, if the input says so, a truncation — so that any byte can change: a tensor, an
 * attribute, an object's name, HDF5's own metadata, the seal. Then every reader runs on the copy:
 * ckpt_verify (nash inspect, --resume), ckpt_describe (nash inspect), weights_read_spec and
 * weights_load (nash sample, nash eval), ckpt_load_player (nash train --resume).
 *
 * The oracle: "detected or identical in content". If the copy's bytes differ from the saved
 * ones, every reader must refuse it with a message, or else warn that the file cannot be
 * verified (a file without a seal in the layout users may write by hand: nash_warn); if they are
 * the same (edits that wrote the byte already there), every reader must succeed, without a
 * warning, and load exactly what was saved. A file that changed and loads silently is a finding
 * (one was: a broken seal magic plus a renamed format, tests/fuzz/regressions/sealed). No crash, sanitizer report or
 * leak, as everywhere.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "nn/net.h"
#include "store/checkpoint.h"
#include "store/weights.h"

#define MAX_EDITS 8

static const char *const g_layers = "dense 4\nbatchnorm\nrelu\ndense 2";
static const char *const d_layers = "conv2d 2 k=3 p=1\nbatchnorm\nleakyrelu 0.2\nflatten\ndense 1";
static const char *const config_text = "[train]\nsteps = 7\nseed = 42\n";

static struct {
    bool ready;
    uint8_t *base;
    size_t size;
    Net g, d;
    float *g_params, *g_m, *g_v, *d_params, *d_m;
} fx;

static int warnings; /* nash_warn calls since the last reset */
static void count_warning(const char *msg) {
    (void)msg;
    warnings++;
}

static float *pattern(size_t n, float scale, float offset) {
    float *x = malloc((n + 1) * sizeof *x);
    fuzz_require(x != NULL, "allocate a pattern");
    for (size_t i = 0; i < n; i++) x[i] = offset + scale * (float)((long)(i % 13) - 6);
    return x;
}

static float *copy_of(const float *x, size_t n) {
    float *y = malloc((n + 1) * sizeof *y);
    fuzz_require(y != NULL, "allocate a copy");
    memcpy(y, x, n * sizeof *y);
    return y;
}

static void fixture_init(void) {
    NashError err = {0};
    nash_set_warning_handler(count_warning);
    fuzz_require(net_init_text(&fx.g, shape_1d(3), g_layers, 4, &err) == NASH_OK, "build the generator");
    fuzz_require(net_init_text(&fx.d, shape_3d(1, 4, 4), d_layers, 4, &err) == NASH_OK, "build the discriminator");
    net_init_params(&fx.g, INIT_TORCH, 1);
    net_init_params(&fx.d, INIT_TORCH, 2);
    fx.g_params = copy_of(fx.g.params, fx.g.param_floats);
    fx.d_params = copy_of(fx.d.params, fx.d.param_floats);
    fx.g_m = pattern(fx.g.param_floats, 0.01f, 0.0f);
    fx.g_v = pattern(fx.g.param_floats, 0.001f, 0.1f);
    fx.d_m = pattern(fx.d.param_floats, 0.02f, 0.0f);
    CheckpointState state = {.step = 7, .data_batch = 22, .seed = 42, .world_size = 3};
    snprintf(state.layout, sizeof state.layout, "split 1G+2D");
    CheckpointPlayer players[2] = {
        {"generator", &fx.g, g_layers, NULL, "adam", fx.g_m, fx.g_v, 7, NULL},
        {"discriminator", &fx.d, d_layers, NULL, "sgd", fx.d_m, NULL, 9, NULL},
    };
    const char *path = fuzz_path("sealed-base.h5");
    fuzz_require(ckpt_save(path, &state, players, 2, config_text, &err) == NASH_OK, "the base checkpoint saves");
    fx.base = fuzz_read_file(path, &fx.size);
    fx.ready = true;
}

/* A reader's verdict against the oracle: refused (with a message) when the bytes changed,
 * accepted when they did not. */
static void expect(bool changed, NashStatus st, const NashError *err, const char *reader) {
    char what[160];
    if (changed) {
        snprintf(what, sizeof what, "%s refuses a file whose bytes changed, or warns it cannot be verified", reader);
        fuzz_require(st != NASH_OK || warnings > 0, what);
        snprintf(what, sizeof what, "%s says why", reader);
        fuzz_require(st == NASH_OK || err->msg[0] != '\0', what);
    } else {
        snprintf(what, sizeof what, "%s accepts the file as saved, without a warning", reader);
        fuzz_require(st == NASH_OK && warnings == 0, what);
    }
    warnings = 0;
}

/* Load one player into scratch nets and moments; when the file is as saved, the values must be. */
static void load_player(const char *path, bool changed, const char *group, const Net *like, const char *layers,
                        const float *params, const float *m, const float *v) {
    Net net;
    NashError err = {0};
    fuzz_require(net_init_text(&net, like->in, layers, 4, &err) == NASH_OK, "build a scratch net");
    size_t n = net.param_floats;
    float *m1 = calloc(n + 1, sizeof *m1), *m2 = v ? calloc(n + 1, sizeof *m2) : NULL;
    int64_t steps = 0;
    char kind[16] = "";
    NashStatus st = ckpt_load_player(path, group, &net, m1, m2, n, &steps, kind, &err);
    expect(changed, st, &err, "ckpt_load_player");
    if (!changed) {
        fuzz_require(memcmp(net.params, params, n * sizeof(float)) == 0, "the parameters load as saved");
        fuzz_require(memcmp(m1, m, n * sizeof(float)) == 0, "the first moment loads as saved");
        if (v) fuzz_require(memcmp(m2, v, n * sizeof(float)) == 0, "the second moment loads as saved");
    }
    err = (NashError){0};
    st = weights_load(path, group, &net, &err);
    expect(changed, st, &err, "weights_load");
    free(m1);
    free(m2);
    net_free(&net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fx.ready) fixture_init();
    FuzzBytes in = {data, size};
    uint8_t *copy = malloc(fx.size);
    fuzz_require(copy != NULL, "allocate the copy");
    memcpy(copy, fx.base, fx.size);
    size_t len = fx.size;
    uint8_t flags = fuzz_u8(&in);
    for (int i = 0; i < MAX_EDITS && in.n >= 5; i++) {
        uint32_t at = fuzz_u32(&in) % (uint32_t)fx.size;
        copy[at] = fuzz_u8(&in);
    }
    if (flags & 1) len = fuzz_u32(&in) % (uint32_t)fx.size;
    bool changed = len != fx.size || memcmp(copy, fx.base, fx.size) != 0;
    const char *path = fuzz_write_file("sealed-edited.h5", copy, len);
    free(copy);

    NashError err = {0};
    CheckpointState state;
    warnings = 0;
    expect(changed, ckpt_verify(path, &state, &err), &err, "ckpt_verify");
    if (!changed) fuzz_require(state.step == 7 && state.world_size == 3, "the state reads as saved");
    CkptInfo info;
    memset(&info, 0, sizeof info);
    err = (NashError){0};
    NashStatus st = ckpt_describe(path, &info, &err);
    expect(changed, st, &err, "ckpt_describe");
    if (!st) ckpt_info_free(&info);
    char *layers = NULL;
    Shape input;
    err = (NashError){0};
    st = weights_read_spec(path, "generator", &layers, &input, &err);
    expect(changed, st, &err, "weights_read_spec");
    free(layers);
    load_player(path, changed, "generator", &fx.g, g_layers, fx.g_params, fx.g_m, fx.g_v);
    load_player(path, changed, "discriminator", &fx.d, d_layers, fx.d_params, fx.d_m, NULL);
    return 0;
}
