/* A store's per-message reads and batched writes, compiled: what a store cache does for nearly every message.
 *
 * SerdeGet(key_fast, key_to_bytes, raw_fast_get, raw_get, value_fast, value_from_bytes)(key)
 *     A serialized store's get, the miss read of a store cache.
 *     The key's bytes: key_fast(key), or key_to_bytes(key) when key_fast is None or raises an Exception
 *     (the serde's own answer or error); with key_to_bytes None the key already is bytes.
 *     The stored bytes: raw_fast_get(key_bytes) for exact bytes keys, or raw_get(key_bytes) when
 *     raw_fast_get is None, the key is not exact bytes, or raw_fast_get raises an Exception (the store's own
 *     answer or error: a closed store's, a key of the wrong type). None when absent.
 *     The value: None for None, else value_fast(data), or value_from_bytes(data) when value_fast is None or
 *     raises an Exception; with value_from_bytes None the bytes are the value.
 *     samza_py.storage.serialized.SerializedKeyValueStore.get is the reference. Its three Python frames
 *     (serde layer, raw store, value serde) cost more than RocksDB's read of a key in its memtable.
 * fill_write_batch(put, delete, pairs) -> int
 *     For each (key, value) tuple of the list ``pairs`` in order: delete(key) for a None value, else
 *     put(key, value), while key and value are exact bytes. Returns how many pairs it took: all of them, or
 *     up to the first that is not a 2-tuple of bytes and bytes-or-None, which the caller's Python loop (the
 *     reference, in samza_py.storage.rocksdb) then takes on from, refusing it with the raw store's error.
 * serialize_pairs(pairs, key_to_bytes, value_to_bytes) -> list | None
 *     A serialized store's batch write: for each (key, value) tuple of the list ``pairs``, the tuple
 *     (key_to_bytes(key), None for a None value else value_to_bytes(value)), each function None meaning the
 *     object already is bytes. None when any pair is not a 2-tuple or a call raises an Exception: the
 *     caller's Python pass (the reference, SerializedKeyValueStore.put_pairs) then converts the whole batch
 *     and gives each serde's own answer or error. The caller passes each serde's fast function if it has one.
 * Where this module was not built the references run; the tests run both.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

typedef struct {
    PyObject_HEAD
    PyObject *key_fast, *key_to_bytes, *raw_fast_get, *raw_get, *value_fast, *value_from_bytes;
    vectorcallfunc vectorcall;
} SerdeGet;

/* After a fast function failed: clear an ordinary Exception (the method then gives the answer or the
 * error), keep anything else (KeyboardInterrupt, SystemExit) raised. */
static int
clear_for_fallback(void)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return -1;
    }
    PyErr_Clear();
    return 0;
}

/* fast(arg) when fast is not None and succeeds, else method(arg); method None means arg itself. */
static PyObject *
convert(PyObject *fast, PyObject *method, PyObject *arg)
{
    if (fast != Py_None) {
        PyObject *result = PyObject_CallOneArg(fast, arg);
        if (result != NULL || clear_for_fallback() < 0) {
            return result;
        }
    }
    if (method == Py_None) {
        return Py_NewRef(arg);
    }
    return PyObject_CallOneArg(method, arg);
}

static PyObject *
serde_get(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    SerdeGet *self = (SerdeGet *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "get takes one key");
        return NULL;
    }
    PyObject *key_bytes = convert(self->key_fast, self->key_to_bytes, args[0]);
    if (key_bytes == NULL) {
        return NULL;
    }
    PyObject *data = NULL;
    if (self->raw_fast_get != Py_None && PyBytes_CheckExact(key_bytes)) {
        data = PyObject_CallOneArg(self->raw_fast_get, key_bytes);
        if (data == NULL && clear_for_fallback() < 0) {
            Py_DECREF(key_bytes);
            return NULL;
        }
    }
    if (data == NULL) {
        data = PyObject_CallOneArg(self->raw_get, key_bytes);
    }
    Py_DECREF(key_bytes);
    if (data == NULL || data == Py_None) {
        return data;
    }
    PyObject *value = convert(self->value_fast, self->value_from_bytes, data);
    Py_DECREF(data);
    return value;
}

static PyObject *
fill_write_batch(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "fill_write_batch(put, delete, pairs) takes a list of pairs");
        return NULL;
    }
    PyObject *put = args[0], *delete = args[1], *pairs = args[2];
    Py_ssize_t i = 0;
    for (; i < PyList_GET_SIZE(pairs); i++) {
        PyObject *pair = PyList_GET_ITEM(pairs, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            break;
        }
        PyObject *key = PyTuple_GET_ITEM(pair, 0), *value = PyTuple_GET_ITEM(pair, 1);
        if (!PyBytes_CheckExact(key) || (value != Py_None && !PyBytes_CheckExact(value))) {
            break;
        }
        Py_INCREF(pair);  /* the list is the caller's: keep the pair's key and value alive through the call */
        PyObject *done;
        if (value == Py_None) {
            done = PyObject_CallOneArg(delete, key);
        }
        else {
            PyObject *call_args[2] = {key, value};
            done = PyObject_Vectorcall(put, call_args, 2, NULL);
        }
        Py_DECREF(pair);
        if (done == NULL) {
            return NULL;
        }
        Py_DECREF(done);
    }
    return PyLong_FromSsize_t(i);
}

static PyObject *
serialize_pairs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError,
                        "serialize_pairs(pairs, key_to_bytes, value_to_bytes) takes a list of pairs");
        return NULL;
    }
    PyObject *pairs = args[0], *key_to_bytes = args[1], *value_to_bytes = args[2];
    PyObject *out = PyList_New(PyList_GET_SIZE(pairs));
    if (out == NULL) {
        return NULL;
    }
    /* The list is the caller's: the calls below run Python code, so its length and items are read afresh. */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(out); i++) {
        if (i >= PyList_GET_SIZE(pairs)) {
            goto fall_back;
        }
        PyObject *pair = PyList_GET_ITEM(pairs, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            goto fall_back;
        }
        Py_INCREF(pair);
        PyObject *key = PyTuple_GET_ITEM(pair, 0), *value = PyTuple_GET_ITEM(pair, 1);
        PyObject *key_bytes = key_to_bytes == Py_None ? Py_NewRef(key) : PyObject_CallOneArg(key_to_bytes, key);
        PyObject *value_bytes = NULL;
        if (key_bytes != NULL) {
            value_bytes = value == Py_None || value_to_bytes == Py_None ? Py_NewRef(value)
                                                                      : PyObject_CallOneArg(value_to_bytes, value);
        }
        Py_DECREF(pair);
        if (value_bytes == NULL) {
            Py_XDECREF(key_bytes);
            if (clear_for_fallback() < 0) {
                Py_DECREF(out);
                return NULL;
            }
            goto fall_back;
        }
        PyObject *converted = PyTuple_New(2);
        if (converted == NULL) {
            Py_DECREF(key_bytes);
            Py_DECREF(value_bytes);
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(converted, 0, key_bytes);
        PyTuple_SET_ITEM(converted, 1, value_bytes);
        PyList_SET_ITEM(out, i, converted);
    }
    return out;

fall_back:
    Py_DECREF(out);  /* (a list with NULL items past i deallocates cleanly) */
    Py_RETURN_NONE;
}

static PyObject *
serde_get_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *key_fast, *key_to_bytes, *raw_fast_get, *raw_get, *value_fast, *value_from_bytes;
    static char *keywords[] = {"key_fast", "key_to_bytes", "raw_fast_get", "raw_get", "value_fast",
                               "value_from_bytes", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOO:SerdeGet", keywords, &key_fast, &key_to_bytes,
                                     &raw_fast_get, &raw_get, &value_fast, &value_from_bytes)) {
        return NULL;
    }
    PyObject *optional[] = {key_fast, key_to_bytes, raw_fast_get, value_fast, value_from_bytes};
    for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
        if (optional[i] != Py_None && !PyCallable_Check(optional[i])) {
            PyErr_Format(PyExc_TypeError, "SerdeGet: %s must be callable or None", keywords[i < 3 ? i : i + 1]);
            return NULL;
        }
    }
    if (!PyCallable_Check(raw_get)) {
        PyErr_SetString(PyExc_TypeError, "SerdeGet: raw_get must be callable");
        return NULL;
    }
    SerdeGet *self = (SerdeGet *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->key_fast = Py_NewRef(key_fast);
    self->key_to_bytes = Py_NewRef(key_to_bytes);
    self->raw_fast_get = Py_NewRef(raw_fast_get);
    self->raw_get = Py_NewRef(raw_get);
    self->value_fast = Py_NewRef(value_fast);
    self->value_from_bytes = Py_NewRef(value_from_bytes);
    self->vectorcall = serde_get;
    return (PyObject *)self;
}

static int
serde_get_traverse(SerdeGet *self, visitproc visit, void *arg)
{
    Py_VISIT(self->key_fast);
    Py_VISIT(self->key_to_bytes);
    Py_VISIT(self->raw_fast_get);
    Py_VISIT(self->raw_get);
    Py_VISIT(self->value_fast);
    Py_VISIT(self->value_from_bytes);
    return 0;
}

static int
serde_get_clear(SerdeGet *self)
{
    Py_CLEAR(self->key_fast);
    Py_CLEAR(self->key_to_bytes);
    Py_CLEAR(self->raw_fast_get);
    Py_CLEAR(self->raw_get);
    Py_CLEAR(self->value_fast);
    Py_CLEAR(self->value_from_bytes);
    return 0;
}

static void
serde_get_dealloc(SerdeGet *self)
{
    PyObject_GC_UnTrack(self);
    serde_get_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject SerdeGetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py._store_io.SerdeGet",
    .tp_doc = "A serialized store's get(key): see the module's doc.",
    .tp_basicsize = sizeof(SerdeGet),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = serde_get_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(SerdeGet, vectorcall),
    .tp_traverse = (traverseproc)serde_get_traverse,
    .tp_clear = (inquiry)serde_get_clear,
    .tp_dealloc = (destructor)serde_get_dealloc,
};

static int
exec_module(PyObject *module)
{
    if (PyType_Ready(&SerdeGetType) < 0) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "SerdeGet", (PyObject *)&SerdeGetType);
}

static PyMethodDef methods[] = {
    {"serialize_pairs", (PyCFunction)(void (*)(void))serialize_pairs, METH_FASTCALL,
     "serialize_pairs(pairs, key_to_bytes, value_to_bytes): a batch of (key, value) as bytes, or None to let "
     "the Python pass convert it (see the module doc)."},
    {"fill_write_batch", (PyCFunction)(void (*)(void))fill_write_batch, METH_FASTCALL,
     "Puts and deletes of (key, value) pairs into a write batch: see the module's doc."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "samza_py._store_io",
    .m_doc = "A store's per-message reads and batched writes, compiled.",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__store_io(void)
{
    return PyModuleDef_Init(&module_def);
}
