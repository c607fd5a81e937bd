"""The 100-byte pass-through in Quix Streams, run by bench/peers.py in the peers' virtualenv.

Reads ``--source`` from its oldest offset in a fresh consumer group, writes each message unchanged to
``--sink``, and stops itself after ``--messages`` messages. ``--consumer``/``--producer`` are JSON maps of
librdkafka settings (samza-py's effective ones), passed through Quix's ``*_extra_config``.
"""

from __future__ import annotations

import argparse
import json
import logging

from marker import first_message, processed
from quixstreams import Application


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--bootstrap", "--source", "--sink", "--group", "--consumer", "--producer", "--state-dir"):
        parser.add_argument(name, required=True)
    parser.add_argument("--messages", type=int, required=True)
    args = parser.parse_args()
    app = Application(
        broker_address=args.bootstrap,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        consumer_extra_config=json.loads(args.consumer),
        producer_extra_config=json.loads(args.producer),
        use_changelog_topics=False,
        state_dir=args.state_dir,
        loglevel=logging.WARNING,
    )
    source = app.topic(args.source, key_deserializer="bytes", value_deserializer="bytes")
    sink = app.topic(args.sink, key_serializer="bytes", value_serializer="bytes")
    seen = 0

    def count(_value: bytes) -> None:
        nonlocal seen
        if seen == 0:
            first_message()
        seen += 1
        if seen == args.messages:
            app.stop()  # takes effect after this message; Quix then flushes its producer and commits

    app.dataframe(source).to_topic(sink).update(count)  # the app keeps track of its dataframes
    app.run()
    processed(seen)


if __name__ == "__main__":
    main()
