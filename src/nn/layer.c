/* layer.c — the traits of every layer kind (layer.h): for each kind its shape inference, the
 * words of its canonical line, its tensors with PyTorch's names, shapes and fans, its memory,
 * and the calls into its kernels (dense.c, conv2d.c, ...). This file holds the table (a pointer
 * per kind, in LayerKind's order), the helpers the rows share, and the rows of every kind that
 * is not a linear map (layer_linear.c) or a batch norm (layer_norm.c); see layer_kinds.h.
 */
#include "nn/layer.h"

#include <stdio.h>
#include <string.h>

#include "nn/layer_kinds.h"

/* ---- the helpers of layer_kinds.h ---------------------------------------------------------------- */

NashStatus layer_shape_error(NashError *err, const Layer *l, const char *why) {
    char line[160], shape[64];
    spec_format(&l->spec, line, sizeof line);
    shape_format(l->in, shape, sizeof shape);
    return nash_fail(err, NASH_ERR_CONFIG, "layer %s (%s): input shape %s %s", l->path, line, shape, why);
}

Shape layer_shape_4d(int a, int b, int c, int d) { return (Shape){.ndim = 4, .dim = {a, b, c, d}}; }

void layer_format_pair(char *buf, size_t size, const char *key, int a, int b) {
    size_t used = strlen(buf);
    if (a == b)
        snprintf(buf + used, size - used, " %s=%d", key, a);
    else
        snprintf(buf + used, size - used, " %s=%dx%d", key, a, b);
}

void layer_append(char *buf, size_t size, const char *text) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s", text);
}

void layer_bind_pair(bool bias, float **weight, float **dweight, float **bias_value, float **dbias, float *value,
                     float *grad) {
    *(bias ? bias_value : weight) = value;
    *(bias ? dbias : dweight) = grad;
}

NashStatus layer_need_classes(const Layer *l, NashError *err) {
    if (l->spec.classes > 0) return NASH_OK;
    return nash_fail(err, NASH_ERR_CONFIG,
                     "layer %s (%s) needs its number of classes: train on data with /labels, or write classes=K",
                     l->path, layer_kind_name(l->spec.kind));
}

/* ---- pooling ---------------------------------------------------------------------------------------- */

static NashStatus pool2d_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim != 3) return layer_shape_error(err, l, "is not (C,H,W)");
    int ho = conv_out_len(in.dim[1], s->kh, s->sh, s->ph), wo = conv_out_len(in.dim[2], s->kw, s->sw, s->pw);
    if (ho <= 0 || wo <= 0) return layer_shape_error(err, l, "is smaller than the window");
    l->u.pool = (Pool2d){.kind = s->kind == LAYER_MAXPOOL2D ? POOL2D_MAX : POOL2D_AVG,
                         .c = in.dim[0],
                         .h = in.dim[1],
                         .w = in.dim[2],
                         .ho = ho,
                         .wo = wo,
                         .kh = s->kh,
                         .kw = s->kw,
                         .sh = s->sh,
                         .sw = s->sw,
                         .ph = s->ph,
                         .pw = s->pw,
                         .count_include_pad = s->count_include_pad};
    l->out = in;
    l->out.dim[1] = ho;
    l->out.dim[2] = wo;
    return NASH_OK;
}

static NashStatus pool2d_check(const LayerSpec *s, NashError *err) {
    if (2 * s->ph <= s->kh && 2 * s->pw <= s->kw) return NASH_OK;
    return nash_fail(err, NASH_ERR_CONFIG, "%s padding p=%dx%d must be at most half the kernel %dx%d",
                     layer_kind_name(s->kind), s->ph, s->pw, s->kh, s->kw);
}

static void pool_format(const LayerSpec *s, char *buf, size_t size) {
    buf[0] = '\0';
    layer_format_pair(buf, size, "k", s->kh, s->kw);
    layer_format_pair(buf, size, "s", s->sh, s->sw);
    layer_format_pair(buf, size, "p", s->ph, s->pw);
    if (s->kind == LAYER_AVGPOOL2D && !s->count_include_pad) layer_append(buf, size, " count_pad=0");
}

/* Elementwise kernels take either layout; sumpool's (which read l->nhwc_in) either input. */
static unsigned any_layout(const Layer *l) {
    (void)l;
    return LAYER_NHWC_BOTH;
}
static unsigned any_input(const Layer *l) {
    (void)l;
    return LAYER_NHWC_IN;
}

static unsigned pool_nhwc_sides(const Layer *l) { return pool2d_takes_nhwc(&l->u.pool) ? LAYER_NHWC_BOTH : 0; }
static void pool_set_layout(Layer *l) { l->u.pool.nhwc = l->nhwc_in; }

static void pool2d_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    pool2d_forward(&l->u.pool, x, l->y, n);
}
static void pool2d_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                       bool param_grads) {
    (void)net, (void)param_grads;
    if (dx) pool2d_backward(&l->u.pool, x, dy, dx, n);
}

/* Double backprop of the layers without parameters that are linear in their input (pooling,
 * upsampling; max pooling piecewise, its window maxima fixed by x): the tangent is the layer
 * applied to R{x}, and dy and R{dy} go back the same way. */
static void linear_double(const Net *net, const Layer *l, const float *x, const float *rx, const float *dy,
                          const float *rdy, float *dx, float *rdx, int n) {
    (void)rx;
    if (!dx) return; /* no parameters: nothing to add */
    const LayerTraits *t = layer_of(l->spec.kind);
    t->backward(net, l, x, dy, dx, n, false);
    t->backward(net, l, x, rdy, rdx, n, false);
}

static void pool2d_tan(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n) {
    (void)net;
    pool2d_tangent(&l->u.pool, x, rx, ry, n);
}

/* ---- activations ------------------------------------------------------------------------------------- */

static NashStatus act_infer(Layer *l, int index, NashError *err) {
    (void)index, (void)err;
    static const ActKind acts[] = {[LAYER_RELU] = ACT_RELU,
                                   [LAYER_LEAKY_RELU] = ACT_LEAKY_RELU,
                                   [LAYER_TANH] = ACT_TANH,
                                   [LAYER_SIGMOID] = ACT_SIGMOID};
    l->u.act = (Act){.kind = acts[l->spec.kind], .slope = l->spec.slope};
    l->out = l->in;
    return NASH_OK;
}

static void leaky_format(const LayerSpec *s, char *buf, size_t size) { snprintf(buf, size, " %g", (double)s->slope); }

static void act_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    act_forward(&l->u.act, x, l->y, (size_t)n * shape_numel(l->out));
}
static void act_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                    bool param_grads) {
    (void)net, (void)param_grads;
    if (dx) act_backward(&l->u.act, x, l->y, dy, dx, (size_t)n * shape_numel(l->out));
}

static void act_tan(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n) {
    (void)net;
    act_tangent(&l->u.act, x, l->y, rx, ry, (size_t)n * shape_numel(l->out));
}
static void act_double(const Net *net, const Layer *l, const float *x, const float *rx, const float *dy,
                       const float *rdy, float *dx, float *rdx, int n) {
    (void)net;
    size_t count = (size_t)n * shape_numel(l->out);
    if (!dx) return; /* no parameters: nothing to add */
    act_backward(&l->u.act, x, l->y, dy, dx, count);
    act_tangent_backward(&l->u.act, x, l->y, rx, dy, rdy, rdx, count);
}

/* ReLU, tanh and sigmoid work backward from their output; LeakyReLU too when its slope keeps the
 * sign (slope >= 0). */
static bool act_in_place(const Layer *l) { return l->spec.kind != LAYER_LEAKY_RELU || l->u.act.slope >= 0.0f; }

/* ---- reshape, flatten, dropout ----------------------------------------------------------------------- */

static NashStatus reshape_infer(Layer *l, int index, NashError *err) {
    (void)index;
    if (shape_numel(l->spec.target) != shape_numel(l->in))
        return layer_shape_error(err, l, "has a different number of elements than the target");
    l->out = l->spec.target;
    return NASH_OK;
}

static void reshape_format(const LayerSpec *s, char *buf, size_t size) {
    buf[0] = '\0';
    for (int i = 0; i < s->target.ndim; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, " %d", s->target.dim[i]);
    }
}

static NashStatus flatten_infer(Layer *l, int index, NashError *err) {
    (void)index, (void)err;
    l->out = shape_1d((int)shape_numel(l->in));
    return NASH_OK;
}

static NashStatus dropout_infer(Layer *l, int index, NashError *err) {
    (void)err;
    l->u.dropout = (Dropout){.p = l->spec.p, .stream_base = (uint64_t)(index + 1) << 40};
    l->out = l->in;
    return NASH_OK;
}

static void dropout_format(const LayerSpec *s, char *buf, size_t size) { snprintf(buf, size, " %g", (double)s->p); }

static void dropout_fwd(const Net *net, Layer *l, const float *x, int n) {
    dropout_forward(&l->u.dropout, x, l->y, n, shape_numel(l->out), net->key);
}
static void dropout_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                        bool param_grads) {
    (void)x, (void)param_grads;
    if (dx) dropout_backward(&l->u.dropout, dy, dx, n, shape_numel(l->out), net->key);
}
static void dropout_set_training(Layer *l, bool training) { l->u.dropout.training = training; }
static void dropout_set_seed(Layer *l, uint64_t seed) { l->u.dropout.seed = seed; }

/* ---- rnn and lstm ------------------------------------------------------------------------------------ */

static NashStatus recurrent_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim != 2) return layer_shape_error(err, l, "is not a sequence (T,F)");
    Rnn r = {.in = in.dim[1], .hidden = s->units, .steps = in.dim[0], .seq = s->seq, .has_bias = s->bias};
    if (s->kind == LAYER_RNN)
        l->u.rnn = r;
    else
        l->u.lstm = (Lstm){.in = r.in, .hidden = r.hidden, .steps = r.steps, .seq = r.seq, .has_bias = r.has_bias};
    l->out = s->seq ? shape_2d(in.dim[0], s->units) : shape_1d(s->units);
    return NASH_OK;
}

static void recurrent_format(const LayerSpec *s, char *buf, size_t size) {
    snprintf(buf, size, " %d%s%s", s->units, s->seq ? "" : " seq=0", s->bias ? "" : " bias=0");
}

static void recurrent_tensors(const Layer *l, LayerTensors *to) {
    /* torch initialises all four from U(+-1/sqrt(H)): fan_in is H for each */
    int in = l->in.dim[1], h = l->spec.units, rows = (l->spec.kind == LAYER_LSTM ? 4 : 1) * h;
    layer_tensor(to, "weight_ih_l0", shape_2d(rows, in), PARAM_WEIGHT, h, rows);
    layer_tensor(to, "weight_hh_l0", shape_2d(rows, h), PARAM_WEIGHT, h, rows);
    if (l->spec.bias) {
        layer_tensor(to, "bias_ih_l0", shape_1d(rows), PARAM_BIAS, h, rows);
        layer_tensor(to, "bias_hh_l0", shape_1d(rows), PARAM_BIAS, h, rows);
    }
}

/* weight_ih, weight_hh, bias_ih, bias_hh, chosen by name. */
static void recurrent_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    (void)param;
    const char *name = t->name;
    int k = strstr(name, "weight_ih") ? 0 : strstr(name, "weight_hh") ? 1 : strstr(name, "bias_ih") ? 2 : 3;
    Rnn *r = &l->u.rnn;
    Lstm *m = &l->u.lstm;
    bool lstm = l->spec.kind == LAYER_LSTM;
    float **v[2][4] = {{&r->weight_ih, &r->weight_hh, &r->bias_ih, &r->bias_hh},
                       {&m->weight_ih, &m->weight_hh, &m->bias_ih, &m->bias_hh}};
    float **g[2][4] = {{&r->dweight_ih, &r->dweight_hh, &r->dbias_ih, &r->dbias_hh},
                       {&m->dweight_ih, &m->dweight_hh, &m->dbias_ih, &m->dbias_hh}};
    *v[lstm][k] = value;
    *g[lstm][k] = grad;
}

/* The sizes, state and kernels of rnn and lstm, by kind. */
static bool is_lstm(const Layer *l) { return l->spec.kind == LAYER_LSTM; }

static size_t recurrent_scratch(const Layer *l, int max_batch) {
    return is_lstm(l) ? lstm_work_floats(&l->u.lstm, max_batch) : rnn_work_floats(&l->u.rnn, max_batch);
}
static size_t recurrent_cache(const Layer *l, int max_batch) {
    return is_lstm(l) ? lstm_cache_floats(&l->u.lstm, max_batch) : rnn_cache_floats(&l->u.rnn, max_batch);
}
static void recurrent_bind_state(Layer *l, float *cache, void *state) {
    (void)state;
    *(is_lstm(l) ? &l->u.lstm.cache : &l->u.rnn.cache) = cache;
}

static void recurrent_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    if (is_lstm(l))
        lstm_forward(&l->u.lstm, x, NULL, NULL, l->y, n);
    else
        rnn_forward(&l->u.rnn, x, NULL, l->y, n);
}
static void recurrent_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                          bool param_grads) {
    if (is_lstm(l))
        lstm_backward(&l->u.lstm, x, NULL, NULL, dy, dx, NULL, NULL, n, param_grads, net->scratch);
    else
        rnn_backward(&l->u.rnn, x, NULL, dy, dx, NULL, n, param_grads, net->scratch);
}
static void recurrent_fwd_naive(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    if (is_lstm(l))
        lstm_forward_naive(&l->u.lstm, x, NULL, NULL, l->y, n);
    else
        rnn_forward_naive(&l->u.rnn, x, NULL, l->y, n);
}
static void recurrent_bwd_naive(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                                bool param_grads) {
    if (is_lstm(l))
        lstm_backward_naive(&l->u.lstm, x, NULL, NULL, dy, dx, NULL, NULL, n, param_grads, net->scratch);
    else
        rnn_backward_naive(&l->u.rnn, x, NULL, dy, dx, NULL, n, param_grads, net->scratch);
}

/* ---- upsample and sumpool ------------------------------------------------------------------------ */

static NashStatus upsample_infer(Layer *l, int index, NashError *err) {
    (void)index;
    Shape in = l->in;
    if (in.ndim != 3) return layer_shape_error(err, l, "is not (C,H,W)");
    int s = l->spec.units;
    if ((int64_t)in.dim[1] * s > (1 << 20) || (int64_t)in.dim[2] * s > (1 << 20))
        return layer_shape_error(err, l, "grows past 2^20 pixels a side");
    l->u.up = (Upsample){.c = in.dim[0], .h = in.dim[1], .w = in.dim[2], .scale = s};
    l->out = shape_3d(in.dim[0], in.dim[1] * s, in.dim[2] * s);
    return NASH_OK;
}

static void units_format(const LayerSpec *s, char *buf, size_t size) { snprintf(buf, size, " %d", s->units); }

static void upsample_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    upsample_forward(&l->u.up, x, l->y, n);
}
static void upsample_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                         bool param_grads) {
    (void)net, (void)x, (void)param_grads;
    if (dx) upsample_backward(&l->u.up, dy, dx, n);
}

static void upsample_tan(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n) {
    (void)net, (void)x;
    upsample_forward(&l->u.up, rx, ry, n);
}

static unsigned upsample_nhwc_sides(const Layer *l) { return l->u.up.scale == 2 ? LAYER_NHWC_BOTH : 0; }
static void upsample_set_layout(Layer *l) { l->u.up.nhwc = l->nhwc_in; }

static NashStatus sumpool_infer(Layer *l, int index, NashError *err) {
    (void)index;
    if (l->in.ndim != 3) return layer_shape_error(err, l, "is not (C,H,W)");
    l->out = shape_1d(l->in.dim[0]);
    return NASH_OK;
}

static void sumpool_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    (l->nhwc_in ? sumpool_forward_nhwc : sumpool_forward)(x, l->y, n, l->in.dim[0], l->in.dim[1] * l->in.dim[2]);
}
static void sumpool_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                        bool param_grads) {
    (void)net, (void)x, (void)param_grads;
    if (dx)
        (l->nhwc_in ? sumpool_backward_nhwc : sumpool_backward)(dy, dx, n, l->in.dim[0], l->in.dim[1] * l->in.dim[2]);
}

static void sumpool_tan(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n) {
    (void)net, (void)x;
    sumpool_forward(rx, ry, n, l->in.dim[0], l->in.dim[1] * l->in.dim[2]);
}

/* the row of rnn or lstm: one set of functions, which read the kind from the layer (is_lstm) */
#define RECURRENT(nm)                                                                                                  \
    {                                                                                                                  \
        GRAMMAR(nm, nm " H [seq=1|0] [bias=1]", "seq bias", 1, 1, LAYER_WORDS_UNITS),                                  \
            .flags = LAYER_HAS_PARAMS, .infer = recurrent_infer, .format = recurrent_format,                           \
            .tensors = recurrent_tensors, .bind = recurrent_bind, .scratch_floats = recurrent_scratch,                 \
            .cache_floats = recurrent_cache, .bind_state = recurrent_bind_state,                                       \
            KERNELS(recurrent_fwd, recurrent_bwd), REFERENCE(recurrent_fwd_naive, recurrent_bwd_naive)                 \
    }
/* the row of an activation: no tensors, in place where its backward allows, elementwise in any layout */
#define ACTIVATION(nm, use, hi, fmt)                                                                                   \
    {                                                                                                                  \
        GRAMMAR(nm, use, "", 0, hi, hi ? LAYER_WORDS_SLOPE : LAYER_WORDS_NONE),                                        \
            .infer = act_infer, .format = fmt, KERNELS(act_fwd, act_bwd), DOUBLE(act_tan, act_double),                 \
            .in_place = act_in_place, .nhwc_sides = any_layout                                                         \
    }

/* ---- the rows (each reads as a table line; clang-format would put a field on a line) -------------- */

/* clang-format off */
const LayerTraits layer_maxpool2d_traits = {
    GRAMMAR("maxpool2d", "maxpool2d k=K [s=K] [p=0]", "k s p", 0, 0, LAYER_WORDS_NONE),
    .flags = LAYER_WINDOWED | LAYER_POOLING | LAYER_OWN_INPUT, .infer = pool2d_infer,
    .check = pool2d_check, .format = pool_format, KERNELS(pool2d_fwd, pool2d_bwd),
    DOUBLE(pool2d_tan, linear_double)
};
const LayerTraits layer_avgpool2d_traits = {
    GRAMMAR("avgpool2d", "avgpool2d k=K [s=K] [p=0] [count_pad=1]", "k s p count_pad", 0, 0, LAYER_WORDS_NONE),
    .flags = LAYER_WINDOWED | LAYER_POOLING | LAYER_OWN_INPUT, .infer = pool2d_infer,
    .check = pool2d_check, .format = pool_format, KERNELS(pool2d_fwd, pool2d_bwd),
    DOUBLE(pool2d_tan, linear_double), .nhwc_sides = pool_nhwc_sides, .set_layout = pool_set_layout
};
const LayerTraits layer_relu_traits = ACTIVATION("relu", "relu", 0, NULL);
const LayerTraits layer_leaky_relu_traits = ACTIVATION("leakyrelu", "leakyrelu [SLOPE=0.01]", 1, leaky_format);
const LayerTraits layer_tanh_traits = ACTIVATION("tanh", "tanh", 0, NULL);
const LayerTraits layer_sigmoid_traits = ACTIVATION("sigmoid", "sigmoid", 0, NULL);
const LayerTraits layer_reshape_traits = {
    GRAMMAR("reshape", "reshape D1 [D2 [D3]]", "", 1, 3, LAYER_WORDS_DIMS),
    .flags = LAYER_ALIASES_INPUT, .infer = reshape_infer, .format = reshape_format
};
const LayerTraits layer_flatten_traits = {
    GRAMMAR("flatten", "flatten", "", 0, 0, LAYER_WORDS_NONE), .flags = LAYER_ALIASES_INPUT,
    .infer = flatten_infer
};
const LayerTraits layer_dropout_traits = {
    GRAMMAR("dropout", "dropout P", "", 1, 1, LAYER_WORDS_PROB), .infer = dropout_infer,
    .format = dropout_format, KERNELS(dropout_fwd, dropout_bwd),
    .set_training = dropout_set_training, .set_seed = dropout_set_seed
};
const LayerTraits layer_rnn_traits = RECURRENT("rnn");
const LayerTraits layer_lstm_traits = RECURRENT("lstm");
const LayerTraits layer_upsample_traits = {
    GRAMMAR("upsample", "upsample S", "", 1, 1, LAYER_WORDS_UNITS), .flags = LAYER_OWN_INPUT,
    .infer = upsample_infer, .format = units_format, KERNELS(upsample_fwd, upsample_bwd),
    DOUBLE(upsample_tan, linear_double), .nhwc_sides = upsample_nhwc_sides, .set_layout = upsample_set_layout
};
const LayerTraits layer_sumpool_traits = {
    GRAMMAR("sumpool", "sumpool", "", 0, 0, LAYER_WORDS_NONE), .flags = LAYER_OWN_INPUT | LAYER_CONVERTS,
    .infer = sumpool_infer, KERNELS(sumpool_fwd, sumpool_bwd), DOUBLE(sumpool_tan, linear_double),
    .nhwc_sides = any_input
};
const LayerTraits layer_residual_traits = {
    GRAMMAR("residual", "residual (then its main branch, [shortcut ...], end)", "", 0, 0, LAYER_WORDS_NONE),
    .flags = LAYER_OPENS_BLOCK | LAYER_OWN_INPUT
};
const LayerTraits layer_shortcut_traits = {
    GRAMMAR("shortcut", "shortcut (inside a residual block)", "", 0, 0, LAYER_WORDS_NONE),
    .flags = LAYER_SPLITS_BLOCK
};
const LayerTraits layer_end_traits = {
    GRAMMAR("end", "end (closes a residual block)", "", 0, 0, LAYER_WORDS_NONE),
    .flags = LAYER_CLOSES_BLOCK
};
/* clang-format on */

/* ---- the table --------------------------------------------------------------------------------------- */

const LayerTraits *const layer_traits[LAYER_KIND_COUNT] = {
    [LAYER_DENSE] = &layer_dense_traits,
    [LAYER_CONV2D] = &layer_conv2d_traits,
    [LAYER_DECONV2D] = &layer_deconv2d_traits,
    [LAYER_MAXPOOL2D] = &layer_maxpool2d_traits,
    [LAYER_AVGPOOL2D] = &layer_avgpool2d_traits,
    [LAYER_BATCHNORM] = &layer_batchnorm_traits,
    [LAYER_RELU] = &layer_relu_traits,
    [LAYER_LEAKY_RELU] = &layer_leaky_relu_traits,
    [LAYER_TANH] = &layer_tanh_traits,
    [LAYER_SIGMOID] = &layer_sigmoid_traits,
    [LAYER_RESHAPE] = &layer_reshape_traits,
    [LAYER_FLATTEN] = &layer_flatten_traits,
    [LAYER_DROPOUT] = &layer_dropout_traits,
    [LAYER_RNN] = &layer_rnn_traits,
    [LAYER_LSTM] = &layer_lstm_traits,
    [LAYER_UPSAMPLE] = &layer_upsample_traits,
    [LAYER_SUMPOOL] = &layer_sumpool_traits,
    [LAYER_CBATCHNORM] = &layer_cbatchnorm_traits,
    [LAYER_PROJECTION] = &layer_projection_traits,
    [LAYER_RESIDUAL] = &layer_residual_traits,
    [LAYER_SHORTCUT] = &layer_shortcut_traits,
    [LAYER_END] = &layer_end_traits,
};
_Static_assert(LAYER_END + 1 == LAYER_KIND_COUNT, "one row of traits per layer kind, the last one LAYER_END");
