/* A store's object cache, compiled: the LRU of objects and its pending writes, and the get and put a task
 * calls for nearly every message.
 *
 * ObjectCache(cache_size, write_batch_size, inner_get, store)
 *     Keys and their objects, least recently used first, each also marked dirty (a write not yet in the inner
 *     store; dirty keys in the order of their last write). One dict maps a key to its node; the node carries
 *     both orders as links, so a hit, a re-write or an eviction is one dict operation and a few pointers
 *     (an OrderedDict and a dict of pending writes took about seven lookups a message). When more than
 *     cache_size keys are cached the eldest goes; when it is dirty, store._write_dirty() writes every pending
 *     write first (it reads pending() and calls mark_clean()), and if that raises nothing is evicted.
 *     lookup(key, default), remember(key, value), pending(), mark_clean(), keys(), dirty_count, cache_size,
 *     write_batch_size, len().
 * CachedGet(cache, gets, null_key)(key)
 *     gets.count += 1; a null key raises ValueError(null_key) unless null_key is None. A cached key moves to
 *     the most recently used end and its object is the answer; otherwise inner_get(key) is read and cached
 *     (a miss is cached too, as None), then the cache makes room.
 * CachedPut(cache, puts, null_key, null_value)(key, value)
 *     puts.count += 1; null checks as above. The value is cached at the most recently used end and becomes
 *     the key's pending write, at the newest end; the cache makes room; store._write_dirty() runs when
 *     write_batch_size writes are pending.
 * samza_py.storage.object_cache.PythonObjectCache and samza_py.storage.cached's closures are the reference,
 * and what runs where this module was not built; the tests run both.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#include "_counter.h"

static PyObject *s_count, *s__write_dirty;

typedef struct ObjectCache ObjectCache;

/* One cached key. The cache's dict holds the node; the node holds the key and its object. */
typedef struct Node {
    PyObject_HEAD
    PyObject *key, *value;
    ObjectCache *owner;  /* borrowed; NULL once unlinked from the LRU order */
    struct Node *older, *newer;              /* the LRU order */
    struct Node *dirty_older, *dirty_newer;  /* the pending writes, when dirty */
    char dirty;
} Node;

struct ObjectCache {
    PyObject_HEAD
    PyObject *index;  /* key -> Node */
    Node *eldest, *newest;
    Node *dirty_eldest, *dirty_newest;
    Py_ssize_t dirty_count, cache_size, write_batch_size;
    PyObject *inner_get, *store;
};

static PyTypeObject NodeType, ObjectCacheType;

static void
unlink_dirty(Node *node)
{
    ObjectCache *cache = node->owner;
    if (!node->dirty || cache == NULL) {
        return;
    }
    if (node->dirty_older) node->dirty_older->dirty_newer = node->dirty_newer;
    else cache->dirty_eldest = node->dirty_newer;
    if (node->dirty_newer) node->dirty_newer->dirty_older = node->dirty_older;
    else cache->dirty_newest = node->dirty_older;
    node->dirty_older = node->dirty_newer = NULL;
    node->dirty = 0;
    cache->dirty_count--;
}

/* The node's key gets the newest pending write (a re-write moves it there). */
static void
mark_dirty(ObjectCache *cache, Node *node)
{
    unlink_dirty(node);
    node->dirty_older = cache->dirty_newest;
    node->dirty_newer = NULL;
    if (cache->dirty_newest) cache->dirty_newest->dirty_newer = node;
    else cache->dirty_eldest = node;
    cache->dirty_newest = node;
    node->dirty = 1;
    cache->dirty_count++;
}

static void
unlink_lru(Node *node)
{
    ObjectCache *cache = node->owner;
    if (cache == NULL) {
        return;
    }
    unlink_dirty(node);
    if (node->older) node->older->newer = node->newer;
    else cache->eldest = node->newer;
    if (node->newer) node->newer->older = node->older;
    else cache->newest = node->older;
    node->older = node->newer = NULL;
    node->owner = NULL;
}

static void
append_lru(ObjectCache *cache, Node *node)
{
    node->owner = cache;
    node->older = cache->newest;
    node->newer = NULL;
    if (cache->newest) cache->newest->newer = node;
    else cache->eldest = node;
    cache->newest = node;
}

static void
touch(ObjectCache *cache, Node *node)
{
    if (node->owner == NULL) {
        /* In the dict but not linked: only when a key's __eq__ or an object's finalizer re-entered the cache
         * in the middle of an insert or eviction. Linked again, so that the orders stay whole. */
        append_lru(cache, node);
    }
    else if (cache->newest != node) {
        if (node->older) node->older->newer = node->newer;
        else cache->eldest = node->newer;
        node->newer->older = node->older;  /* not the newest: it has a newer one */
        append_lru(cache, node);
    }
}

static void
node_dealloc(Node *node)
{
    unlink_lru(node);  /* a node the dict let go of while still linked (a key's __eq__ re-entering) */
    Py_XDECREF(node->key);
    Py_XDECREF(node->value);
    PyObject_Free(node);
}

/* The node of a cached key (borrowed), or NULL: not cached (no error) or an error (the key's hash or eq). */
static Node *
find(ObjectCache *cache, PyObject *key)
{
    if (cache->index == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the store cache was cleared");
        return NULL;
    }
    return (Node *)PyDict_GetItemWithError(cache->index, key);
}

/* Cache a key at the most recently used end unless it is cached already (one dict lookup either way: the
 * caller may have run Python code since it last looked). *node is the key's node (borrowed). 1 when added
 * (the caller makes room after), 0 when it was cached, -1 with an error. */
static int
insert(ObjectCache *cache, PyObject *key, PyObject *value, Node **node)
{
    if (cache->index == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the store cache was cleared");
        return -1;
    }
    Node *fresh = PyObject_New(Node, &NodeType);
    if (fresh == NULL) {
        return -1;
    }
    fresh->key = Py_NewRef(key);
    fresh->value = Py_NewRef(value);
    fresh->owner = NULL;
    fresh->older = fresh->newer = fresh->dirty_older = fresh->dirty_newer = NULL;
    fresh->dirty = 0;
    *node = (Node *)PyDict_SetDefault(cache->index, key, (PyObject *)fresh);
    int added = *node == fresh;
    if (added) {
        append_lru(cache, fresh);
    }
    Py_DECREF(fresh);  /* the dict's reference keeps it when added; otherwise it goes, never linked */
    return *node == NULL ? -1 : added;
}

/* Evict from the least recently used end until at most cache_size keys are cached; a dirty eldest first has
 * every pending write written by the store. 0, or -1 with the write's error (nothing evicted then). */
static int
make_room(ObjectCache *cache)
{
    while (cache->index != NULL && PyDict_GET_SIZE(cache->index) > cache->cache_size && cache->eldest != NULL) {
        Node *eldest = cache->eldest;
        if (eldest->dirty) {
            PyObject *written = PyObject_CallMethodNoArgs(cache->store, s__write_dirty);
            if (written == NULL) {
                return -1;
            }
            Py_DECREF(written);
            if (cache->eldest == eldest && eldest->dirty) {
                PyErr_SetString(PyExc_RuntimeError, "the store's _write_dirty left the eldest write pending");
                return -1;
            }
            continue;  /* the eldest may have changed meanwhile */
        }
        PyObject *key = Py_NewRef(eldest->key);
        unlink_lru(eldest);
        int failed = PyDict_DelItem(cache->index, key);
        Py_DECREF(key);
        if (failed) {
            return -1;
        }
    }
    return 0;
}

/* ObjectCache's methods, for the Python side of the store (get_all, flush, tests). */

static PyObject *
cache_lookup(ObjectCache *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "lookup takes a key and a default");
        return NULL;
    }
    Node *node = find(self, args[0]);
    if (node == NULL) {
        return PyErr_Occurred() ? NULL : Py_NewRef(args[1]);
    }
    touch(self, node);
    return Py_NewRef(node->value);
}

static PyObject *
cache_remember(ObjectCache *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "remember takes a key and a value");
        return NULL;
    }
    Node *node;
    int added = insert(self, args[0], args[1], &node);
    if (added == 0) {
        touch(self, node);  /* the cached object is at least as new as the inner store's */
    }
    else if (added < 0 || make_room(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
cache_pending(ObjectCache *self, PyObject *unused)
{
    PyObject *pairs = PyList_New(self->dirty_count);
    if (pairs == NULL) {
        return NULL;
    }
    Py_ssize_t i = 0;
    for (Node *node = self->dirty_eldest; node != NULL; node = node->dirty_newer, i++) {
        PyObject *pair = PyTuple_Pack(2, node->key, node->value);
        if (pair == NULL) {
            Py_DECREF(pairs);
            return NULL;
        }
        PyList_SET_ITEM(pairs, i, pair);
    }
    return pairs;
}

static PyObject *
cache_mark_clean(ObjectCache *self, PyObject *unused)
{
    while (self->dirty_eldest != NULL) {
        unlink_dirty(self->dirty_eldest);
    }
    Py_RETURN_NONE;
}

static PyObject *
cache_keys(ObjectCache *self, PyObject *unused)
{
    PyObject *keys = PyList_New(0);
    for (Node *node = self->eldest; keys != NULL && node != NULL; node = node->newer) {
        if (PyList_Append(keys, node->key) < 0) {
            Py_CLEAR(keys);
        }
    }
    return keys;
}

static PyObject *
cache_dirty_count(ObjectCache *self, void *unused)
{
    return PyLong_FromSsize_t(self->dirty_count);
}

static PyObject *
cache_cache_size(ObjectCache *self, void *unused)
{
    return PyLong_FromSsize_t(self->cache_size);
}

static PyObject *
cache_write_batch_size(ObjectCache *self, void *unused)
{
    return PyLong_FromSsize_t(self->write_batch_size);
}

static Py_ssize_t
cache_len(ObjectCache *self)
{
    return self->index == NULL ? 0 : PyDict_GET_SIZE(self->index);
}

static PyObject *
cache_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"cache_size", "write_batch_size", "inner_get", "store", NULL};
    Py_ssize_t cache_size, write_batch_size;
    PyObject *inner_get, *store;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "nnOO:ObjectCache", names, &cache_size, &write_batch_size,
                                     &inner_get, &store)) {
        return NULL;
    }
    if (cache_size < 1 || write_batch_size < 1) {
        PyErr_Format(PyExc_ValueError, "cache size and write batch size must be at least 1, got %zd and %zd",
                     cache_size, write_batch_size);
        return NULL;
    }
    ObjectCache *self = (ObjectCache *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->index = PyDict_New();
    if (self->index == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->cache_size = cache_size;
    self->write_batch_size = write_batch_size;
    self->inner_get = Py_NewRef(inner_get);
    self->store = Py_NewRef(store);
    return (PyObject *)self;
}

/* The nodes are not tracked by the collector: the cache reports their keys and objects as its own. */
static int
cache_traverse(ObjectCache *self, visitproc visit, void *arg)
{
    for (Node *node = self->eldest; node != NULL; node = node->newer) {
        Py_VISIT(node->key);
        Py_VISIT(node->value);
    }
    Py_VISIT(self->index);
    Py_VISIT(self->inner_get);
    Py_VISIT(self->store);
    return 0;
}

static int
cache_clear(ObjectCache *self)
{
    while (self->eldest != NULL) {
        unlink_lru(self->eldest);
    }
    Py_CLEAR(self->index);  /* frees the nodes */
    Py_CLEAR(self->inner_get);
    Py_CLEAR(self->store);
    return 0;
}

static void
cache_dealloc(ObjectCache *self)
{
    PyObject_GC_UnTrack(self);
    cache_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef cache_methods[] = {
    {"lookup", (PyCFunction)(void (*)(void))cache_lookup, METH_FASTCALL,
     "lookup(key, default): the cached object (now the most recently used), or default."},
    {"remember", (PyCFunction)(void (*)(void))cache_remember, METH_FASTCALL,
     "remember(key, value): cache a value read from the inner store (clean), unless the key is cached."},
    {"pending", (PyCFunction)cache_pending, METH_NOARGS, "The pending writes as (key, object), oldest first."},
    {"mark_clean", (PyCFunction)cache_mark_clean, METH_NOARGS, "Forget the pending writes (they were written)."},
    {"keys", (PyCFunction)cache_keys, METH_NOARGS, "The cached keys, least recently used first."},
    {NULL},
};

static PyGetSetDef cache_getset[] = {
    {"dirty_count", (getter)cache_dirty_count, NULL, "How many writes are pending.", NULL},
    {"cache_size", (getter)cache_cache_size, NULL, "How many keys stay cached.", NULL},
    {"write_batch_size", (getter)cache_write_batch_size, NULL, "How many pending writes make a batch.", NULL},
    {NULL},
};

static PySequenceMethods cache_as_sequence = {.sq_length = (lenfunc)cache_len};

static PyTypeObject ObjectCacheType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py._store_cache.ObjectCache",
    .tp_doc = "A store's LRU of objects and its pending writes: see the module's doc.",
    .tp_basicsize = sizeof(ObjectCache),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = cache_new,
    .tp_traverse = (traverseproc)cache_traverse,
    .tp_clear = (inquiry)cache_clear,
    .tp_dealloc = (destructor)cache_dealloc,
    .tp_methods = cache_methods,
    .tp_getset = cache_getset,
    .tp_as_sequence = &cache_as_sequence,
};

static PyTypeObject NodeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py._store_cache._Node",
    .tp_basicsize = sizeof(Node),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)node_dealloc,
};

/* The accessors: callables a task's store calls directly. */

typedef struct {
    PyObject_HEAD
    ObjectCache *cache;
    PyObject *counter, *null_key, *null_value;
    Py_ssize_t counter_slot;  /* counter_slot(counter) */
    vectorcallfunc vectorcall;
} CacheCall;

/* Raise ValueError(message) when ``value`` is None and the check is on (message not None). */
static int
refuse_null(PyObject *value, PyObject *message)
{
    if (value == Py_None && message != Py_None) {
        PyErr_SetObject(PyExc_ValueError, message);
        return -1;
    }
    return 0;
}

static PyObject *
cached_get(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    CacheCall *self = (CacheCall *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "get takes one key");
        return NULL;
    }
    PyObject *key = args[0];
    ObjectCache *cache = self->cache;
    if (counter_inc(self->counter, self->counter_slot, s_count) < 0 || refuse_null(key, self->null_key) < 0) {
        return NULL;
    }
    Node *node = find(cache, key);
    if (node != NULL) {
        touch(cache, node);
        return Py_NewRef(node->value);
    }
    if (PyErr_Occurred()) {
        return NULL;  /* the key's __hash__ or __eq__ raised */
    }
    PyObject *value = PyObject_CallOneArg(cache->inner_get, key);
    if (value == NULL) {
        return NULL;
    }
    /* Added unless the inner read (Python code) cached the key meanwhile: then its answer stands uncached. */
    int added = insert(cache, key, value, &node);
    if (added < 0 || (added == 1 && make_room(cache) < 0)) {
        Py_DECREF(value);
        return NULL;
    }
    return value;
}

static PyObject *
cached_put(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    CacheCall *self = (CacheCall *)callable;
    if (PyVectorcall_NARGS(nargsf) != 2 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "put takes a key and a value");
        return NULL;
    }
    PyObject *key = args[0], *value = args[1];
    ObjectCache *cache = self->cache;
    if (counter_inc(self->counter, self->counter_slot, s_count) < 0 || refuse_null(key, self->null_key) < 0
        || refuse_null(value, self->null_value) < 0) {
        return NULL;
    }
    Node *node = find(cache, key);  /* usually cached: a task reads a key before it writes it */
    int added = 0;
    if (node == NULL && (PyErr_Occurred() || (added = insert(cache, key, value, &node)) < 0)) {
        return NULL;
    }
    if (added) {
        mark_dirty(cache, node);
        if (make_room(cache) < 0) {
            return NULL;
        }
    }
    else {
        PyObject *old = node->value;
        node->value = Py_NewRef(value);
        touch(cache, node);
        mark_dirty(cache, node);
        Py_DECREF(old);  /* last: its finalizer may run Python code */
    }
    if (cache->dirty_count >= cache->write_batch_size) {
        PyObject *written = PyObject_CallMethodNoArgs(cache->store, s__write_dirty);
        if (written == NULL) {
            return NULL;
        }
        Py_DECREF(written);
    }
    Py_RETURN_NONE;
}

static PyObject *
cache_call_new(PyTypeObject *type, PyObject *cache, PyObject *counter, PyObject *null_key, PyObject *null_value,
               vectorcallfunc call)
{
    if (!Py_IS_TYPE(cache, &ObjectCacheType)) {
        PyErr_SetString(PyExc_TypeError, "the cache must be an ObjectCache");
        return NULL;
    }
    CacheCall *self = (CacheCall *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->cache = (ObjectCache *)Py_NewRef(cache);
    self->counter = Py_NewRef(counter);
    self->counter_slot = counter_slot(counter);
    self->null_key = Py_NewRef(null_key);
    self->null_value = Py_NewRef(null_value);
    self->vectorcall = call;
    return (PyObject *)self;
}

static PyObject *
cached_get_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"cache", "gets", "null_key", NULL};
    PyObject *cache, *gets, *null_key;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO:CachedGet", names, &cache, &gets, &null_key)) {
        return NULL;
    }
    return cache_call_new(type, cache, gets, null_key, Py_None, cached_get);
}

static PyObject *
cached_put_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"cache", "puts", "null_key", "null_value", NULL};
    PyObject *cache, *puts, *null_key, *null_value;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOO:CachedPut", names, &cache, &puts, &null_key, &null_value)) {
        return NULL;
    }
    return cache_call_new(type, cache, puts, null_key, null_value, cached_put);
}

static int
cache_call_traverse(CacheCall *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cache);
    Py_VISIT(self->counter);
    Py_VISIT(self->null_key);
    Py_VISIT(self->null_value);
    return 0;
}

static int
cache_call_clear(CacheCall *self)
{
    Py_CLEAR(self->cache);
    Py_CLEAR(self->counter);
    Py_CLEAR(self->null_key);
    Py_CLEAR(self->null_value);
    return 0;
}

static void
cache_call_dealloc(CacheCall *self)
{
    PyObject_GC_UnTrack(self);
    cache_call_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

#define CACHE_CALL_TYPE(NAME, DOC, NEW)                                                          \
    {                                                                                            \
        PyVarObject_HEAD_INIT(NULL, 0)                                                           \
        .tp_name = "samza_py._store_cache." NAME,                                                \
        .tp_doc = DOC,                                                                           \
        .tp_basicsize = sizeof(CacheCall),                                                       \
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,        \
        .tp_new = NEW,                                                                           \
        .tp_call = PyVectorcall_Call,                                                            \
        .tp_vectorcall_offset = offsetof(CacheCall, vectorcall),                                 \
        .tp_traverse = (traverseproc)cache_call_traverse,                                        \
        .tp_clear = (inquiry)cache_call_clear,                                                   \
        .tp_dealloc = (destructor)cache_call_dealloc,                                            \
    }

static PyTypeObject CachedGetType = CACHE_CALL_TYPE("CachedGet", "A cached store's get(key): see the module's doc.",
                                                    cached_get_new);
static PyTypeObject CachedPutType = CACHE_CALL_TYPE("CachedPut", "A cached store's put(key, value): see the "
                                                    "module's doc.", cached_put_new);

static int
exec_module(PyObject *module)
{
    if ((s_count == NULL && (s_count = PyUnicode_InternFromString("count")) == NULL)
        || (s__write_dirty == NULL && (s__write_dirty = PyUnicode_InternFromString("_write_dirty")) == NULL)) {
        return -1;
    }
    if (PyType_Ready(&NodeType) < 0 || PyType_Ready(&ObjectCacheType) < 0 || PyType_Ready(&CachedGetType) < 0
        || PyType_Ready(&CachedPutType) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "ObjectCache", (PyObject *)&ObjectCacheType) < 0
        || PyModule_AddObjectRef(module, "CachedGet", (PyObject *)&CachedGetType) < 0
        || PyModule_AddObjectRef(module, "CachedPut", (PyObject *)&CachedPutType) < 0) {
        return -1;
    }
    return 0;
}

static struct PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "samza_py._store_cache",
    .m_doc = "A store's object cache (its LRU and pending writes) and its get and put, compiled.",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__store_cache(void)
{
    return PyModuleDef_Init(&module_def);
}
