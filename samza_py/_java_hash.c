/* Java's hashCode of a String and of a byte[] (Arrays.hashCode), compiled.
 *
 * Samza sends a keyed message to abs(key.hashCode()) % partitions, so every keyed send needs the Java
 * hash of its key. In Python that costs microseconds per key (more than the rest of a message's way
 * through the container); here it is a loop over the characters. samza_py.system.kafka.partitioner
 * keeps the Python versions as the reference and uses them when this module was not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* String.hashCode(): sum(u[i] * 31^(n-1-i)) mod 2^32 over the UTF-16 code units u, as a signed int.
 * A character outside the BMP is two code units in Java (a surrogate pair); a lone surrogate, which
 * a Python str may hold like a Java String, is one. */
static PyObject *
string_hash(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "string_hash() takes a str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    uint32_t h = 0;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: {
        const Py_UCS1 *units = (const Py_UCS1 *)data;
        for (Py_ssize_t i = 0; i < n; i++) {
            h = 31 * h + units[i];
        }
        break;
    }
    case PyUnicode_2BYTE_KIND: {
        const Py_UCS2 *units = (const Py_UCS2 *)data;
        for (Py_ssize_t i = 0; i < n; i++) {
            h = 31 * h + units[i];
        }
        break;
    }
    default: {
        const Py_UCS4 *chars = (const Py_UCS4 *)data;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = chars[i];
            if (c >= 0x10000) {
                c -= 0x10000;
                h = 31 * h + (0xD800 + (c >> 10));
                h = 31 * h + (0xDC00 + (c & 0x3FF));
            }
            else {
                h = 31 * h + c;
            }
        }
    }
    }
    return PyLong_FromLong((long)(int32_t)h);
}

/* Arrays.hashCode(byte[]): 1, then 31 * h + b for each byte taken as signed. */
static PyObject *
bytes_hash(PyObject *module, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    const int8_t *bytes = (const int8_t *)view.buf;
    uint32_t h = 1;
    for (Py_ssize_t i = 0; i < view.len; i++) {
        h = 31 * h + (uint32_t)(int32_t)bytes[i];
    }
    PyBuffer_Release(&view);
    return PyLong_FromLong((long)(int32_t)h);
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
