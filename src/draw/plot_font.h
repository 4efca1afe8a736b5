/* plot_font.h — a small bitmap font for chart text (draw/plot.c), drawn by hand for nash.
 *
 * Glyphs are 5 pixels wide on a 9-row grid: 7 rows above the baseline (capital height) and 2
 * below for descenders. Printable ASCII, ² and the Greek letters θ σ μ (UTF-8 in the text); any
 * other character is drawn as a hollow box. Text advances 6 pixels a character (at scale 1).
 */
#ifndef NASH_DRAW_PLOT_FONT_H
#define NASH_DRAW_PLOT_FONT_H

#include <stdint.h>

#define PLOT_FONT_W 5       /* glyph width in pixels */
#define PLOT_FONT_ROWS 9    /* glyph rows: 7 above the baseline, 2 below */
#define PLOT_FONT_ASCENT 7  /* rows above the baseline */
#define PLOT_FONT_ADVANCE 6 /* pen advance per character */

/* The nine rows of code point `code` (bit 4 = leftmost column); the hollow box when missing. */
const unsigned char *plot_font_glyph(uint32_t code);

/* Decode the UTF-8 code point at *text and advance *text past it (an invalid or truncated
 * sequence yields U+FFFD and advances one byte). The caller stops at the terminating NUL. */
uint32_t plot_font_next(const char **text);

#endif
