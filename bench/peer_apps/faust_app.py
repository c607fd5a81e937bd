"""The 100-byte pass-through in Faust (faust-streaming), run by bench/peers.py in the peers' virtualenv.

Reads ``--source`` from its oldest offset in a fresh consumer group (the app id), writes each message
unchanged to ``--sink``, and after ``--messages`` messages flushes its producer and stops its worker
(SIGTERM to itself, Faust's own shutdown path). ``--settings`` is a JSON map of Faust settings that
bench/peers.py mapped from samza-py's librdkafka settings (Faust's Kafka client is aiokafka).
"""

from __future__ import annotations

import argparse
import json
import os
import signal

import faust
from marker import first_message, processed


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--bootstrap", "--source", "--sink", "--group", "--settings"):
        parser.add_argument(name, required=True)
    parser.add_argument("--messages", type=int, required=True)
    args = parser.parse_args()
    app = faust.App(
        args.group,
        broker=";".join(f"kafka://{server}" for server in args.bootstrap.split(",")),
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        topic_disable_leader=True,
        web_enabled=False,
        store="memory://",
        **json.loads(args.settings),
    )
    source = app.topic(args.source, key_type=bytes, value_type=bytes)
    sink = app.topic(args.sink, key_type=bytes, value_type=bytes)

    @app.agent(source)
    async def pass_through(stream):
        seen = 0
        async for key, value in stream.items():
            if seen == args.messages:
                continue  # the input holds more; what arrives before the worker stops is not passed on
            if seen == 0:
                first_message()
            await sink.send(key=key, value=value)
            seen += 1
            if seen == args.messages:
                await app.producer.flush()
                processed(seen)
                os.kill(os.getpid(), signal.SIGTERM)

    # INFO as in Faust's documented `faust worker -l info`: at WARNING and above the worker's terminal
    # spinner sets the root logger to DEBUG (to spin at every record), so aiokafka's per-request debug
    # records get built, which more than doubles Faust's CPU per message.
    faust.Worker(app, loglevel="INFO", redirect_stdouts=False).execute_from_commandline()


if __name__ == "__main__":
    main()
