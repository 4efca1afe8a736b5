/* cmd_monitor.c — `nash monitor`: receive a training run's metrics over ZeroMQ and show them. */
#include "cli/commands.h"

const NashCommand cmd_monitor = {
    .name = "monitor",
    .summary = "watch training metrics: terminal, CSV, HTTP dashboard",
    .usage = "usage: nash monitor [--bind tcp://127.0.0.1:5555] [--http 127.0.0.1:8080] [--csv FILE]\n"
             "\n"
             "Receive the metrics a training run publishes over ZeroMQ and show them in the\n"
             "terminal, append them to a CSV file, and serve an HTTP dashboard.\n"
             "\n"
             "  --bind ENDPOINT   where to receive metrics (default tcp://127.0.0.1:5555)\n"
             "  --http ADDR:PORT  serve the dashboard there\n"
             "  --csv FILE        append every metric message to FILE\n",
    .run = NULL,
};
