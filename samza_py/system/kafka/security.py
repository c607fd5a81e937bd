"""The Java Kafka client's security settings, translated for librdkafka.

``security.protocol``, ``sasl.mechanism`` and ``ssl.ca.location``-style keys mean the same to both and pass
as they are. What differs:

- ``sasl.jaas.config``: the username and password of a ``ScramLoginModule`` or ``PlainLoginModule`` become
  ``sasl.username`` / ``sasl.password``; any other login module cannot be translated (an error says what
  to set instead).
- ``ssl.truststore.location``: a PEM truststore becomes ``ssl.ca.location``; librdkafka cannot read JKS or
  PKCS12, so those are an error telling the user to give the CA as PEM (``ssl.ca.location``, which wins
  when both are set).
- ``ssl.keystore.location`` (a client certificate): an error unless ``ssl.certificate.location`` and
  ``ssl.key.location`` give it as PEM.
- ``ssl.endpoint.identification.algorithm``: Java's empty value is librdkafka's ``none``.

Secret values reach librdkafka as plain strings (see ``samza_py.config.secrets``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from samza_py.config.errors import ConfigException

JAAS_MODULES = {
    "org.apache.kafka.common.security.scram.ScramLoginModule",
    "org.apache.kafka.common.security.plain.PlainLoginModule",
}
# Keys this module consumes (what it produces instead is librdkafka's).
SECURITY_KEYS = {
    "sasl.jaas.config", "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
    "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.endpoint.identification.algorithm",
}
_JAAS = re.compile(r"^\s*(?P<module>[\w.$]+)\s+(?:required|requisite|sufficient|optional)\b(?P<options>.*?);?\s*$",
                   re.DOTALL)
_OPTION = re.compile(r'(?P<name>[\w.]+)\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s;]+))')


def plain(value: str) -> str:
    """The characters of a (possibly ``Secret``) string, as librdkafka must get them."""
    return str.__str__(value)


def parse_jaas(key: str, text: str) -> tuple[str, dict[str, str]]:
    """``<login module> required name="value" ...;`` → the module and its options (never echoing the text)."""
    match = _JAAS.match(plain(text))
    if match is None:
        raise ConfigException(key, "is not a JAAS config: expected '<LoginModule class> required "
                                   "username=\"...\" password=\"...\";'")
    options = {}
    for option in _OPTION.finditer(match.group("options")):
        quoted = option.group("quoted")
        options[option.group("name")] = (re.sub(r"\\(.)", r"\1", quoted) if quoted is not None
                                         else option.group("bare"))
    return match.group("module"), options


def translate_security(prefix: str, values: Mapping[str, str]) -> dict[str, str]:
    """librdkafka settings for the security keys among ``values`` (the keys after ``prefix``)."""
    out: dict[str, str] = {}
    jaas = values.get("sasl.jaas.config")
    if jaas:
        key = prefix + "sasl.jaas.config"
        module, options = parse_jaas(key, jaas)
        if module not in JAAS_MODULES:
            raise ConfigException(key, f"login module {module} has no librdkafka equivalent: only ScramLoginModule "
                                       "and PlainLoginModule (username and password) translate; for Kerberos "
                                       f"set {prefix}sasl.kerberos.principal and {prefix}sasl.kerberos.keytab")
        missing = [name for name in ("username", "password") if name not in options]
        if missing:
            raise ConfigException(key, f"{module} needs {' and '.join(missing)}")
        out["sasl.username"], out["sasl.password"] = options["username"], options["password"]
    truststore = values.get("ssl.truststore.location")
    if truststore and not values.get("ssl.ca.location"):
        kind = (values.get("ssl.truststore.type") or "JKS").strip().upper()
        path = plain(truststore).strip()
        if kind == "PEM":
            out["ssl.ca.location"] = path
        else:
            raise ConfigException(
                prefix + "ssl.truststore.location",
                f"librdkafka cannot read a {kind} truststore: give the CA certificate as PEM in "
                f"{prefix}ssl.ca.location (e.g. keytool -exportcert -rfc -keystore {path} -alias <ca> -file ca.pem)")
    keystore = values.get("ssl.keystore.location")
    if keystore and not (values.get("ssl.certificate.location") and values.get("ssl.key.location")):
        raise ConfigException(
            prefix + "ssl.keystore.location",
            f"librdkafka cannot read a Java keystore: give the client certificate and key as PEM in "
            f"{prefix}ssl.certificate.location and {prefix}ssl.key.location (and ssl.key.password if the key "
            "is encrypted)")
    algorithm = values.get("ssl.endpoint.identification.algorithm")
    if algorithm is not None:
        value = plain(algorithm).strip().lower()
        if value not in ("", "none", "https"):
            raise ConfigException(prefix + "ssl.endpoint.identification.algorithm",
                                  f"must be https or empty (no host name check), got {value!r}")
        out["ssl.endpoint.identification.algorithm"] = value or "none"
    return out
