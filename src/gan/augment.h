/* augment.h — differentiable augmentation of D's inputs (Zhao et al. 2020, "Differentiable
 * Augmentation for Data-Efficient GAN Training"): every image D sees, real or fake, in D's steps
 * and in G's, is transformed by random operations through which G's gradient flows back. With
 * few training images D otherwise memorises them; augmenting both sides keeps D from telling
 * them apart by their exact pixels, without G learning to produce augmented images.
 *
 * The operations, as DiffAugment_pytorch.py defines them, on images in [-1, 1] (C, H, W), with
 * u ~ U[0, 1) per sample:
 *   color        brightness x + (u - 1/2); saturation (x - m) * 2u + m with m the mean over the
 *                channels of each pixel (nothing on one channel); contrast (x - m) * (u + 1/2) + m
 *                with m the mean of the whole image; in that order
 *   translation  shift by (tx, ty) whole pixels, each uniform in [-s, s], s = int(side * t + 0.5),
 *                t = [augment] translation; zeros shifted in
 *   cutout       zero a square of side c = int(side * r + 0.5), r = [augment] cutout, centred at
 *                a uniform (oy, ox) in [0, side + 1 - c % 2) (clipped at the edges)
 * Each is linear in x for fixed draws (brightness adds a constant), so its backward is its
 * transpose: saturation and contrast spread (1 - s) of the gradient's mean back, translation
 * shifts back by (-tx, -ty), cutout zeroes the same square.
 *
 * The draws of global sample i are values 8i .. 8i+6 of Philox stream (train.seed, base + the
 * noise stream of the step and phase), base AUGMENT_REAL_STREAM for real images and
 * AUGMENT_FAKE_STREAM for fakes (docs/rng.md): the same in every layout.
 */
#ifndef NASH_GAN_AUGMENT_H
#define NASH_GAN_AUGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h" /* AugmentOp */

#define AUGMENT_REAL_STREAM 0xa500000000000000ull
#define AUGMENT_FAKE_STREAM 0xa600000000000000ull
#define AUGMENT_DRAWS 8 /* values of the stream per sample (7 used) */

typedef struct {
    AugmentOp ops[AUGMENT_OP_COUNT];
    int n_ops;
    int c, h, w;
    int shift_h, shift_w; /* translation: the largest shift */
    int cut_h, cut_w;     /* cutout: the square's sides */
} Augment;

/* One sample's draws. */
typedef struct {
    float brightness, saturation, contrast; /* added; the two factors */
    int ty, tx;                             /* translation, rows and columns */
    int oy, ox;                             /* cutout centre */
} AugmentDraw;

/* From the config's [augment] (already checked) for images (c, h, w); false when the policy is empty. */
bool augment_init(Augment *a, const Config *cfg, int c, int h, int w);

/* The draws of samples [first, first+n) of Philox stream (seed, stream). */
void augment_draw(const Augment *a, uint64_t seed, uint64_t stream, int64_t first, int n, AugmentDraw *d);
/* y (n, c, h, w) = the augmented x; work: c*h*w floats of scratch. x and y may not alias. */
void augment_forward(const Augment *a, const AugmentDraw *d, const float *x, float *y, float *work, int n);
/* dx (n, c, h, w) = the transpose of the augmentation applied to dy; work as above. */
void augment_backward(const Augment *a, const AugmentDraw *d, const float *dy, float *dx, float *work, int n);

#endif
