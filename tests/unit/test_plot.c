/* test_plot.c — draw/plot.c: line charts checked pixel by pixel. The frame is found in the picture,
 * then a horizontal line, a diagonal, a dashed line, clipping at a fixed range, a NaN gap, tick
 * numbers, the legend and the title are looked for where they must be; a PNG read back with
 * libpng equals the canvas; panels leave the rest of the canvas alone; bad arguments and an
 * unwritable path give clear errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "draw/plot.h"
#include "image.h"

static char dir[] = "/tmp/nash_test_plot_XXXXXX";

static const unsigned char RED[3] = {220, 20, 20}, BLUE[3] = {20, 40, 220}, GREEN[3] = {20, 170, 40};
static const unsigned char FRAME[3] = {60, 60, 60}, TEXT[3] = {30, 30, 30}, WHITE[3] = {255, 255, 255};

static const unsigned char *px(const PlotCanvas *c, int x, int y) {
    return c->rgb + ((size_t)y * (size_t)c->width + (size_t)x) * 3;
}
static bool is(const PlotCanvas *c, int x, int y, const unsigned char *rgb) { return !memcmp(px(c, x, y), rgb, 3); }

/* The plot area's frame: the first two frame-coloured pixels down the middle column give the
 * top and bottom; the outermost frame-coloured pixels two rows below the top (clear of the tick
 * marks, which share the frame's colour) give left and right. */
static bool find_frame(const PlotCanvas *c, int *x0, int *y0, int *x1, int *y1) {
    int mid = c->width / 2, y = 0;
    while (y < c->height && !is(c, mid, y, FRAME)) y++;
    *y0 = y++;
    while (y < c->height && !is(c, mid, y, FRAME)) y++;
    *y1 = y;
    if (*y1 >= c->height) return false;
    for (*x0 = 0; *x0 < mid && !is(c, *x0, *y0 + 2, FRAME);) (*x0)++;
    for (*x1 = c->width - 1; *x1 > mid && !is(c, *x1, *y0 + 2, FRAME);) (*x1)--;
    return *x1 - *x0 > 100 && *y1 - *y0 > 100;
}

static int count_colour(const PlotCanvas *c, int x0, int y0, int x1, int y1, const unsigned char *rgb) {
    int n = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) n += is(c, x, y, rgb);
    return n;
}

static void test_chart(void) {
    double xs[2] = {0, 1}, half[2] = {0.5, 0.5}, diag[2] = {0, 1}, high[2] = {2, 2}, quarter[2] = {0.25, 0.25};
    double gx[3] = {0, 0.5, 1}, gy[3] = {0.8, NAN, 0.8};
    PlotSeries s[5] = {{xs, half, 2, {220, 20, 20}, "half", false},
                       {xs, diag, 2, {20, 40, 220}, "diagonal", false},
                       {xs, high, 2, {20, 170, 40}, NULL, false},
                       {xs, quarter, 2, {200, 120, 0}, "dashed", true},
                       {gx, gy, 3, {150, 0, 150}, NULL, false}};
    PlotOptions o = {.title = "Test chart",
                     .x_label = "x",
                     .y_label = "y",
                     .fix_x = true,
                     .x_max = 1,
                     .fix_y = true,
                     .y_max = 1,
                     .line_width = 1,
                     .legend = PLOT_LEGEND_BOTTOM_RIGHT};
    PlotCanvas c;
    NashError err = {0};
    if (!check_true(plot_canvas_init(&c, 640, 400, &err) == NASH_OK, "canvas: %s", err.msg)) return;
    if (!check_true(plot_lines_draw(&c, 0, 0, 640, 400, s, 5, &o, &err) == NASH_OK, "chart drawn: %s", err.msg)) {
        plot_canvas_free(&c);
        return;
    }
    int x0, y0, x1, y1;
    if (!check_true(find_frame(&c, &x0, &y0, &x1, &y1), "the frame of the plot area is drawn")) {
        plot_canvas_free(&c);
        return;
    }
    /* y = 0.5: every column inside the frame is red on the middle row, and red stays near it */
    int row = (int)lround(y1 - 0.5 * (y1 - y0)), missing = 0;
    for (int x = x0 + 1; x < x1; x++) missing += !is(&c, x, row, RED) && !is(&c, x, row, BLUE);
    check_true(missing == 0, "y = 0.5 is a red line along row %d in [%d, %d] x [%d, %d] (%d columns missing)", row, x0,
               x1, y0, y1, missing);
    int red_all = count_colour(&c, 0, 0, c.width - 1, c.height - 1, RED);
    int red_row = count_colour(&c, 0, row - 1, c.width - 1, row + 1, RED), swatch = 19; /* 18 px + 1 */
    check_true(red_row >= x1 - x0 - 2 && red_all == red_row + swatch,
               "red only on its row and in the legend (%d + %d of %d)", red_row, swatch, red_all);
    /* the diagonal passes through the expected pixel (or a neighbour) at ten places */
    int off = 0;
    for (int k = 1; k < 10; k++) {
        int x = x0 + k * (x1 - x0) / 10, y = (int)lround(y1 - (double)(x - x0) / (x1 - x0) * (y1 - y0));
        if (k == 5) continue; /* the crossing with the red line */
        off += !(is(&c, x, y, BLUE) || is(&c, x, y - 1, BLUE) || is(&c, x, y + 1, BLUE));
    }
    check_true(off == 0, "the diagonal is where it should be (%d of 8 places missed)", off);
    /* y = 2 lies above the fixed range: clipped away entirely */
    check_true(count_colour(&c, 0, 0, c.width - 1, c.height - 1, GREEN) == 0, "a series outside the range is clipped");
    /* the dashed line at 0.25 has gaps, but is there (outside the legend box at the bottom right) */
    int qrow = (int)lround(y1 - 0.25 * (y1 - y0)), on = 0, span = (x1 - x0) / 2;
    const unsigned char orange[3] = {200, 120, 0};
    for (int x = x0 + 1; x < x0 + span; x++) on += is(&c, x, qrow, orange);
    check_true(on > span / 4 && on < span * 9 / 10, "dashed line: %d of %d pixels drawn", on, span);
    /* the NaN breaks the line: its middle is empty, its ends are dots */
    int grow = (int)lround(y1 - 0.8 * (y1 - y0));
    const unsigned char purple[3] = {150, 0, 150};
    check_true(!is(&c, (x0 + x1) / 2, grow, purple) && !is(&c, (x0 + x1) / 4, grow, purple),
               "no line through a NaN point");
    check_true(is(&c, x0, grow, purple) && is(&c, x1, grow, purple), "isolated points are drawn as dots");
    /* tick numbers below and left of the frame, the title above it, the legend inside it */
    check_true(count_colour(&c, x0, y1 + 2, x1, c.height - 1, TEXT) > 50, "x tick numbers and label drawn");
    check_true(count_colour(&c, 0, y0, x0 - 2, y1, TEXT) > 50, "y tick numbers and label drawn");
    check_true(count_colour(&c, 0, 0, c.width - 1, y0 - 2, TEXT) > 30, "title drawn");
    check_true(count_colour(&c, x0 + 1, y0 + 1, x1 - 1, y1 - 1, TEXT) > 30, "legend text inside the plot area");
    check_true(count_colour(&c, (x0 + x1) / 2, y0 + 1, x1 - 1, y1 - 1, TEXT) ==
                   count_colour(&c, x0 + 1, y0 + 1, x1 - 1, y1 - 1, TEXT),
               "the legend is on the right");
    plot_canvas_free(&c);
}

static void test_png_file(void) {
    double x[50], y[50];
    for (int i = 0; i < 50; i++) {
        x[i] = -3 + 0.125 * i;
        y[i] = 100 * sin(x[i]);
    }
    PlotSeries s = {x, y, 50, {20, 40, 220}, "sin", false};
    PlotOptions o = {.width = 500, .height = 300, .title = "sine", .text_scale = 1};
    char path[256];
    snprintf(path, sizeof path, "%s/chart.png", dir);
    NashError err = {0};
    if (!check_true(plot_lines_png(path, &s, 1, &o, &err) == NASH_OK, "PNG written: %s", err.msg)) return;
    int w = 0, h = 0;
    unsigned char *rgb = test_read_png(path, &w, &h);
    PlotCanvas c;
    plot_canvas_init(&c, 500, 300, &err);
    plot_lines_draw(&c, 0, 0, 500, 300, &s, 1, &o, &err);
    if (rgb && check_true(w == 500 && h == 300, "PNG is 500x300 (got %dx%d)", w, h))
        check_true(!memcmp(rgb, c.rgb, (size_t)w * h * 3), "the PNG holds exactly the drawn canvas");
    check_true(count_colour(&c, 0, 0, 499, 299, BLUE) > 300, "the sine is drawn");
    free(rgb);
    plot_canvas_free(&c);

    char bad[300];
    snprintf(bad, sizeof bad, "%s/no/such/dir/chart.png", dir);
    NashError e2 = {0};
    NashStatus st = plot_lines_png(bad, &s, 1, &o, &e2);
    check_true(st == NASH_ERR_IO && strstr(e2.msg, bad), "unwritable path: io error naming it (%s)", e2.msg);
    check_true(access(bad, F_OK) != 0, "nothing written there");
    unlink(path);
}

static void test_panels(void) {
    /* two charts side by side in a caller-owned buffer; a third rectangle is left alone */
    enum { W = 900, H = 300 };
    unsigned char *buf = malloc((size_t)W * H * 3);
    memset(buf, 7, (size_t)W * H * 3);
    PlotCanvas c = {buf, W, H};
    double x[3] = {0, 1, 2}, y[3] = {0, 1, 0};
    PlotSeries s = {x, y, 3, {220, 20, 20}, "peak", false};
    NashError err = {0};
    check_true(plot_lines_draw(&c, 0, 0, 300, H, &s, 1, NULL, &err) == NASH_OK, "left panel: %s", err.msg);
    check_true(plot_lines_draw(&c, 300, 0, 300, H, &s, 1, NULL, &err) == NASH_OK, "middle panel: %s", err.msg);
    int untouched = 0, white_left = 0;
    for (int r = 0; r < H; r++)
        for (int col = 600; col < W; col++) untouched += !memcmp(px(&c, col, r), "\7\7\7", 3);
    for (int r = 0; r < H; r++) white_left += is(&c, 0, r, WHITE);
    check_true(untouched == 300 * H, "the rest of the canvas is untouched (%d of %d)", untouched, 300 * H);
    check_true(white_left == H, "a panel is filled white first");
    check_true(count_colour(&c, 0, 0, 299, H - 1, RED) == count_colour(&c, 300, 0, 599, H - 1, RED) &&
                   count_colour(&c, 0, 0, 299, H - 1, RED) > 100,
               "both panels hold the same chart");
    free(buf);
}

static void test_errors(void) {
    PlotCanvas c;
    NashError err = {0};
    plot_canvas_init(&c, 400, 300, &err);
    double x[2] = {0, 1}, y[2] = {0, 1};
    PlotSeries ok = {x, y, 2, {0, 0, 0}, NULL, false}, no_y = {x, NULL, 2, {0, 0, 0}, "broken", false};
    PlotOptions o = {0};
    check_true(plot_lines_draw(&c, 200, 0, 400, 300, &ok, 1, NULL, &err) == NASH_ERR_INVALID &&
                   strstr(err.msg, "does not fit"),
               "a rectangle outside the canvas: %s", err.msg);
    check_true(plot_lines_draw(&c, 0, 0, 60, 40, &ok, 1, NULL, &err) == NASH_ERR_INVALID && strstr(err.msg, "small"),
               "a tiny chart: %s", err.msg);
    check_true(plot_lines_draw(&c, 0, 0, 400, 300, &no_y, 1, NULL, &err) == NASH_ERR_INVALID &&
                   strstr(err.msg, "broken"),
               "a series without y: %s", err.msg);
    o.fix_y = true;
    o.y_min = o.y_max = 1;
    check_true(plot_lines_draw(&c, 0, 0, 400, 300, &ok, 1, &o, &err) == NASH_ERR_INVALID, "empty fixed range: %s",
               err.msg);
    o = (PlotOptions){.text_scale = 5};
    check_true(plot_lines_draw(&c, 0, 0, 400, 300, &ok, 1, &o, &err) == NASH_ERR_INVALID, "text scale 5: %s", err.msg);
    plot_canvas_free(&c);
    check_true(plot_canvas_init(&c, 0, 10, &err) == NASH_ERR_INVALID && c.rgb == NULL, "a 0-pixel canvas refused");
    /* no data at all still draws axes */
    plot_canvas_init(&c, 400, 300, &err);
    check_true(plot_lines_draw(&c, 0, 0, 400, 300, NULL, 0, NULL, &err) == NASH_OK, "an empty chart: %s", err.msg);
    int x0, y0, x1, y1;
    check_true(find_frame(&c, &x0, &y0, &x1, &y1), "an empty chart has its frame");
    plot_canvas_free(&c);
    check_true(plot_text_width("abc", 1) == 17 && plot_text_width("θ=1", 2) == 34 && plot_text_width("", 1) == 0,
               "text widths (%d, %d)", plot_text_width("abc", 1), plot_text_width("θ=1", 2));
}

int main(void) {
    if (!mkdtemp(dir)) {
        check_true(false, "cannot create a temporary directory");
        return check_finish("plot");
    }
    test_chart();
    test_png_file();
    test_panels();
    test_errors();
    rmdir(dir);
    return check_finish("plot");
}
