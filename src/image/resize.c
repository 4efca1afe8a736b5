/* resize.c — antialiased bilinear resampling, the algorithm of Pillow's Resample.c (image.h).
 *
 * For each output coordinate xx the filter is centred on the source coordinate
 * center = (xx + 0.5) * scale, scale = in / out, and widened to support = max(scale, 1) (the
 * triangle's half-width is 1 source pixel when enlarging, `scale` when shrinking: the filter
 * averages every source pixel the output pixel covers, which is what makes it antialiased). The
 * taps are [xmin, xmin + count) with xmin = (int)(center - support + 0.5) and
 * xmax = (int)(center + support + 0.5), clamped to the image; tap x weighs
 * triangle((x - center + 0.5) / max(scale, 1)), the weights normalised to sum 1 and stored as
 * round-half-away(w * 2^22). A pass sums 2^21 + sum(pixel * weight) in 32 bits and keeps bits 22
 * and up, clamped to 0..255. The horizontal pass runs first, on the source rows the vertical pass
 * reads; a pass whose size does not change is skipped (it would be the identity).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

#define RESIZE_PRECISION_BITS (32 - 8 - 2)

typedef struct {
    int ksize;      /* taps per output coordinate, the largest count */
    int *bounds;    /* (out, 2): xmin, count */
    int32_t *coeff; /* (out, ksize) */
} Taps;

static double triangle(double x) {
    if (x < 0.0) x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

static bool taps_make(Taps *t, int in_size, int out_size) {
    double scale = (double)in_size / out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 1.0 * filterscale;
    t->ksize = (int)ceil(support) * 2 + 1;
    t->bounds = malloc((size_t)out_size * 2 * sizeof *t->bounds);
    t->coeff = malloc((size_t)out_size * (size_t)t->ksize * sizeof *t->coeff);
    double *k = malloc((size_t)t->ksize * sizeof *k);
    if (!t->bounds || !t->coeff || !k) {
        free(k);
        return false;
    }
    for (int xx = 0; xx < out_size; xx++) {
        double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
            k[x] = triangle((x + xmin - center + 0.5) * ss);
            ww += k[x];
        }
        int32_t *c = t->coeff + (size_t)xx * (size_t)t->ksize;
        for (int x = 0; x < t->ksize; x++) {
            double w = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
            c[x] = (int32_t)(w < 0 ? -0.5 + w * (1 << RESIZE_PRECISION_BITS) : 0.5 + w * (1 << RESIZE_PRECISION_BITS));
        }
        t->bounds[2 * xx] = xmin;
        t->bounds[2 * xx + 1] = xmax;
    }
    free(k);
    return true;
}

static void taps_free(Taps *t) {
    free(t->bounds);
    free(t->coeff);
}

static uint8_t clip8(int32_t sum) {
    int32_t v = sum >> RESIZE_PRECISION_BITS; /* arithmetic shift, as Pillow's */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* out (rows, out_w, c) from rows [row0, row0 + rows) of src, along x. */
static void pass_horizontal(const Image *src, int row0, int rows, const Taps *t, Image *out) {
    int c = src->channels;
    for (int y = 0; y < rows; y++) {
        const uint8_t *in = src->px + (size_t)(row0 + y) * (size_t)src->w * (size_t)c;
        uint8_t *o = out->px + (size_t)y * (size_t)out->w * (size_t)c;
        for (int xx = 0; xx < out->w; xx++) {
            int xmin = t->bounds[2 * xx], count = t->bounds[2 * xx + 1];
            const int32_t *k = t->coeff + (size_t)xx * (size_t)t->ksize;
            for (int ch = 0; ch < c; ch++) {
                int32_t sum = 1 << (RESIZE_PRECISION_BITS - 1);
                for (int x = 0; x < count; x++) sum += (int32_t)in[(size_t)(x + xmin) * (size_t)c + (size_t)ch] * k[x];
                o[(size_t)xx * (size_t)c + (size_t)ch] = clip8(sum);
            }
        }
    }
}

/* out (out_h, w, c) from src, along y; the taps' rows are counted from src's row row0. */
static void pass_vertical(const Image *src, int row0, const Taps *t, Image *out) {
    size_t stride = (size_t)src->w * (size_t)src->channels;
    for (int yy = 0; yy < out->h; yy++) {
        int ymin = t->bounds[2 * yy] - row0, count = t->bounds[2 * yy + 1];
        const int32_t *k = t->coeff + (size_t)yy * (size_t)t->ksize;
        uint8_t *o = out->px + (size_t)yy * stride;
        for (size_t e = 0; e < stride; e++) {
            int32_t sum = 1 << (RESIZE_PRECISION_BITS - 1);
            for (int y = 0; y < count; y++) sum += (int32_t)src->px[(size_t)(y + ymin) * stride + e] * k[y];
            o[e] = clip8(sum);
        }
    }
}

bool image_resize(const Image *src, int w, int h, Image *out) {
    out->px = NULL;
    if (w < 1 || h < 1) return false;
    if (w == src->w && h == src->h) {
        if (!image_alloc(out, w, h, src->channels)) return false;
        memcpy(out->px, src->px, (size_t)w * (size_t)h * (size_t)src->channels);
        return true;
    }
    Taps tx = {0}, ty = {0};
    bool ok = taps_make(&tx, src->w, w) && taps_make(&ty, src->h, h);
    Image mid = {0};
    if (ok && w != src->w) {
        /* Only the rows the vertical pass reads: from the first tap of the first output row to the
         * last tap of the last. */
        int first = ty.bounds[0], last = ty.bounds[2 * (h - 1)] + ty.bounds[2 * (h - 1) + 1];
        if (h == src->h) first = 0, last = src->h;
        ok = image_alloc(&mid, w, last - first, src->channels);
        if (ok) pass_horizontal(src, first, last - first, &tx, &mid);
        if (ok && h == src->h) {
            *out = mid;
            mid.px = NULL;
        } else if (ok) {
            ok = image_alloc(out, w, h, src->channels);
            if (ok) pass_vertical(&mid, first, &ty, out);
        }
    } else if (ok) {
        ok = image_alloc(out, w, h, src->channels);
        if (ok) pass_vertical(src, 0, &ty, out);
    }
    image_free(&mid);
    taps_free(&tx);
    taps_free(&ty);
    if (!ok) image_free(out);
    return ok;
}
