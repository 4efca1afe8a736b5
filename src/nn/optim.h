/* optim.h — first-order optimizers over a flat parameter arena, with PyTorch's update rules.
 *
 * g = grad + weight_decay * p (L2 penalty, as torch.optim applies weight_decay), then:
 *   sgd      b = momentum*b + g (b = g on the first step);  p -= lr * (momentum ? b : g)
 *   adam     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *            p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)      (Kingma & Ba 2015)
 *   rmsprop  v = alpha v + (1-alpha) g^2;  a = sqrt(v) + eps;
 *            b = momentum*b + g/a, p -= lr*b  (momentum > 0);  else p -= lr * g/a   (Hinton 2012)
 * With lr_decay = linear (the SNGAN schedule, Miyato et al. 2018, as Mimicry and the chainer code
 * run it) the update before training step k + 1 (k = 0, 1, ..., steps taken / steps_per_step)
 * uses lr * max(0, 1 - k / decay_steps): lr at the first step, lr / decay_steps at the last one,
 * and the same lr for every one of a training step's n_critic D updates. It is a function of the
 * step count t, so a resumed run continues it exactly.
 * State (m, v, b) lives in one arena the size of the parameters, so a checkpoint saves it as
 * whole datasets and every rank of a group holds identical state.
 */
#ifndef NASH_NN_OPTIM_H
#define NASH_NN_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/status.h"

typedef enum { OPTIM_ADAM, OPTIM_SGD, OPTIM_RMSPROP } OptimKind;
typedef enum { LR_CONSTANT, LR_LINEAR } LrDecay;
#define LR_DECAY_COUNT 2
/* "none", "linear": the words of [optim.*] lr_decay, in LrDecay's order. */
extern const char *const lr_decay_words[LR_DECAY_COUNT];
#define OPTIM_KIND_COUNT 3
/* "adam", "sgd", "rmsprop": the words of [optim.*] kind and of checkpoints, in OptimKind's order. */
extern const char *const optim_kind_words[OPTIM_KIND_COUNT];

/* An optimizer's settings: plain numbers, from a config's [optim.g] or [optim.d] or from code. */
typedef struct {
    OptimKind kind;
    double lr;
    double beta1, beta2; /* adam */
    double momentum;     /* sgd, rmsprop */
    double alpha;        /* rmsprop smoothing */
    double eps;          /* adam, rmsprop */
    double weight_decay;
    LrDecay lr_decay; /* over train.steps training steps, see above */
} OptimSettings;

typedef struct {
    OptimKind kind;
    double lr, beta1, beta2, momentum, alpha, eps, weight_decay;
    LrDecay lr_decay;
    int64_t decay_steps; /* training steps the decay runs over (optim_set_decay) */
    int steps_per_step;  /* this optimizer's updates per training step (n_critic for D) */
    int64_t t;           /* steps taken */
    size_t n;            /* parameters (floats in the arena, padding included) */
    float *m, *v;        /* adam: first and second moments; rmsprop: v = square average, m = momentum
                            buffer; sgd: m = momentum buffer. NULL when unused. */
    Arena state;
    /* What the updates saw, over the floats each one updated (for the log and the divergence
     * guard, without another pass over the arenas): */
    double grad_sq; /* the last update's sum of squared gradients (as given, before weight decay) */
    bool nonfinite; /* some update read a non-finite gradient or wrote a non-finite parameter or state
                       value; it stays set (a run stops at the first, train/guard.c) */
} Optimizer;

const char *optim_kind_name(OptimKind kind);

/* State for n parameters (zeroed moments). */
NashStatus optim_init(Optimizer *opt, const OptimSettings *settings, size_t n, NashError *err);
void optim_free(Optimizer *opt);
/* The training steps a decaying lr runs over, and this optimizer's updates per training step
 * (without a call: 1 and 1). */
void optim_set_decay(Optimizer *opt, int64_t training_steps, int steps_per_step);
/* The learning rate of the next update. */
double optim_lr(const Optimizer *opt);
/* One update of params (n) from grads (n). */
void optim_step(Optimizer *opt, float *params, const float *grads);

#endif
