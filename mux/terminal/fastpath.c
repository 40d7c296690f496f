/* mux/terminal/fastpath.c: the compiled hot path, the CPython extension module mux.terminal._fastpath.
 *
 * Owns: the width class of a codepoint (width_class: 0 joins, 1 narrow, 2 wide), looked up in the two-stage
 * table that mux/terminal/widthtable.py generates at build time from graphemes.width_class into
 * mux_widthtable.h (in the build temp directory, never in the source tree), and the wcwidth version that table
 * came from (WIDTH_TABLE_WCWIDTH_VERSION); the emulator kernel (dispatch, configure; described below); cold page
 * planes (shuffle, unshuffle); and the cold page worker thread (ColdWorker, described at its section).
 *
 * Rules for everything in this file:
 *  - Imported only by mux/terminal/fastpath.py, which decides whether it is used at all (a table from another
 *    wcwidth than the installed one is refused); the pure-Python path stays complete and must give identical
 *    results (identical pages); tests/terminal/test_fastpath.py compares the two.
 *  - No page layout constants: cell size and field offsets, row metadata, style/grapheme/string arena layout,
 *    page sizes. Page layout is defined once, in Python (mux/terminal/page.py); C gets it at run time or from a
 *    header generated at build time, like the width table, and never writes a number of it down a second time.
 *  - Table layout comes only from the generated header's macros; _Static_asserts tie the arrays to them.
 *  - Every array access is bounds-checked: codepoints against MUX_WT_CODEPOINTS, block numbers against
 *    MUX_WT_NBLOCKS. Invalid input from Python is a ValueError/TypeError, never undefined behaviour.
 *  - Clean C11: builds with -std=c11 -O2 -Wall -Wextra -Werror (setup.py), and under
 *    -fsanitize=address,undefined (scripts/build_sanitized.sh, run by .ci/run).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "mux_widthtable.h"

_Static_assert(MUX_WT_BLOCK_SIZE == (1u << MUX_WT_BLOCK_BITS), "block size is 2**block bits");
_Static_assert(MUX_WT_BLOCK_BYTES * 4u == MUX_WT_BLOCK_SIZE, "2 bits per codepoint");
_Static_assert(MUX_WT_INDEX_LEN * MUX_WT_BLOCK_SIZE == MUX_WT_CODEPOINTS, "the index covers every codepoint");
_Static_assert(sizeof(mux_wt_index) / sizeof(mux_wt_index[0]) == MUX_WT_INDEX_LEN, "index length");
_Static_assert(sizeof(mux_wt_blocks) == (size_t)MUX_WT_NBLOCKS * MUX_WT_BLOCK_BYTES, "blocks size");

enum { MUX_JOINS = 0, MUX_NARROW = 1, MUX_WIDE = 2 };

/* The width class of `cp`, or -1 when cp is out of range or the table names a block that does not exist. */
static inline int
mux_width_class(uint32_t cp)
{
    if (cp >= MUX_WT_CODEPOINTS) {
        return -1;
    }
    uint32_t block = mux_wt_index[cp >> MUX_WT_BLOCK_BITS];
    if (block >= MUX_WT_NBLOCKS) {
        return -1;
    }
    uint32_t low = cp & (MUX_WT_BLOCK_SIZE - 1u);
    uint32_t byte = mux_wt_blocks[block][low >> 2];
    return (int)((byte >> ((low & 3u) * 2u)) & 3u);
}

/* Whole-table check, once at import: every index entry names a block and no entry holds the unused class 3. */
static int
mux_width_table_ok(void)
{
    for (size_t i = 0; i < MUX_WT_INDEX_LEN; i++) {
        if (mux_wt_index[i] >= MUX_WT_NBLOCKS) {
            return 0;
        }
    }
    for (size_t b = 0; b < MUX_WT_NBLOCKS; b++) {
        for (size_t j = 0; j < MUX_WT_BLOCK_BYTES; j++) {
            unsigned int byte = mux_wt_blocks[b][j];
            for (unsigned int shift = 0; shift < 8u; shift += 2u) {
                if (((byte >> shift) & 3u) == 3u) {
                    return 0;
                }
            }
        }
    }
    return 1;
}

PyDoc_STRVAR(width_class_doc,
"width_class(cp, /)\n--\n\n"
"The width class of codepoint cp: 0 joins (zero width, or may join a neighbour into a cluster),\n"
"1 narrow, 2 wide. ValueError unless 0 <= cp <= 0x10FFFF.");

static PyObject *
fastpath_width_class(PyObject *module, PyObject *arg)
{
    (void)module;
    PyObject *number = PyNumber_Index(arg);
    if (number == NULL) {
        return NULL;
    }
    int overflow = 0;
    long long cp = PyLong_AsLongLongAndOverflow(number, &overflow);
    Py_DECREF(number);
    if (cp == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (overflow != 0 || cp < 0 || cp >= (long long)MUX_WT_CODEPOINTS) {
        PyErr_SetString(PyExc_ValueError, "codepoint not in range(0x110000)");
        return NULL;
    }
    int cls = mux_width_class((uint32_t)cp);
    if (cls < 0) {
        PyErr_SetString(PyExc_SystemError, "mux width table names a block it does not have");
        return NULL;
    }
    return PyLong_FromLong(cls);
}

/* ------------------------------------------------------------------------------------------------------------
 * The emulator kernel: Stream parts -> Terminal/Screen state and page cells.
 *
 * dispatch(parts, terminal, draw, cache, compile) runs what Stream._dispatch runs for `parts` (alternating text
 * and control tokens, as the Stream's tokenizer cut them) and returns how many handler errors it swallowed. It
 * handles the hot subset itself, writing cells straight into the pages' mappings:
 *   text of single-codepoint narrow and wide characters (autowrap on, no insert mode, no charset translation),
 *   CR, LF, CR LF, BS, the Stream's bulk lines token, plain CSI sequences (alone or in runs) for SGR,
 *   CUP/HVP, CUU/CUD/CUF/CUB/CNL/CPL/CHA/HPA/HPR/VPA/VPR, EL and ECH (not after SPA: they then keep protected
 *   cells, which Python does), CSI ? Pm h/l of the plain DEC modes, and
 *   OSC 8 (handed straight to Terminal.set_hyperlink). Zones of text that may hold multi-codepoint clusters
 *   are drawn by Python, the simple text around them here.
 * Line feeds scroll the whole screen into history, and a scroll region by rotating its pages' row slots (copying
 * only the rows that cross a page boundary). While left/right margins (DECSLRM) are narrower than the screen,
 * only SGR and OSC 8 run here: text, controls and every other sequence go to Python, which honours the margins
 * (load() reads them after every call into Python, so a DECSLRM in the middle of a chunk is seen at once); with
 * reverse wraparound (mode 45) BS and CUB go to Python too. Everything else, and every case of the subset it
 * does not want (clusters, insert mode, a full style table, ...), goes to the Python handlers, with the cursor
 * written back first and read again after.
 *
 * Rules:
 *  - The page layout comes from the pages' own memoryviews (format, item size and length are checked) and the
 *    flag bits from configure(), which mux/terminal/fastpath.py calls with page.py's definitions: no layout
 *    number is written down here. Every cell index is checked against the view it indexes.
 *  - Pointers into a page are borrowed from its memoryviews and are dropped before any call into Python (which
 *    may grow, prune, reuse or release pages); after such a call every view is fetched again.
 *  - The pure-Python path is the reference: same cells, style ids, clusters, links, row flags, cursor, modes and
 *    memory stats (tests/terminal/test_fastpath.py).
 * ------------------------------------------------------------------------------------------------------------ */

/* Room for the sub-parameters of one ':' group (and for SGR items); configure() refuses a MAX_PARAMS above it. */
#define SUBS_CAP 64
/* SGR parameters below this may set or reset attribute bits (configure() refuses a table key at or above it). */
#define SGR_TABLE 128

/* Configuration from Python (configure()): flag bits, limits and the Python objects the kernel needs. */
static struct {
    int ready;
    unsigned cell_wide, cell_tail, cell_head, cell_extras, cell_link, row_link;
    uint64_t map_hash;        /* page.MAP_HASH */
    unsigned row_wrap, row_cont, row_dirty, row_extras, row_carried;
    long style_words;         /* page.STYLE_WORDS */
    long csi_max, param_max, osc_max;  /* stream.py's limits */
    int max_params;
    long sgr_sets[SGR_TABLE], sgr_resets[SGR_TABLE];   /* styles.SGR_SETS / SGR_RESETS by parameter */
    long underline_shift, underline_mask, color_palette, color_rgb;
    long sgr_keeps;           /* styles.SGR_KEEPS: attribute bits no SGR changes (character protection) */
    long protect_iso;         /* terminal.PROTECT_ISO: ED, EL and ECH then keep protected cells (Python's work) */
    PyObject *default_style;  /* styles.DEFAULT_STYLE */
    PyObject *plain_private;  /* terminal.PLAIN_PRIVATE */
    PyObject *page_overflow;  /* page.PageOverflow */
    PyObject *zone_memo;      /* screen.ZONE_CELLS */
    PyObject *zone_cells;     /* screen.zone_cells */
} K;

/* Attribute names, interned once. */
static PyObject *S_screen, *S_modes, *S_x, *S_y, *S_pending_wrap, *S_pen, *S_link, *S_locs, *S_columns, *S_lines,
    *S_keeps_history, *S_last_char, *S_last_cluster, *S_last_pos, *S_run, *S_pages, *S_autowrap, *S_insert,
    *S_translate, *S_margin_top, *S_margin_bottom, *S_margin_left, *S_margin_right, *S_reverse_wrap, *S_origin,
    *S_clustering, *S_newline, *S_flush, *S_regrow,
    *S_mark_link, *S_index, *S_linefeed, *S_grow, *S_forget_extras, *S_cols, *S_slots, *S_cp, *S_st, *S_fl,
    *S_rflags, *S_style_ids, *S_empty, *S_dec, *S_intern_style, *S_last, *S_limit_lines, *S_rows_used,
    *S_prune_pending, *S_total_rows, *S_rows, *S_set_hyperlink, *S_rotate_region, *S_styles, *S_link_ids, *S_hmap, *S_link_cells, *S_intern_hyperlink, *S_set_grapheme,
    *S_protection;

typedef struct {
    PyObject *page;           /* borrowed (held by the locs list) */
    uint32_t *slots, *cp;
    uint16_t *st, *fl, *rf;
    Py_ssize_t rows, cols, cells;
    PyObject *style_ids;      /* borrowed */
} PageView;

/* PageList.grow()'s first branch, kept in C between calls into Python: the last page and the counters it bumps.
 * `last` is NULL when nothing is cached; `dirty` when rows_used / total_rows are ahead of the Python objects. */
typedef struct {
    PyObject *last;           /* owned */
    long used, cap, total, rows, limit;
    int has_limit, pending, dirty;
} GrowCache;

typedef struct {
    PyObject *terminal, *draw, *cache, *compile;      /* borrowed arguments */
    PyObject *screen, *modes, *locs, *pen, *link, *pages;   /* owned */
    long x, y, cols, lines, mtop, mbot, mleft, mright;
    int pending_wrap, autowrap, insert, origin, newline, keeps_history, clustering, translate, reverse_wrap;
    /* Left/right margins narrower than the screen: everything but SGR goes to Python, which honours them. */
    int defer;
    int pen_bg_zero;
    int iso_protection;       /* Terminal.protection is PROTECT_ISO: 1 / 0, or -1 not read since load() */
    /* The last graphic character drawn here since the state was read (written back by store()). */
    int last_drawn;
    Py_UCS4 last_cp;
    long last_y, last_x;
    int cluster_cleared;      /* last_cluster became "" (cursor moved) since the state was read */
    int py_cluster;           /* last_cluster is one Python drew (it may be extended by what follows) */
    PyObject *zone_last;      /* owned: the last cluster of a zone drawn here (last_cp is then unused), or NULL */
    PyObject *own_cluster;    /* owned: the last_cluster string store() wrote (to tell it from Python's) */
    /* The row being written: valid until the next call into Python. */
    long view_y;
    long view_row;
    PageView pv;
    GrowCache grow;
    Py_ssize_t errors;
} Ctx;

static void
ctx_clear(Ctx *c)
{
    Py_CLEAR(c->screen);
    Py_CLEAR(c->modes);
    Py_CLEAR(c->locs);
    Py_CLEAR(c->pen);
    Py_CLEAR(c->link);
    Py_CLEAR(c->pages);
}

static void
ctx_free(Ctx *c)
{
    ctx_clear(c);
    Py_CLEAR(c->own_cluster);
    Py_CLEAR(c->zone_last);
    Py_CLEAR(c->grow.last);
}

static int set_long(PyObject *obj, PyObject *name, long v);

/* Write the rows grow_in_place added back to the page list and forget the cache: before any call into Python
 * (which may read the counters, or grow, prune and reuse pages) and at the end of a dispatch. */
static int
flush_grow(Ctx *c)
{
    GrowCache *g = &c->grow;
    int rc = 0;
    if (g->last != NULL && g->dirty) {
        rc = set_long(g->last, S_rows_used, g->used) || set_long(c->pages, S_total_rows, g->total) ? -1 : 0;
    }
    Py_CLEAR(g->last);
    g->dirty = 0;
    return rc;
}

static int
get_long(PyObject *obj, PyObject *name, long *out)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL) {
        return -1;
    }
    long n = PyLong_AsLong(v);
    Py_DECREF(v);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    *out = n;
    return 0;
}

static int
get_bool(PyObject *obj, PyObject *name, int *out)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL) {
        return -1;
    }
    int b = PyObject_IsTrue(v);
    Py_DECREF(v);
    if (b < 0) {
        return -1;
    }
    *out = b;
    return 0;
}

static int
set_pen_cache(Ctx *c)
{
    if (!PyTuple_Check(c->pen) || PyTuple_GET_SIZE(c->pen) != 4) {
        PyErr_SetString(PyExc_TypeError, "the pen is a 4-tuple");
        return -1;
    }
    int zero = PyObject_Not(PyTuple_GET_ITEM(c->pen, 1));
    if (zero < 0) {
        return -1;
    }
    c->pen_bg_zero = zero;
    return 0;
}

/* After any call into Python: pages may have been grown, pruned, reused or released, so every view goes. */
static void
invalidate(Ctx *c)
{
    c->view_y = -1;
    c->pv.page = NULL;
}

/* After rows moved (locs shifted, slots rotated) with no call into Python: the page views stay valid. */
static void
forget_row(Ctx *c)
{
    c->view_y = -1;
}

/* Read the active screen's state (after any call into Python, which may change all of it). A pending Python
 * run is flushed first: the kernel writes cells itself. */
static int
load(Ctx *c)
{
    if (flush_grow(c)) {
        return -1;
    }
    ctx_clear(c);
    invalidate(c);
    c->screen = PyObject_GetAttr(c->terminal, S_screen);
    if (c->screen == NULL) {
        return -1;
    }
    PyObject *run = PyObject_GetAttr(c->screen, S_run);
    if (run == NULL) {
        return -1;
    }
    int pending = run != Py_None;
    Py_DECREF(run);
    if (pending) {
        PyObject *r = PyObject_CallMethodNoArgs(c->screen, S_flush);
        if (r == NULL) {
            return -1;
        }
        Py_DECREF(r);
    }
    c->modes = PyObject_GetAttr(c->terminal, S_modes);
    c->locs = PyObject_GetAttr(c->screen, S_locs);
    c->pen = PyObject_GetAttr(c->screen, S_pen);
    c->link = PyObject_GetAttr(c->screen, S_link);
    c->pages = PyObject_GetAttr(c->screen, S_pages);
    if (c->modes == NULL || c->locs == NULL || c->pen == NULL || c->link == NULL || c->pages == NULL) {
        return -1;
    }
    if (!PyList_CheckExact(c->locs)) {
        PyErr_SetString(PyExc_TypeError, "Screen.locs is a list");
        return -1;
    }
    PyObject *translate = PyObject_GetAttr(c->modes, S_translate);
    if (translate == NULL) {
        return -1;
    }
    c->translate = translate != Py_None;
    Py_DECREF(translate);
    PyObject *cluster = PyObject_GetAttr(c->screen, S_last_cluster);
    if (cluster == NULL) {
        return -1;
    }
    c->py_cluster = PyUnicode_Check(cluster) && PyUnicode_GET_LENGTH(cluster) > 0 && cluster != c->own_cluster;
    Py_DECREF(cluster);
    if (get_long(c->screen, S_x, &c->x) || get_long(c->screen, S_y, &c->y)
        || get_bool(c->screen, S_pending_wrap, &c->pending_wrap)
        || get_long(c->screen, S_columns, &c->cols) || get_long(c->screen, S_lines, &c->lines)
        || get_bool(c->screen, S_keeps_history, &c->keeps_history)
        || get_bool(c->modes, S_autowrap, &c->autowrap) || get_bool(c->modes, S_insert, &c->insert)
        || get_bool(c->modes, S_origin, &c->origin) || get_bool(c->modes, S_newline, &c->newline)
        || get_bool(c->modes, S_clustering, &c->clustering)
        || get_long(c->modes, S_margin_top, &c->mtop) || get_long(c->modes, S_margin_bottom, &c->mbot)
        || get_long(c->modes, S_margin_left, &c->mleft) || get_long(c->modes, S_margin_right, &c->mright)
        || get_bool(c->modes, S_reverse_wrap, &c->reverse_wrap)) {
        return -1;
    }
    c->defer = c->mleft != 0 || c->mright != c->cols - 1;
    if (c->cols < 1 || c->lines < 1 || PyList_GET_SIZE(c->locs) != c->lines || c->x < 0 || c->x >= c->cols
        || c->y < 0 || c->y >= c->lines || c->mtop < 0 || c->mtop > c->mbot || c->mbot >= c->lines
        || c->mleft < 0 || c->mleft > c->mright || c->mright >= c->cols) {
        PyErr_SetString(PyExc_ValueError, "screen state out of range");
        return -1;
    }
    c->last_drawn = 0;
    c->cluster_cleared = 0;
    c->iso_protection = -1;   /* only a Python handler changes it: read at the first EL or ECH after load() */
    return set_pen_cache(c);
}

static int
set_long(PyObject *obj, PyObject *name, long v)
{
    PyObject *n = PyLong_FromLong(v);
    if (n == NULL) {
        return -1;
    }
    int rc = PyObject_SetAttr(obj, name, n);
    Py_DECREF(n);
    return rc;
}

/* Write the cursor and the last-character state back to the screen. */
static int
store(Ctx *c)
{
    if (flush_grow(c) || set_long(c->screen, S_x, c->x) || set_long(c->screen, S_y, c->y)
        || PyObject_SetAttr(c->screen, S_pending_wrap, c->pending_wrap ? Py_True : Py_False)
        || PyObject_SetAttr(c->screen, S_pen, c->pen)) {
        return -1;
    }
    if (c->last_drawn) {
        /* A zone's last cluster is written as Python's: it may be extended by what follows (load sees that). */
        int zone = c->zone_last != NULL;
        PyObject *ch = zone ? Py_NewRef(c->zone_last) : PyUnicode_FromOrdinal((int)c->last_cp);
        if (ch == NULL) {
            return -1;
        }
        int rc = PyObject_SetAttr(c->screen, S_last_char, ch);
        if (rc == 0) {
            rc = PyObject_SetAttr(c->screen, S_last_cluster, c->cluster_cleared ? S_empty : ch);
        }
        if (rc == 0 && !c->cluster_cleared && !zone) {
            Py_XSETREF(c->own_cluster, Py_NewRef(ch));
        }
        Py_DECREF(ch);
        if (rc) {
            return -1;
        }
        PyObject *pos = Py_BuildValue("(ll)", c->last_y, c->last_x);
        if (pos == NULL) {
            return -1;
        }
        rc = PyObject_SetAttr(c->screen, S_last_pos, pos);
        Py_DECREF(pos);
        if (rc) {
            return -1;
        }
    } else if (c->cluster_cleared && PyObject_SetAttr(c->screen, S_last_cluster, S_empty)) {
        return -1;
    }
    c->last_drawn = 0;
    c->cluster_cleared = 0;
    return 0;
}

/* A handler error: counted and swallowed, as Stream._dispatch does. Internal errors (state out of range) are
 * errors too, but they also stop this dispatch: the caller returns NULL for those. */
static void
swallow(Ctx *c)
{
    PyErr_Clear();
    c->errors++;
}

/* Call `fn(*args)` as a Python handler: state written back first and read again after. Returns 0, or -1 if the
 * state could not be written or read (an internal error, with an exception set). A handler that raises is
 * counted and swallowed. */
static int
call_handler(Ctx *c, PyObject *fn, PyObject *const *args, size_t nargs)
{
    if (store(c)) {
        return -1;
    }
    invalidate(c);
    PyObject *r = PyObject_Vectorcall(fn, args, nargs, NULL);
    if (r == NULL) {
        swallow(c);
    }
    Py_XDECREF(r);
    return load(c);
}

static int
call_method(Ctx *c, PyObject *obj, PyObject *name, PyObject *const *args, size_t nargs)
{
    PyObject *fn = PyObject_GetAttr(obj, name);
    if (fn == NULL) {
        return -1;
    }
    int rc = call_handler(c, fn, args, nargs);
    Py_DECREF(fn);
    return rc;
}

/* The Python handler of a token string (the Stream's cache, or its compiler). */
static int
python_token(Ctx *c, PyObject *tok)
{
    PyObject *fn = PyDict_GetItemWithError(c->cache, tok);
    if (fn != NULL) {
        Py_INCREF(fn);
    } else {
        if (PyErr_Occurred()) {
            return -1;
        }
        if (store(c)) {
            return -1;
        }
        invalidate(c);
        fn = PyObject_CallOneArg(c->compile, tok);
        if (fn == NULL) {
            swallow(c);
            return load(c);
        }
    }
    int rc = call_handler(c, fn, NULL, 0);
    Py_DECREF(fn);
    return rc;
}

static int
python_draw(Ctx *c, PyObject *text)
{
    return call_handler(c, c->draw, &text, 1);
}

/* ------------------------------------------------------------------------------------------------ page views */

static int
view_of(PyObject *page, PyObject *name, void **ptr, Py_ssize_t itemsize, Py_ssize_t *len)
{
    PyObject *v = PyObject_GetAttr(page, name);
    if (v == NULL) {
        return -1;
    }
    int ok = PyMemoryView_Check(v);
    if (ok) {
        Py_buffer *b = PyMemoryView_GET_BUFFER(v);
        ok = b->itemsize == itemsize && b->ndim == 1 && !b->readonly && b->buf != NULL
             && b->len == b->shape[0] * itemsize && b->strides[0] == itemsize;
        if (ok) {
            *ptr = b->buf;
            *len = b->shape[0];
        }
    }
    Py_DECREF(v);  /* the page keeps its views alive until it is reinitialised or released */
    if (!ok) {
        PyErr_SetString(PyExc_TypeError, "a page view has an unexpected layout");
        return -1;
    }
    return 0;
}

/* Point c->pv at the page holding active row y. */
static int
fetch_row(Ctx *c, long y)
{
    if (c->view_y == y && c->pv.page != NULL) {
        return 0;
    }
    if (y < 0 || y >= PyList_GET_SIZE(c->locs)) {
        PyErr_SetString(PyExc_IndexError, "row out of range");
        return -1;
    }
    PyObject *loc = PyList_GET_ITEM(c->locs, y);
    if (!PyTuple_Check(loc) || PyTuple_GET_SIZE(loc) != 2) {
        PyErr_SetString(PyExc_TypeError, "Screen.locs holds (page, row) pairs");
        return -1;
    }
    PyObject *page = PyTuple_GET_ITEM(loc, 0);
    long row = PyLong_AsLong(PyTuple_GET_ITEM(loc, 1));
    if (row == -1 && PyErr_Occurred()) {
        return -1;
    }
    PageView *pv = &c->pv;
    if (pv->page != page) {
        Py_ssize_t nslots, ncp, nst, nfl, nrf;
        long cols;
        if (get_long(page, S_cols, &cols)
            || view_of(page, S_slots, (void **)&pv->slots, 4, &nslots)
            || view_of(page, S_cp, (void **)&pv->cp, 4, &ncp)
            || view_of(page, S_st, (void **)&pv->st, 2, &nst)
            || view_of(page, S_fl, (void **)&pv->fl, 2, &nfl)
            || view_of(page, S_rflags, (void **)&pv->rf, 2, &nrf)) {
            pv->page = NULL;
            return -1;
        }
        PyObject *ids = PyObject_GetAttr(page, S_style_ids);
        if (ids == NULL) {
            pv->page = NULL;
            return -1;
        }
        Py_DECREF(ids);   /* kept alive by the page */
        if (!PyDict_CheckExact(ids) || cols != c->cols || nslots != nrf || ncp != nst || ncp != nfl
            || ncp != nslots * (Py_ssize_t)cols) {
            pv->page = NULL;
            PyErr_SetString(PyExc_ValueError, "a page does not match the screen");
            return -1;
        }
        pv->style_ids = ids;
        pv->rows = nslots;
        pv->cols = cols;
        pv->cells = ncp;
        pv->page = page;
    }
    if (row < 0 || row >= pv->rows || pv->slots[row] >= (uint32_t)pv->rows) {
        pv->page = NULL;
        PyErr_SetString(PyExc_IndexError, "row or slot out of range");
        return -1;
    }
    c->view_y = y;
    c->view_row = row;
    return 0;
}

/* Index of column col of the viewed row (bounds were checked by fetch_row; col by the callers). */
static inline Py_ssize_t
cell_at(Ctx *c, long col)
{
    return (Py_ssize_t)c->pv.slots[c->view_row] * c->pv.cols + col;
}

/* After a Page method raised PageOverflow (the error is set) for a write to row y: Screen.regrow(y, dimension)
 * replaces the page by a bigger copy, as Screen._on_row does, so the write is retried on the new page only (never
 * again on the full one, which Python does not do either). 1 grown, 0 past the maximum page size (the write is
 * dropped, as in Python), -1 on an error. The cursor is written back first and everything is read again after. */
static int
regrow(Ctx *c, long y)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *dimension = value != NULL ? PyObject_GetAttrString(value, "dimension") : NULL;
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (dimension == NULL) {
        return -1;
    }
    PyObject *yy = store(c) ? NULL : PyLong_FromLong(y);
    invalidate(c);
    PyObject *r = yy != NULL ? PyObject_CallMethodObjArgs(c->screen, S_regrow, yy, dimension, NULL) : NULL;
    Py_XDECREF(yy);
    Py_DECREF(dimension);
    if (r == NULL) {
        return -1;
    }
    int grown = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (grown < 0 || load(c)) {
        return -1;
    }
    return grown;
}

/* The id of `style` in the page of row y; interned through Python on a miss (0 when the page cannot grow to take
 * it, as in Python). -1 on an internal error. */
static long
style_id(Ctx *c, long y, PyObject *style)
{
    for (;;) {
        if (fetch_row(c, y)) {
            return -1;
        }
        PyObject *sid = PyDict_GetItemWithError(c->pv.style_ids, style);
        if (sid != NULL) {
            long id = PyLong_AsLong(sid);
            if (id < 0 || id > 0xFFFF) {
                if (!PyErr_Occurred()) {
                    PyErr_SetString(PyExc_ValueError, "style id out of range");
                }
                return -1;
            }
            return id;
        }
        if (PyErr_Occurred() || flush_grow(c)) {
            return -1;
        }
        /* Page.intern_style touches only the page (tables, never the cells' layout): no cursor to write back. */
        PyObject *page = Py_NewRef(c->pv.page);
        PyObject *r = PyObject_CallMethodOneArg(page, S_intern_style, style);
        Py_DECREF(page);
        invalidate(c);
        if (r != NULL) {
            Py_DECREF(r);       /* the id is read back from the page's table above */
            continue;
        }
        if (!PyErr_ExceptionMatches(K.page_overflow)) {
            return -1;
        }
        int grown = regrow(c, y);
        if (grown <= 0) {
            return grown;
        }
    }
}

/* Before columns [start, end) of row y are overwritten: drop the clusters and links of the cells that change
 * (through Python, only on rows that have any) and blank the other half of a wide character cut at either edge,
 * exactly as Page.clear_wide_edges + the write's own extras bookkeeping do. The row view stays valid. */
static int
prepare_write(Ctx *c, long y, long start, long end)
{
    if (fetch_row(c, y)) {
        return -1;
    }
    long lo = start, hi = end;
    if (start > 0 && start < c->cols && (c->pv.fl[cell_at(c, start)] & K.cell_tail)) {
        lo = start - 1;
    }
    if (end < c->cols && (c->pv.fl[cell_at(c, end)] & K.cell_tail)) {
        hi = end + 1;
    }
    if (c->pv.rf[c->view_row] & K.row_extras) {
        int marked = 0;
        for (long col = lo; col < hi; col++) {
            if (c->pv.fl[cell_at(c, col)] & K.cell_extras) {
                marked = 1;
                break;
            }
        }
        if (marked) {
            if (flush_grow(c)) {
                return -1;
            }
            PyObject *page = c->pv.page;
            Py_INCREF(page);
            PyObject *r = PyObject_CallMethod(page, "forget_extras", "lll", c->view_row, lo, hi);
            Py_DECREF(page);
            if (r == NULL) {
                return -1;
            }
            Py_DECREF(r);
            invalidate(c);           /* nothing else changed: the views stay where they were */
            if (fetch_row(c, y)) {
                return -1;
            }
        }
    }
    uint16_t *rf = &c->pv.rf[c->view_row];
    if (lo < start) {
        Py_ssize_t i = cell_at(c, lo);
        c->pv.cp[i] = 0;
        c->pv.fl[i] = 0;
        *rf |= (uint16_t)K.row_dirty;
    }
    if (hi > end) {
        Py_ssize_t i = cell_at(c, end);
        c->pv.cp[i] = 0;
        c->pv.fl[i] = 0;
        *rf |= (uint16_t)K.row_dirty;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------ cursor */

static void
move_to(Ctx *c, long x, long y)
{
    c->x = x;
    c->y = y;
    c->pending_wrap = 0;
    c->cluster_cleared = 1;
    c->py_cluster = 0;
}

/* Fill the grow cache from the page list (leaves it empty when there is no last page). */
static int
load_grow(Ctx *c)
{
    GrowCache *g = &c->grow;
    PyObject *last = PyObject_GetAttr(c->pages, S_last);
    if (last == NULL) {
        return -1;
    }
    if (last == Py_None) {
        Py_DECREF(last);
        return 0;
    }
    void *slots;
    Py_ssize_t cap;
    if (last == c->pv.page) {
        cap = c->pv.rows;       /* a page's rows are its slots */
    } else if (view_of(last, S_slots, &slots, 4, &cap)) {
        Py_DECREF(last);
        return -1;
    }
    PyObject *limit = PyObject_GetAttr(c->pages, S_limit_lines);
    if (limit == NULL || get_long(last, S_rows_used, &g->used) || get_bool(c->pages, S_prune_pending, &g->pending)
        || get_long(c->pages, S_total_rows, &g->total) || get_long(c->pages, S_rows, &g->rows)) {
        Py_XDECREF(limit);
        Py_DECREF(last);
        return -1;
    }
    g->has_limit = limit != Py_None;
    g->limit = g->has_limit ? PyLong_AsLong(limit) : 0;
    Py_DECREF(limit);
    if (g->limit == -1 && PyErr_Occurred()) {
        Py_DECREF(last);
        return -1;
    }
    g->cap = cap;
    g->dirty = 0;
    g->last = last;
    return 0;
}

/* PageList.grow()'s first branch: room in the last page, no prune pending, no line limit reached. Returns the
 * new (page, row) location, None when grow() itself must run, NULL on an error. The counters it bumps are written
 * back by flush_grow. */
static PyObject *
grow_in_place(Ctx *c)
{
    GrowCache *g = &c->grow;
    if (g->last == NULL && load_grow(c)) {
        return NULL;
    }
    if (g->last == NULL || g->used >= g->cap || g->pending || (g->has_limit && g->total + 1 - g->rows > g->limit)) {
        return Py_NewRef(Py_None);
    }
    PyObject *row = PyLong_FromLong(g->used);
    if (row == NULL) {
        return NULL;
    }
    PyObject *loc = PyTuple_Pack(2, g->last, row);
    Py_DECREF(row);
    if (loc != NULL) {
        g->used++;
        g->total++;
        g->dirty = 1;
    }
    return loc;
}

/* Python's linefeed fast path and index's common case: the whole screen scrolls one row into history. */
static int
scroll_into_history(Ctx *c)
{
    forget_row(c);
    if (PySequence_DelItem(c->locs, 0)) {
        return -1;
    }
    PyObject *loc = grow_in_place(c);
    if (loc == Py_None) {
        Py_DECREF(loc);
        invalidate(c);
        loc = flush_grow(c) ? NULL : PyObject_CallMethodNoArgs(c->pages, S_grow);
    }
    if (loc == NULL) {
        return -1;
    }
    int rc = PyList_Append(c->locs, loc);
    Py_DECREF(loc);
    return rc;
}

/* Segments of a scroll region: runs of consecutive rows of one page. A region of more segments goes to Python. */
#define MAX_SEGMENTS 16
/* Distinct styles of a row copied into another page; a row of more goes to Python. */
#define MAX_REMAP 32

typedef struct {
    long first, last;         /* active rows */
    long r0;                  /* page row of `first` */
    PageView pv;
    uint32_t *styles;         /* the page's style table (STYLE_WORDS words per id) */
    Py_ssize_t nstyles;
} Segment;

typedef struct {
    int n;
    uint16_t from[MAX_REMAP], to[MAX_REMAP];
} Remap;

/* The id in dst's page of every style of src's page row `row`: 0 when one is not in dst's table yet (then Python
 * copies the row, interning the styles in its own order), 1 when all are, -1 on an error. */
static int
remap_row(const Segment *src, long row, const Segment *dst, Remap *m)
{
    m->n = 0;
    const uint16_t *st = &src->pv.st[(Py_ssize_t)src->pv.slots[row] * src->pv.cols];
    for (Py_ssize_t k = 0; k < src->pv.cols; k++) {
        uint16_t id = st[k];
        int seen = id == 0;
        for (int j = 0; j < m->n && !seen; j++) {
            seen = m->from[j] == id;
        }
        if (seen) {
            continue;
        }
        if (m->n == MAX_REMAP || ((Py_ssize_t)id + 1) * K.style_words > src->nstyles) {
            return 0;
        }
        PyObject *style = PyTuple_New(K.style_words);
        if (style == NULL) {
            return -1;
        }
        for (long w = 0; w < K.style_words; w++) {
            PyObject *v = PyLong_FromUnsignedLong(src->styles[(Py_ssize_t)id * K.style_words + w]);
            if (v == NULL) {
                Py_DECREF(style);
                return -1;
            }
            PyTuple_SET_ITEM(style, w, v);
        }
        PyObject *to = PyDict_GetItemWithError(dst->pv.style_ids, style);
        Py_DECREF(style);
        if (to == NULL) {
            return PyErr_Occurred() ? -1 : 0;
        }
        long t = PyLong_AsLong(to);
        if (t < 0 || t > 0xFFFF) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "style id out of range");
            }
            return -1;
        }
        m->from[m->n] = id;
        m->to[m->n] = (uint16_t)t;
        m->n++;
    }
    return 1;
}

/* Rows [r0, r0 + count) of a segment's page move up (or down) by one; the row that leaves comes back blank at the
 * other end, as Page.rotate_rows does. */
static void
rotate_segment(const Segment *s, int up)
{
    uint32_t *slots = s->pv.slots;
    uint16_t *rf = s->pv.rf;
    long r0 = s->r0, rb = s->r0 + s->last - s->first;
    size_t n = (size_t)(rb - r0);
    uint32_t slot = slots[up ? r0 : rb];
    if (up) {
        memmove(&slots[r0], &slots[r0 + 1], sizeof slots[0] * n);
        memmove(&rf[r0], &rf[r0 + 1], sizeof rf[0] * n);
    } else {
        memmove(&slots[r0 + 1], &slots[r0], sizeof slots[0] * n);
        memmove(&rf[r0 + 1], &rf[r0], sizeof rf[0] * n);
    }
    long fresh = up ? rb : r0;
    slots[fresh] = slot;
    for (long r = r0; r <= rb; r++) {
        rf[r] |= (uint16_t)K.row_dirty;
    }
    rf[fresh] = (uint16_t)K.row_dirty;
    Py_ssize_t base = (Py_ssize_t)slot * s->pv.cols;
    memset(&s->pv.cp[base], 0, sizeof s->pv.cp[0] * (size_t)s->pv.cols);
    memset(&s->pv.st[base], 0, sizeof s->pv.st[0] * (size_t)s->pv.cols);
    memset(&s->pv.fl[base], 0, sizeof s->pv.fl[0] * (size_t)s->pv.cols);
}

/* Screen.copy_row for a row without clusters or links whose styles are all in the destination page already. */
static void
copy_row_remapped(const Segment *dst, long drow, const Segment *src, long srow, const Remap *m)
{
    Py_ssize_t cols = dst->pv.cols;
    Py_ssize_t d = (Py_ssize_t)dst->pv.slots[drow] * cols, s = (Py_ssize_t)src->pv.slots[srow] * cols;
    memcpy(&dst->pv.cp[d], &src->pv.cp[s], sizeof dst->pv.cp[0] * (size_t)cols);
    memcpy(&dst->pv.fl[d], &src->pv.fl[s], sizeof dst->pv.fl[0] * (size_t)cols);
    for (Py_ssize_t k = 0; k < cols; k++) {
        uint16_t id = src->pv.st[s + k];
        uint16_t to = 0;
        for (int j = 0; j < m->n; j++) {
            if (m->from[j] == id) {
                to = m->to[j];
                break;
            }
        }
        dst->pv.st[d + k] = to;
    }
    dst->pv.rf[drow] |= (uint16_t)((src->pv.rf[srow] & K.row_carried) | K.row_dirty);
}

/* Rows top..bottom move up (or down) by one without touching history, the row that comes back blank: what
 * Screen.rotate_region does with the default erase style, segment by segment (each rotates its page's row slots,
 * and the row crossing into the next segment is copied). Done here when no row that leaves a segment has clusters
 * or links and every crossing row's styles are already in the page it moves to; else Python does all of it. */
static int
rotate_by_one(Ctx *c, long top, long bottom, int up)
{
    Segment seg[MAX_SEGMENTS];
    Remap remap[MAX_SEGMENTS];
    int nseg = 0;
    if (top >= bottom) {
        goto python;
    }
    for (long y = top; y <= bottom; y++) {
        if (fetch_row(c, y)) {
            return -1;
        }
        Segment *s = nseg ? &seg[nseg - 1] : NULL;
        if (s != NULL && s->pv.page == c->pv.page && c->view_row == s->r0 + (y - s->first)) {
            s->last = y;
            continue;
        }
        if (nseg == MAX_SEGMENTS) {
            goto python;
        }
        s = &seg[nseg++];
        s->first = s->last = y;
        s->r0 = c->view_row;
        s->pv = c->pv;
        s->styles = NULL;
        s->nstyles = 0;
        if (nseg > 1 && view_of(s->pv.page, S_styles, (void **)&s->styles, 4, &s->nstyles)) {
            return -1;
        }
    }
    /* The rows that leave their segment: the first (up) or last (down) of each; the same rows cross over. */
    for (int i = 0; i < nseg; i++) {
        long leaving = up ? seg[i].r0 : seg[i].r0 + seg[i].last - seg[i].first;
        if (seg[i].pv.rf[leaving] & K.row_extras) {
            goto python;
        }
    }
    if (nseg > 1 && view_of(seg[0].pv.page, S_styles, (void **)&seg[0].styles, 4, &seg[0].nstyles)) {
        return -1;
    }
    for (int i = 1; i < nseg; i++) {
        /* up: segment i's first row goes to segment i-1's last; down: segment i-1's last to segment i's first */
        const Segment *src = up ? &seg[i] : &seg[i - 1], *dst = up ? &seg[i - 1] : &seg[i];
        long srow = up ? src->r0 : src->r0 + src->last - src->first;
        int ok = remap_row(src, srow, dst, &remap[i]);
        if (ok < 0) {
            return -1;
        }
        if (!ok) {
            goto python;
        }
    }
    for (int k = 0; k < nseg; k++) {
        int i = up ? k : nseg - 1 - k;     /* a segment's crossing row comes from one that has not moved yet */
        rotate_segment(&seg[i], up);
        if (up && i + 1 < nseg) {
            copy_row_remapped(&seg[i], seg[i].r0 + seg[i].last - seg[i].first, &seg[i + 1], seg[i + 1].r0,
                              &remap[i + 1]);
        } else if (!up && i > 0) {
            copy_row_remapped(&seg[i], seg[i].r0, &seg[i - 1], seg[i - 1].r0 + seg[i - 1].last - seg[i - 1].first,
                              &remap[i]);
        }
    }
    forget_row(c);      /* the viewed row's slot moved */
    return 0;
python:;
    PyObject *args[4] = {PyLong_FromLong(top), PyLong_FromLong(bottom), PyLong_FromLong(up ? 1 : -1),
                         Py_NewRef(K.default_style)};
    int rc = args[0] && args[1] && args[2] ? call_method(c, c->screen, S_rotate_region, args, 4) : -1;
    for (int k = 0; k < 4; k++) {
        Py_XDECREF(args[k]);
    }
    return rc;
}

/* Screen.index(): down one row, scrolling at the bottom margin. */
static int
do_index(Ctx *c)
{
    c->cluster_cleared = 1;
    c->py_cluster = 0;
    if (c->y == c->mbot) {
        if (c->mtop == 0 && c->mbot == c->lines - 1 && c->keeps_history && c->pen_bg_zero) {
            return scroll_into_history(c);
        }
        if (c->pen_bg_zero && c->mtop == 0 && c->keeps_history) {
            /* A region at the top: its top row goes into history, the rows below the region stay. */
            if (scroll_into_history(c)) {
                return -1;
            }
            return rotate_by_one(c, c->mbot, c->lines - 1, 0);
        }
        if (c->pen_bg_zero) {
            return rotate_by_one(c, c->mtop, c->mbot, 1);
        }
        return call_method(c, c->screen, S_index, NULL, 0);
    }
    if (c->y < c->lines - 1) {
        c->y++;
    }
    return 0;
}

static int
do_linefeed(Ctx *c)
{
    if (c->y == c->lines - 1 && c->mtop == 0 && c->y == c->mbot && c->pen_bg_zero && c->keeps_history) {
        if (scroll_into_history(c)) {
            return -1;
        }
        c->cluster_cleared = 1;
        c->py_cluster = 0;
    } else if (do_index(c)) {
        return -1;
    }
    if (c->newline) {
        c->x = 0;
    }
    c->pending_wrap = 0;
    return 0;
}

static void
carriage_return(Ctx *c)
{
    c->x = 0;
    c->pending_wrap = 0;
    c->cluster_cleared = 1;
    c->py_cluster = 0;
}

static int
crlf(Ctx *c)
{
    carriage_return(c);
    return do_linefeed(c);
}

/* Soft wrap: mark the row continued, go to the start of the next one. */
static int
do_wrap(Ctx *c)
{
    if (fetch_row(c, c->y)) {
        return -1;
    }
    c->pv.rf[c->view_row] |= (uint16_t)K.row_wrap;
    c->x = 0;
    c->pending_wrap = 0;
    if (do_index(c) || fetch_row(c, c->y)) {
        return -1;
    }
    c->pv.rf[c->view_row] |= (uint16_t)K.row_cont;
    return 0;
}

/* ------------------------------------------------------------------------------------------------ drawing */

static inline int
class_of(Py_UCS4 ch)
{
    if (ch < 0x80) {
        return MUX_NARROW;   /* the tokenizer never leaves a control in text */
    }
    return mux_width_class((uint32_t)ch);
}

/* After a light call into Python that may have replaced the cursor row's page by a bigger one (so Screen.locs is a
 * new list), but changed nothing else the kernel holds. */
static int
reread_locs(Ctx *c)
{
    PyObject *locs = PyObject_GetAttr(c->screen, S_locs);
    if (locs == NULL) {
        return -1;
    }
    if (!PyList_CheckExact(locs) || PyList_GET_SIZE(locs) != c->lines) {
        Py_DECREF(locs);
        PyErr_SetString(PyExc_ValueError, "Screen.locs changed shape");
        return -1;
    }
    Py_SETREF(c->locs, locs);
    return 0;
}

/* Page.set_hyperlink's map insert: key -> value in the open-addressing map (pairs of u32; key 0 = empty slot).
 * -1 when no slot is found (a corrupt map: the load limit keeps one free). */
static int
map_put(uint32_t *map, Py_ssize_t cap, uint32_t key, uint32_t value)
{
    Py_ssize_t mask = cap - 1;
    Py_ssize_t i = (Py_ssize_t)(((uint64_t)key * K.map_hash) & (uint64_t)mask);
    for (Py_ssize_t probes = 0; probes < cap; probes++) {
        if (map[2 * i] == key || map[2 * i] == 0) {
            map[2 * i] = key;
            map[2 * i + 1] = value;
            return 0;
        }
        i = (i + 1) & mask;
    }
    PyErr_SetString(PyExc_ValueError, "a page's hyperlink map has no free slot");
    return -1;
}

/* Columns [start, end) of the cursor row join the current link, as Screen.mark_link does: here when the row's
 * page has the link in its table and room in its map; else Python, which interns the link and may replace the
 * row's page by a bigger one (so the row list is read again after). */
static int
mark_link(Ctx *c, long start, long end)
{
    if (fetch_row(c, c->y)) {
        return -1;
    }
    PyObject *page = c->pv.page;
    PyObject *ids = PyObject_GetAttr(page, S_link_ids);
    if (ids == NULL) {
        return -1;
    }
    Py_DECREF(ids);     /* kept alive by the page */
    if (!PyDict_CheckExact(ids)) {
        PyErr_SetString(PyExc_TypeError, "Page.link_ids is a dict");
        return -1;
    }
    PyObject *found = PyDict_GetItemWithError(ids, c->link);
    long idx;
    if (found != NULL) {
        idx = PyLong_AsLong(found);
    } else {
        if (PyErr_Occurred()) {
            return -1;
        }
        /* A link new to this page (agent output gives every link its own id): Page.intern_hyperlink touches only
         * the page's tables. When they are full, Python's mark_link grows the page. */
        if (!PyTuple_Check(c->link) || PyTuple_GET_SIZE(c->link) != 2 || flush_grow(c)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "Screen.link is an (id, uri) pair");
            }
            return -1;
        }
        Py_INCREF(page);
        PyObject *r = PyObject_CallMethodObjArgs(page, S_intern_hyperlink, PyTuple_GET_ITEM(c->link, 0),
                                                 PyTuple_GET_ITEM(c->link, 1), NULL);
        Py_DECREF(page);
        invalidate(c);
        if (r == NULL) {
            if (!PyErr_ExceptionMatches(K.page_overflow)) {
                return -1;
            }
            PyErr_Clear();
            goto python;
        }
        idx = PyLong_AsLong(r);
        Py_DECREF(r);
        if (fetch_row(c, c->y)) {
            return -1;
        }
        page = c->pv.page;
    }
    if (idx == -1 && PyErr_Occurred()) {
        return -1;
    }
    uint32_t *hmap;
    Py_ssize_t hlen;
    long count;
    if (view_of(page, S_hmap, (void **)&hmap, 4, &hlen) || get_long(page, S_link_cells, &count)) {
        return -1;
    }
    Py_ssize_t cap = hlen / 2;
    if (idx < 0 || idx >= 0xFFFFFFFEL || cap < 1 || (cap & (cap - 1)) != 0 || count < 0 || start < 0
        || end > c->cols || start >= end) {
        PyErr_SetString(PyExc_ValueError, "hyperlink state out of range");
        return -1;
    }
    Py_ssize_t base = cell_at(c, 0);
    long fresh = 0;
    for (long col = start; col < end; col++) {
        fresh += !(c->pv.fl[base + col] & K.cell_link);
    }
    if (fresh && (count + fresh) * 16 > (long)cap * 13) {
        goto python;        /* the map would pass its load limit: Python grows the page */
    }
    for (long col = start; col < end; col++) {
        Py_ssize_t i = base + col;
        if (map_put(hmap, cap, (uint32_t)(i + 1), (uint32_t)(idx + 1))) {
            return -1;
        }
        c->pv.fl[i] |= (uint16_t)K.cell_link;
    }
    c->pv.rf[c->view_row] |= (uint16_t)(K.row_link | K.row_dirty);
    return fresh ? set_long(page, S_link_cells, count + fresh) : 0;
python:
    invalidate(c);
    if (flush_grow(c) || set_long(c->screen, S_y, c->y)) {
        return -1;
    }
    PyObject *r = PyObject_CallMethod(c->screen, "mark_link", "ll", start, end);
    if (r == NULL) {
        swallow(c);
    }
    Py_XDECREF(r);
    return reread_locs(c);
}

/* Write the simple characters text[i:end) (narrow and wide, all of known width), wrapping as needed. */
static int
draw_simple(Ctx *c, PyObject *text, Py_ssize_t i, Py_ssize_t end)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    while (i < end) {
        if (c->pending_wrap && do_wrap(c)) {
            return -1;
        }
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        long x0 = c->x;
        if (class_of(ch) == MUX_WIDE && x0 == c->cols - 1) {
            /* A wide character does not fit in the last column: a spacer head there, and wrap early. */
            if (prepare_write(c, c->y, x0, x0 + 1)) {
                return -1;
            }
            Py_ssize_t k = cell_at(c, x0);
            c->pv.cp[k] = 0;
            c->pv.st[k] = 0;
            c->pv.fl[k] = (uint16_t)K.cell_head;
            c->pv.rf[c->view_row] |= (uint16_t)K.row_dirty;
            if (do_wrap(c)) {
                return -1;
            }
            continue;
        }
        /* The segment that fits on this row. */
        long x1 = x0;
        Py_ssize_t j = i;
        while (j < end) {
            Py_UCS4 cj = PyUnicode_READ(kind, data, j);
            long w = class_of(cj) == MUX_WIDE ? 2 : 1;
            if (x1 + w > c->cols) {
                break;
            }
            x1 += w;
            j++;
        }
        long sid = style_id(c, c->y, c->pen);
        if (sid < 0 || prepare_write(c, c->y, x0, x1)) {
            return -1;
        }
        long x = x0;
        Py_UCS4 last = 0;
        for (Py_ssize_t k = i; k < j; k++) {
            last = PyUnicode_READ(kind, data, k);
            Py_ssize_t idx = cell_at(c, x);
            if (class_of(last) == MUX_WIDE) {
                c->pv.cp[idx] = last;
                c->pv.st[idx] = (uint16_t)sid;
                c->pv.fl[idx] = (uint16_t)K.cell_wide;
                c->pv.cp[idx + 1] = 0;
                c->pv.st[idx + 1] = (uint16_t)sid;
                c->pv.fl[idx + 1] = (uint16_t)K.cell_tail;
                c->last_x = x;
                x += 2;
            } else {
                c->pv.cp[idx] = last;
                c->pv.st[idx] = (uint16_t)sid;
                c->pv.fl[idx] = 0;
                c->last_x = x;
                x += 1;
            }
        }
        c->pv.rf[c->view_row] |= (uint16_t)K.row_dirty;
        c->last_drawn = 1;
        c->last_cp = last;
        Py_CLEAR(c->zone_last);
        c->last_y = c->y;
        c->cluster_cleared = 0;
        c->py_cluster = 0;
        if (c->link != Py_None && mark_link(c, x0, x1)) {
            return -1;
        }
        if (x1 >= c->cols) {
            c->x = c->cols - 1;
            c->pending_wrap = c->autowrap;
        } else {
            c->x = x1;
        }
        i = j;
    }
    return 0;
}

/* Screen.attach_cluster(y, col, extra) for a cell of the cursor row: Page.set_grapheme, and when the page's
 * cluster tables are full, again on the bigger page Screen.regrow makes (dropped past the maximum page size). */
static int
attach_cluster(Ctx *c, long col, PyObject *extra)
{
    PyObject *x = PyLong_FromLong(col);
    if (x == NULL) {
        return -1;
    }
    for (;;) {
        if (fetch_row(c, c->y) || flush_grow(c)) {
            break;
        }
        PyObject *page = Py_NewRef(c->pv.page);
        PyObject *row = PyLong_FromLong(c->view_row);
        PyObject *r = row != NULL ? PyObject_CallMethodObjArgs(page, S_set_grapheme, row, x, extra, NULL) : NULL;
        Py_DECREF(page);
        Py_XDECREF(row);
        invalidate(c);
        if (r != NULL) {
            Py_DECREF(r);
            Py_DECREF(x);
            return 0;
        }
        if (!PyErr_ExceptionMatches(K.page_overflow)) {
            break;
        }
        int grown = regrow(c, c->y);
        if (grown <= 0) {
            Py_DECREF(x);
            return grown;
        }
    }
    Py_DECREF(x);
    return -1;
}

/* A buffer of `n` items of `itemsize` bytes from an array; 0, or -1 with an exception. */
static int
array_view(PyObject *obj, Py_buffer *b, Py_ssize_t itemsize)
{
    if (PyObject_GetBuffer(obj, b, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        return -1;
    }
    if (b->itemsize != itemsize || b->ndim != 1) {
        PyBuffer_Release(b);
        PyErr_SetString(PyExc_TypeError, "zone cells have an unexpected layout");
        return -1;
    }
    return 0;
}

/* A zone of clusters (Screen._draw_segment's case): its cells come from screen.zone_cells (a pure function of the
 * text, memoised in screen.ZONE_CELLS) and are written here when they fit on the row before the last column, the
 * clusters' extra codepoints through Page.set_grapheme. Else (pending wrap, no room, a zero-width cluster) Python
 * draws the zone. */
static int
draw_zone(Ctx *c, PyObject *zone)
{
    if (c->pending_wrap) {
        return python_draw(c, zone);
    }
    PyObject *cells = PyDict_GetItemWithError(K.zone_memo, zone);
    if (cells != NULL) {
        Py_INCREF(cells);
    } else {
        if (PyErr_Occurred()) {
            return -1;
        }
        cells = PyObject_CallOneArg(K.zone_cells, zone);     /* reads no screen state */
        if (cells == NULL) {
            return -1;
        }
    }
    if (cells == Py_None) {
        Py_DECREF(cells);
        return python_draw(c, zone);
    }
    int rc = -1;
    Py_buffer cps, fls;
    if (!PyTuple_Check(cells) || PyTuple_GET_SIZE(cells) != 5 || !PyTuple_Check(PyTuple_GET_ITEM(cells, 2))
        || !PyUnicode_Check(PyTuple_GET_ITEM(cells, 3))) {
        PyErr_SetString(PyExc_TypeError, "zone_cells() returns ZoneCells");
        Py_DECREF(cells);
        return -1;
    }
    long last_offset = PyLong_AsLong(PyTuple_GET_ITEM(cells, 4));
    if ((last_offset == -1 && PyErr_Occurred()) || array_view(PyTuple_GET_ITEM(cells, 0), &cps, 4)) {
        Py_DECREF(cells);
        return -1;
    }
    if (array_view(PyTuple_GET_ITEM(cells, 1), &fls, 2)) {
        PyBuffer_Release(&cps);
        Py_DECREF(cells);
        return -1;
    }
    long n = (long)cps.shape[0], x = c->x;
    if (n != fls.shape[0] || n < 1 || last_offset < 0 || last_offset >= n) {
        PyErr_SetString(PyExc_ValueError, "zone cells out of range");
        goto done;
    }
    if (x + n >= c->cols) {
        rc = python_draw(c, zone);
        goto done;
    }
    long sid = style_id(c, c->y, c->pen);
    if (sid < 0 || prepare_write(c, c->y, x, x + n)) {
        goto done;
    }
    const uint32_t *cp = cps.buf;
    const uint16_t *fl = fls.buf;
    Py_ssize_t base = cell_at(c, x);
    for (long k = 0; k < n; k++) {
        c->pv.cp[base + k] = cp[k];
        c->pv.st[base + k] = (uint16_t)sid;
        c->pv.fl[base + k] = fl[k];
    }
    c->pv.rf[c->view_row] |= (uint16_t)K.row_dirty;
    PyObject *extras = PyTuple_GET_ITEM(cells, 2);
    for (Py_ssize_t e = 0; e < PyTuple_GET_SIZE(extras); e++) {
        PyObject *item = PyTuple_GET_ITEM(extras, e);
        long offset = PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2 ? PyLong_AsLong(PyTuple_GET_ITEM(item, 0)) : -1;
        if (offset < 0 || offset >= n || !PyUnicode_Check(PyTuple_GET_ITEM(item, 1))) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "zone cells out of range");
            }
            goto done;
        }
        if (attach_cluster(c, x + offset, PyTuple_GET_ITEM(item, 1))) {
            goto done;
        }
    }
    if (c->link != Py_None && mark_link(c, x, x + n)) {
        goto done;
    }
    c->last_drawn = 1;
    Py_XSETREF(c->zone_last, Py_NewRef(PyTuple_GET_ITEM(cells, 3)));
    c->last_y = c->y;
    c->last_x = x + last_offset;
    c->cluster_cleared = 0;
    c->py_cluster = 1;      /* the cluster may be extended by what the next draw brings: Python checks */
    c->x = x + n;
    rc = 0;
done:
    PyBuffer_Release(&cps);
    PyBuffer_Release(&fls);
    Py_DECREF(cells);
    return rc;
}

static int
draw_text(Ctx *c, PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n == 0) {
        return 0;
    }
    if (c->translate || c->insert || !c->autowrap || c->cols < 2 || c->defer) {
        return python_draw(c, text);
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (!PyUnicode_IS_ASCII(text) && (c->py_cluster || !c->clustering)) {
        return python_draw(c, text);   /* it may extend the cluster before it, or clusters are off */
    }
    if (PyUnicode_IS_ASCII(text)) {
        return draw_simple(c, text, 0, n);
    }
    /* Simple runs are drawn here; each zone that may hold multi-codepoint clusters (joining characters with the
     * simple characters next to them, as screen._JOIN_ZONE finds them) is drawn by Python. A zone at the very
     * start may extend the cluster drawn before this text: then Python draws the whole text. */
    Py_ssize_t pos = 0;
    while (pos < n) {
        Py_ssize_t k = pos;
        int cls = 0;
        while (k < n && (cls = class_of(PyUnicode_READ(kind, data, k))) > 0) {
            k++;
        }
        if (cls < 0) {
            PyErr_SetString(PyExc_SystemError, "width table lookup failed");
            return -1;
        }
        if (k == n) {
            return draw_simple(c, text, pos, n);
        }
        if (k == 0) {
            return python_draw(c, text);
        }
        if (k - 1 > pos && draw_simple(c, text, pos, k - 1)) {
            return -1;
        }
        /* The zone: [simple] joins+ ([simple] joins+)* [simple] */
        Py_ssize_t end = k;
        for (;;) {
            while (end < n && class_of(PyUnicode_READ(kind, data, end)) == MUX_JOINS) {
                end++;
            }
            if (end + 1 < n && class_of(PyUnicode_READ(kind, data, end + 1)) == MUX_JOINS) {
                end++;          /* a simple character between joining ones */
                continue;
            }
            if (end < n) {
                end++;          /* the simple character closing the zone */
            }
            break;
        }
        PyObject *zone = PyUnicode_Substring(text, k - 1, end);
        if (zone == NULL) {
            return -1;
        }
        int rc = draw_zone(c, zone);
        Py_DECREF(zone);
        if (rc) {
            return -1;
        }
        pos = end;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------ CSI */


/* The erase style of the pen (xterm BCE): its background colour and nothing else. New reference. */
static PyObject *
bce_style(Ctx *c)
{
    if (c->pen_bg_zero) {
        Py_INCREF(K.default_style);
        return K.default_style;
    }
    PyObject *zero = PyLong_FromLong(0);
    if (zero == NULL) {
        return NULL;
    }
    PyObject *t = PyTuple_Pack(4, zero, PyTuple_GET_ITEM(c->pen, 1), zero, zero);
    Py_DECREF(zero);
    return t;
}

static int
clear_range(Ctx *c, long start, long end)
{
    PyObject *bce = bce_style(c);
    if (bce == NULL) {
        return -1;
    }
    long sid = style_id(c, c->y, bce);
    Py_DECREF(bce);
    if (sid < 0 || prepare_write(c, c->y, start, end)) {
        return -1;
    }
    for (long col = start; col < end; col++) {
        Py_ssize_t i = cell_at(c, col);
        c->pv.cp[i] = 0;
        c->pv.st[i] = (uint16_t)sid;
        c->pv.fl[i] = 0;
    }
    c->pv.rf[c->view_row] |= (uint16_t)K.row_dirty;
    return 0;
}

static int
erase_in_line(Ctx *c, long how)
{
    /* The erase style is interned first, whatever `how` is (as the Python handler does). */
    PyObject *bce = bce_style(c);
    if (bce == NULL) {
        return -1;
    }
    long sid = style_id(c, c->y, bce);
    Py_DECREF(bce);
    if (sid < 0) {
        return -1;
    }
    long start = 0, end = 0;
    if (how == 0) {
        start = c->x;
        end = c->cols;
    } else if (how == 1) {
        end = c->x + 1;
    } else if (how == 2) {
        end = c->cols;
    }
    if (end > start) {
        if (clear_range(c, start, end)) {
            return -1;
        }
        if (end == c->cols) {
            c->pv.rf[c->view_row] &= (uint16_t)~K.row_wrap;
        }
    }
    c->pending_wrap = 0;
    return 0;
}

static long
clamp_y(Ctx *c, long y)
{
    long lo = c->origin ? c->mtop : 0, hi = c->origin ? c->mbot : c->lines - 1;
    return y < lo ? lo : y > hi ? hi : y;
}

/* SGR, as styles.apply_sgr computes it (the attribute bits and colour kinds come from configure()). The
 * parameters are parsed as the Stream parses them: ';'-separated items, an empty one is 0, digits clamp at
 * PARAM_MAX, at most MAX_PARAMS items; an item with ':' is a group of sub-parameters (empty ones -1). */
typedef struct {
    int group;          /* a ':' group */
    int n;              /* sub-parameters in the group */
    long v[SUBS_CAP];   /* v[0] is the value of a plain item */
} SgrItem;

static long
with_underline(long attrs, long kind)
{
    kind = kind < 0 ? 0 : kind > 5 ? 5 : kind;
    return (attrs & ~K.underline_mask) | (kind << K.underline_shift);
}

/* The colour of a ':' group (38:5:n, 38:2:cs:r:g:b or 38:2:r:g:b); -1 for none. */
static long
colon_colour(const SgrItem *it)
{
    if (it->n >= 3 && it->v[1] == 5) {
        long idx = it->v[2];
        return idx >= 0 && idx <= 255 ? K.color_palette | idx : -1;
    }
    if (it->n >= 5 && it->v[1] == 2) {
        const long *rgb = it->n >= 6 ? &it->v[3] : &it->v[2];
        for (int k = 0; k < 3; k++) {
            if (rgb[k] < 0 || rgb[k] > 255) {
                return -1;
            }
        }
        return K.color_rgb | (rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
    }
    return -1;
}

/* The colour after 38/48/58 in ';' form starting at items[*i]; -1 for none. Advances *i as Python does. */
static long
extended_colour(const SgrItem *items, int n, int *i)
{
    if (*i >= n) {
        return -1;
    }
    const SgrItem *kind = &items[*i];
    if (!kind->group && kind->v[0] == 5 && *i + 1 < n) {
        const SgrItem *idx = &items[*i + 1];
        *i += 2;
        return !idx->group && idx->v[0] >= 0 && idx->v[0] <= 255 ? K.color_palette | idx->v[0] : -1;
    }
    if (!kind->group && kind->v[0] == 2 && *i + 3 < n) {
        long rgb[3];
        int ok = 1;
        for (int k = 0; k < 3; k++) {
            const SgrItem *part = &items[*i + 1 + k];
            ok = ok && !part->group && part->v[0] >= 0 && part->v[0] <= 255;
            rgb[k] = part->v[0];
        }
        *i += 4;
        return ok ? K.color_rgb | (rgb[0] << 16 | rgb[1] << 8 | rgb[2]) : -1;
    }
    *i += 1;
    return -1;
}

static int
parse_sgr(int kind, const void *data, Py_ssize_t a, Py_ssize_t b, SgrItem *items)
{
    int n = 0;
    Py_ssize_t i = a;
    while (n < K.max_params) {
        SgrItem *it = &items[n];
        it->group = 0;
        it->n = 0;
        long v = 0;
        int digits = 0;
        while (i < b) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (ch == ';') {
                break;
            }
            i++;
            if (ch == ':') {
                it->group = 1;
                if (it->n < K.max_params) {
                    it->v[it->n++] = digits ? v : -1;
                }
                v = 0;
                digits = 0;
            } else {
                v = v * 10 + (long)(ch - '0');
                if (v > K.param_max) {
                    v = K.param_max;
                }
                digits = 1;
            }
        }
        if (it->group) {
            if (it->n < K.max_params) {
                it->v[it->n++] = digits ? v : -1;
            }
        } else {
            it->v[0] = digits ? v : 0;
        }
        n++;
        if (i >= b) {
            break;
        }
        i++;   /* the ';' */
    }
    return n;
}

static int
pen_field(PyObject *pen, Py_ssize_t k, long *out)
{
    *out = PyLong_AsLong(PyTuple_GET_ITEM(pen, k));
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

/* The new pen after SGR parameters [a, b) of `tok` (empty: reset). */
static int
apply_sgr(Ctx *c, int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    long fg, bg, ul, attrs;
    if (pen_field(c->pen, 3, &attrs)) {
        return -1;
    }
    if (a == b && !(attrs & K.sgr_keeps)) {
        Py_SETREF(c->pen, Py_NewRef(K.default_style));
        return set_pen_cache(c);
    }
    SgrItem items[SUBS_CAP];
    int n = a == b ? 0 : parse_sgr(kind, data, a, b, items);
    if (pen_field(c->pen, 0, &fg) || pen_field(c->pen, 1, &bg) || pen_field(c->pen, 2, &ul)) {
        return -1;
    }
    if (a == b) {
        fg = bg = ul = 0;
        attrs &= K.sgr_keeps;
    }
    int i = 0;
    while (i < n) {
        const SgrItem *it = &items[i++];
        if (it->group) {
            if (it->n == 0) {
                continue;
            }
            long head = it->v[0];
            if (head == 4) {
                attrs = with_underline(attrs, it->n > 1 && it->v[1] >= 0 ? it->v[1] : 1);
            } else if (head == 38 || head == 48 || head == 58) {
                long colour = colon_colour(it);
                if (colour >= 0) {
                    *(head == 38 ? &fg : head == 48 ? &bg : &ul) = colour;
                }
            }
            continue;
        }
        long p = it->v[0];
        if (p == 0) {
            fg = bg = ul = 0;
            attrs &= K.sgr_keeps;
        } else if (p >= 30 && p <= 37) {
            fg = K.color_palette | (p - 30);
        } else if (p >= 40 && p <= 47) {
            bg = K.color_palette | (p - 40);
        } else if (p >= 90 && p <= 97) {
            fg = K.color_palette | (p - 90 + 8);
        } else if (p >= 100 && p <= 107) {
            bg = K.color_palette | (p - 100 + 8);
        } else if (p < SGR_TABLE && K.sgr_sets[p]) {
            attrs |= K.sgr_sets[p];
        } else if (p < SGR_TABLE && K.sgr_resets[p]) {
            attrs &= ~K.sgr_resets[p];
        } else if (p == 4) {
            attrs = with_underline(attrs, 1);
        } else if (p == 21) {
            attrs = with_underline(attrs, 2);
        } else if (p == 39) {
            fg = 0;
        } else if (p == 49) {
            bg = 0;
        } else if (p == 59) {
            ul = 0;
        } else if (p == 38 || p == 48 || p == 58) {
            long colour = extended_colour(items, n, &i);
            if (colour >= 0) {
                *(p == 38 ? &fg : p == 48 ? &bg : &ul) = colour;
            }
        }
    }
    PyObject *pen = PyTuple_New(4);
    if (pen == NULL) {
        return -1;
    }
    long fields[4] = {fg, bg, ul, attrs};
    for (Py_ssize_t k = 0; k < 4; k++) {
        PyObject *v = PyLong_FromLong(fields[k]);
        if (v == NULL) {
            Py_DECREF(pen);
            return -1;
        }
        PyTuple_SET_ITEM(pen, k, v);
    }
    Py_SETREF(c->pen, pen);
    return set_pen_cache(c);
}

/* CSI ? Pm h / l where every mode only sets or clears its membership in Modes.dec (terminal.PLAIN_PRIVATE).
 * Returns 1 if done, 0 if Python must run it. */
static int
plain_private_modes(Ctx *c, int kind, const void *data, Py_ssize_t a, Py_ssize_t b, int on)
{
    long modes[SUBS_CAP];
    int n = 0;
    long v = 0;
    int digits = 0;
    for (Py_ssize_t i = a; i <= b; i++) {
        Py_UCS4 ch = i < b ? PyUnicode_READ(kind, data, i) : ';';
        if (ch == ';') {
            if (!digits || n == SUBS_CAP) {
                return 0;
            }
            modes[n++] = v;
            v = 0;
            digits = 0;
        } else if (ch >= '0' && ch <= '9') {
            v = v * 10 + (long)(ch - '0');
            if (v > K.param_max) {
                v = K.param_max;
            }
            digits = 1;
        } else {
            return 0;
        }
    }
    PyObject *dec = PyObject_GetAttr(c->modes, S_dec);
    if (dec == NULL) {
        return -1;
    }
    int rc = 1;
    for (int k = 0; k < n && rc == 1; k++) {
        PyObject *m = PyLong_FromLong(modes[k]);
        if (m == NULL) {
            rc = -1;
            break;
        }
        int plain = PySet_Contains(K.plain_private, m);
        if (plain < 0) {
            rc = -1;
        } else if (!plain) {
            rc = 0;
        }
        Py_DECREF(m);
    }
    for (int k = 0; k < n && rc == 1; k++) {
        PyObject *m = PyLong_FromLong(modes[k]);
        if (m == NULL || (on ? PySet_Add(dec, m) : PySet_Discard(dec, m)) < 0) {
            rc = -1;
        }
        Py_XDECREF(m);
    }
    Py_DECREF(dec);
    return rc;
}

/* One plain CSI sequence body [a, b) ending in its final. Returns 1 if handled, 0 if Python must run it, -1 on
 * an internal error. */
static int
csi_one(Ctx *c, PyObject *tok, Py_ssize_t a, Py_ssize_t b)
{
    int kind = PyUnicode_KIND(tok);
    const void *data = PyUnicode_DATA(tok);
    Py_UCS4 final = PyUnicode_READ(kind, data, b - 1);
    if (final == 'm') {
        return apply_sgr(c, kind, data, a, b - 1) ? -1 : 1;
    }
    if (c->defer || (final == 'D' && c->reverse_wrap)) {
        return 0;   /* left/right margins, or CUB that may reverse-wrap: Python's rules */
    }
    long args[2] = {0, 0};
    int nargs = 0;
    long v = 0;
    int any = 0;
    for (Py_ssize_t i = a; i < b - 1; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch == ':') {
            return 0;
        }
        any = 1;
        if (ch == ';') {
            if (nargs < 2) {
                args[nargs] = v;
            }
            nargs++;
            v = 0;
        } else {
            v = v * 10 + (long)(ch - '0');
            if (v > K.param_max) {
                v = K.param_max;
            }
        }
    }
    if (any) {
        if (nargs < 2) {
            args[nargs] = v;
        }
        nargs++;
    }
    long n1 = nargs >= 1 && args[0] > 0 ? args[0] : 1;   /* `count or 1`, then max(1, ...) */
    switch (final) {
    case 'H':
    case 'f': {
        long line = n1 - 1;
        long col = (nargs >= 2 && args[1] > 0 ? args[1] : 1) - 1;
        if (c->origin) {
            line += c->mtop;
        }
        move_to(c, col < c->cols - 1 ? col : c->cols - 1, clamp_y(c, line));
        return 1;
    }
    case 'A':
    case 'F': {
        long top = c->y >= c->mtop ? c->mtop : 0;
        long y = c->y - n1;
        move_to(c, c->x, y < top ? top : y);
        if (final == 'F') {
            c->x = 0;
        }
        return 1;
    }
    case 'B':
    case 'e':
    case 'E': {
        long bottom = c->y <= c->mbot ? c->mbot : c->lines - 1;
        long y = c->y + n1;
        move_to(c, c->x, y > bottom ? bottom : y);
        if (final == 'E') {
            c->x = 0;
        }
        return 1;
    }
    case 'C':
    case 'a': {
        long x = c->x + n1;
        move_to(c, x > c->cols - 1 ? c->cols - 1 : x, c->y);
        return 1;
    }
    case 'D': {
        long x = c->x - n1;
        move_to(c, x < 0 ? 0 : x, c->y);
        return 1;
    }
    case 'G':
    case '`': {
        long x = n1 - 1;
        move_to(c, x > c->cols - 1 ? c->cols - 1 : x, c->y);
        return 1;
    }
    case 'd': {
        long line = n1 - 1;
        if (c->origin) {
            line += c->mtop;
        }
        move_to(c, c->x, clamp_y(c, line));
        return 1;
    }
    case 'K':
    case 'X': {
        /* After SPA, EL and ECH keep protected cells: Python's selective erase does that. */
        if (c->iso_protection < 0) {
            long protection;
            if (get_long(c->terminal, S_protection, &protection)) {
                return -1;
            }
            c->iso_protection = protection == K.protect_iso;
        }
        if (c->iso_protection) {
            return 0;
        }
        if (final == 'K') {
            return erase_in_line(c, nargs ? args[0] : 0) ? -1 : 1;
        }
        long count = n1 < c->cols - c->x ? n1 : c->cols - c->x;
        if (clear_range(c, c->x, c->x + count)) {
            return -1;
        }
        c->pending_wrap = 0;
        return 1;
    }
    default:
        return 0;
    }
}

static int
is_param(Py_UCS4 ch)
{
    return (ch >= '0' && ch <= '9') || ch == ';' || ch == ':';
}

/* A token starting with ESC [: one or more plain CSI sequences. Returns 0, or -1 on an internal error. */
static int
csi_token(Ctx *c, PyObject *tok)
{
    int kind = PyUnicode_KIND(tok);
    const void *data = PyUnicode_DATA(tok);
    Py_ssize_t n = PyUnicode_GET_LENGTH(tok);
    if (n > K.csi_max) {
        return python_token(c, tok);   /* over-long: the Stream drops it */
    }
    if (n >= 5 && PyUnicode_READ(kind, data, 2) == '?') {
        Py_UCS4 final = PyUnicode_READ(kind, data, n - 1);
        if (final == 'h' || final == 'l') {
            int rc = plain_private_modes(c, kind, data, 3, n - 1, final == 'h');
            if (rc != 0) {
                return rc < 0 ? -1 : 0;
            }
        }
        return python_token(c, tok);
    }
    /* The whole token must be ESC [ params final (ESC [ params final)*; anything else goes to Python whole. */
    Py_ssize_t i = 0;
    while (i < n) {
        if (i + 2 >= n || PyUnicode_READ(kind, data, i) != 0x1b || PyUnicode_READ(kind, data, i + 1) != '[') {
            return python_token(c, tok);
        }
        Py_ssize_t j = i + 2;
        while (j < n && is_param(PyUnicode_READ(kind, data, j))) {
            j++;
        }
        if (j >= n) {
            return python_token(c, tok);
        }
        Py_UCS4 final = PyUnicode_READ(kind, data, j);
        if (final < '@' || final > '~') {
            return python_token(c, tok);
        }
        i = j + 1;
    }
    i = 0;
    while (i < n) {
        Py_ssize_t j = i + 2;
        while (is_param(PyUnicode_READ(kind, data, j))) {
            j++;
        }
        int rc = csi_one(c, tok, i + 2, j + 1);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            if (i == 0 && j + 1 == n) {
                if (python_token(c, tok)) {
                    return -1;
                }
            } else {
                PyObject *one = PyUnicode_Substring(tok, i, j + 1);
                if (one == NULL) {
                    return -1;
                }
                int r2 = python_token(c, one);
                Py_DECREF(one);
                if (r2) {
                    return -1;
                }
            }
        }
        i = j + 1;
    }
    return 0;
}

/* The Stream's bulk token: CR LF, then lines each ending in CR LF (plain text, no controls). */
static int
lines_token(Ctx *c, PyObject *tok)
{
    int kind = PyUnicode_KIND(tok);
    const void *data = PyUnicode_DATA(tok);
    Py_ssize_t n = PyUnicode_GET_LENGTH(tok);
    if (crlf(c)) {
        return -1;
    }
    Py_ssize_t start = 2;
    for (Py_ssize_t i = 2; i + 1 < n; i++) {
        if (PyUnicode_READ(kind, data, i) == '\r' && PyUnicode_READ(kind, data, i + 1) == '\n') {
            if (i > start) {
                PyObject *line = PyUnicode_Substring(tok, start, i);
                if (line == NULL) {
                    return -1;
                }
                int rc = draw_text(c, line);
                Py_DECREF(line);
                if (rc) {
                    return -1;
                }
            }
            if (crlf(c)) {
                return -1;
            }
            start = i + 2;
            i++;
        }
    }
    return 0;
}

/* OSC 8 ; params ; uri, ended by BEL or ST: Terminal.set_hyperlink(params, uri), as Stream._osc_dispatch calls
 * it (a payload over OSC_MAX, another terminator or no second ';' go to Python, which drops or ignores them). */
static int
hyperlink_token(Ctx *c, PyObject *tok)
{
    int kind = PyUnicode_KIND(tok);
    const void *data = PyUnicode_DATA(tok);
    Py_ssize_t n = PyUnicode_GET_LENGTH(tok);
    Py_ssize_t end;
    if (PyUnicode_READ(kind, data, n - 1) == 0x07) {
        end = n - 1;
    } else if (PyUnicode_READ(kind, data, n - 1) == '\\' && PyUnicode_READ(kind, data, n - 2) == 0x1b) {
        end = n - 2;
    } else {
        return python_token(c, tok);
    }
    if (end - 2 > K.osc_max) {
        return python_token(c, tok);
    }
    Py_ssize_t sep = PyUnicode_FindChar(tok, ';', 4, end, 1);
    if (sep == -2) {
        return -1;
    }
    if (sep < 0) {
        return python_token(c, tok);
    }
    PyObject *args[2] = {PyUnicode_Substring(tok, 4, sep), PyUnicode_Substring(tok, sep + 1, end)};
    int rc = args[0] && args[1] ? call_method(c, c->terminal, S_set_hyperlink, args, 2) : -1;
    Py_XDECREF(args[0]);
    Py_XDECREF(args[1]);
    return rc;
}

static int
token(Ctx *c, PyObject *tok)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(tok);
    if (n == 0) {
        return 0;
    }
    int kind = PyUnicode_KIND(tok);
    const void *data = PyUnicode_DATA(tok);
    Py_UCS4 c0 = PyUnicode_READ(kind, data, 0);
    if (c->defer && c0 != 0x1b) {
        return python_token(c, tok);   /* left/right margins: CR, LF, BS and the bulk lines follow Python's rules */
    }
    if (c0 == '\r') {
        if (n == 1 || (n == 2 && PyUnicode_READ(kind, data, 1) == '\n')) {
            carriage_return(c);
            return n == 2 ? do_linefeed(c) : 0;
        }
        if (PyUnicode_READ(kind, data, 1) == '\n' && n >= 4) {
            return lines_token(c, tok);
        }
        return python_token(c, tok);
    }
    if (n == 1 && c0 == '\n') {
        return do_linefeed(c);
    }
    if (n == 1 && c0 == '\b' && !c->reverse_wrap) {
        c->pending_wrap = 0;
        if (c->x > 0) {
            c->x--;
        }
        return 0;
    }
    if (c0 == 0x1b && n >= 3 && PyUnicode_READ(kind, data, 1) == '[') {
        return csi_token(c, tok);
    }
    if (c0 == 0x1b && n >= 6 && PyUnicode_READ(kind, data, 1) == ']' && PyUnicode_READ(kind, data, 2) == '8'
        && PyUnicode_READ(kind, data, 3) == ';') {
        return hyperlink_token(c, tok);
    }
    return python_token(c, tok);
}

/* ------------------------------------------------------------------------------------------------ tokenizer */

/* stream.py's tokenizer regex (token_regex), as code: split(text, bulk) returns exactly what
 * token_regex(bulk).split(text) returns, alternating printable runs and control tokens (tests/terminal/
 * test_fastpath.py compares the two on every corpus and on random text). Each token starts at a C0/C1 control. */

static inline int
is_ctrl(Py_UCS4 ch)
{
    return ch <= 0x1f || (ch >= 0x7f && ch <= 0x9f);
}

/* _CSI_BODY from q: [^@-~\x18\x1a\x1b\x80-\x9f]* [@-~]? */
static Py_ssize_t
csi_body(int kind, const void *d, Py_ssize_t q, Py_ssize_t n)
{
    while (q < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, d, q);
        if ((ch >= 0x40 && ch <= 0x7e) || ch == 0x18 || ch == 0x1a || ch == 0x1b || (ch >= 0x80 && ch <= 0x9f)) {
            break;
        }
        q++;
    }
    if (q < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, d, q);
        if (ch >= 0x40 && ch <= 0x7e) {
            q++;
        }
    }
    return q;
}

/* _CSI_RUN from q: [0-?]*+ [ -/]*+ [@-~] (ESC [ ([0-9;:]*+ m | [@-~]))*+ ; -1 when there is no final. */
static Py_ssize_t
csi_run(int kind, const void *d, Py_ssize_t q, Py_ssize_t n)
{
    while (q < n && PyUnicode_READ(kind, d, q) >= 0x30 && PyUnicode_READ(kind, d, q) <= 0x3f) {
        q++;
    }
    while (q < n && PyUnicode_READ(kind, d, q) >= 0x20 && PyUnicode_READ(kind, d, q) <= 0x2f) {
        q++;
    }
    if (q >= n || PyUnicode_READ(kind, d, q) < 0x40 || PyUnicode_READ(kind, d, q) > 0x7e) {
        return -1;
    }
    q++;
    while (q + 2 < n && PyUnicode_READ(kind, d, q) == 0x1b && PyUnicode_READ(kind, d, q + 1) == '[') {
        Py_ssize_t r = q + 2;
        while (r < n && is_param(PyUnicode_READ(kind, d, r))) {
            r++;
        }
        if (r < n && PyUnicode_READ(kind, d, r) == 'm') {
            q = r + 1;
            continue;
        }
        Py_UCS4 ch = PyUnicode_READ(kind, d, q + 2);
        if (ch >= 0x40 && ch <= 0x7e) {
            q += 3;
            continue;
        }
        break;
    }
    return q;
}

/* _OSC_BODY (osc: BEL ends it too) or _STR_BODY from q: payload, where an ESC not starting ST and not last is
 * payload, then the terminator if there is one (BEL, ST as 0x9c or ESC \, or an ESC at the very end). */
static Py_ssize_t
string_body(int kind, const void *d, Py_ssize_t q, Py_ssize_t n, int osc)
{
    for (;;) {
        while (q < n) {
            Py_UCS4 ch = PyUnicode_READ(kind, d, q);
            if ((osc && ch == 0x07) || ch == 0x18 || ch == 0x1a || ch == 0x1b || ch == 0x9c) {
                break;
            }
            q++;
        }
        if (q + 1 < n && PyUnicode_READ(kind, d, q) == 0x1b && PyUnicode_READ(kind, d, q + 1) != '\\') {
            q++;
            continue;
        }
        break;
    }
    if (q < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, d, q);
        if ((osc && ch == 0x07) || ch == 0x9c) {
            q++;
        } else if (ch == 0x1b) {
            q += q + 1 < n ? 2 : 1;     /* ESC \ (an ESC followed by anything else was payload), or ESC at the end */
        }
    }
    return q;
}

/* The end of the token that starts with the control at i. */
static Py_ssize_t
token_end(int kind, const void *d, Py_ssize_t i, Py_ssize_t n, int bulk)
{
    Py_UCS4 c0 = PyUnicode_READ(kind, d, i);
    Py_ssize_t p = i + 1;
    if (c0 == 0x1b) {
        if (p >= n) {
            return p;
        }
        Py_UCS4 c1 = PyUnicode_READ(kind, d, p);
        if (c1 == '[') {
            Py_ssize_t q = csi_run(kind, d, p + 1, n);
            return q >= 0 ? q : csi_body(kind, d, p + 1, n);
        }
        if (c1 == ']') {
            return string_body(kind, d, p + 1, n, 1);
        }
        if (c1 == 'P' || c1 == '_' || c1 == '^' || c1 == 'X') {
            return string_body(kind, d, p + 1, n, 0);
        }
        Py_ssize_t q = p;
        while (q < n && PyUnicode_READ(kind, d, q) >= 0x20 && PyUnicode_READ(kind, d, q) <= 0x2f) {
            q++;
        }
        if (q < n && PyUnicode_READ(kind, d, q) >= 0x30 && PyUnicode_READ(kind, d, q) <= 0x7e) {
            q++;
        }
        return q;
    }
    if (c0 == '\r') {
        if (p >= n || PyUnicode_READ(kind, d, p) != '\n') {
            return p;
        }
        Py_ssize_t q = p + 1;
        int lines = 0;
        while (bulk) {
            Py_ssize_t r = q;
            while (r < n && !is_ctrl(PyUnicode_READ(kind, d, r))) {
                r++;
            }
            if (r == q || r + 1 >= n || PyUnicode_READ(kind, d, r) != '\r' || PyUnicode_READ(kind, d, r + 1) != '\n') {
                break;
            }
            q = r + 2;
            lines++;
        }
        return lines >= 2 ? q : p + 1;
    }
    if (c0 == 0x9b) {
        return csi_body(kind, d, p, n);
    }
    if (c0 == 0x9d) {
        return string_body(kind, d, p, n, 1);
    }
    if (c0 == 0x90 || c0 == 0x98 || c0 == 0x9e || c0 == 0x9f) {
        return string_body(kind, d, p, n, 0);
    }
    return p;
}

static int
append_part(PyObject *out, PyObject *text, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *part = PyUnicode_Substring(text, a, b);
    if (part == NULL) {
        return -1;
    }
    int rc = PyList_Append(out, part);
    Py_DECREF(part);
    return rc;
}

PyDoc_STRVAR(split_doc,
"split(text, bulk, /)\n--\n\n"
"What stream.token_regex(bulk).split(text) returns: [text, token, text, ..., text].");

static PyObject *
fastpath_split(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "split(text: str, bulk: bool)");
        return NULL;
    }
    PyObject *text = args[0];
    int bulk = PyObject_IsTrue(args[1]);
    if (bulk < 0) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *d = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t start = 0, i = 0;
    while (i < n) {
        if (!is_ctrl(PyUnicode_READ(kind, d, i))) {
            i++;
            continue;
        }
        Py_ssize_t end = token_end(kind, d, i, n, bulk);
        if (append_part(out, text, start, i) || append_part(out, text, i, end)) {
            Py_DECREF(out);
            return NULL;
        }
        start = i = end;
    }
    if (append_part(out, text, start, n)) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------------------ cold page planes (cold.py's layout 2)
 * A page's bytes are u32 regions up to end4, u16 regions up to end2, then bytes. shuffle() writes byte k of every
 * u32 item as plane k (k = 0..3), then byte k of every u16 item (k = 0..1), then the rest as it is; unshuffle()
 * is its inverse. cold.py holds the reference in Python; both give identical bytes. */

static int
plane_bounds(PyObject *const *args, Py_ssize_t len, Py_ssize_t *end4, Py_ssize_t *end2)
{
    *end4 = PyLong_AsSsize_t(args[0]);
    *end2 = PyLong_AsSsize_t(args[1]);
    if ((*end4 == -1 || *end2 == -1) && PyErr_Occurred()) {
        return -1;
    }
    if (*end4 < 0 || *end4 % 4 || *end2 < *end4 || (*end2 - *end4) % 2 || *end2 > len) {
        PyErr_SetString(PyExc_ValueError, "plane ends out of order or not aligned");
        return -1;
    }
    return 0;
}

/* Written as one pass per region with all planes of an item handled together (a grouped access the compiler
 * vectorises at -O3, which these two functions ask for: about 10x faster than at -O2 on a 400 KiB page). */
#if defined(__GNUC__) && !defined(__clang__)
#define MUX_VECTORISE __attribute__((optimize("O3")))
#else
#define MUX_VECTORISE
#endif

static MUX_VECTORISE void
planes_split(const unsigned char *restrict in, unsigned char *restrict o, Py_ssize_t end4, Py_ssize_t end2,
             Py_ssize_t len)
{
    Py_ssize_t n4 = end4 / 4, n2 = (end2 - end4) / 2;
    unsigned char *restrict o0 = o, *restrict o1 = o + n4, *restrict o2 = o + 2 * n4, *restrict o3 = o + 3 * n4;
    for (Py_ssize_t i = 0; i < n4; i++) {
        o0[i] = in[4 * i];
        o1[i] = in[4 * i + 1];
        o2[i] = in[4 * i + 2];
        o3[i] = in[4 * i + 3];
    }
    const unsigned char *restrict h = in + end4;
    unsigned char *restrict h0 = o + end4, *restrict h1 = o + end4 + n2;
    for (Py_ssize_t i = 0; i < n2; i++) {
        h0[i] = h[2 * i];
        h1[i] = h[2 * i + 1];
    }
    memcpy(o + end2, in + end2, (size_t)(len - end2));
}

static MUX_VECTORISE void
planes_join(const unsigned char *restrict in, unsigned char *restrict o, Py_ssize_t end4, Py_ssize_t end2,
            Py_ssize_t len)
{
    Py_ssize_t n4 = end4 / 4, n2 = (end2 - end4) / 2;
    const unsigned char *restrict i0 = in, *restrict i1 = in + n4, *restrict i2 = in + 2 * n4,
                        *restrict i3 = in + 3 * n4;
    for (Py_ssize_t i = 0; i < n4; i++) {
        o[4 * i] = i0[i];
        o[4 * i + 1] = i1[i];
        o[4 * i + 2] = i2[i];
        o[4 * i + 3] = i3[i];
    }
    const unsigned char *restrict h0 = in + end4, *restrict h1 = in + end4 + n2;
    unsigned char *restrict h = o + end4;
    for (Py_ssize_t i = 0; i < n2; i++) {
        h[2 * i] = h0[i];
        h[2 * i + 1] = h1[i];
    }
    memcpy(o + end2, in + end2, (size_t)(len - end2));
}

PyDoc_STRVAR(shuffle_doc,
"shuffle(raw, out, end4, end2, /)\n--\n\n"
"Write raw's bytes as planes (see cold.shuffle_py, the reference) into the start of the writable buffer `out` (at\n"
"least as long): a buffer the caller reuses, since a new 400 KiB object per page costs its page faults.");

/* shuffle and unshuffle: `in` (args[0]) into the writable `out` (args[1]), through `transform`. */
static PyObject *
planes_into(PyObject *const *args, Py_ssize_t nargs, const char *usage,
            void (*transform)(const unsigned char *restrict, unsigned char *restrict, Py_ssize_t, Py_ssize_t,
                              Py_ssize_t))
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, usage);
        return NULL;
    }
    Py_buffer src, dst;
    if (PyObject_GetBuffer(args[0], &src, PyBUF_C_CONTIGUOUS) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &dst, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&src);
        return NULL;
    }
    Py_ssize_t end4, end2;
    if (dst.len < src.len) {
        PyErr_SetString(PyExc_ValueError, "out is shorter than the input");
    }
    else if (plane_bounds(args + 2, src.len, &end4, &end2) == 0) {
        Py_BEGIN_ALLOW_THREADS
        transform(src.buf, dst.buf, end4, end2, src.len);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&dst);
    PyBuffer_Release(&src);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
fastpath_shuffle(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return planes_into(args, nargs, "shuffle(raw, out, end4: int, end2: int)", planes_split);
}

PyDoc_STRVAR(unshuffle_doc,
"unshuffle(planes, out, end4, end2, /)\n--\n\n"
"Write the bytes shuffle() made `planes` of into the start of the writable buffer `out` (at least as long).");

static PyObject *
fastpath_unshuffle(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return planes_into(args, nargs, "unshuffle(planes, out, end4: int, end2: int)", planes_join);
}

/* ------------------------------------------------------------------ the cold page worker
 * One thread per process that turns hot pages into cold blobs without the GIL: planes (planes_split), zstd,
 * the CRC, and a named memfd holding the blob, so that a flood of output is parsed on one core while its history
 * is compressed on the other. cold.py owns the blob format and passes its constants in; pagelist.py owns which
 * pages go, and guarantees that a page's bytes do not change while its job is pending. zstd is not linked: its
 * functions are looked up in the library the Python zstd module already loaded (dlopen of that module's file, or
 * libzstd.so.1), with the prototypes of zstd's stable API below.
 *
 * Invariants:
 *  - The worker thread never touches a Python object or the GIL. A job holds a Py_buffer on the page's bytes
 *    (so the mapping cannot be unmapped under it); buffers are released only by collect/cancel, with the GIL.
 *  - Every memfd the worker creates is handed to Python by collect() exactly once, or closed by cancel() or
 *    dealloc; a job is in exactly one of queued, running, done.
 *  - After fork() the child sees no thread and no jobs (they belong to the parent's pages). */

#if defined(__linux__)
#define MUX_COLD_WORKER 1
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif

typedef void *(*zstd_create_fn)(void);
typedef size_t (*zstd_free_fn)(void *);
typedef size_t (*zstd_compress_fn)(void *, void *, size_t, const void *, size_t, int);
typedef size_t (*zstd_bound_fn)(size_t);
typedef unsigned (*zstd_is_error_fn)(size_t);

enum { COLD_HEADER_BYTES = 28, COLD_TAG_MAX = 48 };
/* collect()'s status for a job that made no blob: not worth it (the blob would not fit max_bytes), or failed. */
enum { COLD_NOT_WORTH = -1, COLD_FAILED = -2 };

typedef struct ColdJob {
    struct ColdJob *next;
    long long owner, id;
    Py_buffer src;
    Py_ssize_t end4, end2, max_bytes;
    char tag[COLD_TAG_MAX];
    int fd;                         /* the blob's memfd once done, or COLD_NOT_WORTH / COLD_FAILED */
    Py_ssize_t size;                /* the memfd's size (the blob rounded up to the OS page size), or an errno */
} ColdJob;

typedef struct {
    PyObject_HEAD
    pthread_mutex_t lock;
    pthread_cond_t work;            /* a job was queued, or stop */
    pthread_cond_t done;            /* a job finished */
    ColdJob *queued, *queued_tail, *running, *finished;
    int stop, started;
    pid_t pid;
    pthread_t thread;
    zstd_compress_fn compress;
    zstd_bound_fn bound;
    zstd_is_error_fn is_error;
    zstd_free_fn free_cctx;
    void *cctx;
    int level;
    unsigned char head[8];          /* magic (4), layout, codec, reserved (2): cold.py's values */
    unsigned char *planes, *out;    /* the worker's buffers, kept up to COLD_KEPT_BYTES */
    size_t planes_cap, out_cap;
    long page_size;
} ColdWorker;

enum { COLD_KEPT_BYTES = 1 << 20 };

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        for (int t = 1; t < 8; t++) {
            crc_table[t][n] = crc_table[0][crc_table[t - 1][n] & 0xFF] ^ (crc_table[t - 1][n] >> 8);
        }
    }
}

/* zlib's crc32(data, crc): CRC-32 continued from `crc` (slicing by 8). */
static uint32_t
crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^ crc_table[5][(lo >> 16) & 0xFF]
              ^ crc_table[4][lo >> 24] ^ crc_table[3][p[4]] ^ crc_table[2][p[5]] ^ crc_table[1][p[6]]
              ^ crc_table[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--) {
        crc = crc_table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    }
    return ~crc;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Grow a worker buffer to n bytes (contents not kept). 0 on success. */
static int
cold_reserve(unsigned char **buf, size_t *cap, size_t n)
{
    if (*cap >= n) {
        return 0;
    }
    free(*buf);
    *buf = malloc(n);
    *cap = *buf != NULL ? n : 0;
    return *buf != NULL ? 0 : -1;
}

static void
cold_trim(unsigned char **buf, size_t *cap)
{
    if (*cap > COLD_KEPT_BYTES) {     /* an oversized page's buffers are not kept for the next, standard, page */
        free(*buf);
        *buf = NULL;
        *cap = 0;
    }
}

/* Compress one job into a memfd (no GIL, the lock not held). Sets job->fd and job->size. */
static void
cold_run(ColdWorker *w, ColdJob *job)
{
    size_t len = (size_t)job->src.len;
    size_t bound = w->bound(len);
    job->fd = COLD_FAILED;
    job->size = ENOMEM;
    if (cold_reserve(&w->planes, &w->planes_cap, len) < 0
        || cold_reserve(&w->out, &w->out_cap, COLD_HEADER_BYTES + bound) < 0) {
        return;
    }
    planes_split(job->src.buf, w->planes, job->end4, job->end2, (Py_ssize_t)len);
    size_t pay = w->compress(w->cctx, w->out + COLD_HEADER_BYTES, bound, w->planes, len, w->level);
    cold_trim(&w->planes, &w->planes_cap);
    if (w->is_error(pay)) {
        job->size = EINVAL;
        cold_trim(&w->out, &w->out_cap);
        return;
    }
    unsigned char *h = w->out;      /* cold.py's header: magic layout codec reserved raw_len pay_len end4 end2 crc */
    memcpy(h, w->head, 8);
    put_u32(h + 8, (uint32_t)len);
    put_u32(h + 12, (uint32_t)pay);
    put_u32(h + 16, (uint32_t)job->end4);
    put_u32(h + 20, (uint32_t)job->end2);
    put_u32(h + 24, crc32_update(crc32_update(0, h, 24), h + COLD_HEADER_BYTES, pay));
    size_t blob = COLD_HEADER_BYTES + pay;
    size_t size = (blob + (size_t)w->page_size - 1) / (size_t)w->page_size * (size_t)w->page_size;
    if (size > (size_t)job->max_bytes) {
        job->fd = COLD_NOT_WORTH;
        job->size = 0;
        cold_trim(&w->out, &w->out_cap);
        return;
    }
    int fd = (int)syscall(SYS_memfd_create, job->tag, MFD_CLOEXEC);
    int err = 0;
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        err = errno;
    }
    for (size_t at = 0; err == 0 && at < blob;) {
        ssize_t n = pwrite(fd, w->out + at, blob - at, (off_t)at);
        if (n > 0) {
            at += (size_t)n;
        }
        else if (n == 0 || errno != EINTR) {
            err = n == 0 ? EIO : errno;     /* a write of nothing would loop forever */
        }
    }
    cold_trim(&w->out, &w->out_cap);
    if (err != 0) {
        if (fd >= 0) {
            close(fd);
        }
        job->size = err;
        return;
    }
    job->fd = fd;
    job->size = (Py_ssize_t)size;
}

static void *
cold_thread(void *arg)
{
    ColdWorker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->queued == NULL && !w->stop) {
            pthread_cond_wait(&w->work, &w->lock);
        }
        if (w->stop) {
            break;
        }
        ColdJob *job = w->queued;
        w->queued = job->next;
        if (w->queued == NULL) {
            w->queued_tail = NULL;
        }
        w->running = job;
        pthread_mutex_unlock(&w->lock);
        cold_run(w, job);
        pthread_mutex_lock(&w->lock);
        w->running = NULL;
        job->next = w->finished;
        w->finished = job;
        pthread_cond_broadcast(&w->done);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void
cold_free_job(ColdJob *job)
{
    if (job->fd >= 0) {
        close(job->fd);
    }
    PyBuffer_Release(&job->src);
    PyMem_Free(job);
}

/* After fork: the parent's thread and jobs are not the child's. Forget them (their buffers' objects are the
 * child's copies, so releasing them is right; their memfds are the child's copies too). */
static void
cold_after_fork(ColdWorker *w)
{
    if (w->pid == getpid()) {
        return;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    ColdJob *lists[3] = {w->queued, w->running, w->finished};
    for (int i = 0; i < 3; i++) {
        for (ColdJob *job = lists[i], *next; job != NULL; job = next) {
            next = job == w->running ? NULL : job->next;
            cold_free_job(job);
        }
    }
    w->queued = w->queued_tail = w->running = w->finished = NULL;
    w->started = 0;
    w->stop = 0;
    w->pid = getpid();
}

/* Jobs of `owner` not yet done (queued or running). Lock held. */
static int
cold_pending_locked(ColdWorker *w, long long owner)
{
    int n = w->running != NULL && w->running->owner == owner;
    for (ColdJob *job = w->queued; job != NULL; job = job->next) {
        n += job->owner == owner;
    }
    return n;
}

static int
cold_done_locked(ColdWorker *w, long long owner)
{
    for (ColdJob *job = w->finished; job != NULL; job = job->next) {
        if (job->owner == owner) {
            return 1;
        }
    }
    return 0;
}

/* Unlink and return `owner`'s oldest `most` finished jobs, oldest first. Lock held. */
static ColdJob *
cold_take_finished_locked(ColdWorker *w, long long owner, Py_ssize_t most)
{
    ColdJob *mine = NULL, **link = &w->finished;     /* finished is newest first: take the last `most` of owner's */
    Py_ssize_t skip = -most;
    for (ColdJob *job = w->finished; job != NULL; job = job->next) {
        skip += job->owner == owner;
    }
    while (*link != NULL) {
        ColdJob *job = *link;
        if (job->owner == owner && skip-- <= 0) {
            *link = job->next;
            job->next = mine;       /* pushed newest first, so `mine` ends oldest first */
            mine = job;
        }
        else {
            link = &job->next;
        }
    }
    return mine;
}

static void
cold_stop(ColdWorker *w)
{
    if (!w->started || w->pid != getpid()) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->lock);
    Py_BEGIN_ALLOW_THREADS
    pthread_join(w->thread, NULL);
    Py_END_ALLOW_THREADS
    w->started = 0;
    w->stop = 0;
}

static void
coldworker_dealloc(ColdWorker *w)
{
    cold_after_fork(w);
    cold_stop(w);
    ColdJob *lists[2] = {w->queued, w->finished};
    for (int i = 0; i < 2; i++) {
        for (ColdJob *job = lists[i], *next; job != NULL; job = next) {
            next = job->next;
            cold_free_job(job);
        }
    }
    if (w->cctx != NULL) {
        w->free_cctx(w->cctx);
    }
    free(w->planes);
    free(w->out);
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->lock);
    PyTypeObject *type = Py_TYPE(w);
    type->tp_free((PyObject *)w);
    Py_DECREF(type);
}

static PyObject *
coldworker_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"library", "level", "magic", "layout", "codec", NULL};
    const char *library;
    int level, layout, codec;
    Py_buffer magic;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "siy*ii:ColdWorker", keywords, &library, &level, &magic,
                                     &layout, &codec)) {
        return NULL;
    }
    if (magic.len != 4 || layout < 0 || layout > 255 || codec < 0 || codec > 255) {
        PyBuffer_Release(&magic);
        PyErr_SetString(PyExc_ValueError, "ColdWorker: magic is 4 bytes, layout and codec are bytes");
        return NULL;
    }
    void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    void *fns[5] = {NULL};
    static const char *names[5] = {"ZSTD_createCCtx", "ZSTD_freeCCtx", "ZSTD_compressCCtx", "ZSTD_compressBound",
                                   "ZSTD_isError"};
    for (int i = 0; lib != NULL && i < 5; i++) {
        fns[i] = dlsym(lib, names[i]);
    }
    if (lib == NULL || fns[0] == NULL || fns[1] == NULL || fns[2] == NULL || fns[3] == NULL || fns[4] == NULL) {
        PyBuffer_Release(&magic);
        PyErr_Format(PyExc_OSError, "ColdWorker: no zstd in %s", library);
        return NULL;
    }
    ColdWorker *w = (ColdWorker *)type->tp_alloc(type, 0);
    if (w == NULL) {
        PyBuffer_Release(&magic);
        return NULL;
    }
    /* dlsym returns void *; POSIX guarantees that it converts to a function pointer. */
    zstd_create_fn create;
    memcpy(&create, &fns[0], sizeof create);
    memcpy(&w->free_cctx, &fns[1], sizeof w->free_cctx);
    memcpy(&w->compress, &fns[2], sizeof w->compress);
    memcpy(&w->bound, &fns[3], sizeof w->bound);
    memcpy(&w->is_error, &fns[4], sizeof w->is_error);
    memcpy(w->head, magic.buf, 4);
    PyBuffer_Release(&magic);
    w->head[4] = (unsigned char)layout;
    w->head[5] = (unsigned char)codec;
    w->head[6] = w->head[7] = 0;
    w->level = level;
    w->page_size = sysconf(_SC_PAGESIZE);
    w->pid = getpid();
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    pthread_once(&crc_once, crc_init);
    w->cctx = create();
    if (w->cctx == NULL) {
        Py_DECREF(w);
        return PyErr_NoMemory();
    }
    return (PyObject *)w;
}

PyDoc_STRVAR(coldworker_submit_doc,
"submit(owner, job, raw, end4, end2, max_bytes, tag, /)\n--\n\n"
"Queue a page's bytes `raw` (a buffer held until the job is collected or cancelled, and not to be written\n"
"meanwhile) to become a cold blob in a memfd named `tag`, unless the blob's mapping would exceed max_bytes.");

static PyObject *
coldworker_submit(ColdWorker *w, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "submit(owner, job, raw, end4, end2, max_bytes, tag)");
        return NULL;
    }
    cold_after_fork(w);
    ColdJob *job = PyMem_Calloc(1, sizeof *job);
    if (job == NULL) {
        return PyErr_NoMemory();
    }
    job->fd = COLD_FAILED;
    job->owner = PyLong_AsLongLong(args[0]);
    job->id = PyLong_AsLongLong(args[1]);
    job->end4 = PyLong_AsSsize_t(args[3]);
    job->end2 = PyLong_AsSsize_t(args[4]);
    job->max_bytes = PyLong_AsSsize_t(args[5]);
    Py_ssize_t tag_len = 0;
    const char *tag = PyUnicode_Check(args[6]) ? PyUnicode_AsUTF8AndSize(args[6], &tag_len) : NULL;
    if (PyErr_Occurred() || tag == NULL || tag_len >= COLD_TAG_MAX || (Py_ssize_t)strlen(tag) != tag_len) {
        PyMem_Free(job);
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "submit: tag must be a short str without NUL");
        }
        return NULL;
    }
    memcpy(job->tag, tag, (size_t)tag_len + 1);
    if (PyObject_GetBuffer(args[2], &job->src, PyBUF_C_CONTIGUOUS) < 0) {
        PyMem_Free(job);
        return NULL;
    }
    Py_ssize_t len = job->src.len;
    if (job->end4 < 0 || job->end4 % 4 || job->end2 < job->end4 || (job->end2 - job->end4) % 2 || job->end2 > len
        || len > UINT32_MAX || job->max_bytes < 0) {
        cold_free_job(job);
        PyErr_SetString(PyExc_ValueError, "submit: plane ends out of order, not aligned, or past the page");
        return NULL;
    }
    if (!w->started) {
        /* Signals stay with the main thread, where Python handles them. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int err = pthread_create(&w->thread, NULL, cold_thread, w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (err != 0) {
            cold_free_job(job);
            errno = err;
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        w->started = 1;
    }
    pthread_mutex_lock(&w->lock);
    if (w->queued_tail == NULL) {
        w->queued = job;
    }
    else {
        w->queued_tail->next = job;
    }
    w->queued_tail = job;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(coldworker_collect_doc,
"collect(owner, wait, most, /)\n--\n\n"
"The oldest `most` finished jobs of `owner`, oldest first, as (job, fd, size): fd is the blob's memfd (the\n"
"caller's to map and close) of `size` bytes, or COLD_NOT_WORTH (size 0), or COLD_FAILED (size is an errno). With\n"
"`wait`, blocks (without the GIL) until at least one of owner's jobs is finished, unless none is pending.");

static PyObject *
coldworker_collect(ColdWorker *w, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "collect(owner, wait, most)");
        return NULL;
    }
    long long owner = PyLong_AsLongLong(args[0]);
    int wait = PyObject_IsTrue(args[1]);
    Py_ssize_t most = PyLong_AsSsize_t(args[2]);
    if ((owner == -1 || most == -1) && PyErr_Occurred()) {
        return NULL;
    }
    if (wait < 0) {
        return NULL;
    }
    cold_after_fork(w);
    ColdJob *mine;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&w->lock);
    while (wait && !cold_done_locked(w, owner) && cold_pending_locked(w, owner)) {
        pthread_cond_wait(&w->done, &w->lock);
    }
    mine = cold_take_finished_locked(w, owner, most);
    pthread_mutex_unlock(&w->lock);
    Py_END_ALLOW_THREADS
    PyObject *out = PyList_New(0);
    for (ColdJob *job = mine, *next; job != NULL; job = next) {
        next = job->next;
        PyObject *item = out != NULL ? Py_BuildValue("(Lin)", job->id, job->fd, job->size) : NULL;
        if (item != NULL && PyList_Append(out, item) == 0) {
            job->fd = -1;           /* the caller's now */
        }
        else if (out != NULL) {     /* out of memory: close the memfds already listed too, then raise */
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(out); i++) {
                int fd = (int)PyLong_AsLong(PyTuple_GET_ITEM(PyList_GET_ITEM(out, i), 1));
                if (fd >= 0) {
                    close(fd);
                }
            }
            Py_CLEAR(out);
        }
        Py_XDECREF(item);
        cold_free_job(job);         /* on an error, closes the memfds the caller did not get */
    }
    return out;
}

PyDoc_STRVAR(coldworker_cancel_doc,
"cancel(owner, /)\n--\n\n"
"Drop `owner`'s queued jobs, wait for its running one, and close the memfds of its finished ones.");

static PyObject *
coldworker_cancel(ColdWorker *w, PyObject *arg)
{
    long long owner = PyLong_AsLongLong(arg);
    if (owner == -1 && PyErr_Occurred()) {
        return NULL;
    }
    cold_after_fork(w);
    ColdJob *dropped = NULL, *finished;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&w->lock);
    ColdJob **link = &w->queued;
    w->queued_tail = NULL;
    while (*link != NULL) {
        ColdJob *job = *link;
        if (job->owner == owner) {
            *link = job->next;
            job->next = dropped;
            dropped = job;
        }
        else {
            w->queued_tail = job;
            link = &job->next;
        }
    }
    while (w->running != NULL && w->running->owner == owner) {
        pthread_cond_wait(&w->done, &w->lock);
    }
    finished = cold_take_finished_locked(w, owner, PY_SSIZE_T_MAX);
    pthread_mutex_unlock(&w->lock);
    Py_END_ALLOW_THREADS
    ColdJob *lists[2] = {dropped, finished};
    for (int i = 0; i < 2; i++) {
        for (ColdJob *job = lists[i], *next; job != NULL; job = next) {
            next = job->next;
            cold_free_job(job);
        }
    }
    Py_RETURN_NONE;
}

PyDoc_STRVAR(coldworker_pending_doc,
"pending(owner, /)\n--\n\nHow many of `owner`'s jobs are queued or running.");

static PyObject *
coldworker_pending(ColdWorker *w, PyObject *arg)
{
    long long owner = PyLong_AsLongLong(arg);
    if (owner == -1 && PyErr_Occurred()) {
        return NULL;
    }
    cold_after_fork(w);
    pthread_mutex_lock(&w->lock);
    int n = cold_pending_locked(w, owner);
    pthread_mutex_unlock(&w->lock);
    return PyLong_FromLong(n);
}

static PyMethodDef coldworker_methods[] = {
    {"submit", (PyCFunction)(void (*)(void))coldworker_submit, METH_FASTCALL, coldworker_submit_doc},
    {"collect", (PyCFunction)(void (*)(void))coldworker_collect, METH_FASTCALL, coldworker_collect_doc},
    {"cancel", (PyCFunction)coldworker_cancel, METH_O, coldworker_cancel_doc},
    {"pending", (PyCFunction)coldworker_pending, METH_O, coldworker_pending_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(coldworker_doc,
"ColdWorker(library, level, magic, layout, codec)\n--\n\n"
"A thread that compresses pages into cold blobs (see fastpath.c) with the zstd found in `library`.");

static PyType_Slot coldworker_slots[] = {
    {Py_tp_new, coldworker_new},
    {Py_tp_dealloc, coldworker_dealloc},
    {Py_tp_methods, coldworker_methods},
    {Py_tp_doc, (void *)coldworker_doc},
    {0, NULL},
};

static PyType_Spec coldworker_spec = {
    .name = "mux.terminal._fastpath.ColdWorker",
    .basicsize = sizeof(ColdWorker),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = coldworker_slots,
};
#endif  /* __linux__ */

PyDoc_STRVAR(dispatch_doc,
"dispatch(parts, terminal, draw, cache, compile, /)\n--\n\n"
"Run [text, token, text, ..., text] against a Terminal as Stream._dispatch does, the hot subset in C.\n"
"Returns the number of handler errors swallowed.");

static PyObject *
fastpath_dispatch(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 5 || !PyList_Check(args[0]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "dispatch(parts: list, terminal, draw, cache: dict, compile)");
        return NULL;
    }
    if (!K.ready) {
        PyErr_SetString(PyExc_RuntimeError, "configure() was not called");
        return NULL;
    }
    Ctx c;
    memset(&c, 0, sizeof c);
    c.terminal = args[1];
    c.draw = args[2];
    c.cache = args[3];
    c.compile = args[4];
    PyObject *parts = args[0];
    Py_INCREF(parts);
    int rc = load(&c);
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(parts); i++) {
        PyObject *part = PyList_GET_ITEM(parts, i);
        if (!PyUnicode_Check(part)) {
            PyErr_SetString(PyExc_TypeError, "parts are strings");
            rc = -1;
            break;
        }
        Py_INCREF(part);
        rc = (i & 1) ? token(&c, part) : draw_text(&c, part);
        Py_DECREF(part);
    }
    if (rc == 0) {
        rc = store(&c);
    } else {
        /* Keep the page list's counters true even when this dispatch stops on an internal error. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        if (flush_grow(&c)) {
            PyErr_Clear();
        }
        PyErr_Restore(type, value, tb);
    }
    ctx_free(&c);
    Py_DECREF(parts);
    if (rc) {
        return NULL;
    }
    return PyLong_FromSsize_t(c.errors);
}

static int
limit_of(PyObject *constants, const char *name, long lo, long hi, long *out)
{
    PyObject *v = PyDict_GetItemString(constants, name);
    if (v == NULL) {
        PyErr_Format(PyExc_KeyError, "configure() needs %s", name);
        return -1;
    }
    long n = PyLong_AsLong(v);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (n < lo || n > hi) {
        PyErr_Format(PyExc_ValueError, "%s out of range", name);
        return -1;
    }
    *out = n;
    return 0;
}

static int
flag_of(PyObject *constants, const char *name, unsigned *out)
{
    long bit;
    if (limit_of(constants, name, 1, 0xFFFF, &bit)) {
        return -1;
    }
    *out = (unsigned)bit;
    return 0;
}

static int
table_of(PyObject *constants, const char *name, long *table)
{
    PyObject *d = PyDict_GetItemString(constants, name);
    if (d == NULL || !PyDict_Check(d)) {
        PyErr_Format(PyExc_KeyError, "configure() needs %s (a dict)", name);
        return -1;
    }
    memset(table, 0, sizeof(long) * SGR_TABLE);
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &key, &value)) {
        long k = PyLong_AsLong(key), v = PyLong_AsLong(value);
        if (PyErr_Occurred()) {
            return -1;
        }
        if (k < 0 || k >= SGR_TABLE || v <= 0) {
            PyErr_Format(PyExc_ValueError, "%s: parameter %ld out of range", name, k);
            return -1;
        }
        table[k] = v;
    }
    return 0;
}

PyDoc_STRVAR(configure_doc,
"configure(constants, default_style, plain_private, page_overflow, zone_memo, zone_cells, /)\n--\n\n"
"The one definition of every constant the kernel uses: page.py's CELL_* and ROW_* flags, STYLE_WORDS and MAP_HASH, the stream's limits\n"
"(CSI_MAX, PARAM_MAX, MAX_PARAMS, OSC_MAX), styles.py's SGR tables and bits (SGR_SETS, SGR_RESETS, UNDERLINE_SHIFT,\n"
"UNDERLINE_MASK, COLOR_PALETTE, COLOR_RGB, SGR_KEEPS), terminal.PROTECT_ISO; styles.DEFAULT_STYLE, terminal.PLAIN_PRIVATE, page.PageOverflow,\n"
"screen.ZONE_CELLS and screen.zone_cells.");

static PyObject *
fastpath_configure(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 6 || !PyDict_Check(args[0]) || !PyTuple_Check(args[1]) || !PyAnySet_Check(args[2])
        || !PyExceptionClass_Check(args[3]) || !PyDict_CheckExact(args[4]) || !PyCallable_Check(args[5])) {
        PyErr_SetString(PyExc_TypeError, "configure(constants: dict, default_style: tuple, plain_private: set, "
                                         "page_overflow, zone_memo: dict, zone_cells)");
        return NULL;
    }
    PyObject *cs = args[0];
    unsigned graph, link;
    if (flag_of(cs, "CELL_WIDE", &K.cell_wide) || flag_of(cs, "CELL_SPACER_TAIL", &K.cell_tail)
        || flag_of(cs, "CELL_SPACER_HEAD", &K.cell_head) || flag_of(cs, "CELL_GRAPHEME", &graph)
        || flag_of(cs, "CELL_HYPERLINK", &link) || flag_of(cs, "ROW_WRAP", &K.row_wrap)
        || flag_of(cs, "ROW_WRAP_CONTINUATION", &K.row_cont) || flag_of(cs, "ROW_DIRTY", &K.row_dirty)
        || flag_of(cs, "ROW_EXTRAS", &K.row_extras) || flag_of(cs, "ROW_CARRIED", &K.row_carried)
        || flag_of(cs, "ROW_HYPERLINK", &K.row_link)) {
        return NULL;
    }
    long max_params;
    if (limit_of(cs, "CSI_MAX", 3, 1 << 20, &K.csi_max) || limit_of(cs, "PARAM_MAX", 1, 1 << 24, &K.param_max)
        || limit_of(cs, "MAX_PARAMS", 2, SUBS_CAP, &max_params) || limit_of(cs, "OSC_MAX", 1, 1L << 30, &K.osc_max)
        || limit_of(cs, "STYLE_WORDS", 1, 64, &K.style_words)
        || limit_of(cs, "UNDERLINE_SHIFT", 0, 24, &K.underline_shift)
        || limit_of(cs, "UNDERLINE_MASK", 1, 1L << 30, &K.underline_mask)
        || limit_of(cs, "COLOR_PALETTE", 1, 1L << 30, &K.color_palette)
        || limit_of(cs, "COLOR_RGB", 1, 1L << 30, &K.color_rgb)
        || limit_of(cs, "SGR_KEEPS", 0, 1L << 30, &K.sgr_keeps)
        || limit_of(cs, "PROTECT_ISO", 1, 1L << 30, &K.protect_iso)
        || table_of(cs, "SGR_SETS", K.sgr_sets) || table_of(cs, "SGR_RESETS", K.sgr_resets)) {
        return NULL;
    }
    K.max_params = (int)max_params;
    K.cell_extras = graph | link;
    K.cell_link = link;
    long map_hash;
    if (limit_of(cs, "MAP_HASH", 1, 0xFFFFFFFFL, &map_hash)) {
        return NULL;
    }
    K.map_hash = (uint64_t)map_hash;
    Py_XSETREF(K.default_style, Py_NewRef(args[1]));
    Py_XSETREF(K.plain_private, Py_NewRef(args[2]));
    Py_XSETREF(K.page_overflow, Py_NewRef(args[3]));
    Py_XSETREF(K.zone_memo, Py_NewRef(args[4]));
    Py_XSETREF(K.zone_cells, Py_NewRef(args[5]));
    K.ready = 1;
    Py_RETURN_NONE;
}

static int
kernel_init_names(void)
{
#define NAME(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return -1
    NAME(S_screen, "screen"); NAME(S_modes, "modes"); NAME(S_x, "x"); NAME(S_y, "y");
    NAME(S_pending_wrap, "pending_wrap"); NAME(S_pen, "pen"); NAME(S_link, "link"); NAME(S_locs, "locs");
    NAME(S_columns, "columns"); NAME(S_lines, "lines"); NAME(S_keeps_history, "keeps_history");
    NAME(S_last_char, "last_char"); NAME(S_last_cluster, "last_cluster"); NAME(S_last_pos, "last_pos");
    NAME(S_run, "run"); NAME(S_pages, "pages"); NAME(S_autowrap, "autowrap"); NAME(S_insert, "insert");
    NAME(S_translate, "translate"); NAME(S_margin_top, "margin_top"); NAME(S_margin_bottom, "margin_bottom");
    NAME(S_margin_left, "margin_left"); NAME(S_margin_right, "margin_right"); NAME(S_reverse_wrap, "reverse_wrap");
    NAME(S_origin, "origin"); NAME(S_clustering, "clustering"); NAME(S_newline, "newline");
    NAME(S_flush, "flush"); NAME(S_regrow, "regrow"); NAME(S_mark_link, "mark_link"); NAME(S_index, "index");
    NAME(S_linefeed, "linefeed"); NAME(S_grow, "grow"); NAME(S_forget_extras, "forget_extras");
    NAME(S_cols, "cols"); NAME(S_slots, "slots"); NAME(S_cp, "cp"); NAME(S_st, "st"); NAME(S_fl, "fl");
    NAME(S_rflags, "rflags"); NAME(S_style_ids, "style_ids"); NAME(S_empty, ""); NAME(S_dec, "dec");
    NAME(S_intern_style, "intern_style"); NAME(S_last, "last"); NAME(S_limit_lines, "limit_lines");
    NAME(S_rows_used, "rows_used"); NAME(S_prune_pending, "prune_pending"); NAME(S_total_rows, "total_rows");
    NAME(S_rows, "rows"); NAME(S_set_hyperlink, "set_hyperlink");
    NAME(S_rotate_region, "rotate_region"); NAME(S_styles, "styles");
    NAME(S_link_ids, "link_ids"); NAME(S_hmap, "hmap"); NAME(S_link_cells, "link_cells");
    NAME(S_intern_hyperlink, "intern_hyperlink"); NAME(S_set_grapheme, "set_grapheme");
    NAME(S_protection, "protection");
#undef NAME
    return 0;
}

static PyMethodDef fastpath_methods[] = {
    {"width_class", fastpath_width_class, METH_O, width_class_doc},
    {"dispatch", (PyCFunction)(void (*)(void))fastpath_dispatch, METH_FASTCALL, dispatch_doc},
    {"configure", (PyCFunction)(void (*)(void))fastpath_configure, METH_FASTCALL, configure_doc},
    {"split", (PyCFunction)(void (*)(void))fastpath_split, METH_FASTCALL, split_doc},
    {"shuffle", (PyCFunction)(void (*)(void))fastpath_shuffle, METH_FASTCALL, shuffle_doc},
    {"unshuffle", (PyCFunction)(void (*)(void))fastpath_unshuffle, METH_FASTCALL, unshuffle_doc},
    {NULL, NULL, 0, NULL},
};

static int
fastpath_exec(PyObject *module)
{
    if (kernel_init_names() < 0) {
        return -1;
    }
    if (!mux_width_table_ok()) {
        PyErr_SetString(PyExc_ImportError, "mux width table is corrupt (a block number or class out of range)");
        return -1;
    }
    if (PyModule_AddStringConstant(module, "WIDTH_TABLE_WCWIDTH_VERSION", MUX_WT_WCWIDTH_VERSION) < 0
        || PyModule_AddIntConstant(module, "WIDTH_TABLE_BLOCKS", (long)MUX_WT_NBLOCKS) < 0
        || PyModule_AddIntConstant(module, "JOINS", MUX_JOINS) < 0
        || PyModule_AddIntConstant(module, "NARROW", MUX_NARROW) < 0
        || PyModule_AddIntConstant(module, "WIDE", MUX_WIDE) < 0) {
        return -1;
    }
#ifdef MUX_COLD_WORKER
    PyObject *worker = PyType_FromModuleAndSpec(module, &coldworker_spec, NULL);
    if (worker == NULL || PyModule_AddObject(module, "ColdWorker", worker) < 0) {
        Py_XDECREF(worker);
        return -1;
    }
    if (PyModule_AddIntConstant(module, "COLD_NOT_WORTH", COLD_NOT_WORTH) < 0
        || PyModule_AddIntConstant(module, "COLD_FAILED", COLD_FAILED) < 0) {
        return -1;
    }
#endif
    return 0;
}

static PyModuleDef_Slot fastpath_slots[] = {
    {Py_mod_exec, (void *)fastpath_exec},
    {0, NULL},
};

PyDoc_STRVAR(fastpath_doc,
"mux's compiled hot path. Import it only through mux.terminal.fastpath, which decides whether it is used.");

static struct PyModuleDef fastpath_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mux.terminal._fastpath",
    .m_doc = fastpath_doc,
    .m_size = 0,
    .m_methods = fastpath_methods,
    .m_slots = fastpath_slots,
};

PyMODINIT_FUNC
PyInit__fastpath(void)
{
    return PyModuleDef_Init(&fastpath_module);
}
