/* endpoint.c — which ZeroMQ endpoints stay on this host (metrics_endpoint_is_local, schema.h). */
#include <string.h>

#include "metrics/schema.h"

/* "127.0.0.1" and the like: four decimal parts, the first 127. */
static bool is_ipv4_loopback(const char *host, size_t len) {
    int parts = 0, digits = 0;
    if (len < 4 || strncmp(host, "127.", 4) != 0) return false;
    for (size_t i = 0; i < len; i++) {
        if (host[i] == '.') {
            if (digits == 0) return false;
            parts++;
            digits = 0;
        } else if (host[i] >= '0' && host[i] <= '9' && digits < 3) {
            digits++;
        } else {
            return false;
        }
    }
    return parts == 3 && digits > 0;
}

bool metrics_endpoint_is_local(const char *endpoint) {
    if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0) return true;
    if (strncmp(endpoint, "tcp://", 6) != 0) return false;
    const char *host = endpoint + 6;
    const char *colon = strrchr(host, ':');
    if (!colon) return false;
    size_t len = (size_t)(colon - host);
    if (len == 9 && strncmp(host, "localhost", 9) == 0) return true;
    if (len == 5 && strncmp(host, "[::1]", 5) == 0) return true;
    return is_ipv4_loopback(host, len);
}
