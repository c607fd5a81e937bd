/* A store's object cache, compiled: the get and put a task calls for nearly every message.
 *
 * CachedGet(cache, dirty, cache_size, inner_get, store, gets, null_key)(key)
 *     gets.count += 1; a null key raises ValueError(null_key) unless null_key is None. A cached key moves
 *     to the most recently used end of ``cache`` (an OrderedDict, least recently used first) and its value
 *     is the answer; otherwise inner_get(key) is read and cached (a miss is cached too), and when the
 *     cache then holds more than cache_size keys its eldest goes, through
 *     store._write_dirty_for_eviction(eldest, value) when that key still has an unwritten change in
 *     ``dirty``.
 * CachedPut(cache, dirty, cache_size, write_batch_size, store, puts, null_key, null_value)(key, value)
 *     puts.count += 1; null checks as above (null_value for the value). The value is cached at the most
 *     recently used end and becomes the key's pending write, at the newest end of ``dirty``; then
 *     store._evict_eldest() when the cache is over cache_size, and store._write_dirty() when
 *     write_batch_size writes are pending.
 * samza_py.storage.cached's closures of the same names are the reference, and what runs where this module was
 * not built; the tests run both. Each Python frame here cost more than the cache's own work.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#include "_counter.h"

static PyObject *s_count, *s_move_to_end, *s_popitem, *s__write_dirty_for_eviction, *s__evict_eldest,
    *s__write_dirty;

typedef struct {
    PyObject_HEAD
    PyObject *cache, *dirty, *inner_get, *store, *counter, *null_key, *null_value;
    Py_ssize_t cache_size, write_batch_size;
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

/* cache.move_to_end(key) */
static int
move_to_end(CacheCall *self, PyObject *key)
{
    PyObject *args[2] = {self->cache, key};
    PyObject *moved = PyObject_VectorcallMethod(s_move_to_end, args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (moved == NULL) {
        return -1;
    }
    Py_DECREF(moved);
    return 0;
}

/* store.<name>(*args): a rare path left to the Python store. */
static int
call_store(CacheCall *self, PyObject *name, PyObject *arg1, PyObject *arg2)
{
    PyObject *args[3] = {self->store, arg1, arg2};
    size_t nargs = arg1 == NULL ? 1 : 3;
    PyObject *result = PyObject_VectorcallMethod(name, args, nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (result == NULL) {
        return -1;
    }
    Py_DECREF(result);
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
    if (counter_inc(self->counter, self->counter_slot, s_count) < 0 || refuse_null(key, self->null_key) < 0) {
        return NULL;
    }
    PyObject *value = PyDict_GetItemWithError(self->cache, key);  /* borrowed; the OrderedDict's own table */
    if (value != NULL) {
        Py_INCREF(value);
        if (move_to_end(self, key) < 0) {
            Py_DECREF(value);
            return NULL;
        }
        return value;
    }
    if (PyErr_Occurred()) {
        return NULL;  /* the key's __hash__ or __eq__ raised */
    }
    value = PyObject_CallOneArg(self->inner_get, key);
    if (value == NULL) {
        return NULL;
    }
    /* A new key goes in at the most recently used end (the OrderedDict's own setitem keeps the order). */
    if (PyObject_SetItem(self->cache, key, value) < 0) {
        Py_DECREF(value);
        return NULL;
    }
    if (PyDict_GET_SIZE(self->cache) > self->cache_size) {
        PyObject *pop_args[2] = {self->cache, Py_False};
        PyObject *eldest = PyObject_VectorcallMethod(s_popitem, pop_args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (eldest == NULL) {
            Py_DECREF(value);
            return NULL;
        }
        int dirty = PyDict_Contains(self->dirty, PyTuple_GET_ITEM(eldest, 0));
        if (dirty < 0 || (dirty == 1 && call_store(self, s__write_dirty_for_eviction, PyTuple_GET_ITEM(eldest, 0),
                                                    PyTuple_GET_ITEM(eldest, 1)) < 0)) {
            Py_DECREF(eldest);
            Py_DECREF(value);
            return NULL;
        }
        Py_DECREF(eldest);
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
    if (counter_inc(self->counter, self->counter_slot, s_count) < 0 || refuse_null(key, self->null_key) < 0
        || refuse_null(value, self->null_value) < 0) {
        return NULL;
    }
    if (PyObject_SetItem(self->cache, key, value) < 0 || move_to_end(self, key) < 0) {
        return NULL;
    }
    /* A re-write moves the key to the newest end of the batch: out, then in again. */
    int pending = PyDict_Contains(self->dirty, key);
    if (pending < 0 || (pending == 1 && PyDict_DelItem(self->dirty, key) < 0)
        || PyDict_SetItem(self->dirty, key, value) < 0) {
        return NULL;
    }
    if (PyDict_GET_SIZE(self->cache) > self->cache_size && call_store(self, s__evict_eldest, NULL, NULL) < 0) {
        return NULL;
    }
    if (PyDict_GET_SIZE(self->dirty) >= self->write_batch_size && call_store(self, s__write_dirty, NULL, NULL) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static CacheCall *
cache_call_new(PyTypeObject *type, PyObject *cache, PyObject *dirty, Py_ssize_t cache_size,
               Py_ssize_t write_batch_size, PyObject *inner_get, PyObject *store, PyObject *counter,
               PyObject *null_key, PyObject *null_value)
{
    /* Exactly these types: their get, setitem, move_to_end and popitem are the built-in ones relied on here. */
    if (!PyODict_CheckExact(cache) || !PyDict_CheckExact(dirty)) {
        PyErr_SetString(PyExc_TypeError, "the cache must be an OrderedDict and the pending writes a dict");
        return NULL;
    }
    CacheCall *self = (CacheCall *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->cache = Py_NewRef(cache);
    self->dirty = Py_NewRef(dirty);
    self->inner_get = Py_NewRef(inner_get);
    self->store = Py_NewRef(store);
    self->counter = Py_NewRef(counter);
    self->counter_slot = counter_slot(counter);
    self->null_key = Py_NewRef(null_key);
    self->null_value = Py_NewRef(null_value);
    self->cache_size = cache_size;
    self->write_batch_size = write_batch_size;
    return self;
}

static PyObject *
cached_get_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"cache", "dirty", "cache_size", "inner_get", "store", "gets", "null_key", NULL};
    PyObject *cache, *dirty, *inner_get, *store, *gets, *null_key;
    Py_ssize_t cache_size;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOnOOOO:CachedGet", names, &cache, &dirty, &cache_size,
                                     &inner_get, &store, &gets, &null_key)) {
        return NULL;
    }
    CacheCall *self = cache_call_new(type, cache, dirty, cache_size, 0, inner_get, store, gets, null_key, Py_None);
    if (self != NULL) {
        self->vectorcall = cached_get;
    }
    return (PyObject *)self;
}

static PyObject *
cached_put_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"cache", "dirty", "cache_size", "write_batch_size", "store", "puts", "null_key",
                            "null_value", NULL};
    PyObject *cache, *dirty, *store, *puts, *null_key, *null_value;
    Py_ssize_t cache_size, write_batch_size;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOnnOOOO:CachedPut", names, &cache, &dirty, &cache_size,
                                     &write_batch_size, &store, &puts, &null_key, &null_value)) {
        return NULL;
    }
    CacheCall *self = cache_call_new(type, cache, dirty, cache_size, write_batch_size, Py_None, store, puts,
                                     null_key, null_value);
    if (self != NULL) {
        self->vectorcall = cached_put;
    }
    return (PyObject *)self;
}

static int
cache_call_traverse(CacheCall *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cache);
    Py_VISIT(self->dirty);
    Py_VISIT(self->inner_get);
    Py_VISIT(self->store);
    Py_VISIT(self->counter);
    Py_VISIT(self->null_key);
    Py_VISIT(self->null_value);
    return 0;
}

static int
cache_call_clear(CacheCall *self)
{
    Py_CLEAR(self->cache);
    Py_CLEAR(self->dirty);
    Py_CLEAR(self->inner_get);
    Py_CLEAR(self->store);
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
    struct { PyObject **slot; const char *text; } names[] = {
        {&s_count, "count"}, {&s_move_to_end, "move_to_end"}, {&s_popitem, "popitem"},
        {&s__write_dirty_for_eviction, "_write_dirty_for_eviction"}, {&s__evict_eldest, "_evict_eldest"},
        {&s__write_dirty, "_write_dirty"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL) {
            return -1;
        }
    }
    if (PyType_Ready(&CachedGetType) < 0 || PyType_Ready(&CachedPutType) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "CachedGet", (PyObject *)&CachedGetType) < 0
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
    .m_doc = "A store's object cache get and put, compiled.",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__store_cache(void)
{
    return PyModuleDef_Init(&module_def);
}
