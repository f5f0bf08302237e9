"""Words of the report in Indonesian (default) and English; numbers go through `monitor.formatting`.

Only what the report alone says lives here: metric names come from the
catalogue, severities, host actions, rule names and the "other" product line
from `monitor.words`, alert words from `monitor.alert_text`.
"""

from __future__ import annotations

from .. import catalog, formatting, words

_WORDS: dict[str, tuple[str, str]] = {
    # metric names come from the catalogue (monitor/catalog.py); headline numbers only the report has
    "avg_viewers": ("Penonton rata²", "Avg viewers"),
    "alerts": ("Peringatan", "Alerts"),
    # per-minute chart titles
    # sections
    "title": ("Laporan siaran", "Broadcast report"),
    "kpis": ("Ringkasan", "Summary"),
    "funnel": ("Corong", "Funnel"),
    "benchmarks": ("Dibanding target kategori", "Against category targets"),
    "compare": ("Dibanding siaran sebelumnya", "Against past broadcasts"),
    "per_minute": ("Per menit", "Per minute"),
    "best_worst": ("5 menit terbaik dan terburuk", "Best and worst 5 minutes"),
    "alert_timeline": ("Linimasa peringatan", "Alert timeline"),
    "host_actions": ("Aksi host", "Host actions"),
    "input": ("Data masukan", "Input"),
    # table heads and notes
    "metric": ("Metrik", "Metric"),
    "this_session": ("Sesi ini", "This session"),
    "target": ("Target", "Target"),
    "gap": ("Selisih", "Gap"),
    "change": ("Perubahan", "Change"),
    "vs_median": ("vs median", "vs median"),
    "time": ("Waktu", "Time"),
    "rule": ("Aturan", "Rule"),
    "severity": ("Tingkat", "Severity"),
    "state": ("Status", "State"),
    "value": ("Nilai", "Value"),
    "baseline": ("Biasanya", "Usual"),
    "advice": ("Yang disarankan", "Advised action"),
    "action": ("Aksi", "Action"),
    "note": ("Catatan", "Note"),
    "top": ("Terbaik", "Best"),
    "bottom": ("Terburuk", "Worst"),
    "by": ("menurut", "by"),
    "firing": ("aktif", "firing"),
    "resolved": ("selesai", "resolved"),
    "met": ("tercapai", "met"),
    "missed": ("di bawah target", "below target"),
    "none": ("Tidak ada", "None"),
    "no_history": ("Belum ada siaran sebelumnya untuk dibandingkan", "No earlier broadcast to compare with"),
    "events": ("Data diterima", "Events accepted"),
    "skipped": ("Data dilewati", "Events skipped"),
    "filtered": ("Data ruang lain", "Events of other rooms"),
    "lost": ("Hilang di feed saat terputus", "Lost by the feed while cut off"),
    "input_cut": ("Berkas terpotong", "File cut short"),
    "input_cut_note": ("hanya bagian yang utuh yang dibaca (rinciannya di summary.json)",
                       "only what was complete was read (details in summary.json)"),
    "times_in": ("Waktu dalam", "Times in"),
    "window_note": ("Nilai per menit: jendela {window} detik yang berakhir di akhir menit",
                    "Per-minute values: the {window}-second window ending at the minute's end"),
    "legend_alert": ("peringatan aktif", "alert firing"),
    "legend_action": ("aksi host", "host action"),
    "legend_target": ("target kategori", "category target"),
    "legend_pinned": ("produk disematkan", "pinned product"),
    "step_rate": ("laju langkah", "step rate"),
    "saved": ("tersimpan di riwayat", "saved to history"),
    "report": ("laporan", "report"),
    "started": ("Mulai", "Start"),
    "room": ("Ruang", "Room"),
    "source": ("Sumber", "Source"),
    "ended": ("Selesai", "End"),
    # products (the table, the pinned periods on the charts)
    "products": ("Produk", "Products"),
    "product": ("Produk", "Product"),
    "pinned_time": ("Lama disematkan", "Time pinned"),
    "pinned_end": ("disematkan saat siaran berakhir", "pinned when the broadcast ended"),
    "pinned_period": ("{product} disematkan {start}–{end} ({lasted})", "{product} pinned {start}–{end} ({lasted})"),
    "unnamed_product": ("produk tanpa nama", "unnamed product"),
    "products_note": ("Nilai sepanjang sesi, urut menurut GMV.", "Session values, by GMV."),
    "other_note": ("Baris «{other}» menghimpun produk di luar {cap} produk yang dihitung satu per satu "
                   "(batasnya diatur di config.toml).",
                   "The «{other}» line holds the products beyond the {cap} counted one by one "
                   "(the limit is set in config.toml)."),
    "top_products": ("Produk teratas (GMV)", "Top products (GMV)"),
    # Seller Center exports (monitor/report/imported.py): TikTok's values and the names only TikTok has
    "unique_viewers": ("Penonton unik", "Unique viewers"),
    "customers": ("Pembeli unik", "Unique customers"),
    "avg_price": ("Harga rata²", "Average price"),
    "platform": ("Angka TikTok (Seller Center)", "TikTok's numbers (Seller Center)"),
    "platform_note": ("Nilai bertanda TikTok dihitung oleh TikTok (ekspor Live Analysis); pesanan, unit, GMV dan "
                      "AOV dihitung livemon sendiri dari ekspor All Order.",
                      "Values marked TikTok were computed by TikTok (Live Analysis export); orders, units, GMV and "
                      "AOV are counted by livemon itself from the All Order export."),
    "by_tiktok": ("dihitung oleh TikTok", "computed by TikTok"),
    "ours": ("livemon", "livemon"),
    "orders_read": ("Pesanan dari ekspor", "Orders from the export"),
    "order_lines": ("baris pesanan", "order lines"),
    "cancelled": ("dibatalkan", "cancelled"),
    "outside_window": ("di luar siaran", "outside the broadcast"),
    "rejected": ("ditolak", "rejected"),
    "lives_in_file": ("Semua LIVE di berkas", "Every LIVE in the file"),
    # the host actions an export's broadcast is marked with (their notes; TikTok's column names in English)
    "live_start_note": ("awal LIVE menurut {file}", "{file}: Launched Time"),
    "live_end_note": ("akhir LIVE menurut {file}, ditambah 1 menit pembulatan",
                      "{file}: Launched Time + Duration + 1 min"),
    "orders_end_note": ("akhir menit pesanan terakhir di {file}", "{file}: end of the last order's minute"),
    "no_minutes": ("Ekspor Live Analysis hanya berisi total per sesi, tanpa angka per menit.",
                   "The Live Analysis export holds totals per session, no per-minute numbers."),
}


#: Why an event is in no metric: the reason codes of events.md, and the clock's late and duplicate events.
_SKIPPED: dict[str, tuple[str, str]] = {
    "invalid_json": ("bukan JSON yang sah", "invalid JSON"),
    "not_an_object": ("bukan objek JSON", "not a JSON object"),
    "unknown_type": ("jenis tak dikenal", "unknown type"),
    "missing_field": ("isian wajib tidak ada", "missing field"),
    "bad_value": ("nilai tidak sah", "bad value"),
    "bad_ts": ("waktu tidak sah", "bad timestamp"),
    "too_large": ("terlalu besar", "too large"),
    "binary_frame": ("pesan biner", "binary message"),
    "too_many_rooms": ("ruang terlalu banyak", "too many rooms"),
    "late": ("terlambat", "late"),
    "duplicates": ("duplikat", "duplicates"),
}


def word(key: str, lang: str) -> str:
    return words.say(_WORDS, key, lang)


def skipped_reason(key: str, lang: str) -> str:
    """A key of `Run.skipped` (`rejected:bad_ts`, `late`, `duplicates`) as a reader says it."""
    code = key.removeprefix("rejected:")
    pair = _SKIPPED.get(code)
    if pair is None:  # a reason this table does not know yet: readable, never an id with underscores
        return code.replace("_", " ")
    return words.pick(pair, lang)


def shown(metric: str, value: float | None, lang: str) -> str:
    """A metric's value in the report; a span of time as people say it (`3 mnt 18 dtk`, `formatting.duration`)."""
    if value is not None and catalog.unit(metric) == "seconds":
        return formatting.duration(value, lang)
    return formatting.metric_value(metric, value, lang)
