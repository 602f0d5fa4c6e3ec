/*
 * parquet_schema.c - the schema tree (pre-order pq_node list) checked and turned into leaf
 * columns: each leaf's path, max definition/repetition levels, the definition level reached at
 * each repeated ancestor, and its types (see pq_schema_columns in parquet_int.h).
 */
#include "parquet/parquet_int.h"

#include "common/err.h"

#include <stdlib.h>
#include <string.h>

struct walk {
    const struct pq_node *nodes;
    int num_nodes;
    struct pq_col *cols; /* NULL: count only */
    int ncols;
    const char *path[PQ_MAX_LEVEL + 1];
    uint8_t rep_def[PQ_MAX_LEVEL + 1];
};

/* walk_node - visit node i (and its subtree) at the given levels; returns the next index or
 * a negative O2P_E* code. Fills k->cols when given (second pass). */
static int walk_node(struct walk *k, int i, int depth, int def, int rep, struct o2p_error *err)
{
    if (i >= k->num_nodes)
        return o2p_fail(err, O2P_EINVAL, "parquet schema: a group has more children than nodes");
    const struct pq_node *n = &k->nodes[i];
    if (!n->name || !n->name[0])
        return o2p_fail(err, O2P_EINVAL, "parquet schema: node %d has no name", i);
    if (depth >= PQ_MAX_LEVEL)
        return o2p_fail(err, O2P_EINVAL, "parquet schema: nesting deeper than %d", PQ_MAX_LEVEL);
    if (n->repetition != PQ_REQUIRED && n->repetition != PQ_OPTIONAL && n->repetition != PQ_REPEATED)
        return o2p_fail(err, O2P_EINVAL, "parquet schema: %s: bad repetition", n->name);
    if (n->repetition != PQ_REQUIRED)
        def++;
    if (n->repetition == PQ_REPEATED) {
        rep++;
        k->rep_def[rep] = (uint8_t)def;
    }
    k->path[depth] = n->name;
    if (n->num_children < 0)
        return o2p_fail(err, O2P_EINVAL, "parquet schema: %s: negative num_children", n->name);
    if (n->num_children > 0) {
        if (n->logical != PQ_LOGICAL_NONE && n->logical != PQ_LOGICAL_MAP && n->logical != PQ_LOGICAL_LIST)
            return o2p_fail(err, O2P_EINVAL, "parquet schema: group %s: bad logical type", n->name);
        int next = i + 1;
        for (int c = 0; c < n->num_children; c++) {
            next = walk_node(k, next, depth + 1, def, rep, err);
            if (next < 0)
                return next;
        }
        return next;
    }
    int ok = 0;
    switch (n->physical) {
    case PQ_BOOLEAN: case PQ_INT32: case PQ_DOUBLE:
        ok = n->logical == PQ_LOGICAL_NONE;
        break;
    case PQ_INT64:
        ok = n->logical == PQ_LOGICAL_NONE || n->logical == PQ_LOGICAL_TIMESTAMP_US;
        break;
    case PQ_BYTE_ARRAY:
        ok = n->logical == PQ_LOGICAL_NONE || n->logical == PQ_LOGICAL_STRING;
        break;
    }
    if (!ok)
        return o2p_fail(err, O2P_EINVAL, "parquet schema: leaf %s: bad physical/logical type", n->name);
    if (k->cols) {
        struct pq_col *c = &k->cols[k->ncols];
        c->node = i;
        c->max_def = def;
        c->max_rep = rep;
        memcpy(c->rep_def, k->rep_def, sizeof c->rep_def);
        c->physical = n->physical;
        c->logical = n->logical;
        c->path_len = depth + 1;
        c->path = malloc(sizeof *c->path * (size_t)(depth + 1));
        if (!c->path)
            return o2p_fail(err, O2P_ENOMEM, "parquet: allocate the path of column %s: out of memory", n->name);
        memcpy(c->path, k->path, sizeof *c->path * (size_t)(depth + 1));
        /* dictionary candidates (dict_judge keeps a dictionary only where it pays) */
        c->dict_eligible = c->use_dict = n->logical == PQ_LOGICAL_STRING || n->physical == PQ_INT32 ||
                                         n->physical == PQ_INT64 || n->physical == PQ_DOUBLE;
        c->stats.field_id = n->field_id;
        c->stats.physical = n->physical;
        c->stats.logical = n->logical;
    }
    k->ncols++;
    return i + 1;
}

int pq_schema_columns(const struct pq_node *nodes, int num_nodes, struct pq_col *cols, int *ncols,
                      struct o2p_error *err)
{
    struct walk k = {.nodes = nodes, .num_nodes = num_nodes, .cols = cols};
    int i = 0;
    while (i < num_nodes) {
        i = walk_node(&k, i, 0, 0, 0, err);
        if (i < 0)
            return i;
    }
    *ncols = k.ncols;
    return O2P_OK;
}
