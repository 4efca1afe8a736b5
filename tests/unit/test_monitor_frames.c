/* test_monitor_frames.c — the monitor's frame handler (monitor/frame.h) against hostile input.
 *
 * Thousands of frames, no sockets: every prefix of valid messages (truncated JSON), random bytes
 * from a seeded Philox stream, single-byte mutations, frames over METRICS_MAX_MESSAGE, wrong
 * schema versions, each required field removed or given the wrong type, non-objects, deep
 * nesting, trailing bytes and NULs, invalid UTF-8 (overlong, surrogates, truncated, above
 * U+10FFFF) — with valid messages interleaved. Checks the verdicts, that
 * the counters add up, that every valid message is accepted and that the run state (latest step,
 * history, lost and dropped counts, paths, eviction) follows. Also the loopback check of
 * monitor.h and that the dashboard never passes a control byte from the wire to the terminal.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "core/utf8.h"
#include "monitor/frame.h"
#include "monitor/monitor.h"
#include "monitor/view.h"
#include "monitor/web.h"

#define MSG_MAX 4096

static const char *const step_fields[] = {"step",        "epoch",        "steps",      "loss_d",     "loss_g",
                                          "d_real",      "d_fake",       "d_real_gap", "d_fake_gap", "grad_norm_d",
                                          "grad_norm_g", "images_per_s", "time_split"};
static const char *const common_fields[] = {"schema", "kind", "run", "rank", "role", "seq", "time", "dropped"};

/* One valid message of each kind, for run `run` and publisher rank 0 role "GD". */
static int make_valid(char *buf, size_t size, const char *run, int kind, long long seq, long long step,
                      long long dropped) {
    char head[256];
    snprintf(head, sizeof head,
             "{\"schema\":1,\"run\":\"%s\",\"rank\":0,\"role\":\"GD\",\"seq\":%lld,\"time\":1700000000.%03lld,"
             "\"dropped\":%lld,",
             run, seq, step % 1000, dropped);
    switch (kind % FRAME_KIND_COUNT) {
    case FRAME_KIND_RUN_START:
        return snprintf(buf, size,
                        "%s\"kind\":\"run_start\",\"config\":\"[train]\\nsteps = 1000\\n\",\"layout\":\"split 1G+2D\","
                        "\"steps\":1000,\"batch\":64,\"resumed_from\":0}",
                        head);
    case FRAME_KIND_STEP:
        return snprintf(buf, size,
                        "%s\"kind\":\"step\",\"step\":%lld,\"epoch\":%lld,\"steps\":1000,\"loss_d\":%.4f,"
                        "\"loss_g\":%.4f,\"d_real\":0.52,\"d_fake\":0.47,\"d_real_gap\":0.02,\"d_fake_gap\":0.03,"
                        "\"grad_norm_d\":1.5,\"grad_norm_g\":2.5e-1,\"images_per_s\":3200.5,\"time_split\":{"
                        "\"g_compute\":0.01,\"g_exchange\":0.001,\"g_allreduce\":0.002,\"d_compute\":0.012,"
                        "\"d_exchange\":0.001,\"d_allreduce\":0.002,\"d_data\":0.0005}}",
                        head, step, step / 100, 0.7 + 0.001 * (double)(step % 50), 1.2 - 0.001 * (double)(step % 30));
    case FRAME_KIND_SAMPLES:
        return snprintf(buf, size, "%s\"kind\":\"samples\",\"step\":%lld,\"path\":\"run/samples/step_%lld.png\"}", head,
                        step, step);
    case FRAME_KIND_CHECKPOINT:
        return snprintf(buf, size, "%s\"kind\":\"checkpoint\",\"step\":%lld,\"path\":\"run/ckpt/step_%lld.h5\"}", head,
                        step, step);
    case FRAME_KIND_EVAL:
        return snprintf(buf, size, "%s\"kind\":\"eval\",\"step\":%lld,\"metrics\":{\"w1\":0.25,\"modes\":8}}", head,
                        step);
    case FRAME_KIND_WARNING: return snprintf(buf, size, "%s\"kind\":\"warning\",\"text\":\"D(x) saturated\"}", head);
    default:
        return snprintf(buf, size, "%s\"kind\":\"run_end\",\"status\":\"done\",\"reason\":\"all steps\",\"step\":%lld}",
                        head, step);
    }
}

static FrameVerdict feed(MonitorState *s, const char *bytes, size_t len) { return frame_handle(s, bytes, len, NULL); }

static FrameVerdict feed_json(MonitorState *s, const cJSON *obj) {
    char *text = cJSON_PrintUnformatted(obj);
    FrameVerdict v = feed(s, text, strlen(text));
    cJSON_free(text);
    return v;
}

/* Valid messages of every kind, interleaved with every kind of bad frame. */
static void test_fuzz(void) {
    MonitorState *s = calloc(1, sizeof *s), *ms = calloc(1, sizeof *ms);
    frame_state_init(s);
    frame_state_init(ms); /* mutated frames may be valid with any seq or run id: kept apart */
    Rng rng = rng_make(20240611, 7);
    char valid[MSG_MAX], bad[MSG_MAX];
    unsigned long long sent_valid = 0, sent_bad = 0, sent_big = 0, wrong = 0, mutated = 0;
    long long seq = 0;
    for (int round = 0; round < 300; round++) {
        int len = make_valid(valid, sizeof valid, "fuzz", round, seq, round, 0);
        seq++;
        if (feed(s, valid, (size_t)len) != FRAME_ACCEPTED) {
            wrong++;
            printf("valid message rejected (%s): %s\n", s->last_error, valid);
        }
        sent_valid++;
        /* Every 10th round: every prefix (truncated JSON); otherwise 5 random prefixes. */
        for (int k = 0; k < (round % 10 == 0 ? len : 5); k++) {
            size_t cut = round % 10 == 0 ? (size_t)k : rng_below(&rng, (uint32_t)len);
            wrong += feed(s, valid, cut) != FRAME_MALFORMED;
            sent_bad++;
        }
        /* Random bytes, 0..299 long. */
        for (int k = 0; k < 5; k++) {
            uint32_t n = rng_below(&rng, 300);
            for (uint32_t i = 0; i < n; i++) bad[i] = (char)rng_below(&rng, 256);
            wrong += feed(s, bad, n) != FRAME_MALFORMED;
            sent_bad++;
        }
        /* One byte changed: either verdict is fine, a crash is not. */
        memcpy(bad, valid, (size_t)len);
        bad[rng_below(&rng, (uint32_t)len)] = (char)rng_below(&rng, 256);
        FrameVerdict v = feed(ms, bad, (size_t)len);
        mutated++;
        if (v == FRAME_OVERSIZED) wrong++;
        /* Trailing garbage and an embedded NUL after a valid object. */
        memcpy(bad, valid, (size_t)len);
        memcpy(bad + len, "\0{}", 3);
        wrong += feed(s, bad, (size_t)len + 3) != FRAME_MALFORMED;
        wrong += feed(s, bad, (size_t)len + 1) != FRAME_MALFORMED;
        sent_bad += 2;
    }
    check_true(wrong == 0, "fuzz: %llu frames got the wrong verdict", wrong);
    check_true(s->frames == sent_valid + sent_bad, "fuzz: %llu frames counted, %llu sent",
               (unsigned long long)s->frames, sent_valid + sent_bad);
    check_true(s->accepted == sent_valid && s->malformed == sent_bad && s->oversized == 0,
               "fuzz: %llu accepted, %llu malformed for %llu valid and %llu bad", (unsigned long long)s->accepted,
               (unsigned long long)s->malformed, sent_valid, sent_bad);
    check_true(ms->frames == mutated && ms->accepted + ms->malformed == mutated && ms->malformed > mutated / 2,
               "fuzz: %llu mutated frames, %llu accepted, %llu malformed", mutated, (unsigned long long)ms->accepted,
               (unsigned long long)ms->malformed);
    printf("fuzz: %llu frames (%llu valid, %llu bad, %llu mutated)\n", sent_valid + sent_bad + mutated, sent_valid,
           sent_bad, mutated);

    /* Huge frames, at and past the limit: a valid message padded with spaces. */
    char *huge = malloc(4u << 20);
    int len = make_valid(huge, MSG_MAX, "fuzz", FRAME_KIND_WARNING, seq++, 0, 0);
    memset(huge + len, ' ', (4u << 20) - (size_t)len);
    uint64_t before = s->oversized;
    check_true(feed(s, huge, METRICS_MAX_MESSAGE) == FRAME_ACCEPTED, "a valid frame of exactly %d bytes is accepted",
               METRICS_MAX_MESSAGE);
    check_true(feed(s, huge, METRICS_MAX_MESSAGE + 1) == FRAME_OVERSIZED, "one byte more is oversized");
    check_true(feed(s, huge, 4u << 20) == FRAME_OVERSIZED, "4 MiB is oversized");
    for (size_t i = 0; i < (4u << 20); i++) huge[i] = (char)(i * 2654435761u >> 24);
    check_true(feed(s, huge, 1u << 20) == FRAME_OVERSIZED, "1 MiB of noise is oversized");
    sent_big = 3;
    check_true(s->oversized - before == sent_big, "oversized counted %llu times",
               (unsigned long long)(s->oversized - before));
    /* Nesting far deeper than cJSON allows (within the size limit): refused, no deep recursion. */
    size_t depth = 30000;
    for (size_t i = 0; i < depth; i++) {
        huge[i] = '[';
        huge[2 * depth - 1 - i] = ']';
    }
    check_true(feed(s, huge, 2 * depth) == FRAME_MALFORMED, "30000 nested arrays are malformed");
    depth = 12000;
    for (size_t i = 0; i < depth; i++) memcpy(huge + 5 * i, "{\"a\":", 5);
    check_true(feed(s, huge, 5 * depth) == FRAME_MALFORMED, "12000 nested objects (truncated) are malformed");
    free(huge);
    check_true(monitor_state_lost(s) == 0, "no seq gap among the valid messages: lost %llu",
               (unsigned long long)monitor_state_lost(s));
    free(s);
    free(ms);
}

/* Wrong schema, non-objects, and every required field removed or of the wrong type. */
static void test_schema(void) {
    MonitorState *s = calloc(1, sizeof *s);
    frame_state_init(s);
    char valid[MSG_MAX];
    int bad_verdicts = 0, cases = 0;
    static const char *const not_objects[] = {"[]", "1", "\"step\"", "null", "true", "[{\"schema\":1}]", "{}", " ", ""};
    for (size_t i = 0; i < sizeof not_objects / sizeof *not_objects; i++, cases++)
        bad_verdicts += feed(s, not_objects[i], strlen(not_objects[i])) != FRAME_MALFORMED;
    for (int kind = 0; kind < FRAME_KIND_COUNT; kind++) {
        make_valid(valid, sizeof valid, "schema", kind, 0, 10, 0);
        cJSON *base = cJSON_Parse(valid);
        static const char *const schemas[] = {"2", "0", "\"1\"", "1.5", "null", "-1"};
        for (size_t i = 0; i < sizeof schemas / sizeof *schemas; i++, cases++) {
            cJSON *obj = cJSON_Duplicate(base, 1);
            cJSON_ReplaceItemInObjectCaseSensitive(obj, "schema", cJSON_Parse(schemas[i]));
            bad_verdicts += feed_json(s, obj) != FRAME_MALFORMED;
            cJSON_Delete(obj);
        }
        /* Every field of the message: removed, then a string / an array / a negative or
         * fractional number / null in its place. */
        const cJSON *field = NULL;
        cJSON_ArrayForEach(field, base) {
            const char *name = field->string;
            bool is_string = cJSON_IsString(field);
            bool is_config = strcmp(name, "config") == 0;
            static const char *const replacements[] = {"\"x\"", "[]", "-3", "0.5", "null", "{}", "1e300"};
            for (size_t r = 0; r < 1 + sizeof replacements / sizeof *replacements; r++) {
                cJSON *obj = cJSON_Duplicate(base, 1);
                bool expect_bad = true;
                if (r == 0) {
                    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
                } else {
                    const char *rep = replacements[r - 1];
                    bool numeric = !is_string && !cJSON_IsObject(field);
                    bool float_field = numeric && strcmp(name, "time") != 0 && strcmp(name, "schema") != 0;
                    for (size_t c = 0; c < sizeof step_fields / sizeof *step_fields; c++)
                        if (float_field && strcmp(name, step_fields[c]) == 0 && c < 3) float_field = false;
                    for (size_t c = 0; c < sizeof common_fields / sizeof *common_fields; c++)
                        if (strcmp(name, common_fields[c]) == 0) float_field = false;
                    if (strcmp(name, "batch") == 0 || strcmp(name, "resumed_from") == 0) float_field = false;
                    /* Fine in place: any number for a measured float (null too), a number for
                     * "time", a fractional number is still a number. */
                    if (float_field && (rep[0] == '-' || rep[0] == '0' || rep[0] == '1' || rep[0] == 'n'))
                        expect_bad = false;
                    if (strcmp(name, "time") == 0 && (rep[0] == '-' || rep[0] == '0' || rep[0] == '1'))
                        expect_bad = false;
                    if (strcmp(name, "metrics") == 0 && rep[0] == '{') expect_bad = false;
                    if ((is_string && rep[0] == '"' && !is_config && strcmp(name, "kind") != 0 &&
                         strcmp(name, "role") != 0 && strcmp(name, "status") != 0))
                        expect_bad = false;
                    if (is_config && rep[0] == '"') expect_bad = false;
                    cJSON_ReplaceItemInObjectCaseSensitive(obj, name, cJSON_Parse(rep));
                }
                FrameVerdict v = feed_json(s, obj);
                cases++;
                if ((v == FRAME_MALFORMED) != expect_bad) {
                    bad_verdicts++;
                    printf("kind %s field \"%s\" %s: verdict %d (%s)\n", frame_kind_name((FrameKind)kind), name,
                           r == 0 ? "removed" : replacements[r - 1], (int)v, s->last_error);
                }
                cJSON_Delete(obj);
            }
        }
        cJSON_Delete(base);
    }
    /* Inside the time split and eval metrics, and out-of-range values. */
    static const char *const nested[] = {
        "{\"schema\":1,\"kind\":\"step\",\"run\":\"r\",\"rank\":0,\"role\":\"G\",\"seq\":0,\"time\":1,\"dropped\":0,"
        "\"step\":1,\"epoch\":0,\"steps\":9,\"loss_d\":1,\"loss_g\":1,\"d_real\":1,\"d_fake\":1,\"d_real_gap\":1,"
        "\"d_fake_gap\":1,\"grad_norm_d\":1,\"grad_norm_g\":1,\"images_per_s\":1,\"time_split\":{\"g_compute\":1}}",
        "{\"schema\":1,\"kind\":\"eval\",\"run\":\"r\",\"rank\":0,\"role\":\"G\",\"seq\":0,\"time\":1,\"dropped\":0,"
        "\"step\":1,\"metrics\":{\"w1\":\"low\"}}",
        "{\"schema\":1,\"kind\":\"warning\",\"run\":\"\",\"rank\":0,\"role\":\"G\",\"seq\":0,\"time\":1,\"dropped\":0,"
        "\"text\":\"x\"}",
        "{\"schema\":1,\"kind\":\"warning\",\"run\":\"r\",\"rank\":0,\"role\":\"GG\",\"seq\":0,\"time\":1,"
        "\"dropped\":0,\"text\":\"x\"}",
        "{\"schema\":1,\"kind\":\"warning\",\"run\":\"r\",\"rank\":0,\"role\":\"G\",\"seq\":1e20,\"time\":1,"
        "\"dropped\":0,\"text\":\"x\"}",
        "{\"schema\":1,\"kind\":\"warning\",\"run\":\"r\",\"rank\":3000000000,\"role\":\"G\",\"seq\":0,\"time\":1,"
        "\"dropped\":0,\"text\":\"x\"}",
        "{\"schema\":1,\"kind\":\"nonsense\",\"run\":\"r\",\"rank\":0,\"role\":\"G\",\"seq\":0,\"time\":1,"
        "\"dropped\":0,\"text\":\"x\"}",
        "{\"schema\":1,\"kind\":\"run_end\",\"run\":\"r\",\"rank\":0,\"role\":\"G\",\"seq\":0,\"time\":1,"
        "\"dropped\":0,\"status\":\"exploded\",\"reason\":\"\",\"step\":1}",
    };
    for (size_t i = 0; i < sizeof nested / sizeof *nested; i++, cases++)
        if (feed(s, nested[i], strlen(nested[i])) != FRAME_MALFORMED) {
            bad_verdicts++;
            printf("accepted: %s\n", nested[i]);
        }
    check_true(bad_verdicts == 0, "schema: %d of %d cases got the wrong verdict", bad_verdicts, cases);
    check_true(cases > 300, "schema: %d cases tried", cases);
    free(s);
}

/* What the run state makes of a clean stream with gaps, several runs and eviction. */
static void test_tracking(void) {
    MonitorState *s = calloc(1, sizeof *s);
    frame_state_init(s);
    char buf[MSG_MAX];
    int n = make_valid(buf, sizeof buf, "a", FRAME_KIND_RUN_START, 0, 0, 0);
    feed(s, buf, (size_t)n);
    long long seq = 1;
    for (long long step = 1; step <= 500; step++) {
        if (step % 100 == 0) seq += 2; /* two messages lost every 100 steps */
        n = make_valid(buf, sizeof buf, "a", FRAME_KIND_STEP, seq++, step, step / 50);
        feed(s, buf, (size_t)n);
    }
    n = make_valid(buf, sizeof buf, "a", FRAME_KIND_CHECKPOINT, seq++, 500, 10);
    feed(s, buf, (size_t)n);
    n = make_valid(buf, sizeof buf, "a", FRAME_KIND_SAMPLES, seq++, 400, 10);
    feed(s, buf, (size_t)n);
    n = make_valid(buf, sizeof buf, "a", FRAME_KIND_STEP, seq++, 250, 10); /* an old step: not the latest */
    feed(s, buf, (size_t)n);
    n = make_valid(buf, sizeof buf, "a", FRAME_KIND_RUN_END, seq++, 500, 10);
    feed(s, buf, (size_t)n);
    const MonitorRun *run = &s->runs[0];
    check_true(s->n_runs == 1 && strcmp(run->id, "a") == 0, "one run tracked");
    check_true(run->have_step && run->last.step == 500 && run->steps == 1000 && run->batch == 64,
               "latest step 500 of 1000, batch 64 (got %lld)", (long long)run->last.step);
    check_true(monitor_run_lost(run) == 10, "5 gaps of 2: lost %llu", (unsigned long long)monitor_run_lost(run));
    check_true(monitor_run_dropped(run) == 10, "dropped as reported: %llu",
               (unsigned long long)monitor_run_dropped(run));
    float hist[MONITOR_HISTORY];
    int len = monitor_run_history(run, 0, hist);
    check_true(len == MONITOR_HISTORY, "history holds %d values (got %d)", MONITOR_HISTORY, len);
    check_true(fabsf(hist[len - 1] - (float)(0.7 + 0.001 * (500 % 50))) < 1e-6f &&
                   fabsf(hist[0] - (float)(0.7 + 0.001 * (301 % 50))) < 1e-6f,
               "history is the last %d loss_d values in order", MONITOR_HISTORY);
    check_true(strcmp(run->checkpoint, "run/ckpt/step_500.h5") == 0 && run->checkpoint_step == 500 &&
                   strcmp(run->samples, "run/samples/step_400.png") == 0,
               "checkpoint and samples paths: %s, %s", run->checkpoint, run->samples);
    check_true(run->ended && strcmp(run->end_status, "done") == 0, "run_end recorded");
    check_true(strcmp(run->layout, "split 1G+2D") == 0, "layout recorded: %s", run->layout);

    /* More runs than slots: the one heard from least recently goes. */
    for (int r = 0; r < MONITOR_MAX_RUNS + 2; r++) {
        char id[32];
        snprintf(id, sizeof id, "run-%d", r);
        n = make_valid(buf, sizeof buf, id, FRAME_KIND_STEP, 0, 1, 0);
        feed(s, buf, (size_t)n);
    }
    bool a_gone = true;
    for (int i = 0; i < s->n_runs; i++)
        if (strcmp(s->runs[i].id, "a") == 0 || strcmp(s->runs[i].id, "run-0") == 0) a_gone = false;
    check_true(s->n_runs == MONITOR_MAX_RUNS && a_gone, "%d runs kept, the oldest evicted", s->n_runs);

    /* A run id with terminal escapes: the dashboard prints no control byte it did not write. */
    const char *evil = "{\"schema\":1,\"kind\":\"warning\",\"run\":\"x\\u001b[2J\\u0007\",\"rank\":0,\"role\":\"G\","
                       "\"seq\":0,\"time\":1,\"dropped\":0,\"text\":\"\\u001b]0;pwned\\u0007\"}";
    check_true(feed(s, evil, strlen(evil)) == FRAME_ACCEPTED, "escapes in strings are accepted");
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    view_dashboard(mem, s, "tcp://127.0.0.1:5555", 1700000100.0, false);
    fclose(mem);
    bool clean = true;
    for (size_t i = 0; i < size; i++)
        if ((unsigned char)text[i] < 0x20 && text[i] != '\n') clean = false;
    check_true(clean && size > 500, "the dashboard (%zu bytes) holds no control byte from the wire", size);
    free(text);
    free(s);
}

/* Per-rank times ("ranks"), the whole-run series and the web dashboard's JSON of the state. */
static void test_ranks_series_web(void) {
    MonitorState *s = calloc(1, sizeof *s);
    frame_state_init(s);
    char buf[MSG_MAX];
    int n = make_valid(buf, sizeof buf, "w", FRAME_KIND_RUN_START, 0, 0, 0);
    feed(s, buf, (size_t)n);
    const long long steps = 5000;
    for (long long step = 1; step <= steps; step++) {
        n = make_valid(buf, sizeof buf, "w", FRAME_KIND_STEP, step, step, 0);
        feed(s, buf, (size_t)n);
    }
    const MonitorSeries *series = &s->runs[0].series;
    bool ordered = series->n > 0 && series->points[0].step == 1.0;
    for (int i = 1; i < series->n; i++)
        if (series->points[i].step != series->points[i - 1].step + (double)series->stride) ordered = false;
    check_true(series->n > MONITOR_SERIES_MAX / 2 && series->n <= MONITOR_SERIES_MAX && series->stride == 8 && ordered,
               "5000 steps thinned to %d points at stride %lld, evenly spaced from step 1", series->n,
               (long long)series->stride);
    check_true(fabs(series->points[series->n - 1].step - (double)steps) < (double)series->stride,
               "the series reaches the newest steps (last %.0f)", series->points[series->n - 1].step);

    const char *with_ranks =
        "{\"schema\":1,\"kind\":\"step\",\"run\":\"w\",\"rank\":0,\"role\":\"G\",\"seq\":5001,\"time\":1,"
        "\"dropped\":0,\"step\":5001,\"epoch\":1,\"steps\":6000,\"loss_d\":1,\"loss_g\":1,\"d_real\":0.5,"
        "\"d_fake\":0.5,\"d_real_gap\":0,\"d_fake_gap\":0,\"grad_norm_d\":1,\"grad_norm_g\":1,"
        "\"images_per_s\":10,\"time_split\":{\"g_compute\":0,\"g_exchange\":0,\"g_allreduce\":0,\"d_compute\":0,"
        "\"d_exchange\":0,\"d_allreduce\":0,\"d_data\":0},\"ranks\":[{\"rank\":0,\"role\":\"G\",\"compute\":0.5,"
        "\"exchange\":0.25,\"allreduce\":0,\"data\":0},{\"rank\":1,\"role\":\"D\",\"compute\":0.4,\"exchange\":null,"
        "\"allreduce\":0.1,\"data\":0.01}]}";
    check_true(feed(s, with_ranks, strlen(with_ranks)) == FRAME_ACCEPTED, "a step with per-rank times is accepted");
    const MonitorRun *run = &s->runs[0];
    check_true(run->n_rank_times == 2 && run->rank_times[1].rank == 1 && strcmp(run->rank_times[1].role, "D") == 0 &&
                   run->rank_times[0].exchange == 0.25 && isnan(run->rank_times[1].exchange),
               "per-rank times recorded (null reads as NaN)");
    static const char *const bad_ranks[] = {
        "\"ranks\":{}",
        "\"ranks\":[1]",
        "\"ranks\":[{\"rank\":0,\"role\":\"X\",\"compute\":0,\"exchange\":0,\"allreduce\":0,\"data\":0}]",
        "\"ranks\":[{\"rank\":-1,\"role\":\"G\",\"compute\":0,\"exchange\":0,\"allreduce\":0,\"data\":0}]",
        "\"ranks\":[{\"rank\":0,\"role\":\"G\",\"compute\":\"fast\",\"exchange\":0,\"allreduce\":0,\"data\":0}]",
        "\"ranks\":[{\"rank\":0,\"role\":\"G\",\"exchange\":0,\"allreduce\":0,\"data\":0}]"};
    for (size_t i = 0; i < sizeof bad_ranks / sizeof *bad_ranks; i++) {
        char frame[MSG_MAX];
        const char *cut = strstr(with_ranks, "\"ranks\"");
        int len = snprintf(frame, sizeof frame, "%.*s%s}", (int)(cut - with_ranks), with_ranks, bad_ranks[i]);
        check_true(feed(s, frame, (size_t)len) == FRAME_MALFORMED, "bad ranks %zu is malformed (%s)", i, s->last_error);
    }
    char many[MSG_MAX * 4];
    const char *cut = strstr(with_ranks, "\"ranks\"");
    int used = snprintf(many, sizeof many, "%.*s\"ranks\":[", (int)(cut - with_ranks), with_ranks);
    for (int r = 0; r <= METRICS_MAX_RANK_TIMES; r++)
        used += snprintf(many + used, sizeof many - (size_t)used,
                         "%s{\"rank\":%d,\"role\":\"D\",\"compute\":0,\"exchange\":0,\"allreduce\":0,\"data\":0}",
                         r ? "," : "", r);
    used += snprintf(many + used, sizeof many - (size_t)used, "]}");
    check_true(feed(s, many, (size_t)used) == FRAME_MALFORMED, "%d rank entries are too many",
               METRICS_MAX_RANK_TIMES + 1);

    char *json = web_state_json(s, "tcp://127.0.0.1:5555");
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
    const cJSON *first = cJSON_GetArrayItem(runs, 0);
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(first, "series"), "step");
    const cJSON *ranks = cJSON_GetObjectItemCaseSensitive(first, "ranks");
    const cJSON *exchange = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ranks, 1), "exchange");
    check_true(root && cJSON_GetArraySize(runs) == 1 && cJSON_GetArraySize(points) == run->series.n &&
                   cJSON_GetArraySize(ranks) == 2 && cJSON_IsNull(exchange),
               "the web state holds the run, its series, its ranks (NaN as null)");
    check_true(json && strstr(json, "\"config\":\"[train]\\nsteps = 1000\\n\"") != NULL,
               "the web state holds the config");
    cJSON_Delete(root);
    free(json);
    free(s);
}

/* Frames whose strings hold invalid UTF-8 are malformed, counted and skipped; valid multi-byte
 * text of every length is accepted. The byte ranges are RFC 3629's. */
static void test_utf8(void) {
    static const struct {
        const char *bytes;
        size_t offset; /* of the first invalid byte in the text; (size_t)-1: valid */
    } cases[] = {
        {"\xff", 0},
        {"ok \xfe", 3},
        {"\xc0\xaf", 0},
        {"\xc1\xbf", 0},
        {"\xe0\x80\xaf", 0},
        {"\xf0\x82\x82\xac", 0},
        {"\xed\xa0\x80", 0},
        {"\xed\xbf\xbf", 0},
        {"\xe2\x82", 0},
        {"a\xe2", 1},
        {"\x80", 0},
        {"\xbf\xbf", 0},
        {"\xf4\x90\x80\x80", 0},
        {"\xf5\x80\x80\x80", 0},
        {"\xc3\x28", 0},
        {"\xe2\x28\xa1", 0},
        {"\xc3\xa9", (size_t)-1},
        {"\xe2\x82\xac", (size_t)-1},
        {"\xf0\x9d\x84\x9e", (size_t)-1},
        {"\xed\x9f\xbf", (size_t)-1},
        {"\xee\x80\x80", (size_t)-1},
        {"\xf4\x8f\xbf\xbf", (size_t)-1},
        {"\xef\xbb\xbf plain", (size_t)-1},
    };
    MonitorState *s = calloc(1, sizeof *s);
    char frame[512];
    uint64_t bad = 0, good = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].bytes);
        size_t at = utf8_invalid_at(cases[i].bytes, n);
        bool valid = cases[i].offset == (size_t)-1;
        check_true(valid ? at == n : at == cases[i].offset, "utf8 case %zu: first invalid byte at %zu (expected %zu)",
                   i, at, valid ? n : cases[i].offset);
        int len = snprintf(frame, sizeof frame,
                           "{\"schema\":1,\"run\":\"u\",\"rank\":0,\"role\":\"GD\",\"seq\":%zu,\"time\":1.5,"
                           "\"dropped\":0,\"kind\":\"warning\",\"text\":\"%s\"}",
                           i, cases[i].bytes);
        FrameVerdict v = feed(s, frame, (size_t)len);
        check_true(v == (valid ? FRAME_ACCEPTED : FRAME_MALFORMED), "utf8 case %zu: %s (%s)", i,
                   valid ? "accepted" : "malformed", s->last_error);
        if (valid)
            good++;
        else
            bad++;
    }
    check_true(s->malformed == bad && s->accepted == good, "utf8: %llu malformed, %llu accepted",
               (unsigned long long)s->malformed, (unsigned long long)s->accepted);
    /* What the web page serves is valid UTF-8 JSON, the multi-byte text kept. */
    char *json = web_state_json(s, "tcp://127.0.0.1:5555");
    check_true(json && utf8_invalid_at(json, strlen(json)) == strlen(json), "utf8: the web state is valid UTF-8");
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    check_true(root != NULL, "utf8: the web state is JSON");
    cJSON_Delete(root);
    free(json);
    free(s);
}

static void test_endpoints(void) {
    static const char *const local[] = {"tcp://127.0.0.1:5555", "tcp://127.1.2.3:1",    "tcp://localhost:5555",
                                        "tcp://[::1]:5555",     "ipc:///tmp/nash.sock", "inproc://metrics"};
    static const char *const remote[] = {
        "tcp://*:5555",    "tcp://0.0.0.0:5555", "tcp://10.1.2.3:5555", "tcp://127.0.0.1.evil.com:5555",
        "tcp://eth0:5555", "tcp://127.0.0:5",    "udp://127.0.0.1:5",   "tcp://1270.0.0.1:5",
        "tcp://127.0.0.1"};
    for (size_t i = 0; i < sizeof local / sizeof *local; i++)
        check_true(metrics_endpoint_is_local(local[i]), "%s is local", local[i]);
    for (size_t i = 0; i < sizeof remote / sizeof *remote; i++)
        check_true(!metrics_endpoint_is_local(remote[i]), "%s is not local", remote[i]);
}

/* A resumed run (the same run id, resumed_from = 100) continues its curves from step 100: the 30
 * steps its first segment logged past the checkpoint are dropped, and its new steps are taken. */
static void test_resumed(void) {
    MonitorState *s = calloc(1, sizeof *s);
    frame_state_init(s);
    char buf[MSG_MAX];
    int n = make_valid(buf, sizeof buf, "r", FRAME_KIND_RUN_START, 0, 0, 0);
    feed(s, buf, (size_t)n);
    for (long long step = 1; step <= 130; step++) {
        n = make_valid(buf, sizeof buf, "r", FRAME_KIND_STEP, step, step, 0);
        feed(s, buf, (size_t)n);
    }
    n = make_valid(buf, sizeof buf, "r", FRAME_KIND_RUN_START, 0, 0, 0);
    const char *at = strstr(buf, "\"resumed_from\":0");
    char resumed[MSG_MAX];
    snprintf(resumed, sizeof resumed, "%.*s\"resumed_from\":100}", (int)(at ? at - buf : 0), buf);
    check_true(feed(s, resumed, strlen(resumed)) == FRAME_ACCEPTED, "the resumed run_start is accepted: %s", resumed);
    for (long long step = 101; step <= 110; step++) {
        n = make_valid(buf, sizeof buf, "r", FRAME_KIND_STEP, step - 100, step, 0);
        feed(s, buf, (size_t)n);
    }
    const MonitorRun *run = &s->runs[0];
    const MonitorSeries *series = &run->series;
    bool joined = series->n == 110;
    for (int i = 0; joined && i < series->n; i++) joined = series->points[i].step == (double)(i + 1);
    check_true(s->n_runs == 1 && run->resumed_from == 100 && run->last.step == 110 && joined,
               "one run, its curve steps 1..110 without the first segment's 101..130 (runs %d, points %d, last %lld)",
               s->n_runs, series->n, (long long)run->last.step);
    /* the sample pictures: the last MONITOR_SAMPLES_KEPT, oldest first */
    for (long long step = 1; step <= MONITOR_SAMPLES_KEPT + 8; step++) {
        n = make_valid(buf, sizeof buf, "r", FRAME_KIND_SAMPLES, 20 + step, 110 + step, 0);
        feed(s, buf, (size_t)n);
    }
    check_true(run->n_sample_history == MONITOR_SAMPLES_KEPT && run->sample_history_step[0] == 119 &&
                   run->sample_history_step[MONITOR_SAMPLES_KEPT - 1] == 110 + MONITOR_SAMPLES_KEPT + 8 &&
                   strstr(run->sample_history[0], "step_119.png"),
               "the last %d sample pictures kept (%d, from step %lld)", MONITOR_SAMPLES_KEPT, run->n_sample_history,
               (long long)run->sample_history_step[0]);
    /* the run_start a publisher sends again for a monitor that joined later (seq > 0) is no restart */
    n = make_valid(buf, sizeof buf, "r", FRAME_KIND_RUN_START, 11, 0, 0);
    feed(s, buf, (size_t)n);
    check_true(series->n == 110 && run->last.step == 110, "a run_start sent again keeps the curve (%d points)",
               series->n);
    free(s);
}

/* The terminal dashboard: live runs first, then the newest ended run in full, older ended runs in
 * one line each, so five ended runs do not push the live one off the screen. */
static void test_dashboard_order(void) {
    MonitorState *s = calloc(1, sizeof *s);
    frame_state_init(s);
    char buf[MSG_MAX];
    const char *ids[] = {"old-1", "old-2", "live", "old-3"};
    for (int r = 0; r < 4; r++) {
        int n = make_valid(buf, sizeof buf, ids[r], FRAME_KIND_STEP, 0, 10, 0);
        feed(s, buf, (size_t)n);
        if (strcmp(ids[r], "live") != 0) {
            n = make_valid(buf, sizeof buf, ids[r], FRAME_KIND_RUN_END, 1, 10, 0);
            feed(s, buf, (size_t)n);
        }
    }
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    view_dashboard(mem, s, "tcp://127.0.0.1:5555", 1700000100.0, false);
    fclose(mem);
    const char *live = strstr(text, "run live"), *o3 = strstr(text, "run old-3"), *o2 = strstr(text, "run old-2"),
               *o1 = strstr(text, "run old-1");
    check_true(live && o3 && o2 && o1 && live < o3 && o3 < o2 && o2 < o1,
               "live first, then ended runs newest first:\n%s", text);
    check_true(o2 && strstr(o2, "run old-2  ended done at step 10\n") == o2 && o1 &&
                   strstr(o1, "run old-1  ended done at step 10\n") == o1,
               "older ended runs get one line each:\n%s", text);
    free(text);
    free(s);
}

int main(void) {
    test_dashboard_order();
    test_resumed();
    test_fuzz();
    test_schema();
    test_tracking();
    test_ranks_series_web();
    test_utf8();
    test_endpoints();
    return check_finish("monitor_frames");
}
