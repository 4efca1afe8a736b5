/* net.h — a sequential network over flat arenas (docs/style.md, Arenas).
 *
 * Built from a list of LayerSpec and a per-sample input shape: shapes are inferred layer by
 * layer, a size table is computed, then one aligned allocation each for parameters, their
 * gradients, buffers (batch-norm running statistics), activations and workspace. Gradient
 * synchronisation is therefore one allreduce over `grads`, and a checkpoint a few datasets.
 *
 * Names follow torch.nn.Sequential: the layer at position i owns "i.weight", "i.bias",
 * "i.running_mean", "i.running_var" (recurrent layers "i.weight_ih_l0", "i.weight_hh_l0",
 * "i.bias_ih_l0", "i.bias_hh_l0"), with PyTorch's shapes, so a state_dict maps 1:1. Recurrent
 * layers keep their per-step states for backward in the activation arena; their initial states
 * are zero inside a network.
 * Reshape and flatten alias their input (no copy).
 *
 * A residual block (residual ... [shortcut ...] end, spec.h) is one position of its sequence:
 * y = main(x) + shortcut(x). Its layers are named under it as a PyTorch module with two
 * nn.Sequential children would be: "2.main.0.weight", "2.shortcut.1.bias". The layers are kept
 * in one array in pre-order (a block, then its main branch, then its shortcut), so every branch
 * is a contiguous range of it.
 *
 * Conditional layers (cbatchnorm, projection) read the batch's class labels, set with
 * net_set_labels before a forward and kept through its backward.
 */
#ifndef NASH_NN_NET_H
#define NASH_NN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/shape.h"
#include "core/status.h"
#include "nn/act.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/deconv2d.h"
#include "nn/dense.h"
#include "nn/dropout.h"
#include "nn/init.h"
#include "nn/lstm.h"
#include "nn/pool2d.h"
#include "nn/projection.h"
#include "nn/rnn.h"
#include "nn/spec.h"
#include "nn/specnorm.h"
#include "nn/upsample.h"

#define NET_PATH_MAX 40 /* a layer's name: "2.main.3" */
#define NET_NAME_MAX 72 /* a tensor's: "2.main.3.weight_orig" */

/* One named tensor in an arena: a parameter (with its gradient at the same offset in `grads`)
 * or a buffer. */
typedef struct {
    char name[NET_NAME_MAX]; /* "3.weight" */
    Shape shape;             /* PyTorch layout */
    size_t offset;           /* in floats, from the start of the arena */
    size_t numel;
    int layer;
    ParamRole role;      /* parameters only */
    int fan_in, fan_out; /* parameters only, as torch computes them */
} NetTensor;

typedef struct {
    LayerSpec spec;
    Shape in, out;
    char path[NET_PATH_MAX]; /* "2", "2.main.3": the prefix of its tensors' names */
    int spec_index;          /* its line in the specs the net was built from */
    int prev;                /* the layer before it in its branch, -1 when first (input: the branch's) */
    int after;               /* the index past it and everything inside it */
    int depth;               /* blocks around it */
    int main_end;            /* residual: its main branch is [index + 1, main_end), its shortcut
                                [main_end, after) (empty: identity) */
    SpecNorm sn[2];          /* sn=1: the weight's (dense, conv2d; projection: linear, embed) */
    bool nhwc_in, nhwc_out;  /* its input and its output, and their gradients, are channels-last
                                (N,H,W,C) rather than NCHW (net_layout.c, docs/layers.md) */
    union {
        Dense dense;
        Conv2d conv;
        Deconv2d deconv;
        Pool2d pool;
        BatchNorm bn;
        Act act;
        Dropout dropout;
        Rnn rnn;
        Lstm lstm;
        Upsample up;
        Projection proj;
    } u;
    float *y;             /* owned output activations (max_batch, out); NULL for reshape/flatten */
    const float *result;  /* the output of the last forward: y, or the input for reshape/flatten */
    float *ry;            /* double backprop: the output's derivative along the input direction */
    const float *rresult; /* ... of the last tangent pass: ry, or the input's for reshape/flatten */
} Layer;

typedef struct {
    int n_layers;
    Layer *layers;
    Shape in, out;
    int max_batch;

    float *params, *grads; /* the same layout; `param_floats` long (with alignment padding) */
    size_t param_floats;
    size_t param_count; /* true number of parameters, padding excluded */
    NetTensor *param_info;
    int n_params; /* number of parameter tensors */

    float *buffers; /* batch-norm running statistics */
    size_t buffer_floats;
    NetTensor *buffer_info;
    int n_buffers;

    float *scratch;        /* workspace shared by the fast kernels, one layer at a time */
    int max_depth;         /* of residual blocks */
    float **dact;          /* activation gradients, max_batch * widest layer each: at depth d the ping-pong
                              pair dact[3d], dact[3d+1], and for d > 0 dact[3d-1] for a shortcut's */
    const int32_t *labels; /* the batch's classes for conditional layers (net_set_labels) */
    int classes;           /* K of its conditional layers (0: none) */
    bool training;
    bool naive;     /* run the plain-loop reference kernels (tests; net_set_naive) */
    bool nchw_only; /* keep every activation NCHW (net_set_channels_last) */
    DropoutKey key; /* step and global index of the batch's first sample */

    Arena param_arena, grad_arena, buffer_arena, act_arena, work_arena;
    /* double backprop (net_enable_double_backward): every layer's ry, the passing buffers of the
     * derivatives of the activation gradients (laid out as dact), and a zero output derivative */
    Arena tangent_arena;
    float **rdact, *rzero;
    size_t passing_off; /* where dact and scratch begin in work_arena (before: batch-norm state) */
} Net;

/* Build a network for batches of up to max_batch samples of shape `in`. Parameters are zero
 * until net_init_params; running_var starts at 1 as in PyTorch. Errors name the layer index and
 * the shapes that do not fit. The network starts in training mode. */
NashStatus net_init(Net *net, Shape in, const LayerSpec *specs, int n_specs, int max_batch, NashError *err);
/* The same from text, one layer per line (see spec.h). */
NashStatus net_init_text(Net *net, Shape in, const char *text, int max_batch, NashError *err);
void net_free(Net *net);
/* Give the memory of the activations and the workspace back to the system between steps: the
 * next forward rewrites them (the parameters, gradients and buffers stay). */
void net_release_workspace(Net *net);
/* Let `net` pass its gradients (dact) and keep its scratch in `with`'s room for them, and give its
 * own back to the system: for two networks of one process that never run a forward or backward
 * at the same time (a GAN's players: a backward through D ends before G's begins; batch-norm
 * state, which must survive in between, stays each network's own). False, with nothing changed,
 * when `with` has less room than `net` needs. */
bool net_share_passing(Net *net, const Net *with);

/* Fill parameters (and reset buffers) with a scheme, reproducibly from the seed. Dropout
 * layers are keyed by the same seed. */
void net_init_params(Net *net, InitScheme scheme, uint64_t seed);

/* x (N, in)  ->  returns the output (N, out), valid until the next forward. N <= max_batch. */
const float *net_forward(Net *net, const float *x, int n);
/* Backpropagate dy (N, out) through the activations of the last forward on x. Parameter
 * gradients are ADDED into `grads` when param_grads; dx (N, in) is written unless NULL. */
void net_backward(Net *net, const float *x, const float *dy, float *dx, int n, bool param_grads);

void net_zero_grad(Net *net);

/* Double backprop (Drucker & LeCun 1992), what gradient penalties need (docs/layers.md, "Double
 * backprop"). After a forward on x (n, in), add to the parameter gradients
 *     d/dtheta < grad_x <dy, net(x)>, v >
 * for a fixed dy (n, out) and direction v (n, in): the derivative along v of the parameter
 * gradient backward(dy) would add (the R-operator of Pearlmutter 1994 on the backward pass).
 * For a penalty P(g) of the input gradient g = grad_x <dy, net(x)>, v = dP/dg gives dP/dtheta.
 * One tangent pass forward (each layer's output derivative along v) and one backward pass that
 * carries dy and its derivative together. net_enable_double_backward, once, allocates the
 * tangents; it refuses a layer kind without second derivatives here, naming the layer and the
 * kinds that have them. */
NashStatus net_enable_double_backward(Net *net, NashError *err);
void net_double_backward(Net *net, const float *x, const float *dy, const float *v, int n);
/* The classes (N) of the batch the next forward and backward see, each in [0, net->classes). */
void net_set_labels(Net *net, const int32_t *labels);
void net_set_training(Net *net, bool training);
/* Run forward and backward on each layer's plain-loop reference kernel where it has one (the
 * fast kernels are tested against them; each kind's row, nn/layer_kinds.h). True when some layer has one. */
bool net_set_naive(Net *net, bool naive);
/* Whether activations between layers whose fast kernels take channels-last (N,H,W,C) may be kept
 * that way (the default), instead of NCHW everywhere; the layers' results are the same up to the
 * order of batch norm's and the bias gradient's sums (docs/layers.md, "Activation layouts"). The
 * network's input, output and input gradient are NCHW either way. Call it, and net_set_naive,
 * between steps, not between a forward and its backward. net_channels_last_layers counts the
 * layers whose output is channels-last now. */
void net_set_channels_last(Net *net, bool allow);
int net_channels_last_layers(const Net *net);
/* Use `reducer` for every batch-norm layer (NULL: per-rank statistics). */
void net_set_stat_reducer(Net *net, const StatReducer *reducer);

/* Look up a parameter or buffer by name; NULL if absent. */
const NetTensor *net_find_param(const Net *net, const char *name);
const NetTensor *net_find_buffer(const Net *net, const char *name);

/* A human-readable table of layers, shapes and parameter counts. */
void net_summary(const Net *net, char *buf, size_t size);

#endif
