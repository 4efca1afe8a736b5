/* optim.c — SGD, Adam and RMSprop as torch.optim computes them (formulas in optim.h). */
#include "nn/optim.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/clones.h"

const char *const optim_kind_words[OPTIM_KIND_COUNT] = {"adam", "sgd", "rmsprop"};
_Static_assert(OPTIM_RMSPROP + 1 == OPTIM_KIND_COUNT, "one word per optimizer");
const char *const lr_decay_words[LR_DECAY_COUNT] = {"none", "linear"};
_Static_assert(LR_LINEAR + 1 == LR_DECAY_COUNT, "one word per lr decay");

const char *optim_kind_name(OptimKind kind) {
    return (unsigned)kind < OPTIM_KIND_COUNT ? optim_kind_words[kind] : "unknown";
}

NashStatus optim_init(Optimizer *opt, const OptimSettings *cfg, size_t n, NashError *err) {
    memset(opt, 0, sizeof *opt);
    opt->kind = cfg->kind;
    opt->lr = cfg->lr;
    opt->beta1 = cfg->beta1;
    opt->beta2 = cfg->beta2;
    opt->momentum = cfg->momentum;
    opt->alpha = cfg->alpha;
    opt->eps = cfg->eps;
    opt->weight_decay = cfg->weight_decay;
    opt->lr_decay = cfg->lr_decay;
    opt->decay_steps = 1;
    opt->steps_per_step = 1;
    opt->n = n;
    bool two = opt->kind == OPTIM_ADAM || opt->kind == OPTIM_RMSPROP;
    bool one = two || opt->momentum > 0.0;
    ArenaPlan plan = {0};
    size_t m_off = one ? arena_plan_floats(&plan, n) : 0;
    size_t v_off = two ? arena_plan_floats(&plan, n) : 0;
    NashStatus st = arena_init(&opt->state, plan.bytes, err);
    if (st) return nash_fail_context(err, "optimizer state: ");
    if (one) opt->m = arena_at(&opt->state, m_off);
    if (two) opt->v = arena_at(&opt->state, v_off);
    return NASH_OK;
}

void optim_free(Optimizer *opt) {
    arena_free(&opt->state);
    opt->m = opt->v = NULL;
}

void optim_set_decay(Optimizer *opt, int64_t training_steps, int steps_per_step) {
    opt->decay_steps = training_steps > 0 ? training_steps : 1;
    opt->steps_per_step = steps_per_step > 0 ? steps_per_step : 1;
}

double optim_lr(const Optimizer *opt) {
    if (opt->lr_decay == LR_CONSTANT) return opt->lr;
    int64_t k = opt->t / opt->steps_per_step; /* training steps completed */
    double f = 1.0 - (double)k / (double)opt->decay_steps;
    return f > 0.0 ? opt->lr * f : 0.0;
}

NASH_CLONES static void sgd_step(Optimizer *opt, double lr_now, float *p, const float *grad) {
    const float lr = (float)lr_now, wd = (float)opt->weight_decay, mu = (float)opt->momentum;
    for (size_t i = 0; i < opt->n; i++) {
        float g = grad[i] + wd * p[i];
        if (opt->m) {
            opt->m[i] = opt->t == 1 ? g : mu * opt->m[i] + g;
            g = opt->m[i];
        }
        p[i] -= lr * g;
    }
}

NASH_CLONES static void adam_step(Optimizer *opt, double lr_now, float *p, const float *grad) {
    const float b1 = (float)opt->beta1, b2 = (float)opt->beta2, wd = (float)opt->weight_decay;
    const double bc1 = 1.0 - pow(opt->beta1, (double)opt->t), bc2 = 1.0 - pow(opt->beta2, (double)opt->t);
    const float step_size = (float)(lr_now / bc1), bc2_sqrt = (float)sqrt(bc2), eps = (float)opt->eps;
    float *m = opt->m, *v = opt->v;
    for (size_t i = 0; i < opt->n; i++) {
        float g = grad[i] + wd * p[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        p[i] -= step_size * m[i] / denom;
    }
}

NASH_CLONES static void rmsprop_step(Optimizer *opt, double lr_now, float *p, const float *grad) {
    const float lr = (float)lr_now, a = (float)opt->alpha, wd = (float)opt->weight_decay;
    const float mu = (float)opt->momentum, eps = (float)opt->eps;
    float *buf = opt->m, *v = opt->v;
    for (size_t i = 0; i < opt->n; i++) {
        float g = grad[i] + wd * p[i];
        v[i] = a * v[i] + (1.0f - a) * g * g;
        float avg = sqrtf(v[i]) + eps;
        if (mu > 0.0f) {
            buf[i] = mu * buf[i] + g / avg;
            p[i] -= lr * buf[i];
        } else {
            p[i] -= lr * g / avg;
        }
    }
}

void optim_step(Optimizer *opt, float *params, const float *grads) {
    const double lr = optim_lr(opt); /* from the steps taken before this one */
    opt->t++;
    switch (opt->kind) {
    case OPTIM_SGD: sgd_step(opt, lr, params, grads); break;
    case OPTIM_ADAM: adam_step(opt, lr, params, grads); break;
    case OPTIM_RMSPROP: rmsprop_step(opt, lr, params, grads); break;
    }
}
