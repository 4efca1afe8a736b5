/* web.c — the monitor's HTTP server: routes, server-sent events and sample pictures (web.h).
 *
 * libmicrohttpd runs one thread per connection, so an event stream may wait in its content
 * callback: it sleeps on a condition variable until the ZeroMQ loop signals a change
 * (web_changed), the keep-alive interval passes or the server stops.
 */
#include "monitor/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

/* The page, generated from dashboard.html at build time (cmake/embed.cmake). */
extern const unsigned char nash_dashboard_html[];
extern const unsigned long nash_dashboard_html_size;

struct WebServer {
    struct MHD_Daemon *daemon;
    const MonitorState *state;
    pthread_mutex_t *lock;
    const char *endpoint;
    pthread_mutex_t wait_lock;
    pthread_cond_t changed;
    uint64_t version; /* web_changed() calls so far */
    bool stopping;
    char url[64];
};

NashStatus web_parse_address(const char *address, bool allow_remote, unsigned char ip[4], int *port, NashError *err) {
    const char *colon = strrchr(address, ':');
    char host[64];
    if (!colon || colon == address || (size_t)(colon - address) >= sizeof host)
        return nash_fail(err, NASH_ERR_INVALID, "--http '%s': expected HOST:PORT, e.g. 127.0.0.1:8080", address);
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = '\0';
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535)
        return nash_fail(err, NASH_ERR_INVALID, "--http '%s': the port must be a number in 0..65535", address);
    struct in_addr addr;
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &addr) != 1)
        return nash_fail(err, NASH_ERR_INVALID, "--http '%s': '%s' is not an IPv4 address or localhost", address, host);
    memcpy(ip, &addr.s_addr, 4);
    if (ip[0] != 127 && !allow_remote)
        return nash_fail(err, NASH_ERR_INVALID,
                         "refusing to serve the dashboard on %s: not a loopback address; it has no authentication, "
                         "pass --allow-remote to serve other hosts (or use an SSH tunnel)",
                         host);
    *port = (int)p;
    return NASH_OK;
}

void web_changed(WebServer *web) {
    if (!web) return;
    pthread_mutex_lock(&web->wait_lock);
    web->version++;
    pthread_cond_broadcast(&web->changed);
    pthread_mutex_unlock(&web->wait_lock);
}

static char *state_text(WebServer *web) {
    pthread_mutex_lock(web->lock);
    char *text = web_state_json(web->state, web->endpoint);
    pthread_mutex_unlock(web->lock);
    return text;
}

/* Send response r (NULL: refuse the connection) with our headers, then release it. */
static enum MHD_Result queue_response(struct MHD_Connection *conn, unsigned code, const char *type,
                                      struct MHD_Response *r) {
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result queue_text(struct MHD_Connection *conn, unsigned code, const char *type, const void *bytes,
                                  size_t len, enum MHD_ResponseMemoryMode mode) {
    return queue_response(conn, code, type, MHD_create_response_from_buffer(len, (void *)bytes, mode));
}

static enum MHD_Result queue_error(struct MHD_Connection *conn, unsigned code, const char *text) {
    return queue_text(conn, code, "text/plain; charset=utf-8", text, strlen(text), MHD_RESPMEM_MUST_COPY);
}

/* ---- server-sent events ------------------------------------------------------------------- */

typedef struct {
    WebServer *web;
    uint64_t seen;   /* the version last sent */
    char *pending;   /* an event not yet handed to MHD */
    size_t len, off; /* its length and how much was handed over */
    double last_sent;
} EventStream;

/* Wait for a change, the keep-alive time or the end; true when the stream should end. */
static bool events_wait(EventStream *es, bool *keepalive) {
    WebServer *web = es->web;
    /* at most WEB_EVENTS_PER_S events a second */
    double gap = 1.0 / WEB_EVENTS_PER_S - (clock_monotonic_s() - es->last_sent);
    if (gap > 0) nanosleep(&(struct timespec){.tv_nsec = (long)(gap * 1e9)}, NULL);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WEB_KEEPALIVE_S;
    pthread_mutex_lock(&web->wait_lock);
    int rc = 0;
    while (!web->stopping && web->version == es->seen && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&web->changed, &web->wait_lock, &until);
    bool stop = web->stopping;
    *keepalive = web->version == es->seen;
    es->seen = web->version;
    pthread_mutex_unlock(&web->wait_lock);
    return stop;
}

static ssize_t events_read(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    EventStream *es = cls;
    if (es->off == es->len) {
        free(es->pending);
        es->pending = NULL;
        es->len = es->off = 0;
        bool keepalive = false;
        if (es->last_sent > 0 && events_wait(es, &keepalive)) return MHD_CONTENT_READER_END_OF_STREAM;
        if (keepalive) {
            es->pending = strdup(": keep-alive\n\n");
        } else {
            char *json = state_text(es->web);
            if (json) {
                size_t n = strlen(json) + 16;
                es->pending = malloc(n);
                if (es->pending) snprintf(es->pending, n, "data: %s\n\n", json);
            }
            free(json);
        }
        if (!es->pending) return MHD_CONTENT_READER_END_WITH_ERROR;
        es->len = strlen(es->pending);
        es->last_sent = clock_monotonic_s();
    }
    size_t n = es->len - es->off < max ? es->len - es->off : max;
    memcpy(buf, es->pending + es->off, n);
    es->off += n;
    return (ssize_t)n;
}

static void events_free(void *cls) {
    EventStream *es = cls;
    free(es->pending);
    free(es);
}

static enum MHD_Result serve_events(WebServer *web, struct MHD_Connection *conn) {
    EventStream *es = calloc(1, sizeof *es);
    if (!es) return MHD_NO;
    es->web = web;
    pthread_mutex_lock(&web->wait_lock);
    es->seen = web->version;
    pthread_mutex_unlock(&web->wait_lock);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, events_read, es, events_free);
    if (!r) free(es);
    return queue_response(conn, MHD_HTTP_OK, "text/event-stream", r);
}

/* ---- sample pictures ---------------------------------------------------------------------- */

/* The announced sample path of run `id` at `step` (NULL: the newest), copied under the lock ("" when
 * none): only pictures a run announced are ever served. */
static void sample_path(WebServer *web, const char *id, const char *step, char *path, size_t size) {
    path[0] = '\0';
    char *end = NULL;
    long long want = step ? strtoll(step, &end, 10) : -1;
    if (step && (!*step || *end)) return;
    pthread_mutex_lock(web->lock);
    for (int i = 0; i < web->state->n_runs; i++) {
        const MonitorRun *run = &web->state->runs[i];
        if (strcmp(run->id, id) != 0) continue;
        if (!step) snprintf(path, size, "%s", run->samples);
        for (int k = 0; step && k < run->n_sample_history; k++)
            if (run->sample_history_step[k] == want) snprintf(path, size, "%s", run->sample_history[k]);
    }
    pthread_mutex_unlock(web->lock);
}

static enum MHD_Result serve_sample(WebServer *web, struct MHD_Connection *conn) {
    const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "run");
    char path[MONITOR_TEXT_MAX];
    if (!id) return queue_error(conn, MHD_HTTP_BAD_REQUEST, "/sample needs ?run=RUN_ID\n");
    sample_path(web, id, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "step"), path, sizeof path);
    size_t len = strlen(path);
    if (len < 4 || strcmp(path + len - 4, ".png") != 0)
        return queue_error(conn, MHD_HTTP_NOT_FOUND, "no PNG sample announced for this run\n");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    unsigned char magic[8];
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > WEB_SAMPLE_MAX ||
        pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic || memcmp(magic, png_magic, sizeof magic) != 0) {
        if (fd >= 0) close(fd);
        return queue_error(conn, MHD_HTTP_NOT_FOUND, "the announced sample is not a readable PNG file\n");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) close(fd);
    return queue_response(conn, MHD_HTTP_OK, "image/png", r);
}

/* ---- routes ------------------------------------------------------------------------------- */

static enum MHD_Result route(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version;
    (void)upload;
    WebServer *web = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return queue_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    if (*con_cls == NULL) { /* first call: headers only; answer on the second */
        *con_cls = web;
        return MHD_YES;
    }
    if (*upload_size != 0) return queue_error(conn, MHD_HTTP_BAD_REQUEST, "no request body expected\n");
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return queue_text(conn, MHD_HTTP_OK, "text/html; charset=utf-8", nash_dashboard_html,
                          (size_t)nash_dashboard_html_size, MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/api/state") == 0) {
        char *json = state_text(web);
        if (!json) return queue_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        return queue_text(conn, MHD_HTTP_OK, "application/json", json, strlen(json), MHD_RESPMEM_MUST_FREE);
    }
    if (strcmp(url, "/events") == 0) return serve_events(web, conn);
    if (strcmp(url, "/sample") == 0) return serve_sample(web, conn);
    return queue_error(conn, MHD_HTTP_NOT_FOUND, "not found: the dashboard is at /\n");
}

NashStatus web_start(WebServer **out, const char *address, bool allow_remote, const MonitorState *state,
                     pthread_mutex_t *lock, const char *endpoint, NashError *err) {
    unsigned char ip[4];
    int port = 0;
    NashStatus st = web_parse_address(address, allow_remote, ip, &port, err);
    if (st) return st;
    WebServer *web = calloc(1, sizeof *web);
    if (!web) return nash_fail(err, NASH_ERR_NOMEM, "out of memory for the web server");
    web->state = state;
    web->lock = lock;
    web->endpoint = endpoint;
    pthread_mutex_init(&web->wait_lock, NULL);
    pthread_cond_init(&web->changed, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    memcpy(&sa.sin_addr.s_addr, ip, 4);
    web->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port,
                                   NULL, NULL, route, web, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNECTIONS,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(3 * WEB_KEEPALIVE_S), MHD_OPTION_END);
    if (!web->daemon) {
        st = nash_fail(err, NASH_ERR_IO, "cannot serve the dashboard on %s: %s; is the port in use? choose another",
                       address, strerror(errno));
        web_stop(web);
        return st;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(web->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(web->url, sizeof web->url, "http://%u.%u.%u.%u:%u/", ip[0], ip[1], ip[2], ip[3],
             info ? (unsigned)info->port : (unsigned)port);
    *out = web;
    return NASH_OK;
}

const char *web_url(const WebServer *web) { return web->url; }

void web_stop(WebServer *web) {
    if (!web) return;
    pthread_mutex_lock(&web->wait_lock);
    web->stopping = true;
    pthread_cond_broadcast(&web->changed);
    pthread_mutex_unlock(&web->wait_lock);
    if (web->daemon) MHD_stop_daemon(web->daemon);
    pthread_cond_destroy(&web->changed);
    pthread_mutex_destroy(&web->wait_lock);
    free(web);
}

const char *web_mhd_version(void) { return MHD_get_version(); }
