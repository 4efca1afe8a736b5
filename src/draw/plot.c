/* plot.c — line charts rasterised into an RGB canvas (see plot.h).
 *
 * Layout of a chart rectangle, outside in: a padding, the title on top, the x label at the
 * bottom and the y label (rotated) on the left, the tick numbers, the ticks, then the plot area
 * with its frame. Axis ranges come from the data (widened to the enclosing nice ticks) or from
 * the options; ticks are spaced by a nice step (1, 2 or 5 x 10^k, Heckbert 1990) for about one
 * tick per 60 (x) or 40 (y) pixels. Segments are clipped to the plot area with Liang–Barsky and
 * stepped pixel by pixel (a DDA) with a square brush of the line width; dashes count steps.
 */
#include "draw/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/plot_font.h"
#include "draw/png.h"

#define PLOT_SIDE_MAX 32768
#define PLOT_DEFAULT_WIDTH 640
#define PLOT_DEFAULT_HEIGHT 400
#define PLOT_MAX_TICKS 24
#define PLOT_LABEL_MAX 64

static const unsigned char colour_background[3] = {255, 255, 255};
static const unsigned char colour_frame[3] = {60, 60, 60};
static const unsigned char colour_grid[3] = {228, 228, 228};
static const unsigned char colour_text[3] = {30, 30, 30};
static const unsigned char colour_legend_border[3] = {170, 170, 170};

/* An inclusive pixel rectangle. */
typedef struct {
    int x0, y0, x1, y1;
} PixelRect;

/* One axis: the shown range [lo, hi] and `count` ticks first, first + step, ... */
typedef struct {
    double lo, hi, step, first;
    int count, decimals;
} Axis;

/* ---- pixels and text ------------------------------------------------------------------------ */

static void fill_rect(PlotCanvas *canvas, int x0, int y0, int x1, int y1, const unsigned char *rgb) {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= canvas->width) x1 = canvas->width - 1;
    if (y1 >= canvas->height) y1 = canvas->height - 1;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            memcpy(canvas->rgb + ((size_t)y * (size_t)canvas->width + (size_t)x) * 3, rgb, 3);
}

/* Text left to right with its top-left corner at (x, y), or (upward) rotated a quarter turn
 * anticlockwise, starting at (x, y) and running up, glyph tops facing left. */
static void draw_text(PlotCanvas *canvas, int x, int y, const char *text, const unsigned char *rgb, int scale,
                      bool upward) {
    int pen = 0;
    for (const char *s = text; *s;) {
        const unsigned char *glyph = plot_font_glyph(plot_font_next(&s));
        for (int row = 0; row < PLOT_FONT_ROWS; row++)
            for (int col = 0; col < PLOT_FONT_W; col++) {
                if (!((glyph[row] >> (PLOT_FONT_W - 1 - col)) & 1)) continue;
                int px = upward ? x + row * scale : x + (pen + col) * scale;
                int py = upward ? y - (pen + col + 1) * scale + 1 : y + row * scale;
                fill_rect(canvas, px, py, px + scale - 1, py + scale - 1, rgb);
            }
        pen += PLOT_FONT_ADVANCE;
    }
}

int plot_text_width(const char *text, int scale) {
    int count = 0;
    for (const char *s = text; s && *s; count++) plot_font_next(&s);
    return count ? (count * PLOT_FONT_ADVANCE - 1) * scale : 0;
}

void plot_text(PlotCanvas *canvas, int x, int y, const char *text, const unsigned char rgb[3], int scale) {
    if (!canvas || !canvas->rgb || !text || scale < 1 || scale > 4) return;
    draw_text(canvas, x, y, text, rgb, scale, false);
}

/* ---- axes ----------------------------------------------------------------------------------- */

/* A nice number near v > 0: 1, 2 or 5 x 10^k, rounded to the nearest or taken at or above. */
static double nice_number(double v, bool nearest) {
    double power = pow(10.0, floor(log10(v))), f = v / power, nice;
    if (nearest)
        nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nice * power;
}

static void axis_make(Axis *axis, double lo, double hi, bool fixed, int target) {
    if (!(hi > lo)) { /* a single value: a range around it */
        double half = lo != 0 ? fabs(lo) * 0.5 : 1.0;
        lo -= half;
        hi += half;
    }
    double step = nice_number(nice_number(hi - lo, false) / (target - 1), true);
    if (!fixed && isfinite(step) && step > 0) {
        lo = floor(lo / step) * step;
        hi = ceil(hi / step) * step;
    }
    axis->lo = lo;
    axis->hi = hi;
    axis->step = step;
    axis->count = 0;
    axis->decimals = 0;
    if (!isfinite(step) || !(step > 0) || !isfinite(hi - lo)) return;
    axis->first = ceil(lo / step - 1e-9) * step;
    double count = floor((hi - axis->first) / step + 1e-9) + 1;
    axis->count = count > PLOT_MAX_TICKS ? PLOT_MAX_TICKS : count < 0 ? 0 : (int)count;
    axis->decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
}

static double axis_tick(const Axis *axis, int i) {
    double v = axis->first + i * axis->step;
    return fabs(v) < axis->step * 1e-6 ? 0.0 : v; /* no "-0.0" */
}

static void tick_label(char *buf, const Axis *axis, int i) {
    double v = axis_tick(axis, i), mag = fmax(fabs(axis->lo), fabs(axis->hi));
    if (mag >= 1e6 || axis->decimals > 5)
        snprintf(buf, PLOT_LABEL_MAX, "%.3g", v);
    else
        snprintf(buf, PLOT_LABEL_MAX, "%.*f", axis->decimals, v);
}

static int widest_tick_label(const Axis *axis, int scale) {
    char buf[PLOT_LABEL_MAX];
    int widest = 0;
    for (int i = 0; i < axis->count; i++) {
        tick_label(buf, axis, i);
        int w = plot_text_width(buf, scale);
        if (w > widest) widest = w;
    }
    return widest;
}

/* The range of the finite values of one coordinate over all series; false when none. */
static bool data_range(const PlotSeries *series, int n_series, bool use_x, double *lo, double *hi) {
    bool any = false;
    for (int s = 0; s < n_series; s++)
        for (int i = 0; i < series[s].n; i++) {
            double v = use_x ? series[s].x[i] : series[s].y[i];
            if (!isfinite(v)) continue;
            if (!any || v < *lo) *lo = v;
            if (!any || v > *hi) *hi = v;
            any = true;
        }
    return any;
}

/* ---- lines ---------------------------------------------------------------------------------- */

typedef struct {
    PlotCanvas *canvas;
    PixelRect clip;
    const unsigned char *rgb;
    int width; /* brush side */
    bool dashed;
    long steps; /* pixels stepped so far (for the dash pattern) */
} Pen;

static void pen_dot(Pen *pen, int x, int y) {
    int lo = -(pen->width - 1) / 2, hi = pen->width / 2;
    int x0 = x + lo, x1 = x + hi, y0 = y + lo, y1 = y + hi;
    if (x0 < pen->clip.x0) x0 = pen->clip.x0;
    if (y0 < pen->clip.y0) y0 = pen->clip.y0;
    if (x1 > pen->clip.x1) x1 = pen->clip.x1;
    if (y1 > pen->clip.y1) y1 = pen->clip.y1;
    if (x0 <= x1 && y0 <= y1) fill_rect(pen->canvas, x0, y0, x1, y1, pen->rgb);
}

/* Liang–Barsky: clip the segment to [x0, x1] x [y0, y1] of r; false when nothing is left. */
static bool clip_segment(double *ax, double *ay, double *bx, double *by, const PixelRect *r) {
    double dx = *bx - *ax, dy = *by - *ay, t0 = 0.0, t1 = 1.0;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {*ax - r->x0, r->x1 - *ax, *ay - r->y0, r->y1 - *ay};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0) return false;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0 && t > t0) t0 = t;
        if (p[i] > 0 && t < t1) t1 = t;
        if (t0 > t1) return false;
    }
    double x = *ax, y = *ay;
    *ax = x + t0 * dx;
    *ay = y + t0 * dy;
    *bx = x + t1 * dx;
    *by = y + t1 * dy;
    return true;
}

static void pen_segment(Pen *pen, double ax, double ay, double bx, double by) {
    if (!clip_segment(&ax, &ay, &bx, &by, &pen->clip)) return;
    double dx = bx - ax, dy = by - ay;
    long n = lround(fmax(fabs(dx), fabs(dy)));
    int on = 5 + 2 * pen->width, period = on + 3 + 2 * pen->width;
    for (long i = 0; i <= n; i++) {
        double t = n ? (double)i / (double)n : 0.0;
        if (!pen->dashed || pen->steps % period < on) pen_dot(pen, (int)lround(ax + t * dx), (int)lround(ay + t * dy));
        if (i < n) pen->steps++;
    }
}

typedef struct {
    Axis x, y;
    PixelRect area;
} Frame;

static double frame_px(const Frame *f, double v) {
    return f->area.x0 + (v - f->x.lo) / (f->x.hi - f->x.lo) * (f->area.x1 - f->area.x0);
}

static double frame_py(const Frame *f, double v) {
    return f->area.y1 - (v - f->y.lo) / (f->y.hi - f->y.lo) * (f->area.y1 - f->area.y0);
}

/* Pixel coordinates of point i of a series; false when it cannot be drawn. Coordinates far
 * outside the picture are limited so that clipping stays finite. */
static bool series_point(const Frame *f, const PlotSeries *s, int i, double *px, double *py) {
    if (!isfinite(s->x[i]) || !isfinite(s->y[i])) return false;
    *px = fmin(fmax(frame_px(f, s->x[i]), -1e7), 1e7);
    *py = fmin(fmax(frame_py(f, s->y[i]), -1e7), 1e7);
    return isfinite(*px) && isfinite(*py);
}

static void draw_series(PlotCanvas *canvas, const Frame *f, const PlotSeries *s, int width) {
    Pen pen = {canvas, f->area, s->rgb, width, s->dashed, 0};
    double ax = 0, ay = 0, bx = 0, by = 0;
    bool have_prev = false;
    for (int i = 0; i < s->n; i++) {
        bool ok = series_point(f, s, i, &bx, &by);
        if (ok && have_prev) pen_segment(&pen, ax, ay, bx, by);
        bool next_ok = i + 1 < s->n && isfinite(s->x[i + 1]) && isfinite(s->y[i + 1]);
        if (ok && !have_prev && !next_ok && bx >= f->area.x0 && bx <= f->area.x1 && by >= f->area.y0 &&
            by <= f->area.y1) /* an isolated point */
            pen_dot(&pen, (int)lround(bx), (int)lround(by));
        ax = bx;
        ay = by;
        have_prev = ok;
    }
}

/* ---- the chart ------------------------------------------------------------------------------ */

static bool has_text(const char *s) { return s && *s; }

static void draw_legend(PlotCanvas *canvas, const PixelRect *area, const PlotSeries *series, int n_series,
                        PlotLegend where, int width, int scale) {
    int entries = 0, widest = 0, pad = 5 * scale, row = (PLOT_FONT_ROWS + 3) * scale, swatch = 18 * scale;
    for (int s = 0; s < n_series; s++) {
        if (!has_text(series[s].label)) continue;
        entries++;
        int w = plot_text_width(series[s].label, scale);
        if (w > widest) widest = w;
    }
    if (!entries || where == PLOT_LEGEND_NONE) return;
    int box_w = pad + swatch + pad + widest + pad, box_h = pad + entries * row - 3 * scale + pad;
    bool right = where == PLOT_LEGEND_TOP_RIGHT || where == PLOT_LEGEND_BOTTOM_RIGHT;
    bool top = where == PLOT_LEGEND_TOP_RIGHT || where == PLOT_LEGEND_TOP_LEFT;
    int x0 = right ? area->x1 - pad - box_w : area->x0 + pad, y0 = top ? area->y0 + pad : area->y1 - pad - box_h;
    fill_rect(canvas, x0, y0, x0 + box_w, y0 + box_h, colour_legend_border);
    fill_rect(canvas, x0 + 1, y0 + 1, x0 + box_w - 1, y0 + box_h - 1, colour_background);
    int y = y0 + pad;
    for (int s = 0; s < n_series; s++) {
        if (!has_text(series[s].label)) continue;
        Pen pen = {canvas, *area, series[s].rgb, width, series[s].dashed, 0};
        double mid = y + 3.5 * scale;
        pen_segment(&pen, x0 + pad, mid, x0 + pad + swatch, mid);
        draw_text(canvas, x0 + pad + swatch + pad, y, series[s].label, colour_text, scale, false);
        y += row;
    }
}

static NashStatus check_inputs(const PlotCanvas *canvas, int left, int top, int width, int height,
                               const PlotSeries *series, int n_series, const PlotOptions *o, NashError *err) {
    if (!canvas || !canvas->rgb || canvas->width <= 0 || canvas->height <= 0)
        return nash_fail(err, NASH_ERR_INVALID, "plot: no canvas to draw into");
    if (left < 0 || top < 0 || width <= 0 || height <= 0 || width > canvas->width - left ||
        height > canvas->height - top)
        return nash_fail(err, NASH_ERR_INVALID,
                         "plot: the chart rectangle %dx%d at (%d, %d) does not fit the %dx%d canvas", width, height,
                         left, top, canvas->width, canvas->height);
    if (o->text_scale < 0 || o->text_scale > 4)
        return nash_fail(err, NASH_ERR_INVALID, "plot: text scale %d must be 1 to 4 (0: 1)", o->text_scale);
    if (o->line_width < 0 || o->line_width > 8)
        return nash_fail(err, NASH_ERR_INVALID, "plot: line width %d must be 1 to 8 pixels (0: 2)", o->line_width);
    if ((int)o->legend < 0 || o->legend > PLOT_LEGEND_NONE)
        return nash_fail(err, NASH_ERR_INVALID, "plot: unknown legend position %d", (int)o->legend);
    int scale = o->text_scale ? o->text_scale : 1;
    if (width < 96 * scale || height < 64 * scale)
        return nash_fail(err, NASH_ERR_INVALID, "plot: a chart of %dx%d pixels is too small for text scale %d (%dx%d)",
                         width, height, scale, 96 * scale, 64 * scale);
    if (n_series < 0 || (n_series > 0 && !series))
        return nash_fail(err, NASH_ERR_INVALID, "plot: bad series list (%d series)", n_series);
    for (int s = 0; s < n_series; s++)
        if (series[s].n < 0 || (series[s].n > 0 && (!series[s].x || !series[s].y)))
            return nash_fail(err, NASH_ERR_INVALID, "plot: series %d ('%s') has %d points but no x or y array", s,
                             has_text(series[s].label) ? series[s].label : "", series[s].n);
    if (o->fix_x && !(o->x_max > o->x_min && isfinite(o->x_min) && isfinite(o->x_max) && isfinite(o->x_max - o->x_min)))
        return nash_fail(err, NASH_ERR_INVALID, "plot: fixed x range [%g, %g] is empty or not finite", o->x_min,
                         o->x_max);
    if (o->fix_y && !(o->y_max > o->y_min && isfinite(o->y_min) && isfinite(o->y_max) && isfinite(o->y_max - o->y_min)))
        return nash_fail(err, NASH_ERR_INVALID, "plot: fixed y range [%g, %g] is empty or not finite", o->y_min,
                         o->y_max);
    return NASH_OK;
}

NashStatus plot_lines_draw(PlotCanvas *canvas, int left, int top, int width, int height, const PlotSeries *series,
                           int n_series, const PlotOptions *opts, NashError *err) {
    static const PlotOptions defaults = {0};
    const PlotOptions *o = opts ? opts : &defaults;
    NashStatus st = check_inputs(canvas, left, top, width, height, series, n_series, o, err);
    if (st) return st;
    int scale = o->text_scale ? o->text_scale : 1, line_width = o->line_width ? o->line_width : 2;
    int line = PLOT_FONT_ROWS * scale, pad = 6 * scale, tick = 4 * scale;

    Frame f;
    double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    if (o->fix_x) {
        xlo = o->x_min;
        xhi = o->x_max;
    } else
        data_range(series, n_series, true, &xlo, &xhi);
    if (o->fix_y) {
        ylo = o->y_min;
        yhi = o->y_max;
    } else
        data_range(series, n_series, false, &ylo, &yhi);
    int target_x = width / (60 * scale), target_y = height / (40 * scale);
    axis_make(&f.x, xlo, xhi, o->fix_x, target_x < 3 ? 3 : target_x > 11 ? 11 : target_x);
    axis_make(&f.y, ylo, yhi, o->fix_y, target_y < 3 ? 3 : target_y > 11 ? 11 : target_y);

    int title_h = has_text(o->title) ? line + pad : 0, xlabel_h = has_text(o->x_label) ? line + pad / 2 : 0;
    int ylabel_w = has_text(o->y_label) ? line + pad / 2 : 0;
    f.area.x0 = left + pad + ylabel_w + widest_tick_label(&f.y, scale) + pad / 2 + tick;
    f.area.x1 = left + width - 1 - pad - widest_tick_label(&f.x, scale) / 2;
    f.area.y0 = top + pad + title_h + line / 2;
    f.area.y1 = top + height - 1 - pad - xlabel_h - line - pad / 2 - tick;
    if (f.area.x1 - f.area.x0 < 24 || f.area.y1 - f.area.y0 < 24)
        return nash_fail(err, NASH_ERR_INVALID,
                         "plot: a chart of %dx%d pixels leaves no room for the plot area; make it larger", width,
                         height);

    fill_rect(canvas, left, top, left + width - 1, top + height - 1, colour_background);
    char buf[PLOT_LABEL_MAX];
    for (int i = 0; i < f.x.count; i++) {
        int px = (int)lround(frame_px(&f, axis_tick(&f.x, i)));
        fill_rect(canvas, px, f.area.y0, px, f.area.y1, colour_grid);
        fill_rect(canvas, px, f.area.y1 + 1, px, f.area.y1 + tick, colour_frame);
        tick_label(buf, &f.x, i);
        draw_text(canvas, px - plot_text_width(buf, scale) / 2, f.area.y1 + tick + pad / 2, buf, colour_text, scale,
                  false);
    }
    for (int i = 0; i < f.y.count; i++) {
        int py = (int)lround(frame_py(&f, axis_tick(&f.y, i)));
        fill_rect(canvas, f.area.x0, py, f.area.x1, py, colour_grid);
        fill_rect(canvas, f.area.x0 - tick, py, f.area.x0 - 1, py, colour_frame);
        tick_label(buf, &f.y, i);
        draw_text(canvas, f.area.x0 - tick - pad / 2 - plot_text_width(buf, scale), py - PLOT_FONT_ASCENT * scale / 2,
                  buf, colour_text, scale, false);
    }
    fill_rect(canvas, f.area.x0, f.area.y0, f.area.x1, f.area.y0, colour_frame);
    fill_rect(canvas, f.area.x0, f.area.y1, f.area.x1, f.area.y1, colour_frame);
    fill_rect(canvas, f.area.x0, f.area.y0, f.area.x0, f.area.y1, colour_frame);
    fill_rect(canvas, f.area.x1, f.area.y0, f.area.x1, f.area.y1, colour_frame);
    for (int s = 0; s < n_series; s++) draw_series(canvas, &f, &series[s], line_width);
    draw_legend(canvas, &f.area, series, n_series, o->legend, line_width, scale);

    if (has_text(o->title))
        draw_text(canvas, (f.area.x0 + f.area.x1 - plot_text_width(o->title, scale)) / 2, top + pad, o->title,
                  colour_text, scale, false);
    if (has_text(o->x_label))
        draw_text(canvas, (f.area.x0 + f.area.x1 - plot_text_width(o->x_label, scale)) / 2,
                  top + height - 1 - pad - line + 1, o->x_label, colour_text, scale, false);
    if (has_text(o->y_label))
        draw_text(canvas, left + pad, (f.area.y0 + f.area.y1 + plot_text_width(o->y_label, scale)) / 2, o->y_label,
                  colour_text, scale, true);
    return NASH_OK;
}

NashStatus plot_canvas_init(PlotCanvas *canvas, int width, int height, NashError *err) {
    canvas->rgb = NULL;
    canvas->width = canvas->height = 0;
    if (width <= 0 || height <= 0 || width > PLOT_SIDE_MAX || height > PLOT_SIDE_MAX)
        return nash_fail(err, NASH_ERR_INVALID, "plot: a canvas of %dx%d pixels is not possible (1 to %d a side)",
                         width, height, PLOT_SIDE_MAX);
    canvas->rgb = malloc((size_t)width * (size_t)height * 3);
    if (!canvas->rgb) return nash_fail(err, NASH_ERR_NOMEM, "plot: cannot allocate a %dx%d canvas", width, height);
    canvas->width = width;
    canvas->height = height;
    fill_rect(canvas, 0, 0, width - 1, height - 1, colour_background);
    return NASH_OK;
}

void plot_canvas_free(PlotCanvas *canvas) {
    free(canvas->rgb);
    canvas->rgb = NULL;
    canvas->width = canvas->height = 0;
}

NashStatus plot_canvas_write_png(const PlotCanvas *canvas, const char *path, NashError *err) {
    if (!canvas || !canvas->rgb) return nash_fail(err, NASH_ERR_INVALID, "%s: no canvas to write", path);
    return png_write_rgb(path, canvas->rgb, canvas->height, canvas->width, err);
}

NashStatus plot_lines_png(const char *path, const PlotSeries *series, int n_series, const PlotOptions *opts,
                          NashError *err) {
    int width = opts && opts->width ? opts->width : PLOT_DEFAULT_WIDTH;
    int height = opts && opts->height ? opts->height : PLOT_DEFAULT_HEIGHT;
    PlotCanvas canvas;
    NashStatus st = plot_canvas_init(&canvas, width, height, err);
    if (!st) st = plot_lines_draw(&canvas, 0, 0, width, height, series, n_series, opts, err);
    if (!st) st = plot_canvas_write_png(&canvas, path, err);
    if (st && st != NASH_ERR_IO) nash_fail_context(err, "%s: ", path);
    plot_canvas_free(&canvas);
    return st;
}
