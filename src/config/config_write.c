/* config_write.c — the resolved config as INI text (printed on rank 0, stored in checkpoints), one key
 * read back from such text, and the reference table of every key for docs/config.md (config.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_schema.h"

void config_write(const Config *cfg, FILE *out) {
    fputs("# nash resolved config: every key with the value in force, defaults included (read from ", out);
    for (const char *p = cfg->source; *p && p < cfg->source + sizeof cfg->source; p++)
        fputc((unsigned char)*p < 0x20 ? '?' : *p, out);
    fputs(")\n", out);
    for (int s = 0; s < CONFIG_N_SECTIONS; s++) {
        fprintf(out, "\n[%s]\n", config_sections[s].name);
        for (int k = 0; k < CONFIG_N_KEYS; k++)
            if (!strcmp(config_keys[k].section, config_sections[s].name)) config_value_write(&config_keys[k], cfg, out);
    }
}

char *config_to_string(const Config *cfg) {
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) return NULL;
    config_write(cfg, out);
    bool ok = !ferror(out);
    if (fclose(out) != 0) ok = false;
    if (!ok) {
        free(text);
        return NULL;
    }
    return text;
}

static const char *type_name(ConfigType type) {
    switch (type) {
    case CONFIG_INT: return "integer";
    case CONFIG_INT64: return "integer (64-bit)";
    case CONFIG_UINT64: return "unsigned 64-bit integer";
    case CONFIG_DOUBLE: return "number";
    case CONFIG_BOOL: return "boolean";
    case CONFIG_STRING: return "text";
    case CONFIG_ENUM: return "word";
    case CONFIG_PATH: return "path";
    case CONFIG_LAYERS: return "layer lines";
    }
    return "?";
}

static void write_allowed(const ConfigKey *key, FILE *out) {
    char range[96];
    switch (key->type) {
    case CONFIG_ENUM:
        for (int i = 0; i < key->n_words; i++) fprintf(out, "%s`%s`", i ? ", " : "", key->words[i]);
        return;
    case CONFIG_BOOL: fputs("true/false, yes/no, on/off, 1/0", out); return;
    case CONFIG_STRING:
    case CONFIG_PATH: fprintf(out, "up to %zu characters", key->size - 1); return;
    case CONFIG_LAYERS:
        fprintf(out, "1 to %d lines of up to %d characters", CONFIG_MAX_LAYERS, CONFIG_LINE_MAX - 1);
        return;
    case CONFIG_UINT64: fprintf(out, "0 to %" PRIu64, UINT64_MAX); return;
    case CONFIG_INT:
    case CONFIG_INT64:
    case CONFIG_DOUBLE:
        config_range_text(key, range, sizeof range);
        fputs(range[0] ? range : "any", out);
        return;
    }
}

void config_write_reference(FILE *out) {
    for (int s = 0; s < CONFIG_N_SECTIONS; s++) {
        const char *help = config_sections[s].help;
        fprintf(out, "### [%s]\n\n%c%s.\n\n", config_sections[s].name, toupper((unsigned char)help[0]), help + 1);
        fputs("| key | type | allowed | default | meaning |\n| --- | --- | --- | --- | --- |\n", out);
        for (int k = 0; k < CONFIG_N_KEYS; k++) {
            const ConfigKey *key = &config_keys[k];
            if (strcmp(key->section, config_sections[s].name)) continue;
            fprintf(out, "| `%s` | %s | ", key->name, type_name(key->type));
            write_allowed(key, out);
            if (key->def[0])
                fprintf(out, " | `%s` | %s |\n", key->def, key->help);
            else
                fprintf(out, " | %s | %s |\n", key->type == CONFIG_LAYERS ? "(none)" : "(empty)", key->help);
        }
        if (s + 1 < CONFIG_N_SECTIONS) fputc('\n', out);
    }
}

/* The value of `key` in section [section] of INI text into buf (trimmed, inline ';'/'#' comments
 * removed). Returns false when absent. The last occurrence wins, as in the config reader. */
bool config_text_value(const char *text, const char *section, const char *key, char *buf, size_t size) {
    bool in_section = false, found = false;
    size_t slen = strlen(section), klen = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        const char *end = eol ? eol : line + strlen(line);
        const char *p = line;
        while (p < end && isspace((unsigned char)*p)) p++;
        if (p < end && *p == '[') {
            const char *close = memchr(p, ']', (size_t)(end - p));
            const char *name = p + 1;
            while (name < end && isspace((unsigned char)*name)) name++;
            const char *name_end = close ? close : end;
            while (name_end > name && isspace((unsigned char)name_end[-1])) name_end--;
            in_section = close && (size_t)(name_end - name) == slen && !strncmp(name, section, slen);
        } else if (in_section && (size_t)(end - p) > klen && !strncmp(p, key, klen)) {
            const char *q = p + klen;
            while (q < end && (*q == ' ' || *q == '\t')) q++;
            if (q < end && *q == '=') {
                q++;
                while (q < end && isspace((unsigned char)*q)) q++;
                const char *v_end = q;
                while (v_end < end && *v_end != ';' && *v_end != '#') v_end++;
                while (v_end > q && isspace((unsigned char)v_end[-1])) v_end--;
                snprintf(buf, size, "%.*s", (int)(v_end - q), q);
                found = true;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return found;
}

bool config_is_conditional(const Config *cfg) {
    const NetConfig *nets[2] = {&cfg->generator.net, &cfg->discriminator.net};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < nets[k]->n_layers; i++)
            if (spec_is_conditional(&nets[k]->specs[i])) return true;
    return false;
}

NashStatus config_set_classes(Config *cfg, int classes, NashError *err) {
    NetConfig *nets[2] = {&cfg->generator.net, &cfg->discriminator.net};
    static const char *const names[2] = {"generator", "discriminator"};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < nets[k]->n_layers; i++) {
            LayerSpec *s = &nets[k]->specs[i];
            if (!spec_is_conditional(s)) continue;
            if (s->classes && s->classes != classes)
                return nash_fail(err, NASH_ERR_CONFIG,
                                 "%s:%d: [%s] layer = %s: classes=%d, but data.path = %s has %d classes; leave "
                                 "classes= out to take the data's",
                                 cfg->source, nets[k]->layer_lines[i], names[k], nets[k]->layers[i], s->classes,
                                 cfg->data.path, classes);
            s->classes = classes;
            spec_format(s, nets[k]->layers[i], CONFIG_LINE_MAX);
        }
    return NASH_OK;
}
