"""TikTok Seller Center exports (xlsx) as our order events and TikTok's LIVE session totals.

A seller downloads two spreadsheets after a broadcast: **All Order** (one row
per order line) and **Live Analysis** (one row per LIVE session, with the
numbers TikTok computed). This module reads them with polars' `calamine`
engine (the `fastexcel` package), finds which export a file is from its
header row, and maps it:

- All Order → `order` events of our contract (spec/events.md), one per Order ID:

  | event field | from the export |
  |---|---|
  | `ts` | Created Time (`d/m/Y H:i:s`, the shop's local time, read in `[display] timezone`) |
  | `order_id` | Order ID |
  | `product` | SKU ID of the order's first line |
  | `quantity` | the sum of Quantity over the order's lines |
  | `amount` | Order Amount: the order's total, which the export repeats on each of its lines, taken once (lines that disagree are taken as line amounts and summed) |

  A cancelled order (Order Status "Cancelled", or a Cancelled Time) is kept
  as a placed order, as TikTok's own GMV keeps it, and counted as cancelled.
- Live Analysis → one `LiveSession` per row, its values under our metric
  names where the meaning matches (`SESSION_COLUMNS`; docs/sources-exports.md
  has the table): Views → `entries`, Viewers → `unique_viewers` (people, not
  our concurrent `viewers`), Created SKU orders → `orders`, LIVE items sold →
  `units`, Average viewing duration → `avg_watch_s`, CTR, Click-to-order
  rate, Product Impressions / Clicks, GMV, LIVE likes, Comments, Shares.

Where the column names and formats come from (TikTok publishes no schema):
public parsers of these files, found by code search, namely
aminpamelo/mudeerbedaie `app/Services/LiveHost/Tiktok/AllOrderXlsxParser.php`
and `LiveAnalysisXlsxParser.php` with their tests on TikTok fixtures (column
lists; the header row looked for in the first 20 rows; a description row
right under the All Order header; Created Time `18/04/2026 23:45:00`;
Launched Time `2026/04/18/ 22:14`; Duration `1h 40min`; rates as text
`2.02%`; money headers with the currency, `(RM)`), a Thai seller tool's
notes on the same All Order export ("OrderSKUList": one row per SKU line;
Order Amount is the order's amount on every line, "NOT multiplied"; the
description row is in the shop's language), jeffpham2906/JP-Manager
`server/types/order.d.ts` (the same All Order columns), and a seller guide
on amz123.com that lists the All Order headers with TikTok's description row
under them ("Platform unique order ID.", ...; "the second row sometimes holds
the official field descriptions"). TikTok's seller university (Data Compass)
says its revenue figures keep cancelled and returned orders. **Unverified**:
exports with Indonesian headers (only the English names are matched), how an
Indonesian export writes numbers in text cells (both `1.234.567` and
`1,234,567` are read), and whether Launched Time and Duration are cut or
rounded to the minute.

Headers are matched case- and space-insensitively, a trailing `(…)` (the
currency, `(Rp)`) ignored; a missing required column is an `ExportError`
naming the column and the file. A bad row never stops the import: it becomes
a `Rejection` (reason `missing_field`, `bad_value` or `bad_ts`, one line
naming the file and the order), counted and dead-lettered by the pipeline,
with only the cells read here (never the buyer's name or address).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Iterator

from monitor.events import Rejection
from monitor.viewer_text import clean

ALL_ORDER = "All Order"
LIVE_ANALYSIS = "Live Analysis"
SUFFIXES = (".xlsx", ".xls")
HEADER_ROWS = 20  # the header is looked for among the first rows (exports may put a title above it)
MINUTE_MS = 60_000


class ExportError(ValueError):
    """The file cannot be read as a Seller Center export; the message names the file (and the column)."""


@dataclass(frozen=True)
class Column:
    field: str
    names: tuple[str, ...]  # as TikTok writes them; the first is named in errors
    required: bool = False


ORDER_COLUMNS = (
    Column("order_id", ("Order ID",), True),
    Column("sku", ("SKU ID",), True),
    Column("quantity", ("Quantity",), True),
    Column("amount", ("Order Amount",), True),
    Column("created", ("Created Time",), True),
    Column("status", ("Order Status",)),
    Column("cancelled_time", ("Cancelled Time",)),
)

#: Live Analysis columns: our metric name (or a name of TikTok's own, for values we do not compute).
SESSION_COLUMNS = (
    Column("launched", ("Launched Time",), True),
    Column("duration_s", ("Duration",), True),
    Column("creator", ("Nickname", "Creator")),
    Column("gmv", ("GMV", "LIVE gross merchandise value", "Gross merchandise value")),
    Column("orders", ("Created SKU orders",)),
    Column("units", ("LIVE items sold", "Items sold")),
    Column("customers", ("Unique customers",)),
    Column("avg_price", ("Average Price",)),
    Column("unique_viewers", ("Viewers",)),
    Column("entries", ("Views",)),
    Column("avg_watch_s", ("Average viewing duration",)),
    Column("comments", ("Comments",)),
    Column("shares", ("Shares",)),
    Column("likes", ("LIVE likes", "Likes")),
    Column("product_impressions", ("Product Impressions",)),
    Column("product_clicks", ("Product Clicks",)),
    Column("ctr", ("CTR",)),
    Column("click_to_order", ("Click-to-order rate",)),
)
_COUNTS = frozenset({"orders", "units", "customers", "unique_viewers", "entries", "comments", "shares", "likes",
                     "product_impressions", "product_clicks"})
_MONEY = frozenset({"gmv", "avg_price"})
_RATES = frozenset({"ctr", "click_to_order"})
_KINDS = {ALL_ORDER: ORDER_COLUMNS, LIVE_ANALYSIS: SESSION_COLUMNS}
_MARKS = {"orderid": ALL_ORDER, "launchedtime": LIVE_ANALYSIS}  # a header cell that says which export it is
_CANCELLED = frozenset({"cancelled", "canceled", "dibatalkan"})


def is_export(path: str | Path) -> bool:
    return str(path).lower().endswith(SUFFIXES)


# ---------------------------------------------------------------- the sheet


def _key(text: str) -> str:
    """A header as compared: no spaces, case folded."""
    return "".join(text.split()).casefold()


_TRAILING = re.compile(r"\(([^()]*)\)$")


@dataclass
class Sheet:
    """The first sheet of an export: which export, where each column is, the rows under the header."""

    path: Path
    kind: str
    columns: dict[str, int]
    rows: list[list[str | None]]
    currency: str | None = None  # from a money header, e.g. "Rp" of "GMV (Rp)"

    @property
    def name(self) -> str:
        return self.path.name

    def cell(self, row: list[str | None], field: str) -> str | None:
        index = self.columns.get(field)
        if index is None or index >= len(row):
            return None
        value = row[index]
        if value is None:
            return None
        value = value.strip()
        return value or None


def read_sheet(path: str | Path) -> Sheet:
    """Read the first sheet as text and find its header row (among the first `HEADER_ROWS`)."""
    import polars as pl

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        frame = pl.read_excel(path, engine="calamine", has_header=False, infer_schema_length=0, raise_if_empty=False)
    except Exception as error:  # a broken or foreign file: fastexcel raises its own error types
        raise ExportError(f"{path.name}: cannot be read as a spreadsheet ({type(error).__name__})") from None
    rows = [list(row) for row in frame.rows()]
    for index, row in enumerate(rows[:HEADER_ROWS]):
        keys = {_key(cell) for cell in row if cell}
        kind = next((kind for mark, kind in _MARKS.items() if mark in keys), None)
        if kind is not None:
            columns, currency = _columns(path, kind, row)
            return Sheet(path, kind, columns, rows[index + 1:], currency)
    raise ExportError(
        f"{path.name}: not a TikTok Seller Center export: none of its first {HEADER_ROWS} rows names "
        f"'Order ID' ({ALL_ORDER}) or 'Launched Time' ({LIVE_ANALYSIS})"
    )


def _columns(path: Path, kind: str, header: list[str | None]) -> tuple[dict[str, int], str | None]:
    """Each known column's position; an exact name wins over one with a trailing `(…)`."""
    exact: dict[str, int] = {}
    loose: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(header):
        if not cell:
            continue
        key = _key(cell)
        exact.setdefault(key, index)
        trailing = _TRAILING.search(cell.strip())
        if trailing:
            loose.setdefault(_key(cell.strip()[: trailing.start()]), (index, trailing.group(1).strip()))
    columns: dict[str, int] = {}
    currency = None
    for column in _KINDS[kind]:
        for name in column.names:
            key = _key(name)
            if key in exact:
                columns[column.field] = exact[key]
                break
            if key in loose:
                columns[column.field], unit = loose[key]
                if column.field in ("gmv", "amount", "avg_price") and unit and currency is None:
                    currency = unit
                break
        else:
            if column.required:
                raise ExportError(f"{path.name}: the {kind} export has no '{column.names[0]}' column")
    return columns, currency


def export_kind(path: str | Path) -> str:
    """`ALL_ORDER` or `LIVE_ANALYSIS`, from the file's header row."""
    return read_sheet(path).kind


# ---------------------------------------------------------------- cells


_GROUPED_DOTS = re.compile(r"\d{1,3}(?:\.\d{3})+")  # 1.234.567 (Indonesian grouping)
_GROUPED_COMMAS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 1,234,567.5
_DOTS_AND_COMMA = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+")  # 1.234,5
_DECIMAL_COMMA = re.compile(r"\d+,\d+")  # 12,5
_CURRENCY = re.compile(r"^(?:rp|idr|rm|myr|usd|\$)\.?|(?:rp|idr)$", re.IGNORECASE)


def parse_number(text: str, *, whole: bool = False) -> float:
    """A number as a cell holds it: `148990`, `148990.5`, `Rp 149.900`, `1,234,567`, `12,5`.

    A number cell reaches us as its plain value (`1.234` is one and a quarter);
    a single dot group of three digits is read as thousands only in a count
    (`whole`) or beside a currency (`Rp 149.900`). ValueError when it is none.
    """
    text = "".join(text.split())
    bare = _CURRENCY.sub("", text)
    money = bare != text
    sign = ""
    if bare[:1] in "+-":
        sign, bare = bare[0], bare[1:]
    if _DOTS_AND_COMMA.fullmatch(bare):
        bare = bare.replace(".", "").replace(",", ".")
    elif _GROUPED_DOTS.fullmatch(bare) and (money or whole or bare.count(".") > 1):
        bare = bare.replace(".", "")
    elif _GROUPED_COMMAS.fullmatch(bare):
        bare = bare.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(bare):
        bare = bare.replace(",", ".")
    value = float(sign + bare)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def parse_rate(text: str) -> float:
    """`2.02%` → 0.0202; a bare number is a fraction already (what a percent-formatted cell stores)."""
    text = text.strip()
    if text.endswith("%"):
        return parse_number(text[:-1]) / 100
    return parse_number(text)


_SPAN = re.compile(r"(\d+(?:[.,]\d+)?)\s*(jam|hours?|hrs?|h|j|menit|minutes?|mins?|mnt|m|detik|seconds?|secs?|dtk|s)(?![a-z])",
                   re.IGNORECASE)
_CLOCK_SPAN = re.compile(r"(\d+):(\d{2}):(\d{2})")


def parse_span(text: str) -> float:
    """Seconds from `1h 40min`, `45min`, `1h 40min 12s`, `01:40:00`, or a bare number of seconds."""
    text = text.strip()
    clock = _CLOCK_SPAN.fullmatch(text)
    if clock:
        hours, minutes, seconds = map(int, clock.groups())
        return hours * 3600 + minutes * 60 + seconds
    parts = _SPAN.findall(text)
    if not parts:
        return parse_number(text)
    if _SPAN.sub("", text).strip():
        raise ValueError(f"not a duration: {text!r}")
    total = 0.0
    for amount, unit in parts:
        unit = unit.lower()
        scale = 3600 if unit[0] in "hj" else 60 if unit[0] == "m" else 1
        total += float(amount.replace(",", ".")) * scale
    return total


_YEAR_FIRST = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})/?[ T]*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_local_time(text: str, zone: tzinfo) -> int:
    """Epoch ms of a local time: `18/04/2026 23:45:00` (d/m/Y), `2026/04/18/ 22:14`, `2026-04-18 23:45:00`."""
    text = text.strip()
    match = _YEAR_FIRST.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = match.groups()
    else:
        match = _DAY_FIRST.fullmatch(text)
        if match is None:
            raise ValueError(f"not a date and time: {text!r}")
        day, month, year, hour, minute, second = match.groups()
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=zone)
    return round(moment.timestamp() * 1000)


# ---------------------------------------------------------------- All Order


@dataclass
class ImportedOrder:
    """One order of the export, its lines summed."""

    order_id: str
    ts: int
    product: str
    quantity: int
    amount: float
    cancelled: bool
    lines: int

    def event(self, room: str) -> dict:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return {"type": "order", "ts": self.ts, "room": room, "product": self.product, "quantity": self.quantity,
                "amount": amount, "order_id": self.order_id}


@dataclass
class OrderExport:
    path: Path
    orders: list[ImportedOrder]  # by Created Time
    rejected: list[Rejection] = field(default_factory=list)
    lines: int = 0  # order lines read (description and blank rows left out)

    @property
    def cancelled(self) -> list[ImportedOrder]:
        return [order for order in self.orders if order.cancelled]


def read_orders(path: str | Path, zone: tzinfo) -> OrderExport:
    """An All Order export as orders; a bad order is a rejection, the others go on."""
    sheet = read_sheet(path)
    if sheet.kind != ALL_ORDER:
        raise ExportError(f"{sheet.name}: this is a {sheet.kind} export (session totals), not an {ALL_ORDER} export")
    rows = [row for row in sheet.rows if any(cell is not None and cell.strip() for cell in row)]
    if rows and _is_description(sheet, rows[0], zone):
        rows = rows[1:]
    export = OrderExport(sheet.path, [])
    grouped: dict[str, list[dict]] = {}
    for number, row in enumerate(rows, 1):
        line = {column.names[0]: sheet.cell(row, column.field) for column in ORDER_COLUMNS}
        export.lines += 1
        order_id = line["Order ID"]
        if order_id is None:
            export.rejected.append(Rejection(
                "missing_field", f"{sheet.name}: line {number} under the header has no Order ID", _dead(sheet, line)))
            continue
        grouped.setdefault(order_id, []).append(line)
    for order_id, lines in grouped.items():
        order = _order(sheet, order_id, lines, zone)
        if isinstance(order, Rejection):
            export.rejected.append(order)
        else:
            export.orders.append(order)
    export.orders.sort(key=lambda order: order.ts)
    return export


def _is_description(sheet: Sheet, row: list[str | None], zone: tzinfo) -> bool:
    """TikTok's row of column descriptions under the header: none of its number or time cells reads as one."""
    for field_name, parse in (("quantity", parse_number), ("amount", parse_number),
                              ("created", lambda text: parse_local_time(text, zone))):
        text = sheet.cell(row, field_name)
        if text is not None:
            try:
                parse(text)
                return False
            except ValueError:
                pass
    return True


def _dead(sheet: Sheet, line: dict) -> dict:
    """What a dead letter keeps of a line: the file and the cells we read."""
    return {"file": sheet.name, **{name: value for name, value in line.items() if value is not None}}


def _order(sheet: Sheet, order_id: str, lines: list[dict], zone: tzinfo) -> ImportedOrder | Rejection:
    where = f"{sheet.name}: order {order_id}"
    first = lines[0]
    raw = _dead(sheet, first) if len(lines) == 1 else {"file": sheet.name, "Order ID": order_id, "lines": [
        {name: value for name, value in line.items() if value is not None and name != "Order ID"} for line in lines]}
    quantity = 0
    amounts = []
    for line in lines:
        for name in ("SKU ID", "Quantity", "Order Amount"):
            if line[name] is None:
                return Rejection("missing_field", f"{where}: no {name}", raw)
        try:
            count = parse_number(line["Quantity"], whole=True)
        except ValueError:
            count = 0.5
        if count < 1 or not count.is_integer():
            return Rejection("bad_value", f"{where}: Quantity {line['Quantity']!r} is not a whole number >= 1", raw)
        quantity += int(count)
        try:
            amount = parse_number(line["Order Amount"])
        except ValueError:
            amount = 0.0
        if amount <= 0:
            return Rejection("bad_value", f"{where}: Order Amount {line['Order Amount']!r} is not an amount > 0", raw)
        amounts.append(amount)
    if first["Created Time"] is None:
        return Rejection("missing_field", f"{where}: no Created Time", raw)
    try:
        ts = parse_local_time(first["Created Time"], zone)
    except ValueError:
        return Rejection("bad_ts", f"{where}: Created Time {first['Created Time']!r} is not d/m/Y H:M:S", raw)
    # the order's total is on each of its lines; lines that disagree carry their own amounts
    amount = amounts[0] if len(set(amounts)) == 1 else sum(amounts)
    cancelled = any((line["Order Status"] or "").casefold() in _CANCELLED or line["Cancelled Time"] for line in lines)
    return ImportedOrder(order_id, ts, first["SKU ID"], quantity, amount, cancelled, len(lines))


# ---------------------------------------------------------------- Live Analysis


@dataclass(frozen=True)
class LiveSession:
    """One row of Live Analysis: when the LIVE ran and what TikTok counted, under our names."""

    start_ms: int  # Launched Time (to the minute)
    duration_s: float
    values: dict[str, float]  # only the values the file has
    creator: str | None = None
    currency: str | None = None

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.duration_s * 1000


@dataclass
class SessionExport:
    path: Path
    sessions: list[LiveSession]  # by Launched Time
    rejected: list[Rejection] = field(default_factory=list)  # rows without a usable start or duration
    problems: list[str] = field(default_factory=list)  # cells left out, one line each


def read_sessions(path: str | Path, zone: tzinfo) -> SessionExport:
    """A Live Analysis export as LIVE sessions; a bad row is rejected, a bad cell left out."""
    sheet = read_sheet(path)
    if sheet.kind != LIVE_ANALYSIS:
        raise ExportError(f"{sheet.name}: this is an {sheet.kind} export (orders), not a {LIVE_ANALYSIS} export")
    export = SessionExport(sheet.path, [])
    number = 0
    for row in sheet.rows:
        if not any(cell is not None and cell.strip() for cell in row):
            continue
        number += 1
        cells = {column.field: sheet.cell(row, column.field) for column in SESSION_COLUMNS}
        raw = {"file": sheet.name, **{column.names[0]: cells[column.field] for column in SESSION_COLUMNS
                                      if cells[column.field] is not None and column.field != "creator"}}
        where = f"{sheet.name}: LIVE on line {number} under the header"
        try:
            start = parse_local_time(cells["launched"] or "", zone)
        except ValueError:
            export.rejected.append(Rejection("bad_ts", f"{where}: Launched Time {cells['launched']!r} is not "
                                                       "Y/m/d H:M", raw))
            continue
        try:
            duration = parse_span(cells["duration_s"] or "")
        except ValueError:
            duration = -1.0
        if duration <= 0:
            export.rejected.append(Rejection("bad_value", f"{where}: Duration {cells['duration_s']!r} is not a "
                                                          "length such as 1h 40min", raw))
            continue
        values: dict[str, float] = {}
        for name, text in cells.items():
            if name in ("launched", "duration_s", "creator") or text is None:
                continue
            try:
                values[name] = _session_value(name, text)
            except ValueError:
                export.problems.append(f"{where}: {name} {text!r} is not a number; left out")
        creator = clean(cells["creator"], 80) if cells["creator"] else None
        export.sessions.append(LiveSession(start, duration, values, creator or None, sheet.currency))
    export.sessions.sort(key=lambda session: session.start_ms)
    return export


def _session_value(name: str, text: str) -> float:
    if name in _RATES:
        return parse_rate(text)
    if name == "avg_watch_s":
        return parse_span(text)
    value = parse_number(text, whole=name in _COUNTS)
    if value < 0:
        raise ValueError("negative")
    return int(value) if name in _COUNTS and value.is_integer() else value


# ---------------------------------------------------------------- events


def minute_end(ts: float) -> int:
    """The end of the minute an event at `ts` counts in (the minute's window is `(m, m + 60 s]`)."""
    return -int(-ts // MINUTE_MS) * MINUTE_MS


def order_batches(orders: list[ImportedOrder], rejected: list[Rejection], room: str, *,
                  start: dict | None = None, end: dict | None = None, batch: int = 2000) -> Iterator[list]:
    """The pipeline's input: the rejections, then (between the optional marker events) the orders by time."""
    items: list = list(rejected)
    if start is not None:
        items.append(start)
    items += [order.event(room) for order in orders]
    if end is not None:
        items.append(end)
    for offset in range(0, len(items), max(1, batch)):
        yield items[offset: offset + batch]
