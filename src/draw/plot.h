/* plot.h — line charts drawn by nash itself: the figures of docs/ and of evaluation reports.
 *
 * A chart is a set of series (x[], y[] pairs joined by straight segments) drawn into a rectangle
 * of an RGB canvas: a frame around the plot area, light grid lines and outward tick marks at
 * "nice" values (steps of 1, 2 or 5 times a power of ten: Heckbert, "Nice numbers for graph
 * labels", Graphics Gems, 1990) with their numbers, an optional title, axis labels (the y label
 * reads bottom to top) and a legend. Text uses the hand-drawn bitmap font of draw/plot_font.h.
 * Several charts can share one canvas (panels); plot_lines_png is the one-chart shortcut.
 *
 *     PlotSeries s = {.x = theta, .y = js, .n = 101, .rgb = {200, 60, 40}, .label = "JS"};
 *     PlotOptions o = {.title = "JS saturates", .x_label = "shift", .y_label = "nats"};
 *     if (plot_lines_png("js.png", &s, 1, &o, &err)) ...
 *
 * Points with a NaN or infinite coordinate are not drawn and break the line there. Segments are
 * clipped to the plot area (Liang–Barsky), so values outside a fixed range leave the frame.
 */
#ifndef NASH_DRAW_PLOT_H
#define NASH_DRAW_PLOT_H

#include <stdbool.h>

#include "core/status.h"

typedef struct {
    const double *x; /* (n) */
    const double *y; /* (n) */
    int n;
    unsigned char rgb[3]; /* line colour */
    const char *label;    /* legend text (UTF-8); NULL or "" keeps the series out of the legend */
    bool dashed;          /* dashes instead of a solid line */
} PlotSeries;

typedef enum {
    PLOT_LEGEND_TOP_RIGHT = 0, /* the default */
    PLOT_LEGEND_TOP_LEFT,
    PLOT_LEGEND_BOTTOM_RIGHT,
    PLOT_LEGEND_BOTTOM_LEFT,
    PLOT_LEGEND_NONE,
} PlotLegend;

/* Zero-initialise and set what you need; every zero means the default. */
typedef struct {
    int width, height;                     /* picture size for plot_lines_png; 0: 640 x 400 */
    const char *title, *x_label, *y_label; /* NULL or "" for none */
    bool fix_x, fix_y;                     /* use [x_min, x_max] / [y_min, y_max] instead of the data's */
    double x_min, x_max, y_min, y_max;     /* (range ends; ticks are the nice values inside) */
    int line_width;                        /* pixels, 1..8; 0: 2 */
    int text_scale;                        /* each font pixel drawn as scale x scale, 1..4; 0: 1 */
    PlotLegend legend;
} PlotOptions;

/* An RGB picture in memory: rgb (height, width, 3), rows top to bottom. plot_lines_draw and
 * plot_text draw into any canvas, including one whose buffer the caller owns. */
typedef struct {
    unsigned char *rgb;
    int width, height;
} PlotCanvas;

/* A white canvas of width x height pixels (1..32768 a side); free with plot_canvas_free. */
NashStatus plot_canvas_init(PlotCanvas *canvas, int width, int height, NashError *err);
void plot_canvas_free(PlotCanvas *canvas);

/* Write the canvas as an RGB PNG through draw/png.h (atomically; errors name the path). */
NashStatus plot_canvas_write_png(const PlotCanvas *canvas, const char *path, NashError *err);

/* Draw a chart into the rectangle (left, top, width, height) of the canvas, which must lie
 * inside it and be at least 96 x 64 pixels per text scale step. The rectangle is first filled
 * white. opts may be NULL (all defaults); its width/height are not used here. */
NashStatus plot_lines_draw(PlotCanvas *canvas, int left, int top, int width, int height, const PlotSeries *series,
                           int n_series, const PlotOptions *opts, NashError *err);

/* A chart alone in a picture of opts->width x opts->height (default 640 x 400) written to path. */
NashStatus plot_lines_png(const char *path, const PlotSeries *series, int n_series, const PlotOptions *opts,
                          NashError *err);

/* Text (UTF-8, one line) with its top-left corner at (x, y): glyph rows 0..8 at scale `scale`
 * (1..4), clipped to the canvas. plot_text_width is the width it takes in pixels. */
void plot_text(PlotCanvas *canvas, int x, int y, const char *text, const unsigned char rgb[3], int scale);
int plot_text_width(const char *text, int scale);

#endif
