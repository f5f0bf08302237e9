"""Secrets of a feed (API keys, session ids): read from the environment, kept out of every line we write.

A secret never comes from the command line (argv is visible to every user of
the machine and lands in shell history). Whatever a library or an HTTP client
puts in an error message or a log line passes `redact` first: the logging
filter installed by `hide_in_logs` rewrites records on the root handlers and on
the loggers a library writes to directly, so even `--verbose` request logs
(httpx prints URLs, and a sign request carries the session id in its query)
show `***` instead.
"""

from __future__ import annotations

import logging
import os
from typing import Iterable, Mapping

MASK = "***"


def from_env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of an environment variable, None when unset or blank."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret replaced by `***` (longest first, so a secret inside another goes too)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class Redactor(logging.Filter):
    """Rewrites a log record's message (and its formatted traceback) without the secrets."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = redact(text, self.secrets), None
        return True


def hide_in_logs(secrets: Iterable[str | None], loggers: Iterable[str] = ()) -> Redactor | None:
    """Install one Redactor on the root handlers and on the handlers of `loggers` (libraries' own)."""
    redactor = Redactor(secrets)
    if not redactor.secrets:
        return None
    handlers = list(logging.getLogger().handlers)
    for name in loggers:
        logger = logging.getLogger(name)
        logger.addFilter(redactor)
        handlers += logger.handlers
    for handler in handlers:
        if redactor not in handler.filters:
            handler.addFilter(redactor)
    return redactor
