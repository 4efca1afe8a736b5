/* png.c — sample grids, scatter plots and raw RGB images written with libpng (see png.h).
 *
 * Every picture is rendered into memory first (8-bit grey or RGB rows), then encoded by
 * png_encode, the one function that uses libpng's setjmp/longjmp error handling. The file is
 * written under a temporary name and renamed (core/atomic.h).
 */
#include "draw/png.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/picture.h"

/* Largest side of a picture we write: well under libpng's limit, and a guard against
 * multiplication overflow when sizing buffers. */
#define PNG_SIDE_MAX 32768

static const unsigned char grid_border[3] = {64, 64, 64};
static const unsigned char scatter_background[3] = {255, 255, 255};
static const unsigned char scatter_frame[3] = {200, 200, 200};
static const unsigned char scatter_axes[3] = {215, 215, 215};
static const unsigned char scatter_ref[3] = {150, 150, 150};
static const unsigned char scatter_points[3] = {30, 90, 220};

/* ---- encoding ------------------------------------------------------------------------------- */

typedef struct {
    char msg[256];
} PngErrorBox;

static void png_on_error(png_structp png, png_const_charp msg) {
    PngErrorBox *box = png_get_error_ptr(png);
    if (box) snprintf(box->msg, sizeof box->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

/* Encode rows of `channels` (1 grey, 3 RGB) bytes per pixel into f. Returns false with box->msg
 * set on failure. Everything that must survive the longjmp is volatile or set before setjmp. */
static bool png_encode(FILE *f, const unsigned char *pixels, int w, int h, int channels, PngErrorBox *box) {
    png_structp volatile png = png_create_write_struct(PNG_LIBPNG_VER_STRING, box, png_on_error, png_on_warning);
    if (!png) {
        snprintf(box->msg, sizeof box->msg, "out of memory in libpng");
        return false;
    }
    png_infop volatile info = png_create_info_struct(png);
    if (!info) {
        png_structp p = png;
        png_destroy_write_struct(&p, NULL);
        snprintf(box->msg, sizeof box->msg, "out of memory in libpng");
        return false;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_structp p = png;
        png_infop i = info;
        png_destroy_write_struct(&p, &i);
        return false;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)w * (size_t)channels;
    for (int y = 0; y < h; y++) png_write_row(png, pixels + (size_t)y * stride);
    png_write_end(png, info);
    png_structp p = png;
    png_infop i = info;
    png_destroy_write_struct(&p, &i);
    return true;
}

static bool png_encode_picture(FILE *f, const Picture *p, char *msg, size_t size) {
    PngErrorBox box = {{0}};
    bool ok = png_encode(f, p->pixels, p->w, p->h, p->channels, &box);
    if (!ok) snprintf(msg, size, "%s", box.msg);
    return ok;
}

/* Write a rendered picture to path through a temporary file. */
static NashStatus png_save(const char *path, const unsigned char *pixels, int w, int h, int channels, NashError *err) {
    Picture p = {.pixels = pixels, .w = w, .h = h, .channels = channels};
    return picture_save(path, "PNG", png_encode_picture, &p, err);
}

/* ---- rendering ------------------------------------------------------------------------------ */

static unsigned char *canvas_new(int w, int h, int channels, const unsigned char *colour) {
    size_t count = (size_t)w * (size_t)h;
    unsigned char *pixels = malloc(count * (size_t)channels);
    if (!pixels) return NULL;
    for (size_t i = 0; i < count; i++) memcpy(pixels + i * (size_t)channels, colour, (size_t)channels);
    return pixels;
}

static unsigned char to_byte(float v, float lo, float hi) {
    if (!(v > lo)) return 0; /* also NaN */
    if (v >= hi) return 255;
    return (unsigned char)lrintf((v - lo) / (hi - lo) * 255.0f);
}

NashStatus png_write_grid(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo,
                          float hi, NashError *err) {
    return png_write_grid_scaled(path, images, n, c, h, w, cols, lo, hi, 1, err);
}

NashStatus grid_render(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo, float hi,
                       int scale, unsigned char **out, int *out_w, int *out_h, NashError *err) {
    enum { BORDER = 2 };
    *out = NULL;
    if (scale < 1 || scale > 64) return nash_fail(err, NASH_ERR_INVALID, "%s: scale %d is not 1 to 64", path, scale);
    if (n <= 0 || h <= 0 || w <= 0 || cols <= 0)
        return nash_fail(err, NASH_ERR_INVALID, "%s: a grid needs n, h, w and cols > 0 (got n=%d h=%d w=%d cols=%d)",
                         path, n, h, w, cols);
    if (c != 1 && c != 3)
        return nash_fail(err, NASH_ERR_INVALID, "%s: images with %d channels cannot be drawn (1 or 3)", path, c);
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi))
        return nash_fail(err, NASH_ERR_INVALID, "%s: value range [%g, %g] is empty", path, lo, hi);
    if (cols > n) cols = n;
    int rows = (n + cols - 1) / cols;
    long long sh = (long long)h * scale, sw = (long long)w * scale;
    long long width = (long long)cols * (sw + BORDER) + BORDER, height = (long long)rows * (sh + BORDER) + BORDER;
    if (width > PNG_SIDE_MAX || height > PNG_SIDE_MAX)
        return nash_fail(err, NASH_ERR_INVALID,
                         "%s: a grid of %dx%d tiles of %dx%d is %lldx%lld pixels (at most %d a side)", path, rows, cols,
                         h, w, height, width, PNG_SIDE_MAX);
    int W = (int)width, H = (int)height;
    unsigned char *pixels = canvas_new(W, H, c, grid_border);
    if (!pixels) return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate a %dx%d picture", path, H, W);
    size_t plane = (size_t)h * (size_t)w;
    for (int k = 0; k < n; k++) {
        const float *img = images + (size_t)k * (size_t)c * plane;
        int x0 = BORDER + (k % cols) * ((int)sw + BORDER), y0 = BORDER + (k / cols) * ((int)sh + BORDER);
        for (int y = 0; y < (int)sh; y++)
            for (int x = 0; x < (int)sw; x++) {
                unsigned char *px = pixels + ((size_t)(y0 + y) * (size_t)W + (size_t)(x0 + x)) * (size_t)c;
                size_t at = (size_t)(y / scale) * (size_t)w + (size_t)(x / scale);
                for (int ch = 0; ch < c; ch++) px[ch] = to_byte(img[(size_t)ch * plane + at], lo, hi);
            }
    }
    *out = pixels;
    *out_w = W;
    *out_h = H;
    return NASH_OK;
}

NashStatus png_write_grid_scaled(const char *path, const float *images, int n, int c, int h, int w, int cols, float lo,
                                 float hi, int scale, NashError *err) {
    unsigned char *pixels;
    int W, H;
    NashStatus st = grid_render(path, images, n, c, h, w, cols, lo, hi, scale, &pixels, &W, &H, err);
    if (st) return st;
    st = png_save(path, pixels, W, H, c, err);
    free(pixels);
    return st;
}

static void put_pixel(unsigned char *pixels, int size, int x, int y, const unsigned char *colour) {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    memcpy(pixels + ((size_t)y * (size_t)size + (size_t)x) * 3, colour, 3);
}

/* Map (px, py) in [-bound, bound]^2 to the pixel grid (y up); false when outside. */
static bool scatter_map(float px, float py, float bound, int size, int *x, int *y) {
    if (!(px >= -bound && px <= bound && py >= -bound && py <= bound)) return false; /* also NaN */
    float scale = (float)(size - 1) / (2.0f * bound);
    *x = (int)lrintf((px + bound) * scale);
    *y = (int)lrintf((bound - py) * scale);
    return true;
}

static void scatter_dots(unsigned char *pixels, int size, const float *pts, int n, float bound,
                         const unsigned char *colour, int radius) {
    for (int i = 0; i < n; i++) {
        int x, y;
        if (!scatter_map(pts[2 * (size_t)i], pts[2 * (size_t)i + 1], bound, size, &x, &y)) continue;
        for (int dy = -radius; dy <= radius; dy++)
            for (int dx = -radius; dx <= radius; dx++) put_pixel(pixels, size, x + dx, y + dy, colour);
    }
}

NashStatus png_write_scatter(const char *path, const float *points, int n, const float *ref, int n_ref, float bound,
                             int size, NashError *err) {
    if (n < 0 || n_ref < 0 || (n > 0 && !points) || (n_ref > 0 && !ref))
        return nash_fail(err, NASH_ERR_INVALID, "%s: bad point counts (n=%d, n_ref=%d)", path, n, n_ref);
    if (!(bound > 0) || !isfinite(bound))
        return nash_fail(err, NASH_ERR_INVALID, "%s: scatter bound %g must be positive and finite", path, bound);
    if (size < 16 || size > PNG_SIDE_MAX)
        return nash_fail(err, NASH_ERR_INVALID, "%s: scatter size %d must be in [16, %d]", path, size, PNG_SIDE_MAX);
    unsigned char *pixels = canvas_new(size, size, 3, scatter_background);
    if (!pixels) return nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate a %dx%d picture", path, size, size);
    int ox = size / 2, oy = size / 2; /* the centre: scatter_map sets it (bound > 0 was checked) */
    scatter_map(0.0f, 0.0f, bound, size, &ox, &oy);
    for (int t = 0; t < size; t++) {
        put_pixel(pixels, size, ox, t, scatter_axes);
        put_pixel(pixels, size, t, oy, scatter_axes);
    }
    for (int t = 0; t < size; t++) {
        put_pixel(pixels, size, t, 0, scatter_frame);
        put_pixel(pixels, size, t, size - 1, scatter_frame);
        put_pixel(pixels, size, 0, t, scatter_frame);
        put_pixel(pixels, size, size - 1, t, scatter_frame);
    }
    scatter_dots(pixels, size, ref, n_ref, bound, scatter_ref, 1); /* 3x3 dots */
    scatter_dots(pixels, size, points, n, bound, scatter_points, 1);
    NashStatus st = png_save(path, pixels, size, size, 3, err);
    free(pixels);
    return st;
}

NashStatus png_write_rgb(const char *path, const unsigned char *rgb, int h, int w, NashError *err) {
    if (h <= 0 || w <= 0 || h > PNG_SIDE_MAX || w > PNG_SIDE_MAX || !rgb)
        return nash_fail(err, NASH_ERR_INVALID, "%s: an image of %dx%d pixels cannot be written (1..%d a side)", path,
                         h, w, PNG_SIDE_MAX);
    return png_save(path, rgb, w, h, 3, err);
}

const char *png_library_version(void) { return png_get_libpng_ver(NULL); }
