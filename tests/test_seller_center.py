"""TikTok Seller Center exports in `livemon report`: files made here, in the shapes public parsers read.

An Indonesian shop's LIVE on 18 April 2026 at 19:00 WIB for 45 minutes; its
All Order export (one row per order line, TikTok's description row under the
header, extra columns, blank rows, a cancelled order, orders before and after
the LIVE, quiet stretches longer than five minutes) and its Live Analysis
export (title rows above the header, rates as `2.02%`, money headers in Rp).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import polars as pl
import pytest
import xlsxwriter

from feeds.seller_center import (
    ExportError, parse_local_time, parse_number, parse_rate, parse_span, read_orders, read_sessions,
)
from monitor.config import load_config
from monitor.report import History, build_report

from .test_report_history import livemon, workdir  # noqa: F401  (fixture)

WIB = ZoneInfo("Asia/Jakarta")
LIVE_START = datetime(2026, 4, 18, 19, 0, tzinfo=WIB)

ORDER_HEADER = [
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "SKU ID", "Seller SKU",
    "Product Name", "Variation", "Quantity", "SKU Unit Original Price", "SKU Subtotal After Discount",
    "Order Amount", "Created Time", "Paid Time", "Cancelled Time", "Cancel Reason", "Buyer Username",
    "Recipient", "Province",
]
ORDER_DESCRIPTION = [
    "ID pesanan unik platform.", "Status pesanan.", "Substatus pesanan.", "Jenis pembatalan/pengembalian.",
    "ID SKU platform.", "SKU penjual.", "Nama produk.", "Variasi.", "Jumlah.", "Harga asli satuan SKU.",
    "Subtotal SKU setelah diskon.", "Jumlah pesanan.", "Waktu dibuat.", "Waktu dibayar.", "Waktu dibatalkan.",
    "Alasan pembatalan.", "Nama pengguna pembeli.", "Penerima.", "Provinsi.",
]
PRODUCTS = {  # SKU ID: (seller SKU, name, price in Rp)
    "1729384756102938": ("BTK-MRH-M", "Kemeja Batik Parang Merah", 149_900),
    "1729384756102939": ("BTK-HJU-L", "Kemeja Batik Kawung Hijau", 189_000),
    "1729384756102940": ("SRG-01", "Sarung Tenun Samarinda", 259_000),
}
#: (minutes after the LIVE's start, second, [(SKU index, quantity)], status): quiet stretches of 7 and 12 minutes
ORDERS = [
    (-25, 10, [(0, 1)], "Completed"),  # before the LIVE (a video or the shop page)
    (1, 5, [(0, 1)], "Shipped"), (1, 48, [(1, 2)], "Shipped"), (2, 30, [(2, 1), (0, 1)], "Delivered"),
    (3, 0, [(0, 1)], "Shipped"), (3, 59, [(1, 1)], "Shipped"), (4, 12, [(0, 3)], "Cancelled"),
    (11, 40, [(2, 1)], "Shipped"), (12, 3, [(0, 1), (1, 1), (2, 1)], "Delivered"), (12, 3, [(1, 1)], "Shipped"),
    (24, 20, [(0, 2)], "Shipped"), (25, 0, [(1, 1)], "Awaiting shipment"), (38, 45, [(2, 2)], "Shipped"),
    (44, 59, [(0, 1)], "Shipped"), (45, 30, [(1, 1)], "Shipped"),  # in the minute TikTok's rounding may hide
    (70, 0, [(0, 1)], "Completed"),  # after the LIVE
]


def _local(minute: int, second: int) -> datetime:
    return LIVE_START + timedelta(minutes=minute, seconds=second)


def order_lines(orders=ORDERS, day: int = 0, prefix: str = "5764") -> list[dict]:
    """The export's rows: one per order line, the order's amount on each line (as TikTok writes it)."""
    rows = []
    for number, (minute, second, lines, status) in enumerate(orders):
        created = _local(minute, second) + timedelta(days=day)
        order_id = f"{prefix}{number:014d}"
        total = sum(PRODUCTS[list(PRODUCTS)[sku]][2] * quantity for sku, quantity in lines) + 9_000  # + shipping
        for sku, quantity in lines:
            sku_id = list(PRODUCTS)[sku]
            seller_sku, name, price = PRODUCTS[sku_id]
            cancelled = status == "Cancelled"
            rows.append({
                "Order ID": order_id, "Order Status": status, "Order Substatus": "", "Cancelation/Return Type":
                "Cancellation" if cancelled else "", "SKU ID": sku_id, "Seller SKU": seller_sku,
                "Product Name": name, "Variation": "M", "Quantity": quantity, "SKU Unit Original Price": price,
                "SKU Subtotal After Discount": price * quantity, "Order Amount": total,
                "Created Time": created.strftime("%d/%m/%Y %H:%M:%S"),
                "Paid Time": (created + timedelta(seconds=40)).strftime("%d/%m/%Y %H:%M:%S"),
                "Cancelled Time": (created + timedelta(minutes=9)).strftime("%d/%m/%Y %H:%M:%S") if cancelled else "",
                "Cancel Reason": "Pembeli berubah pikiran" if cancelled else "",
                "Buyer Username": f"pembeli_{number}", "Recipient": f"Ibu Sari {number}", "Province": "Jawa Tengah",
            })
    return rows


def write_sheet(path: Path, header: list[str], rows: list[dict | None], *, above: list[list] = (),
                description: list[str] | None = None, cells: dict[tuple[int, str], object] | None = None) -> Path:
    """An xlsx as the seller downloads it: rows written by polars under the header (and TikTok's extra rows)."""
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("Sheet1")
        for index, row in enumerate(above):
            sheet.write_row(index, 0, row)
        top = len(above)
        sheet.write_row(top, 0, header)
        if description:
            sheet.write_row(top + 1, 0, description)
        first = top + 1 + bool(description)
        frame = pl.DataFrame([row or {} for row in rows], schema=header, orient="row", strict=False)
        frame.write_excel(workbook=book, worksheet="Sheet1", position=(first, 0), include_header=False, autofit=False)
        for (index, column), value in (cells or {}).items():
            sheet.write(first + index, header.index(column), value)
    return path


def write_orders(path: Path, rows: list[dict] | None = None, **options) -> Path:
    rows = order_lines() if rows is None else rows
    rows = rows[:5] + [None] + rows[5:9] + [None, None] + rows[9:]  # blank rows, as a hand-edited file may have
    return write_sheet(path, ORDER_HEADER, rows, description=ORDER_DESCRIPTION, **options)


LIVE_HEADER = [
    "Creator ID", "Creator", "Nickname", "Launched Time", "Duration", "LIVE gross merchandise value (Rp)",
    "Products added", "Different Products Sold", "Created SKU orders", "LIVE SKU orders", "LIVE items sold",
    "Unique customers", "Average Price (Rp)", "Click-to-order rate (LIVE)", "LIVE attributed GMV (Rp)", "Viewers",
    "Views", "Average viewing duration (LIVE streams)", "Comments", "Shares", "LIVE likes",
    "New followers (Creator video)", "Product Impressions", "Product Clicks", "CTR",
]


def live_row(launched: str, duration: str, *, ctr: str = "2.02%", views: int = 16_652, gmv: int = 2_843_600) -> dict:
    return {
        "Creator ID": "7012345678901234567", "Creator": "Toko Batik Sari", "Nickname": "tokobatiksari",
        "Launched Time": launched, "Duration": duration, "LIVE gross merchandise value (Rp)": gmv,
        "Products added": 3, "Different Products Sold": 3, "Created SKU orders": 19, "LIVE SKU orders": 17,
        "LIVE items sold": 24, "Unique customers": 13, "Average Price (Rp)": 118_483,
        "Click-to-order rate (LIVE)": "8.33%", "LIVE attributed GMV (Rp)": gmv, "Viewers": 14_254, "Views": views,
        "Average viewing duration (LIVE streams)": 107, "Comments": 193, "Shares": 81, "LIVE likes": 5_100,
        "New followers (Creator video)": 12, "Product Impressions": 1_778, "Product Clicks": 228, "CTR": ctr,
    }


def write_lives(path: Path, rows: list[dict]) -> Path:
    title = [["Live Analysis"], ["Periode: 2026-04-01 ~ 2026-04-30"], []]
    return write_sheet(path, LIVE_HEADER, rows, above=title)


@pytest.fixture
def config(tmp_path):
    base = load_config()
    history = base.history.model_copy(update={"dir": str(tmp_path / "history")})
    return base.model_copy(update={"history": history})


def summary_of(out: Path) -> dict:
    return orjson.loads((out / "summary.json").read_bytes())


# ---------------------------------------------------------------- the orders, minute by minute


def expected_minutes(rows: list[dict], start: datetime, end: datetime) -> pl.DataFrame:
    """Orders, units, GMV and AOV per minute, worked out from the spreadsheet's own rows with polars.

    One order per Order ID (its amount is on each of its lines; its quantity is
    the lines' sum), kept when placed inside the LIVE's window (start, end], in
    the minute whose window `(m, m + 60 s]` holds it (docs/metrics.md).
    """
    lines = pl.DataFrame(rows).with_columns(
        pl.col("Created Time").str.to_datetime("%d/%m/%Y %H:%M:%S").dt.replace_time_zone("Asia/Jakarta")
    )
    orders = lines.group_by("Order ID").agg(
        pl.col("Created Time").first(), pl.col("Quantity").sum(), pl.col("Order Amount").first()
    ).filter((pl.col("Created Time") > start) & (pl.col("Created Time") <= end))
    per_minute = orders.group_by(
        (pl.col("Created Time") - pl.duration(milliseconds=1)).dt.truncate("1m").dt.convert_time_zone("UTC").alias("minute")
    ).agg(pl.len().alias("orders"), pl.col("Quantity").sum().alias("units"), pl.col("Order Amount").sum().alias("gmv"))
    return per_minute.with_columns(
        pl.col("orders").cast(pl.Int64), pl.col("units").cast(pl.Int64), pl.col("gmv").cast(pl.Float64),
        (pl.col("gmv") / pl.col("orders")).alias("aov"),
    ).sort("minute")


def test_orders_gmv_and_aov_per_minute_are_the_spreadsheets_sums(tmp_path, config):
    orders = write_orders(tmp_path / "All order-2026-04-18-21_05.xlsx")
    lives = write_lives(tmp_path / "Live Analysis 2026-04.xlsx", [live_row("2026/04/18/ 19:00", "45min")])
    report = build_report(orders, config, tmp_path / "out", session=lives)

    minutes = pl.read_parquet(tmp_path / "out" / "minutes.parquet")
    end = LIVE_START + timedelta(minutes=46)  # Launched Time + Duration + the minute both were cut to
    assert minutes["minute"].to_list() == [  # every minute of the LIVE, quiet ones too
        (LIVE_START + timedelta(minutes=m)).astimezone(ZoneInfo("UTC")) for m in range(46)
    ]
    want = expected_minutes(order_lines(), LIVE_START, end)
    got = minutes.select("minute", "orders", "units", "gmv", "aov").filter(pl.col("orders") > 0)
    assert got.to_dicts() == want.to_dicts()
    assert minutes["orders"].sum() == 14 and (minutes["orders"] == 0).sum() == 46 - len(want)

    (session,) = report.run.sessions
    assert session.headline["orders"] == 14 and session.headline["gmv"] == want["gmv"].sum()
    summary = summary_of(tmp_path / "out")
    assert summary["rejected"] == {} and summary["late"] == 0  # the quiet stretches were not taken for outliers
    read = summary["rooms"][0]["platform"]["orders"]
    assert read == {"read": 14, "lines": 17, "cancelled": 1, "cancelled_gmv": 149_900 * 3 + 9_000,
                    "outside_window": 2, "rejected": 0}


def test_minute_rows_keep_only_what_the_orders_tell(tmp_path, config):
    build_report(write_orders(tmp_path / "orders.xlsx"), config, tmp_path / "out")
    minutes = pl.read_parquet(tmp_path / "out" / "minutes.parquet")
    assert minutes["viewers"].null_count() == minutes.height  # unknown, never zero
    assert minutes["entries"].null_count() == minutes.height and minutes["ctr"].null_count() == minutes.height
    # without the Live Analysis export the broadcast is the first order's minute to the last order's
    first, last = _local(-25, 10), _local(70, 0)
    assert minutes["minute"][0] == first.replace(second=0).astimezone(ZoneInfo("UTC"))
    assert minutes["t"][-1] == int(last.timestamp() * 1000)  # 20:10:00 ends its own minute
    assert minutes["orders"].sum() == 16


# ---------------------------------------------------------------- bad input


def test_a_missing_column_is_named_with_the_file(tmp_path, workdir):
    header = [name for name in ORDER_HEADER if name != "Created Time"]
    rows = [{key: value for key, value in row.items() if key != "Created Time"} for row in order_lines()]
    path = write_sheet(tmp_path / "All order-2026-04-18.xlsx", header, rows, description=ORDER_DESCRIPTION[:-1])
    with pytest.raises(ExportError) as error:
        read_orders(path, WIB)
    assert "All order-2026-04-18.xlsx" in str(error.value) and "'Created Time'" in str(error.value)

    result = subprocess.run([sys.executable, "-m", "monitor", "report", str(path), "--out", "r"],
                            capture_output=True, text=True, cwd=workdir)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "Created Time" in line and "All order-2026-04-18.xlsx" in line


def test_a_file_that_is_no_export_says_so(tmp_path):
    path = write_sheet(tmp_path / "stok.xlsx", ["Nama", "Stok"], [{"Nama": "Batik", "Stok": 3}])
    with pytest.raises(ExportError, match="stok.xlsx: not a TikTok Seller Center export"):
        read_orders(path, WIB)


def test_bad_rows_are_counted_and_dead_lettered_and_the_orders_around_them_kept(tmp_path, config):
    dead = tmp_path / "dead.jsonl"
    config = config.model_copy(update={"input": config.input.model_copy(update={"dead_letter": str(dead)})})
    rows = order_lines()
    rows[11]["SKU ID"] = None  # the last of the three lines of order 8
    # text in number and time cells, at rows as written (write_orders adds blank rows): orders 2 and 4
    cells = {(2, "Quantity"): "dua", (6, "Created Time"): "kemarin sore"}
    path = write_orders(tmp_path / "orders.xlsx", rows, cells=cells)
    build_report(path, config, tmp_path / "out")

    summary = summary_of(tmp_path / "out")
    assert summary["rejected"] == {"bad_value": 1, "bad_ts": 1, "missing_field": 1}
    assert summary["events"] == 16 - 3 + 1  # the other orders, and the end-of-minute marker
    letters = [orjson.loads(line) for line in dead.read_bytes().splitlines()]
    assert sorted(letter["reason"] for letter in letters) == ["bad_ts", "bad_value", "missing_field"]
    details = " ".join(letter["detail"] for letter in letters)
    assert "Quantity 'dua'" in details and "kemarin sore" in details and "no SKU ID" in details
    assert all(letter["raw"]["file"] == "orders.xlsx" for letter in letters)
    written = dead.read_text()
    assert "Ibu Sari" not in written and "pembeli_" not in written  # buyers' names stay in the spreadsheet


def test_headers_match_whatever_their_case_and_spaces(tmp_path):
    header = [" order  id", "SKU ID ", "QUANTITY", "order amount (Rp)", "created\u00a0time", "Order Status"]
    rows = [{header[0]: "5764001", header[1]: "1729384756102938", header[2]: 2, header[3]: 308_800,
             header[4]: "18/04/2026 19:05:00", header[5]: "Shipped"}]
    export = read_orders(write_sheet(tmp_path / "o.xlsx", header, rows), WIB)
    (order,) = export.orders
    assert (order.order_id, order.quantity, order.amount) == ("5764001", 2, 308_800)
    assert order.ts == int(datetime(2026, 4, 18, 19, 5, tzinfo=WIB).timestamp() * 1000)


def test_an_order_of_several_lines_is_one_order(tmp_path):
    export = read_orders(write_orders(tmp_path / "o.xlsx"), WIB)
    three = next(order for order in export.orders if order.lines == 3)
    assert three.quantity == 3 and three.amount == 149_900 + 189_000 + 259_000 + 9_000  # taken once, not thrice
    assert three.product == "1729384756102938"  # the first line's SKU
    cancelled = [order for order in export.orders if order.cancelled]
    assert len(cancelled) == 1 and cancelled[0].quantity == 3


# ---------------------------------------------------------------- TikTok's numbers


def test_live_analysis_alone_is_reported_as_tiktoks_and_kept_in_history(tmp_path, config):
    path = write_lives(tmp_path / "live.xlsx", [
        live_row("2026/04/11/ 19:00", "1h 10min", ctr="2.50%", views=12_000),
        live_row("2026/04/18/ 19:00", "1h 40min"),
    ])
    report = build_report(path, config, tmp_path / "out", choice="last")

    (session,) = report.run.sessions
    headline = session.headline
    assert headline["duration_s"] == 6000 and headline["entries"] == 16_652 and headline["ctr"] == pytest.approx(0.0202)
    assert headline["click_to_order"] == pytest.approx(0.0833) and headline["avg_watch_s"] == 107
    assert headline["gmv"] == 2_843_600 and headline["orders"] == 19 and headline["units"] == 24
    assert headline["gpm"] == pytest.approx(2_843_600 * 1000 / 16_652)
    assert headline["impressions"] is None and headline["retention"] is None  # TikTok's export has no such value
    assert session.room == "tokobatiksari"

    platform = summary_of(tmp_path / "out")["rooms"][0]["platform"]
    assert platform["source"] == "tiktok-seller-center" and platform["sessions_in_file"] == 2
    assert platform["live"]["currency"] == "Rp" and platform["live"]["values"]["unique_viewers"] == 14_254
    assert {"entries", "ctr", "gmv", "duration_s"} <= set(platform["tiktok"]) and platform["ours"] == []

    html = report.html.read_text()
    assert html.count('<div class="source"') == sum(metric in platform["tiktok"] for metric in
                                                   ("gmv", "orders", "gpm", "aov", "entries", "avg_watch_s", "ctr",
                                                    "click_to_order", "duration_s"))
    assert "Angka TikTok (Seller Center)" in html and "Penonton unik" in html
    assert '<table class="lives">' in html  # every LIVE of the file

    saved = History(config.history.dir).sessions("tokobatiksari")
    assert [past.headline["entries"] for past in saved] == [12_000, 16_652]
    ctr = next(row for row in report.comparisons["tokobatiksari"].rows if row.metric == "ctr")
    assert ctr.past == (pytest.approx(0.025),) and ctr.change == pytest.approx(0.0202 / 0.025 - 1)


def test_orders_with_the_session_export_fill_the_headline_and_say_whose_each_value_is(tmp_path, config):
    orders = write_orders(tmp_path / "orders.xlsx")
    lives = write_lives(tmp_path / "live.xlsx", [live_row("2026/04/18/ 19:00", "45min")])
    report = build_report(orders, config.model_copy(update={"lang": "en"}), tmp_path / "out", session=lives)

    (session,) = report.run.sessions
    headline = session.headline
    assert headline["orders"] == 14 and headline["entries"] == 16_652 and headline["ctr"] == pytest.approx(0.0202)
    assert headline["gpm"] == pytest.approx(headline["gmv"] * 1000 / 16_652)
    platform = summary_of(tmp_path / "out")["rooms"][0]["platform"]
    assert {"orders", "gmv", "units", "aov"} <= set(platform["ours"])
    assert {"entries", "ctr", "click_to_order", "duration_s", "gpm"} <= set(platform["tiktok"])
    assert not {"orders", "gmv"} & set(platform["tiktok"])

    html = report.html.read_text()
    beside = html.split('<tr data-metric="orders">')[1].split("</tr>")[0]
    assert "<td>19</td><td>14</td>" in beside  # TikTok's created SKU orders beside our orders
    tile = html.split('data-metric="entries">')[1].split('<div class="tile"')[0]
    assert "TikTok" in tile and "TikTok" not in html.split('data-metric="gmv">')[1].split("</div></div>")[0]
    assert "TikTok's numbers (Seller Center)" in html
    actions = [action.action for action in session.host_actions]
    assert actions == ["live_start", "live_end"]


def test_the_live_analysis_never_replaces_the_same_live_reported_with_its_orders(tmp_path, config):
    orders = write_orders(tmp_path / "orders.xlsx")
    lives = write_lives(tmp_path / "live.xlsx", [live_row("2026/04/18/ 19:00", "45min")])
    build_report(orders, config, tmp_path / "a", session=lives)
    build_report(lives, config, tmp_path / "b")  # the month's Live Analysis, downloaded later
    (saved,) = History(config.history.dir).sessions()
    assert saved.source.endswith("orders.xlsx") and saved.headline["orders"] == 14
    assert saved.start_ms == int(LIVE_START.timestamp() * 1000)  # the LIVE's start: one entry per LIVE
    assert saved.minutes_path.exists() and pl.read_parquet(saved.minutes_path).height == 46


def test_session_goes_with_an_order_export_only(tmp_path, config):
    lives = write_lives(tmp_path / "live.xlsx", [live_row("2026/04/18/ 19:00", "45min")])
    recording = tmp_path / "s.jsonl"
    recording.write_text('{"type":"like","ts":1763802000000}\n')
    for path in (recording, lives):
        with pytest.raises(ExportError, match="--session"):
            build_report(path, config, tmp_path / "out", session=lives)
    elsewhere = write_lives(tmp_path / "other.xlsx", [live_row("2026/03/01/ 10:00", "30min")])
    with pytest.raises(ExportError, match="other.xlsx: none of its 1 LIVE sessions covers the orders of o.xlsx"):
        build_report(write_orders(tmp_path / "o.xlsx"), config, tmp_path / "out", session=elsewhere)


def test_history_and_compare_work_on_imported_orders(workdir):
    first = write_orders(workdir / "day1.xlsx")
    quieter = [order for order in ORDERS if order[0] % 2 == 0]
    second = write_orders(workdir / "day2.xlsx", order_lines(quieter, day=7, prefix="5765"))
    run = livemon("report", first, "--out", "r1", "--room", "toko-batik-sari", "--lang", "en", cwd=workdir)
    assert "Orders from the export 16" in run.stdout
    result = livemon("report", second, "--out", "r2", "--room", "toko-batik-sari", "--compare", "last",
                     "--lang", "en", cwd=workdir)
    (gmv_line,) = [line for line in result.stdout.splitlines() if line.strip().startswith("GMV")
                   and "%" in line]
    assert gmv_line.split()[-1].startswith("-")  # fewer orders than the week before
    compared = summary_of(workdir / "r2")["rooms"][0]["compare"]
    assert compared["past"][0]["source"].endswith("day1.xlsx")
    listing = livemon("history", "--lang", "en", cwd=workdir).stdout.splitlines()
    assert [line.split()[0] for line in listing[2:]] == ["toko-batik-sari", "toko-batik-sari"]


def test_a_creator_name_cannot_reach_the_terminal_as_escapes(tmp_path, config):
    row = live_row("2026/04/18/ 19:00", "45min")
    row["Nickname"] = "toko\x1b[2J\x1b]0;pwned\x07sari"
    path = write_lives(tmp_path / "live.xlsx", [row])
    from monitor.report import terminal_text

    report = build_report(path, config, tmp_path / "out")
    text = terminal_text(report, config)
    assert "\x1b" not in text and "\x07" not in text and "tokosari" in text


# ---------------------------------------------------------------- cells


def test_cells_read_as_tiktok_and_excel_write_them():
    assert parse_number("148990.5") == 148_990.5 and parse_number("Rp 149.900") == 149_900
    assert parse_number("1,234,567") == 1_234_567 and parse_number("1.234.567") == 1_234_567
    assert parse_number("1.234") == 1.234 and parse_number("16.652", whole=True) == 16_652
    assert parse_number("12,5") == 12.5 and parse_number("1.234,5") == 1234.5
    with pytest.raises(ValueError):
        parse_number("dua")
    assert parse_rate("2.02%") == pytest.approx(0.0202) and parse_rate("0.0202") == 0.0202
    assert parse_span("1h 40min") == 6000 and parse_span("45min") == 2700 and parse_span("1h 40min 12s") == 6012
    assert parse_span("107") == 107 and parse_span("01:40:00") == 6000
    with pytest.raises(ValueError):
        parse_span("lama sekali")
    at = int(datetime(2026, 4, 18, 22, 14, tzinfo=WIB).timestamp() * 1000)
    assert parse_local_time("2026/04/18/ 22:14", WIB) == at == parse_local_time("18/04/2026 22:14:00", WIB)
    assert parse_local_time("2026-04-18 22:14:00", WIB) == at  # a date cell, as calamine hands it on
    assert parse_local_time("2026/04/18/ 22:14", ZoneInfo("Asia/Makassar")) == at - 3_600_000


def test_a_bad_live_row_is_rejected_and_the_others_read(tmp_path):
    rows = [live_row("2026/04/11/ 19:00", "1h 10min"), live_row("kemarin", "1h"), live_row("2026/04/18/ 19:00", "?")]
    rows[0]["CTR"] = "n/a"
    export = read_sessions(write_lives(tmp_path / "live.xlsx", rows), WIB)
    assert len(export.sessions) == 1 and "ctr" not in export.sessions[0].values
    assert sorted(rejection.reason for rejection in export.rejected) == ["bad_ts", "bad_value"]
    assert any("CTR" in problem or "ctr" in problem for problem in export.problems)
