/* layer.h — one table of what every layer kind is and does (private to nn/), as ggml keeps one
 * table per op: the grammar of its layer line (spec.c), its shape inference, tensors, memory and
 * kernels (net.c). net.c and spec.c hold no per-kind code; adding a layer kind is its kernel file,
 * its LayerKind and Layer union member, and its functions and row beside its family's
 * (layer_kinds.h), entered in layer.c's table.
 */
#ifndef NASH_NN_LAYER_H
#define NASH_NN_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/net.h"

/* What a kind's positional words are. */
typedef enum {
    LAYER_WORDS_NONE,  /* none */
    LAYER_WORDS_UNITS, /* one positive size: out features, out channels, hidden size */
    LAYER_WORDS_SLOPE, /* one float */
    LAYER_WORDS_PROB,  /* one probability in [0, 1) */
    LAYER_WORDS_DIMS,  /* 1 to 3 positive dimensions */
} LayerWords;

enum {
    LAYER_WINDOWED = 1 << 0,      /* needs k= (convolutions, pools) */
    LAYER_POOLING = 1 << 1,       /* the stride defaults to the window; padding at most half of it */
    LAYER_HAS_PARAMS = 1 << 2,    /* has parameters (so it has parameter gradients) */
    LAYER_ALIASES_INPUT = 1 << 3, /* its output is its input, another shape (no activations) */
    LAYER_OWN_INPUT = 1 << 4,     /* its backward reads only its own input: the layer above may overwrite
                                     its output */
    LAYER_OPENS_BLOCK = 1 << 5,   /* `residual`: net.c runs its branches */
    LAYER_SPLITS_BLOCK = 1 << 6,  /* `shortcut`: a line of structure, not a layer */
    LAYER_CLOSES_BLOCK = 1 << 7,  /* `end`: the same */
    LAYER_CONVERTS = 1 << 8,      /* may take one activation layout and give the other (nhwc_sides) */
};

enum { LAYER_NHWC_IN = 1, LAYER_NHWC_OUT = 2, LAYER_NHWC_BOTH = 3 };

/* Where a kind's parameters and buffers go: layer_tensor() registers one (name suffix, PyTorch
 * shape, role and fans for the initialiser). */
typedef struct LayerTensors LayerTensors;
void layer_tensor(LayerTensors *to, const char *suffix, Shape shape, ParamRole role, int fan_in, int fan_out);
void layer_buffer(LayerTensors *to, const char *suffix, Shape shape);

typedef struct {
    const char *name;  /* the first word of a layer line: "conv2d" */
    const char *usage; /* its grammar, quoted in errors */
    const char *keys;  /* the key=value words it takes, space-separated */
    int words_min, words_max;
    LayerWords words;
    unsigned flags;
    /* l->out and the geometry in l->u from l->in and l->spec; errors name the layer `index` */
    NashStatus (*infer)(Layer *l, int index, NashError *err);
    /* a parsed line's own rules beyond its grammar (NULL: none) */
    NashStatus (*check)(const LayerSpec *s, NashError *err);
    /* the words after the kind in spec_format's canonical line (NULL: none) */
    void (*format)(const LayerSpec *s, char *buf, size_t size);
    /* its parameters and buffers, in order (NULL: none) */
    void (*tensors)(const Layer *l, LayerTensors *to);
    /* point the layer at tensor `t` of its own (value and, for parameters, gradient) */
    void (*bind)(Layer *l, const NetTensor *t, bool param, float *value, float *grad);
    /* floats of the shared scratch space and of the layer's own cache kept from forward to
     * backward (in the activation arena), and bytes of state kept in the work arena (NULL: 0) */
    size_t (*scratch_floats)(const Layer *l, int max_batch);
    size_t (*cache_floats)(const Layer *l, int max_batch);
    size_t (*state_bytes)(const Layer *l);
    void (*bind_state)(Layer *l, float *cache, void *state);
    /* kernels: y = l->y (NULL for aliases); scratch = net->scratch; backward adds parameter
     * gradients when param_grads and writes dx unless NULL */
    void (*forward)(const Net *net, Layer *l, const float *x, int n);
    void (*backward)(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                     bool param_grads);
    /* the plain-loop reference kernels the fast ones are tested against (NULL: the kernel above
     * is its own reference); net_set_naive() runs a network on them */
    void (*forward_naive)(const Net *net, Layer *l, const float *x, int n);
    void (*backward_naive)(const Net *net, const Layer *l, const float *x, const float *dy, float *dx, int n,
                           bool param_grads);
    /* double backprop (net_double_backward; NULL: the kind has no second derivatives here, and a
     * gradient penalty refuses it): ry (n, out) = the derivative of the output along the input
     * direction rx; then, given dy and its derivative rdy along rx, dx and rdx written unless
     * NULL and the derivatives of the parameter gradients ADDED (always) */
    void (*tangent)(const Net *net, const Layer *l, const float *x, const float *rx, float *ry, int n);
    void (*double_backward)(const Net *net, const Layer *l, const float *x, const float *rx, const float *dy,
                            const float *rdy, float *dx, float *rdx, int n);
    /* may this layer overwrite its input? (its backward works from its output alone; NULL: no) */
    bool (*in_place)(const Layer *l);
    /* training or evaluation mode, and a seed for layers that draw (NULL: no mode, no draws) */
    void (*set_training)(Layer *l, bool training);
    void (*set_seed)(Layer *l, uint64_t seed);
    /* batch statistics summed by `reducer` (synchronised batch norm; NULL: no batch statistics) */
    void (*set_reducer)(Layer *l, const StatReducer *reducer);
    /* channels-last activations (net_layout.c): which sides the fast kernels take channels-last,
     * LAYER_NHWC_IN and LAYER_NHWC_OUT (NULL: neither); a layer without LAYER_CONVERTS gives the
     * layout it takes, and so takes both or neither. set_layout hands l->nhwc_in and
     * l->nhwc_out to the kernels (NULL: they read the Layer's). */
    unsigned (*nhwc_sides)(const Layer *l);
    void (*set_layout)(Layer *l);
} LayerTraits;

extern const LayerTraits *const layer_traits[LAYER_KIND_COUNT];

static inline const LayerTraits *layer_of(LayerKind kind) { return layer_traits[kind]; }
static inline bool layer_aliases_input(const Layer *l) {
    return (layer_of(l->spec.kind)->flags & LAYER_ALIASES_INPUT) != 0;
}
static inline bool layer_is_block(const Layer *l) { return (layer_of(l->spec.kind)->flags & LAYER_OPENS_BLOCK) != 0; }
static inline bool layer_has_params(const Layer *l) { return (layer_of(l->spec.kind)->flags & LAYER_HAS_PARAMS) != 0; }

/* Decide every layer's nhwc_in and nhwc_out (net_layout.c), and hand them to the kernels: after
 * the shapes are known and before the work is sized, and again whenever net->naive, net->rdact or
 * net->nchw_only change. */
void net_plan_layouts(Net *net);

/* The first top-level layer with parameters in it (n_layers: none): below it a backward that
 * wants no input gradient has nothing to do (net.c). */
int net_lowest_with_params(const Net *net);

#endif
