/* monitor.c — the receiving end of the metrics channel: SUB socket, poll loop, CSV and JSONL (monitor.h). */
#include "monitor/monitor.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "core/clock.h"

#include "monitor/frame.h"
#include "monitor/view.h"
#include "monitor/web.h"

#define MONITOR_REDRAW_S 0.25
/* Messages ZeroMQ may hold for the monitor before it reads them (ZeroMQ's own default, set here so
 * that the figure is written down: a monitor killed with this many unread loses them with it,
 * tests/metrics/test_resilience.sh). */
#define MONITOR_RCVHWM 1000

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_text(FILE *f, const char *text) {
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (; *text; text++) {
        if (*text == '"') fputc('"', f);
        fputc(*text, f);
    }
    fputc('"', f);
}

static const char csv_header[] = "run,rank,role,time,step,steps,epoch,loss_d,loss_g,d_real,d_fake,grad_norm_d,"
                                 "grad_norm_g,images_per_s,g_compute,g_exchange,g_allreduce,d_compute,d_exchange,"
                                 "d_allreduce,d_data\n";

static void csv_row(FILE *f, const FrameMessage *msg) {
    const MetricsStep *m = &msg->m;
    csv_text(f, msg->run);
    fprintf(f, ",%d,%s,%.6f,%lld,%lld,%lld", msg->rank, msg->role, msg->time, (long long)m->step, (long long)m->steps,
            (long long)m->epoch);
    const double values[] = {m->loss_d,      m->loss_g,       m->d_real,      m->d_fake,     m->grad_norm_d,
                             m->grad_norm_g, m->images_per_s, m->g_compute,   m->g_exchange, m->g_allreduce,
                             m->d_compute,   m->d_exchange,   m->d_allreduce, m->d_data};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) fprintf(f, ",%.9g", values[i]);
    fputc('\n', f);
}

typedef struct {
    const MonitorOptions *opt;
    const char *endpoint;
    char label[160]; /* the endpoint, and the dashboard's URL with --http */
    MonitorState *state;
    pthread_mutex_t lock; /* held while the state changes (the web threads read it) */
    WebServer *web;
    FILE *csv, *jsonl;
    bool saw_run_end;
    bool write_failed;
} Monitor;

static NashStatus open_append(const char *path, FILE **out, bool *empty, NashError *err) {
    *out = fopen(path, "a");
    if (!*out) return nash_fail(err, NASH_ERR_IO, "%s: cannot open for appending: %s", path, strerror(errno));
    if (empty) {
        long pos = ftell(*out);
        *empty = pos <= 0;
    }
    return NASH_OK;
}

static void monitor_accept(Monitor *mon, const FrameMessage *msg) {
    if (mon->jsonl) {
        char *line = cJSON_PrintUnformatted(msg->json);
        if (line) {
            fputs(line, mon->jsonl);
            fputc('\n', mon->jsonl);
            cJSON_free(line);
        } else {
            mon->write_failed = true;
        }
    }
    if (mon->csv && msg->kind == FRAME_KIND_STEP) csv_row(mon->csv, msg);
    if (!mon->opt->dashboard) view_line(stdout, msg);
    if (msg->kind == FRAME_KIND_RUN_END) mon->saw_run_end = true;
}

/* Receive one ZeroMQ message (all its parts) and hand it to the frame handler. Returns false
 * when nothing was waiting. */
static bool monitor_receive(Monitor *mon, void *sock) {
    zmq_msg_t part;
    zmq_msg_init(&part);
    if (zmq_msg_recv(&part, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&part);
        return false;
    }
    if (zmq_msg_more(&part)) {
        size_t total = zmq_msg_size(&part);
        do {
            zmq_msg_close(&part);
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, sock, 0) < 0) break;
            total += zmq_msg_size(&part);
        } while (zmq_msg_more(&part));
        zmq_msg_close(&part);
        pthread_mutex_lock(&mon->lock);
        mon->state->frames++;
        mon->state->malformed++;
        snprintf(mon->state->last_error, sizeof mon->state->last_error, "a multipart message");
        pthread_mutex_unlock(&mon->lock);
        if (!mon->opt->dashboard) view_skipped(stdout, FRAME_MALFORMED, total, mon->state->last_error);
        return true;
    }
    FrameMessage msg;
    size_t len = zmq_msg_size(&part);
    pthread_mutex_lock(&mon->lock);
    FrameVerdict verdict = frame_handle(mon->state, zmq_msg_data(&part), len, &msg);
    pthread_mutex_unlock(&mon->lock);
    zmq_msg_close(&part);
    if (verdict == FRAME_ACCEPTED) {
        monitor_accept(mon, &msg);
        frame_message_free(&msg);
    } else if (!mon->opt->dashboard) {
        view_skipped(stdout, verdict, len, mon->state->last_error);
    }
    return true;
}

static void redraw(Monitor *mon) {
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    if (!mem) return;
    view_dashboard(mem, mon->state, mon->label, clock_wall_s(), true);
    if (fclose(mem) == 0) {
        fwrite(buf, 1, size, stdout);
        fflush(stdout);
    }
    free(buf);
}

static NashStatus flush_files(Monitor *mon, NashError *err) {
    if (mon->csv && (fflush(mon->csv) != 0 || ferror(mon->csv)))
        return nash_fail(err, NASH_ERR_IO, "%s: write failed: %s", mon->opt->csv_path, strerror(errno));
    if (mon->jsonl && (fflush(mon->jsonl) != 0 || ferror(mon->jsonl)))
        return nash_fail(err, NASH_ERR_IO, "%s: write failed: %s", mon->opt->jsonl_path, strerror(errno));
    if (mon->write_failed) return nash_fail(err, NASH_ERR_NOMEM, "out of memory writing a JSONL line");
    fflush(stdout);
    return NASH_OK;
}

static NashStatus monitor_loop(Monitor *mon, void *sock, MonitorEnd *end, NashError *err) {
    const MonitorOptions *opt = mon->opt;
    double last_frame = clock_monotonic_s(), last_draw = 0.0;
    for (;;) {
        if (opt->stop && *opt->stop) {
            *end = MONITOR_END_STOPPED;
            return NASH_OK;
        }
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        int ready = zmq_poll(&item, 1, MONITOR_POLL_MS);
        if (ready < 0 && zmq_errno() != EINTR)
            return nash_fail(err, NASH_ERR_IO, "polling %s: %s", mon->endpoint, zmq_strerror(zmq_errno()));
        if (ready > 0) {
            /* Drain what is queued, a bounded batch so the screen and the stop flag stay live. */
            for (int i = 0; i < 1000 && monitor_receive(mon, sock); i++) {
                if (opt->once && mon->saw_run_end) break;
            }
            last_frame = clock_monotonic_s();
            web_changed(mon->web);
            NashStatus st = flush_files(mon, err);
            if (st != NASH_OK) return st;
        }
        double t = clock_monotonic_s();
        if (opt->dashboard && t - last_draw >= MONITOR_REDRAW_S) {
            redraw(mon);
            last_draw = t;
        }
        if (opt->once && mon->saw_run_end) {
            *end = MONITOR_END_RUN_END;
            return NASH_OK;
        }
        if (opt->timeout > 0.0 && t - last_frame >= opt->timeout) {
            *end = MONITOR_END_TIMEOUT;
            return NASH_OK;
        }
    }
}

static NashStatus monitor_open_socket(const char *endpoint, void **ctx_out, void **sock_out, NashError *err) {
    void *ctx = zmq_ctx_new();
    if (!ctx) return nash_fail(err, NASH_ERR_IO, "cannot create a ZeroMQ context: %s", zmq_strerror(zmq_errno()));
    void *sock = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0;
    int64_t max_size = MONITOR_RECV_MAX;
    int rcvhwm = MONITOR_RCVHWM;
    if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0 ||
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) != 0 ||
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0) != 0) {
        NashStatus st = nash_fail(err, NASH_ERR_IO, "cannot create a ZeroMQ SUB socket: %s", zmq_strerror(zmq_errno()));
        if (sock) zmq_close(sock);
        zmq_ctx_term(ctx);
        return st;
    }
    if (zmq_bind(sock, endpoint) != 0) {
        NashStatus st = nash_fail(err, NASH_ERR_IO,
                                  "cannot bind %s: %s; is another monitor listening there? choose another with --bind",
                                  endpoint, zmq_strerror(zmq_errno()));
        zmq_close(sock);
        zmq_ctx_term(ctx);
        return st;
    }
    *ctx_out = ctx;
    *sock_out = sock;
    return NASH_OK;
}

NashStatus monitor_run(const MonitorOptions *opt, MonitorEnd *end, NashError *err) {
    Monitor mon = {.opt = opt, .endpoint = opt->endpoint ? opt->endpoint : METRICS_DEFAULT_ENDPOINT};
    *end = MONITOR_END_STOPPED;
    if (!opt->allow_remote && !metrics_endpoint_is_local(mon.endpoint))
        return nash_fail(err, NASH_ERR_INVALID,
                         "refusing to bind %s: not a loopback address (tcp://127.0.0.1:PORT, ipc://PATH); the metrics "
                         "channel has no authentication, pass --allow-remote to receive from other hosts",
                         mon.endpoint);
    mon.state = malloc(sizeof *mon.state);
    if (!mon.state) return nash_fail(err, NASH_ERR_NOMEM, "out of memory for the monitor state");
    frame_state_init(mon.state);
    bool csv_empty = false;
    NashStatus st = NASH_OK;
    if (opt->csv_path) st = open_append(opt->csv_path, &mon.csv, &csv_empty, err);
    if (st == NASH_OK && csv_empty) fputs(csv_header, mon.csv);
    if (st == NASH_OK && opt->jsonl_path) st = open_append(opt->jsonl_path, &mon.jsonl, NULL, err);
    void *ctx = NULL, *sock = NULL;
    if (st == NASH_OK) st = monitor_open_socket(mon.endpoint, &ctx, &sock, err);
    pthread_mutex_init(&mon.lock, NULL);
    snprintf(mon.label, sizeof mon.label, "%s", mon.endpoint);
    if (st == NASH_OK && opt->http) {
        st = web_start(&mon.web, opt->http, opt->allow_remote, mon.state, &mon.lock, mon.endpoint, err);
        if (st == NASH_OK) {
            snprintf(mon.label, sizeof mon.label, "%s  web %s", mon.endpoint, web_url(mon.web));
            fprintf(stderr, "nash monitor: dashboard at %s\n", web_url(mon.web));
        }
    }
    if (st == NASH_OK) {
        if (!opt->dashboard) printf("nash monitor: listening on %s\n", mon.endpoint);
        fflush(stdout);
        st = monitor_loop(&mon, sock, end, err);
        if (opt->dashboard) redraw(&mon);
        web_stop(mon.web);
        mon.web = NULL;
        NashStatus flushed = flush_files(&mon, st == NASH_OK ? err : NULL);
        if (st == NASH_OK) st = flushed;
    }
    web_stop(mon.web);
    if (sock) zmq_close(sock);
    if (ctx) zmq_ctx_term(ctx);
    pthread_mutex_destroy(&mon.lock);
    if (mon.csv && fclose(mon.csv) != 0 && st == NASH_OK)
        st = nash_fail(err, NASH_ERR_IO, "%s: write failed: %s", opt->csv_path, strerror(errno));
    if (mon.jsonl && fclose(mon.jsonl) != 0 && st == NASH_OK)
        st = nash_fail(err, NASH_ERR_IO, "%s: write failed: %s", opt->jsonl_path, strerror(errno));
    if (sock) {
        printf("nash monitor: ");
        view_summary(stdout, mon.state);
        fflush(stdout);
    }
    free(mon.state);
    return st;
}
