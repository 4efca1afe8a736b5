/* web.h — the monitor's web dashboard: an HTTP server (libmicrohttpd) next to the ZeroMQ loop.
 *
 * `nash monitor --http 127.0.0.1:8080` serves, from its own threads (one per connection):
 *   GET /            the dashboard page (src/monitor/dashboard.html, compiled in): one card per
 *                    run side by side with loss curves, D(x) and D(G(z)) against 1/2, images/s,
 *                    the latest sample grid, per-rank time split and the resolved config;
 *                    with ?poll=1 it polls /api/state each second instead of holding /events
 *   GET /api/state   the monitor's state as one JSON object (web_state_json below)
 *   GET /events      the same object as server-sent events, at most WEB_EVENTS_PER_S a second
 *                    and only when something arrived (a comment line every WEB_KEEPALIVE_S keeps
 *                    idle connections open); the page listens here and redraws without reloading
 *   GET /sample?run=ID  the newest sample picture of that run: the file a
 *                    trainer announced in a "samples" message, served only when it is a regular
 *                    PNG file of at most WEB_SAMPLE_MAX bytes (a message cannot make the
 *                    monitor serve other files)
 * Anything else is 404 (405 for methods other than GET and HEAD). The server binds one address:
 * loopback unless allow_remote, like the ZeroMQ endpoint (the dashboard has no authentication).
 *
 * The ZeroMQ loop owns the MonitorState and changes it only while holding `lock`; the server
 * reads it under the same lock. web_changed() tells waiting event streams to send.
 */
#ifndef NASH_MONITOR_WEB_H
#define NASH_MONITOR_WEB_H

#include <pthread.h>
#include <stdbool.h>

#include "core/status.h"
#include "monitor/frame.h"

/* libmicrohttpd's version ("0.9.75"). */
const char *web_mhd_version(void);

#define WEB_EVENTS_PER_S 4
#define WEB_KEEPALIVE_S 10
#define WEB_SAMPLE_MAX (32L << 20)
#define WEB_MAX_CONNECTIONS 32

typedef struct WebServer WebServer;

/* Parse "HOST:PORT" (HOST an IPv4 address or "localhost"; PORT 0 picks a free one) into an
 * IPv4 address and port; refuse a non-loopback host unless allow_remote. */
NashStatus web_parse_address(const char *address, bool allow_remote, unsigned char ip[4], int *port, NashError *err);

/* Start serving `state`; `endpoint` is shown on the page. */
NashStatus web_start(WebServer **out, const char *address, bool allow_remote, const MonitorState *state,
                     pthread_mutex_t *lock, const char *endpoint, NashError *err);
/* "http://127.0.0.1:8080/" with the port actually bound. */
const char *web_url(const WebServer *web);
/* The state changed (call without holding the lock). */
void web_changed(WebServer *web);
/* Close event streams and stop the server; NULL is fine. */
void web_stop(WebServer *web);

/* The state as JSON text (caller frees with free()); the caller holds the lock. NULL when out of
 * memory. Schema: docs/metrics.md, "The monitor's web API". */
char *web_state_json(const MonitorState *state, const char *endpoint);

#endif
