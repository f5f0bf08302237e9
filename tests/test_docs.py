"""The docs say what the code does: every name and default they must list is read from the code.

A metric added to the catalogue, a reason code, a config key (or a changed
default), a verb or option, a summary key or a shipped rule that the docs do
not describe fails here; so does a link in the README or docs/ that leads
nowhere, or outside the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr
from pydantic_core import PydanticUndefined

from feeds.credentials import ENVIRONMENT
from monitor import catalog
from monitor.cli import TOKEN_ENV, build_parser
from monitor.config import DEFAULT_CONFIG, Config, load_config
from monitor.engine import Engine
from monitor.events import REASONS
from monitor.products import ProductLine
from monitor.rules import Alert

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line index, level, title) of every heading outside fenced code."""
    out, fenced = [], False
    for index, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"(#{1,6}) (.*)", line)):
            out.append((index, len(match.group(1)), match.group(2).strip()))
    return out


def section(text: str, needle: str) -> str:
    """The text under the first heading containing `needle`, up to the next heading of its level or above."""
    lines = text.splitlines()
    found = headings(text)
    for position, (index, level, title) in enumerate(found):
        if needle in title:
            end = next((i for i, lvl, _ in found[position + 1:] if lvl <= level), len(lines))
            return "\n".join(lines[index + 1:end])
    raise AssertionError(f"no heading with {needle!r}")


def row(text: str, key: str) -> list[str] | None:
    """The cells of the table row whose first cell names `key` in backticks."""
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            if cells and re.search(rf"`{re.escape(key)}`", cells[0]):
                return cells
    return None


# ---------------------------------------------------------------- metrics


@pytest.mark.parametrize("metric", catalog.METRICS, ids=lambda metric: metric.name)
def test_every_catalogue_metric_is_in_metrics_md_with_its_names_kind_and_unit(metric):
    text = read("docs/metrics.md")
    cells = row(text, metric.name)
    assert cells is not None, f"docs/metrics.md has no row for `{metric.name}`"
    line = " | ".join(cells)
    assert metric.label_id in line and metric.label_en in line, line
    assert f"`{metric.unit}`" in line, line
    lines = text.splitlines()
    at = next(i for i, text_line in enumerate(lines) if text_line.startswith("|") and f"`{metric.name}`" in text_line.split("|")[1])
    kind_heading = [title for index, level, title in headings(text) if index < at and level == 2][-1]
    assert f"`{metric.kind}`" in kind_heading, (metric.name, kind_heading)


def test_topic_questions_and_product_values_are_in_metrics_md():
    text = read("docs/metrics.md")
    assert row(section(text, "Questions"), catalog.TOPIC_PREFIX + "<topic>") is not None
    products = section(text, "Per product")
    line = ProductLine("sku-1", (0, 0, 0, 0, 0.0), (0, 0, 0, 0, 0.0), False, 0.0)
    for key in line.as_dict():
        assert f"`{key}`" in products, key


# ---------------------------------------------------------------- events and bad input


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_code_is_in_events_md_and_the_readme(reason):
    assert row(section(read("docs/events.md"), "Reason codes"), reason) is not None
    assert row(section(read("README.md"), "What livemon does with bad input"), reason) is not None


# ---------------------------------------------------------------- config


def _model_in(annotation) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds (and whether a list of them), or None for a plain value."""
    origin = typing.get_origin(annotation)
    if origin is list:
        inner = typing.get_args(annotation)[0]
        return (inner, True) if isinstance(inner, type) and issubclass(inner, BaseModel) else (None, False)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg, False
        return None, False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def config_keys(model: type[BaseModel] = Config, table: str = "", array: bool = False):
    """(table, array table?, key, field) for every key of config.toml; a model inside an array item is dotted keys."""
    for name, field in model.model_fields.items():
        sub, many = _model_in(field.annotation)
        if sub is None:
            yield table, array, name, field
        elif array:
            for inner, inner_field in sub.model_fields.items():
                yield table, array, f"{name}.{inner}", inner_field
        else:
            yield from config_keys(sub, f"{table}.{name}" if table else name, many)


def shown_default(field) -> str:
    """The default as the docs' second column writes it."""
    value = field.default
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "–"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = str(int(value)) if float(value).is_integer() else repr(value)
    else:
        text = json.dumps(value)
    return f"`{text}`"


CONFIG_KEYS = list(config_keys())


@pytest.mark.parametrize("table,array,key,field", CONFIG_KEYS,
                         ids=[f"{table or 'top'}.{key}" for table, _, key, _ in CONFIG_KEYS])
def test_every_config_key_is_documented_with_its_default(table, array, key, field):
    page = "docs/alerts.md" if table == "rules" else "docs/config.md"
    needle = "Top-level keys" if not table else (f"`[[{table}]]`" if array else f"`[{table}]`")
    cells = row(section(read(page), needle), key)
    assert cells is not None, f"{page}: no row for `{key}` under {needle}"
    if "." not in key:  # a dotted key's default is its table's
        assert cells[1] == shown_default(field), (key, cells[1], shown_default(field))


def test_every_table_of_the_shipped_config_is_known_to_the_docs():
    assert {table for table, *_ in CONFIG_KEYS} >= {"engine", "input", "rules", "questions.topics", "sources.shopee"}


# ---------------------------------------------------------------- alerts


def test_the_alert_record_is_in_alerts_md():
    record = section(read("docs/alerts.md"), "The alert record")
    alert = Alert("r", 0, "rule", "warning", "firing", "ctr", 0.1, 0.2, 0.15)
    for key in ("kind", *alert.as_dict(), "message"):
        assert row(record, key) is not None, key


@pytest.mark.parametrize("rule", load_config(DEFAULT_CONFIG).rules, ids=lambda rule: rule.name)
def test_every_shipped_rule_is_in_alerts_md_with_its_numbers(rule):
    cells = row(section(read("docs/alerts.md"), "The shipped rules"), rule.name)
    assert cells is not None, rule.name
    line = " | ".join(cells)
    assert f"`{rule.metric}`" in line and rule.kind in line and rule.severity in line, line
    assert f"{rule.for_s:g} / {rule.clear_s:g} / {rule.cooldown_s:g}" in line, line
    if rule.kind in ("drop", "rise"):
        assert f"{rule.change_pct:g}%" in line, line
    elif rule.kind in ("below", "above"):
        assert f"{rule.threshold:g}" in line, line


# ---------------------------------------------------------------- the command line


def _verbs() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


COMMON = ("--config", "--lang", "--window", "--room")


@pytest.mark.parametrize("verb", list(_verbs()))
def test_every_verb_and_option_is_in_cli_md(verb):
    text = read("docs/cli.md")
    own = section(text, f"`livemon {verb}`")
    common = section(text, "Common options")
    for action in _verbs()[verb]._actions:
        if action.help == argparse.SUPPRESS:
            continue
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                where = common if option in COMMON else own
                assert re.search(rf"`{re.escape(option)}(?![\w-])", where), f"{verb} {option}"


def test_the_global_option_is_in_cli_md():
    assert "`--verbose`" in read("docs/cli.md")


def test_every_summary_key_is_in_cli_md():
    summary = section(read("docs/cli.md"), "The summary")
    for key in [*Engine(Config(rules=[])).summary(), "lost_events"]:
        assert row(summary, key) is not None, key


def test_every_environment_variable_is_in_cli_md():
    variables = section(read("docs/cli.md"), "Environment variables")
    for name in [TOKEN_ENV, *(name for table in ENVIRONMENT.values() for name in table.values())]:
        assert row(variables, name) is not None, name


# ---------------------------------------------------------------- links


def slug(title: str) -> str:
    """A heading's anchor as GitHub makes it."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, _, title in headings(path.read_text(encoding="utf-8")):
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


def links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_leads_to_a_file_and_heading_of_the_repository(page):
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text and "spec/" not in text, f"{page.name} points outside the repository"
    for target in links(page):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.is_relative_to(ROOT) and file.exists(), f"{page.name}: {target}"
        if anchor and file.suffix == ".md":
            assert anchor in anchors(file), f"{page.name}: {target}"


def test_the_readme_starts_with_the_two_set_up_commands():
    text = read("README.md")
    first = headings(text)[1][2]
    assert first.startswith("Set-up") and "make demo" in section(text, "Set-up") and "make test" in section(text, "Set-up")
