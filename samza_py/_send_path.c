/* The send path of a task's output, compiled: what runs for every message a task sends.
 *
 * Emitter(check, sends, send, key_to, key_to_bytes, msg_to, msg_to_bytes)(partition_key, key, message)
 *     The collector's part (samza_py.container.collector): serialise key and message with the stream's
 *     serdes (key_to / msg_to, a serde's C-level function; when it raises, the serde's to_bytes method
 *     gives the answer or the serde's own error); without a serde only bytes pass, anything else goes
 *     to check(what, serde_key, value), which raises for what cannot go out as it is. Then
 *     sends.count += 1 and send(partition_key, key, message).
 * Sender(produce, topic, producer, samza_partition, kafka_exception, poll_every)(partition_key, key, message)
 *     The Kafka producer's part (samza_py.system.kafka.producer): produce(topic, message, key) to the
 *     client's partitioner, or to samza_partition(partition_key, partitions) (the partition count asked of
 *     producer.partition_count once); a full queue is left to producer._produce_when_room, a refused send
 *     raises producer._send_error(topic, exc); every poll_every sends (counted in producer._unpolled, which
 *     the producer's other sends share) producer._poll() serves delivery reports.
 * Both are the Python closures of those modules, which stay as the reference and where this module was
 * not built; tests run the two alike. In Python these two steps cost about half a microsecond a message.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "_java_hash.h"

static PyObject *s_count, *s_key, *s_message, *s_key_serde, *s_msg_serde, *s__unpolled, *s_partition_count,
    *s__produce_when_room, *s__send_error, *s__poll;

/* ---------------------------------------------------------------- Emitter */

typedef struct {
    PyObject_HEAD
    PyObject *check, *sends, *send, *key_to, *key_to_bytes, *msg_to, *msg_to_bytes;
    vectorcallfunc vectorcall;
} Emitter;

/* value serialised by ``to`` (falling back to ``to_bytes``), or checked when there is no serde; a new
 * reference, or NULL with an exception. */
static PyObject *
serialised(Emitter *self, PyObject *value, PyObject *to, PyObject *to_bytes, PyObject *what, PyObject *serde_key)
{
    if (value == Py_None) {
        return Py_NewRef(value);
    }
    if (to != Py_None) {
        PyObject *out = PyObject_CallOneArg(to, value);
        if (out == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                return NULL;
            }
            PyErr_Clear();  /* the serde's own method: its answer, or its own error */
            out = PyObject_CallOneArg(to_bytes, value);
        }
        return out;
    }
    if (!PyBytes_CheckExact(value)) {
        PyObject *args[3] = {what, serde_key, value};
        PyObject *checked = PyObject_Vectorcall(self->check, args, 3, NULL);
        if (checked == NULL) {
            return NULL;
        }
        Py_DECREF(checked);
    }
    return Py_NewRef(value);
}

/* counter.count += 1 */
static int
count_one(PyObject *counter)
{
    PyObject *count = PyObject_GetAttr(counter, s_count);
    if (count == NULL) {
        return -1;
    }
    PyObject *one = PyLong_FromLong(1);
    PyObject *next = PyNumber_Add(count, one);
    Py_DECREF(one);
    Py_DECREF(count);
    if (next == NULL) {
        return -1;
    }
    int failed = PyObject_SetAttr(counter, s_count, next);
    Py_DECREF(next);
    return failed;
}

static PyObject *
emitter_call(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Emitter *self = (Emitter *)callable;
    if (PyVectorcall_NARGS(nargsf) != 3 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "an emitter takes (partition_key, key, message)");
        return NULL;
    }
    PyObject *key = serialised(self, args[1], self->key_to, self->key_to_bytes, s_key, s_key_serde);
    if (key == NULL) {
        return NULL;
    }
    PyObject *message = serialised(self, args[2], self->msg_to, self->msg_to_bytes, s_message, s_msg_serde);
    if (message == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    PyObject *result = NULL;
    if (count_one(self->sends) == 0) {
        PyObject *send_args[3] = {args[0], key, message};
        result = PyObject_Vectorcall(self->send, send_args, 3, NULL);
    }
    Py_DECREF(key);
    Py_DECREF(message);
    return result;
}

static PyObject *
emitter_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"check", "sends", "send", "key_to", "key_to_bytes", "msg_to", "msg_to_bytes", NULL};
    PyObject *check, *sends, *send, *key_to, *key_to_bytes, *msg_to, *msg_to_bytes;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOOO:Emitter", names, &check, &sends, &send, &key_to,
                                     &key_to_bytes, &msg_to, &msg_to_bytes)) {
        return NULL;
    }
    Emitter *self = (Emitter *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->check = Py_NewRef(check);
    self->sends = Py_NewRef(sends);
    self->send = Py_NewRef(send);
    self->key_to = Py_NewRef(key_to);
    self->key_to_bytes = Py_NewRef(key_to_bytes);
    self->msg_to = Py_NewRef(msg_to);
    self->msg_to_bytes = Py_NewRef(msg_to_bytes);
    self->vectorcall = emitter_call;
    return (PyObject *)self;
}

static int
emitter_traverse(Emitter *self, visitproc visit, void *arg)
{
    Py_VISIT(self->check);
    Py_VISIT(self->sends);
    Py_VISIT(self->send);
    Py_VISIT(self->key_to);
    Py_VISIT(self->key_to_bytes);
    Py_VISIT(self->msg_to);
    Py_VISIT(self->msg_to_bytes);
    return 0;
}

static int
emitter_clear(Emitter *self)
{
    Py_CLEAR(self->check);
    Py_CLEAR(self->sends);
    Py_CLEAR(self->send);
    Py_CLEAR(self->key_to);
    Py_CLEAR(self->key_to_bytes);
    Py_CLEAR(self->msg_to);
    Py_CLEAR(self->msg_to_bytes);
    return 0;
}

static void
emitter_dealloc(Emitter *self)
{
    PyObject_GC_UnTrack(self);
    emitter_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject EmitterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py._send_path.Emitter",
    .tp_doc = "Serialise, count and send one output message: see the module's doc.",
    .tp_basicsize = sizeof(Emitter),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = emitter_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Emitter, vectorcall),
    .tp_traverse = (traverseproc)emitter_traverse,
    .tp_clear = (inquiry)emitter_clear,
    .tp_dealloc = (destructor)emitter_dealloc,
};

/* ---------------------------------------------------------------- Sender */

typedef struct {
    PyObject_HEAD
    PyObject *produce, *topic, *producer, *samza_partition, *kafka_exception;
    PyObject *partitions;  /* the topic's partition count, asked at the first keyed send; NULL until then */
    long partition_count;  /* the same as a C long */
    long poll_every;
    vectorcallfunc vectorcall;
} Sender;

/* raise producer._send_error(topic, exc) from exc, for the KafkaException being raised. */
static void
raise_send_error(Sender *self)
{
    PyObject *type, *exc, *traceback;
    PyErr_Fetch(&type, &exc, &traceback);
    PyErr_NormalizeException(&type, &exc, &traceback);
    if (traceback != NULL) {
        PyException_SetTraceback(exc, traceback);
    }
    Py_XDECREF(type);
    Py_XDECREF(traceback);
    PyObject *error = PyObject_CallMethodObjArgs(self->producer, s__send_error, self->topic, exc, NULL);
    if (error != NULL) {
        PyException_SetCause(error, Py_NewRef(exc));
        PyException_SetContext(error, Py_NewRef(exc));
        PyErr_SetObject((PyObject *)Py_TYPE(error), error);
        Py_DECREF(error);
    }
    Py_DECREF(exc);
}

/* producer._unpolled += 1, and producer._poll() every poll_every sends. */
static int
note_sent(Sender *self)
{
    PyObject *unpolled = PyObject_GetAttr(self->producer, s__unpolled);
    if (unpolled == NULL) {
        return -1;
    }
    long n = PyLong_AsLong(unpolled);
    Py_DECREF(unpolled);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    PyObject *next = PyLong_FromLong(n + 1);
    if (next == NULL) {
        return -1;
    }
    int failed = PyObject_SetAttr(self->producer, s__unpolled, next);
    Py_DECREF(next);
    if (failed) {
        return -1;
    }
    if (n + 1 >= self->poll_every) {
        PyObject *polled = PyObject_CallMethodNoArgs(self->producer, s__poll);
        if (polled == NULL) {
            return -1;
        }
        Py_DECREF(polled);
    }
    return 0;
}

/* samza_partition(partition_key, partitions): worked out here for text and bytes, the usual keys (the
 * same Java hash as samza_py._java_hash); any other key is left to samza_partition. */
static PyObject *
partition_of(Sender *self, PyObject *partition_key)
{
    if (self->partitions == NULL) {
        PyObject *partitions = PyObject_CallMethodOneArg(self->producer, s_partition_count, self->topic);
        if (partitions == NULL) {
            return NULL;
        }
        long count = PyLong_AsLong(partitions);
        if (count == -1 && PyErr_Occurred()) {
            Py_DECREF(partitions);
            return NULL;
        }
        self->partitions = partitions;
        self->partition_count = count;
    }
    long count = self->partition_count;
    int32_t h;
    if (count > 0 && PyUnicode_CheckExact(partition_key)) {
        if (java_string_hash(partition_key, &h) < 0) {
            return NULL;
        }
    }
    else if (count > 0 && PyBytes_CheckExact(partition_key)) {
        h = java_bytes_hash(PyBytes_AS_STRING(partition_key), PyBytes_GET_SIZE(partition_key));
    }
    else {
        PyObject *args[2] = {partition_key, self->partitions};
        return PyObject_Vectorcall(self->samza_partition, args, 2, NULL);
    }
    /* abs(hashCode) % partitions, abs(Integer.MIN_VALUE) taken as 0 as Samza's KafkaUtil does */
    long positive = h == INT32_MIN ? 0 : (h < 0 ? -(long)h : (long)h);
    return PyLong_FromLong(positive % count);
}

static PyObject *
sender_call(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Sender *self = (Sender *)callable;
    if (PyVectorcall_NARGS(nargsf) != 3 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "a sender takes (partition_key, key, message)");
        return NULL;
    }
    PyObject *partition_key = args[0], *key = args[1], *message = args[2];
    PyObject *produced;
    if (partition_key == Py_None) {
        PyObject *produce_args[3] = {self->topic, message, key};
        produced = PyObject_Vectorcall(self->produce, produce_args, 3, NULL);
    }
    else {
        PyObject *partition = partition_of(self, partition_key);
        if (partition == NULL) {
            return NULL;
        }
        PyObject *produce_args[4] = {self->topic, message, key, partition};
        produced = PyObject_Vectorcall(self->produce, produce_args, 4, NULL);
        Py_DECREF(partition);
    }
    if (produced == NULL) {
        if (PyErr_ExceptionMatches(PyExc_BufferError)) {
            PyErr_Clear();  /* the local queue is full: wait for room, as long as max.block.ms allows */
            produced = PyObject_CallMethodObjArgs(self->producer, s__produce_when_room, self->topic, message, key,
                                                  partition_key, NULL);
            if (produced == NULL) {
                return NULL;
            }
        }
        else {
            if (PyErr_ExceptionMatches(self->kafka_exception)) {
                raise_send_error(self);
            }
            return NULL;
        }
    }
    Py_DECREF(produced);
    if (note_sent(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
sender_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"produce", "topic", "producer", "samza_partition", "kafka_exception", "poll_every",
                            NULL};
    PyObject *produce, *topic, *producer, *samza_partition, *kafka_exception;
    long poll_every;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOl:Sender", names, &produce, &topic, &producer,
                                     &samza_partition, &kafka_exception, &poll_every)) {
        return NULL;
    }
    Sender *self = (Sender *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->produce = Py_NewRef(produce);
    self->topic = Py_NewRef(topic);
    self->producer = Py_NewRef(producer);
    self->samza_partition = Py_NewRef(samza_partition);
    self->kafka_exception = Py_NewRef(kafka_exception);
    self->partitions = NULL;
    self->partition_count = 0;
    self->poll_every = poll_every > 0 ? poll_every : 1;
    self->vectorcall = sender_call;
    return (PyObject *)self;
}

static int
sender_traverse(Sender *self, visitproc visit, void *arg)
{
    Py_VISIT(self->produce);
    Py_VISIT(self->topic);
    Py_VISIT(self->producer);
    Py_VISIT(self->samza_partition);
    Py_VISIT(self->kafka_exception);
    Py_VISIT(self->partitions);
    return 0;
}

static int
sender_clear(Sender *self)
{
    Py_CLEAR(self->produce);
    Py_CLEAR(self->topic);
    Py_CLEAR(self->producer);
    Py_CLEAR(self->samza_partition);
    Py_CLEAR(self->kafka_exception);
    Py_CLEAR(self->partitions);
    return 0;
}

static void
sender_dealloc(Sender *self)
{
    PyObject_GC_UnTrack(self);
    sender_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject SenderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py._send_path.Sender",
    .tp_doc = "Produce one serialised message to one topic: see the module's doc.",
    .tp_basicsize = sizeof(Sender),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = sender_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Sender, vectorcall),
    .tp_traverse = (traverseproc)sender_traverse,
    .tp_clear = (inquiry)sender_clear,
    .tp_dealloc = (destructor)sender_dealloc,
};

/* ---------------------------------------------------------------- module */

static int
exec_module(PyObject *module)
{
    struct { PyObject **slot; const char *text; } names[] = {
        {&s_count, "count"}, {&s_key, "key"}, {&s_message, "message"}, {&s_key_serde, "key.serde"},
        {&s_msg_serde, "msg.serde"}, {&s__unpolled, "_unpolled"}, {&s_partition_count, "partition_count"},
        {&s__produce_when_room, "_produce_when_room"}, {&s__send_error, "_send_error"}, {&s__poll, "_poll"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL) {
            return -1;
        }
    }
    if (PyType_Ready(&EmitterType) < 0 || PyType_Ready(&SenderType) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Emitter", (PyObject *)&EmitterType) < 0
        || PyModule_AddObjectRef(module, "Sender", (PyObject *)&SenderType) < 0) {
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
    .m_name = "samza_py._send_path",
    .m_doc = "The send path of a task's output, compiled.",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__send_path(void)
{
    return PyModuleDef_Init(&module_def);
}
