/* Java's hashCode of a String and of a byte[] (Arrays.hashCode), compiled.
 *
 * Samza sends a keyed message to abs(key.hashCode()) % partitions, so every keyed send needs the Java
 * hash of its key. In Python that costs microseconds per key (more than the rest of a message's way
 * through the container); here it is a loop over the characters. samza_py.system.kafka.partitioner
 * keeps the Python versions as the reference and uses them when this module was not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_java_hash.h"

static PyObject *
string_hash(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "string_hash() takes a str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    int32_t h;
    if (java_string_hash(text, &h) < 0) {
        return NULL;
    }
    return PyLong_FromLong((long)h);
}

static PyObject *
bytes_hash(PyObject *module, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    int32_t h = java_bytes_hash((const char *)view.buf, view.len);
    PyBuffer_Release(&view);
    return PyLong_FromLong((long)h);
}

static PyMethodDef methods[] = {
    {"string_hash", string_hash, METH_O, "Java's String.hashCode() of a str (over its UTF-16 code units)."},
    {"bytes_hash", bytes_hash, METH_O, "Java's Arrays.hashCode(byte[]) of bytes (each byte signed)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef_Slot slots[] = {
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "samza_py._java_hash",
    .m_doc = "Java's hashCode of strings and byte arrays, for Samza's partition choice.",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__java_hash(void)
{
    return PyModuleDef_Init(&module_def);
}
