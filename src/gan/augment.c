/* augment.c — DiffAugment's operations and their transposes (augment.h). Plain loops: a few
 * passes over the batch, small beside D's convolutions. */
#include "gan/augment.h"

#include <string.h>

#include "core/rng.h"

bool augment_init(Augment *a, const Config *cfg, int c, int h, int w) {
    memset(a, 0, sizeof *a);
    char why[160];
    if (!config_augment_ops(cfg->augment.policy, a->ops, &a->n_ops, why, sizeof why) || a->n_ops == 0) return false;
    a->c = c, a->h = h, a->w = w;
    a->shift_h = (int)(h * cfg->augment.translation + 0.5);
    a->shift_w = (int)(w * cfg->augment.translation + 0.5);
    a->cut_h = (int)(h * cfg->augment.cutout + 0.5);
    a->cut_w = (int)(w * cfg->augment.cutout + 0.5);
    return true;
}

/* floor(u * count), inside [0, count) for u in [0, 1) */
static int below(float u, int count) {
    int k = (int)(u * (float)count);
    return k < count ? k : count - 1;
}

void augment_draw(const Augment *a, uint64_t seed, uint64_t stream, int64_t first, int n, AugmentDraw *d) {
    for (int i = 0; i < n; i++) {
        float u[AUGMENT_DRAWS];
        rng_uniform_at(seed, stream, (uint64_t)(first + i) * AUGMENT_DRAWS, u, AUGMENT_DRAWS);
        d[i] = (AugmentDraw){.brightness = u[0] - 0.5f,
                             .saturation = u[1] * 2.0f,
                             .contrast = u[2] + 0.5f,
                             .ty = below(u[3], 2 * a->shift_h + 1) - a->shift_h,
                             .tx = below(u[4], 2 * a->shift_w + 1) - a->shift_w,
                             .oy = below(u[5], a->h + 1 - a->cut_h % 2),
                             .ox = below(u[6], a->w + 1 - a->cut_w % 2)};
    }
}

/* x = s x + (1 - s) m, m the mean over the channels of each pixel (transpose: the same map,
 * the mean spread back, which is what the mean's transpose does) */
static void saturation(const Augment *a, float s, float *x) {
    const size_t plane = (size_t)a->h * a->w;
    for (size_t p = 0; p < plane; p++) {
        float m = 0.0f;
        for (int c = 0; c < a->c; c++) m += x[c * plane + p];
        m /= (float)a->c;
        for (int c = 0; c < a->c; c++) x[c * plane + p] = s * x[c * plane + p] + (1.0f - s) * m;
    }
}

/* x = s x + (1 - s) m, m the mean of the image (self-transpose, as above) */
static void contrast(const Augment *a, float s, float *x) {
    const size_t count = (size_t)a->c * a->h * a->w;
    double sum = 0.0;
    for (size_t k = 0; k < count; k++) sum += x[k];
    const float m = (float)(sum / (double)count);
    for (size_t k = 0; k < count; k++) x[k] = s * x[k] + (1.0f - s) * m;
}

/* y[c, i, j] = x[c, i + ty, j + tx], 0 outside (transpose: the shift (-ty, -tx)) */
static void translate(const Augment *a, int ty, int tx, const float *x, float *y) {
    for (int c = 0; c < a->c; c++)
        for (int i = 0; i < a->h; i++) {
            float *row = y + ((size_t)c * a->h + i) * a->w;
            int si = i + ty;
            if (si < 0 || si >= a->h) {
                memset(row, 0, (size_t)a->w * sizeof *row);
                continue;
            }
            const float *src = x + ((size_t)c * a->h + si) * a->w;
            for (int j = 0; j < a->w; j++) {
                int sj = j + tx;
                row[j] = sj >= 0 && sj < a->w ? src[sj] : 0.0f;
            }
        }
}

/* zero rows [oy - cut_h/2, oy - cut_h/2 + cut_h) x columns likewise, clipped (self-transpose) */
static void cutout(const Augment *a, int oy, int ox, float *x) {
    int r0 = oy - a->cut_h / 2, c0 = ox - a->cut_w / 2;
    int r1 = r0 + a->cut_h, c1 = c0 + a->cut_w;
    if (r0 < 0) r0 = 0;
    if (c0 < 0) c0 = 0;
    if (r1 > a->h) r1 = a->h;
    if (c1 > a->w) c1 = a->w;
    for (int c = 0; c < a->c; c++)
        for (int i = r0; i < r1; i++)
            for (int j = c0; j < c1; j++) x[((size_t)c * a->h + i) * a->w + j] = 0.0f;
}

/* One operation on sample image x in place; transpose: its backward. */
static void apply(const Augment *a, AugmentOp op, const AugmentDraw *d, bool transpose, float *x, float *work) {
    const size_t count = (size_t)a->c * a->h * a->w;
    switch (op) {
    case AUGMENT_COLOR:
        if (transpose) { /* the reverse order; brightness's linear part is the identity */
            contrast(a, d->contrast, x);
            saturation(a, d->saturation, x);
        } else {
            for (size_t k = 0; k < count; k++) x[k] += d->brightness;
            saturation(a, d->saturation, x);
            contrast(a, d->contrast, x);
        }
        break;
    case AUGMENT_TRANSLATION:
        memcpy(work, x, count * sizeof *x);
        translate(a, transpose ? -d->ty : d->ty, transpose ? -d->tx : d->tx, work, x);
        break;
    case AUGMENT_CUTOUT: cutout(a, d->oy, d->ox, x); break;
    }
}

void augment_forward(const Augment *a, const AugmentDraw *d, const float *x, float *y, float *work, int n) {
    const size_t count = (size_t)a->c * a->h * a->w;
    memcpy(y, x, (size_t)n * count * sizeof *y);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < a->n_ops; k++) apply(a, a->ops[k], &d[i], false, y + i * count, work);
}

void augment_backward(const Augment *a, const AugmentDraw *d, const float *dy, float *dx, float *work, int n) {
    const size_t count = (size_t)a->c * a->h * a->w;
    memcpy(dx, dy, (size_t)n * count * sizeof *dx);
    for (int i = 0; i < n; i++)
        for (int k = a->n_ops - 1; k >= 0; k--) apply(a, a->ops[k], &d[i], true, dx + i * count, work);
}
