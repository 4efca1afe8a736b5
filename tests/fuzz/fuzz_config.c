/* fuzz_config.c — libFuzzer target: the strict INI config loader (config/config.h).
 *
 * Input: the bytes of a config file, optionally followed by `--set` overrides, each starting with
 * the line "--set " ("...[train]\nsteps = 5\n--set train.batch=8\n--set optim.g.lr=1e-3").
 * The file is written to a private temporary directory and read by config_load, as `nash train`
 * does; the layer lines go through nn/spec's parser on the way. Checked on every input:
 *   - config_load returns NASH_OK or a config error with a message, and never crashes;
 *   - a loaded config round-trips: config_to_string, loaded again, gives the same text
 *     (config.h promises that config_write's text reads back to an equal Config);
 *   - config_text_value (how single keys are read back from a checkpoint's /config) on the input
 *     as text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz_util.h"

#define MAX_OVERRIDES 8
#define SET_MARK "\n--set "

/* The text after the first line (the comment naming the source file). */
static const char *after_first_line(const char *text) {
    const char *nl = strchr(text, '\n');
    return nl ? nl + 1 : text;
}

static void check_round_trip(const Config *cfg) {
    char *text = config_to_string(cfg);
    fuzz_require(text != NULL, "config_to_string");
    const char *path = fuzz_write_file("resolved.ini", text, strlen(text));
    Config *again = malloc(sizeof *again);
    NashError err = {0};
    fuzz_require(again != NULL, "malloc");
    NashStatus st = config_load(path, NULL, 0, again, &err);
    if (st != NASH_OK) fprintf(stderr, "resolved config refused: %s\n--- text:\n%s", err.msg, text);
    fuzz_require(st == NASH_OK, "the resolved config of a loaded config loads again");
    char *text2 = config_to_string(again);
    fuzz_require(text2 != NULL, "config_to_string");
    if (strcmp(after_first_line(text), after_first_line(text2)) != 0)
        fprintf(stderr, "--- first:\n%s--- reloaded:\n%s", text, text2);
    fuzz_require(strcmp(after_first_line(text), after_first_line(text2)) == 0,
                 "the resolved config reads back to the same config");
    free(text2);
    free(text);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* A NUL-terminated copy, split into the file and the overrides. */
    char *copy = malloc(size + 1);
    fuzz_require(copy != NULL, "malloc");
    memcpy(copy, data, size);
    copy[size] = '\0';
    size_t file_len = size;
    const char *overrides[MAX_OVERRIDES];
    int n_overrides = 0;
    char *mark = strstr(copy, SET_MARK);
    if (mark) {
        file_len = (size_t)(mark - copy) + 1;
        for (char *p = mark; p && n_overrides < MAX_OVERRIDES;) {
            *p = '\0';
            p += strlen(SET_MARK);
            overrides[n_overrides++] = p;
            p = strstr(p, SET_MARK);
        }
        if (n_overrides == MAX_OVERRIDES) {
            char *rest = strstr((char *)overrides[MAX_OVERRIDES - 1], SET_MARK);
            if (rest) *rest = '\0';
        }
    }
    const char *path = fuzz_write_file("config.ini", data, file_len);

    Config *cfg = malloc(sizeof *cfg);
    fuzz_require(cfg != NULL, "malloc");
    NashError err = {0};
    NashStatus st = config_load(path, overrides, n_overrides, cfg, &err);
    fuzz_require(st == NASH_OK || (err.code == st && err.msg[0]), "a refused config has a status and a message");
    if (st == NASH_OK) check_round_trip(cfg);
    free(cfg);

    /* Single keys read back from stored config text (the text ends at the first NUL). */
    char value[256];
    config_text_value(copy, "generator", "noise", value, sizeof value);
    config_text_value(copy, "train", "seed", value, sizeof value);
    config_text_value(copy, "", "", value, sizeof value);
    free(copy);
    return 0;
}
