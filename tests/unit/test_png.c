/* test_png.c — draw/png.c: grids and scatter plots read back with libpng (dimensions, tile values,
 * border, point and background colours), raw RGB images, no temporary file left behind, and a
 * missing directory refused with a message naming the path. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "draw/png.h"
#include "image.h"

static char dir[] = "/tmp/nash_test_png_XXXXXX";

static const unsigned char *pixel(const unsigned char *rgb, int w, int x, int y) {
    return rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
}

static bool is_colour(const unsigned char *px, int r, int g, int b) { return px[0] == r && px[1] == g && px[2] == b; }

/* The names in dir other than . and .., joined with spaces. */
static void list_dir(const char *path, char *buf, size_t size) {
    buf[0] = '\0';
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? " " : "", e->d_name);
    }
    closedir(d);
}

static unsigned char expected_byte(float v, float lo, float hi) {
    if (v <= lo) return 0;
    if (v >= hi) return 255;
    return (unsigned char)lrintf((v - lo) / (hi - lo) * 255.0f);
}

static void test_grey_grid(void) {
    enum { N = 5, C = 1, H = 3, W = 4, COLS = 3 };
    float images[N * C * H * W];
    for (int i = 0; i < N * C * H * W; i++) images[i] = -1.2f + 2.4f * (float)i / (N * C * H * W - 1);
    char path[256];
    snprintf(path, sizeof path, "%s/grid.png", dir);
    NashError err = {0};
    NashStatus st = png_write_grid(path, images, N, C, H, W, COLS, -1.0f, 1.0f, &err);
    if (!check_true(st == NASH_OK, "grey grid written: %s", err.msg)) return;
    int w, h;
    unsigned char *rgb = test_read_png(path, &w, &h);
    if (!rgb) return;
    /* 3 columns and 2 rows of 4x3 tiles with 2-pixel borders */
    check_true(w == 3 * (W + 2) + 2 && h == 2 * (H + 2) + 2, "grid is 20x12 pixels (got %dx%d)", w, h);
    if (w == 20 && h == 12) {
        int bad = 0;
        for (int k = 0; k < N; k++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    int px = 2 + (k % COLS) * (W + 2) + x, py = 2 + (k / COLS) * (H + 2) + y;
                    unsigned char want = expected_byte(images[(k * H + y) * W + x], -1.0f, 1.0f);
                    if (!is_colour(pixel(rgb, w, px, py), want, want, want)) bad++;
                }
        check_true(bad == 0, "every tile pixel is its mapped value (%d differ)", bad);
        check_true(is_colour(pixel(rgb, w, 2, 2), 0, 0, 0), "a value below lo is clamped to black");
        check_true(is_colour(pixel(rgb, w, 2 + 1 * (W + 2) + W - 1, 2 + 1 * (H + 2) + H - 1), 255, 255, 255),
                   "a value above hi is clamped to white");
        check_true(is_colour(pixel(rgb, w, 0, 0), 64, 64, 64), "the corner is border colour");
        check_true(is_colour(pixel(rgb, w, 6, 3), 64, 64, 64) && is_colour(pixel(rgb, w, 7, 3), 64, 64, 64),
                   "two border pixels between tiles");
        check_true(is_colour(pixel(rgb, w, 2 + 2 * (W + 2) + 1, 2 + (H + 2) + 1), 64, 64, 64),
                   "the missing last tile is border colour");
    }
    free(rgb);
}

static void test_rgb_grid(void) {
    enum { N = 2, C = 3, H = 2, W = 2 };
    float images[N * C * H * W];
    for (int i = 0; i < N * C * H * W; i++) images[i] = (float)i / (N * C * H * W - 1); /* in [0,1] */
    char path[256];
    snprintf(path, sizeof path, "%s/rgb_grid.png", dir);
    NashError err = {0};
    /* cols larger than n: one row of two tiles */
    if (!check_true(png_write_grid(path, images, N, C, H, W, 8, 0.0f, 1.0f, &err) == NASH_OK, "RGB grid: %s", err.msg))
        return;
    int w, h;
    unsigned char *rgb = test_read_png(path, &w, &h);
    if (!rgb) return;
    check_true(w == 2 * (W + 2) + 2 && h == H + 4, "RGB grid of one row is 10x6 (got %dx%d)", w, h);
    if (w == 10 && h == 6) {
        /* tile 1, pixel (y=1, x=0): channel ch at index ((1*C + ch)*H + 1)*W + 0 */
        const unsigned char *px = pixel(rgb, w, 2 + (W + 2), 2 + 1);
        int ok = 1;
        for (int ch = 0; ch < 3; ch++) ok &= px[ch] == expected_byte(images[((1 * C + ch) * H + 1) * W], 0.0f, 1.0f);
        check_true(ok, "RGB tile pixel has its three mapped channels (got %d,%d,%d)", px[0], px[1], px[2]);
    }
    free(rgb);
}

static void test_scatter(void) {
    enum { SIZE = 64 };
    const float points[] = {1.0f, 1.0f, 2.5f, 0.0f, NAN, 0.0f};
    const float ref[] = {-1.0f, -1.0f};
    char path[256];
    snprintf(path, sizeof path, "%s/scatter.png", dir);
    NashError err = {0};
    if (!check_true(png_write_scatter(path, points, 3, ref, 1, 2.0f, SIZE, &err) == NASH_OK, "scatter written: %s",
                    err.msg))
        return;
    int w, h;
    unsigned char *rgb = test_read_png(path, &w, &h);
    if (!rgb) return;
    check_true(w == SIZE && h == SIZE, "scatter is %dx%d (got %dx%d)", SIZE, SIZE, w, h);
    if (w == SIZE && h == SIZE) {
        /* (1,1) -> x = (1+2)*63/4 = 47.25, y = (2-1)*63/4 = 15.75 (y points up) */
        const unsigned char *p = pixel(rgb, w, 47, 16);
        check_true(p[2] > 150 && p[2] > p[0] + 80 && p[2] > p[1] + 80, "a point is blue (got %d,%d,%d)", p[0], p[1],
                   p[2]);
        p = pixel(rgb, w, 48, 17);
        check_true(p[2] > p[0] + 80, "points are 3x3 dots");
        p = pixel(rgb, w, 16, 47);
        check_true(p[0] == p[1] && p[1] == p[2] && p[0] < 200, "a reference point is grey (got %d,%d,%d)", p[0], p[1],
                   p[2]);
        check_true(is_colour(pixel(rgb, w, 5, 5), 255, 255, 255), "the background is white");
        p = pixel(rgb, w, 32, 5);
        check_true(p[0] == p[1] && p[1] == p[2] && p[0] > 180 && p[0] < 255, "the vertical axis is light grey (%d)",
                   p[0]);
        p = pixel(rgb, w, 0, 40);
        check_true(p[0] == p[1] && p[1] == p[2] && p[0] > 150 && p[0] < 255, "the frame is light grey (%d)", p[0]);
        int blue = 0;
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) {
                p = pixel(rgb, w, x, y);
                blue += p[2] > p[0] + 80;
            }
        check_true(blue == 9, "only the one point inside the bounds is drawn (%d blue pixels, expected 9)", blue);
    }
    free(rgb);
}

static void test_rgb_image(void) {
    unsigned char img[2 * 3 * 3];
    for (int i = 0; i < (int)sizeof img; i++) img[i] = (unsigned char)(i * 13);
    char path[256];
    snprintf(path, sizeof path, "%s/raw.png", dir);
    NashError err = {0};
    if (!check_true(png_write_rgb(path, img, 2, 3, &err) == NASH_OK, "RGB image written: %s", err.msg)) return;
    int w, h;
    unsigned char *rgb = test_read_png(path, &w, &h);
    if (!rgb) return;
    check_true(w == 3 && h == 2 && !memcmp(rgb, img, sizeof img), "RGB image reads back as written (%dx%d)", w, h);
    free(rgb);
}

static void test_errors(void) {
    char before[1024], after[1024], path[256];
    list_dir(dir, before, sizeof before);
    snprintf(path, sizeof path, "%s/missing/grid.png", dir);
    float img[4] = {0};
    NashError err = {0};
    NashStatus st = png_write_grid(path, img, 1, 1, 2, 2, 1, -1.0f, 1.0f, &err);
    check_true(st == NASH_ERR_IO, "a missing directory is an I/O error (%s)", nash_status_name(st));
    check_true(strstr(err.msg, path) != NULL, "the message names the path: %s", err.msg);
    st = png_write_scatter(path, img, 2, NULL, 0, 1.0f, 32, &err);
    check_true(st == NASH_ERR_IO && strstr(err.msg, path), "scatter into a missing directory refused: %s", err.msg);
    list_dir(dir, after, sizeof after);
    check_true(!strcmp(before, after), "nothing was created (before: %s; after: %s)", before, after);
    snprintf(path, sizeof path, "%s/bad.png", dir);
    check_true(png_write_grid(path, img, 1, 2, 2, 2, 1, -1.0f, 1.0f, &err) == NASH_ERR_INVALID,
               "2 channels refused: %s", err.msg);
    check_true(png_write_grid(path, img, 1, 1, 2, 2, 1, 1.0f, 1.0f, &err) == NASH_ERR_INVALID,
               "an empty value range refused: %s", err.msg);
    check_true(png_write_scatter(path, img, 2, NULL, 0, 0.0f, 32, &err) == NASH_ERR_INVALID,
               "a zero scatter bound refused: %s", err.msg);
    check_true(access(path, F_OK) != 0, "refused pictures leave no file");
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_grey_grid();
    test_rgb_grid();
    test_scatter();
    test_rgb_image();
    test_errors();
    char names[1024];
    list_dir(dir, names, sizeof names);
    int entries = names[0] ? 1 : 0;
    for (const char *c = names; *c; c++) entries += *c == ' ';
    check_true(entries == 4 && !strstr(names, ".tmp."), "only the 4 pictures are left, no temporary file (%s)", names);
    static const char *const files[] = {"grid.png", "rgb_grid.png", "scatter.png", "raw.png"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (getenv("NASH_KEEP_PNG") == NULL) unlink(path);
    }
    if (getenv("NASH_KEEP_PNG") == NULL)
        rmdir(dir);
    else
        printf("pictures kept in %s\n", dir);
    return check_finish("png");
}
