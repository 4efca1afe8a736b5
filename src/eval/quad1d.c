/* quad1d.c — composite Gauss–Legendre quadrature and 1-D mixture log densities (see quad1d.h). */
#include "eval/quad1d.h"

#include <math.h>

#define GL_NODES 10

static const double PI = 3.14159265358979323846;

/* Nodes and weights of the n-point Gauss–Legendre rule on [-1, 1]: the roots of P_n by Newton's
 * method from x = cos(pi (i + 3/4) / (n + 1/2)), weights 2 / ((1 - x^2) P_n'(x)^2). */
static void gauss_legendre_rule(double *node, double *weight) {
    const int n = GL_NODES;
    for (int i = 0; i < n; i++) {
        double x = cos(PI * (i + 0.75) / (n + 0.5)), dp = 1.0;
        for (int iter = 0; iter < 100; iter++) {
            double p0 = 1.0, p1 = x;
            for (int k = 2; k <= n; k++) { /* (k) P_k = (2k - 1) x P_{k-1} - (k - 1) P_{k-2} */
                double pk = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = pk;
            }
            dp = n * (x * p1 - p0) / (x * x - 1.0);
            double step = p1 / dp;
            x -= step;
            if (fabs(step) < 1e-16) break;
        }
        node[i] = x;
        weight[i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
}

double quad_gauss_legendre(QuadFunction f, void *ctx, double a, double b, int panels) {
    double node[GL_NODES], weight[GL_NODES];
    gauss_legendre_rule(node, weight);
    if (panels < 1) panels = 1;
    double h = (b - a) / panels, total = 0.0;
    for (int p = 0; p < panels; p++) {
        double mid = a + (p + 0.5) * h, sum = 0.0;
        for (int i = 0; i < GL_NODES; i++) sum += weight[i] * f(mid + 0.5 * h * node[i], ctx);
        total += 0.5 * h * sum;
    }
    return total;
}

NashStatus mixture1d_check(const ToyMixture *m, const char *what, NashError *err) {
    if (!m) return nash_fail(err, NASH_ERR_INVALID, "%s: no mixture given", what);
    if (m->dim != 1)
        return nash_fail(err, NASH_ERR_INVALID, "%s: a 1-D mixture is needed, this one has dim %d", what, m->dim);
    if (m->k < 1 || m->k > TOY_MAX_COMPONENTS)
        return nash_fail(err, NASH_ERR_INVALID, "%s: %d components (1 to %d)", what, m->k, TOY_MAX_COMPONENTS);
    double total = 0.0;
    for (int c = 0; c < m->k; c++) {
        if (!(m->weights[c] >= 0 && isfinite(m->weights[c])) || !(m->stds[c] > 0 && isfinite(m->stds[c])) ||
            !isfinite(m->means[c][0]))
            return nash_fail(err, NASH_ERR_INVALID,
                             "%s: component %d has weight %g, mean %g, std %g; weights must be >= 0 and finite, "
                             "stds > 0, means finite",
                             what, c, m->weights[c], m->means[c][0], m->stds[c]);
        total += m->weights[c];
    }
    if (!(total > 0) || !isfinite(total))
        return nash_fail(err, NASH_ERR_INVALID, "%s: the weights sum to %g; give at least one positive weight", what,
                         total);
    return NASH_OK;
}

double mixture1d_log_density(const ToyMixture *m, double x) {
    const double log_sqrt_2pi = 0.91893853320467274178;
    double total = 0.0, term[TOY_MAX_COMPONENTS], top = -INFINITY;
    for (int c = 0; c < m->k; c++) total += m->weights[c];
    for (int c = 0; c < m->k; c++) {
        double t = (x - m->means[c][0]) / m->stds[c];
        term[c] =
            m->weights[c] > 0 ? log(m->weights[c] / total) - log(m->stds[c]) - log_sqrt_2pi - 0.5 * t * t : -INFINITY;
        if (term[c] > top) top = term[c];
    }
    if (top == -INFINITY) return -INFINITY;
    double sum = 0.0;
    for (int c = 0; c < m->k; c++) sum += exp(term[c] - top);
    return top + log(sum);
}

static void widen(const ToyMixture *m, double *lo, double *hi, double *min_std) {
    for (int c = 0; c < m->k; c++) {
        if (!(m->weights[c] > 0)) continue;
        double a = m->means[c][0] - 10.0 * m->stds[c], b = m->means[c][0] + 10.0 * m->stds[c];
        if (a < *lo) *lo = a;
        if (b > *hi) *hi = b;
        if (m->stds[c] < *min_std) *min_std = m->stds[c];
    }
}

NashStatus mixture1d_range(const ToyMixture *p, const ToyMixture *q, double *a, double *b, int *panels,
                           NashError *err) {
    double lo = INFINITY, hi = -INFINITY, min_std = INFINITY;
    widen(p, &lo, &hi, &min_std);
    widen(q, &lo, &hi, &min_std);
    double count = ceil((hi - lo) / (0.5 * min_std));
    if (!(count <= QUAD_MAX_PANELS))
        return nash_fail(err, NASH_ERR_INVALID,
                         "the mixtures spread over [%g, %g] with a component std of %g: more than %d integration "
                         "panels; rescale the data or use fewer, wider components",
                         lo, hi, min_std, QUAD_MAX_PANELS);
    *a = lo;
    *b = hi;
    *panels = (int)count;
    return NASH_OK;
}
