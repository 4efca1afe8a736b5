/* net.c — the sequential network: the size table and arenas, forward and backward through the
 * layers, named parameters (see net.h; shape inference is net_infer.c). */
#include "nn/net.h"

#include "nn/net_infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An activation overwrites its input when its backward can work from its output alone (ReLU and
 * LeakyReLU with a slope >= 0 from the output's sign, tanh and sigmoid from the output) and
 * nothing else reads that input: it is the output of a layer whose backward reads only its own
 * input (not the network's input, not another activation's output). The reference DCGAN keeps
 * 38k floats per sample fewer this way, 9.8 MB at a batch of 64. */
static bool layer_in_place(const Net *net, int i) {
    const Layer *l = &net->layers[i];
    LayerKind k = l->spec.kind;
    if (i == 0 || !(k == LAYER_RELU || k == LAYER_TANH || k == LAYER_SIGMOID ||
                    (k == LAYER_LEAKY_RELU && l->u.act.slope >= 0.0f)))
        return false;
    LayerKind below = net->layers[i - 1].spec.kind;
    return below == LAYER_DENSE || below == LAYER_CONV2D || below == LAYER_DECONV2D || below == LAYER_BATCHNORM ||
           below == LAYER_MAXPOOL2D || below == LAYER_AVGPOOL2D;
}

static bool layer_aliases_input(const Layer *l) {
    return l->spec.kind == LAYER_RESHAPE || l->spec.kind == LAYER_FLATTEN;
}

/* ---- the size table ------------------------------------------------------------------------- */

typedef struct {
    ArenaPlan params, buffers, acts, work;
    size_t scratch_floats, widest;
    size_t *act_off, *bn_off; /* per layer: activation offset; batch-norm workspace offset */
    size_t *cache_off;        /* per layer: recurrent states kept for backward (activation arena) */
} NetPlan;

static void add_tensor(NetTensor *t, int *count, size_t *floats, ArenaPlan *plan, int layer, const char *suffix,
                       Shape shape, ParamRole role, int fan_in, int fan_out) {
    NetTensor *e = &t[(*count)++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%d.%s", layer, suffix);
    e->shape = shape;
    e->numel = shape_numel(shape);
    e->offset = arena_plan_floats(plan, e->numel) / sizeof(float);
    e->layer = layer;
    e->role = role;
    e->fan_in = fan_in;
    e->fan_out = fan_out;
    *floats += e->numel;
}

static Shape shape_4d(int a, int b, int c, int d) { return (Shape){.ndim = 4, .dim = {a, b, c, d}}; }

/* Register the parameters and buffers of layer i (names and PyTorch shapes). */
static void layer_tensors(Net *net, int i, NetPlan *plan) {
    const Layer *l = &net->layers[i];
    NetTensor *p = net->param_info, *b = net->buffer_info;
    int *np = &net->n_params, *nb = &net->n_buffers;
    size_t *pc = &net->param_count, bc = 0;
    switch (l->spec.kind) {
    case LAYER_DENSE: {
        const Dense *d = &l->u.dense;
        add_tensor(p, np, pc, &plan->params, i, "weight", shape_2d(d->out, d->in), PARAM_WEIGHT, d->in, d->out);
        if (d->has_bias) add_tensor(p, np, pc, &plan->params, i, "bias", shape_1d(d->out), PARAM_BIAS, d->in, d->out);
        break;
    }
    case LAYER_CONV2D: {
        const Conv2d *c = &l->u.conv;
        int k = c->kh * c->kw;
        Shape w = shape_4d(c->cout, c->cin, c->kh, c->kw);
        add_tensor(p, np, pc, &plan->params, i, "weight", w, PARAM_WEIGHT, c->cin * k, c->cout * k);
        if (c->has_bias)
            add_tensor(p, np, pc, &plan->params, i, "bias", shape_1d(c->cout), PARAM_BIAS, c->cin * k, c->cout * k);
        break;
    }
    case LAYER_DECONV2D: {
        /* torch computes fans from weight.size(1) (Cout) and size(0) (Cin) */
        const Deconv2d *c = &l->u.deconv;
        int k = c->kh * c->kw;
        Shape w = shape_4d(c->cin, c->cout, c->kh, c->kw);
        add_tensor(p, np, pc, &plan->params, i, "weight", w, PARAM_WEIGHT, c->cout * k, c->cin * k);
        if (c->has_bias)
            add_tensor(p, np, pc, &plan->params, i, "bias", shape_1d(c->cout), PARAM_BIAS, c->cout * k, c->cin * k);
        break;
    }
    case LAYER_RNN:
    case LAYER_LSTM: {
        /* torch initialises all four from U(+-1/sqrt(H)): fan_in is H for each */
        int in = l->in.dim[1], h = l->spec.units, rows = (l->spec.kind == LAYER_LSTM ? 4 : 1) * h;
        add_tensor(p, np, pc, &plan->params, i, "weight_ih_l0", shape_2d(rows, in), PARAM_WEIGHT, h, rows);
        add_tensor(p, np, pc, &plan->params, i, "weight_hh_l0", shape_2d(rows, h), PARAM_WEIGHT, h, rows);
        if (l->spec.bias) {
            add_tensor(p, np, pc, &plan->params, i, "bias_ih_l0", shape_1d(rows), PARAM_BIAS, h, rows);
            add_tensor(p, np, pc, &plan->params, i, "bias_hh_l0", shape_1d(rows), PARAM_BIAS, h, rows);
        }
        break;
    }
    case LAYER_BATCHNORM: {
        int c = l->u.bn.c;
        add_tensor(p, np, pc, &plan->params, i, "weight", shape_1d(c), PARAM_BN_WEIGHT, 0, 0);
        add_tensor(p, np, pc, &plan->params, i, "bias", shape_1d(c), PARAM_BN_BIAS, 0, 0);
        add_tensor(b, nb, &bc, &plan->buffers, i, "running_mean", shape_1d(c), PARAM_WEIGHT, 0, 0);
        add_tensor(b, nb, &bc, &plan->buffers, i, "running_var", shape_1d(c), PARAM_WEIGHT, 0, 0);
        break;
    }
    default: break;
    }
}

static void plan_layer(Net *net, int i, NetPlan *plan) {
    Layer *l = &net->layers[i];
    size_t in_n = shape_numel(l->in), out_n = shape_numel(l->out);
    if (in_n > plan->widest) plan->widest = in_n;
    if (out_n > plan->widest) plan->widest = out_n;
    plan->act_off[i] = layer_aliases_input(l) || layer_in_place(net, i)
                           ? SIZE_MAX
                           : arena_plan_floats(&plan->acts, out_n * net->max_batch);
    size_t scratch = 0;
    if (l->spec.kind == LAYER_CONV2D) scratch = conv2d_work_floats(&l->u.conv, net->max_batch);
    if (l->spec.kind == LAYER_DECONV2D) scratch = deconv2d_work_floats(&l->u.deconv, net->max_batch);
    if (l->spec.kind == LAYER_RNN) {
        scratch = rnn_work_floats(&l->u.rnn, net->max_batch);
        plan->cache_off[i] = arena_plan_floats(&plan->acts, rnn_cache_floats(&l->u.rnn, net->max_batch));
    }
    if (l->spec.kind == LAYER_LSTM) {
        scratch = lstm_work_floats(&l->u.lstm, net->max_batch);
        plan->cache_off[i] = arena_plan_floats(&plan->acts, lstm_cache_floats(&l->u.lstm, net->max_batch));
    }
    if (scratch > plan->scratch_floats) plan->scratch_floats = scratch;
    if (l->spec.kind == LAYER_BATCHNORM) {
        int c = l->u.bn.c;
        plan->bn_off[i] = arena_plan_floats(&plan->work, 2 * (size_t)c);
        arena_plan_bytes(&plan->work, (2 * (size_t)c + 1) * sizeof(double));
    }
}

/* Where layer l keeps the pointers to its weight (or bias) values and gradient; false for
 * layers without parameters. */
static bool layer_param_slots(Layer *l, bool bias, float ***value, float ***grad) {
    switch (l->spec.kind) {
    case LAYER_DENSE:
        *value = bias ? &l->u.dense.bias : &l->u.dense.weight;
        *grad = bias ? &l->u.dense.dbias : &l->u.dense.dweight;
        return true;
    case LAYER_CONV2D:
        *value = bias ? &l->u.conv.bias : &l->u.conv.weight;
        *grad = bias ? &l->u.conv.dbias : &l->u.conv.dweight;
        return true;
    case LAYER_DECONV2D:
        *value = bias ? &l->u.deconv.bias : &l->u.deconv.weight;
        *grad = bias ? &l->u.deconv.dbias : &l->u.deconv.dweight;
        return true;
    case LAYER_BATCHNORM:
        *value = bias ? &l->u.bn.bias : &l->u.bn.weight;
        *grad = bias ? &l->u.bn.dbias : &l->u.bn.dweight;
        return true;
    default: return false;
    }
}

/* The same for a recurrent layer's tensor, chosen by its name: weight_ih, weight_hh, bias_ih, bias_hh. */
static void recurrent_param_slots(Layer *l, const char *name, float ***value, float ***grad) {
    int k = strstr(name, "weight_ih") ? 0 : strstr(name, "weight_hh") ? 1 : strstr(name, "bias_ih") ? 2 : 3;
    Rnn *r = &l->u.rnn;
    Lstm *m = &l->u.lstm;
    bool lstm = l->spec.kind == LAYER_LSTM;
    float **v[2][4] = {{&r->weight_ih, &r->weight_hh, &r->bias_ih, &r->bias_hh},
                       {&m->weight_ih, &m->weight_hh, &m->bias_ih, &m->bias_hh}};
    float **g[2][4] = {{&r->dweight_ih, &r->dweight_hh, &r->dbias_ih, &r->dbias_hh},
                       {&m->dweight_ih, &m->dweight_hh, &m->dbias_ih, &m->dbias_hh}};
    *value = v[lstm][k];
    *grad = g[lstm][k];
}

static bool layer_is_recurrent(const Layer *l) { return l->spec.kind == LAYER_RNN || l->spec.kind == LAYER_LSTM; }

/* Point every layer at its slices once the arenas exist. */
static void bind_layers(Net *net, const NetPlan *plan) {
    for (int t = 0; t < net->n_params; t++) {
        const NetTensor *e = &net->param_info[t];
        Layer *l = &net->layers[e->layer];
        float *v = net->params + e->offset, *g = net->grads + e->offset;
        bool is_bias = e->role == PARAM_BIAS || e->role == PARAM_BN_BIAS;
        float **value, **grad;
        if (layer_is_recurrent(l))
            recurrent_param_slots(l, e->name, &value, &grad);
        else if (!layer_param_slots(l, is_bias, &value, &grad))
            continue;
        *value = v;
        *grad = g;
    }
    for (int t = 0; t < net->n_buffers; t++) {
        const NetTensor *e = &net->buffer_info[t];
        BatchNorm *bn = &net->layers[e->layer].u.bn;
        float *v = net->buffers + e->offset;
        if (strstr(e->name, "running_mean"))
            bn->running_mean = v;
        else
            bn->running_var = v;
    }
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layers[i];
        if (plan->act_off[i] != SIZE_MAX) l->y = arena_at(&net->act_arena, plan->act_off[i]);
        if (layer_in_place(net, i)) l->y = net->layers[i - 1].y;
        if (l->spec.kind == LAYER_RNN) l->u.rnn.cache = arena_at(&net->act_arena, plan->cache_off[i]);
        if (l->spec.kind == LAYER_LSTM) l->u.lstm.cache = arena_at(&net->act_arena, plan->cache_off[i]);
        if (l->spec.kind == LAYER_BATCHNORM) {
            BatchNorm *bn = &l->u.bn;
            bn->save_mean = arena_at(&net->work_arena, plan->bn_off[i]);
            bn->save_invstd = bn->save_mean + bn->c;
            bn->scratch = (double *)(void *)arena_at(&net->work_arena,
                                                     plan->bn_off[i] + nash_align_up(2 * bn->c * sizeof(float)));
        }
    }
}

static void reset_buffers(Net *net) {
    for (int t = 0; t < net->n_buffers; t++) {
        const NetTensor *e = &net->buffer_info[t];
        float v = strstr(e->name, "running_var") ? 1.0f : 0.0f;
        for (size_t k = 0; k < e->numel; k++) net->buffers[e->offset + k] = v;
    }
}

NashStatus net_init(Net *net, Shape in, const LayerSpec *specs, int n_specs, int max_batch, NashError *err) {
    memset(net, 0, sizeof *net);
    if (n_specs <= 0) return nash_fail(err, NASH_ERR_CONFIG, "a network needs at least one layer");
    if (max_batch <= 0) return nash_fail(err, NASH_ERR_INVALID, "batch size %d must be positive", max_batch);
    if (shape_numel(in) == 0) return nash_fail(err, NASH_ERR_INVALID, "the input shape has no elements");
    net->n_layers = n_specs;
    net->max_batch = max_batch;
    net->in = in;
    net->layers = calloc((size_t)n_specs, sizeof *net->layers);
    net->param_info = calloc(4 * (size_t)n_specs, sizeof *net->param_info); /* at most 4 per layer */
    net->buffer_info = calloc(2 * (size_t)n_specs, sizeof *net->buffer_info);
    NetPlan plan = {0};
    plan.act_off = calloc((size_t)n_specs, sizeof *plan.act_off);
    plan.bn_off = calloc((size_t)n_specs, sizeof *plan.bn_off);
    plan.cache_off = calloc((size_t)n_specs, sizeof *plan.cache_off);
    NashStatus st = NASH_OK;
    if (!net->layers || !net->param_info || !net->buffer_info || !plan.act_off || !plan.bn_off || !plan.cache_off) {
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate a network of %d layers", n_specs);
        goto done;
    }
    Shape cur = in;
    for (int i = 0; i < n_specs && !st; i++) {
        Layer *l = &net->layers[i];
        l->spec = specs[i];
        l->in = cur;
        st = net_layer_infer(l, i, err);
        cur = l->out;
    }
    if (st) goto done;
    net->out = cur;
    for (int i = 0; i < n_specs; i++) {
        layer_tensors(net, i, &plan);
        plan_layer(net, i, &plan);
    }
    net->param_floats = plan.params.bytes / sizeof(float);
    net->buffer_floats = plan.buffers.bytes / sizeof(float);
    size_t dact = plan.widest * (size_t)max_batch;
    size_t dact_off[2] = {arena_plan_floats(&plan.work, dact), arena_plan_floats(&plan.work, dact)};
    net->passing_off = dact_off[0];
    size_t scratch_off = arena_plan_floats(&plan.work, plan.scratch_floats);
    if ((st = arena_init(&net->param_arena, plan.params.bytes, err)) ||
        (st = arena_init(&net->grad_arena, plan.params.bytes, err)) ||
        (st = arena_init(&net->buffer_arena, plan.buffers.bytes, err)) ||
        (st = arena_init(&net->act_arena, plan.acts.bytes, err)) ||
        (st = arena_init(&net->work_arena, plan.work.bytes, err)))
        goto done;
    net->params = arena_at(&net->param_arena, 0);
    net->grads = arena_at(&net->grad_arena, 0);
    net->buffers = arena_at(&net->buffer_arena, 0);
    net->dact[0] = arena_at(&net->work_arena, dact_off[0]);
    net->dact[1] = arena_at(&net->work_arena, dact_off[1]);
    net->scratch = arena_at(&net->work_arena, scratch_off);
    bind_layers(net, &plan);
    reset_buffers(net);
    net_set_training(net, true);
done:
    free(plan.act_off);
    free(plan.bn_off);
    free(plan.cache_off);
    if (st) net_free(net);
    return st;
}

NashStatus net_init_text(Net *net, Shape in, const char *text, int max_batch, NashError *err) {
    enum { MAX_LAYERS = 256 };
    LayerSpec *specs = malloc(MAX_LAYERS * sizeof *specs);
    if (!specs) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate layer specs");
    int n = 0;
    NashStatus st = spec_parse_lines(text, specs, MAX_LAYERS, &n, err);
    if (!st) st = net_init(net, in, specs, n, max_batch, err);
    free(specs);
    return st;
}

void net_free(Net *net) {
    arena_free(&net->param_arena);
    arena_free(&net->grad_arena);
    arena_free(&net->buffer_arena);
    arena_free(&net->act_arena);
    arena_free(&net->work_arena);
    free(net->layers);
    free(net->param_info);
    free(net->buffer_info);
    memset(net, 0, sizeof *net);
}

void net_release_workspace(Net *net) {
    arena_release(&net->act_arena);
    arena_release(&net->work_arena);
}

bool net_share_passing(Net *net, const Net *with) {
    size_t need = net->work_arena.bytes - net->passing_off, room = with->work_arena.bytes - with->passing_off;
    if (need > room) return false;
    unsigned char *own = (unsigned char *)net->dact[0], *base = with->work_arena.base + with->passing_off;
    net->dact[1] = (float *)(void *)(base + ((unsigned char *)net->dact[1] - own));
    net->scratch = (float *)(void *)(base + ((unsigned char *)net->scratch - own));
    net->dact[0] = (float *)(void *)base;
    Arena freed = {own, need};
    arena_release(&freed);
    return true;
}

void net_init_params(Net *net, InitScheme scheme, uint64_t seed) {
    for (int t = 0; t < net->n_params; t++) {
        const NetTensor *e = &net->param_info[t];
        init_fill(net->params + e->offset, e->numel, scheme, e->role, e->fan_in, e->fan_out, seed, (uint64_t)t);
    }
    reset_buffers(net);
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].spec.kind == LAYER_DROPOUT) net->layers[i].u.dropout.seed = seed;
}

/* ---- forward and backward ------------------------------------------------------------------- */

/* Rows a dense layer maps for n samples: n, or n*T on sequences (T,F). */
static int dense_rows(const Layer *l, int n) { return n * (int)(shape_numel(l->in) / (size_t)l->u.dense.in); }

static void layer_forward(Net *net, Layer *l, const float *x, int n) {
    size_t count = (size_t)n * shape_numel(l->out);
    switch (l->spec.kind) {
    case LAYER_DENSE: dense_forward(&l->u.dense, x, l->y, dense_rows(l, n)); break;
    case LAYER_RNN: rnn_forward(&l->u.rnn, x, NULL, l->y, n); break;
    case LAYER_LSTM: lstm_forward(&l->u.lstm, x, NULL, NULL, l->y, n); break;
    case LAYER_CONV2D: conv2d_forward(&l->u.conv, x, l->y, n, net->scratch); break;
    case LAYER_DECONV2D: deconv2d_forward(&l->u.deconv, x, l->y, n, net->scratch); break;
    case LAYER_MAXPOOL2D:
    case LAYER_AVGPOOL2D: pool2d_forward(&l->u.pool, x, l->y, n); break;
    case LAYER_BATCHNORM: batchnorm_forward(&l->u.bn, x, l->y, n); break;
    case LAYER_RELU:
    case LAYER_LEAKY_RELU:
    case LAYER_TANH:
    case LAYER_SIGMOID: act_forward(&l->u.act, x, l->y, count); break;
    case LAYER_DROPOUT: dropout_forward(&l->u.dropout, x, l->y, n, shape_numel(l->out), net->key); break;
    case LAYER_RESHAPE:
    case LAYER_FLATTEN: break;
    }
    l->result = layer_aliases_input(l) ? x : l->y;
}

const float *net_forward(Net *net, const float *x, int n) {
    const float *cur = x;
    for (int i = 0; i < net->n_layers; i++) {
        layer_forward(net, &net->layers[i], cur, n);
        cur = net->layers[i].result;
    }
    return cur;
}

/* dy -> dx through one layer; dx may be NULL (only parameter gradients wanted). */
static void layer_backward(Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                           bool param_grads) {
    size_t count = (size_t)n * shape_numel(l->out);
    switch (l->spec.kind) {
    case LAYER_DENSE: dense_backward(&l->u.dense, x, dy, dx, dense_rows(l, n), param_grads); break;
    case LAYER_RNN: rnn_backward(&l->u.rnn, x, NULL, dy, dx, NULL, n, param_grads, net->scratch); break;
    case LAYER_LSTM: lstm_backward(&l->u.lstm, x, NULL, NULL, dy, dx, NULL, NULL, n, param_grads, net->scratch); break;
    case LAYER_CONV2D: conv2d_backward(&l->u.conv, x, dy, dx, n, param_grads, net->scratch); break;
    case LAYER_DECONV2D: deconv2d_backward(&l->u.deconv, x, dy, dx, n, param_grads, net->scratch); break;
    case LAYER_MAXPOOL2D:
    case LAYER_AVGPOOL2D:
        if (dx) pool2d_backward(&l->u.pool, x, dy, dx, n);
        break;
    case LAYER_BATCHNORM: batchnorm_backward(&l->u.bn, x, dy, dx, n, param_grads); break;
    case LAYER_RELU:
    case LAYER_LEAKY_RELU:
    case LAYER_TANH:
    case LAYER_SIGMOID:
        if (dx) act_backward(&l->u.act, x, l->y, dy, dx, count);
        break;
    case LAYER_DROPOUT:
        if (dx) dropout_backward(&l->u.dropout, dy, dx, n, shape_numel(l->out), net->key);
        break;
    case LAYER_RESHAPE:
    case LAYER_FLATTEN: break;
    }
}

static bool layer_has_params(const Layer *l) {
    LayerKind k = l->spec.kind;
    return k == LAYER_DENSE || k == LAYER_CONV2D || k == LAYER_DECONV2D || k == LAYER_BATCHNORM || k == LAYER_RNN ||
           k == LAYER_LSTM;
}

void net_backward(Net *net, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    /* The lowest layer that still needs an input gradient: below it only parameter gradients
     * are wanted, and below the lowest parameterised layer nothing at all. */
    int lowest = 0;
    if (!dx) {
        lowest = net->n_layers;
        if (param_grads)
            for (int i = 0; i < net->n_layers; i++)
                if (layer_has_params(&net->layers[i])) {
                    lowest = i;
                    break;
                }
    }
    const float *g = dy;
    int next = 0;
    for (int i = net->n_layers - 1; i >= lowest; i--) {
        const Layer *l = &net->layers[i];
        const float *in = i ? net->layers[i - 1].result : x;
        if (layer_aliases_input(l)) {
            if (i == 0 && dx) memcpy(dx, g, (size_t)n * shape_numel(l->in) * sizeof(float));
            continue; /* same values, another shape */
        }
        float *gin;
        if (i == 0)
            gin = dx;
        else if (i == lowest)
            gin = NULL;
        else {
            gin = net->dact[next];
            if (gin == g) gin = net->dact[next ^= 1];
            next ^= 1;
        }
        layer_backward(net, l, in, g, gin, n, param_grads);
        g = gin;
    }
}

void net_zero_grad(Net *net) { memset(net->grads, 0, net->param_floats * sizeof(float)); }

void net_set_training(Net *net, bool training) {
    net->training = training;
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layers[i];
        if (l->spec.kind == LAYER_BATCHNORM) l->u.bn.training = training;
        if (l->spec.kind == LAYER_DROPOUT) l->u.dropout.training = training;
    }
}

void net_set_stat_reducer(Net *net, const StatReducer *reducer) {
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].spec.kind == LAYER_BATCHNORM) net->layers[i].u.bn.reducer = reducer;
}

static const NetTensor *find(const NetTensor *t, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return &t[i];
    return NULL;
}

const NetTensor *net_find_param(const Net *net, const char *name) { return find(net->param_info, net->n_params, name); }
const NetTensor *net_find_buffer(const Net *net, const char *name) {
    return find(net->buffer_info, net->n_buffers, name);
}

void net_summary(const Net *net, char *buf, size_t size) {
    size_t used = 0;
#define PUT(...)                                                                                                       \
    do {                                                                                                               \
        int k_ = snprintf(buf + used, size > used ? size - used : 0, __VA_ARGS__);                                     \
        if (k_ > 0) used += (size_t)k_;                                                                                \
        if (used >= size) used = size ? size - 1 : 0;                                                                  \
    } while (0)
    char in[64], out[64], line[160];
    shape_format(net->in, in, sizeof in);
    PUT("%-4s %-34s %-14s %10s\n", "#", "layer", "output", "params");
    PUT("%-4s %-34s %-14s %10s\n", "", "input", in, "");
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        size_t count = 0;
        for (int t = 0; t < net->n_params; t++)
            if (net->param_info[t].layer == i) count += net->param_info[t].numel;
        spec_format(&l->spec, line, sizeof line);
        shape_format(l->out, out, sizeof out);
        PUT("%-4d %-34s %-14s %10zu\n", i, line, out, count);
    }
    PUT("total parameters: %zu\n", net->param_count);
#undef PUT
}
