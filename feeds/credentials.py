"""The shop sources' credentials: the environment first, then the config file, never shown.

Secrets (app secret, access tokens, partner key) never come from the command
line, where `ps` and the shell history would keep them. An environment
variable overrides the key of the same meaning in `config.toml`; the config
models hold them as pydantic `SecretStr`, so no repr prints them. Every
error line a source writes passes through `Credentials.redact` first, and
`hide_in_logs` does the same to the log lines of the libraries a source drives
(with `--verbose`, httpx prints request URLs, and a TikTok sign request carries
the session id in its query).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from pydantic import SecretStr

from monitor.config import Config, ConfigError, ShopeeSettings, TikTokLiveSettings, TikTokShopSettings

#: Environment variable of each credential, per `[sources.*]` table.
ENVIRONMENT = {
    "tiktok_shop": {
        "app_key": "LIVEMON_TTS_APP_KEY",
        "app_secret": "LIVEMON_TTS_APP_SECRET",
        "access_token": "LIVEMON_TTS_ACCESS_TOKEN",
        "shop_cipher": "LIVEMON_TTS_SHOP_CIPHER",
    },
    "shopee": {
        "partner_id": "LIVEMON_SHOPEE_PARTNER_ID",
        "partner_key": "LIVEMON_SHOPEE_PARTNER_KEY",
        "access_token": "LIVEMON_SHOPEE_ACCESS_TOKEN",
        "shop_id": "LIVEMON_SHOPEE_SHOP_ID",
    },
    "tiktok": {
        "sign_key": "LIVEMON_TIKTOK_SIGN_KEY",
        "session_id": "LIVEMON_TIKTOK_SESSIONID",
        "target_idc": "LIVEMON_TIKTOK_TARGET_IDC",
    },
}

#: What each source cannot work without (a local TikTok shop may need no shop_cipher).
REQUIRED = {
    "tiktok_shop": ("app_key", "app_secret", "access_token"),
    "shopee": ("partner_id", "partner_key", "access_token", "shop_id"),
    "tiktok": (),  # a public room needs none
}

_SHORTEST_REDACTED = 4  # shorter values would blank out ordinary words and numbers
_SETTINGS = {"tiktok_shop": TikTokShopSettings, "shopee": ShopeeSettings, "tiktok": TikTokLiveSettings}


@dataclass(frozen=True)
class Credentials:
    """The resolved credentials of one `[sources.*]` table and where each came from."""

    table: str
    values: dict[str, str]
    origins: dict[str, str]  # key -> "environment" / "config file"; absent when not set
    secrets: tuple[str, ...] = field(default=())  # the keys whose values must never be shown

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def missing(self) -> list[str]:
        return [key for key in REQUIRED[self.table] if not self.values.get(key)]

    def require(self) -> "Credentials":
        """These credentials, or a ConfigError naming each missing key and its variable."""
        missing = self.missing()
        if missing:
            names = ", ".join(f"{key} ({ENVIRONMENT[self.table][key]})" for key in missing)
            raise ConfigError(f"sources.{self.table}: not set: {names}; set them in the environment or config.toml")
        return self

    def redact(self, text: str) -> str:
        """`text` with every secret value replaced, for a log line or an error message."""
        for key in self.secrets:
            value = self.values.get(key, "")
            if len(value) >= _SHORTEST_REDACTED:
                text = text.replace(value, "***")
        return text

    def describe(self) -> str:
        """Which credentials are set and from where, never their values (check-config)."""
        parts = []
        for key in ENVIRONMENT[self.table]:
            origin = self.origins.get(key)
            parts.append(f"{key} set ({origin})" if origin else f"{key} not set")
        return f"sources.{self.table}: " + ", ".join(parts)


def credentials(config: Config, table: str, environ: Mapping[str, str] | None = None) -> Credentials:
    """The credentials of `[sources.<table>]`, each environment variable overriding its key."""
    environ = os.environ if environ is None else environ
    settings = getattr(config.sources, table) or _SETTINGS[table]()
    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    secrets = []
    for key, variable in ENVIRONMENT[table].items():
        configured = getattr(settings, key)
        if isinstance(configured, SecretStr):
            secrets.append(key)
            configured = configured.get_secret_value()
        if environ.get(variable):
            values[key], origins[key] = environ[variable], "environment"
        elif configured:
            values[key], origins[key] = configured, "config file"
        else:
            values[key] = ""
    return Credentials(table, values, origins, tuple(secrets))


def check_lines(config: Config, environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per shop source that is configured or has a variable set (check-config)."""
    environ = os.environ if environ is None else environ
    lines = []
    for table, variables in ENVIRONMENT.items():
        if getattr(config.sources, table) is None and not any(environ.get(name) for name in variables.values()):
            continue
        found = credentials(config, table, environ)
        missing = found.missing()
        lines.append(found.describe() + (f"; missing for use: {', '.join(missing)}" if missing else "; ready"))
    return lines


class Redactor(logging.Filter):
    """Rewrites a log record's message (and its traceback) through `Credentials.redact`."""

    def __init__(self, found: Credentials) -> None:
        super().__init__()
        self.redact = found.redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def hide_in_logs(found: Credentials, loggers: Iterable[str] = ()) -> None:
    """Mask `found`'s secrets in every log line: on the root handlers and on `loggers` (libraries' own)."""
    if not any(found.values.get(key) for key in found.secrets):
        return
    redactor = Redactor(found)
    handlers = list(logging.getLogger().handlers)
    for name in loggers:
        logger = logging.getLogger(name)
        logger.addFilter(redactor)
        handlers += logger.handlers
    for handler in handlers:
        handler.addFilter(redactor)
