/* double_backward.c — double backprop through a network (net.h, net_double_backward).
 *
 * The R-operator (Pearlmutter 1994) along the input direction v: every value of the forward
 * and backward passes gets a derivative along v, written R{.}. Forward: R{x} = v and each layer
 * maps R{its input} to R{its output} (its `tangent` kernel; a residual block adds its branches').
 * Backward: dy at the output is held fixed, so R{dy} = 0 there, and each layer takes (dy, R{dy})
 * to (dx, R{dx}) and adds R{its parameter gradients} (its `double_backward` kernel). R of the
 * parameter gradient of <dy, net(x)> is d/dtheta <grad_x <dy, net(x)>, v>, because the order
 * of the two derivatives can be swapped. The passes mirror net.c's forward_branch and
 * backward_branch, with a second set of buffers (rdact) beside dact for the derivatives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer.h"
#include "nn/net.h"

/* "dense, relu, ..." : the kinds that have second derivatives */
static void kinds_with_double(char *buf, size_t size) {
    buf[0] = '\0';
    for (int k = 0; k < LAYER_KIND_COUNT; k++) {
        const LayerTraits *t = layer_traits[k];
        if (!t->double_backward) continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? ", " : "", t->name);
    }
}

NashStatus net_enable_double_backward(Net *net, NashError *err) {
    if (net->rdact) return NASH_OK;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        const LayerTraits *t = layer_of(l->spec.kind);
        if (layer_aliases_input(l) || layer_is_block(l) || (t->flags & (LAYER_SPLITS_BLOCK | LAYER_CLOSES_BLOCK)))
            continue;
        if (!t->tangent || !t->double_backward) {
            char kinds[256];
            kinds_with_double(kinds, sizeof kinds);
            return nash_fail(err, NASH_ERR_CONFIG,
                             "layer %s (%s): a gradient penalty differentiates the network's input gradient, and "
                             "nash has the second derivatives of %s, residual blocks, reshape and flatten only",
                             l->path, t->name, kinds);
        }
    }
    ArenaPlan plan = {0};
    size_t widest = shape_numel(net->in);
    size_t *ry_off = calloc((size_t)net->n_layers, sizeof *ry_off);
    int n_rdact = 3 * net->max_depth + 2;
    net->rdact = calloc((size_t)n_rdact, sizeof *net->rdact);
    size_t *rdact_off = calloc((size_t)n_rdact, sizeof *rdact_off);
    if (!ry_off || !net->rdact || !rdact_off) {
        free(ry_off);
        free(rdact_off);
        free(net->rdact);
        net->rdact = NULL;
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the tangents of a network of %d layers", net->n_layers);
    }
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        size_t out_n = shape_numel(l->out);
        if (out_n > widest) widest = out_n;
        ry_off[i] = layer_aliases_input(l) ? SIZE_MAX : arena_plan_floats(&plan, out_n * (size_t)net->max_batch);
    }
    for (int k = 0; k < n_rdact; k++) rdact_off[k] = arena_plan_floats(&plan, widest * (size_t)net->max_batch);
    size_t zero_off = arena_plan_floats(&plan, shape_numel(net->out) * (size_t)net->max_batch);
    NashStatus st = arena_init(&net->tangent_arena, plan.bytes, err);
    if (!st) {
        for (int i = 0; i < net->n_layers; i++)
            if (ry_off[i] != SIZE_MAX) net->layers[i].ry = arena_at(&net->tangent_arena, ry_off[i]);
        for (int k = 0; k < n_rdact; k++) net->rdact[k] = arena_at(&net->tangent_arena, rdact_off[k]);
        net->rzero = arena_at(&net->tangent_arena, zero_off); /* the arena starts zeroed; nothing writes it */
        net_plan_layouts(net);                                /* the tangent kernels are NCHW only */
    } else {
        free(net->rdact);
        net->rdact = NULL;
    }
    free(ry_off);
    free(rdact_off);
    return st;
}

/* ---- the tangent pass --------------------------------------------------------------------------- */

static const float *tangent_branch(Net *net, int first, int end, const float *x, const float *rx, int n);

static void block_tangent(Net *net, Layer *l, int i, const float *x, const float *rx, int n) {
    const float *a = tangent_branch(net, i + 1, l->main_end, x, rx, n);
    const float *b = l->main_end < l->after ? tangent_branch(net, l->main_end, l->after, x, rx, n) : rx;
    size_t count = (size_t)n * shape_numel(l->out);
    for (size_t k = 0; k < count; k++) l->ry[k] = a[k] + b[k];
    l->rresult = l->ry;
}

/* The derivative along rx of the branch [first, end) whose input was x; returns its output's. */
static const float *tangent_branch(Net *net, int first, int end, const float *x, const float *rx, int n) {
    const float *cur = x, *rcur = rx;
    for (int i = first; i < end; i = net->layers[i].after) {
        Layer *l = &net->layers[i];
        if (layer_is_block(l))
            block_tangent(net, l, i, cur, rcur, n);
        else if (layer_aliases_input(l))
            l->rresult = rcur;
        else {
            layer_of(l->spec.kind)->tangent(net, l, cur, rcur, l->ry, n);
            l->rresult = l->ry;
        }
        cur = l->result;
        rcur = l->rresult;
    }
    return rcur;
}

/* ---- the backward pass with derivatives --------------------------------------------------------- */

static void double_branch(Net *net, int first, int end, const float *x, const float *rx, const float *dy,
                          const float *rdy, float *dx, float *rdx, int n, int lowest);

/* dx = d main + d shortcut, and the same for their derivatives (dact's layout, net.c) */
static void block_double(Net *net, const Layer *l, int i, const float *x, const float *rx, const float *dy,
                         const float *rdy, float *dx, float *rdx, int n) {
    double_branch(net, i + 1, l->main_end, x, rx, dy, rdy, dx, rdx, n, i + 1);
    size_t count = (size_t)n * shape_numel(l->in);
    if (l->main_end == l->after) {
        if (dx)
            for (size_t k = 0; k < count; k++) {
                dx[k] += dy[k];
                rdx[k] += rdy[k];
            }
        return;
    }
    float *ds = dx ? net->dact[3 * (l->depth + 1) - 1] : NULL, *rds = dx ? net->rdact[3 * (l->depth + 1) - 1] : NULL;
    double_branch(net, l->main_end, l->after, x, rx, dy, rdy, ds, rds, n, l->main_end);
    if (dx)
        for (size_t k = 0; k < count; k++) {
            dx[k] += ds[k];
            rdx[k] += rds[k];
        }
}

/* As backward_branch (net.c), carrying (dy, R{dy}) down to layer `lowest`; dx and rdx, the
 * branch's input gradient and its derivative, written unless dx is NULL. */
static void double_branch(Net *net, int first, int end, const float *x, const float *rx, const float *dy,
                          const float *rdy, float *dx, float *rdx, int n, int lowest) {
    int last = first;
    for (int i = first; i < end; i = net->layers[i].after) last = i;
    const int depth = net->layers[first].depth;
    float *pair[2] = {net->dact[3 * depth], net->dact[3 * depth + 1]};
    float *rpair[2] = {net->rdact[3 * depth], net->rdact[3 * depth + 1]};
    const float *g = dy, *rg = rdy;
    int next = 0;
    for (int i = last; i >= lowest; i = net->layers[i].prev) {
        const Layer *l = &net->layers[i];
        const float *in = l->prev >= 0 ? net->layers[l->prev].result : x;
        const float *rin = l->prev >= 0 ? net->layers[l->prev].rresult : rx;
        if (layer_aliases_input(l)) {
            if (l->prev < 0 && dx) {
                memcpy(dx, g, (size_t)n * shape_numel(l->in) * sizeof(float));
                memcpy(rdx, rg, (size_t)n * shape_numel(l->in) * sizeof(float));
            }
            if (l->prev < 0) break;
            continue;
        }
        float *gin, *rgin;
        if (l->prev < 0) {
            gin = dx;
            rgin = rdx;
        } else if (i == lowest) {
            gin = rgin = NULL;
        } else {
            if (pair[next] == g) next ^= 1;
            gin = pair[next];
            rgin = rpair[next];
            next ^= 1;
        }
        if (layer_is_block(l))
            block_double(net, l, i, in, rin, g, rg, gin, rgin, n);
        else
            layer_of(l->spec.kind)->double_backward(net, l, in, rin, g, rg, gin, rgin, n);
        if (l->prev < 0) break;
        g = gin;
        rg = rgin;
    }
}

void net_double_backward(Net *net, const float *x, const float *dy, const float *v, int n) {
    tangent_branch(net, 0, net->n_layers, x, v, n);
    int lowest = net_lowest_with_params(net);
    if (lowest < net->n_layers) double_branch(net, 0, net->n_layers, x, v, dy, net->rzero, NULL, NULL, n, lowest);
}
