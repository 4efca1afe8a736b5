/* kde.c — 1-D Gaussian kernel density estimate and JS against a mixture (see kde.h). */
#include "eval/kde.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "eval/quad1d.h"

static const double LOG_SQRT_2PI = 0.91893853320467274178;
static const double LOG2 = 0.69314718055994530942;
static const double PI = 3.14159265358979323846;

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted values, linearly interpolated between order statistics (numpy's
 * default, Hyndman & Fan type 7). */
static double quantile(const double *sorted, int64_t n, double q) {
    double pos = q * (double)(n - 1);
    int64_t lo = (int64_t)floor(pos);
    if (lo >= n - 1) return sorted[n - 1];
    double frac = pos - (double)lo;
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/* min(s, IQR / divisor), s the sample standard deviation (n - 1); s alone when IQR is 0. */
static double robust_spread(const double *sorted, int64_t n, double divisor) {
    double mean = 0.0, m2 = 0.0;
    for (int64_t i = 0; i < n; i++) { /* Welford */
        double d = sorted[i] - mean;
        mean += d / (double)(i + 1);
        m2 += d * (sorted[i] - mean);
    }
    double s = sqrt(m2 / (double)(n - 1));
    double iqr = quantile(sorted, n, 0.75) - quantile(sorted, n, 0.25);
    return iqr > 0 ? fmin(s, iqr / divisor) : s;
}

double kde1d_bandwidth_silverman(const double *sorted, int64_t n) {
    if (n < 2) return 0.0;
    return 0.9 * robust_spread(sorted, n, 1.34) * pow((double)n, -0.2);
}

/* ---- Sheather–Jones -------------------------------------------------------------------------- */

#define SJ_BINS 1000

/* Pair counts by binned distance: pairs[m] = pairs (i < j) whose samples lie m bins apart, bins
 * of width *bin over the range (times 1.01, as R's bw.SJ). From the per-bin counts, O(bins^2). */
static double *sj_pair_counts(const double *sorted, int64_t n, double *bin) {
    double *count = calloc(2 * SJ_BINS, sizeof *count);
    if (!count) return NULL;
    double *pairs = count + SJ_BINS, lo = sorted[0];
    *bin = (sorted[n - 1] - lo) * 1.01 / SJ_BINS;
    for (int64_t i = 0; i < n; i++) {
        int b = (int)floor((sorted[i] - lo) / *bin);
        count[b < SJ_BINS ? b : SJ_BINS - 1] += 1.0;
    }
    for (int k = 0; k < SJ_BINS; k++) {
        pairs[0] += 0.5 * count[k] * (count[k] - 1.0);
        for (int m = 1; k + m < SJ_BINS; m++) pairs[m] += count[k] * count[k + m];
    }
    memmove(count, pairs, SJ_BINS * sizeof *count);
    return count;
}

/* psi_r(g) = 1/(n (n-1)) sum_{i,j} phi_g^(r)(x_i - x_j) for r = 4 or 6 from the binned pairs,
 * the diagonal i = j included (phi^(4)(0) = 3 phi(0), phi^(6)(0) = -15 phi(0)). */
static double sj_psi(const double *pairs, int64_t n, double bin, double g, int r) {
    double sum = 0.0;
    for (int m = 0; m < SJ_BINS; m++) {
        double u = (double)m * bin / g, u2 = u * u;
        if (u2 >= 1000.0) break;
        double poly = r == 4 ? u2 * u2 - 6.0 * u2 + 3.0 : u2 * u2 * u2 - 15.0 * u2 * u2 + 45.0 * u2 - 15.0;
        sum += exp(-0.5 * u2) * poly * pairs[m];
    }
    sum = 2.0 * sum + (r == 4 ? 3.0 : -15.0) * (double)n;
    return sum / ((double)n * (double)(n - 1) * pow(g, r + 1) * exp(LOG_SQRT_2PI));
}

typedef struct {
    const double *pairs;
    int64_t n;
    double bin, alpha2, c1;
} SjEquation;

/* The Sheather–Jones equation as f(h) = 0: (R(K) / (n psi4(alpha2 h^(5/7))))^(1/5) - h, with
 * R(K) = 1 / (2 sqrt(pi)) for the Gaussian kernel. */
static double sj_equation(const SjEquation *e, double h) {
    return pow(e->c1 / sj_psi(e->pairs, e->n, e->bin, e->alpha2 * pow(h, 5.0 / 7.0), 4), 0.2) - h;
}

double kde1d_bandwidth_sj(const double *sorted, int64_t n) {
    if (n < 2) return 0.0;
    double scale = robust_spread(sorted, n, 1.349), bin;
    if (!(scale > 0)) return 0.0;
    double *pairs = sj_pair_counts(sorted, n, &bin);
    if (!pairs) return 0.0;
    double a = 1.24 * scale * pow((double)n, -1.0 / 7.0), b = 1.23 * scale * pow((double)n, -1.0 / 9.0);
    double td = -sj_psi(pairs, n, bin, b, 6), sd = sj_psi(pairs, n, bin, a, 4), h = 0.0;
    if (td > 0 && sd > 0) {
        SjEquation e = {pairs, n, bin, 1.357 * pow(sd / td, 1.0 / 7.0), 1.0 / (2.0 * sqrt(PI) * (double)n)};
        double hmax = 1.144 * scale * pow((double)n, -0.2), lo = 0.1 * hmax, hi = hmax;
        for (int widen = 0; widen < 100 && sj_equation(&e, lo) * sj_equation(&e, hi) > 0; widen++) {
            if (widen % 2)
                lo /= 1.2;
            else
                hi *= 1.2;
        }
        if (sj_equation(&e, lo) * sj_equation(&e, hi) <= 0) {
            for (int iter = 0; iter < 200 && hi - lo > 1e-9 * hi; iter++) { /* bisection */
                double mid = 0.5 * (lo + hi);
                if (sj_equation(&e, lo) * sj_equation(&e, mid) <= 0)
                    hi = mid;
                else
                    lo = mid;
            }
            h = 0.5 * (lo + hi);
        }
    }
    free(pairs);
    return isfinite(h) ? h : 0.0;
}

NashStatus kde1d_init(Kde1d *kde, const float *x, int64_t n, double h, NashError *err) {
    memset(kde, 0, sizeof *kde);
    if (n < 2)
        return nash_fail(err, NASH_ERR_INVALID, "density estimate: %lld samples, at least 2 needed", (long long)n);
    if (!(h >= 0) || !isfinite(h))
        return nash_fail(err, NASH_ERR_INVALID, "density estimate: bandwidth %g; give h > 0, or 0 for Silverman's rule",
                         h);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return nash_fail(err, NASH_ERR_INVALID, "density estimate: sample %lld is %g; samples must be finite",
                             (long long)i, (double)x[i]);
    kde->x = malloc((size_t)n * sizeof *kde->x);
    if (!kde->x) return nash_fail(err, NASH_ERR_NOMEM, "density estimate: cannot allocate %lld samples", (long long)n);
    for (int64_t i = 0; i < n; i++) kde->x[i] = x[i];
    qsort(kde->x, (size_t)n, sizeof *kde->x, compare_doubles);
    kde->n = n;
    kde->h = h > 0 ? h : kde1d_bandwidth_sj(kde->x, n);
    if (!(kde->h > 0)) {
        double value = kde->x[0];
        kde1d_free(kde);
        return nash_fail(
            err, NASH_ERR_INVALID,
            "density estimate: the Sheather-Jones bandwidth of %lld samples (from %g) is undefined: they have too "
            "little spread",
            (long long)n, value);
    }
    return NASH_OK;
}

void kde1d_free(Kde1d *kde) {
    free(kde->x);
    kde->x = NULL;
    kde->n = 0;
}

/* The first index i with sorted[i] >= v (n when none). */
static int64_t lower_bound(const double *sorted, int64_t n, double v) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

double kde1d_log_density(const Kde1d *kde, double x) {
    const double *s = kde->x;
    int64_t n = kde->n, at = lower_bound(s, n, x);
    double d0 = INFINITY;
    if (at < n) d0 = s[at] - x;
    if (at > 0 && x - s[at - 1] < d0) d0 = x - s[at - 1];
    double h = kde->h, radius = sqrt(d0 * d0 + 80.0 * h * h);
    int64_t first = lower_bound(s, n, x - radius), last = lower_bound(s, n, x + radius);
    if (last < n && s[last] <= x + radius) last++;
    double top = -0.5 * (d0 / h) * (d0 / h), sum = 0.0;
    for (int64_t i = first; i < last; i++) {
        double t = (x - s[i]) / h;
        sum += exp(-0.5 * t * t - top);
    }
    if (!(sum >= 1.0)) sum = 1.0; /* the window lost the nearest sample to rounding (x very far): it alone */
    return top + log(sum) - log((double)n * h) - LOG_SQRT_2PI;
}

/* ---- JS by integration over the pieces where either density lives ---------------------------- */

typedef struct {
    double lo, hi, width; /* an interval and the panel width it needs */
} Piece;

typedef struct {
    const ToyMixture *p;
    const Kde1d *q;
} JsKde;

static double js_integrand(double x, void *ctx) {
    const JsKde *c = ctx;
    double lp = mixture1d_log_density(c->p, x), lq = kde1d_log_density(c->q, x);
    double top = fmax(lp, lq);
    if (top == -INFINITY) return 0.0;
    double lm = top + log(exp(lp - top) + exp(lq - top)) - LOG2, sum = 0.0;
    if (lp > -INFINITY) sum += 0.5 * exp(lp) * (lp - lm);
    if (lq > -INFINITY) sum += 0.5 * exp(lq) * (lq - lm);
    return sum;
}

/* p's components (+-10 std, width std/2) into pieces[0, *n_comp) and the sample clusters (+-10 h,
 * width h/2; sorted and disjoint) after them; returns the total (at most TOY_MAX_COMPONENTS + n). */
static int64_t collect_pieces(const ToyMixture *p, const Kde1d *q, Piece *pieces, int *n_comp) {
    int count = 0;
    for (int c = 0; c < p->k; c++)
        if (p->weights[c] > 0)
            pieces[count++] =
                (Piece){p->means[c][0] - 10.0 * p->stds[c], p->means[c][0] + 10.0 * p->stds[c], 0.5 * p->stds[c]};
    *n_comp = count;
    int64_t total = count;
    double h = q->h;
    for (int64_t i = 0; i < q->n;) {
        int64_t j = i;
        while (j + 1 < q->n && q->x[j + 1] - q->x[j] < 20.0 * h) j++;
        pieces[total++] = (Piece){q->x[i] - 10.0 * h, q->x[j] + 10.0 * h, 0.5 * h};
        i = j + 1;
    }
    return total;
}

/* The finest panel width among the pieces covering x (INFINITY: none does). */
static double width_at(const Piece *pieces, int n_comp, int64_t n_pieces, double x) {
    double width = INFINITY;
    for (int k = 0; k < n_comp; k++)
        if (pieces[k].lo <= x && x <= pieces[k].hi && pieces[k].width < width) width = pieces[k].width;
    const Piece *clusters = pieces + n_comp;
    int64_t lo = 0, hi = n_pieces - n_comp; /* the last cluster starting at or before x */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (clusters[mid].lo <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && x <= clusters[lo - 1].hi && clusters[lo - 1].width < width) width = clusters[lo - 1].width;
    return width;
}

NashStatus js_mixture1d_kde(const ToyMixture *p, const Kde1d *q, double *out, NashError *err) {
    NashStatus st = mixture1d_check(p, "JS against a density estimate: p", err);
    if (st) return st;
    if (!q || !q->x || q->n < 2 || !(q->h > 0))
        return nash_fail(err, NASH_ERR_INVALID, "JS against a density estimate: the estimate is not initialised");
    Piece *pieces = malloc((size_t)(TOY_MAX_COMPONENTS + q->n) * sizeof *pieces);
    double *cuts = malloc((size_t)(TOY_MAX_COMPONENTS + q->n) * 2 * sizeof *cuts);
    if (!pieces || !cuts) {
        free(pieces);
        free(cuts);
        return nash_fail(err, NASH_ERR_NOMEM, "JS against a density estimate: cannot allocate the integration pieces");
    }
    int n_comp;
    int64_t n_pieces = collect_pieces(p, q, pieces, &n_comp), n_cuts = 0;
    for (int64_t i = 0; i < n_pieces; i++) {
        cuts[n_cuts++] = pieces[i].lo;
        cuts[n_cuts++] = pieces[i].hi;
    }
    qsort(cuts, (size_t)n_cuts, sizeof *cuts, compare_doubles);
    /* each stretch between consecutive cuts takes the finest width of the pieces covering it */
    double total_panels = 0.0, js = 0.0;
    JsKde ctx = {p, q};
    for (int pass = 0; pass < 2 && !st; pass++) {
        for (int64_t i = 0; i + 1 < n_cuts; i++) {
            double a = cuts[i], b = cuts[i + 1];
            if (!(b > a)) continue;
            double width = width_at(pieces, n_comp, n_pieces, 0.5 * (a + b));
            if (width == INFINITY) continue;
            double panels = ceil((b - a) / width);
            if (pass == 0)
                total_panels += panels;
            else
                js += quad_gauss_legendre(js_integrand, &ctx, a, b, (int)panels);
        }
        if (pass == 0 && !(total_panels <= QUAD_MAX_PANELS))
            st = nash_fail(err, NASH_ERR_INVALID,
                           "JS against a density estimate: the samples spread over [%g, %g] with bandwidth %g: more "
                           "than %d integration panels",
                           q->x[0], q->x[q->n - 1], q->h, QUAD_MAX_PANELS);
    }
    free(pieces);
    free(cuts);
    if (!st) *out = js < 0 ? 0.0 : js;
    return st;
}
