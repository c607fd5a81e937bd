/* Java int and long as bytes (4 or 8, big-endian, two's complement), compiled: the fast_to_bytes and
 * fast_from_bytes of IntegerSerde and LongSerde (samza_py.serializers.builtin), whose methods are the reference.
 *
 * int32_to_bytes(obj), int64_to_bytes(obj): obj must be exactly an int (not a bool) in range.
 * int32_from_bytes(data), int64_from_bytes(data): data must be exactly bytes of length 4 or 8.
 * Anything else raises TypeError or ValueError, and the caller asks the serde's method, whose error names the
 * serde: these give the methods' answers for every input the methods accept, and nothing more.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *
to_bytes(PyObject *obj, int size, long long low, long long high)
{
    if (!PyLong_CheckExact(obj)) {
        PyErr_SetString(PyExc_TypeError, "expects exactly an int");
        return NULL;
    }
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (value == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (overflow != 0 || value < low || value > high) {
        PyErr_SetString(PyExc_ValueError, "out of range");
        return NULL;
    }
    unsigned char out[8];
    uint64_t bits = (uint64_t)value;
    for (int i = size - 1; i >= 0; i--) {
        out[i] = (unsigned char)(bits & 0xff);
        bits >>= 8;
    }
    return PyBytes_FromStringAndSize((const char *)out, size);
}

static PyObject *
from_bytes(PyObject *data, Py_ssize_t size)
{
    if (!PyBytes_CheckExact(data) || PyBytes_GET_SIZE(data) != size) {
        PyErr_SetString(PyExc_ValueError, "expects exactly bytes of the type's length");
        return NULL;
    }
    const unsigned char *in = (const unsigned char *)PyBytes_AS_STRING(data);
    uint64_t bits = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        bits = (bits << 8) | in[i];
    }
    if (size == 4) {
        return PyLong_FromLong((long)(int32_t)(uint32_t)bits);
    }
    return PyLong_FromLongLong((long long)(int64_t)bits);
}

static PyObject *
int32_to_bytes(PyObject *module, PyObject *obj)
{
    return to_bytes(obj, 4, INT32_MIN, INT32_MAX);
}

static PyObject *
int64_to_bytes(PyObject *module, PyObject *obj)
{
    return to_bytes(obj, 8, INT64_MIN, INT64_MAX);
}

static PyObject *
int32_from_bytes(PyObject *module, PyObject *data)
{
    return from_bytes(data, 4);
}

static PyObject *
int64_from_bytes(PyObject *module, PyObject *data)
{
    return from_bytes(data, 8);
}

static PyMethodDef methods[] = {
    {"int32_to_bytes", int32_to_bytes, METH_O, "A Java int's 4 bytes, big-endian."},
    {"int64_to_bytes", int64_to_bytes, METH_O, "A Java long's 8 bytes, big-endian."},
    {"int32_from_bytes", int32_from_bytes, METH_O, "The Java int of 4 big-endian bytes."},
    {"int64_from_bytes", int64_from_bytes, METH_O, "The Java long of 8 big-endian bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef_Slot slots[] = {
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "samza_py._int_codecs",
    .m_doc = "Java int and long as big-endian bytes, compiled.",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__int_codecs(void)
{
    return PyModuleDef_Init(&module_def);
}
