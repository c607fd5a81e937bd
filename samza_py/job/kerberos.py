"""Kerberos for YARN: Samza's ``yarn.kerberos.principal`` and ``yarn.kerberos.keytab``.

On a Kerberized cluster run-job logs in with the keytab (skein's driver takes the principal and keytab and
gets the application its delegation tokens for HDFS and YARN at submit). The keytab is also localized for
the ApplicationMaster, visible to this application only, as ``samza.keytab`` in its working directory, and
the AM's environment names it and the principal (``SAMZA_KERBEROS_KEYTAB``, ``SAMZA_KERBEROS_PRINCIPAL``),
as Samza ships the keytab to its AM. Containers never get it.

Both keys or neither: one without the other, or a keytab that is not a readable file, is a config error
naming the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException

PRINCIPAL_KEY = "yarn.kerberos.principal"
KEYTAB_KEY = "yarn.kerberos.keytab"
AM_KEYTAB = "samza.keytab"  # the localized keytab's name in the AM's working directory


@dataclass(frozen=True)
class KerberosLogin:
    principal: str
    keytab: str  # absolute path on the machine that runs run-job


def kerberos_login(config: Config) -> KerberosLogin | None:
    """The job's Kerberos login, None when neither key is set; raises ConfigException on half a login."""
    principal = (config.get_str(PRINCIPAL_KEY) or "").strip()
    keytab = (config.get_str(KEYTAB_KEY) or "").strip()
    if not principal and not keytab:
        return None
    if not keytab:
        raise ConfigException(KEYTAB_KEY, f"is required when {PRINCIPAL_KEY} is set: the keytab to log in with")
    if not principal:
        raise ConfigException(PRINCIPAL_KEY, f"is required when {KEYTAB_KEY} is set: the principal in the keytab "
                                             "(e.g. samza/host@REALM)")
    path = Path(keytab.removeprefix("file://")).expanduser().resolve()
    if not path.is_file():
        raise ConfigException(KEYTAB_KEY, f"{path} is not a file")
    if not os.access(path, os.R_OK):
        raise ConfigException(KEYTAB_KEY, f"{path} is not readable by this user")
    return KerberosLogin(principal, str(path))


def client_arguments(login: KerberosLogin | None) -> dict[str, str]:
    """skein.Client's keyword arguments: its driver logs in with the keytab."""
    return {} if login is None else {"principal": login.principal, "keytab": login.keytab}


def am_files(login: KerberosLogin | None) -> dict[str, Any]:
    """The AM's localized keytab (this application's only)."""
    if login is None:
        return {}
    import skein

    return {AM_KEYTAB: skein.File(login.keytab, type="file", visibility="application")}


def am_env(login: KerberosLogin | None) -> dict[str, str]:
    if login is None:
        return {}
    return {"SAMZA_KERBEROS_PRINCIPAL": login.principal, "SAMZA_KERBEROS_KEYTAB": AM_KEYTAB}
