/* net_layout.c — which activations a network keeps channels-last (see net.h,
 * net_set_channels_last; docs/layers.md, "Activation layouts").
 *
 * oneDNN's convolution kernels read and write activations with the channels innermost. Kept NCHW,
 * every activation a convolution reads or writes goes through a conversion, and those were 16% of
 * a float32 ResNet step (docs/benchmarks.md). So a tensor between layers whose fast kernels all
 * take channels-last (N,H,W,C) is kept that way, and only the tensors next to other layers are
 * NCHW.
 *
 * The tensors are the network's input and every layer's output (a block's: the sum of its
 * branches). Tensors that must share a layout are joined into classes (union-find):
 *   - a layer that gives the layout it takes (activations, batch norm, pooling, upsampling)
 *     joins its input and its output; a convolution (LAYER_CONVERTS) joins nothing, and may take
 *     channels-last on one side only (im2col: a convolution's output, a transposed one's input);
 *   - a block joins its output with both branches' outputs (the input itself for an identity
 *     shortcut), as they are added;
 *   - reshape and flatten join their input and output, which are one piece of memory.
 * A class is pinned to NCHW when any of its tensors is the network's input or output, is not
 * (C,H,W), or is read or written by a layer whose fast kernels do not take channels-last on that
 * side. Every
 * other class is channels-last. The gradients follow the activations' layouts. The plain-loop
 * reference kernels and the double backprop of the gradient penalties are NCHW only, so under
 * them (net->naive, net->rdact), and when net_set_channels_last(false) says so, every tensor is
 * NCHW.
 */
#include "nn/layer.h"

#include <stdlib.h>

typedef struct {
    int *parent;
    bool *nchw; /* per root: the class is pinned to NCHW */
} Classes;

static int root(Classes *c, int a) {
    while (c->parent[a] != a) a = c->parent[a] = c->parent[c->parent[a]];
    return a;
}

static void join(Classes *c, int a, int b) {
    a = root(c, a), b = root(c, b);
    if (a == b) return;
    c->parent[a] = b;
    c->nchw[b] |= c->nchw[a];
}

static void pin(Classes *c, int a) { c->nchw[root(c, a)] = true; }

/* Join the tensors of the branch [first, end) whose input is tensor `in` (tensor i is layer i's
 * output); input[i] is set to layer i's input tensor. Returns the branch's output tensor. */
static int link_branch(const Net *net, int first, int end, int in, Classes *c, int *input) {
    int cur = in;
    for (int i = first; i < end; i = net->layers[i].after) {
        const Layer *l = &net->layers[i];
        const LayerTraits *t = layer_of(l->spec.kind);
        input[i] = cur;
        if (layer_is_block(l)) {
            int a = link_branch(net, i + 1, l->main_end, cur, c, input);
            int b = l->main_end < l->after ? link_branch(net, l->main_end, l->after, cur, c, input) : cur;
            join(c, i, a);
            join(c, i, b);
        } else {
            unsigned sides = t->nhwc_sides && l->in.ndim == 3 ? t->nhwc_sides(l) : 0;
            if (!(sides & LAYER_NHWC_IN)) pin(c, cur);
            if (!(sides & LAYER_NHWC_OUT)) pin(c, i);
            if (!(t->flags & LAYER_CONVERTS)) join(c, i, cur); /* one layout: also reshape, flatten */
        }
        if (l->in.ndim != 3) pin(c, cur);
        if (l->out.ndim != 3) pin(c, i);
        cur = i;
    }
    return cur;
}

void net_plan_layouts(Net *net) {
    const int n = net->n_layers;
    const bool allowed = !net->nchw_only && !net->naive && !net->rdact;
    Classes c = {malloc((size_t)(n + 1) * sizeof *c.parent), calloc((size_t)n + 1, sizeof *c.nchw)};
    int *input = malloc((size_t)n * sizeof *input);
    bool planned = c.parent && c.nchw && input; /* out of memory: NCHW, which needs no plan */
    if (planned) {
        for (int k = 0; k <= n; k++) c.parent[k] = k;
        pin(&c, n); /* tensor n: the network's input */
        pin(&c, link_branch(net, 0, n, n, &c, input));
    }
    for (int i = 0; i < n; i++) {
        Layer *l = &net->layers[i];
        l->nhwc_in = allowed && planned && !c.nchw[root(&c, input[i])];
        l->nhwc_out = allowed && planned && !c.nchw[root(&c, i)];
        const LayerTraits *t = layer_of(l->spec.kind);
        if (t->set_layout) t->set_layout(l);
    }
    free(c.parent);
    free(c.nchw);
    free(input);
}

void net_set_channels_last(Net *net, bool allow) {
    net->nchw_only = !allow;
    net_plan_layouts(net);
}

int net_channels_last_layers(const Net *net) {
    int count = 0;
    for (int i = 0; i < net->n_layers; i++) count += net->layers[i].nhwc_out;
    return count;
}
