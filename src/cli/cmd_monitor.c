/* cmd_monitor.c — `nash monitor`: receive a training run's metrics over ZeroMQ and show them.
 *
 *   nash monitor [--bind EP] [--http HOST:PORT] [--csv FILE] [--jsonl FILE] [--once] [--timeout S]
 *                [--allow-remote]
 *
 * A dashboard redrawn in place when stdout is a terminal, one line per message otherwise; a
 * summary line at the end. Exit codes: 0 when stopped by SIGINT/SIGTERM, after a run_end with
 * --once, or after --timeout without --once; 1 when --timeout ends a --once wait (no run_end
 * came) or on a runtime failure; 2 on bad usage or a refused (non-loopback) endpoint.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "monitor/monitor.h"

static volatile sig_atomic_t monitor_stop_requested = 0;

static void monitor_on_signal(int sig) {
    (void)sig;
    monitor_stop_requested = 1;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nash monitor: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; see nash help monitor\n");
    va_end(ap);
    return NASH_EXIT_USAGE;
}

/* `--name VALUE` or `--name=VALUE`: stores the value and advances *i; 1 when arg is this option,
 * 0 when it is not, -1 (after printing) when the value is missing. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value) {
    const char *arg = argv[*i];
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0) return 0;
    if (arg[len] == '=') {
        *value = arg + len + 1;
    } else if (arg[len] == '\0') {
        if (*i + 1 >= argc) {
            usage_error("%s needs a value", name);
            return -1;
        }
        *value = argv[++*i];
    } else {
        return 0;
    }
    if ((*value)[0] == '\0') {
        usage_error("%s needs a non-empty value", name);
        return -1;
    }
    return 1;
}

static int monitor_main(int argc, char **argv) {
    MonitorOptions opt = {.dashboard = isatty(STDOUT_FILENO) == 1, .stop = &monitor_stop_requested};
    const char *timeout = NULL;
    for (int i = 1; i < argc; i++) {
        int got = 0;
        if (strcmp(argv[i], "--once") == 0) {
            opt.once = true;
            continue;
        }
        if (strcmp(argv[i], "--allow-remote") == 0) {
            opt.allow_remote = true;
            continue;
        }
        if ((got = option_value(argc, argv, &i, "--bind", &opt.endpoint)) != 0 ||
            (got = option_value(argc, argv, &i, "--csv", &opt.csv_path)) != 0 ||
            (got = option_value(argc, argv, &i, "--jsonl", &opt.jsonl_path)) != 0 ||
            (got = option_value(argc, argv, &i, "--timeout", &timeout)) != 0 ||
            (got = option_value(argc, argv, &i, "--http", &opt.http)) != 0) {
            if (got < 0) return NASH_EXIT_USAGE;
            continue;
        }
        return usage_error("unexpected argument '%s'", argv[i]);
    }
    if (timeout) {
        char *end = NULL;
        opt.timeout = strtod(timeout, &end);
        if (*end != '\0' || !(opt.timeout > 0.0 && opt.timeout <= 1e7))
            return usage_error("--timeout takes seconds, a number in (0, 1e7], not '%s'", timeout);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = monitor_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    NashError err = {0};
    MonitorEnd end = MONITOR_END_STOPPED;
    NashStatus st = monitor_run(&opt, &end, &err);
    if (st != NASH_OK) {
        fprintf(stderr, "nash monitor: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    if (end == MONITOR_END_TIMEOUT) {
        fprintf(stderr, "nash monitor: no message for %g s%s\n", opt.timeout, opt.once ? " and no run_end" : "");
        if (opt.once) return NASH_EXIT_RUNTIME;
    }
    return NASH_EXIT_OK;
}

const NashCommand cmd_monitor = {
    .name = "monitor",
    .summary = "watch training metrics: terminal dashboard, web page, CSV, JSONL",
    .usage = "usage: nash monitor [--bind tcp://127.0.0.1:5555] [--http 127.0.0.1:8080] [--csv FILE]\n"
             "                    [--jsonl FILE] [--once] [--timeout S] [--allow-remote]\n"
             "\n"
             "Receive the metrics training runs publish over ZeroMQ (monitor.endpoint in the config;\n"
             "the trainers connect, the monitor binds) and show them: a dashboard redrawn in place\n"
             "when stdout is a terminal, one line per message otherwise. Malformed and oversized\n"
             "frames are counted and skipped; gaps in a publisher's sequence are counted as lost.\n"
             "\n"
             "  --bind ENDPOINT   where to receive metrics (default tcp://127.0.0.1:5555)\n"
             "  --http HOST:PORT  also serve a live web dashboard there (loopback; port 0 picks a\n"
             "                    free one; the URL is printed on stderr)\n"
             "  --csv FILE        append one row per step message to FILE (header when new)\n"
             "  --jsonl FILE      append every valid message to FILE, one JSON object a line\n"
             "  --once            exit after the first run_end message\n"
             "  --timeout S       exit after S seconds without any message (exit 1 with --once)\n"
             "  --allow-remote    allow non-loopback addresses for --bind and --http (neither has\n"
             "                    authentication)\n",
    .run = monitor_main,
};
