"""Editing alert rules from the console: validation, and saving with comments kept.

Edits are validated by the same pydantic models as `config.toml` (so the
console and `livemon check-config` agree on what is wrong). Saving changes
only the edited keys in the user's file through tomlkit: comments, order and
layout stay as the user wrote them. Rules reset to the shipped defaults bring
the shipped `[[rules]]` tables (with their comments) into the user's file.
The file saved to is the user's (`--config PATH`, else ./config.toml), never
the defaults inside the package.
"""

from __future__ import annotations

import errno
import math
import os
import tempfile
from pathlib import Path

import tomlkit
from pydantic import ValidationError
from tomlkit.items import AoT

from .. import catalog
from ..config import DEFAULT_CONFIG, AlertRule, Config, ConfigError, parse_config, rule_ref
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


def field_name(field: str, lang: str) -> str:
    """A rule key as the thresholds screen names it ("Perubahan %" for change_pct)."""
    return tr(f"field_{field}", lang)


def kind_name(kind: str, lang: str) -> str:
    """What a rule kind does, in words ("turun dari biasanya" for drop)."""
    return tr(f"kind_{kind}", lang)


def edit_rule(config: Config, name: str, field: str, value: object, lang: str) -> list[AlertRule]:
    """The rules with one key of one rule changed, validated; raises EditError in the language shown."""
    if field not in EDITABLE:
        raise EditError(tr("editable", lang, fields=", ".join(field_name(key, lang) for key in EDITABLE)))
    rules = [rule.model_dump() for rule in config.rules]
    index = next((i for i, rule in enumerate(rules) if rule["name"] == name), None)
    if index is None:
        raise EditError(name)
    kind = rules[index]["kind"]
    if kind not in USED_BY[field]:
        raise EditError(tr("not_used", lang, field=field_name(field, lang), kind=kind_name(kind, lang)))
    if field != "enabled" and isinstance(value, str):
        value = parse_number(value, lang)
    rules[index][field] = value
    try:
        # the rules are checked with what they refer to (a rule on questions_<topic> needs the topic)
        checked = parse_config({"rules": rules, "questions": config.questions.model_dump()}, name)
    except ConfigError as error:
        ref = rule_ref(name, index)  # the message starts with the rule's name already
        said = str(error).replace(f"{ref}: ", "").replace(f"{ref}.", "")
        raise EditError(why(rules[index], field, lang) or said) from None
    return checked.rules


def why(rule: dict, field: str, lang: str) -> str:
    """The config's refusal of an edited key in the language shown ("" when it is not about that key).

    The config decides what is wrong (and says it in English for check-config);
    this only finds the words: pydantic's bound on the key, or which of the
    rule's own checks the value failed.
    """
    try:
        AlertRule.model_validate(rule)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
    else:
        return ""
    heading = field_name(field, lang)
    bound = {key: f"{value:g}" if isinstance(value, float) else value for key, value in (first.get("ctx") or {}).items()}
    phrase = {"greater_than": ("must_gt", "gt"), "greater_than_equal": ("must_ge", "ge"), "less_than": ("must_lt", "lt")}
    if first["type"] in phrase and tuple(first["loc"]) == (field,):
        key, limit = phrase[first["type"]]
        return f"{heading}: {tr(key, lang, bound=bound.get(limit, ''))}"
    value, kind, metric = rule.get(field), rule.get("kind"), rule.get("metric", "")
    label = catalog.label(metric, lang)
    if field == "threshold" and isinstance(value, (int, float)):
        if getattr(catalog.BY_NAME.get(metric), "fraction", False) and not 0 <= value <= 1:
            return f"{heading}: {tr('bad_fraction', lang, metric=label, value=shown(value, lang))}"
        if value < 0:
            return f"{heading}: {tr('must_ge', lang, bound=0)}"
        return f"{heading}: {tr('never_fires', lang, kind=kind_name(kind, lang), value=shown(value, lang))}"
    if field == "change_pct" and kind == "drop":
        return f"{heading}: {tr('drop_never_fires', lang, value=shown(value, lang))}"
    if field == "for_s" and kind == "stale":
        return f"{heading}: {tr('stale_needs_for', lang)}"
    return ""


def shown(value: object, lang: str) -> str:
    """A rule's number as the thresholds screen writes it: `0,04` in Indonesian, `0.04` in English."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–" if value is None else str(value)
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "id" else text


def _tidy(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _matches(table: object, rule: AlertRule) -> bool:
    """The file's table is this rule apart from the keys the console edits."""
    try:
        mine = AlertRule.model_validate(table.unwrap())
    except (ValidationError, AttributeError):
        return False
    return mine.model_dump(exclude=set(EDITABLE)) == rule.model_dump(exclude=set(EDITABLE))


def _tables(doc: tomlkit.TOMLDocument) -> dict[str, object]:
    tables = doc.get("rules")
    return {str(table.get("name")): table for table in tables} if isinstance(tables, AoT) else {}


def _same_rules(tables: dict[str, object], rules: list[AlertRule]) -> bool:
    return set(tables) == {rule.name for rule in rules} and all(_matches(tables[rule.name], rule) for rule in rules)


def render_rules(text: str, rules: list[AlertRule]) -> str:
    """`text` (a config file) with `rules` written into its `[[rules]]` tables.

    Usually only editable keys changed and only they are written. When the
    rules are not the file's (reset to the shipped defaults), the file's
    `[[rules]]` are replaced by the shipped ones first.
    """
    doc = tomlkit.parse(text)
    by_name = _tables(doc)
    if not _same_rules(by_name, rules):
        shipped = tomlkit.parse(DEFAULT_CONFIG.read_text(encoding="utf-8"))["rules"]
        if "rules" in doc:
            del doc["rules"]
        doc.add(tomlkit.nl())
        doc.add("rules", shipped)
        by_name = _tables(doc)
        if not _same_rules(by_name, rules):
            raise ValueError("these rules are neither the file's nor the shipped ones")
    for rule in rules:
        table = by_name[rule.name]
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


def is_shipped_defaults(path: str | Path) -> bool:
    """The package's own defaults (a symlink to them is the user's: replacing it leaves the package alone)."""
    path = Path(path)
    return path.absolute().parent.resolve() / path.name == DEFAULT_CONFIG.resolve()


def save_target(path: str | Path | None) -> Path:
    """Where the console saves: `--config PATH`, else ./config.toml; never the package's defaults."""
    target = Path(path) if path else Path("config.toml")
    return Path("config.toml") if is_shipped_defaults(target) else target


def save_rules(path: str | Path, rules: list[AlertRule]) -> bool:
    """Write `rules` into `path`; True when the file was created (from the shipped defaults).

    Raises OSError when the file cannot be written and ValueError when the
    file holds something the rules cannot be written into (not UTF-8, not TOML).
    """
    path = Path(path)
    if is_shipped_defaults(path):
        raise PermissionError(errno.EACCES, "the shipped defaults are read-only: save to your own config file")
    created = not path.exists()
    text = DEFAULT_CONFIG.read_text(encoding="utf-8") if created else path.read_text(encoding="utf-8")
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
    return created
