"""Authentication failures of a Kafka client, seen at once instead of after a request's timeout.

librdkafka reports a rejected SASL login or TLS handshake through ``error_cb`` and keeps retrying, while a
metadata request or an admin future in flight simply waits out its timeout and then says "broker transport
failure". A client that wraps its settings with an ``AuthenticationWatch`` and waits in short slices,
serving callbacks in between, stops within a second with an error that names the system, the brokers and
what to check (never the credentials themselves).
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from typing import Any, TypeVar

from confluent_kafka import KafkaError, KafkaException

T = TypeVar("T")

# Failures that retrying cannot mend: wrong credentials or mechanism, a certificate the client rejects.
_PERMANENT = {KafkaError._AUTHENTICATION, KafkaError._SSL}
SLICE_S = 0.5      # the first wait; each next one doubles, up to MAX_SLICE_S (a busy broker is not cut short)
MAX_SLICE_S = 4.0


class KafkaAuthenticationError(Exception):
    """The broker refused this client's login, or the TLS handshake failed."""


class AuthenticationWatch:
    """Installs itself as the settings' ``error_cb`` (chaining the one there) and remembers a failure."""

    def __init__(self, system: str, settings: dict[str, object], kind: str = "consumer") -> None:
        self.system = system
        self.kind = kind  # whose settings: the consumer's (admins are built from them) or the producer's
        self.brokers = str(settings.get("bootstrap.servers", "?"))
        self.mechanism = str(settings.get("sasl.mechanism") or settings.get("sasl.mechanisms") or "")
        self.failure: KafkaError | None = None
        chained = settings.get("error_cb")

        def error_cb(err: KafkaError) -> None:
            if err.code() in _PERMANENT and self.failure is None:
                self.failure = err
            if callable(chained):
                chained(err)

        settings["error_cb"] = error_cb

    def check(self, client: Any) -> None:
        """Serve the client's callbacks; raise if a login or handshake has failed."""
        client.poll(0)
        self.raise_if_failed()

    def raise_if_failed(self) -> None:
        err = self.failure
        if err is None:
            return
        prefix = f"systems.{self.system}.{self.kind}."
        if err.code() == KafkaError._SSL:
            hint = (f"check {prefix}ssl.ca.location (or {prefix}ssl.truststore.location) and the broker's "
                    "certificate")
        else:
            mechanism = f" ({self.mechanism})" if self.mechanism else ""
            hint = (f"check the username and password in {prefix}sasl.jaas.config and "
                    f"{prefix}sasl.mechanism{mechanism}")
        raise KafkaAuthenticationError(
            f"Kafka system {self.system!r}: authentication to {self.brokers} failed: {err.str()}; {hint}")

    def wait(self, client: Any, attempt: Callable[[float], T], timeout_s: float, what: str) -> T:
        """``attempt(slice)`` until it succeeds, checking for a failed login between tries; transport
        errors and timeouts of a slice are retried until ``timeout_s``, other errors raise."""
        deadline = time.monotonic() + timeout_s
        slice_s = SLICE_S
        while True:
            try:
                return attempt(max(0.05, min(slice_s, deadline - time.monotonic())))
            except KafkaException as exc:
                code = exc.args[0].code() if exc.args and isinstance(exc.args[0], KafkaError) else None
                if code not in (KafkaError._TRANSPORT, KafkaError._TIMED_OUT):
                    raise
                last: Exception = exc
            except concurrent.futures.TimeoutError as exc:
                last = exc
            self.check(client)
            slice_s = min(slice_s * 2, MAX_SLICE_S)
            if time.monotonic() >= deadline:
                raise KafkaException(KafkaError(KafkaError._TIMED_OUT,
                                                f"{what} on {self.brokers} timed out after {timeout_s}s")) from last
