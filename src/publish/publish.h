/* publish.h — the trainer's side of the metrics channel: JSON messages over ZeroMQ PUB.
 *
 * Only publish/ and monitor/ include zmq.h. The trainer's XPUB socket CONNECTS to the monitor's endpoint
 * (default tcp://127.0.0.1:5555, where `nash monitor` binds a SUB socket), so a monitor can
 * come and go while the run goes on. XPUB (a PUB that also hears subscriptions, with
 * ZMQ_XPUB_VERBOSE one per subscriber) tells the trainer when a monitor joins: metrics_open
 * waits up to 250 ms for one, and a monitor that joins later (restarted, or started after the
 * run) is sent run_start again, with a fresh seq, before the next message. Sending never blocks: ZMQ_XPUB_NODROP makes
 a full queue
 * (high-water mark 1000 messages) answer EAGAIN to a ZMQ_DONTWAIT send, and that message is
 * counted as dropped instead; ZMQ_LINGER 0 lets the trainer exit at once. Messages are built
 * with cJSON and never exceed METRICS_MAX_MESSAGE bytes.
 *
 * The messages and their fields are the schema of metrics/schema.h.
 */
#ifndef NASH_PUBLISH_PUBLISH_H
#define NASH_PUBLISH_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "metrics/schema.h"

/* The version of ZeroMQ ("4.3.4") into buf. */
const char *metrics_zmq_version(char *buf, size_t size);

typedef struct MetricsPublisher MetricsPublisher;

/* Connect a publisher; an endpoint that is not tcp://127.x, tcp://localhost, ipc:// or
 * inproc:// is refused unless allow_remote (config monitor.allow_remote). */
NashStatus metrics_open(MetricsPublisher **out, const char *endpoint, bool allow_remote, const char *run_id, int rank,
                        const char *role, NashError *err);
void metrics_close(MetricsPublisher *p); /* NULL is fine */

/* Each call builds one message and sends it without blocking; NULL publishers are ignored. */
void metrics_run_start(MetricsPublisher *p, const char *config_text, const char *layout, int64_t steps, int batch,
                       int64_t resumed_from);
void metrics_step(MetricsPublisher *p, const MetricsStep *m);
void metrics_samples(MetricsPublisher *p, int64_t step, const char *path);
void metrics_checkpoint(MetricsPublisher *p, int64_t step, const char *path);
void metrics_eval(MetricsPublisher *p, int64_t step, const char *const *names, const double *values, int n);
void metrics_warning(MetricsPublisher *p, const char *text);
void metrics_run_end(MetricsPublisher *p, const char *status, const char *reason, int64_t step);

/* Messages this publisher could not queue (the monitor absent, stalled or slow), and all the
 * messages it made (sent or dropped). */
uint64_t metrics_dropped(const MetricsPublisher *p);
uint64_t metrics_messages(const MetricsPublisher *p);
/* Monitors that subscribed so far (each one that joins after run_start gets it again). */
uint64_t metrics_joins(const MetricsPublisher *p);

#endif
