/* fuzz_frame.c — libFuzzer target: the monitor's metrics frame parser (monitor/frame.h) and what
 * the monitor does with what it accepts.
 *
 * Input: one or more frames (ZeroMQ messages) separated by the byte 0x1E (ASCII record
 * separator), fed in order to one fresh MonitorState, so that run tracking (run eviction, seq
 * gaps, series thinning, history) sees sequences of messages too. For each frame: frame_handle,
 * then the line view of the message or the skipped frame, as `nash monitor` prints them. After
 * the last frame: the terminal dashboard, the summary, the loss histories and the web API's JSON,
 * which must parse as JSON. Checked: the counters add up (frames = accepted + malformed +
 * oversized) and the kind of every accepted message is known. tests/unit/test_monitor_frames.c
 * covers the verdicts on generated frames; this target searches for inputs it does not make.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "monitor/frame.h"
#include "monitor/view.h"
#include "monitor/web.h"

#define FRAME_SEP 0x1E

static MonitorState state; /* large (runs, series, configs): static, cleared each run */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *devnull;
    if (!devnull) devnull = fopen("/dev/null", "w");
    fuzz_require(devnull != NULL, "open /dev/null");
    frame_state_init(&state);
    const uint8_t *p = data, *end = data + size;
    uint64_t fed = 0;
    for (;;) {
        const uint8_t *sep = memchr(p, FRAME_SEP, (size_t)(end - p));
        const uint8_t *frame_end = sep ? sep : end;
        FrameMessage msg;
        size_t len = (size_t)(frame_end - p);
        FrameVerdict v = frame_handle(&state, p, len, &msg);
        fed++;
        if (v == FRAME_ACCEPTED) {
            fuzz_require((unsigned)msg.kind < FRAME_KIND_COUNT, "an accepted message has a known kind");
            view_line(devnull, &msg);
            frame_message_free(&msg);
        } else {
            view_skipped(devnull, v, len, state.last_error);
        }
        if (!sep) break;
        p = sep + 1;
    }
    fuzz_require(state.frames == fed, "every frame counted");
    fuzz_require(state.accepted + state.malformed + state.oversized == state.frames, "the counters add up");
    fuzz_require(state.n_runs >= 0 && state.n_runs <= MONITOR_MAX_RUNS, "at most MONITOR_MAX_RUNS runs");

    view_dashboard(devnull, &state, "tcp://127.0.0.1:5555", 1700000000.0, true);
    view_summary(devnull, &state);
    float hist[MONITOR_HISTORY];
    for (int i = 0; i < state.n_runs; i++) {
        fuzz_require(monitor_run_history(&state.runs[i], 0, hist) <= MONITOR_HISTORY, "history length");
        monitor_run_history(&state.runs[i], 1, hist);
    }
    char *json = web_state_json(&state, "tcp://127.0.0.1:5555");
    fuzz_require(json != NULL, "web_state_json");
    cJSON *parsed = cJSON_Parse(json);
    fuzz_require(parsed != NULL, "the web API's state is JSON");
    cJSON_Delete(parsed);
    free(json);
    return 0;
}
