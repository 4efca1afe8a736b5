/* monitor.h — `nash monitor`: receive the metrics a training run publishes (publish.h) and show them.
 *
 * The monitor BINDS a ZeroMQ SUB socket (default METRICS_DEFAULT_ENDPOINT) and trainers connect
 * to it, so either side can start first. An endpoint that is not loopback (tcp://127.x.y.z,
 * tcp://localhost, tcp://[::1]) or local (ipc://, inproc://) is refused unless allow_remote: the
 * channel has no authentication or encryption. It polls with a short timeout, so the screen is
 * redrawn and a stop request (the caller's signal flag) is seen within POLL_MS even when nothing
 * arrives. Each frame goes through frame_handle (frame.h): oversized and malformed frames are
 * counted and skipped. ZMQ_MAXMSGSIZE closes a connection sending a frame over MONITOR_RECV_MAX
 * (a memory guard, before the frame is ever buffered); frames between METRICS_MAX_MESSAGE and
 * that are received and counted as oversized. A multipart message counts as one malformed frame.
 *
 * Outputs: the dashboard (view.h) redrawn in place when `dashboard`, else one line per message
 * on stdout; --csv appends one row per step message (header when the file is empty); --jsonl
 * appends every accepted message as one line of JSON. Files are flushed after each batch of
 * frames, so they can be tailed. With --http the web dashboard (web.h) serves the same state
 * from its own threads; its address is printed on stderr ("nash monitor: dashboard at URL").
 */
#ifndef NASH_MONITOR_MONITOR_H
#define NASH_MONITOR_MONITOR_H

#include <signal.h>
#include <stdbool.h>

#include "core/status.h"

#define MONITOR_POLL_MS 200
#define MONITOR_RECV_MAX (16 * 65536)

typedef struct {
    const char *endpoint;   /* NULL: METRICS_DEFAULT_ENDPOINT */
    const char *csv_path;   /* NULL: no CSV */
    const char *jsonl_path; /* NULL: no JSONL */
    const char *http;       /* "HOST:PORT": serve the web dashboard there (web.h); NULL: none */
    bool allow_remote;
    bool once;                   /* stop after the first run_end */
    double timeout;              /* > 0: stop after this many seconds without any frame */
    bool dashboard;              /* redraw a dashboard (stdout is a terminal), else one line per message */
    volatile sig_atomic_t *stop; /* set by the caller's SIGINT/SIGTERM handler; may be NULL */
} MonitorOptions;

typedef enum {
    MONITOR_END_STOPPED, /* *stop was set */
    MONITOR_END_RUN_END, /* once: a run_end arrived */
    MONITOR_END_TIMEOUT, /* no frame for `timeout` seconds */
} MonitorEnd;

/* True for an endpoint on this host only (see above). */
bool metrics_endpoint_is_local(const char *endpoint);

/* Run until stopped; prints a summary line (view_summary) on stdout at the end. Fails with
 * NASH_ERR_INVALID for a refused endpoint and NASH_ERR_IO when it cannot bind or write a file. */
NashStatus monitor_run(const MonitorOptions *opt, MonitorEnd *end, NashError *err);

#endif
