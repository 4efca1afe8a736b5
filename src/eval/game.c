/* game.c — the GAN game value V(D, G) on 1-D mixtures by integration (see game.h). */
#include "eval/game.h"

#include <math.h>
#include <stdbool.h>

#include "eval/divergence.h"
#include "eval/quad1d.h"

static const double LOG4 = 1.38629436111989061883;

NashStatus gan_value_optimal_d(const ToyMixture *p_data, const ToyMixture *p_g, double *out, NashError *err) {
    double js;
    NashStatus st = js_mixture1d(p_data, p_g, &js, err);
    if (!st) *out = 2.0 * js - LOG4;
    return st;
}

double gan_optimal_d(const ToyMixture *p_data, const ToyMixture *p_g, double x) {
    double lp = mixture1d_log_density(p_data, x), lq = mixture1d_log_density(p_g, x);
    if (lp == -INFINITY && lq == -INFINITY) return 0.5;
    return 1.0 / (1.0 + exp(lq - lp));
}

typedef struct {
    const ToyMixture *p, *q;
    GameFunction f;
    void *ctx;
    bool logit;
    bool bad;     /* the function gave a value that cannot be used */
    double bad_x; /* where */
    double bad_value;
} GameIntegrand;

/* log(1 + exp(t)) without overflow. */
static double softplus(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }

/* p log D + q log(1 - D), where a density that is 0 (or underflows) times an infinite log counts as 0. */
static double game_integrand(double x, void *ctx) {
    GameIntegrand *g = ctx;
    double v = g->f(x, g->ctx), log_d, log_1md;
    if (g->logit ? isnan(v) : !(v >= 0.0 && v <= 1.0)) {
        if (!g->bad) {
            g->bad = true;
            g->bad_x = x;
            g->bad_value = v;
        }
        return 0.0;
    }
    if (g->logit) {
        log_d = -softplus(-v);
        log_1md = -softplus(v);
    } else {
        log_d = log(v);
        log_1md = log1p(-v);
    }
    double p = exp(mixture1d_log_density(g->p, x)), q = exp(mixture1d_log_density(g->q, x)), sum = 0.0;
    if (p > 0) sum += p * log_d;
    if (q > 0) sum += q * log_1md;
    return sum;
}

static NashStatus game_value(const ToyMixture *p_data, const ToyMixture *p_g, GameFunction f, void *ctx, bool logit,
                             double *out, NashError *err) {
    if (!f) return nash_fail(err, NASH_ERR_INVALID, "game value: no discriminator function given");
    NashStatus st = mixture1d_check(p_data, "game value: p_data", err);
    if (!st) st = mixture1d_check(p_g, "game value: p_g", err);
    double a, b;
    int panels;
    if (!st) st = mixture1d_range(p_data, p_g, &a, &b, &panels, err);
    if (st) return st;
    GameIntegrand g = {p_data, p_g, f, ctx, logit, false, 0.0, 0.0};
    double v = quad_gauss_legendre(game_integrand, &g, a, b, 4 * panels);
    if (g.bad)
        return nash_fail(err, NASH_ERR_INVALID, "game value: the discriminator gave %s %g at x = %g; %s",
                         logit ? "the logit" : "D =", g.bad_value, g.bad_x,
                         logit ? "logits must be numbers" : "D must lie in [0, 1]");
    *out = v;
    return NASH_OK;
}

NashStatus gan_value_with_d(const ToyMixture *p_data, const ToyMixture *p_g, GameFunction d, void *ctx, double *out,
                            NashError *err) {
    return game_value(p_data, p_g, d, ctx, false, out, err);
}

NashStatus gan_value_with_logit(const ToyMixture *p_data, const ToyMixture *p_g, GameFunction logit, void *ctx,
                                double *out, NashError *err) {
    return game_value(p_data, p_g, logit, ctx, true, out, err);
}
