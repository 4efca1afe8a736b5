/* loss.c — the GAN objectives and their gradients (formulas in loss.h). */
#include "gan/loss.h"

#include <math.h>
#include <string.h>

NashStatus loss_kind_parse(const char *name, LossKind *kind, NashError *err) {
    int index;
    NashStatus st = nash_parse_name(name, config_loss_words, LOSS_KIND_COUNT, "loss", &index, err);
    if (!st) *kind = (LossKind)index;
    return st;
}

const char *loss_kind_name(LossKind kind) {
    return (unsigned)kind < LOSS_KIND_COUNT ? config_loss_words[kind] : "unknown";
}

/* log(1 + e^u) without overflow */
static double softplus(double u) { return fmax(u, 0.0) + log1p(exp(-fabs(u))); }
static double sigmoid(double u) {
    if (u >= 0) return 1.0 / (1.0 + exp(-u));
    double e = exp(u);
    return e / (1.0 + e);
}

/* One per-sample term: value and derivative for the given target side. */
typedef enum { TERM_REAL, TERM_FAKE, TERM_GEN } Term;

static double term(LossKind kind, Term side, double t, double *dt) {
    switch (kind) {
    case LOSS_MINIMAX:
    case LOSS_NONSAT:
        if (side == TERM_REAL) {
            *dt = sigmoid(t) - 1.0;
            return softplus(-t);
        }
        if (side == TERM_FAKE) {
            *dt = sigmoid(t);
            return softplus(t);
        }
        if (kind == LOSS_MINIMAX) {
            *dt = -sigmoid(t);
            return -softplus(t);
        }
        *dt = sigmoid(t) - 1.0;
        return softplus(-t);
    case LOSS_WGAN: *dt = side == TERM_FAKE ? 1.0 : -1.0; return side == TERM_FAKE ? t : -t;
    case LOSS_HINGE:
        if (side == TERM_REAL) {
            *dt = t < 1.0 ? -1.0 : 0.0;
            return fmax(0.0, 1.0 - t);
        }
        if (side == TERM_FAKE) {
            *dt = t > -1.0 ? 1.0 : 0.0;
            return fmax(0.0, 1.0 + t);
        }
        *dt = -1.0;
        return -t;
    case LOSS_LSGAN: {
        double target = side == TERM_FAKE ? 0.0 : 1.0;
        *dt = t - target;
        return 0.5 * (t - target) * (t - target);
    }
    }
    *dt = 0.0;
    return 0.0;
}

static double apply(LossKind kind, Term side, const float *t, int n, double norm, float *dt) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        double d;
        sum += term(kind, side, t[i], &d);
        dt[i] = (float)(norm * d);
    }
    return norm * sum;
}

double loss_d_real(LossKind kind, const float *t, int n, double norm, float *dt) {
    return apply(kind, TERM_REAL, t, n, norm, dt);
}
double loss_d_fake(LossKind kind, const float *t, int n, double norm, float *dt) {
    return apply(kind, TERM_FAKE, t, n, norm, dt);
}
double loss_g(LossKind kind, const float *t, int n, double norm, float *dt) {
    return apply(kind, TERM_GEN, t, n, norm, dt);
}

double loss_mean_sigmoid(const float *t, int n) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) sum += sigmoid(t[i]);
    return n ? sum / n : 0.0;
}
