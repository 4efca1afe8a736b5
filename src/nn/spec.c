/* spec.c — parse and format one-line layer descriptions (grammar in spec.h). */
#include "nn/spec.h"

#include "nn/layer.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MAX_WORDS 16
#define SPEC_WORD_MAX 64

const char *layer_kind_name(LayerKind kind) {
    return (unsigned)kind < LAYER_KIND_COUNT ? layer_of(kind)->name : "unknown";
}

bool spec_is_conditional(const LayerSpec *spec) {
    return spec->kind == LAYER_CBATCHNORM || spec->kind == LAYER_PROJECTION;
}

static bool parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < -1000000000L || v > 1000000000L) return false;
    *out = (int)v;
    return true;
}

static bool parse_float(const char *s, float *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return false;
    *out = (float)v;
    return true;
}

/* "4" -> (4,4); "3x5" -> (3,5) */
static bool parse_pair(const char *s, int *a, int *b) {
    char buf[SPEC_WORD_MAX];
    snprintf(buf, sizeof buf, "%s", s);
    char *x = strchr(buf, 'x');
    if (!x) {
        if (!parse_int(buf, a)) return false;
        *b = *a;
        return true;
    }
    *x = '\0';
    return parse_int(buf, a) && parse_int(x + 1, b);
}

static bool parse_bool(const char *s, bool *out) {
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static void spec_defaults(LayerSpec *spec, LayerKind kind) {
    memset(spec, 0, sizeof *spec);
    spec->kind = kind;
    spec->sh = spec->sw = 1;
    spec->bias = true;
    spec->seq = true;
    spec->count_include_pad = true;
    spec->slope = 0.01f;
    spec->eps = 1e-5f;
    spec->momentum = 0.1f;
}

typedef struct {
    int n;
    char word[SPEC_MAX_WORDS][SPEC_WORD_MAX];
} Words;

static NashStatus split_words(const char *line, Words *w, NashError *err) {
    w->n = 0;
    const char *p = line;
    while (*p) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != '#') p++;
        size_t len = (size_t)(p - start);
        if (w->n == SPEC_MAX_WORDS) return nash_fail(err, NASH_ERR_CONFIG, "too many words in layer '%s'", line);
        if (len >= SPEC_WORD_MAX)
            return nash_fail(err, NASH_ERR_CONFIG, "word '%.*s...' is too long", SPEC_WORD_MAX - 1, start);
        memcpy(w->word[w->n], start, len);
        w->word[w->n][len] = '\0';
        w->n++;
    }
    return NASH_OK;
}

static bool key_allowed(const LayerTraits *rule, const char *key) {
    size_t len = strlen(key);
    const char *p = rule->keys;
    while (*p) {
        while (*p == ' ') p++;
        const char *start = p;
        while (*p && *p != ' ') p++;
        if ((size_t)(p - start) == len && !strncmp(start, key, len)) return true;
    }
    return false;
}

static NashStatus bad_value(NashError *err, const LayerTraits *rule, const char *word, const char *why) {
    return nash_fail(err, NASH_ERR_CONFIG, "%s '%s' (%s; usage: %s)", why, word, rule->name, rule->usage);
}

static NashStatus apply_key(LayerSpec *spec, const LayerTraits *rule, const char *key, const char *val,
                            const char *word, NashError *err) {
    if (!key_allowed(rule, key)) return bad_value(err, rule, word, "unknown key");
    bool ok = true;
    if (!strcmp(key, "k"))
        ok = parse_pair(val, &spec->kh, &spec->kw) && spec->kh > 0 && spec->kw > 0;
    else if (!strcmp(key, "s"))
        ok = parse_pair(val, &spec->sh, &spec->sw) && spec->sh > 0 && spec->sw > 0;
    else if (!strcmp(key, "p"))
        ok = parse_pair(val, &spec->ph, &spec->pw) && spec->ph >= 0 && spec->pw >= 0;
    else if (!strcmp(key, "op"))
        ok = parse_pair(val, &spec->oph, &spec->opw) && spec->oph >= 0 && spec->opw >= 0;
    else if (!strcmp(key, "bias"))
        ok = parse_bool(val, &spec->bias);
    else if (!strcmp(key, "seq"))
        ok = parse_bool(val, &spec->seq);
    else if (!strcmp(key, "count_pad"))
        ok = parse_bool(val, &spec->count_include_pad);
    else if (!strcmp(key, "eps"))
        ok = parse_float(val, &spec->eps) && spec->eps > 0.0f;
    else if (!strcmp(key, "sn"))
        ok = parse_bool(val, &spec->sn);
    else if (!strcmp(key, "classes"))
        ok = parse_int(val, &spec->classes) && spec->classes >= 0 && spec->classes <= 65536;
    else if (!strcmp(key, "momentum"))
        ok = parse_float(val, &spec->momentum) && spec->momentum >= 0.0f && spec->momentum <= 1.0f;
    if (!ok) return bad_value(err, rule, word, "bad value in");
    return NASH_OK;
}

static NashStatus apply_positional(LayerSpec *spec, const LayerTraits *rule, int index, const char *word,
                                   NashError *err) {
    switch (rule->words) {
    case LAYER_WORDS_UNITS:
        if (!parse_int(word, &spec->units) || spec->units <= 0)
            return bad_value(err, rule, word, "expected a positive size, got");
        return NASH_OK;
    case LAYER_WORDS_SLOPE:
        if (!parse_float(word, &spec->slope)) return bad_value(err, rule, word, "expected a slope, got");
        return NASH_OK;
    case LAYER_WORDS_PROB:
        if (!parse_float(word, &spec->p) || spec->p < 0.0f || spec->p >= 1.0f)
            return bad_value(err, rule, word, "expected a probability in [0, 1), got");
        return NASH_OK;
    case LAYER_WORDS_DIMS:
        if (!parse_int(word, &spec->target.dim[index]) || spec->target.dim[index] <= 0)
            return bad_value(err, rule, word, "expected a positive dimension, got");
        spec->target.ndim = index + 1;
        return NASH_OK;
    case LAYER_WORDS_NONE: break;
    }
    return bad_value(err, rule, word, "unexpected word");
}

static NashStatus check_spec(const LayerSpec *spec, const LayerTraits *rule, bool seen_k, NashError *err) {
    if ((rule->flags & LAYER_WINDOWED) && !seen_k)
        return nash_fail(err, NASH_ERR_CONFIG, "%s needs a kernel size k= (usage: %s)", rule->name, rule->usage);
    return rule->check ? rule->check(spec, err) : NASH_OK;
}

NashStatus spec_parse(const char *line, LayerSpec *spec, NashError *err) {
    Words w;
    NashStatus st = split_words(line, &w, err);
    if (st) return st;
    if (w.n == 0) return nash_fail(err, NASH_ERR_CONFIG, "empty layer description");
    int k;
    for (k = 0; k < LAYER_KIND_COUNT; k++)
        if (!strcmp(w.word[0], layer_of((LayerKind)k)->name)) break;
    if (k == LAYER_KIND_COUNT) {
        char known[256] = "";
        for (int i = 0; i < LAYER_KIND_COUNT; i++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", i ? " " : "", layer_of((LayerKind)i)->name);
        }
        return nash_fail(err, NASH_ERR_CONFIG, "unknown layer '%s' (known: %s)", w.word[0], known);
    }
    spec_defaults(spec, (LayerKind)k);
    const LayerTraits *rule = layer_of(spec->kind);
    int positional = 0;
    bool seen_k = false, seen_s = false;
    for (int i = 1; i < w.n; i++) {
        char *eq = strchr(w.word[i], '=');
        if (eq) {
            char key[SPEC_WORD_MAX];
            snprintf(key, sizeof key, "%.*s", (int)(eq - w.word[i]), w.word[i]);
            st = apply_key(spec, rule, key, eq + 1, w.word[i], err);
            if (st) return st;
            seen_k |= !strcmp(key, "k");
            seen_s |= !strcmp(key, "s");
        } else {
            if (positional >= rule->words_max) return bad_value(err, rule, w.word[i], "unexpected word");
            st = apply_positional(spec, rule, positional++, w.word[i], err);
            if (st) return st;
        }
    }
    if (positional < rule->words_min)
        return nash_fail(err, NASH_ERR_CONFIG, "%s needs more arguments (usage: %s)", rule->name, rule->usage);
    if ((rule->flags & LAYER_POOLING) && !seen_s) {
        spec->sh = spec->kh;
        spec->sw = spec->kw;
    }
    return check_spec(spec, rule, seen_k, err);
}

void spec_format(const LayerSpec *spec, char *buf, size_t size) {
    char words[128] = "";
    if ((unsigned)spec->kind < LAYER_KIND_COUNT && layer_of(spec->kind)->format)
        layer_of(spec->kind)->format(spec, words, sizeof words);
    snprintf(buf, size, "%s%s", layer_kind_name(spec->kind), words);
}

NashStatus spec_parse_lines(const char *text, LayerSpec *specs, int max, int *count, NashError *err) {
    *count = 0;
    int line_no = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        line_no++;
        char line[512];
        if (len >= sizeof line) return nash_fail(err, NASH_ERR_CONFIG, "line %d: layer description too long", line_no);
        memcpy(line, p, len);
        line[len] = '\0';
        Words w;
        NashStatus st = split_words(line, &w, err);
        if (st) return nash_fail_context(err, "line %d: ", line_no);
        if (w.n > 0) {
            if (*count == max) return nash_fail(err, NASH_ERR_CONFIG, "line %d: more than %d layers", line_no, max);
            if (spec_parse(line, &specs[*count], err)) return nash_fail_context(err, "line %d: ", line_no);
            (*count)++;
        }
        p += len;
        if (*p == '\n') p++;
    }
    return NASH_OK;
}
