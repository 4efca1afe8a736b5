/* test_toy_shapes.c — the coloured-shapes toy (src/data/toy_shapes.h), at both sides (32, 64).
 *
 * 1. Determinism: the same seed gives the same bytes, another seed other bytes, and a range
 *    [a, b) generated alone equals the same slice of a bigger generation (labels included).
 * 2. Classes: sample i has label i mod 16, so in any N samples every class is present and the
 *    counts are floor(N/16) or ceil(N/16); each sample's parameters agree with its label (shape
 *    label / 4, colour label % 4); class_names reads "<colour> <shape>".
 * 3. Geometry, from the parameters and the coverage of each pixel: the radius is in
 *    [0.30 S, 0.42 S]; the disc of radius r around the centre lies at least 0.04 S inside every
 *    edge; only pixels within r + 1/sqrt 2 of the centre are covered at all, so the outermost ring
 *    of pixels is pure background; the coverage-weighted centroid is the centre (every shape here
 *    has its centroid at its centre) within 0.25 px; the supersampled area is the exact area
 *    within perimeter / 8 pixels (a 4x4 grid misplaces the edge by at most half its spacing, 1/8
 *    px; measured: at most 0.36 of that, 1.5% of the area at 32, 0.3% at 64).
 * 4. Pixels: over the samples each channel reaches both ends of 0..255 (min <= 5, max >= 250);
 *    fully covered pixels are saturated (chroma max-min >= 0.40; the fill has at least
 *    0.75*0.75*0.85 = 0.48) with a hue within 15 degrees of the class's (8 of jitter, the rest
 *    rounding and clamping); uncovered pixels are muted (chroma <= 0.15; the background has at
 *    most 0.25*0.55 = 0.14, and its gradient, stripes and noise add the same to every channel).
 * 5. toy_shapes_write: the file holds /images (N,3,S,S) of exactly toy_shapes_sample's bytes and
 *    /labels; sides other than 32 and 64 and counts outside [1, 1000000] are refused naming the
 *    file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data/dataset.h"
#include "data/toy_shapes.h"

static char dir[64];

static const char *const colour_names[TOY_SHAPES_COLOURS] = {"red", "green", "blue", "yellow"};
static const char *const kind_names[TOY_SHAPES_KINDS] = {"circle", "square", "triangle", "cross"};
static const double class_hue[TOY_SHAPES_COLOURS] = {0.0, 120.0, 240.0, 60.0};

static void test_determinism(int size) {
    enum { N = 200, A = 37, B = 123 };
    size_t numel = 3 * (size_t)size * (size_t)size;
    uint8_t *x = malloc(N * numel), *y = malloc(N * numel), *part = malloc((B - A) * numel), *other = malloc(N * numel);
    uint8_t lx[N], ly[N], lpart[B - A];
    toy_shapes_sample(3, 0, N, size, x, lx);
    toy_shapes_sample(3, 0, N, size, y, ly);
    toy_shapes_sample(3, A, B - A, size, part, lpart);
    toy_shapes_sample(4, 0, N, size, other, NULL);
    check_true(memcmp(x, y, N * numel) == 0 && memcmp(lx, ly, N) == 0, "%d: the same seed gives the same bytes", size);
    check_true(memcmp(x + A * numel, part, (B - A) * numel) == 0 && memcmp(lx + A, lpart, B - A) == 0,
               "%d: samples [%d, %d) alone equal the slice of [0, %d)", size, A, B, N);
    size_t same = 0;
    for (int i = 0; i < N; i++) same += memcmp(x + i * numel, other + i * numel, numel) == 0;
    check_true(same == 0, "%d: another seed gives other images (%zu of %d identical)", size, same, N);
    free(x);
    free(y);
    free(part);
    free(other);
}

static void test_classes(void) {
    enum { N = 1000 };
    uint8_t *x = malloc(N * 3 * 32 * 32), labels[N];
    toy_shapes_sample(5, 0, N, 32, x, labels);
    int count[TOY_SHAPES_CLASSES] = {0};
    bool ok = true, agree = true;
    for (int i = 0; i < N; i++) {
        ok &= labels[i] == i % TOY_SHAPES_CLASSES;
        count[labels[i] < TOY_SHAPES_CLASSES ? labels[i] : 0]++;
        ToyShape s;
        toy_shapes_params(5, i, 32, &s);
        agree &= s.label == labels[i] && (int)s.kind == labels[i] / 4 && s.colour == labels[i] % 4;
    }
    check_true(ok, "label of sample i is i mod 16");
    check_true(agree, "each sample's parameters agree with its label (shape = label / 4, colour = label %% 4)");
    int lo = N, hi = 0;
    for (int c = 0; c < TOY_SHAPES_CLASSES; c++) lo = count[c] < lo ? count[c] : lo, hi = count[c] > hi ? count[c] : hi;
    check_true(lo == N / TOY_SHAPES_CLASSES && hi == (N + TOY_SHAPES_CLASSES - 1) / TOY_SHAPES_CLASSES,
               "every class present and balanced: %d to %d samples of %d (want %d to %d)", lo, hi, N,
               N / TOY_SHAPES_CLASSES, (N + TOY_SHAPES_CLASSES - 1) / TOY_SHAPES_CLASSES);
    /* a range starting elsewhere is balanced too: 16 consecutive samples hold every class once */
    uint8_t window[TOY_SHAPES_CLASSES];
    toy_shapes_sample(5, 12345, TOY_SHAPES_CLASSES, 32, x, window);
    int seen = 0;
    for (int i = 0; i < TOY_SHAPES_CLASSES; i++) seen |= 1 << window[i];
    check_true(seen == 0xffff, "samples [12345, 12361) hold each of the 16 classes once");
    bool names = true;
    for (int c = 0; c < TOY_SHAPES_CLASSES; c++) {
        char want[32];
        snprintf(want, sizeof want, "%s %s", colour_names[c % 4], kind_names[c / 4]);
        names &= strcmp(toy_shapes_class_names[c], want) == 0;
    }
    check_true(names && !strcmp(toy_shapes_class_names[0], "red circle") &&
                   !strcmp(toy_shapes_class_names[15], "yellow cross"),
               "class_names: \"<colour> <shape>\", class c = shape c / 4 in colour c %% 4");
    free(x);
}

/* Chroma (max - min) and hue (degrees) of an RGB pixel in [0, 1]. */
static double chroma_hue(double r, double g, double b, double *hue) {
    double mx = fmax(r, fmax(g, b)), mn = fmin(r, fmin(g, b)), c = mx - mn, h = 0;
    if (c > 0) {
        if (mx == r)
            h = fmod((g - b) / c, 6.0);
        else if (mx == g)
            h = (b - r) / c + 2.0;
        else
            h = (r - g) / c + 4.0;
        h *= 60.0;
        if (h < 0) h += 360.0;
    }
    *hue = h;
    return c;
}

static double hue_distance(double a, double b) {
    double d = fabs(fmod(a - b, 360.0));
    return d > 180.0 ? 360.0 - d : d;
}

/* The perimeter of the shape, in pixels (toy_shapes.h gives the outlines). */
static double perimeter(const ToyShape *s) {
    const double r = s->radius, pi = 3.14159265358979323846;
    switch (s->kind) {
    case TOY_SHAPE_CIRCLE: return 2.0 * pi * 0.8 * r;
    case TOY_SHAPE_SQUARE: return 4.0 * 1.4 * r;
    case TOY_SHAPE_TRIANGLE: return 3.0 * sqrt(3.0) * r;
    case TOY_SHAPE_CROSS: return 8.0 * 0.9 * r; /* 8 (arm half-length - half-width) + 4 (width) */
    }
    return 0.0;
}

static void test_geometry_and_pixels(int size) {
    enum { N = 400 };
    const double S = size, margin = TOY_SHAPES_MARGIN * S;
    size_t plane = (size_t)size * (size_t)size;
    uint8_t *x = malloc(N * 3 * plane);
    toy_shapes_sample(9, 0, N, size, x, NULL);
    bool radius_ok = true, inside_ok = true, cover_ok = true, ring_ok = true, centre_ok = true;
    bool fill_ok = true, back_ok = true, area_ok = true;
    double worst_area = 0, worst_edge = 0, worst_centre = 0, min_fill = 1, max_back = 0, worst_hue = 0;
    int lo[3] = {255, 255, 255}, hi[3] = {0, 0, 0};
    for (int i = 0; i < N; i++) {
        ToyShape s;
        toy_shapes_params(9, i, size, &s);
        const double r = s.radius;
        radius_ok &= r >= TOY_SHAPES_RADIUS_MIN * S && r <= TOY_SHAPES_RADIUS_MAX * S;
        inside_ok &= s.cx - r >= margin - 1e-9 && s.cy - r >= margin - 1e-9 && s.cx + r <= S - margin + 1e-9 &&
                     s.cy + r <= S - margin + 1e-9;
        double area = 0, mx = 0, my = 0;
        const uint8_t *img = x + (size_t)i * 3 * plane;
        for (int py = 0; py < size; py++)
            for (int px = 0; px < size; px++) {
                double k = toy_shapes_coverage(&s, px, py);
                double d = hypot(px + 0.5 - s.cx, py + 0.5 - s.cy);
                if (k > 0 && d > r + sqrt(0.5)) cover_ok = false;
                if (k > 0 && (px == 0 || py == 0 || px == size - 1 || py == size - 1)) ring_ok = false;
                area += k, mx += k * (px + 0.5), my += k * (py + 0.5);
                size_t at = (size_t)py * size + px;
                double rgb[3], hue;
                for (int c = 0; c < 3; c++) {
                    uint8_t v = img[c * plane + at];
                    lo[c] = v < lo[c] ? v : lo[c], hi[c] = v > hi[c] ? v : hi[c];
                    rgb[c] = v / 255.0;
                }
                double chroma = chroma_hue(rgb[0], rgb[1], rgb[2], &hue);
                if (k == 1.0) {
                    double dh = hue_distance(hue, class_hue[s.colour]);
                    min_fill = fmin(min_fill, chroma), worst_hue = fmax(worst_hue, dh);
                    fill_ok &= chroma >= 0.40 && dh <= 15.0;
                } else if (k == 0.0) {
                    max_back = fmax(max_back, chroma);
                    back_ok &= chroma <= 0.15;
                }
            }
        double exact = toy_shapes_area(&s);
        worst_area = fmax(worst_area, fabs(area - exact) / exact);
        worst_edge = fmax(worst_edge, fabs(area - exact) / (perimeter(&s) / 8.0));
        area_ok &= fabs(area - exact) <= perimeter(&s) / 8.0;
        double off = area > 0 ? hypot(mx / area - s.cx, my / area - s.cy) : INFINITY;
        worst_centre = fmax(worst_centre, off);
        centre_ok &= off <= 0.25;
    }
    check_true(radius_ok, "%d: every radius in [%.2f S, %.2f S]", size, TOY_SHAPES_RADIUS_MIN, TOY_SHAPES_RADIUS_MAX);
    check_true(inside_ok, "%d: every shape's disc lies at least %.2f px inside the image", size, margin);
    check_true(cover_ok, "%d: only pixels within r + 1/sqrt 2 of the centre are covered", size);
    check_true(ring_ok, "%d: the outermost ring of pixels is never covered", size);
    check_true(centre_ok, "%d: the coverage centroid is the centre within 0.25 px (worst %.3f px)", size, worst_centre);
    check_true(worst_area <= 0.02, "%d: supersampled area within 2%% of the exact area (worst %.4f)", size, worst_area);
    check_true(area_ok, "%d: every area within perimeter/8 of the exact area (worst %.3f of it)", size, worst_edge);
    printf("%d: worst area error %.4f (%.3f of perimeter/8), worst centroid offset %.3f px, fill chroma >= %.3f, fill "
           "hue within %.1f "
           "degrees, background chroma <= %.3f\n",
           size, worst_area, worst_edge, worst_centre, min_fill, worst_hue, max_back);
    check_true(fill_ok,
               "%d: covered pixels are saturated (chroma %.3f >= 0.40) in the class's hue (within %.1f <= 15 "
               "degrees)",
               size, min_fill, worst_hue);
    check_true(back_ok, "%d: uncovered pixels are muted (chroma %.3f <= 0.15)", size, max_back);
    bool range = true;
    for (int c = 0; c < 3; c++) range &= lo[c] <= 5 && hi[c] >= 250;
    check_true(range, "%d: every channel spans the pixel range: R %d..%d, G %d..%d, B %d..%d", size, lo[0], hi[0],
               lo[1], hi[1], lo[2], hi[2]);
    free(x);
}

static void test_file(void) {
    enum { N = 100 };
    char path[128];
    snprintf(path, sizeof path, "%s/shapes.h5", dir);
    NashError err = {0};
    if (!check_true(toy_shapes_write(path, N, 32, 77, &err) == NASH_OK, "write %s: %s", path, err.msg)) return;
    uint8_t *want = malloc(N * 3 * 32 * 32), *got = malloc(N * 3 * 32 * 32), wl[N], gl[N];
    toy_shapes_sample(77, 0, N, 32, want, wl);
    DatasetReader *r = NULL;
    DatasetInfo info;
    if (check_true(dataset_open(path, &r, &info, &err) == NASH_OK, "open %s: %s", path, err.msg)) {
        check_true(info.kind == DATASET_IMAGES && info.n == N && info.has_labels && info.sample.ndim == 3 &&
                       info.sample.dim[0] == 3 && info.sample.dim[1] == 32 && info.sample.dim[2] == 32,
                   "the file holds %d labelled images of (3,32,32)", N);
        check_true(dataset_read_stored(r, 0, N, got, &err) == NASH_OK && memcmp(got, want, N * 3 * 32 * 32) == 0,
                   "its /images are toy_shapes_sample's bytes");
        check_true(dataset_read_labels(r, 0, N, gl, &err) == NASH_OK && memcmp(gl, wl, N) == 0,
                   "its /labels are i mod 16");
        dataset_close(r);
    }
    unlink(path);
    free(want);
    free(got);
    NashStatus st = toy_shapes_write(path, 10, 48, 0, &err);
    check_true(st == NASH_ERR_INVALID && strstr(err.msg, path) && strstr(err.msg, "32 or 64"),
               "a side of 48 is refused naming the file and the sides: %s", err.msg);
    st = toy_shapes_write(path, 0, 32, 0, &err);
    check_true(st == NASH_ERR_INVALID && strstr(err.msg, path), "0 samples are refused: %s", err.msg);
    st = toy_shapes_write(path, TOY_SHAPES_MAX_SAMPLES + 1LL, 32, 0, &err);
    check_true(st == NASH_ERR_INVALID && strstr(err.msg, "1000000"), "more than 1000000 samples are refused: %s",
               err.msg);
    check_true(access(path, F_OK) != 0, "a refused write leaves no file");
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/nash_test_toy_shapes.XXXXXX");
    if (!check_true(mkdtemp(dir) != NULL, "mkdtemp")) return check_finish("toy_shapes");
    test_determinism(32);
    test_determinism(64);
    test_classes();
    test_geometry_and_pixels(32);
    test_geometry_and_pixels(64);
    test_file();
    check_true(rmdir(dir) == 0, "test directory removed");
    return check_finish("toy_shapes");
}
