/* optim.c — SGD, Adam and RMSprop as torch.optim computes them (formulas in optim.h). */
#include "nn/optim.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/clones.h"
#include "nn/finite.h"

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

/* The updates and the look at what they saw run chunk by chunk, CHUNK floats at a time: the
 * gradient's squares are summed and the gradient, parameters and state (16 KiB) tested for NaN
 * and infinities (nn/finite.h) while the chunk is still in L1. */
enum { CHUNK = 1024 };

/* An update's rates, worked out once for all its chunks. */
typedef struct {
    float lr, wd, mu;                       /* wd: every kind; lr, mu: sgd, rmsprop */
    float b1, b2, step_size, bc2_sqrt, eps; /* adam (eps: rmsprop too) */
    float alpha;                            /* rmsprop */
    bool first;                             /* sgd: the first step sets the momentum buffer to g */
} Rates;

NASH_CLONES static void sgd_chunk(const Rates *r, float *m, float *p, const float *grad, size_t b, size_t e) {
    for (size_t i = b; i < e; i++) {
        float g = grad[i] + r->wd * p[i];
        if (m) {
            m[i] = r->first ? g : r->mu * m[i] + g;
            g = m[i];
        }
        p[i] -= r->lr * g;
    }
}

NASH_CLONES static void adam_chunk(const Rates *r, float *m, float *v, float *p, const float *grad, size_t b,
                                   size_t e) {
    const float b1 = r->b1, b2 = r->b2, wd = r->wd, step_size = r->step_size, bc2_sqrt = r->bc2_sqrt, eps = r->eps;
    for (size_t i = b; i < e; i++) {
        float g = grad[i] + wd * p[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        p[i] -= step_size * m[i] / denom;
    }
}

NASH_CLONES static void rmsprop_chunk(const Rates *r, float *buf, float *v, float *p, const float *grad, size_t b,
                                      size_t e) {
    const float lr = r->lr, a = r->alpha, wd = r->wd, mu = r->mu, eps = r->eps;
    for (size_t i = b; i < e; i++) {
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

/* A chunk's gradient squares, added into 16 double lanes (lane l takes the chunk's elements
 * l, l + 16, ...; the lanes are added at the end of the update). GCC's and clang's vector types,
 * as in batch norm's row sums: ISO C does not let the compiler reassociate one double sum into
 * lanes, so the plain loop would stay a chain of dependent adds. */
enum { LANES = 8 };
#if defined(__GNUC__)
typedef float Floats __attribute__((vector_size(LANES * sizeof(float))));
typedef double Doubles __attribute__((vector_size(LANES * sizeof(double))));
#endif

NASH_CLONES static void square_sums(const float *grad, size_t b, size_t e, double sq[2 * LANES]) {
    size_t i = b;
#if defined(__GNUC__)
    Doubles s0, s1;
    Floats g0, g1;
    memcpy(&s0, sq, sizeof s0);
    memcpy(&s1, sq + LANES, sizeof s1);
    for (; i + 2 * LANES <= e; i += 2 * LANES) {
        memcpy(&g0, grad + i, sizeof g0);
        memcpy(&g1, grad + i + LANES, sizeof g1);
        Doubles d0 = __builtin_convertvector(g0, Doubles), d1 = __builtin_convertvector(g1, Doubles);
        s0 += d0 * d0;
        s1 += d1 * d1;
    }
    memcpy(sq, &s0, sizeof s0);
    memcpy(sq + LANES, &s1, sizeof s1);
#endif
    for (; i < e; i++) sq[(i - b) % (2 * LANES)] += (double)grad[i] * grad[i];
}

void optim_step(Optimizer *opt, float *params, const float *grads) {
    const double lr = optim_lr(opt); /* from the steps taken before this one */
    opt->t++;
    Rates r = {.lr = (float)lr,
               .wd = (float)opt->weight_decay,
               .mu = (float)opt->momentum,
               .b1 = (float)opt->beta1,
               .b2 = (float)opt->beta2,
               .eps = (float)opt->eps,
               .alpha = (float)opt->alpha,
               .first = opt->t == 1};
    if (opt->kind == OPTIM_ADAM) {
        const double bc1 = 1.0 - pow(opt->beta1, (double)opt->t), bc2 = 1.0 - pow(opt->beta2, (double)opt->t);
        r.step_size = (float)(lr / bc1);
        r.bc2_sqrt = (float)sqrt(bc2);
    }
    const float *const seen[4] = {grads, params, opt->m, opt->v};
    double sq[2 * LANES] = {0};
    bool finite = true;
    for (size_t b = 0; b < opt->n; b += CHUNK) {
        size_t e = opt->n - b < CHUNK ? opt->n : b + CHUNK;
        switch (opt->kind) {
        case OPTIM_SGD: sgd_chunk(&r, opt->m, params, grads, b, e); break;
        case OPTIM_ADAM: adam_chunk(&r, opt->m, opt->v, params, grads, b, e); break;
        case OPTIM_RMSPROP: rmsprop_chunk(&r, opt->m, opt->v, params, grads, b, e); break;
        }
        square_sums(grads, b, e, sq);
        for (int a = 0; a < 4; a++) finite = finite && (!seen[a] || finite_all(seen[a] + b, e - b));
    }
    double total = 0.0;
    for (int l = 0; l < 2 * LANES; l++) total += sq[l];
    opt->grad_sq = total;
    if (!finite) opt->nonfinite = true;
}
