/* The send path of a task's output, compiled: what runs for every message a task sends.
 *
 * Emitter(check, sends, send, key_to, key_to_bytes, msg_to, msg_to_bytes)(partition_key, key, message)
 *     The collector's part (samza_py.container.collector): serialise key and message with the stream's
 *     serdes (key_to / msg_to, a serde's C-level function; when it raises, the serde's to_bytes method
 *     gives the answer or the serde's own error); without a serde only bytes pass, anything else goes
 *     to check(what, serde_key, value), which raises for what cannot go out as it is. Then
 *     sends.count += 1 and send(partition_key, key, message).
 * Sender(produce, topic, producer, tally, samza_partition, kafka_exception, poll_every)(partition_key, key, message)
 *     The Kafka producer's part (samza_py.system.kafka.producer): produce(topic, message, key) to the
 *     client's partitioner, or to samza_partition(partition_key, partitions) (the partition count asked of
 *     producer.partition_count once); a full queue is left to producer._produce_when_room, a refused send
 *     raises producer._send_error(topic, exc); every poll_every sends (counted in ``tally``, the producer's
 *     SendTally, which its other sends share) producer._poll() serves delivery reports.
 * SendTally()
 *     Sends made since the producer last polled, in ``unpolled``: a C long, so that counting a send is an
 *     addition rather than an attribute read and write on the producer (about 0.1 µs a message).
 * OutgoingMessageEnvelope(system_stream, [[partition_key,] key,] message, **keywords)
 *     samza_py.api's envelope (the Python class in samza_py/api/envelope.py is the reference, with the
 *     same constructor meanings): a task builds one for every message it sends, and as a Python class
 *     with __slots__ that took about half a microsecond.
 * EnvelopeSend(routes, general)(envelope)
 *     The collector's send(envelope): an envelope of this module's type naming no serdes of its own goes
 *     straight to routes[envelope.system_stream](partition_key, key, message); anything else (another
 *     envelope type, a serde override, a stream not routed yet) to general(envelope).
 * produce_pairs(produce, topic, partition, pairs, start, tally) -> (int, Exception | None)
 *     A batch to one partition (a store's changelog batch): produce(topic, value, key, partition) for each
 *     (key, value) tuple of the list ``pairs`` from index ``start``, tally.unpolled += 1 for each one sent.
 *     Returns the index of the first pair not sent (len(pairs) when all were) and, when its produce raised
 *     an Exception, that exception (not raised: the caller, KafkaSystemProducer.send_serialized_all, handles
 *     it as its Python loop, the reference, does: a full queue waited out, a refusal named). A pair that is
 *     not a 2-tuple stops it too, with None. Anything else raised (KeyboardInterrupt) propagates, the sends
 *     before it counted.
 * The first two are the Python closures of those modules, which stay as the reference and where this module was
 * not built; tests run the two alike. In Python these two steps cost about half a microsecond a message.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "_counter.h"
#include "_java_hash.h"

static PyObject *s_partition_key, *s_key_serde_kw, *s_msg_serde_kw, *s_unset, *s_newobj;
static PyObject *s_count, *s_key, *s_message, *s_key_serde, *s_msg_serde, *s_partition_count,
    *s__produce_when_room, *s__send_error, *s__poll;

/* ---------------------------------------------------------------- Emitter */

typedef struct {
    PyObject_HEAD
    PyObject *check, *sends, *send, *key_to, *key_to_bytes, *msg_to, *msg_to_bytes;
    Py_ssize_t sends_slot;  /* counter_slot(sends) */
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
    if (counter_inc(self->sends, self->sends_slot, s_count) == 0) {
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
    self->sends_slot = counter_slot(sends);
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

/* ---------------------------------------------------------------- SendTally */

typedef struct {
    PyObject_HEAD
    long unpolled;
} SendTally;

static PyMemberDef send_tally_members[] = {
    {"unpolled", T_LONG, offsetof(SendTally, unpolled), 0, "sends made since the producer last polled"},
    {NULL},
};

static PyTypeObject SendTallyType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py._send_path.SendTally",
    .tp_doc = "Sends made since the producer last polled: see the module's doc.",
    .tp_basicsize = sizeof(SendTally),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_members = send_tally_members,
};

/* ---------------------------------------------------------------- Sender */

typedef struct {
    PyObject_HEAD
    PyObject *produce, *topic, *producer, *samza_partition, *kafka_exception;
    SendTally *tally;
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

/* tally.unpolled += 1, and producer._poll() every poll_every sends. */
static int
note_sent(Sender *self)
{
    if (++self->tally->unpolled >= self->poll_every) {
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
    static char *names[] = {"produce", "topic", "producer", "tally", "samza_partition", "kafka_exception",
                            "poll_every", NULL};
    PyObject *produce, *topic, *producer, *samza_partition, *kafka_exception;
    SendTally *tally;
    long poll_every;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOO!OOl:Sender", names, &produce, &topic, &producer,
                                     &SendTallyType, &tally, &samza_partition, &kafka_exception, &poll_every)) {
        return NULL;
    }
    Sender *self = (Sender *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->produce = Py_NewRef(produce);
    self->topic = Py_NewRef(topic);
    self->producer = Py_NewRef(producer);
    self->tally = (SendTally *)Py_NewRef(tally);
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
    Py_VISIT(self->tally);
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
    Py_CLEAR(self->tally);
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

/* ---------------------------------------------------------------- OutgoingMessageEnvelope */

/* The fields, in the order of the constructor's fullest form and of the pickled state. */
enum { F_SYSTEM_STREAM, F_PARTITION_KEY, F_KEY, F_MESSAGE, F_KEY_SERDE, F_MSG_SERDE, FIELD_COUNT };

typedef struct {
    PyObject_HEAD
    PyObject *fields[FIELD_COUNT];
} OutgoingEnvelope;

/* Every field replaced by a new reference to values[i]. */
static void
envelope_set(OutgoingEnvelope *self, PyObject *const *values)
{
    for (int i = 0; i < FIELD_COUNT; i++) {
        Py_XSETREF(self->fields[i], Py_NewRef(values[i]));
    }
}

static PyTypeObject OutgoingEnvelopeType;

/* Samza's constructor meanings: positional (stream[, [[partition_key,] key,] message]) win over the
 * keywords message=, key=, partition_key=; a partition key not given is the key; key_serde= and
 * msg_serde= name serdes. ``kwnames``/``kwvalues`` (vectorcall) or ``kwdict`` carry the keywords. */
static int
envelope_fill(OutgoingEnvelope *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
              PyObject *const *kwvalues, PyObject *kwdict)
{
    if (nargs < 1 || nargs > 4) {
        PyErr_Format(PyExc_TypeError,
                     "OutgoingMessageEnvelope() takes from 1 to 4 positional arguments but %zd were given", nargs);
        return -1;
    }
    PyObject *message = Py_None, *key = Py_None, *partition_key = s_unset, *key_serde = Py_None,
             *msg_serde = Py_None;
    Py_ssize_t nkw = kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0;
    Py_ssize_t pos = 0;
    PyObject *name, *value;
    for (Py_ssize_t i = 0;; i++) {
        if (kwnames != NULL) {
            if (i >= nkw) {
                break;
            }
            name = PyTuple_GET_ITEM(kwnames, i);
            value = kwvalues[i];
        }
        else if (kwdict == NULL || !PyDict_Next(kwdict, &pos, &name, &value)) {
            break;
        }
        if (PyUnicode_Check(name) && PyUnicode_Compare(name, s_message) == 0) {
            message = value;
        }
        else if (PyUnicode_Check(name) && PyUnicode_Compare(name, s_key) == 0) {
            key = value;
        }
        else if (PyUnicode_Check(name) && PyUnicode_Compare(name, s_partition_key) == 0) {
            partition_key = value;
        }
        else if (PyUnicode_Check(name) && PyUnicode_Compare(name, s_key_serde_kw) == 0) {
            key_serde = value;
        }
        else if (PyUnicode_Check(name) && PyUnicode_Compare(name, s_msg_serde_kw) == 0) {
            msg_serde = value;
        }
        else {
            PyErr_Format(PyExc_TypeError, "OutgoingMessageEnvelope() got an unexpected keyword argument %R", name);
            return -1;
        }
    }
    if (nargs == 4) {
        partition_key = args[1], key = args[2], message = args[3];
    }
    else if (nargs == 3) {
        key = args[1], message = args[2];
    }
    else if (nargs == 2) {
        message = args[1];
    }
    if (partition_key == s_unset) {
        partition_key = key;
    }
    PyObject *values[FIELD_COUNT] = {args[0], partition_key, key, message, key_serde, msg_serde};
    envelope_set(self, values);
    return 0;
}

static PyObject *
envelope_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    OutgoingEnvelope *self = (OutgoingEnvelope *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    for (int i = 0; i < FIELD_COUNT; i++) {
        self->fields[i] = Py_NewRef(Py_None);
    }
    return (PyObject *)self;
}

static int
envelope_init(OutgoingEnvelope *self, PyObject *args, PyObject *kwargs)
{
    return envelope_fill(self, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args), NULL, NULL, kwargs);
}

/* Calling the type itself (not a subclass): no argument tuple, no __init__ lookup. */
static PyObject *
envelope_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    OutgoingEnvelope *self = (OutgoingEnvelope *)envelope_new((PyTypeObject *)type, NULL, NULL);
    if (self == NULL) {
        return NULL;
    }
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (envelope_fill(self, args, nargs, kwnames, args + nargs, NULL) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *
envelope_repr(OutgoingEnvelope *self)
{
    return PyUnicode_FromFormat("OutgoingMessageEnvelope(%S, partition_key=%R, key=%R, message=%R)",
                                self->fields[F_SYSTEM_STREAM], self->fields[F_PARTITION_KEY], self->fields[F_KEY],
                                self->fields[F_MESSAGE]);
}

/* pickle and copy: a new object of the type (not its __init__: a subclass may take other arguments) given
 * every field, and a subclass's __dict__, as state */
static PyObject *
envelope_reduce(OutgoingEnvelope *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *attributes = Py_None;
    if (Py_TYPE(self)->tp_dictoffset != 0 && (attributes = PyObject_GenericGetDict((PyObject *)self, NULL)) == NULL) {
        return NULL;
    }
    PyObject *const *f = self->fields;
    PyObject *reduced = Py_BuildValue("O(O)(OOOOOOO)", s_newobj, Py_TYPE(self), f[0], f[1], f[2], f[3], f[4], f[5],
                                      attributes);
    if (attributes != Py_None) {
        Py_DECREF(attributes);
    }
    return reduced;
}

static PyObject *
envelope_setstate(OutgoingEnvelope *self, PyObject *state)
{
    PyObject *v[FIELD_COUNT], *attributes;
    if (!PyArg_ParseTuple(state, "OOOOOOO:__setstate__", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &attributes)) {
        return NULL;
    }
    envelope_set(self, v);
    if (attributes != Py_None) {
        PyObject *own = PyObject_GenericGetDict((PyObject *)self, NULL);
        if (own == NULL) {
            return NULL;
        }
        int failed = PyDict_Update(own, attributes);
        Py_DECREF(own);
        if (failed < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static int
envelope_traverse(OutgoingEnvelope *self, visitproc visit, void *arg)
{
    for (int i = 0; i < FIELD_COUNT; i++) {
        Py_VISIT(self->fields[i]);
    }
    return 0;
}

static int
envelope_clear(OutgoingEnvelope *self)
{
    for (int i = 0; i < FIELD_COUNT; i++) {
        Py_CLEAR(self->fields[i]);
    }
    return 0;
}

static void
envelope_dealloc(OutgoingEnvelope *self)
{
    /* a Python subclass's dealloc visits and releases its type itself */
    PyObject_GC_UnTrack(self);
    envelope_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef envelope_members[] = {
#define FIELD_AT(i) (offsetof(OutgoingEnvelope, fields) + (i) * sizeof(PyObject *))
    {"system_stream", T_OBJECT, FIELD_AT(F_SYSTEM_STREAM), 0, NULL},
    {"partition_key", T_OBJECT, FIELD_AT(F_PARTITION_KEY), 0, NULL},
    {"key", T_OBJECT, FIELD_AT(F_KEY), 0, NULL},
    {"message", T_OBJECT, FIELD_AT(F_MESSAGE), 0, NULL},
    {"key_serde", T_OBJECT, FIELD_AT(F_KEY_SERDE), 0, NULL},
    {"msg_serde", T_OBJECT, FIELD_AT(F_MSG_SERDE), 0, NULL},
#undef FIELD_AT
    {NULL},
};

static PyMethodDef envelope_methods[] = {
    {"__reduce__", (PyCFunction)envelope_reduce, METH_NOARGS, NULL},
    {"__setstate__", (PyCFunction)envelope_setstate, METH_O, NULL},
    {NULL},
};

static PyTypeObject OutgoingEnvelopeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py.api.envelope.OutgoingMessageEnvelope",
    .tp_doc = "A message to send, with Samza's constructor meanings:\n\n"
              "- OutgoingMessageEnvelope(stream, message): no key, no partition key\n"
              "- OutgoingMessageEnvelope(stream, key, message): the key is also the partition key\n"
              "- OutgoingMessageEnvelope(stream, partition_key, key, message)\n"
              "Keywords (message=, key=, partition_key=) may be used instead; a partition key that is\n"
              "not given is the key. key_serde/msg_serde name serdes that override the stream's.",
    .tp_basicsize = sizeof(OutgoingEnvelope),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .tp_new = envelope_new,
    .tp_init = (initproc)envelope_init,
    .tp_vectorcall = envelope_vectorcall,
    .tp_repr = (reprfunc)envelope_repr,
    .tp_members = envelope_members,
    .tp_methods = envelope_methods,
    .tp_traverse = (traverseproc)envelope_traverse,
    .tp_clear = (inquiry)envelope_clear,
    .tp_dealloc = (destructor)envelope_dealloc,
};

/* ---------------------------------------------------------------- EnvelopeSend */

typedef struct {
    PyObject_HEAD
    PyObject *routes, *general;
    vectorcallfunc vectorcall;
} EnvelopeSend;

static PyObject *
envelope_send_call(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    EnvelopeSend *self = (EnvelopeSend *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "send() takes one envelope");
        return NULL;
    }
    if (Py_TYPE(args[0]) != &OutgoingEnvelopeType) {
        return PyObject_CallOneArg(self->general, args[0]);
    }
    PyObject *const *fields = ((OutgoingEnvelope *)args[0])->fields;
    if (fields[F_KEY_SERDE] != Py_None || fields[F_MSG_SERDE] != Py_None) {
        return PyObject_CallOneArg(self->general, args[0]);
    }
    PyObject *emit = PyDict_GetItemWithError(self->routes, fields[F_SYSTEM_STREAM]);
    if (emit == NULL) {
        return PyErr_Occurred() ? NULL : PyObject_CallOneArg(self->general, args[0]);
    }
    /* held across the call: the emit (and the envelope's fields) may be replaced while it runs */
    PyObject *held[4] = {Py_NewRef(emit), Py_NewRef(fields[F_PARTITION_KEY]), Py_NewRef(fields[F_KEY]),
                         Py_NewRef(fields[F_MESSAGE])};
    PyObject *result = PyObject_Vectorcall(held[0], held + 1, 3, NULL);
    for (int i = 0; i < 4; i++) {
        Py_DECREF(held[i]);
    }
    return result;
}

static PyObject *
envelope_send_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"routes", "general", NULL};
    PyObject *routes, *general;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O:EnvelopeSend", names, &PyDict_Type, &routes, &general)) {
        return NULL;
    }
    EnvelopeSend *self = (EnvelopeSend *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->routes = Py_NewRef(routes);
    self->general = Py_NewRef(general);
    self->vectorcall = envelope_send_call;
    return (PyObject *)self;
}

static int
envelope_send_traverse(EnvelopeSend *self, visitproc visit, void *arg)
{
    Py_VISIT(self->routes);
    Py_VISIT(self->general);
    return 0;
}

static int
envelope_send_clear(EnvelopeSend *self)
{
    Py_CLEAR(self->routes);
    Py_CLEAR(self->general);
    return 0;
}

static void
envelope_send_dealloc(EnvelopeSend *self)
{
    PyObject_GC_UnTrack(self);
    envelope_send_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject EnvelopeSendType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "samza_py._send_path.EnvelopeSend",
    .tp_doc = "A collector's send(envelope): see the module's doc.",
    .tp_basicsize = sizeof(EnvelopeSend),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = envelope_send_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(EnvelopeSend, vectorcall),
    .tp_traverse = (traverseproc)envelope_send_traverse,
    .tp_clear = (inquiry)envelope_send_clear,
    .tp_dealloc = (destructor)envelope_send_dealloc,
};

/* ---------------------------------------------------------------- module */

static int
exec_module(PyObject *module)
{
    struct { PyObject **slot; const char *text; } names[] = {
        {&s_count, "count"}, {&s_key, "key"}, {&s_message, "message"}, {&s_key_serde, "key.serde"},
        {&s_msg_serde, "msg.serde"}, {&s_partition_count, "partition_count"},
        {&s__produce_when_room, "_produce_when_room"}, {&s__send_error, "_send_error"}, {&s__poll, "_poll"},
        {&s_partition_key, "partition_key"}, {&s_key_serde_kw, "key_serde"},
        {&s_msg_serde_kw, "msg_serde"},
    };
    if (s_unset == NULL && (s_unset = PyBaseObject_Type.tp_alloc(&PyBaseObject_Type, 0)) == NULL) {
        return -1;  /* a partition key not given (None is one) */
    }
    if (s_newobj == NULL) {  /* copyreg.__newobj__(cls): cls.__new__(cls), what pickle's protocol 2 calls */
        PyObject *copyreg = PyImport_ImportModule("copyreg");
        if (copyreg == NULL) {
            return -1;
        }
        s_newobj = PyObject_GetAttrString(copyreg, "__newobj__");
        Py_DECREF(copyreg);
        if (s_newobj == NULL) {
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL) {
            return -1;
        }
    }
    if (PyType_Ready(&EmitterType) < 0 || PyType_Ready(&SendTallyType) < 0 || PyType_Ready(&SenderType) < 0
        || PyType_Ready(&OutgoingEnvelopeType) < 0 || PyType_Ready(&EnvelopeSendType) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Emitter", (PyObject *)&EmitterType) < 0
        || PyModule_AddObjectRef(module, "SendTally", (PyObject *)&SendTallyType) < 0
        || PyModule_AddObjectRef(module, "Sender", (PyObject *)&SenderType) < 0
        || PyModule_AddObjectRef(module, "OutgoingMessageEnvelope", (PyObject *)&OutgoingEnvelopeType) < 0
        || PyModule_AddObjectRef(module, "EnvelopeSend", (PyObject *)&EnvelopeSendType) < 0) {
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- produce_pairs */

static PyObject *
produce_pairs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyList_Check(args[3]) || !Py_IS_TYPE(args[5], &SendTallyType)) {
        PyErr_SetString(PyExc_TypeError,
                        "produce_pairs(produce, topic, partition, pairs, start, tally) takes a list and a SendTally");
        return NULL;
    }
    PyObject *produce = args[0], *topic = args[1], *partition = args[2], *pairs = args[3];
    SendTally *tally = (SendTally *)args[5];
    Py_ssize_t i = PyLong_AsSsize_t(args[4]);
    if (i == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *failure = Py_None;
    for (; i >= 0 && i < PyList_GET_SIZE(pairs); i++) {  /* (read afresh: produce may run Python code) */
        PyObject *pair = PyList_GET_ITEM(pairs, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            break;
        }
        Py_INCREF(pair);  /* the list is the caller's: keep the pair's key and value alive through the call */
        PyObject *call_args[4] = {topic, PyTuple_GET_ITEM(pair, 1), PyTuple_GET_ITEM(pair, 0), partition};
        PyObject *done = PyObject_Vectorcall(produce, call_args, 4, NULL);
        Py_DECREF(pair);
        if (done == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                return NULL;
            }
            PyObject *type, *value, *traceback;  /* the exception as one object (PyErr_GetRaisedException from 3.12) */
            PyErr_Fetch(&type, &value, &traceback);
            PyErr_NormalizeException(&type, &value, &traceback);
            if (value != NULL && traceback != NULL) {
                PyException_SetTraceback(value, traceback);
            }
            Py_XDECREF(type);
            Py_XDECREF(traceback);
            failure = value != NULL ? value : Py_None;
            break;
        }
        Py_DECREF(done);
        tally->unpolled++;
    }
    PyObject *result = Py_BuildValue("(nO)", i, failure);
    if (failure != Py_None) {
        Py_DECREF(failure);
    }
    return result;
}

static PyMethodDef module_methods[] = {
    {"produce_pairs", (PyCFunction)(void (*)(void))produce_pairs, METH_FASTCALL,
     "produce_pairs(produce, topic, partition, pairs, start, tally): send a batch; the index of the first pair "
     "not sent and its produce's exception (see the module doc)."},
    {NULL},
};

static struct PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "samza_py._send_path",
    .m_doc = "The send path of a task's output, compiled.",
    .m_size = 0,
    .m_methods = module_methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__send_path(void)
{
    return PyModuleDef_Init(&module_def);
}
