/* seqplot.c — real and generated sequences side by side, panel by panel (see seqplot.h). */
#include "draw/seqplot.h"

#include <stdlib.h>

#include "draw/plot.h"

#define SEQPLOT_PANEL_W 360
#define SEQPLOT_PANEL_H 120
#define SEQPLOT_TITLE_H 24

static NashStatus draw_panel(PlotCanvas *canvas, int col, int row, const float *seq, int len, float lim, double *xs,
                             double *ys, NashError *err) {
    static const unsigned char real_rgb[3] = {110, 110, 110}, fake_rgb[3] = {31, 100, 200};
    for (int t = 0; t < len; t++) {
        xs[t] = t;
        ys[t] = seq[t];
    }
    PlotSeries s = {.x = xs, .y = ys, .n = len, .label = NULL};
    const unsigned char *rgb = col ? fake_rgb : real_rgb;
    for (int k = 0; k < 3; k++) s.rgb[k] = rgb[k];
    PlotOptions o = {.fix_x = true,
                     .x_min = 0,
                     .x_max = len - 1,
                     .fix_y = true,
                     .y_min = -lim,
                     .y_max = lim,
                     .legend = PLOT_LEGEND_NONE};
    return plot_lines_draw(canvas, col * SEQPLOT_PANEL_W, SEQPLOT_TITLE_H + row * SEQPLOT_PANEL_H, SEQPLOT_PANEL_W,
                           SEQPLOT_PANEL_H, &s, 1, &o, err);
}

NashStatus seqplot_write_png(const char *path, const float *real, const float *fake, int rows, int len, float lim,
                             NashError *err) {
    if (rows < 1 || rows > 16 || len < 2 || !(lim > 0))
        return nash_fail(err, NASH_ERR_INVALID, "%s: cannot plot %d rows of sequences of %d steps within +-%g", path,
                         rows, len, (double)lim);
    PlotCanvas canvas;
    NashStatus st = plot_canvas_init(&canvas, 2 * SEQPLOT_PANEL_W, SEQPLOT_TITLE_H + rows * SEQPLOT_PANEL_H, err);
    if (st) return st;
    double *xs = malloc((size_t)len * sizeof *xs), *ys = malloc((size_t)len * sizeof *ys);
    if (!xs || !ys) st = nash_fail(err, NASH_ERR_NOMEM, "%s: cannot allocate a plot of %d steps", path, len);
    static const unsigned char black[3] = {0, 0, 0};
    const char *titles[2] = {"real", "generated"};
    for (int col = 0; col < 2 && !st; col++) {
        int x = col * SEQPLOT_PANEL_W + (SEQPLOT_PANEL_W - plot_text_width(titles[col], 2)) / 2;
        plot_text(&canvas, x, 4, titles[col], black, 2);
        for (int row = 0; row < rows && !st; row++)
            st = draw_panel(&canvas, col, row, (col ? fake : real) + (size_t)row * len, len, lim, xs, ys, err);
    }
    if (!st) st = plot_canvas_write_png(&canvas, path, err);
    free(xs);
    free(ys);
    plot_canvas_free(&canvas);
    return st;
}
