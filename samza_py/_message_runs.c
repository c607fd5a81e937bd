/* read_runs, compiled: a consumed batch of Kafka messages made into IncomingMessageEnvelopes, in runs
 * per partition. The same as python_read_runs in samza_py/system/kafka/message_runs.py (the reference,
 * whose docstring says what it does); that module uses this one when it was built.
 *
 * decode_envelopes, the deserialising of their keys and messages, is here too (python_decode_envelopes in
 * samza_py/container/consumers.py is its reference).
 *
 * It is the consumer's per-message work: in Python it cost about a microsecond a message, a sixth of a
 * pass-through job's time. Messages are read through their methods, so any object with Message's
 * methods will do.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

static PyObject *s_get, *s_error, *s_partition, *s_topic, *s_offset, *s_key, *s_value, *s_timestamp;
static PyObject *s_system_stream_partition, *s__offset, *s_message, *s_size, *s_event_time, *s_arrival_time;

/* The run of ``ssp`` is complete: nexts[ssp] = expected, and (ssp, run, run_bytes, last_offset) joins runs. */
static int
finish_run(PyObject *runs, PyObject *nexts, PyObject *ssp, PyObject *run, long long run_bytes,
           long long expected, long long last_offset)
{
    PyObject *next = PyLong_FromLongLong(expected);
    if (next == NULL) {
        return -1;
    }
    int failed = PyObject_SetItem(nexts, ssp, next);
    Py_DECREF(next);
    if (failed) {
        return -1;
    }
    PyObject *entry = Py_BuildValue("(OOLL)", ssp, run, run_bytes, last_offset);
    if (entry == NULL) {
        return -1;
    }
    failed = PyList_Append(runs, entry);
    Py_DECREF(entry);
    return failed;
}

/* A dropped redelivery: again.setdefault(ssp, []).append(offset). */
static int
note_again(PyObject *again, PyObject *ssp, PyObject *offset)
{
    PyObject *dropped = PyDict_GetItemWithError(again, ssp);
    if (dropped == NULL) {
        if (PyErr_Occurred()) {
            return -1;
        }
        dropped = PyList_New(0);
        if (dropped == NULL) {
            return -1;
        }
        int failed = PyDict_SetItem(again, ssp, dropped);
        Py_DECREF(dropped);  /* the dict holds it */
        if (failed) {
            return -1;
        }
    }
    return PyList_Append(dropped, offset);
}

/* len(value) if value else 0, for a key or a message as the client returns it. */
static Py_ssize_t
payload_size(PyObject *value)
{
    if (value == Py_None) {
        return 0;
    }
    if (PyBytes_CheckExact(value)) {
        return PyBytes_GET_SIZE(value);
    }
    return PyObject_Length(value);
}

/* A message's no-argument methods, by what they return. */
enum { M_ERROR, M_PARTITION, M_TOPIC, M_OFFSET, M_KEY, M_VALUE, M_TIMESTAMP, M_COUNT };
static PyObject **const method_names[M_COUNT] = {&s_error, &s_partition, &s_topic, &s_offset, &s_key, &s_value,
                                                 &s_timestamp};

/* The C functions behind the message type's methods, looked up once per type. Calling one directly skips the
 * attribute lookup and the call protocol, six times a message. Only for an immutable type without instance
 * dicts (confluent-kafka's Message), whose methods nothing can replace or shadow; a method that is not a plain
 * no-argument C method (a Python test double's) is called the usual way. */
static PyTypeObject *methods_of = NULL;
static PyCFunction direct_methods[M_COUNT];

static void
find_methods(PyTypeObject *type)
{
    int fixed = PyType_HasFeature(type, Py_TPFLAGS_IMMUTABLETYPE) && type->tp_dictoffset == 0;
    for (int i = 0; i < M_COUNT; i++) {
        direct_methods[i] = NULL;
        PyObject *descr = fixed ? _PyType_Lookup(type, *method_names[i]) : NULL;  /* borrowed */
        if (descr != NULL && Py_IS_TYPE(descr, &PyMethodDescr_Type)) {
            PyMethodDef *def = ((PyMethodDescrObject *)descr)->d_method;
            if ((def->ml_flags & ~METH_COEXIST) == METH_NOARGS) {
                direct_methods[i] = def->ml_meth;
            }
        }
    }
    Py_XSETREF(methods_of, (PyTypeObject *)Py_NewRef(type));
}

static inline PyObject *
call_method(PyObject *msg, int method)
{
    if (Py_TYPE(msg) != methods_of) {
        find_methods(Py_TYPE(msg));
    }
    PyCFunction direct = direct_methods[method];
    return direct != NULL ? direct(msg, NULL) : PyObject_CallMethodNoArgs(msg, *method_names[method]);
}

/* Where each of the envelope class's slots lives in its instances, found at the first call. */
static PyTypeObject *slots_of = NULL;
static Py_ssize_t slot_offsets[7];

static int
find_slots(PyTypeObject *envelope_type)
{
    PyObject *names[7] = {s_system_stream_partition, s__offset, s_key, s_message, s_size, s_event_time,
                          s_arrival_time};
    for (int i = 0; i < 7; i++) {
        PyObject *descr = _PyType_Lookup(envelope_type, names[i]);
        if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)
            || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
            PyErr_Format(PyExc_TypeError, "read_runs: %.100s has no slot %R", envelope_type->tp_name, names[i]);
            return -1;
        }
        slot_offsets[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
    }
    Py_XSETREF(slots_of, (PyTypeObject *)Py_NewRef(envelope_type));
    return 0;
}

static PyObject *
make_envelope(PyTypeObject *envelope_type, PyObject *ssp, PyObject *offset, PyObject *key, PyObject *value,
              Py_ssize_t size, PyObject *event_time, PyObject *now_ms)
{
    if (envelope_type != slots_of && find_slots(envelope_type) < 0) {
        return NULL;
    }
    PyObject *size_obj = PyLong_FromSsize_t(size);
    if (size_obj == NULL) {
        return NULL;
    }
    /* What object.__new__ does for a class with __slots__; __init__ is not called. */
    PyObject *envelope = envelope_type->tp_alloc(envelope_type, 0);
    if (envelope == NULL) {
        Py_DECREF(size_obj);
        return NULL;
    }
    PyObject *values[7] = {ssp, offset, key, value, size_obj, event_time, now_ms};
    for (int i = 0; i < 7; i++) {
        *(PyObject **)((char *)envelope + slot_offsets[i]) = Py_NewRef(values[i]);  /* fresh: all NULL */
    }
    Py_DECREF(size_obj);
    return envelope;
}

/* The envelope of one message to be delivered, appended to run; its size is added to *run_bytes. */
static int
append_envelope(PyObject *run, long long *run_bytes, PyObject *msg, PyTypeObject *envelope_type,
                PyObject *ssp, PyObject *offset, PyObject *now_ms)
{
    int result = -1;
    PyObject *key = NULL, *value = NULL, *timestamp = NULL, *envelope = NULL;
    key = call_method(msg, M_KEY);
    if (key == NULL) {
        goto done;
    }
    value = call_method(msg, M_VALUE);
    if (value == NULL) {
        goto done;
    }
    timestamp = call_method(msg, M_TIMESTAMP);
    if (timestamp == NULL) {
        goto done;
    }
    if (!PyTuple_Check(timestamp) || PyTuple_GET_SIZE(timestamp) != 2) {
        PyErr_SetString(PyExc_TypeError, "read_runs: a message's timestamp() must be a (type, timestamp) pair");
        goto done;
    }
    int has_time = PyObject_IsTrue(PyTuple_GET_ITEM(timestamp, 0));
    if (has_time < 0) {
        goto done;
    }
    Py_ssize_t key_size = payload_size(key);
    Py_ssize_t value_size = key_size < 0 ? -1 : payload_size(value);
    if (value_size < 0) {
        goto done;
    }
    PyObject *zero = PyLong_FromLong(0);  /* a cached small int */
    envelope = make_envelope(envelope_type, ssp, offset, key, value, key_size + value_size,
                             has_time ? PyTuple_GET_ITEM(timestamp, 1) : zero, now_ms);
    Py_DECREF(zero);
    if (envelope == NULL || PyList_Append(run, envelope) < 0) {
        goto done;
    }
    *run_bytes += key_size + value_size;
    result = 0;
done:
    Py_XDECREF(key);
    Py_XDECREF(value);
    Py_XDECREF(timestamp);
    Py_XDECREF(envelope);
    return result;
}

/* A message's int-valued method (partition(), offset()) as a C long long. */
static int
call_for_int(PyObject *msg, int method, PyObject **as_object, long long *value)
{
    PyObject *result = call_method(msg, method);
    if (result == NULL) {
        return -1;
    }
    *value = PyLong_AsLongLong(result);
    if (*value == -1 && PyErr_Occurred()) {
        Py_DECREF(result);
        return -1;
    }
    *as_object = result;
    return 0;
}

static PyObject *
read_runs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9) {
        PyErr_Format(PyExc_TypeError, "read_runs() takes 9 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *messages = args[0], *only_topic = args[1], *ssps = args[2], *ends = args[3], *nexts = args[4];
    PyObject *type_arg = args[5], *now_ms = args[6], *again = args[7], *on_error = args[8];
    if (!PyType_Check(type_arg)) {
        PyErr_SetString(PyExc_TypeError, "read_runs: the envelope class must be a type");
        return NULL;
    }
    if (!PyDict_Check(again)) {
        PyErr_SetString(PyExc_TypeError, "read_runs: again must be a dict");
        return NULL;
    }
    PyTypeObject *envelope_type = (PyTypeObject *)type_arg;
    PyObject *seq = PySequence_Fast(messages, "read_runs: the messages must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    PyObject *runs = PyList_New(0);
    PyObject *ssp = NULL, *run = NULL, *last_topic = NULL;
    long long last_partition = -1, expected = -1, offset = -1, end = 0, run_bytes = 0;
    int has_end = 0;
    if (runs == NULL) {
        goto fail;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *msg = PySequence_Fast_GET_ITEM(seq, i);
        PyObject *error = call_method(msg, M_ERROR);
        if (error == NULL) {
            goto fail;
        }
        int failed_message = error != Py_None;
        Py_DECREF(error);
        if (failed_message) {
            PyObject *handled = PyObject_CallOneArg(on_error, msg);
            if (handled == NULL) {
                goto fail;
            }
            Py_DECREF(handled);
            continue;
        }
        PyObject *partition_obj;
        long long partition;
        if (call_for_int(msg, M_PARTITION, &partition_obj, &partition) < 0) {
            goto fail;
        }
        PyObject *topic;
        if (only_topic != Py_None) {
            topic = Py_NewRef(only_topic);
        }
        else if ((topic = call_method(msg, M_TOPIC)) == NULL) {
            Py_DECREF(partition_obj);
            goto fail;
        }
        int changed = last_topic == NULL || partition != last_partition;
        if (!changed && topic != last_topic) {
            changed = PyObject_RichCompareBool(topic, last_topic, Py_NE);
            if (changed < 0) {
                Py_DECREF(topic);
                Py_DECREF(partition_obj);
                goto fail;
            }
        }
        if (changed) {
            if (ssp != NULL && finish_run(runs, nexts, ssp, run, run_bytes, expected, offset) < 0) {
                Py_DECREF(topic);
                Py_DECREF(partition_obj);
                goto fail;
            }
            PyObject *where = PyTuple_Pack(2, topic, partition_obj);
            Py_DECREF(partition_obj);
            Py_XSETREF(last_topic, topic);  /* takes the reference */
            last_partition = partition;
            if (where == NULL) {
                goto fail;
            }
            PyObject *found = PyObject_GetItem(ssps, where);  /* KeyError for a partition not read */
            Py_DECREF(where);
            if (found == NULL) {
                goto fail;
            }
            Py_XSETREF(ssp, found);
            Py_XSETREF(run, PyList_New(0));
            if (run == NULL) {
                goto fail;
            }
            run_bytes = 0;
            PyObject *end_obj = PyObject_CallMethodOneArg(ends, s_get, ssp);
            if (end_obj == NULL) {
                goto fail;
            }
            has_end = end_obj != Py_None;
            if (has_end) {
                end = PyLong_AsLongLong(end_obj);
            }
            Py_DECREF(end_obj);
            if (has_end && end == -1 && PyErr_Occurred()) {
                goto fail;
            }
            PyObject *next_obj = PyObject_GetItem(nexts, ssp);
            if (next_obj == NULL) {
                goto fail;
            }
            expected = PyLong_AsLongLong(next_obj);
            Py_DECREF(next_obj);
            if (expected == -1 && PyErr_Occurred()) {
                goto fail;
            }
        }
        else {
            Py_DECREF(topic);
            Py_DECREF(partition_obj);
        }
        PyObject *offset_obj;
        if (call_for_int(msg, M_OFFSET, &offset_obj, &offset) < 0) {
            goto fail;
        }
        int failed = 0;
        if (offset < expected) {
            failed = note_again(again, ssp, offset_obj);
        }
        else {
            expected = offset + 1;
            if (!has_end || offset < end) {
                failed = append_envelope(run, &run_bytes, msg, envelope_type, ssp, offset_obj, now_ms);
            }
        }
        Py_DECREF(offset_obj);
        if (failed) {
            goto fail;
        }
    }
    if (ssp != NULL && finish_run(runs, nexts, ssp, run, run_bytes, expected, offset) < 0) {
        goto fail;
    }
    Py_XDECREF(ssp);
    Py_XDECREF(run);
    Py_XDECREF(last_topic);
    Py_DECREF(seq);
    return runs;
fail:
    Py_XDECREF(ssp);
    Py_XDECREF(run);
    Py_XDECREF(last_topic);
    Py_XDECREF(runs);
    Py_DECREF(seq);
    return NULL;
}

/* decode_envelopes(envelopes, start, key_from, msg_from): the same as python_decode_envelopes in
 * samza_py/container/consumers.py: each envelope's key and message deserialised in place, from index
 * start, up to the first one a deserialiser raises an Exception for (left as it was); that index, or
 * len(envelopes). */
static PyObject *
decode_envelopes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "decode_envelopes(envelopes: list, start, key_from, msg_from)");
        return NULL;
    }
    PyObject *envelopes = args[0], *key_from = args[2], *msg_from = args[3];
    Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *decoders[2] = {key_from, msg_from};
    PyObject *names[2] = {s_key, s_message};
    for (Py_ssize_t i = start < 0 ? 0 : start; i < PyList_GET_SIZE(envelopes); i++) {
        PyObject *envelope = Py_NewRef(PyList_GET_ITEM(envelopes, i));  /* held: a deserialiser is any code */
        PyObject *decoded[2] = {NULL, NULL};
        int failed = 0;
        for (int part = 0; part < 2 && !failed; part++) {
            PyObject *raw = PyObject_GetAttr(envelope, names[part]);
            if (raw == NULL) {
                failed = -1;
            }
            else if (raw == Py_None || decoders[part] == Py_None) {
                decoded[part] = raw;
            }
            else {
                decoded[part] = PyObject_CallOneArg(decoders[part], raw);
                Py_DECREF(raw);
                if (decoded[part] == NULL) {
                    failed = PyErr_ExceptionMatches(PyExc_Exception) ? 1 : -1;
                }
            }
        }
        if (!failed && (PyObject_SetAttr(envelope, s_key, decoded[0]) < 0
                        || PyObject_SetAttr(envelope, s_message, decoded[1]) < 0)) {
            failed = -1;
        }
        Py_XDECREF(decoded[0]);
        Py_XDECREF(decoded[1]);
        Py_DECREF(envelope);
        if (failed < 0) {
            return NULL;
        }
        if (failed) {
            PyErr_Clear();  /* the caller decodes this one again through the serdes' methods */
            return PyLong_FromSsize_t(i);
        }
    }
    return PyLong_FromSsize_t(PyList_GET_SIZE(envelopes));
}

static PyMethodDef methods[] = {
    {"read_runs", (PyCFunction)(void (*)(void))read_runs, METH_FASTCALL,
     "read_runs(messages, only_topic, ssps, ends, nexts, envelope_class, now_ms, again, on_error)\n"
     "The envelopes of a consumed batch in runs per partition: see python_read_runs."},
    {"decode_envelopes", (PyCFunction)(void (*)(void))decode_envelopes, METH_FASTCALL,
     "decode_envelopes(envelopes, start, key_from, msg_from)\n"
     "Keys and messages deserialised in place up to the first failure: see python_decode_envelopes."},
    {NULL, NULL, 0, NULL},
};

static int
intern_names(PyObject *module)
{
    struct { PyObject **slot; const char *text; } names[] = {
        {&s_get, "get"}, {&s_error, "error"}, {&s_partition, "partition"}, {&s_topic, "topic"}, {&s_offset, "offset"},
        {&s_key, "key"}, {&s_value, "value"}, {&s_timestamp, "timestamp"},
        {&s_system_stream_partition, "system_stream_partition"}, {&s__offset, "_offset"},
        {&s_message, "message"}, {&s_size, "size"}, {&s_event_time, "event_time"},
        {&s_arrival_time, "arrival_time"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL) {
            return -1;
        }
    }
    return 0;
}

static struct PyModuleDef_Slot slots[] = {
    {Py_mod_exec, intern_names},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "samza_py._message_runs",
    .m_doc = "The Kafka consumer's per-message work, compiled.",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__message_runs(void)
{
    return PyModuleDef_Init(&module_def);
}
