/* view.c — the monitor's terminal dashboard and its line-per-message output (view.h). */
#include "monitor/view.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define VIEW_SPARK_WIDTH 60
#define VIEW_BAR_WIDTH 30
#define VIEW_MAX_RANK_LINES 8

void view_clean(char *dst, size_t size, const char *src) {
    if (size == 0) return;
    size_t i = 0;
    for (; src && src[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[i] = '\0';
}

void view_sparkline(char *buf, size_t size, const float *values, int n) {
    static const char *const levels[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                          "\u2585", "\u2586", "\u2587", "\u2588"};
    float lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i])) continue;
        if (values[i] < lo) lo = values[i];
        if (values[i] > hi) hi = values[i];
    }
    size_t used = 0;
    if (size) buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *cell = "!";
        if (isfinite(values[i])) {
            int level = hi > lo ? (int)((values[i] - lo) / (hi - lo) * 7.0f + 0.5f) : 3;
            cell = levels[level < 0 ? 0 : level > 7 ? 7 : level];
        }
        size_t len = strlen(cell);
        if (used + len + 1 > size) break;
        memcpy(buf + used, cell, len + 1);
        used += len;
    }
}

static void format_eta(char *buf, size_t size, double seconds) {
    if (!(seconds >= 0.0) || seconds > 1e8) {
        snprintf(buf, size, "?");
        return;
    }
    long long t = (long long)(seconds + 0.5);
    snprintf(buf, size, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
}

/* Seconds left: from images/s and the global batch, else from the step rate seen so far. */
static double run_eta(const MonitorRun *run) {
    int64_t left = run->steps - run->last.step;
    if (left <= 0) return 0.0;
    if (run->batch > 0 && run->last.images_per_s > 0.0)
        return (double)left * (double)run->batch / run->last.images_per_s;
    double dt = run->last_time - run->rate_time0;
    int64_t ds = run->last.step - run->rate_step0;
    if (dt > 0.0 && ds > 0) return (double)left * dt / (double)ds;
    return NAN;
}

static void print_split(FILE *out, const MetricsStep *m) {
    double g = m->g_compute + m->g_exchange + m->g_allreduce;
    double d = m->d_compute + m->d_exchange + m->d_allreduce + m->d_data;
    double gs = g > 0.0 ? 100.0 / g : 0.0, ds = d > 0.0 ? 100.0 / d : 0.0;
    fprintf(out, "  time/step G %.1f ms: compute %.0f%% exchange %.0f%% allreduce %.0f%%\n", g * 1e3, m->g_compute * gs,
            m->g_exchange * gs, m->g_allreduce * gs);
    fprintf(out, "            D %.1f ms: compute %.0f%% exchange %.0f%% allreduce %.0f%% data %.0f%%\n", d * 1e3,
            m->d_compute * ds, m->d_exchange * ds, m->d_allreduce * ds, m->d_data * ds);
    /* split: a group's exchange is its wait for the other (fakes, or their gradients) */
    if (m->g_exchange > 0.0 || m->d_exchange > 0.0)
        fprintf(out, "  idle/step G %.1f ms (%.0f%%) waiting for D, D %.1f ms (%.0f%%) waiting for G\n",
                m->g_exchange * 1e3, m->g_exchange * gs, m->d_exchange * 1e3, m->d_exchange * ds);
}

/* One line per rank (the first VIEW_MAX_RANK_LINES): ms/step and its split. */
static void print_ranks(FILE *out, const MonitorRun *run) {
    for (int i = 0; i < run->n_rank_times && i < VIEW_MAX_RANK_LINES; i++) {
        const MetricsRankTime *r = &run->rank_times[i];
        double total = r->compute + r->exchange + r->allreduce + r->data;
        double pct = total > 0.0 ? 100.0 / total : 0.0;
        fprintf(out,
                "  rank %-3d %-2s %7.1f ms/step: compute %3.0f%% exchange %3.0f%% allreduce %3.0f%% data %3.0f%%\n",
                r->rank, r->role, total * 1e3, r->compute * pct, r->exchange * pct, r->allreduce * pct, r->data * pct);
    }
    if (run->n_rank_times > VIEW_MAX_RANK_LINES)
        fprintf(out, "  ... and %d more ranks\n", run->n_rank_times - VIEW_MAX_RANK_LINES);
}

static void print_run(FILE *out, const MonitorRun *run, double now) {
    char id[METRICS_RUN_MAX + 1], text[MONITOR_TEXT_MAX], layout[64];
    view_clean(id, sizeof id, run->id);
    view_clean(layout, sizeof layout, run->layout[0] ? run->layout : "layout ?");
    fprintf(out, "run %s  %s", id, layout);
    if (run->resumed_from > 0) fprintf(out, "  resumed from step %" PRId64, run->resumed_from);
    if (run->ended) {
        view_clean(text, sizeof text, run->end_reason);
        fprintf(out, "  ENDED %s at step %" PRId64, run->end_status, run->end_step);
        if (text[0]) fprintf(out, " (%s)", text);
    }
    fprintf(out, "\n");
    if (run->have_step) {
        const MetricsStep *m = &run->last;
        double frac = run->steps > 0 ? (double)m->step / (double)run->steps : 0.0;
        if (frac > 1.0) frac = 1.0;
        int full = (int)(frac * VIEW_BAR_WIDTH);
        char eta[32];
        format_eta(eta, sizeof eta, run_eta(run));
        fprintf(out, "  step %" PRId64 "/%" PRId64 " [", m->step, run->steps);
        for (int i = 0; i < VIEW_BAR_WIDTH; i++) fputs(i < full ? "\u2588" : "\u00b7", out);
        fprintf(out, "] %5.1f%%  epoch %" PRId64 "  ETA %s  (%.0f s ago)\n", 100.0 * frac, m->epoch, eta,
                now - run->last_time);
        fprintf(out, "  loss D %.4f  G %.4f   D(x) %.3f (|-1/2| %.3f)  D(G(z)) %.3f (|-1/2| %.3f)\n", m->loss_d,
                m->loss_g, m->d_real, run->d_real_gap, m->d_fake, run->d_fake_gap);
        fprintf(out, "  grad norm D %.3g  G %.3g   %.1f images/s\n", m->grad_norm_d, m->grad_norm_g, m->images_per_s);
        float hist[MONITOR_HISTORY];
        char spark[VIEW_SPARK_WIDTH * 4 + 1];
        for (int which = 0; which < 2; which++) {
            int n = monitor_run_history(run, which, hist);
            int shown = n < VIEW_SPARK_WIDTH ? n : VIEW_SPARK_WIDTH;
            view_sparkline(spark, sizeof spark, hist + n - shown, shown);
            fprintf(out, "  loss %s %s\n", which == 0 ? "D" : "G", spark);
        }
        print_split(out, m);
        print_ranks(out, run);
    } else {
        fprintf(out, "  no step message yet\n");
    }
    if (run->checkpoint[0]) {
        view_clean(text, sizeof text, run->checkpoint);
        fprintf(out, "  checkpoint step %" PRId64 ": %s\n", run->checkpoint_step, text);
    }
    if (run->samples[0]) {
        view_clean(text, sizeof text, run->samples);
        fprintf(out, "  samples    step %" PRId64 ": %s\n", run->samples_step, text);
    }
    if (run->eval[0]) {
        view_clean(text, sizeof text, run->eval);
        fprintf(out, "  eval %s\n", text);
    }
    if (run->warning[0]) {
        view_clean(text, sizeof text, run->warning);
        fprintf(out, "  warning: %s\n", text);
    }
    fprintf(out, "  messages %" PRIu64 "  dropped %" PRIu64 "  lost %" PRIu64 "  publishers %d\n\n", run->messages,
            monitor_run_dropped(run), monitor_run_lost(run), run->n_pubs);
}

void view_summary(FILE *out, const MonitorState *s) {
    fprintf(out,
            "frames %" PRIu64 ": accepted %" PRIu64 ", malformed %" PRIu64 ", oversized %" PRIu64 ", lost %" PRIu64
            ", dropped %" PRIu64 "\n",
            s->frames, s->accepted, s->malformed, s->oversized, monitor_state_lost(s), monitor_state_dropped(s));
}

void view_dashboard(FILE *out, const MonitorState *s, const char *endpoint, double now, bool ansi) {
    if (ansi) fputs("\033[H\033[2J", out);
    fprintf(out, "nash monitor  %s  (Ctrl-C to quit)\n\n", endpoint);
    if (s->n_runs == 0) fprintf(out, "waiting for a run to publish...\n\n");
    /* Live runs first, newest first, then the newest ended run in full; older ended runs get one
     * line each, so the live run stays on the screen. */
    int order[MONITOR_MAX_RUNS], n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < s->n_runs; i++)
            if (s->runs[i].ended == (pass == 1)) order[n++] = i;
    for (int a = 0; a < n; a++) /* within each group, by last heard, newest first */
        for (int b = a + 1; b < n; b++)
            if (s->runs[order[b]].ended == s->runs[order[a]].ended &&
                s->runs[order[b]].last_heard > s->runs[order[a]].last_heard) {
                int t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
    int ended_shown = 0;
    for (int k = 0; k < n; k++) {
        const MonitorRun *run = &s->runs[order[k]];
        if (!run->ended || ended_shown++ == 0) {
            print_run(out, run, now);
            continue;
        }
        char id[METRICS_RUN_MAX + 1];
        view_clean(id, sizeof id, run->id);
        fprintf(out, "run %s  ended %s at step %" PRId64 "\n", id, run->end_status, run->end_step);
        if (k == n - 1) fputc('\n', out);
    }
    view_summary(out, s);
    if (s->malformed + s->oversized > 0) {
        char why[sizeof s->last_error];
        view_clean(why, sizeof why, s->last_error);
        fprintf(out, "last skipped frame: %s\n", why);
    }
}

void view_line(FILE *out, const FrameMessage *msg) {
    char run[METRICS_RUN_MAX + 1], text[MONITOR_TEXT_MAX];
    view_clean(run, sizeof run, msg->run);
    view_clean(text, sizeof text, msg->text);
    fprintf(out, "%s r%d %s seq %" PRIu64 " %s", run, msg->rank, msg->role, msg->seq, frame_kind_name(msg->kind));
    const MetricsStep *m = &msg->m;
    switch (msg->kind) {
    case FRAME_KIND_RUN_START:
        fprintf(out, " %s steps %" PRId64 " batch %" PRId64 " resumed_from %" PRId64, text, m->steps, msg->batch,
                msg->resumed_from);
        break;
    case FRAME_KIND_STEP:
        fprintf(out, " %" PRId64 "/%" PRId64 " loss_d %.4f loss_g %.4f D(x) %.3f D(G(z)) %.3f %.1f img/s", m->step,
                m->steps, m->loss_d, m->loss_g, m->d_real, m->d_fake, m->images_per_s);
        break;
    case FRAME_KIND_SAMPLES:
    case FRAME_KIND_CHECKPOINT: fprintf(out, " step %" PRId64 " %s", msg->step, text); break;
    case FRAME_KIND_EVAL: fprintf(out, " step %" PRId64, msg->step); break;
    case FRAME_KIND_WARNING: fprintf(out, " %s", text); break;
    case FRAME_KIND_RUN_END: fprintf(out, " %s step %" PRId64 " %s", msg->status, msg->step, text); break;
    case FRAME_KIND_COUNT: break;
    }
    if (msg->dropped) fprintf(out, " (dropped %" PRIu64 ")", msg->dropped);
    fputc('\n', out);
}

void view_skipped(FILE *out, FrameVerdict verdict, size_t len, const char *why) {
    char clean[160];
    view_clean(clean, sizeof clean, why);
    fprintf(out, "skipped %s frame (%zu bytes): %s\n", verdict == FRAME_OVERSIZED ? "oversized" : "malformed", len,
            clean);
}
