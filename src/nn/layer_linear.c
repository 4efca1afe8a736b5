/* layer_linear.c — the traits of the linear maps (layer_kinds.h): dense, conv2d, deconv2d and the
 * projection head, and spectral normalisation of their weights (sn=1, specnorm.h; not on deconv2d).
 */
#include "nn/layer_kinds.h"

#include <stdio.h>
#include <string.h>

#include "nn/conv_onednn.h"

/* ---- dense ------------------------------------------------------------------------------------ */

static NashStatus dense_infer(Layer *l, int index, NashError *err) {
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    /* on (T,F) it maps each step's F features (torch.nn.Linear on the last dim) */
    if (in.ndim != 1 && in.ndim != 2)
        return layer_shape_error(err, l, "is not flat (F) or a sequence (T,F); put `flatten` before it");
    (void)index;
    l->u.dense = (Dense){.in = in.dim[in.ndim - 1], .out = s->units, .has_bias = s->bias};
    l->sn[0] = (SpecNorm){.rows = s->units, .cols = l->u.dense.in};
    l->out = in.ndim == 1 ? shape_1d(s->units) : shape_2d(in.dim[0], s->units);
    return NASH_OK;
}

static void dense_format(const LayerSpec *s, char *buf, size_t size) {
    snprintf(buf, size, " %d%s%s", s->units, s->bias ? "" : " bias=0", s->sn ? " sn=1" : "");
}

/* ---- spectral normalisation of a weight (dense, conv2d, projection) ------------------------------ */

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* A weight of `shape` read as rows x cols, under `prefix` ("" or "linear."): "weight", or with
 * sn "weight_orig" and the buffers "weight_u" (rows) and "weight_v" (cols). */
static void weight_tensors(LayerTensors *to, const char *prefix, bool sn, Shape shape, int rows, int cols, int fan_in,
                           int fan_out) {
    char name[32];
    snprintf(name, sizeof name, "%s%s", prefix, sn ? "weight_orig" : "weight");
    layer_tensor(to, name, shape, PARAM_WEIGHT, fan_in, fan_out);
    if (!sn) return;
    snprintf(name, sizeof name, "%sweight_u", prefix);
    layer_buffer(to, name, shape_1d(rows));
    snprintf(name, sizeof name, "%sweight_v", prefix);
    layer_buffer(to, name, shape_1d(cols));
}

/* Bind a tensor of a weight with spectral norm: true when it was the weight's (weight_orig or a
 * buffer), false for the others (the bias). */
static bool specnorm_bind(SpecNorm *sn, const NetTensor *t, float *value, float *grad) {
    if (ends_with(t->name, "weight_orig")) {
        sn->w_orig = value;
        sn->dw_orig = grad;
    } else if (ends_with(t->name, "weight_u"))
        sn->u = value;
    else if (ends_with(t->name, "weight_v"))
        sn->v = value;
    else
        return false;
    return true;
}

static size_t specnorm_bytes(const SpecNorm *sn) {
    return nash_align_up(specnorm_state_floats(sn->rows, sn->cols) * sizeof(float));
}

/* u and v from the run's seed: Philox stream (seed, 0x5e << 56 | line << 8 | k) (docs/rng.md). */
static void specnorm_seed(Layer *l, int k, uint64_t seed) {
    specnorm_init_vectors(&l->sn[k], seed, (uint64_t)0x5e << 56 | (uint64_t)l->spec_index << 8 | (uint64_t)k);
}

static void weight_set_training(Layer *l, bool training) { l->sn[0].training = l->sn[1].training = training; }

static void weight_set_seed(Layer *l, uint64_t seed) {
    if (l->spec.sn) specnorm_seed(l, 0, seed);
}

/* dense and conv2d: the kernels see W = W_orig / sigma and put dL/dW in the state's dW */
static size_t weight_state(const Layer *l) { return l->spec.sn ? specnorm_bytes(&l->sn[0]) : 0; }

static void weight_bind_state(Layer *l, float *cache, void *state, float **weight, float **dweight) {
    (void)cache;
    if (!l->spec.sn) return;
    specnorm_bind_state(&l->sn[0], state);
    *weight = l->sn[0].w;
    *dweight = l->sn[0].dw;
}

static void dense_bind_state(Layer *l, float *cache, void *state) {
    weight_bind_state(l, cache, state, &l->u.dense.weight, &l->u.dense.dweight);
}
static void conv2d_bind_state(Layer *l, float *cache, void *state) {
    weight_bind_state(l, cache, state, &l->u.conv.weight, &l->u.conv.dweight);
}

static void weight_forward(Layer *l) {
    if (l->spec.sn) specnorm_forward(&l->sn[0]);
}
static void weight_backward(const Layer *l, bool param_grads) {
    if (l->spec.sn && param_grads) specnorm_backward(&l->sn[0]);
}

static void dense_tensors(const Layer *l, LayerTensors *to) {
    const Dense *d = &l->u.dense;
    weight_tensors(to, "", l->spec.sn, shape_2d(d->out, d->in), d->out, d->in, d->in, d->out);
    if (d->has_bias) layer_tensor(to, "bias", shape_1d(d->out), PARAM_BIAS, d->in, d->out);
}

static void dense_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    (void)param;
    if (l->spec.sn && specnorm_bind(&l->sn[0], t, value, grad)) return;
    layer_bind_pair(t->role == PARAM_BIAS, &l->u.dense.weight, &l->u.dense.dweight, &l->u.dense.bias, &l->u.dense.dbias,
                    value, grad);
}

/* Rows a dense layer maps for n samples: n, or n*T on sequences (T,F). */
static int dense_rows(const Layer *l, int n) { return n * (int)(shape_numel(l->in) / (size_t)l->u.dense.in); }

static void dense_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    weight_forward(l);
    dense_forward(&l->u.dense, x, l->y, dense_rows(l, n));
}

static void dense_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                      bool param_grads) {
    (void)net;
    dense_backward(&l->u.dense, x, dy, dx, dense_rows(l, n), param_grads);
    weight_backward(l, param_grads);
}

static void dense_fwd_naive(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    weight_forward(l);
    dense_forward_naive(&l->u.dense, x, l->y, dense_rows(l, n));
}
static void dense_bwd_naive(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                            bool param_grads) {
    (void)net;
    dense_backward_naive(&l->u.dense, x, dy, dx, dense_rows(l, n), param_grads);
    weight_backward(l, param_grads);
}

/* Double backprop of y = W x + b (W = W_orig / sigma with sn: sigma is a constant of x):
 *   R{y} = W R{x},  dx = W^T dy,  R{dx} = W^T R{dy},  R{dW} += R{dy} x^T + dy R{x}^T,  R{db} += sum R{dy}
 * as two backward calls, the second without the bias; spectral norm's chain rule is linear in
 * the weight gradient, so it takes their sum. */
static void dense_tan(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n) {
    (void)x;
    Dense d = l->u.dense;
    d.has_bias = false;
    (net->naive ? dense_forward_naive : dense_forward)(&d, rx, ry, dense_rows(l, n));
}
static void dense_double(const Net *net, const Layer *l, const float *x, const float *rx, const float *dy,
                         const float *rdy, float *dx, float *rdx, int n) {
    void (*backward)(const Dense *, const float *, const float *, float *, int, bool) =
        net->naive ? dense_backward_naive : dense_backward;
    Dense d = l->u.dense;
    backward(&d, x, rdy, rdx, dense_rows(l, n), true);
    d.has_bias = false;
    backward(&d, rx, dy, dx, dense_rows(l, n), true);
    weight_backward(l, true);
}

/* ---- conv2d and deconv2d ------------------------------------------------------------------------ */

static NashStatus conv2d_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim != 3) return layer_shape_error(err, l, "is not (C,H,W)");
    int ho = conv_out_len(in.dim[1], s->kh, s->sh, s->ph), wo = conv_out_len(in.dim[2], s->kw, s->sw, s->pw);
    if (ho <= 0 || wo <= 0) return layer_shape_error(err, l, "is smaller than the kernel");
    l->u.conv = (Conv2d){.cin = in.dim[0],
                         .cout = s->units,
                         .kh = s->kh,
                         .kw = s->kw,
                         .sh = s->sh,
                         .sw = s->sw,
                         .ph = s->ph,
                         .pw = s->pw,
                         .h = in.dim[1],
                         .w = in.dim[2],
                         .ho = ho,
                         .wo = wo,
                         .has_bias = s->bias};
    l->sn[0] = (SpecNorm){.rows = s->units, .cols = in.dim[0] * s->kh * s->kw};
    l->out = shape_3d(s->units, ho, wo);
    return NASH_OK;
}

static NashStatus deconv2d_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim != 3) return layer_shape_error(err, l, "is not (C,H,W)");
    int ho = deconv_out_len(in.dim[1], s->kh, s->sh, s->ph, s->oph);
    int wo = deconv_out_len(in.dim[2], s->kw, s->sw, s->pw, s->opw);
    if (ho <= 0 || wo <= 0) return layer_shape_error(err, l, "gives an empty output (padding too large)");
    l->u.deconv = (Deconv2d){.cin = in.dim[0],
                             .cout = s->units,
                             .kh = s->kh,
                             .kw = s->kw,
                             .sh = s->sh,
                             .sw = s->sw,
                             .ph = s->ph,
                             .pw = s->pw,
                             .oph = s->oph,
                             .opw = s->opw,
                             .h = in.dim[1],
                             .w = in.dim[2],
                             .ho = ho,
                             .wo = wo,
                             .has_bias = s->bias};
    l->out = shape_3d(s->units, ho, wo);
    return NASH_OK;
}

static NashStatus deconv2d_check(const LayerSpec *s, NashError *err) {
    if (s->oph < s->sh && s->opw < s->sw) return NASH_OK;
    return nash_fail(err, NASH_ERR_CONFIG, "deconv2d output padding op=%dx%d must be smaller than the stride %dx%d",
                     s->oph, s->opw, s->sh, s->sw);
}

static void conv_format(const LayerSpec *s, char *buf, size_t size) {
    snprintf(buf, size, " %d", s->units);
    layer_format_pair(buf, size, "k", s->kh, s->kw);
    layer_format_pair(buf, size, "s", s->sh, s->sw);
    layer_format_pair(buf, size, "p", s->ph, s->pw);
    if (s->kind == LAYER_DECONV2D && (s->oph || s->opw)) layer_format_pair(buf, size, "op", s->oph, s->opw);
    if (!s->bias) layer_append(buf, size, " bias=0");
    if (s->sn) layer_append(buf, size, " sn=1");
}

static void conv2d_tensors(const Layer *l, LayerTensors *to) {
    const Conv2d *c = &l->u.conv;
    int k = c->kh * c->kw;
    weight_tensors(to, "", l->spec.sn, layer_shape_4d(c->cout, c->cin, c->kh, c->kw), c->cout, c->cin * k, c->cin * k,
                   c->cout * k);
    if (c->has_bias) layer_tensor(to, "bias", shape_1d(c->cout), PARAM_BIAS, c->cin * k, c->cout * k);
}

static void deconv2d_tensors(const Layer *l, LayerTensors *to) {
    /* torch computes fans from weight.size(1) (Cout) and size(0) (Cin) */
    const Deconv2d *c = &l->u.deconv;
    int k = c->kh * c->kw;
    layer_tensor(to, "weight", layer_shape_4d(c->cin, c->cout, c->kh, c->kw), PARAM_WEIGHT, c->cout * k, c->cin * k);
    if (c->has_bias) layer_tensor(to, "bias", shape_1d(c->cout), PARAM_BIAS, c->cout * k, c->cin * k);
}

static void conv2d_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    (void)param;
    if (l->spec.sn && specnorm_bind(&l->sn[0], t, value, grad)) return;
    layer_bind_pair(t->role == PARAM_BIAS, &l->u.conv.weight, &l->u.conv.dweight, &l->u.conv.bias, &l->u.conv.dbias,
                    value, grad);
}

static void deconv2d_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    (void)param;
    layer_bind_pair(t->role == PARAM_BIAS, &l->u.deconv.weight, &l->u.deconv.dweight, &l->u.deconv.bias,
                    &l->u.deconv.dbias, value, grad);
}

static size_t conv2d_scratch(const Layer *l, int max_batch) { return conv2d_work_floats(&l->u.conv, max_batch); }
static size_t deconv2d_scratch(const Layer *l, int max_batch) { return deconv2d_work_floats(&l->u.deconv, max_batch); }

/* A convolution oneDNN runs reads and writes channels-last activations, in either combination;
 * on im2col a convolution writes them (its GEMM transposed) and a transposed one reads them. */
static unsigned conv2d_nhwc_sides(const Layer *l) {
    ConvShape s = CONV_SHAPE_OF(&l->u.conv, false);
    return conv_onednn_takes(&s) ? LAYER_NHWC_BOTH : LAYER_NHWC_OUT;
}
static unsigned deconv2d_nhwc_sides(const Layer *l) {
    ConvShape s = CONV_SHAPE_OF(&l->u.deconv, true);
    return conv_onednn_takes(&s) ? LAYER_NHWC_BOTH : LAYER_NHWC_IN;
}
static void conv2d_set_layout(Layer *l) { l->u.conv.nhwc_in = l->nhwc_in, l->u.conv.nhwc_out = l->nhwc_out; }
static void deconv2d_set_layout(Layer *l) { l->u.deconv.nhwc_in = l->nhwc_in, l->u.deconv.nhwc_out = l->nhwc_out; }

static void conv2d_fwd(const Net *net, Layer *l, const float *x, int n) {
    weight_forward(l);
    conv2d_forward(&l->u.conv, x, l->y, n, net->scratch);
}
static void conv2d_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                       bool param_grads) {
    conv2d_backward(&l->u.conv, x, dy, dx, n, param_grads, net->scratch);
    weight_backward(l, param_grads);
}
/* Double backprop of conv2d: as dense's, a convolution being linear in x and in W. The
 * kernels on a copy of the layer (without its bias where the term has none), fast or naive. */
static void conv2d_tan(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n) {
    (void)x;
    Conv2d c = l->u.conv;
    c.has_bias = false;
    if (net->naive)
        conv2d_forward_naive(&c, rx, ry, n);
    else
        conv2d_forward(&c, rx, ry, n, net->scratch);
}
static void conv2d_grads(const Net *net, const Conv2d *c, const float *x, const float *dy, float *dx, int n) {
    if (net->naive)
        conv2d_backward_naive(c, x, dy, dx, n, true);
    else
        conv2d_backward(c, x, dy, dx, n, true, net->scratch);
}
static void conv2d_double(const Net *net, const Layer *l, const float *x, const float *rx, const float *dy,
                          const float *rdy, float *dx, float *rdx, int n) {
    Conv2d c = l->u.conv;
    conv2d_grads(net, &c, x, rdy, rdx, n);
    c.has_bias = false;
    conv2d_grads(net, &c, rx, dy, dx, n);
    weight_backward(l, true);
}

static void deconv2d_fwd(const Net *net, Layer *l, const float *x, int n) {
    deconv2d_forward(&l->u.deconv, x, l->y, n, net->scratch);
}
static void deconv2d_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                         bool param_grads) {
    deconv2d_backward(&l->u.deconv, x, dy, dx, n, param_grads, net->scratch);
}

static void conv2d_fwd_naive(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    weight_forward(l);
    conv2d_forward_naive(&l->u.conv, x, l->y, n);
}
static void conv2d_bwd_naive(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                             bool param_grads) {
    (void)net;
    conv2d_backward_naive(&l->u.conv, x, dy, dx, n, param_grads);
    weight_backward(l, param_grads);
}
static void deconv2d_fwd_naive(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    deconv2d_forward_naive(&l->u.deconv, x, l->y, n);
}
static void deconv2d_bwd_naive(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                               bool param_grads) {
    (void)net;
    deconv2d_backward_naive(&l->u.deconv, x, dy, dx, n, param_grads);
}

/* ---- the projection head (Miyato & Koyama 2018) ------------------------------------------------ */

static NashStatus projection_infer(Layer *l, int index, NashError *err) {
    (void)index;
    NashStatus st = layer_need_classes(l, err);
    if (st) return st;
    if (l->in.ndim != 1)
        return layer_shape_error(err, l, "is not flat features (C); put `sumpool` or `flatten` before it");
    int c = l->in.dim[0], k = l->spec.classes;
    l->u.proj = (Projection){.c = c, .classes = k};
    l->sn[0] = (SpecNorm){.rows = 1, .cols = c};
    l->sn[1] = (SpecNorm){.rows = k, .cols = c};
    l->out = shape_1d(1);
    return NASH_OK;
}

static void projection_format(const LayerSpec *s, char *buf, size_t size) {
    buf[0] = '\0';
    if (s->classes) snprintf(buf, size, " classes=%d", s->classes);
    if (s->sn) layer_append(buf, size, " sn=1");
}

static void projection_tensors(const Layer *l, LayerTensors *to) {
    int c = l->u.proj.c, k = l->u.proj.classes;
    weight_tensors(to, "linear.", l->spec.sn, shape_2d(1, c), 1, c, c, 1);
    layer_tensor(to, "linear.bias", shape_1d(1), PARAM_BIAS, c, 1);
    weight_tensors(to, "embed.", l->spec.sn, shape_2d(k, c), k, c, c, k);
}

static void projection_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    (void)param;
    Projection *p = &l->u.proj;
    bool embed = strstr(t->name, "embed.") != NULL;
    if (l->spec.sn && specnorm_bind(&l->sn[embed], t, value, grad)) return;
    if (ends_with(t->name, "bias")) {
        p->bias = value;
        p->dbias = grad;
    } else if (embed) {
        p->embed = value;
        p->dembed = grad;
    } else {
        p->weight = value;
        p->dweight = grad;
    }
}

static size_t projection_state(const Layer *l) {
    return l->spec.sn ? specnorm_bytes(&l->sn[0]) + specnorm_bytes(&l->sn[1]) : 0;
}

static void projection_bind_state(Layer *l, float *cache, void *state) {
    (void)cache;
    if (!l->spec.sn) return;
    Projection *p = &l->u.proj;
    specnorm_bind_state(&l->sn[0], state);
    specnorm_bind_state(&l->sn[1], (float *)(void *)((unsigned char *)state + specnorm_bytes(&l->sn[0])));
    p->weight = l->sn[0].w;
    p->dweight = l->sn[0].dw;
    p->embed = l->sn[1].w;
    p->dembed = l->sn[1].dw;
}

static void projection_set_seed(Layer *l, uint64_t seed) {
    if (!l->spec.sn) return;
    specnorm_seed(l, 0, seed);
    specnorm_seed(l, 1, seed);
}

static void projection_fwd(const Net *net, Layer *l, const float *x, int n) {
    if (l->spec.sn) {
        specnorm_forward(&l->sn[0]);
        specnorm_forward(&l->sn[1]);
    }
    l->u.proj.labels = net->labels;
    projection_forward(&l->u.proj, x, l->y, n);
}
static void projection_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                           bool param_grads) {
    (void)net;
    projection_backward(&l->u.proj, x, dy, dx, n, param_grads);
    if (l->spec.sn && param_grads) {
        specnorm_backward(&l->sn[0]);
        specnorm_backward(&l->sn[1]);
    }
}

/* Double backprop of the head, out = (w + embed[y]) . h + b, bilinear in the weights and h:
 * R{out} = (w + embed[y]) . R{h}; R{dw} and R{dembed[y]} += R{dy} h + dy R{h}, R{db} += R{dy}. */
static void projection_tan(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n) {
    (void)net, (void)x;
    Projection p = l->u.proj;
    float zero = 0.0f;
    p.bias = &zero;
    projection_forward(&p, rx, ry, n);
}
static void projection_double(const Net *net, const Layer *l, const float *x, const float *rx, const float *dy,
                              const float *rdy, float *dx, float *rdx, int n) {
    (void)net;
    Projection p = l->u.proj;
    float unused = 0.0f;
    projection_backward(&p, x, rdy, rdx, n, true);
    p.dbias = &unused; /* b's gradient does not depend on h */
    projection_backward(&p, rx, dy, dx, n, true);
    if (l->spec.sn) {
        specnorm_backward(&l->sn[0]);
        specnorm_backward(&l->sn[1]);
    }
}

/* ---- the rows (each reads as a table line; clang-format would put a field on a line) -------------- */

/* clang-format off */
const LayerTraits layer_dense_traits = {
    GRAMMAR("dense", "dense OUT [bias=0|1] [sn=0|1]", "bias sn", 1, 1, LAYER_WORDS_UNITS),
    .flags = PARAMS, .infer = dense_infer, .format = dense_format, .tensors = dense_tensors,
    .bind = dense_bind, .state_bytes = weight_state, .bind_state = dense_bind_state,
    KERNELS(dense_fwd, dense_bwd), REFERENCE(dense_fwd_naive, dense_bwd_naive), DOUBLE(dense_tan, dense_double),
    .set_training = weight_set_training, .set_seed = weight_set_seed
};
const LayerTraits layer_conv2d_traits = {
    GRAMMAR("conv2d", "conv2d OUT k=K [s=1] [p=0] [bias=1] [sn=0|1]", "k s p bias sn", 1, 1, LAYER_WORDS_UNITS),
    .flags = PARAMS | LAYER_WINDOWED | LAYER_CONVERTS, .infer = conv2d_infer, .format = conv_format,
    .tensors = conv2d_tensors, .bind = conv2d_bind, .scratch_floats = conv2d_scratch,
    .state_bytes = weight_state, .bind_state = conv2d_bind_state, KERNELS(conv2d_fwd, conv2d_bwd),
    REFERENCE(conv2d_fwd_naive, conv2d_bwd_naive), DOUBLE(conv2d_tan, conv2d_double),
    .set_training = weight_set_training, .set_seed = weight_set_seed,
    .nhwc_sides = conv2d_nhwc_sides, .set_layout = conv2d_set_layout
};
const LayerTraits layer_deconv2d_traits = {
    GRAMMAR("deconv2d", "deconv2d OUT k=K [s=1] [p=0] [op=0] [bias=1]", "k s p op bias", 1, 1, LAYER_WORDS_UNITS),
    .flags = PARAMS | LAYER_WINDOWED | LAYER_CONVERTS, .infer = deconv2d_infer, .check = deconv2d_check,
    .format = conv_format, .tensors = deconv2d_tensors, .bind = deconv2d_bind,
    .scratch_floats = deconv2d_scratch, KERNELS(deconv2d_fwd, deconv2d_bwd),
    REFERENCE(deconv2d_fwd_naive, deconv2d_bwd_naive),
    .nhwc_sides = deconv2d_nhwc_sides, .set_layout = deconv2d_set_layout
};
const LayerTraits layer_projection_traits = {
    GRAMMAR("projection", "projection [classes=K] [sn=0|1]", "classes sn", 0, 0, LAYER_WORDS_NONE),
    .flags = PARAMS, .infer = projection_infer, .format = projection_format,
    .tensors = projection_tensors, .bind = projection_bind, .state_bytes = projection_state,
    .bind_state = projection_bind_state, KERNELS(projection_fwd, projection_bwd),
    DOUBLE(projection_tan, projection_double), .set_training = weight_set_training, .set_seed = projection_set_seed
};
/* clang-format on */
