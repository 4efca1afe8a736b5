/* toy_shapes.c — coloured shapes on textured backgrounds, a labelled RGB toy (see toy_shapes.h for
 * every formula and the Philox values each sample draws).
 *
 * A sample is its parameters (toy_shapes_params, 17 uniforms), a background evaluated at each
 * pixel's centre, and a shape composited over it with the coverage of a 4x4 grid of points in the
 * pixel (supersampling anti-aliasing, computed only in the square around the shape's disc), then
 * per-pixel luminance noise. HSV to RGB is the usual hexcone model (Smith 1978).
 */
#include "data/toy_shapes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/dataset.h"

#define SHAPES_STREAM_PARAMS 3 /* toy.c uses streams 0 to 2 */
#define SHAPES_STREAM_NOISE 4
#define SHAPES_PARAMS 17     /* uniforms per sample */
#define SHAPES_SUPERSAMPLE 4 /* points per pixel side */
#define SHAPES_MAX_SIDE 64
#define SHAPES_MAX_ROTATION 10.0 /* degrees either way */
#define SHAPES_HUE_JITTER 8.0    /* degrees either way */
#define SHAPES_SHADE 0.15
#define SHAPES_NOISE 0.025

static const double pi = 3.14159265358979323846;

const char *const toy_shapes_class_names[TOY_SHAPES_CLASSES] = {
    "red circle",  "green circle",  "blue circle",  "yellow circle",  "red square",    "green square",
    "blue square", "yellow square", "red triangle", "green triangle", "blue triangle", "yellow triangle",
    "red cross",   "green cross",   "blue cross",   "yellow cross",
};

static const double colour_hue[TOY_SHAPES_COLOURS] = {0.0, 120.0, 240.0, 60.0}; /* red, green, blue, yellow */

bool toy_shapes_size_ok(int size) { return size == 32 || size == 64; }

/* h in degrees (any), s and v in [0, 1] -> rgb in [0, 1]. */
static void hsv_to_rgb(double h, double s, double v, double rgb[3]) {
    h = fmod(h, 360.0);
    if (h < 0) h += 360.0;
    double c = v * s, hp = h / 60.0, x = c * (1.0 - fabs(fmod(hp, 2.0) - 1.0)), m = v - c;
    double r = 0, g = 0, b = 0;
    switch ((int)hp) {
    case 0: r = c, g = x; break;
    case 1: r = x, g = c; break;
    case 2: g = c, b = x; break;
    case 3: g = x, b = c; break;
    case 4: r = x, b = c; break;
    default: r = c, b = x; break;
    }
    rgb[0] = r + m, rgb[1] = g + m, rgb[2] = b + m;
}

void toy_shapes_params(uint64_t seed, int64_t index, int size, ToyShape *out) {
    float u[SHAPES_PARAMS];
    rng_uniform_at(seed, SHAPES_STREAM_PARAMS, (uint64_t)index * SHAPES_PARAMS, u, SHAPES_PARAMS);
    double S = size, margin = TOY_SHAPES_MARGIN * S;
    memset(out, 0, sizeof *out);
    out->label = (int)(index % TOY_SHAPES_CLASSES);
    out->kind = (ToyShapeKind)(out->label / TOY_SHAPES_COLOURS);
    out->colour = out->label % TOY_SHAPES_COLOURS;
    double r = S * (TOY_SHAPES_RADIUS_MIN + (TOY_SHAPES_RADIUS_MAX - TOY_SHAPES_RADIUS_MIN) * u[0]);
    double room = S - 2.0 * margin - 2.0 * r;
    out->radius = r;
    out->cx = margin + r + room * u[1];
    out->cy = margin + r + room * u[2];
    out->angle = (2.0 * u[3] - 1.0) * SHAPES_MAX_ROTATION * pi / 180.0;
    hsv_to_rgb(colour_hue[out->colour] + SHAPES_HUE_JITTER * (2.0 * u[4] - 1.0), 0.75 + 0.25 * u[5], 0.75 + 0.25 * u[6],
               out->fill);
    out->shade_x = cos(2.0 * pi * u[7]);
    out->shade_y = sin(2.0 * pi * u[7]);
    hsv_to_rgb(360.0 * u[8], 0.05 + 0.2 * u[9], 0.3 + 0.25 * u[10], out->back);
    double grad = 2.0 * 0.08 * u[12];
    out->grad_x = grad * cos(2.0 * pi * u[11]);
    out->grad_y = grad * sin(2.0 * pi * u[11]);
    double a = pi * u[13], f = 3.0 + 5.0 * u[14];
    out->stripe_x = f * cos(a);
    out->stripe_y = f * sin(a);
    out->stripe_phase = 2.0 * pi * u[15];
    out->stripe_amp = 0.015 + 0.035 * u[16];
}

/* Whether the point (px, py) is inside the shape. */
static bool inside(const ToyShape *s, double c, double sn, double px, double py) {
    double dx = px - s->cx, dy = py - s->cy, r = s->radius;
    double qx = c * dx + sn * dy, qy = -sn * dx + c * dy; /* R(-theta) (p - centre) */
    switch (s->kind) {
    case TOY_SHAPE_CIRCLE: return qx * qx + qy * qy <= 0.64 * r * r;
    case TOY_SHAPE_SQUARE: return fabs(qx) <= 0.7 * r && fabs(qy) <= 0.7 * r;
    case TOY_SHAPE_TRIANGLE: {
        const double h = 0.86602540378443864676; /* sin 60: the outward normals (0,1), (+-h,-1/2) */
        return qy <= 0.5 * r && h * qx - 0.5 * qy <= 0.5 * r && -h * qx - 0.5 * qy <= 0.5 * r;
    }
    case TOY_SHAPE_CROSS:
        return (fabs(qx) <= 0.3 * r && fabs(qy) <= 0.9 * r) || (fabs(qy) <= 0.3 * r && fabs(qx) <= 0.9 * r);
    }
    return false;
}

double toy_shapes_coverage(const ToyShape *s, int x, int y) {
    double c = cos(s->angle), sn = sin(s->angle);
    int hits = 0;
    for (int j = 0; j < SHAPES_SUPERSAMPLE; j++)
        for (int i = 0; i < SHAPES_SUPERSAMPLE; i++)
            hits += inside(s, c, sn, x + (i + 0.5) / SHAPES_SUPERSAMPLE, y + (j + 0.5) / SHAPES_SUPERSAMPLE);
    return (double)hits / (SHAPES_SUPERSAMPLE * SHAPES_SUPERSAMPLE);
}

double toy_shapes_area(const ToyShape *s) {
    double r2 = s->radius * s->radius;
    switch (s->kind) {
    case TOY_SHAPE_CIRCLE: return 0.64 * pi * r2;
    case TOY_SHAPE_SQUARE: return 1.96 * r2;
    case TOY_SHAPE_TRIANGLE: return 0.75 * sqrt(3.0) * r2;
    case TOY_SHAPE_CROSS: return 1.8 * r2;
    }
    return 0.0;
}

static uint8_t to_byte(double v) {
    v = v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
    return (uint8_t)lround(v * 255.0);
}

/* One sample into img (3, size, size); noise (size*size) is scratch. */
static void render(uint64_t seed, int64_t index, int size, uint8_t *img, float *noise) {
    ToyShape s;
    toy_shapes_params(seed, index, size, &s);
    size_t plane = (size_t)size * (size_t)size;
    rng_uniform_at(seed, SHAPES_STREAM_NOISE, (uint64_t)index * plane, noise, plane);
    int x0 = (int)floor(s.cx - s.radius), x1 = (int)ceil(s.cx + s.radius);
    int y0 = (int)floor(s.cy - s.radius), y1 = (int)ceil(s.cy + s.radius);
    for (int y = 0; y < size; y++) {
        double Y = (y + 0.5) / size - 0.5;
        for (int x = 0; x < size; x++) {
            double X = (x + 0.5) / size - 0.5;
            double lum = s.grad_x * X + s.grad_y * Y +
                         s.stripe_amp * sin(2.0 * pi * (s.stripe_x * X + s.stripe_y * Y) + s.stripe_phase);
            double k = x >= x0 && x <= x1 && y >= y0 && y <= y1 ? toy_shapes_coverage(&s, x, y) : 0.0;
            double shade =
                1.0 + SHAPES_SHADE * ((x + 0.5 - s.cx) * s.shade_x + (y + 0.5 - s.cy) * s.shade_y) / s.radius;
            double grain = SHAPES_NOISE * (2.0 * noise[(size_t)y * size + x] - 1.0);
            for (int ch = 0; ch < 3; ch++) {
                double v = k * s.fill[ch] * shade + (1.0 - k) * (s.back[ch] + lum) + grain;
                img[ch * plane + (size_t)y * size + x] = to_byte(v);
            }
        }
    }
}

void toy_shapes_sample(uint64_t seed, int64_t first, int64_t n, int size, uint8_t *images, uint8_t *labels) {
    size_t numel = 3 * (size_t)size * (size_t)size;
    float noise[SHAPES_MAX_SIDE * SHAPES_MAX_SIDE];
    if (!toy_shapes_size_ok(size)) return; /* toy_shapes_write refuses other sides */
    for (int64_t j = 0; j < n; j++) {
        render(seed, first + j, size, images + (size_t)j * numel, noise);
        if (labels) labels[j] = (uint8_t)((first + j) % TOY_SHAPES_CLASSES);
    }
}

NashStatus toy_shapes_write(const char *path, int64_t n, int size, uint64_t seed, NashError *err) {
    if (!toy_shapes_size_ok(size))
        return nash_fail(err, NASH_ERR_INVALID, "%s: shapes of side %d; the side is 32 or 64", path, size);
    if (n < 1 || n > TOY_SHAPES_MAX_SAMPLES)
        return nash_fail(err, NASH_ERR_INVALID, "%s: cannot write %lld shapes images; give 1 to %d", path, (long long)n,
                         TOY_SHAPES_MAX_SAMPLES);
    size_t numel = 3 * (size_t)size * (size_t)size;
    uint8_t *images = malloc((size_t)n * numel), *labels = malloc((size_t)n);
    NashStatus st = NASH_OK;
    if (!images || !labels) {
        st = nash_fail(err, NASH_ERR_NOMEM,
                       "%s: out of memory for %lld images of (3,%d,%d) (%.1f MB); use a smaller --n", path,
                       (long long)n, size, size, (double)n * (double)numel / 1e6);
    } else {
        toy_shapes_sample(seed, 0, n, size, images, labels);
        char source[160];
        snprintf(source, sizeof source,
                 "toy shapes (nash data toy shapes): 4 shapes x 4 colours on textured backgrounds, %dx%d, seed %llu",
                 size, size, (unsigned long long)seed);
        st = dataset_write_images(path, images, n, shape_3d(3, size, size), labels, source, toy_shapes_class_names,
                                  TOY_SHAPES_CLASSES, err);
    }
    free(images);
    free(labels);
    return st;
}
