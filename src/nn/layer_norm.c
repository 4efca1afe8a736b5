/* layer_norm.c — the traits of batch norm and conditional batch norm (layer_kinds.h; the kernels
 * are batchnorm.c's).
 */
#include "nn/layer_kinds.h"

#include <stdio.h>
#include <string.h>

/* ---- batch norm ------------------------------------------------------------------------------------- */

static NashStatus batchnorm_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim < 1 || in.ndim > 3) return layer_shape_error(err, l, "is not (C), (C,L) or (C,H,W)");
    int spatial = 1;
    for (int d = 1; d < in.ndim; d++) spatial *= in.dim[d];
    l->u.bn = (BatchNorm){.c = in.dim[0], .s = spatial, .eps = s->eps, .momentum = s->momentum};
    l->out = in;
    return NASH_OK;
}

static void batchnorm_format(const LayerSpec *s, char *buf, size_t size) {
    snprintf(buf, size, " eps=%g momentum=%g", (double)s->eps, (double)s->momentum);
}

static void batchnorm_tensors(const Layer *l, LayerTensors *to) {
    int c = l->u.bn.c;
    layer_tensor(to, "weight", shape_1d(c), PARAM_BN_WEIGHT, 0, 0);
    layer_tensor(to, "bias", shape_1d(c), PARAM_BN_BIAS, 0, 0);
    layer_buffer(to, "running_mean", shape_1d(c));
    layer_buffer(to, "running_var", shape_1d(c));
}

static void batchnorm_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    BatchNorm *bn = &l->u.bn;
    if (!param) {
        *(strstr(t->name, "running_mean") ? &bn->running_mean : &bn->running_var) = value;
        return;
    }
    layer_bind_pair(t->role == PARAM_BN_BIAS, &bn->weight, &bn->dweight, &bn->bias, &bn->dbias, value, grad);
}

/* This batch's mean and 1/std (C floats each), then 2C + 1 doubles for the sums. */
static size_t batchnorm_state(const Layer *l) {
    return nash_align_up(2 * (size_t)l->u.bn.c * sizeof(float)) + (2 * (size_t)l->u.bn.c + 1) * sizeof(double);
}

static void batchnorm_bind_state(Layer *l, float *cache, void *state) {
    (void)cache;
    BatchNorm *bn = &l->u.bn;
    bn->save_mean = state;
    bn->save_invstd = bn->save_mean + bn->c;
    bn->scratch = (double *)(void *)((unsigned char *)state + nash_align_up(2 * (size_t)bn->c * sizeof(float)));
}

static void batchnorm_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    batchnorm_forward(&l->u.bn, x, l->y, n);
}
static void batchnorm_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                          bool param_grads) {
    (void)net;
    batchnorm_backward(&l->u.bn, x, dy, dx, n, param_grads);
}
static void batchnorm_set_training(Layer *l, bool training) { l->u.bn.training = training; }
/* Batch norm takes channels-last tensors; conditional batch norm, whose rows are samples, has no
 * such row in its traits. */
static unsigned batchnorm_nhwc_sides(const Layer *l) {
    (void)l;
    return LAYER_NHWC_BOTH;
}
static void batchnorm_set_layout(Layer *l) { l->u.bn.nhwc = l->nhwc_in; }
static void batchnorm_set_reducer(Layer *l, const StatReducer *reducer) { l->u.bn.reducer = reducer; }

/* ---- conditional batch norm: a gain and a bias per class ------------------------------------------ */

static NashStatus cbatchnorm_infer(Layer *l, int index, NashError *err) {
    NashStatus st = layer_need_classes(l, err);
    return st ? st : batchnorm_infer(l, index, err);
}

static void cbatchnorm_format(const LayerSpec *s, char *buf, size_t size) {
    batchnorm_format(s, buf, size);
    if (s->classes) snprintf(buf + strlen(buf), size - strlen(buf), " classes=%d", s->classes);
}

static void cbatchnorm_tensors(const Layer *l, LayerTensors *to) {
    int c = l->u.bn.c, k = l->spec.classes;
    layer_tensor(to, "weight", shape_2d(k, c), PARAM_BN_WEIGHT, 0, 0);
    layer_tensor(to, "bias", shape_2d(k, c), PARAM_BN_BIAS, 0, 0);
    layer_buffer(to, "running_mean", shape_1d(c));
    layer_buffer(to, "running_var", shape_1d(c));
}

static void cbatchnorm_fwd(const Net *net, Layer *l, const float *x, int n) {
    l->u.bn.labels = net->labels;
    batchnorm_forward(&l->u.bn, x, l->y, n);
}

/* ---- the rows (each reads as a table line; clang-format would put a field on a line) -------------- */

/* clang-format off */
const LayerTraits layer_batchnorm_traits = {
    GRAMMAR("batchnorm", "batchnorm [eps=1e-5] [momentum=0.1]", "eps momentum", 0, 0, LAYER_WORDS_NONE),
    .flags = PARAMS, .infer = batchnorm_infer, .format = batchnorm_format,
    .tensors = batchnorm_tensors, .bind = batchnorm_bind, .state_bytes = batchnorm_state,
    .bind_state = batchnorm_bind_state, KERNELS(batchnorm_fwd, batchnorm_bwd),
    .set_training = batchnorm_set_training, .set_reducer = batchnorm_set_reducer,
    .nhwc_sides = batchnorm_nhwc_sides, .set_layout = batchnorm_set_layout
};
const LayerTraits layer_cbatchnorm_traits = {
    GRAMMAR("cbatchnorm", "cbatchnorm [eps=1e-5] [momentum=0.1] [classes=K]", "eps momentum classes", 0, 0,
            LAYER_WORDS_NONE),
    .flags = PARAMS, .infer = cbatchnorm_infer, .format = cbatchnorm_format,
    .tensors = cbatchnorm_tensors, .bind = batchnorm_bind, .state_bytes = batchnorm_state,
    .bind_state = batchnorm_bind_state, KERNELS(cbatchnorm_fwd, batchnorm_bwd),
    .set_training = batchnorm_set_training, .set_reducer = batchnorm_set_reducer
};
/* clang-format on */
