/* cmd_eval.c — `nash eval`: distances and quality measures of generated samples against data.
 *
 *   nash eval WEIGHTS.h5|CKPT.h5|SAMPLES.h5 --against DATA.h5 [-n N] [--seed S] [--ema]
 *             [--classifier FILE] [--epochs E] [--truncation T] [--json]
 *
 * Prints a table (or one JSON object with --json) of the measures in score/score.h, each next to
 * the value real data gets against itself at the same sample size.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "gan/noise.h"
#include "score/score.h"

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "nash eval: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see nash help eval\n");
    return NASH_EXIT_USAGE;
}

static bool parse_long(const char *s, long long lo, long long hi, long long *out) {
    char *end = NULL;
    errno = 0;
    if (!isdigit((unsigned char)*s)) return false;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* -1 when the arguments are good, else the exit code. */
static int parse_args(int argc, char **argv, ScoreOptions *opt, bool *json) {
    *opt = (ScoreOptions){.group = "generator", .n = 0, .seed = 1, .epochs = 0, .progress = stderr};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        long long v = 0;
        if (!strcmp(s, "--against") || !strcmp(s, "-n") || !strcmp(s, "--seed") || !strcmp(s, "--classifier") ||
            !strcmp(s, "--epochs") || !strcmp(s, "--truncation")) {
            if (i + 1 >= argc) return usage_error("%s needs a value", s);
            const char *val = argv[++i];
            if (!strcmp(s, "--against")) opt->data = val;
            if (!strcmp(s, "--classifier")) opt->classifier = val;
            if (!strcmp(s, "-n")) {
                if (!parse_long(val, 100, 1000000, &v))
                    return usage_error("-n takes 100 to 1000000 samples, not '%s'", val);
                opt->n = v;
            }
            if (!strcmp(s, "--seed")) {
                if (!parse_long(val, 0, INT64_MAX, &v))
                    return usage_error("--seed takes a non-negative integer, not '%s'", val);
                opt->seed = (uint64_t)v;
            }
            if (!strcmp(s, "--truncation") && !noise_truncation_parse(val, &opt->truncation))
                return usage_error("--truncation takes a bound of 0.05 to 10 standard deviations, not '%s'", val);
            if (!strcmp(s, "--epochs")) {
                if (!parse_long(val, 1, 100, &v)) return usage_error("--epochs takes 1 to 100, not '%s'", val);
                opt->epochs = (int)v;
            }
        } else if (!strcmp(s, "--ema")) {
            opt->group = "generator_ema";
        } else if (!strcmp(s, "--json")) {
            *json = true;
        } else if (s[0] == '-' && s[1]) {
            return usage_error("unknown option '%s'", s);
        } else if (opt->source) {
            return usage_error("one source file only (got a second: '%s')", s);
        } else {
            opt->source = s;
        }
    }
    if (!opt->source) return usage_error("%s", "no weights, checkpoint or samples file given");
    if (!opt->data) return usage_error("%s", "no real data given (--against DATA.h5)");
    return -1;
}

static void print_table(const ScoreOptions *opt, const ScoreReport *r) {
    printf("nash eval: %s (%s) against %s, %lld samples each, seed %llu", opt->source, r->source_kind, opt->data,
           (long long)r->n, (unsigned long long)opt->seed);
    if (opt->truncation > 0.0) printf(", z truncated to [-%g, %g]", opt->truncation, opt->truncation);
    printf("\n");
    if (r->classifier[0])
        printf("classifier: %s (%s; %.2f%% accuracy on held-out images)\n", r->classifier,
               r->classifier_trained ? "trained now" : "loaded", 100.0 * r->classifier_accuracy);
    printf("\n%-14s %14s %14s  %-7s %s\n", "measure", "generated", "real data", "better", "what");
    for (int i = 0; i < r->count; i++) {
        const ScoreMetric *m = &r->metrics[i];
        printf("%-14s %14.6g %14.6g  %-7s %s\n", m->name, m->value, m->real, m->lower_better ? "lower" : "higher",
               m->what);
    }
    printf("\n\"real data\": the last %lld samples of the data file against the first %lld (what a perfect "
           "generator would score)\n",
           (long long)r->n, (long long)r->n);
    if (r->conditional_classes) {
        printf("\nper class (a class-conditional generator; its sample i is made for class i mod %d):\n",
               r->conditional_classes);
        printf("%-6s %12s %12s\n", "class", "generated", "real data");
        for (int j = 0; j < r->conditional_classes; j++)
            printf("%-6d %11.2f%% %11.2f%%\n", j, 100.0 * r->class_accuracy[j], 100.0 * r->class_accuracy_real[j]);
    }
    if (r->n < 10000)
        printf("at %lld samples the distances are biased upward (the Fréchet distance by about 1/n, sliced W1 by "
               "about 1/sqrt(n)): compare a generator with the real column beside it, not with figures measured at "
               "another n\n",
               (long long)r->n);
}

static int print_json(const ScoreOptions *opt, const ScoreReport *r) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return NASH_EXIT_RUNTIME;
    cJSON_AddStringToObject(root, "source", opt->source);
    cJSON_AddStringToObject(root, "source_kind", r->source_kind);
    cJSON_AddStringToObject(root, "data", opt->data);
    cJSON_AddStringToObject(root, "kind", r->kind);
    cJSON_AddNumberToObject(root, "samples", (double)r->n);
    cJSON_AddNumberToObject(root, "seed", (double)opt->seed);
    if (opt->truncation > 0.0) cJSON_AddNumberToObject(root, "truncation", opt->truncation);
    if (r->classifier[0]) {
        cJSON_AddStringToObject(root, "classifier", r->classifier);
        cJSON_AddNumberToObject(root, "classifier_accuracy", r->classifier_accuracy);
    }
    if (r->conditional_classes) {
        cJSON *per = cJSON_AddArrayToObject(root, "class_accuracy");
        for (int j = 0; per && j < r->conditional_classes; j++) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddNumberToObject(item, "class", j);
            cJSON_AddNumberToObject(item, "generated", r->class_accuracy[j]);
            cJSON_AddNumberToObject(item, "real", r->class_accuracy_real[j]);
            cJSON_AddItemToArray(per, item);
        }
    }
    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    for (int i = 0; metrics && i < r->count; i++) {
        const ScoreMetric *m = &r->metrics[i];
        cJSON *item = cJSON_AddObjectToObject(metrics, m->name);
        if (!item) continue;
        cJSON_AddNumberToObject(item, "generated", m->value);
        cJSON_AddNumberToObject(item, "real", m->real);
        cJSON_AddStringToObject(item, "better", m->lower_better ? "lower" : "higher");
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return NASH_EXIT_RUNTIME;
    puts(text);
    cJSON_free(text);
    return NASH_EXIT_OK;
}

static int eval_main(int argc, char **argv) {
    ScoreOptions opt;
    bool json = false;
    int code = parse_args(argc, argv, &opt, &json);
    if (code >= 0) return code;
    ScoreReport report;
    NashError err = {0};
    NashStatus st = score_run(&opt, &report, &err);
    if (st) {
        fprintf(stderr, "nash eval: %s\n", err.msg);
        return nash_status_exit_code(st);
    }
    if (json) return print_json(&opt, &report);
    print_table(&opt, &report);
    return NASH_EXIT_OK;
}

const NashCommand cmd_eval = {
    .name = "eval",
    .summary = "distances and quality measures of a generator or samples against real data",
    .usage = "usage: nash eval WEIGHTS.h5|CKPT.h5|SAMPLES.h5 --against DATA.h5 [-n N] [--seed S] [--ema]\n"
             "                 [--classifier FILE] [--epochs E] [--truncation T] [--json]\n"
             "\n"
             "Compare N generated samples (drawn from a weights or checkpoint file's generator, or\n"
             "read from `nash sample -o OUT.h5`) with N real ones, next to what real data scores\n"
             "against itself. Images: Fréchet distance of a local classifier's features (trained on\n"
             "the labelled data with nash's own layers the first time, stored, reused), JS divergence\n"
             "of the predicted class histogram, classes covered, sliced W1 in pixel space. Toy\n"
             "mixtures: modes covered, samples near a mode, W1. See docs/distances.md.\n"
             "\n"
             "  --against DATA.h5   the real data (from nash data)\n"
             "  -n N                samples compared (default 10000, or half the data file when it is\n"
             "                      smaller; labelled images: at most the classifier's held-out part)\n"
             "  --seed S            noise, projections and classifier seed (default 1)\n"
             "  --ema               use the generator's moving average (generator_ema)\n"
             "  --classifier FILE   the classifier file (default DATA.classifier.h5)\n"
             "  --epochs E          epochs when the classifier is trained (default 2, or on a smaller\n"
             "                      data set enough to see 60000 images, at most 100)\n"
             "  --truncation T      a generator's z drawn from the Gaussian cut to [-T, T], 0.05 <= T\n"
             "                      (the truncation trick: docs/training.md, \"Truncation\")\n"
             "  --json              print one JSON object instead of the table\n",
    .run = eval_main,
    .blas = BLAS_SELECT_ANNOUNCE,
};
