/* toy_shapes.h — a labelled RGB images toy with known modes: coloured shapes on textured
 * backgrounds, for tests, demos and mode coverage (`nash data toy shapes`, docs/data.md).
 *
 * 16 classes = 4 shapes x 4 colours; class c is shape c / 4 (circle, square, triangle, cross) in
 * colour c % 4 (red, green, blue, yellow), named "red circle", "green circle", ... "yellow cross".
 * Sample i has class i mod 16: the classes are balanced exactly (any 16 consecutive samples hold
 * each class once), so the first and last n samples (the two real sets of nash eval) are too.
 *
 * Sample i of side S (32 or 64) is drawn from Philox keyed by (seed, i) (core/rng.h), so any range
 * of samples is generated on its own and equals the same slice of a bigger draw:
 *   parameters  u_0 .. u_16 = rng_uniform_at(seed, stream 3, values 17i .. 17i+16)
 *   pixel noise n_p = rng_uniform_at(seed, stream 4, value i*S*S + p), p = y*S + x
 * Shape (pixel units, y down; pixel (x, y) covers [x, x+1) x [y, y+1)):
 *   radius r = S (0.30 + 0.12 u_0): the shape lies in the disc of radius r around its centre;
 *   centre (cx, cy) = m + r + (S - 2m - 2r) (u_1, u_2), margin m = 0.04 S, so the disc stays at
 *   least m pixels inside every edge;
 *   rotation theta = (2 u_3 - 1) 10 degrees; in the rotated frame q = R(-theta)(p - c):
 *     circle    |q| <= 0.8 r                                             area 0.64 pi r^2 = 2.011 r^2
 *     square    |q_x|, |q_y| <= 0.7 r                                    area 1.96 r^2
 *     triangle  equilateral, vertex up, circumradius r (inradius r/2)    area 3 sqrt(3)/4 r^2 = 1.299 r^2
 *     cross     |q_x| <= 0.3 r and |q_y| <= 0.9 r, or swapped            area 1.8 r^2
 *   fill HSV (hue_c + 8 degrees (2 u_4 - 1), 0.75 + 0.25 u_5, 0.75 + 0.25 u_6), hue_c = 0, 120,
 *   240, 60 degrees for red, green, blue, yellow, shaded by the factor 1 + 0.15 (p - c).d / r along
 *   the direction d at angle 2 pi u_7.
 * Background, at the pixel's centre in normalised coordinates X = (x + 1/2)/S - 1/2, Y likewise
 * (the same on the three channels): a muted colour HSV (u_8, 0.05 + 0.2 u_9, 0.3 + 0.25 u_10),
 * plus a gradient 2 (0.08 u_12) (X cos g + Y sin g), g = 2 pi u_11, plus stripes
 * (0.015 + 0.035 u_16) sin(2 pi f (X cos a + Y sin a) + 2 pi u_15), a = pi u_13, f = 3 + 5 u_14
 * cycles per image.
 * Pixel: its coverage k (the fraction of a 4x4 grid of points in the pixel inside the shape:
 * anti-aliasing by supersampling) mixes shape and background, k shape + (1 - k) background, at
 * the pixel's centre; luminance noise 0.025 (2 n_p - 1) is added to the three channels; clamped to
 * [0, 1], times 255, rounded.
 */
#ifndef NASH_DATA_TOY_SHAPES_H
#define NASH_DATA_TOY_SHAPES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

#define TOY_SHAPES_KINDS 4
#define TOY_SHAPES_COLOURS 4
#define TOY_SHAPES_CLASSES (TOY_SHAPES_KINDS * TOY_SHAPES_COLOURS)
#define TOY_SHAPES_MAX_SAMPLES 1000000 /* held in memory: N x 3 x S x S bytes */
#define TOY_SHAPES_RADIUS_MIN 0.30     /* of the side */
#define TOY_SHAPES_RADIUS_MAX 0.42
#define TOY_SHAPES_MARGIN 0.04 /* of the side: the disc of radius r stays this far inside */

typedef enum { TOY_SHAPE_CIRCLE, TOY_SHAPE_SQUARE, TOY_SHAPE_TRIANGLE, TOY_SHAPE_CROSS } ToyShapeKind;

/* "red circle", "green circle", "blue circle", "yellow circle", "red square", ...: class c is
 * shape c / 4 in colour c % 4. */
extern const char *const toy_shapes_class_names[TOY_SHAPES_CLASSES];

/* Everything sample i is drawn from (pixel units, y down; colours RGB in [0, 1]). */
typedef struct {
    int label; /* i mod 16 */
    ToyShapeKind kind;
    int colour;                /* 0 red, 1 green, 2 blue, 3 yellow */
    double cx, cy, radius;     /* the disc holding the shape */
    double angle;              /* rotation, radians */
    double fill[3];            /* the shape's colour before shading */
    double shade_x, shade_y;   /* shading direction (unit) */
    double back[3];            /* the background's colour */
    double grad_x, grad_y;     /* gradient: amplitude times direction */
    double stripe_x, stripe_y; /* stripes: cycles per image along x and y */
    double stripe_phase;       /* radians */
    double stripe_amp;
} ToyShape;

/* The sides toy_shapes_write accepts: 32 and 64. */
bool toy_shapes_size_ok(int size);
/* The parameters of sample `index` for side `size`. */
void toy_shapes_params(uint64_t seed, int64_t index, int size, ToyShape *out);
/* The fraction of pixel (x, y) inside the shape (4x4 supersampling), in [0, 1]. */
double toy_shapes_coverage(const ToyShape *s, int x, int y);
/* The exact area of the shape, in pixels. */
double toy_shapes_area(const ToyShape *s);
/* images (n, 3, size, size) uint8 and, unless NULL, labels (n): samples [first, first+n). */
void toy_shapes_sample(uint64_t seed, int64_t first, int64_t n, int size, uint8_t *images, uint8_t *labels);
/* Write n samples (1 to TOY_SHAPES_MAX_SAMPLES) of side 32 or 64 as an images file with labels and
 * class_names (dataset_write_images). */
NashStatus toy_shapes_write(const char *path, int64_t n, int size, uint64_t seed, NashError *err);

#endif
