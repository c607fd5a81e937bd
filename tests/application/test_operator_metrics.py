"""Each operator counts the messages it takes (Samza's ``<op id>-messages``), in the task's registry."""

from __future__ import annotations

from samza_py.api import (
    IncomingMessageEnvelope,
    StreamApplicationDescriptor,
    StringSerde,
    SystemDescriptor,
    SystemStreamPartition,
)
from samza_py.application.graph import OPERATOR_METRICS_GROUP, OperatorGraph
from samza_py.config.config import Config
from samza_py.serializers.registry import SerdeRegistry
from tests.application.helpers import FakeContext, NullCoordinator, RecordingCollector

FAKE = SystemDescriptor("fake", "tests.fakes.FakeSystemFactory")
CONFIG = {"job.name": "j", "job.id": "1"}


def test_every_operator_counts_what_it_takes_in_the_tasks_registry() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    lines = app.get_input_stream(FAKE.get_input_descriptor("lines", StringSerde()))
    out = app.get_output_stream(FAKE.get_output_descriptor("words", StringSerde()))
    lines.flat_map(str.split).filter(lambda w: w != "the").send_to(out)
    graph = OperatorGraph(app)
    context = FakeContext(CONFIG, {})
    graph.init(context, SerdeRegistry.from_config(Config(CONFIG)))
    ssp = SystemStreamPartition.of("fake", "lines", 0)
    for offset, line in enumerate(["the cat sat", "", "on the mat"]):
        graph.inputs[ssp.system_stream].on_envelope(IncomingMessageEnvelope(ssp, str(offset), None, line),
                                                    RecordingCollector(), NullCoordinator())

    counters = context.registry.snapshot()[OPERATOR_METRICS_GROUP]
    by_kind = {op_id.split("-")[2]: value for op_id, value in counters.items()}
    # 3 lines in; 6 words out of flat_map; 4 of them not "the" reach send_to.
    assert by_kind == {"input": 3, "flatmap": 3, "filter": 6, "send_to": 4}
    assert set(counters) == {f"{op_id}-messages" for op_id in graph.operators}
