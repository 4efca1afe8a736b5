/* net.c — the sequential network: the size table and arenas, forward and backward through the
 * layers, named parameters (see net.h). Nothing here depends on a layer's kind: what each kind
 * is and does comes from its row of the traits table (nn/layer.h). */
#include "nn/net.h"

#include "nn/layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clones.h"

/* An activation overwrites its input when its backward can work from its output alone (ReLU and
 * LeakyReLU with a slope >= 0 from the output's sign, tanh and sigmoid from the output) and
 * nothing else reads that input: it is the output of the layer before it in its branch (not a
 * branch's input, which a block's shortcut reads too), a layer whose backward reads only its
 * own input. The reference DCGAN keeps 38k floats per sample fewer this way, 9.8 MB at a batch
 * of 64. */
static bool layer_in_place(const Net *net, int i) {
    const Layer *l = &net->layers[i];
    const LayerTraits *t = layer_of(l->spec.kind);
    if (l->prev < 0 || !t->in_place || !t->in_place(l)) return false;
    return (layer_of(net->layers[l->prev].spec.kind)->flags & LAYER_OWN_INPUT) != 0;
}

/* ---- the size table ------------------------------------------------------------------------- */

typedef struct {
    ArenaPlan params, buffers, acts, work;
    size_t scratch_floats, widest;
    size_t *act_off, *state_off; /* per layer: activation offset; offset of its state (work arena) */
    size_t *cache_off;           /* per layer: recurrent states kept for backward (activation arena) */
} NetPlan;

static void add_tensor(NetTensor *t, int *count, size_t *floats, ArenaPlan *plan, const Layer *l, int layer,
                       const char *suffix, Shape shape, ParamRole role, int fan_in, int fan_out) {
    NetTensor *e = &t[(*count)++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s.%s", l->path, suffix);
    e->shape = shape;
    e->numel = shape_numel(shape);
    e->offset = arena_plan_floats(plan, e->numel) / sizeof(float);
    e->layer = layer;
    e->role = role;
    e->fan_in = fan_in;
    e->fan_out = fan_out;
    *floats += e->numel;
}

struct LayerTensors {
    Net *net;
    NetPlan *plan;
    int layer;
};

void layer_tensor(LayerTensors *to, const char *suffix, Shape shape, ParamRole role, int fan_in, int fan_out) {
    Net *net = to->net;
    add_tensor(net->param_info, &net->n_params, &net->param_count, &to->plan->params, &net->layers[to->layer],
               to->layer, suffix, shape, role, fan_in, fan_out);
}

void layer_buffer(LayerTensors *to, const char *suffix, Shape shape) {
    size_t floats = 0;
    add_tensor(to->net->buffer_info, &to->net->n_buffers, &floats, &to->plan->buffers, &to->net->layers[to->layer],
               to->layer, suffix, shape, PARAM_WEIGHT, 0, 0);
}

static void plan_layer(Net *net, int i, NetPlan *plan) {
    Layer *l = &net->layers[i];
    const LayerTraits *t = layer_of(l->spec.kind);
    if (t->tensors) t->tensors(l, &(LayerTensors){net, plan, i});
    size_t in_n = shape_numel(l->in), out_n = shape_numel(l->out);
    if (in_n > plan->widest) plan->widest = in_n;
    if (out_n > plan->widest) plan->widest = out_n;
    plan->act_off[i] = layer_aliases_input(l) || layer_in_place(net, i)
                           ? SIZE_MAX
                           : arena_plan_floats(&plan->acts, out_n * net->max_batch);
    size_t scratch = t->scratch_floats ? t->scratch_floats(l, net->max_batch) : 0;
    if (t->cache_floats) plan->cache_off[i] = arena_plan_floats(&plan->acts, t->cache_floats(l, net->max_batch));
    if (scratch > plan->scratch_floats) plan->scratch_floats = scratch;
    if (t->state_bytes) plan->state_off[i] = arena_plan_bytes(&plan->work, t->state_bytes(l));
}

/* Point every layer at its slices once the arenas exist. */
static void bind_layers(Net *net, const NetPlan *plan) {
    for (int k = 0; k < net->n_params; k++) {
        const NetTensor *e = &net->param_info[k];
        Layer *l = &net->layers[e->layer];
        layer_of(l->spec.kind)->bind(l, e, true, net->params + e->offset, net->grads + e->offset);
    }
    for (int k = 0; k < net->n_buffers; k++) {
        const NetTensor *e = &net->buffer_info[k];
        Layer *l = &net->layers[e->layer];
        layer_of(l->spec.kind)->bind(l, e, false, net->buffers + e->offset, NULL);
    }
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layers[i];
        const LayerTraits *t = layer_of(l->spec.kind);
        if (plan->act_off[i] != SIZE_MAX) l->y = arena_at(&net->act_arena, plan->act_off[i]);
        if (layer_in_place(net, i)) l->y = net->layers[l->prev].y;
        if (t->bind_state)
            t->bind_state(l, t->cache_floats ? arena_at(&net->act_arena, plan->cache_off[i]) : NULL,
                          t->state_bytes ? (void *)arena_at(&net->work_arena, plan->state_off[i]) : NULL);
    }
}

/* Running statistics start as PyTorch's (mean 0, var 1); draws (spectral norm's u and v) are
 * made by the layers from a seed. */
static void reset_buffers(Net *net, uint64_t seed) {
    for (int t = 0; t < net->n_buffers; t++) {
        const NetTensor *e = &net->buffer_info[t];
        float v = strstr(e->name, "running_var") ? 1.0f : 0.0f;
        for (size_t k = 0; k < e->numel; k++) net->buffers[e->offset + k] = v;
    }
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layers[i];
        if (layer_of(l->spec.kind)->set_seed) layer_of(l->spec.kind)->set_seed(l, seed);
    }
}

/* ---- the structure: blocks from the specs' residual / shortcut / end lines -------------------- */

#define NET_MAX_DEPTH 8

typedef struct {
    int block;  /* the open block's layer, -1 at the top */
    int branch; /* 0 main, 1 shortcut */
    int pos;    /* layers in this branch so far */
    int last;   /* the branch's last layer so far, -1 none */
    int spec;   /* the block's line */
} OpenBranch;

static NashStatus structure_error(NashError *err, int spec, const LayerSpec *specs, const char *why) {
    char line[160];
    spec_format(&specs[spec], line, sizeof line);
    return nash_fail(err, NASH_ERR_CONFIG, "layer line %d (%s): %s", spec + 1, line, why);
}

/* Lay the specs out as layers in pre-order, with their names, branches and depths. */
static NashStatus build_structure(Net *net, const LayerSpec *specs, int n_specs, NashError *err) {
    OpenBranch stack[NET_MAX_DEPTH + 1] = {{.block = -1, .last = -1}};
    int sp = 0, n = 0;
    for (int k = 0; k < n_specs; k++) {
        OpenBranch *top = &stack[sp];
        unsigned flags = layer_of(specs[k].kind)->flags;
        if (flags & (LAYER_SPLITS_BLOCK | LAYER_CLOSES_BLOCK)) {
            bool split = flags & LAYER_SPLITS_BLOCK;
            if (top->block < 0) return structure_error(err, k, specs, "is not inside a `residual` block");
            if (split && top->branch == 1) return structure_error(err, k, specs, "a block has one shortcut");
            if (top->branch == 0 && top->pos == 0)
                return structure_error(err, top->spec, specs, "the block's main branch has no layers");
            Layer *b = &net->layers[top->block];
            if (top->branch == 0) b->main_end = n;
            if (split) {
                *top = (OpenBranch){.block = top->block, .branch = 1, .last = -1, .spec = top->spec};
                continue;
            }
            b->after = n;
            sp--;
            continue;
        }
        Layer *l = &net->layers[n];
        l->spec = specs[k];
        l->spec_index = k;
        l->depth = sp;
        l->prev = top->last;
        l->after = n + 1;
        char parent[NET_PATH_MAX] = "";
        if (top->block >= 0) memcpy(parent, net->layers[top->block].path, sizeof parent);
        if (top->block < 0)
            snprintf(l->path, sizeof l->path, "%d", top->pos);
        else if (snprintf(l->path, sizeof l->path, "%s.%s.%d", parent, top->branch ? "shortcut" : "main", top->pos) >=
                 (int)sizeof l->path)
            return structure_error(err, k, specs, "is nested too deeply for its name");
        top->pos++;
        top->last = n++;
        if (flags & LAYER_OPENS_BLOCK) {
            if (sp == NET_MAX_DEPTH) return structure_error(err, k, specs, "blocks nest at most 8 deep");
            stack[++sp] = (OpenBranch){.block = n - 1, .last = -1, .spec = k};
            if (sp > net->max_depth) net->max_depth = sp;
        }
    }
    if (sp > 0) return structure_error(err, stack[sp].spec, specs, "has no `end`");
    if (n == 0) return nash_fail(err, NASH_ERR_CONFIG, "a network needs at least one layer");
    net->n_layers = n;
    return NASH_OK;
}

/* Shapes through the branch [first, end) from `in`; *out its output. */
static NashStatus infer_branch(Net *net, int first, int end, Shape in, Shape *out, NashError *err) {
    Shape cur = in;
    for (int i = first; i < end; i = net->layers[i].after) {
        Layer *l = &net->layers[i];
        l->in = cur;
        NashStatus st;
        if (layer_is_block(l)) {
            Shape a, b = cur;
            if ((st = infer_branch(net, i + 1, l->main_end, cur, &a, err)) ||
                (l->main_end < l->after && (st = infer_branch(net, l->main_end, l->after, cur, &b, err))))
                return st;
            if (!shape_equal(a, b)) {
                char sa[64], sb[64];
                return nash_fail(err, NASH_ERR_CONFIG,
                                 "layer %s (residual): the main branch gives %s but the shortcut %s; they are added",
                                 l->path, shape_format(a, sa, sizeof sa), shape_format(b, sb, sizeof sb));
            }
            l->out = a;
        } else if ((st = layer_of(l->spec.kind)->infer(l, i, err)))
            return st;
        if (spec_is_conditional(&l->spec)) {
            if (net->classes && net->classes != l->spec.classes)
                return nash_fail(err, NASH_ERR_CONFIG, "layer %s: classes=%d, but another layer has classes=%d",
                                 l->path, l->spec.classes, net->classes);
            net->classes = l->spec.classes;
        }
        cur = l->out;
    }
    *out = cur;
    return NASH_OK;
}

NashStatus net_init(Net *net, Shape in, const LayerSpec *specs, int n_specs, int max_batch, NashError *err) {
    memset(net, 0, sizeof *net);
    if (n_specs <= 0) return nash_fail(err, NASH_ERR_CONFIG, "a network needs at least one layer");
    if (max_batch <= 0) return nash_fail(err, NASH_ERR_INVALID, "batch size %d must be positive", max_batch);
    if (shape_numel(in) == 0) return nash_fail(err, NASH_ERR_INVALID, "the input shape has no elements");
    net->max_batch = max_batch;
    net->in = in;
    net->layers = calloc((size_t)n_specs, sizeof *net->layers);
    net->param_info = calloc(6 * (size_t)n_specs, sizeof *net->param_info); /* at most 6 per layer */
    net->buffer_info = calloc(4 * (size_t)n_specs, sizeof *net->buffer_info);
    NetPlan plan = {0};
    plan.act_off = calloc((size_t)n_specs, sizeof *plan.act_off);
    plan.state_off = calloc((size_t)n_specs, sizeof *plan.state_off);
    plan.cache_off = calloc((size_t)n_specs, sizeof *plan.cache_off);
    size_t *dact_off = NULL;
    NashStatus st = NASH_OK;
    if (!net->layers || !net->param_info || !net->buffer_info || !plan.act_off || !plan.state_off || !plan.cache_off) {
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate a network of %d layers", n_specs);
        goto done;
    }
    if ((st = build_structure(net, specs, n_specs, err)) ||
        (st = infer_branch(net, 0, net->n_layers, in, &net->out, err)))
        goto done;
    net_plan_layouts(net); /* before the work is sized: a channels-last convolution needs more */
    for (int i = 0; i < net->n_layers; i++) plan_layer(net, i, &plan);
    net->param_floats = plan.params.bytes / sizeof(float);
    net->buffer_floats = plan.buffers.bytes / sizeof(float);
    int n_dact = 3 * net->max_depth + 2;
    size_t dact = plan.widest * (size_t)max_batch;
    net->dact = calloc((size_t)n_dact, sizeof *net->dact);
    dact_off = calloc((size_t)n_dact, sizeof *dact_off);
    if (!net->dact || !dact_off) {
        st = nash_fail(err, NASH_ERR_NOMEM, "cannot allocate a network of %d layers", n_specs);
        goto done;
    }
    for (int k = 0; k < n_dact; k++) dact_off[k] = arena_plan_floats(&plan.work, dact);
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
    for (int k = 0; k < n_dact; k++) net->dact[k] = arena_at(&net->work_arena, dact_off[k]);
    net->scratch = arena_at(&net->work_arena, scratch_off);
    bind_layers(net, &plan);
    reset_buffers(net, 0);
    net_set_training(net, true);
done:
    free(plan.act_off);
    free(plan.state_off);
    free(plan.cache_off);
    free(dact_off);
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
    arena_free(&net->tangent_arena);
    free(net->rdact);
    arena_free(&net->param_arena);
    arena_free(&net->grad_arena);
    arena_free(&net->buffer_arena);
    arena_free(&net->act_arena);
    arena_free(&net->work_arena);
    free(net->layers);
    free(net->param_info);
    free(net->buffer_info);
    free(net->dact);
    memset(net, 0, sizeof *net);
}

void net_release_workspace(Net *net) {
    arena_release(&net->tangent_arena);
    arena_release(&net->act_arena);
    arena_release(&net->work_arena);
}

bool net_share_passing(Net *net, const Net *with) {
    size_t need = net->work_arena.bytes - net->passing_off, room = with->work_arena.bytes - with->passing_off;
    if (need > room) return false;
    unsigned char *own = (unsigned char *)net->dact[0], *base = with->work_arena.base + with->passing_off;
    for (int k = 3 * net->max_depth + 1; k >= 0; k--)
        net->dact[k] = (float *)(void *)(base + ((unsigned char *)net->dact[k] - own));
    net->scratch = (float *)(void *)(base + ((unsigned char *)net->scratch - own));
    Arena freed = {own, need};
    arena_release(&freed);
    return true;
}

void net_init_params(Net *net, InitScheme scheme, uint64_t seed) {
    for (int t = 0; t < net->n_params; t++) {
        const NetTensor *e = &net->param_info[t];
        init_fill(net->params + e->offset, e->numel, scheme, e->role, e->fan_in, e->fan_out, seed, (uint64_t)t);
    }
    reset_buffers(net, seed);
}

/* ---- forward and backward ------------------------------------------------------------------- */

static void layer_forward(Net *net, Layer *l, const float *x, int n) {
    const LayerTraits *t = layer_of(l->spec.kind);
    if (net->naive && t->forward_naive)
        t->forward_naive(net, l, x, n);
    else if (t->forward)
        t->forward(net, l, x, n);
    l->result = layer_aliases_input(l) ? x : l->y;
}

static const float *forward_branch(Net *net, int first, int end, const float *x, int n);

/* y = a + b, elementwise (count) */
NASH_CLONES static void add_branches(float *y, const float *a, const float *b, size_t count) {
    for (size_t k = 0; k < count; k++) y[k] = a[k] + b[k];
}

/* A residual block: y = main(x) + shortcut(x), the shortcut x itself when empty. */
static void block_forward(Net *net, Layer *l, int i, const float *x, int n) {
    const float *a = forward_branch(net, i + 1, l->main_end, x, n);
    const float *b = l->main_end < l->after ? forward_branch(net, l->main_end, l->after, x, n) : x;
    add_branches(l->y, a, b, (size_t)n * shape_numel(l->out));
    l->result = l->y;
}

static const float *forward_branch(Net *net, int first, int end, const float *x, int n) {
    const float *cur = x;
    for (int i = first; i < end; i = net->layers[i].after) {
        Layer *l = &net->layers[i];
        if (layer_is_block(l))
            block_forward(net, l, i, cur, n);
        else
            layer_forward(net, l, cur, n);
        cur = l->result;
    }
    return cur;
}

const float *net_forward(Net *net, const float *x, int n) { return forward_branch(net, 0, net->n_layers, x, n); }

/* Does the layer, or a layer inside it, have parameters? */
static bool subtree_has_params(const Net *net, int i) {
    for (int k = i; k < net->layers[i].after; k++)
        if (layer_has_params(&net->layers[k])) return true;
    return false;
}

int net_lowest_with_params(const Net *net) {
    for (int i = 0; i < net->n_layers; i = net->layers[i].after)
        if (subtree_has_params(net, i)) return i;
    return net->n_layers;
}

static void backward_branch(Net *net, int first, int end, const float *x, const float *dy, float *dx, int n,
                            bool param_grads, int lowest);

/* dx = d main + d shortcut (dy itself for an identity shortcut); the branches pass their
 * gradients in the next depth's buffers, the shortcut's input gradient in its own. */
static void block_backward(Net *net, const Layer *l, int i, const float *x, const float *dy, float *dx, int n,
                           bool param_grads) {
    backward_branch(net, i + 1, l->main_end, x, dy, dx, n, param_grads, i + 1);
    size_t count = (size_t)n * shape_numel(l->in);
    if (l->main_end == l->after) {
        if (dx)
            for (size_t k = 0; k < count; k++) dx[k] += dy[k];
        return;
    }
    float *ds = dx ? net->dact[3 * (l->depth + 1) - 1] : NULL;
    backward_branch(net, l->main_end, l->after, x, dy, ds, n, param_grads, l->main_end);
    if (dx)
        for (size_t k = 0; k < count; k++) dx[k] += ds[k];
}

/* Backpropagate dy through the branch [first, end) whose input was x, down to layer `lowest`
 * (which then gets no input gradient); dx (the branch's input gradient) written unless NULL. */
static void backward_branch(Net *net, int first, int end, const float *x, const float *dy, float *dx, int n,
                            bool param_grads, int lowest) {
    int last = first;
    for (int i = first; i < end; i = net->layers[i].after) last = i;
    const int depth = net->layers[first].depth;
    float *pair[2] = {net->dact[3 * depth], net->dact[3 * depth + 1]};
    const float *g = dy;
    int next = 0;
    for (int i = last; i >= lowest; i = net->layers[i].prev) {
        const Layer *l = &net->layers[i];
        const float *in = l->prev >= 0 ? net->layers[l->prev].result : x;
        if (layer_aliases_input(l)) {
            if (l->prev < 0 && dx) memcpy(dx, g, (size_t)n * shape_numel(l->in) * sizeof(float));
            if (l->prev < 0) break;
            continue; /* same values, another shape */
        }
        float *gin;
        if (l->prev < 0)
            gin = dx;
        else if (i == lowest)
            gin = NULL;
        else {
            gin = pair[next];
            if (gin == g) gin = pair[next ^= 1];
            next ^= 1;
        }
        if (layer_is_block(l))
            block_backward(net, l, i, in, g, gin, n, param_grads);
        else {
            const LayerTraits *t = layer_of(l->spec.kind);
            (net->naive && t->backward_naive ? t->backward_naive : t->backward)(net, l, in, g, gin, n, param_grads);
        }
        if (l->prev < 0) break;
        g = gin;
    }
}

void net_backward(Net *net, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    /* The lowest layer that still needs an input gradient: below it only parameter gradients
     * are wanted, and below the lowest parameterised layer nothing at all. */
    int lowest = 0;
    if (!dx) lowest = param_grads ? net_lowest_with_params(net) : net->n_layers;
    if (lowest < net->n_layers) backward_branch(net, 0, net->n_layers, x, dy, dx, n, param_grads, lowest);
}

void net_zero_grad(Net *net) { memset(net->grads, 0, net->param_floats * sizeof(float)); }

void net_set_labels(Net *net, const int32_t *labels) { net->labels = labels; }

void net_set_training(Net *net, bool training) {
    net->training = training;
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layers[i];
        if (layer_of(l->spec.kind)->set_training) layer_of(l->spec.kind)->set_training(l, training);
    }
}

bool net_set_naive(Net *net, bool naive) {
    net->naive = naive;
    net_plan_layouts(net);
    bool separate = false;
    for (int i = 0; i < net->n_layers; i++) separate |= layer_of(net->layers[i].spec.kind)->forward_naive != NULL;
    return separate;
}

void net_set_stat_reducer(Net *net, const StatReducer *reducer) {
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layers[i];
        if (layer_of(l->spec.kind)->set_reducer) layer_of(l->spec.kind)->set_reducer(l, reducer);
    }
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
    PUT("%-10s %-40s %-14s %10s\n", "#", "layer", "output", "params");
    PUT("%-10s %-40s %-14s %10s\n", "", "input", in, "");
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        size_t count = 0;
        for (int t = 0; t < net->n_params; t++)
            if (net->param_info[t].layer == i) count += net->param_info[t].numel;
        int indent = 2 * l->depth;
        spec_format(&l->spec, line + indent, sizeof line - (size_t)indent);
        memset(line, ' ', (size_t)indent);
        shape_format(l->out, out, sizeof out);
        PUT("%-10s %-40s %-14s %10zu\n", l->path, line, out, count);
    }
    PUT("total parameters: %zu\n", net->param_count);
#undef PUT
}
