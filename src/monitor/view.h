/* view.h — what `nash monitor` prints: a dashboard redrawn in place, or one line per message.
 *
 * The dashboard (a terminal) shows per run: run id and layout, step/total with a progress bar and
 * an ETA (from images/s and the global batch, or the step rate when the batch is unknown), the
 * latest losses, D(x) and D(G(z)) with their distance from 1/2 (an even game sits at 1/2),
 * unicode sparklines of the last losses, images/s, the per-role time split, the last checkpoint
 * and samples, and the dropped/lost counts; then the frame counters. The line view (a pipe or a
 * file) prints one line per message and per skipped frame. Every string that came off the wire
 * is printed with control bytes replaced by '?', so a frame cannot drive the terminal.
 */
#ifndef NASH_MONITOR_VIEW_H
#define NASH_MONITOR_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "monitor/frame.h"

/* The whole dashboard; `ansi` prefixes cursor-home + clear-screen. `now` is Unix time. */
void view_dashboard(FILE *out, const MonitorState *s, const char *endpoint, double now, bool ansi);

/* One line for an accepted message, or for a skipped frame. */
void view_line(FILE *out, const FrameMessage *msg);
void view_skipped(FILE *out, FrameVerdict verdict, size_t len, const char *why);

/* "frames N: accepted N, malformed N, oversized N, lost N, dropped N" and a newline. */
void view_summary(FILE *out, const MonitorState *s);

/* A sparkline of n values (8 levels, UTF-8 blocks; a non-finite value is '!') into buf. */
void view_sparkline(char *buf, size_t size, const float *values, int n);

/* Copy src into dst (NUL-terminated, truncated) with control bytes replaced by '?'. */
void view_clean(char *dst, size_t size, const char *src);

#endif
