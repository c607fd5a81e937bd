"""yarn.kerberos.principal / yarn.kerberos.keytab: validated, handed to skein's client, keytab localized for
the AM only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.job import yarn
from samza_py.job.kerberos import AM_KEYTAB, KEYTAB_KEY, PRINCIPAL_KEY, kerberos_login

BASE = {
    "job.name": "wiki",
    "job.factory.class": "org.apache.samza.job.yarn.YarnJobFactory",
    "task.class": "samza_py.examples.wikipedia.parser.WikipediaParserStreamTask",
    "task.inputs": "kafka.raw",
    "job.container.count": "2",
}


def kerberized(tmp_path: Path, **extra: str) -> Config:
    keytab = tmp_path / "samza.service.keytab"
    keytab.write_bytes(b"\x05\x02keytab")
    return Config(dict(BASE, **{PRINCIPAL_KEY: "samza/node1@EXAMPLE.COM", KEYTAB_KEY: str(keytab)}, **extra))


def test_the_keytab_is_localized_for_the_am_only_and_its_environment_names_it(tmp_path: Path) -> None:
    config = kerberized(tmp_path)
    config_file = tmp_path / "c.json"
    config_file.write_text("{}")
    spec: Any = yarn.build_spec(config, config_file)
    keytab = spec.master.files[AM_KEYTAB]
    assert keytab.source == (tmp_path / "samza.service.keytab").resolve().as_uri()
    assert str(keytab.visibility) == "APPLICATION" and str(keytab.type) == "FILE"
    assert spec.master.env["SAMZA_KERBEROS_PRINCIPAL"] == "samza/node1@EXAMPLE.COM"
    assert spec.master.env["SAMZA_KERBEROS_KEYTAB"] == AM_KEYTAB
    for service in spec.services.values():
        assert AM_KEYTAB not in service.files and "SAMZA_KERBEROS_KEYTAB" not in service.env


def test_without_the_keys_nothing_kerberos_is_added(tmp_path: Path) -> None:
    config_file = tmp_path / "c.json"
    config_file.write_text("{}")
    spec: Any = yarn.build_spec(Config(BASE), config_file)
    assert AM_KEYTAB not in spec.master.files and "SAMZA_KERBEROS_PRINCIPAL" not in spec.master.env
    assert kerberos_login(Config(BASE)) is None


class FakeSkeinClient:
    made: list[dict[str, Any]] = []

    def __init__(self, **kwargs: Any) -> None:
        FakeSkeinClient.made.append(kwargs)


def test_skeins_client_logs_in_with_the_principal_and_keytab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import skein

    monkeypatch.setattr(skein, "Client", FakeSkeinClient)
    FakeSkeinClient.made.clear()
    yarn.skein_client(kerberized(tmp_path))
    yarn.skein_client(Config(BASE))
    keytab = str((tmp_path / "samza.service.keytab").resolve())
    assert FakeSkeinClient.made == [
        {"log": False, "principal": "samza/node1@EXAMPLE.COM", "keytab": keytab},
        {"log": False},
    ]


@pytest.mark.parametrize(("settings", "key", "message"), [
    ({PRINCIPAL_KEY: "samza@EXAMPLE.COM"}, KEYTAB_KEY, "is required when yarn.kerberos.principal is set"),
    ({KEYTAB_KEY: "KEYTAB"}, PRINCIPAL_KEY, "is required when yarn.kerberos.keytab is set"),
    ({PRINCIPAL_KEY: "samza@EXAMPLE.COM", KEYTAB_KEY: "/nonexistent/samza.keytab"}, KEYTAB_KEY,
     "/nonexistent/samza.keytab is not a file"),
])
def test_half_a_login_or_a_missing_keytab_is_an_error_naming_the_key(
    tmp_path: Path, settings: dict[str, str], key: str, message: str
) -> None:
    keytab = tmp_path / "k.keytab"
    keytab.write_bytes(b"k")
    values = {k: v.replace("KEYTAB", str(keytab)) for k, v in settings.items()}
    with pytest.raises(ConfigException) as failure:
        kerberos_login(Config(dict(BASE, **values)))
    assert failure.value.key == key
    assert message in str(failure.value)


def test_submit_refuses_half_a_login_before_talking_to_yarn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yarn, "skein_client", lambda config=None: pytest.fail("skein was asked"))
    with pytest.raises(ConfigException, match=KEYTAB_KEY):
        yarn.YarnJob(Config(dict(BASE, **{PRINCIPAL_KEY: "samza@EXAMPLE.COM"}))).submit()
