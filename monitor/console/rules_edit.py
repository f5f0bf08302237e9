"""Editing alert rules from the console: validation, and saving with comments kept.

Edits are validated by the same pydantic models as `config.toml` (so the
console and `livemon check-config` agree on what is wrong). Saving changes
only the edited keys in the user's file through tomlkit: comments, order and
layout stay as the user wrote them.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import tomlkit

from ..config import DEFAULT_CONFIG, AlertRule, Config, ConfigError, parse_config
from .i18n import tr

EDITABLE = ("threshold", "change_pct", "for_s", "min_sample", "enabled")
_ALL = frozenset({"below", "above", "drop", "rise", "stale"})
#: Which rule kinds read each editable key.
USED_BY = {
    "threshold": frozenset({"below", "above"}),
    "change_pct": frozenset({"drop", "rise"}),
    "for_s": _ALL,
    "min_sample": frozenset({"below", "above", "drop", "rise"}),
    "enabled": _ALL,
}
_DEFAULTS = {name: AlertRule.model_fields[name].default for name in EDITABLE}


class EditError(ValueError):
    """An edit the console refuses, phrased for the operator."""


def parse_number(text: str, lang: str) -> float:
    """A number as typed: `0.04`, `0,04` (Indonesian decimal comma), `25`."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise EditError(tr("not_a_number", lang, text=text.strip())) from None
    if not math.isfinite(value):
        raise EditError(tr("not_a_number", lang, text=text.strip()))
    return value


def edit_rule(config: Config, name: str, field: str, value: object, lang: str) -> list[AlertRule]:
    """The rules with one key of one rule changed, validated; raises EditError."""
    if field not in EDITABLE:
        raise EditError(field)
    rules = [rule.model_dump() for rule in config.rules]
    index = next((i for i, rule in enumerate(rules) if rule["name"] == name), None)
    if index is None:
        raise EditError(name)
    kind = rules[index]["kind"]
    if kind not in USED_BY[field]:
        raise EditError(tr("not_used", lang, field=field, kind=kind))
    if field != "enabled" and isinstance(value, str):
        value = parse_number(value, lang)
    rules[index][field] = value
    try:
        checked = parse_config({"rules": rules}, name)
    except ConfigError as error:
        raise EditError(str(error).replace(f"rules[{index}].", "")) from None
    return checked.rules


def _tidy(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def render_rules(text: str, rules: list[AlertRule]) -> str:
    """`text` (a config file) with the editable keys of `rules` written into their tables."""
    doc = tomlkit.parse(text)
    tables = doc.get("rules")
    if tables is None:
        return text
    by_name = {str(table.get("name")): table for table in tables}
    for rule in rules:
        table = by_name.get(rule.name)
        if table is None:
            continue
        for field in EDITABLE:
            value = getattr(rule, field)
            if field in table:
                if table[field] != value:
                    table[field] = _tidy(value)
            elif value != _DEFAULTS[field] and value is not None:
                body = table.value.body
                last = max(i for i, (key, _) in enumerate(body) if key is not None)
                table.value._insert_at(last + 1, field, _tidy(value))  # after the rule's last key, before the next comment
    return tomlkit.dumps(doc)


def save_rules(path: str | Path, rules: list[AlertRule]) -> None:
    """Write `rules` into `path` (started from the shipped defaults if it does not exist yet)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else DEFAULT_CONFIG.read_text(encoding="utf-8")
    out = render_rules(text, rules)
    handle, temp = tempfile.mkstemp(dir=path.parent or ".", prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(out)
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
