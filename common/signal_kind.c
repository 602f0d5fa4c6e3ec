/*
 * signal_kind.c - signal names.
 */
#include "common/signal_kind.h"

#include <string.h>

static const char *const names[O2P_SIGNAL_COUNT] = {"logs", "traces", "metrics"};

const char *signal_kind_name(enum o2p_signal s)
{
    return (unsigned)s < O2P_SIGNAL_COUNT ? names[s] : "unknown";
}

int signal_kind_parse(const char *name)
{
    for (int i = 0; i < O2P_SIGNAL_COUNT; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}
