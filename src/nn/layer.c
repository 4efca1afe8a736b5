/* layer.c — the traits of every layer kind (layer.h): for each kind its shape inference, the
 * words of its canonical line, its tensors with PyTorch's names, shapes and fans, its memory,
 * and the calls into its kernels (dense.c, conv2d.c, ...). One row per kind, in LayerKind's order.
 */
#include "nn/layer.h"

#include <stdio.h>
#include <string.h>

static NashStatus shape_error(NashError *err, const Layer *l, const char *why) {
    char line[160], shape[64];
    spec_format(&l->spec, line, sizeof line);
    shape_format(l->in, shape, sizeof shape);
    return nash_fail(err, NASH_ERR_CONFIG, "layer %s (%s): input shape %s %s", l->path, line, shape, why);
}

static Shape shape_4d(int a, int b, int c, int d) { return (Shape){.ndim = 4, .dim = {a, b, c, d}}; }

static void format_pair(char *buf, size_t size, const char *key, int a, int b) {
    size_t used = strlen(buf);
    if (a == b)
        snprintf(buf + used, size - used, " %s=%d", key, a);
    else
        snprintf(buf + used, size - used, " %s=%dx%d", key, a, b);
}

static void append(char *buf, size_t size, const char *text) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s", text);
}

/* A weight-and-bias layer's pointers: the tensor's value and gradient go to the bias pair or the
 * weight pair, by the tensor's role. */
static void bind_pair(bool bias, float **weight, float **dweight, float **bias_value, float **dbias, float *value,
                      float *grad) {
    *(bias ? bias_value : weight) = value;
    *(bias ? dbias : dweight) = grad;
}

/* ---- dense ------------------------------------------------------------------------------------ */

static NashStatus dense_infer(Layer *l, int index, NashError *err) {
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    /* on (T,F) it maps each step's F features (torch.nn.Linear on the last dim) */
    if (in.ndim != 1 && in.ndim != 2)
        return shape_error(err, l, "is not flat (F) or a sequence (T,F); put `flatten` before it");
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
    bind_pair(t->role == PARAM_BIAS, &l->u.dense.weight, &l->u.dense.dweight, &l->u.dense.bias, &l->u.dense.dbias,
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

/* ---- conv2d and deconv2d ------------------------------------------------------------------------ */

static NashStatus conv2d_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim != 3) return shape_error(err, l, "is not (C,H,W)");
    int ho = conv_out_len(in.dim[1], s->kh, s->sh, s->ph), wo = conv_out_len(in.dim[2], s->kw, s->sw, s->pw);
    if (ho <= 0 || wo <= 0) return shape_error(err, l, "is smaller than the kernel");
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
    if (in.ndim != 3) return shape_error(err, l, "is not (C,H,W)");
    int ho = deconv_out_len(in.dim[1], s->kh, s->sh, s->ph, s->oph);
    int wo = deconv_out_len(in.dim[2], s->kw, s->sw, s->pw, s->opw);
    if (ho <= 0 || wo <= 0) return shape_error(err, l, "gives an empty output (padding too large)");
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
    format_pair(buf, size, "k", s->kh, s->kw);
    format_pair(buf, size, "s", s->sh, s->sw);
    format_pair(buf, size, "p", s->ph, s->pw);
    if (s->kind == LAYER_DECONV2D && (s->oph || s->opw)) format_pair(buf, size, "op", s->oph, s->opw);
    if (!s->bias) append(buf, size, " bias=0");
    if (s->sn) append(buf, size, " sn=1");
}

static void conv2d_tensors(const Layer *l, LayerTensors *to) {
    const Conv2d *c = &l->u.conv;
    int k = c->kh * c->kw;
    weight_tensors(to, "", l->spec.sn, shape_4d(c->cout, c->cin, c->kh, c->kw), c->cout, c->cin * k, c->cin * k,
                   c->cout * k);
    if (c->has_bias) layer_tensor(to, "bias", shape_1d(c->cout), PARAM_BIAS, c->cin * k, c->cout * k);
}

static void deconv2d_tensors(const Layer *l, LayerTensors *to) {
    /* torch computes fans from weight.size(1) (Cout) and size(0) (Cin) */
    const Deconv2d *c = &l->u.deconv;
    int k = c->kh * c->kw;
    layer_tensor(to, "weight", shape_4d(c->cin, c->cout, c->kh, c->kw), PARAM_WEIGHT, c->cout * k, c->cin * k);
    if (c->has_bias) layer_tensor(to, "bias", shape_1d(c->cout), PARAM_BIAS, c->cout * k, c->cin * k);
}

static void conv2d_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    (void)param;
    if (l->spec.sn && specnorm_bind(&l->sn[0], t, value, grad)) return;
    bind_pair(t->role == PARAM_BIAS, &l->u.conv.weight, &l->u.conv.dweight, &l->u.conv.bias, &l->u.conv.dbias, value,
              grad);
}

static void deconv2d_bind(Layer *l, const NetTensor *t, bool param, float *value, float *grad) {
    (void)param;
    bind_pair(t->role == PARAM_BIAS, &l->u.deconv.weight, &l->u.deconv.dweight, &l->u.deconv.bias, &l->u.deconv.dbias,
              value, grad);
}

static size_t conv2d_scratch(const Layer *l, int max_batch) { return conv2d_work_floats(&l->u.conv, max_batch); }
static size_t deconv2d_scratch(const Layer *l, int max_batch) { return deconv2d_work_floats(&l->u.deconv, max_batch); }

static void conv2d_fwd(const Net *net, Layer *l, const float *x, int n) {
    weight_forward(l);
    conv2d_forward(&l->u.conv, x, l->y, n, net->scratch);
}
static void conv2d_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                       bool param_grads) {
    conv2d_backward(&l->u.conv, x, dy, dx, n, param_grads, net->scratch);
    weight_backward(l, param_grads);
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

/* ---- pooling ---------------------------------------------------------------------------------------- */

static NashStatus pool2d_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim != 3) return shape_error(err, l, "is not (C,H,W)");
    int ho = conv_out_len(in.dim[1], s->kh, s->sh, s->ph), wo = conv_out_len(in.dim[2], s->kw, s->sw, s->pw);
    if (ho <= 0 || wo <= 0) return shape_error(err, l, "is smaller than the window");
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
    format_pair(buf, size, "k", s->kh, s->kw);
    format_pair(buf, size, "s", s->sh, s->sw);
    format_pair(buf, size, "p", s->ph, s->pw);
    if (s->kind == LAYER_AVGPOOL2D && !s->count_include_pad) append(buf, size, " count_pad=0");
}

static void pool2d_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    pool2d_forward(&l->u.pool, x, l->y, n);
}
static void pool2d_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                       bool param_grads) {
    (void)net, (void)param_grads;
    if (dx) pool2d_backward(&l->u.pool, x, dy, dx, n);
}

/* ---- batch norm ------------------------------------------------------------------------------------- */

static NashStatus batchnorm_infer(Layer *l, int index, NashError *err) {
    (void)index;
    const LayerSpec *s = &l->spec;
    Shape in = l->in;
    if (in.ndim < 1 || in.ndim > 3) return shape_error(err, l, "is not (C), (C,L) or (C,H,W)");
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
    bind_pair(t->role == PARAM_BN_BIAS, &bn->weight, &bn->dweight, &bn->bias, &bn->dbias, value, grad);
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
static void batchnorm_set_reducer(Layer *l, const StatReducer *reducer) { l->u.bn.reducer = reducer; }

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

/* ReLU, tanh and sigmoid work backward from their output; LeakyReLU too when its slope keeps the
 * sign (slope >= 0). */
static bool act_in_place(const Layer *l) { return l->spec.kind != LAYER_LEAKY_RELU || l->u.act.slope >= 0.0f; }

/* ---- reshape, flatten, dropout ----------------------------------------------------------------------- */

static NashStatus reshape_infer(Layer *l, int index, NashError *err) {
    (void)index;
    if (shape_numel(l->spec.target) != shape_numel(l->in))
        return shape_error(err, l, "has a different number of elements than the target");
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
    if (in.ndim != 2) return shape_error(err, l, "is not a sequence (T,F)");
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
    if (in.ndim != 3) return shape_error(err, l, "is not (C,H,W)");
    int s = l->spec.units;
    if ((int64_t)in.dim[1] * s > (1 << 20) || (int64_t)in.dim[2] * s > (1 << 20))
        return shape_error(err, l, "grows past 2^20 pixels a side");
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

static NashStatus sumpool_infer(Layer *l, int index, NashError *err) {
    (void)index;
    if (l->in.ndim != 3) return shape_error(err, l, "is not (C,H,W)");
    l->out = shape_1d(l->in.dim[0]);
    return NASH_OK;
}

static void sumpool_fwd(const Net *net, Layer *l, const float *x, int n) {
    (void)net;
    sumpool_forward(x, l->y, n, l->in.dim[0], l->in.dim[1] * l->in.dim[2]);
}
static void sumpool_bwd(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                        bool param_grads) {
    (void)net, (void)x, (void)param_grads;
    if (dx) sumpool_backward(dy, dx, n, l->in.dim[0], l->in.dim[1] * l->in.dim[2]);
}

/* ---- conditional layers: cbatchnorm and projection ---------------------------------------------- */

static NashStatus need_classes(const Layer *l, NashError *err) {
    if (l->spec.classes > 0) return NASH_OK;
    return nash_fail(err, NASH_ERR_CONFIG,
                     "layer %s (%s) needs its number of classes: train on data with /labels, or write classes=K",
                     l->path, layer_kind_name(l->spec.kind));
}

static NashStatus cbatchnorm_infer(Layer *l, int index, NashError *err) {
    NashStatus st = need_classes(l, err);
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

static NashStatus projection_infer(Layer *l, int index, NashError *err) {
    (void)index;
    NashStatus st = need_classes(l, err);
    if (st) return st;
    if (l->in.ndim != 1) return shape_error(err, l, "is not flat features (C); put `sumpool` or `flatten` before it");
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
    if (s->sn) append(buf, size, " sn=1");
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

/* ---- the table ---------------------------------------------------------------------------------------- */

/* Every field is named: a field left out is NULL, 0 or "" (clang's -Wmissing-field-initializers
 * holds positional rows to every field). */
#define PARAMS (LAYER_HAS_PARAMS | LAYER_OWN_INPUT)
#define WORDS(lo, hi, kind_) .words_min = lo, .words_max = hi, .words = kind_
/* a kind's layer-line grammar: its word, usage, key=value words and positional words */
#define GRAMMAR(nm, use, keys_, lo, hi, kind_) .name = nm, .usage = use, .keys = keys_, WORDS(lo, hi, kind_)
#define KERNELS(f, b) .forward = f, .backward = b
#define REFERENCE(f, b) .forward_naive = f, .backward_naive = b
#define ACTIVATION(nm, use, hi, fmt)                                                                                   \
    {                                                                                                                  \
        GRAMMAR(nm, use, "", 0, hi, hi ? LAYER_WORDS_SLOPE : LAYER_WORDS_NONE),                                        \
            .infer = act_infer, .format = fmt, KERNELS(act_fwd, act_bwd), .in_place = act_in_place                     \
    }

const LayerTraits layer_traits[LAYER_KIND_COUNT] = {
    [LAYER_DENSE] = {GRAMMAR("dense", "dense OUT [bias=0|1] [sn=0|1]", "bias sn", 1, 1, LAYER_WORDS_UNITS),
                     .flags = PARAMS, .infer = dense_infer, .format = dense_format, .tensors = dense_tensors,
                     .bind = dense_bind, .state_bytes = weight_state, .bind_state = dense_bind_state,
                     KERNELS(dense_fwd, dense_bwd), REFERENCE(dense_fwd_naive, dense_bwd_naive),
                     .set_training = weight_set_training, .set_seed = weight_set_seed},
    [LAYER_CONV2D] = {GRAMMAR("conv2d", "conv2d OUT k=K [s=1] [p=0] [bias=1] [sn=0|1]", "k s p bias sn", 1, 1,
                              LAYER_WORDS_UNITS),
                      .flags = PARAMS | LAYER_WINDOWED, .infer = conv2d_infer, .format = conv_format,
                      .tensors = conv2d_tensors, .bind = conv2d_bind, .scratch_floats = conv2d_scratch,
                      .state_bytes = weight_state, .bind_state = conv2d_bind_state, KERNELS(conv2d_fwd, conv2d_bwd),
                      REFERENCE(conv2d_fwd_naive, conv2d_bwd_naive), .set_training = weight_set_training,
                      .set_seed = weight_set_seed},
    [LAYER_DECONV2D] = {GRAMMAR("deconv2d", "deconv2d OUT k=K [s=1] [p=0] [op=0] [bias=1]", "k s p op bias", 1, 1,
                                LAYER_WORDS_UNITS),
                        .flags = PARAMS | LAYER_WINDOWED, .infer = deconv2d_infer, .check = deconv2d_check,
                        .format = conv_format, .tensors = deconv2d_tensors, .bind = deconv2d_bind,
                        .scratch_floats = deconv2d_scratch, KERNELS(deconv2d_fwd, deconv2d_bwd),
                        REFERENCE(deconv2d_fwd_naive, deconv2d_bwd_naive)},
    [LAYER_MAXPOOL2D] = {GRAMMAR("maxpool2d", "maxpool2d k=K [s=K] [p=0]", "k s p", 0, 0, LAYER_WORDS_NONE),
                         .flags = LAYER_WINDOWED | LAYER_POOLING | LAYER_OWN_INPUT, .infer = pool2d_infer,
                         .check = pool2d_check, .format = pool_format, KERNELS(pool2d_fwd, pool2d_bwd)},
    [LAYER_AVGPOOL2D] = {GRAMMAR("avgpool2d", "avgpool2d k=K [s=K] [p=0] [count_pad=1]", "k s p count_pad", 0, 0,
                                 LAYER_WORDS_NONE),
                         .flags = LAYER_WINDOWED | LAYER_POOLING | LAYER_OWN_INPUT, .infer = pool2d_infer,
                         .check = pool2d_check, .format = pool_format, KERNELS(pool2d_fwd, pool2d_bwd)},
    [LAYER_BATCHNORM] = {GRAMMAR("batchnorm", "batchnorm [eps=1e-5] [momentum=0.1]", "eps momentum", 0, 0,
                                 LAYER_WORDS_NONE),
                         .flags = PARAMS, .infer = batchnorm_infer, .format = batchnorm_format,
                         .tensors = batchnorm_tensors, .bind = batchnorm_bind, .state_bytes = batchnorm_state,
                         .bind_state = batchnorm_bind_state, KERNELS(batchnorm_fwd, batchnorm_bwd),
                         .set_training = batchnorm_set_training, .set_reducer = batchnorm_set_reducer},
    [LAYER_RELU] = ACTIVATION("relu", "relu", 0, NULL),
    [LAYER_LEAKY_RELU] = ACTIVATION("leakyrelu", "leakyrelu [SLOPE=0.01]", 1, leaky_format),
    [LAYER_TANH] = ACTIVATION("tanh", "tanh", 0, NULL),
    [LAYER_SIGMOID] = ACTIVATION("sigmoid", "sigmoid", 0, NULL),
    [LAYER_RESHAPE] = {GRAMMAR("reshape", "reshape D1 [D2 [D3]]", "", 1, 3, LAYER_WORDS_DIMS),
                       .flags = LAYER_ALIASES_INPUT, .infer = reshape_infer, .format = reshape_format},
    [LAYER_FLATTEN] = {GRAMMAR("flatten", "flatten", "", 0, 0, LAYER_WORDS_NONE), .flags = LAYER_ALIASES_INPUT,
                       .infer = flatten_infer},
    [LAYER_DROPOUT] = {GRAMMAR("dropout", "dropout P", "", 1, 1, LAYER_WORDS_PROB), .infer = dropout_infer,
                       .format = dropout_format, KERNELS(dropout_fwd, dropout_bwd),
                       .set_training = dropout_set_training, .set_seed = dropout_set_seed},
    [LAYER_RNN] = {GRAMMAR("rnn", "rnn H [seq=1|0] [bias=1]", "seq bias", 1, 1, LAYER_WORDS_UNITS),
                   .flags = LAYER_HAS_PARAMS, .infer = recurrent_infer, .format = recurrent_format,
                   .tensors = recurrent_tensors, .bind = recurrent_bind, .scratch_floats = recurrent_scratch,
                   .cache_floats = recurrent_cache, .bind_state = recurrent_bind_state,
                   KERNELS(recurrent_fwd, recurrent_bwd), REFERENCE(recurrent_fwd_naive, recurrent_bwd_naive)},
    [LAYER_LSTM] = {GRAMMAR("lstm", "lstm H [seq=1|0] [bias=1]", "seq bias", 1, 1, LAYER_WORDS_UNITS),
                    .flags = LAYER_HAS_PARAMS, .infer = recurrent_infer, .format = recurrent_format,
                    .tensors = recurrent_tensors, .bind = recurrent_bind, .scratch_floats = recurrent_scratch,
                    .cache_floats = recurrent_cache, .bind_state = recurrent_bind_state,
                    KERNELS(recurrent_fwd, recurrent_bwd), REFERENCE(recurrent_fwd_naive, recurrent_bwd_naive)},
    [LAYER_UPSAMPLE] = {GRAMMAR("upsample", "upsample S", "", 1, 1, LAYER_WORDS_UNITS), .flags = LAYER_OWN_INPUT,
                        .infer = upsample_infer, .format = units_format, KERNELS(upsample_fwd, upsample_bwd)},
    [LAYER_SUMPOOL] = {GRAMMAR("sumpool", "sumpool", "", 0, 0, LAYER_WORDS_NONE), .flags = LAYER_OWN_INPUT,
                       .infer = sumpool_infer, KERNELS(sumpool_fwd, sumpool_bwd)},
    [LAYER_CBATCHNORM] = {GRAMMAR("cbatchnorm", "cbatchnorm [eps=1e-5] [momentum=0.1] [classes=K]",
                                  "eps momentum classes", 0, 0, LAYER_WORDS_NONE),
                          .flags = PARAMS, .infer = cbatchnorm_infer, .format = cbatchnorm_format,
                          .tensors = cbatchnorm_tensors, .bind = batchnorm_bind, .state_bytes = batchnorm_state,
                          .bind_state = batchnorm_bind_state, KERNELS(cbatchnorm_fwd, batchnorm_bwd),
                          .set_training = batchnorm_set_training, .set_reducer = batchnorm_set_reducer},
    [LAYER_PROJECTION] = {GRAMMAR("projection", "projection [classes=K] [sn=0|1]", "classes sn", 0, 0,
                                  LAYER_WORDS_NONE),
                          .flags = PARAMS, .infer = projection_infer, .format = projection_format,
                          .tensors = projection_tensors, .bind = projection_bind, .state_bytes = projection_state,
                          .bind_state = projection_bind_state, KERNELS(projection_fwd, projection_bwd),
                          .set_training = weight_set_training, .set_seed = projection_set_seed},
    [LAYER_RESIDUAL] = {GRAMMAR("residual", "residual (then its main branch, [shortcut ...], end)", "", 0, 0,
                                LAYER_WORDS_NONE),
                        .flags = LAYER_OPENS_BLOCK | LAYER_OWN_INPUT},
    [LAYER_SHORTCUT] = {GRAMMAR("shortcut", "shortcut (inside a residual block)", "", 0, 0, LAYER_WORDS_NONE),
                        .flags = LAYER_SPLITS_BLOCK},
    [LAYER_END] = {GRAMMAR("end", "end (closes a residual block)", "", 0, 0, LAYER_WORDS_NONE),
                   .flags = LAYER_CLOSES_BLOCK},
};
_Static_assert(sizeof layer_traits / sizeof layer_traits[0] == LAYER_KIND_COUNT && LAYER_END + 1 == LAYER_KIND_COUNT,
               "one row of traits per layer kind");
