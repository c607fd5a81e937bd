"""Java client security settings translated for librdkafka, for every client a system builds, and secrets that
never print."""

from __future__ import annotations

import logging

import pytest

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.secrets import REDACTED, Secret, is_secret_key, redacted
from samza_py.system.kafka import client_config

SCRAM = ('org.apache.kafka.common.security.scram.ScramLoginModule required username="samza-job" '
         'password="s3cr\\"et";')


def config(**consumer: str) -> Config:
    values = {"job.name": "j", "systems.kafka.consumer.bootstrap.servers": "127.0.0.1:9093"}
    values.update({f"systems.kafka.consumer.{k.replace('_', '.')}": v for k, v in consumer.items()})
    return Config(values)


def every_client(cfg: Config) -> list[dict[str, object]]:
    return [
        client_config.consumer_settings(cfg, "kafka", client_id="c", group_id="g"),
        client_config.reader_settings(cfg, "kafka", "restore-reader"),
        client_config.admin_settings(cfg, "kafka"),
    ]


def test_a_scram_jaas_config_becomes_librdkafka_username_and_password_for_every_client() -> None:
    cfg = config(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", sasl_jaas_config=SCRAM,
                 ssl_truststore_location="/etc/kafka/ca.pem", ssl_truststore_type="PEM",
                 ssl_endpoint_identification_algorithm="")
    for settings in every_client(cfg):
        assert settings["security.protocol"] == "SASL_SSL"
        assert settings["sasl.mechanism"] == "SCRAM-SHA-512"
        assert (settings["sasl.username"], settings["sasl.password"]) == ("samza-job", 's3cr"et')
        # librdkafka reads settings through str(): a Secret would reach it as "[redacted]".
        assert type(settings["sasl.password"]) is str
        assert settings["ssl.ca.location"] == "/etc/kafka/ca.pem"
        assert settings["ssl.endpoint.identification.algorithm"] == "none"
        assert not any(key.startswith(("sasl.jaas", "ssl.truststore")) for key in settings)


def test_a_plain_login_module_translates_and_other_modules_name_the_key_without_the_secret() -> None:
    plain = SCRAM.replace("scram.ScramLoginModule", "plain.PlainLoginModule")
    assert every_client(config(sasl_jaas_config=plain))[0]["sasl.username"] == "samza-job"
    kerberos = 'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" password="x";'
    with pytest.raises(ConfigException, match="sasl.jaas.config.*Krb5LoginModule has no librdkafka") as info:
        every_client(config(sasl_jaas_config=kerberos))
    assert '"x"' not in str(info.value)
    with pytest.raises(ConfigException, match="needs password"):
        every_client(config(sasl_jaas_config=SCRAM.split(" password")[0] + ";"))
    with pytest.raises(ConfigException, match="is not a JAAS config") as info:
        every_client(config(sasl_jaas_config="password=hunter2"))
    assert "hunter2" not in str(info.value)


def test_a_java_truststore_or_keystore_is_an_error_that_says_what_to_give_instead() -> None:
    with pytest.raises(ConfigException, match=r"ssl.truststore.location: librdkafka cannot read a JKS truststore"
                                              r".*ssl.ca.location"):
        every_client(config(ssl_truststore_location="/etc/kafka/truststore.jks", ssl_truststore_password="pw"))
    with pytest.raises(ConfigException, match="PKCS12 truststore"):
        every_client(config(ssl_truststore_location="/t.p12", ssl_truststore_type="PKCS12"))
    # Given the PEM CA as well, the truststore is left to the Java clients.
    both = every_client(config(ssl_truststore_location="/t.jks", ssl_ca_location="/ca.pem"))[0]
    assert both["ssl.ca.location"] == "/ca.pem" and "ssl.truststore.location" not in both
    with pytest.raises(ConfigException, match="ssl.keystore.location: .*ssl.certificate.location"):
        every_client(config(ssl_keystore_location="/k.jks"))
    pem = every_client(config(ssl_keystore_location="/k.jks", ssl_certificate_location="/c.pem",
                              ssl_key_location="/k.pem", ssl_key_password="kp"))[0]
    assert (pem["ssl.certificate.location"], pem["ssl.key.location"], pem["ssl.key.password"]) == (
        "/c.pem", "/k.pem", "kp")
    with pytest.raises(ConfigException, match="must be https or empty"):
        every_client(config(ssl_endpoint_identification_algorithm="dns"))


def test_secret_keys_and_values_never_print(caplog: pytest.LogCaptureFixture) -> None:
    for key in ("systems.kafka.consumer.sasl.jaas.config", "systems.kafka.producer.ssl.key.password",
                "systems.kafka.consumer.ssl.truststore.password", "sasl.password", "app.api.token"):
        assert is_secret_key(key), key
    for key in ("systems.kafka.consumer.sasl.mechanism", "ssl.truststore.location", "task.checkpoint.system"):
        assert not is_secret_key(key), key
    cfg = config(sasl_jaas_config=SCRAM, ssl_key_password="kp")
    value = cfg.get_str("systems.kafka.consumer.sasl.jaas.config")
    assert isinstance(value, Secret) and value.reveal() == SCRAM == Secret(value).reveal()
    assert f"{value}" == str(value) == repr(value) == REDACTED
    assert "s3cr" not in repr(cfg) and "kp'" not in repr(cfg)
    assert redacted(cfg)["systems.kafka.consumer.ssl.key.password"] == REDACTED
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("config %s, value %r", cfg, value)
    assert "s3cr" not in caplog.text
