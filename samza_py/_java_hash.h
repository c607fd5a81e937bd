/* Java's hashCode of a String and of a byte[] (Arrays.hashCode), shared by the compiled modules that need
 * it (_java_hash.c for Python, _send_path.c for a keyed send's partition). */
#ifndef SAMZA_PY_JAVA_HASH_H
#define SAMZA_PY_JAVA_HASH_H

#include <Python.h>
#include <stdint.h>

/* String.hashCode(): sum(u[i] * 31^(n-1-i)) mod 2^32 over the UTF-16 code units u, as a signed int.
 * A character outside the BMP is two code units in Java (a surrogate pair); a lone surrogate, which
 * a Python str may hold like a Java String, is one. 0 with the hash in *hash, or -1 with an exception. */
static inline int
java_string_hash(PyObject *text, int32_t *hash)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) {
        return -1;
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
    *hash = (int32_t)h;
    return 0;
}

/* Arrays.hashCode(byte[]): 1, then 31 * h + b for each byte taken as signed. */
static inline int32_t
java_bytes_hash(const char *data, Py_ssize_t n)
{
    const int8_t *bytes = (const int8_t *)data;
    uint32_t h = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        h = 31 * h + (uint32_t)(int32_t)bytes[i];
    }
    return (int32_t)h;
}

#endif
