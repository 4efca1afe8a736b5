/* optim.h — first-order optimizers over a flat parameter arena, with PyTorch's update rules.
 *
 * g = grad + weight_decay * p (L2 penalty, as torch.optim applies weight_decay), then:
 *   sgd      b = momentum*b + g (b = g on the first step);  p -= lr * (momentum ? b : g)
 *   adam     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *            p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)      (Kingma & Ba 2015)
 *   rmsprop  v = alpha v + (1-alpha) g^2;  a = sqrt(v) + eps;
 *            b = momentum*b + g/a, p -= lr*b  (momentum > 0);  else p -= lr * g/a   (Hinton 2012)
 * State (m, v, b) lives in one arena the size of the parameters, so a checkpoint saves it as
 * whole datasets and every rank of a group holds identical state.
 */
#ifndef NASH_NN_OPTIM_H
#define NASH_NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/status.h"

typedef enum { OPTIM_ADAM, OPTIM_SGD, OPTIM_RMSPROP } OptimKind;
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
} OptimSettings;

typedef struct {
    OptimKind kind;
    double lr, beta1, beta2, momentum, alpha, eps, weight_decay;
    int64_t t;    /* steps taken */
    size_t n;     /* parameters (floats in the arena, padding included) */
    float *m, *v; /* adam: first and second moments; rmsprop: v = square average, m = momentum
                     buffer; sgd: m = momentum buffer. NULL when unused. */
    Arena state;
} Optimizer;

const char *optim_kind_name(OptimKind kind);

/* State for n parameters (zeroed moments). */
NashStatus optim_init(Optimizer *opt, const OptimSettings *settings, size_t n, NashError *err);
void optim_free(Optimizer *opt);
/* One update of params (n) from grads (n). */
void optim_step(Optimizer *opt, float *params, const float *grads);

#endif
