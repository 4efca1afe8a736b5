/* config.c — load the strict INI config: defaults, the file (read with inih), `--set` overrides,
 * then the checks that need the whole config (see config.h; every key is in config_schema.c).
 *
 * Debian's inih calls the handler without a line number, so the file is fed to ini_parse_stream
 * by our own reader, which counts lines; the reader also refuses what inih would pass over in
 * silence (unknown empty sections, text after "]", lines with no '=') and strips leading blanks
 * so that inih never joins an indented line to the previous value. inih's line buffer is 200
 * bytes; a longer "key = value" line is handed to it with a placeholder value, and the handler
 * takes the real value from the reader's own buffer, so long paths still load.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "config/config_schema.h"

#define LONG_VALUE "\x01" /* inih sees this in place of a value too long for its buffer */
#define LIST_MAX 512

typedef struct {
    Config *cfg;
    const char *path;
    FILE *fp;
    char *buf; /* the current line, whole (getline) */
    size_t cap;
    const char *long_value; /* the value of the current line when inih got LONG_VALUE instead */
    int line;
    bool failed;
    NashStatus status;
    NashError *err;
    int key_line[CONFIG_N_KEYS];             /* line where the file first set each key; 0 = never */
    const char *key_override[CONFIG_N_KEYS]; /* the --set that last set it, or NULL */
} Load;

static void vload_fail(Load *ld, NashStatus code, const char *fmt, va_list ap) {
    char msg[NASH_ERROR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    ld->status = nash_fail(ld->err, code, "%s:%d: %.900s", ld->path, ld->line, msg);
    ld->failed = true;
}

/* Record "PATH:LINE: message" and stop reading; load_fail returns 0 for inih, reader_fail NULL. */
static int load_fail(Load *ld, NashStatus code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int load_fail(Load *ld, NashStatus code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vload_fail(ld, code, fmt, ap);
    va_end(ap);
    return 0;
}

static char *reader_fail(Load *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *reader_fail(Load *ld, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vload_fail(ld, NASH_ERR_CONFIG, fmt, ap);
    va_end(ap);
    return NULL;
}

static bool section_known(const char *name, size_t len) {
    char buf[64];
    if (len >= sizeof buf) return false;
    memcpy(buf, name, len);
    buf[len] = '\0';
    return config_section_find(buf) != NULL;
}

/* inih's reader: one whole line per call, checked, without its indentation, and short enough for
 * inih's buffer of `num` bytes (see the top of the file). */
static char *read_line(char *str, int num, void *stream) {
    Load *ld = stream;
    if (ld->failed) return NULL;
    ssize_t got = getline(&ld->buf, &ld->cap, ld->fp);
    if (got < 0) {
        if (ferror(ld->fp)) load_fail(ld, NASH_ERR_IO, "cannot read the config: %s", strerror(errno));
        return NULL;
    }
    ld->line++;
    ld->long_value = NULL;
    if ((size_t)got != strlen(ld->buf)) return reader_fail(ld, "line holds a NUL byte");
    char *s = ld->buf;
    if (ld->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3)) s += 3; /* UTF-8 byte-order mark */
    while (*s == ' ' || *s == '\t') s++;
    bool comment = *s == '\0' || strchr("\r\n;#", *s);
    size_t len = strlen(s);
    bool fits = len + 2 <= (size_t)num;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close) return reader_fail(ld, "expected ']' to end the section name");
        const char *tail = close + 1;
        while (*tail == ' ' || *tail == '\t') tail++;
        if (*tail && !strchr("\r\n;#", *tail))
            return reader_fail(ld, "unexpected text after ']': '%.60s'", config_trim(close + 1));
        if (!section_known(s + 1, (size_t)(close - s - 1))) {
            char known[LIST_MAX];
            config_list_sections(known, sizeof known);
            return reader_fail(ld, "[%.*s] unknown section (known: %s)", (int)(close - s - 1), s + 1, known);
        }
        if (!fits) { /* a known name followed by a long comment */
            snprintf(str, (size_t)num, "%.*s\n", (int)(close - s + 1), s);
            return str;
        }
    } else if (!comment && !strpbrk(s, "=:")) {
        return reader_fail(ld, "expected 'key = value', '[section]' or a comment, got '%.60s'", config_trim(s));
    }
    if (fits) {
        memcpy(str, s, len + 1);
        return str;
    }
    if (comment) {
        snprintf(str, (size_t)num, "\n");
        return str;
    }
    char *sep = strpbrk(s, "=:");
    int key_len = (int)(sep - s);
    while (key_len > 0 && (s[key_len - 1] == ' ' || s[key_len - 1] == '\t')) key_len--;
    if (key_len > num / 2) return reader_fail(ld, "line too long: the key alone has %d characters", key_len);
    ld->long_value = sep + 1;
    snprintf(str, (size_t)num, "%.*s= " LONG_VALUE "\n", (int)(sep - s), s);
    return str;
}

static int apply_file_key(Load *ld, const char *section, const char *name, const char *value) {
    char known[LIST_MAX];
    if (!*section) {
        config_list_sections(known, sizeof known);
        return load_fail(ld, NASH_ERR_CONFIG, "%s: key before any [section]; put it under its section (known: %s)",
                         name, known);
    }
    if (!config_section_find(section)) {
        config_list_sections(known, sizeof known);
        return load_fail(ld, NASH_ERR_CONFIG, "[%s] unknown section (known: %s)", section, known);
    }
    const ConfigKey *key = config_key_find(section, name);
    if (!key) {
        config_list_keys(section, known, sizeof known);
        return load_fail(ld, NASH_ERR_CONFIG, "[%s] %s: unknown key (known keys in [%s]: %s)", section, name, section,
                         known);
    }
    int idx = (int)(key - config_keys);
    if (key->type != CONFIG_LAYERS && ld->key_line[idx])
        return load_fail(ld, NASH_ERR_CONFIG, "[%s] %s: duplicate key (already set on line %d); give each key once",
                         section, name, ld->key_line[idx]);
    char why[NASH_ERROR_MSG_MAX];
    if (!config_value_set(key, ld->cfg, value, true, ld->line, why, sizeof why))
        return load_fail(ld, NASH_ERR_CONFIG, "[%s] %s: %s", section, name, why);
    if (!ld->key_line[idx]) ld->key_line[idx] = ld->line;
    return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value) {
    Load *ld = user;
    if (ld->failed) return 0;
    char *text = strdup(ld->long_value && !strcmp(value, LONG_VALUE) ? ld->long_value : value);
    if (!text) return load_fail(ld, NASH_ERR_NOMEM, "out of memory");
    int ok = apply_file_key(ld, section, name, config_clean_value(text));
    free(text);
    return ok;
}

static NashStatus load_file(Load *ld) {
    ld->fp = fopen(ld->path, "r");
    if (!ld->fp) return nash_fail(ld->err, NASH_ERR_IO, "%s: cannot open the config: %s", ld->path, strerror(errno));
    int rc = ini_parse_stream(read_line, ld, on_key, ld);
    fclose(ld->fp);
    free(ld->buf);
    ld->buf = NULL;
    if (ld->failed) return ld->status;
    if (rc == -2) return nash_fail(ld->err, NASH_ERR_NOMEM, "%s: out of memory while reading the config", ld->path);
    if (rc != 0)
        return nash_fail(ld->err, NASH_ERR_CONFIG,
                         "%s:%d: cannot parse this line (expected 'key = value', '[section]' or a comment)", ld->path,
                         rc);
    return NASH_OK;
}

/* Apply "section.key=value"; *which receives the key on success. */
static NashStatus apply_set(Config *cfg, const char *assignment, const ConfigKey **which, NashError *err) {
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return nash_fail(err, NASH_ERR_CONFIG, "--set %s: expected SECTION.KEY=VALUE (e.g. --set train.batch=128)",
                         assignment);
    char name[128], known[LIST_MAX];
    size_t len = (size_t)(eq - assignment);
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), assignment);
    char *section = config_trim(name);
    char *dot = strrchr(section, '.');
    if (!dot) {
        const ConfigKey *only = NULL;
        int matches = 0;
        for (int i = 0; i < CONFIG_N_KEYS; i++)
            if (!strcmp(config_keys[i].name, section)) only = &config_keys[i], matches++;
        if (matches == 1)
            return nash_fail(err, NASH_ERR_CONFIG, "--set %s: '%s' needs its section: --set %s.%s=%s", assignment,
                             section, only->section, only->name, eq + 1);
        config_list_sections(known, sizeof known);
        return nash_fail(err, NASH_ERR_CONFIG, "--set %s: '%s' needs its section: SECTION.KEY=VALUE (sections: %s)",
                         assignment, section, known);
    }
    *dot = '\0';
    const char *key_name = dot + 1;
    if (!config_section_find(section)) {
        config_list_sections(known, sizeof known);
        return nash_fail(err, NASH_ERR_CONFIG, "--set %s: [%s] unknown section (known: %s)", assignment, section,
                         known);
    }
    const ConfigKey *key = config_key_find(section, key_name);
    if (!key) {
        config_list_keys(section, known, sizeof known);
        return nash_fail(err, NASH_ERR_CONFIG, "--set %s: [%s] %s: unknown key (known keys in [%s]: %s)", assignment,
                         section, key_name, section, known);
    }
    char *value = strdup(eq + 1);
    if (!value) return nash_fail(err, NASH_ERR_NOMEM, "--set %s: out of memory", assignment);
    char *text = config_trim(value);
    char why[NASH_ERROR_MSG_MAX];
    bool ok;
    if (key->type == CONFIG_LAYERS && strspn(text, "; \t") == strlen(text)) {
        snprintf(why, sizeof why, "no layers: give one or more layer lines separated by ';'");
        ok = false;
    } else {
        ok = config_value_set(key, cfg, text, false, 0, why, sizeof why);
    }
    free(value);
    if (!ok) return nash_fail(err, NASH_ERR_CONFIG, "--set %s: [%s] %s: %.800s", assignment, section, key_name, why);
    if (which) *which = key;
    return NASH_OK;
}

NashStatus config_set(Config *cfg, const char *assignment, NashError *err) {
    return apply_set(cfg, assignment, NULL, err);
}

/* Where a key got its value, for the checks made once everything is read. */
static void key_origin(const Load *ld, const char *section, const char *name, char *buf, size_t size) {
    int idx = (int)(config_key_find(section, name) - config_keys);
    if (ld->key_override[idx])
        snprintf(buf, size, "--set %s", ld->key_override[idx]);
    else if (ld->key_line[idx])
        snprintf(buf, size, "%s:%d", ld->path, ld->key_line[idx]);
    else
        snprintf(buf, size, "%s", ld->path ? ld->path : "(defaults)");
}

static NashStatus check_whole(const Config *c, const Load *ld, NashError *err) {
    char at[NASH_PATH_MAX + 64];
    if (!c->data.path[0]) {
        key_origin(ld, "data", "path", at, sizeof at);
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s: [data] path: not set; give the HDF5 file written by `nash data` "
                         "(e.g. path = data/fashion-mnist.h5)",
                         at);
    }
    static const char *const players[] = {"generator", "discriminator"};
    for (int i = 0; i < 2; i++) {
        const NetConfig *net = i == 0 ? &c->generator.net : &c->discriminator.net;
        if (net->n_layers > 0) continue;
        key_origin(ld, players[i], "layer", at, sizeof at);
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s: [%s] layer: the %s has no layers; describe it with one `layer = ...` line per layer "
                         "(docs/layers.md)",
                         at, players[i], players[i]);
    }
    if (!c->output.dir[0]) {
        key_origin(ld, "output", "dir", at, sizeof at);
        return nash_fail(err, NASH_ERR_CONFIG, "%s: [output] dir: empty; give a run directory (e.g. runs/NAME)", at);
    }
    AugmentOp ops[AUGMENT_OP_COUNT];
    int n_ops;
    char why[160];
    if (!config_augment_ops(c->augment.policy, ops, &n_ops, why, sizeof why)) {
        key_origin(ld, "augment", "policy", at, sizeof at);
        return nash_fail(err, NASH_ERR_CONFIG, "%s: [augment] policy = %s: %s", at, c->augment.policy, why);
    }
    int clip_key = (int)(config_key_find("loss", "clip") - config_keys);
    if (c->loss.penalty != PENALTY_NONE && (ld->key_line[clip_key] || ld->key_override[clip_key])) {
        key_origin(ld, "loss", "clip", at, sizeof at);
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s: [loss] clip is set, but with penalty = %s nothing is clipped (the penalty is the "
                         "critic's constraint); remove clip, or set penalty = none",
                         at, config_penalty_words[c->loss.penalty]);
    }
    if (c->cluster.eval_ranks > 0 && c->eval.every <= 0) {
        key_origin(ld, "cluster", "eval_ranks", at, sizeof at);
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s: [cluster] eval_ranks = %d, but [eval] every = 0: nothing would be evaluated; set "
                         "eval.every to the steps between evaluations, or eval_ranks = 0",
                         at, c->cluster.eval_ranks);
    }
    if (c->monitor.enabled && !c->monitor.endpoint[0]) {
        key_origin(ld, "monitor", "endpoint", at, sizeof at);
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s: [monitor] endpoint: empty while [monitor] enabled = true; give one "
                         "(e.g. tcp://127.0.0.1:5555) or set enabled = false",
                         at);
    }
    return NASH_OK;
}

void config_defaults(Config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->source, sizeof cfg->source, "(defaults)");
    char why[NASH_ERROR_MSG_MAX];
    /* Every default is checked by tests/unit/test_config.c; a bad one would leave its field zero. */
    for (int i = 0; i < CONFIG_N_KEYS; i++)
        config_value_set(&config_keys[i], cfg, config_keys[i].def, false, 0, why, sizeof why);
}

NashStatus config_load(const char *path, const char *const *overrides, int n_overrides, Config *cfg, NashError *err) {
    if (!cfg || n_overrides < 0 || (n_overrides > 0 && !overrides))
        return nash_fail(err, NASH_ERR_INVALID, "config_load: bad arguments (a bug in the caller)");
    if (path && strlen(path) >= sizeof cfg->source)
        return nash_fail(err, NASH_ERR_CONFIG, "%.200s...: config path too long (at most %d characters)", path,
                         NASH_PATH_MAX - 1);
    Config *next = malloc(sizeof *next);
    Load *ld = calloc(1, sizeof *ld);
    if (!next || !ld) {
        free(next);
        free(ld);
        return nash_fail(err, NASH_ERR_NOMEM, "%s: out of memory loading the config", path ? path : "(defaults)");
    }
    config_defaults(next);
    ld->cfg = next;
    ld->path = path;
    ld->err = err;
    NashStatus st = NASH_OK;
    if (path) {
        snprintf(next->source, sizeof next->source, "%s", path);
        st = load_file(ld);
    }
    for (int i = 0; i < n_overrides && st == NASH_OK; i++) {
        const ConfigKey *key = NULL;
        st = apply_set(next, overrides[i], &key, err);
        if (st == NASH_OK) ld->key_override[key - config_keys] = overrides[i];
    }
    if (st == NASH_OK) st = check_whole(next, ld, err);
    if (st == NASH_OK) memcpy(cfg, next, sizeof *cfg);
    free(next);
    free(ld);
    return st;
}

#ifndef NASH_INIH_VERSION
#define NASH_INIH_VERSION "unknown"
#endif
const char *config_inih_version(void) { return NASH_INIH_VERSION; }

bool config_augment_ops(const char *policy, AugmentOp *ops, int *n, char *why, size_t size) {
    *n = 0;
    const char *p = policy;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p)) p++;
        size_t len = strcspn(p, ", \t\r\n\v\f");
        if (!len) break;
        int k = 0;
        while (k < AUGMENT_OP_COUNT &&
               !(strlen(config_augment_words[k]) == len && !strncmp(p, config_augment_words[k], len)))
            k++;
        if (k == AUGMENT_OP_COUNT) {
            snprintf(why, size, "unknown operation '%.*s'; known: color, translation, cutout (comma-separated)",
                     (int)len, p);
            return false;
        }
        for (int i = 0; i < *n; i++)
            if (ops[i] == (AugmentOp)k) {
                snprintf(why, size, "'%s' is listed twice; give each operation once", config_augment_words[k]);
                return false;
            }
        ops[(*n)++] = (AugmentOp)k;
        p += len;
    }
    if (*n == 0 && policy[0]) { /* only separators: a typo, not "no augmentation" */
        snprintf(why, size, "no operation, only separators; give color, translation and/or cutout, or leave it empty");
        return false;
    }
    return true;
}
