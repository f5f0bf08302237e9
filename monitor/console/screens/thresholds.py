"""Thresholds: the rules with their values, edited in place and applied at once.

Saving writes the user's config file (`s`); `r` brings back the shipped
rules (unsaved until `s`); leaving with unsaved edits asks first.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from ... import catalog, words
from ...config import AlertRule
from ..bindings import localize_bindings
from ..i18n import tr
from ..messages import RulesEdited
from ..rules_edit import EDITABLE, USED_BY, EditError, edit_rule, field_name, kind_name, shown

COLUMNS = ("name", "metric", "kind", "threshold", "change_pct", "for_s", "min_sample", "enabled", "severity")


def cell(rule: AlertRule, column: str, rules: list[AlertRule], lang: str) -> Text:
    """A rule's key in words: its name, its metric's, what its kind does, numbers the language's way."""
    if column in USED_BY and rule.kind not in USED_BY[column]:
        return Text("·", style="dim")  # the key means nothing for this kind of rule
    value = getattr(rule, column)
    if column == "enabled":
        return Text("✓" if value else "✗", style="green" if value else "red")
    if column == "name":
        return Text(words.rule(rule.name, rules, lang))
    if column == "metric":
        return Text(catalog.label(rule.metric, lang))
    if column == "kind":
        return Text(kind_name(rule.kind, lang))
    if column == "severity":
        return Text(words.severity(rule.severity, lang))
    return Text(shown(value, lang), style="bold" if column in EDITABLE else "")


class ThresholdsScreen(Screen[None]):
    DEFAULT_CSS = """
    ThresholdsScreen #title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    ThresholdsScreen DataTable { height: 1fr; }
    ThresholdsScreen #editor { height: 3; display: none; }
    ThresholdsScreen #editor.-editing { display: block; }
    ThresholdsScreen #editor Label { padding: 1 1; width: auto; }
    ThresholdsScreen #editor Input { width: 30; }
    ThresholdsScreen #error { color: $error; height: auto; padding: 0 1; }
    ThresholdsScreen #file { color: $text-muted; height: auto; padding: 0 1; }
    ThresholdsScreen #file.-invalid { color: $error; text-style: bold; }
    """

    BINDINGS = [
        Binding("space", "toggle_enabled", "Enable"),
        Binding("s", "save", "Save"),
        Binding("r", "reset_defaults", "Defaults"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.editing: tuple[str, str] | None = None  # (rule, key)

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield DataTable(id="rules", cursor_type="cell", zebra_stripes=True)
        with Horizontal(id="editor"):
            yield Label(id="field")
            yield Input(id="value")
        yield Static(id="error")
        yield Static(id="file")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.watch(self.app, "rules_version", lambda _: self.fill(), init=False)
        self.watch(self.app, "config_error", lambda _: self.show_file_state(), init=False)
        self.watch(self.app, "unsaved", lambda _: self.show_file_state(), init=False)
        self.watch(self.app, "saves", lambda _: self.show_file_state(), init=False)
        self.watch(self.app, "lang", self.relabel, init=True)

    # ------------------------------------------------------------ drawing

    @property
    def rules(self) -> list[AlertRule]:
        return self.app.config.rules

    def fill(self) -> None:
        """Rows by rule name; cells updated in place so the cursor stays where it is."""
        table, lang, rules = self.query_one(DataTable), self.app.lang, self.rules
        for rule in rules:
            if rule.name in table.rows:
                for column in COLUMNS:
                    table.update_cell(rule.name, column, cell(rule, column, rules, lang), update_width=False)
            else:
                table.add_row(*(cell(rule, column, rules, lang) for column in COLUMNS), key=rule.name)
        names = {rule.name for rule in rules}
        for key in [key for key in table.rows if key.value not in names]:
            table.remove_row(key)

    def relabel(self, lang: str) -> None:
        """Headings and cells in the language (columns rebuilt: their widths follow the words), the cursor kept."""
        self.query_one("#title", Static).update(f"{tr('thresholds', lang)} — {tr('edit_hint', lang)}")
        localize_bindings(self, lang)
        table = self.query_one(DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        for column in COLUMNS:
            table.add_column(field_name(column, lang), key=column)
        self.fill()
        table.cursor_coordinate = cursor
        self.show_file_state()

    def show_file_state(self) -> None:
        app, lang = self.app, self.app.lang
        line = self.query_one("#file", Static)
        if app.config_error:
            line.update(Text(tr("config_error", lang, error=app.config_error)))
        else:
            state = tr("unsaved", lang) if app.unsaved else ""
            where = str(app.config_path) if app.config_path.exists() else f"{app.config_path} ({tr('not_yet', lang)})"
            line.update(Text(f"{where}  {state}".rstrip()))
        line.set_class(bool(app.config_error), "-invalid")

    def say(self, text: str, error: bool = False) -> None:
        line = self.query_one("#error", Static)
        line.styles.color = "red" if error else "green"
        line.update(Text(text))

    # ------------------------------------------------------------ editing

    def _cursor(self) -> tuple[str, str] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, column_key = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value, column_key.value

    @on(DataTable.CellSelected)
    def start_edit(self, event: DataTable.CellSelected) -> None:
        name, column = event.cell_key.row_key.value, event.cell_key.column_key.value
        lang = self.app.lang
        if column == "enabled":
            self.apply(name, "enabled", not self._rule(name).enabled)
            return
        if column not in EDITABLE:
            self.say(tr("editable", lang, fields=", ".join(field_name(key, lang) for key in EDITABLE)), error=True)
            return
        rule = self._rule(name)
        if rule.kind not in USED_BY[column]:
            self.say(tr("not_used", lang, field=field_name(column, lang), kind=kind_name(rule.kind, lang)), error=True)
            return
        self.say("")
        self.editing = (name, column)
        value = getattr(rule, column)
        self.query_one("#field", Label).update(Text(f"{words.rule(name, self.rules, lang)} · {field_name(column, lang)} ="))
        field = self.query_one("#value", Input)
        field.value = "" if value is None else shown(value, lang)
        self.query_one("#editor").add_class("-editing")
        field.focus()

    @on(Input.Submitted, "#value")
    def finish_edit(self, event: Input.Submitted) -> None:
        if self.editing is None:
            return
        name, column = self.editing
        if self.apply(name, column, event.value):
            self.stop_edit()

    def stop_edit(self) -> None:
        self.editing = None
        self.query_one("#editor").remove_class("-editing")
        self.query_one(DataTable).focus()

    def apply(self, name: str, column: str, value: object) -> bool:
        """Validate one change; on success the running engine gets the new rules at once."""
        lang = self.app.lang
        try:
            rules = edit_rule(self.app.config, name, column, value, lang)
        except EditError as error:
            self.say(str(error), error=True)
            return False
        self.app.post_message(RulesEdited(rules))
        new = next(rule for rule in rules if rule.name == name)
        value = getattr(new, column)
        value = ("✓" if value else "✗") if isinstance(value, bool) else shown(value, lang)
        self.say(tr("applied", lang, rule=words.rule(name, rules, lang), field=field_name(column, lang), value=value))
        table = self.query_one(DataTable)
        table.update_cell(name, column, cell(new, column, rules, lang), update_width=False)
        return True

    def _rule(self, name: str) -> AlertRule:
        return next(rule for rule in self.rules if rule.name == name)

    # ------------------------------------------------------------ actions

    def action_toggle_enabled(self) -> None:
        where = self._cursor()
        if where is not None and self.editing is None:
            name = where[0]
            self.apply(name, "enabled", not self._rule(name).enabled)

    def action_save(self) -> None:
        if self.editing is None:
            self.app.save_rules()

    def action_reset_defaults(self) -> None:
        if self.editing is None:
            self.app.reset_rules()

    def action_back(self) -> None:
        if self.editing is not None:
            self.stop_edit()
            self.say("")
        else:
            self.app.leave_edits(self._leave)

    def _leave(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()
