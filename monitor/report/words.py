"""Words of the report in Indonesian (default) and English; numbers go through `monitor.formatting`."""

from __future__ import annotations

from .. import catalog

_WORDS: dict[str, tuple[str, str]] = {
    # metric names come from the catalogue (monitor/catalog.py); headline numbers only the report has
    "avg_viewers": ("Penonton rata²", "Avg viewers"),
    "alerts": ("Peringatan", "Alerts"),
    # per-minute chart titles
    "chart_viewers": ("Penonton", "Viewers"),
    "chart_entries": ("Masuk per menit", "Entries per minute"),
    "chart_gmv": ("GMV per menit", "GMV per minute"),
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
    "baseline": ("Dasar", "Baseline"),
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
    "events": ("Event diterima", "Events accepted"),
    "skipped": ("Event dilewati", "Events skipped"),
    "filtered": ("Event ruang lain", "Events of other rooms"),
    "input_cut": ("Berkas terpotong", "File cut short"),
    "times_in": ("Waktu dalam", "Times in"),
    "window_note": ("Nilai per menit: jendela {window} detik yang berakhir di akhir menit",
                    "Per-minute values: the {window}-second window ending at the minute's end"),
    "legend_alert": ("peringatan aktif", "alert firing"),
    "legend_action": ("aksi host", "host action"),
    "legend_target": ("target kategori", "category target"),
    "step_rate": ("laju langkah", "step rate"),
    "saved": ("tersimpan di riwayat", "saved to history"),
    "report": ("laporan", "report"),
    "started": ("Mulai", "Start"),
    "room": ("Ruang", "Room"),
    "source": ("Sumber", "Source"),
    "ended": ("Selesai", "End"),
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
    "no_minutes": ("Ekspor Live Analysis hanya berisi total per sesi, tanpa angka per menit.",
                   "The Live Analysis export holds totals per session, no per-minute numbers."),
}


def word(key: str, lang: str) -> str:
    pair = _WORDS.get(key)
    if pair is None:
        return catalog.label(key, lang)
    return pair[0] if lang == "id" else pair[1]
