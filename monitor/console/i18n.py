"""Words on the console in Indonesian (default) and English.

Numbers are formatted by `monitor.formatting`; this module only holds labels.
"""

from __future__ import annotations

from .. import words

LANGS = ("id", "en")

_WORDS: dict[str, tuple[str, str]] = {
    # KPI tiles and chart titles (metric names are the catalogue's)
    "baseline": ("vs biasanya", "vs usual"),
    "usual": ("biasanya", "usual"),
    "threshold": ("ambang", "threshold"),
    # the charts' legend
    "legend_value": ("nilai", "value"),
    "legend_usual": ("biasanya (dasar aturan)", "usual (the rule's baseline)"),
    "legend_threshold": ("ambang aturan", "the rule's threshold"),
    "legend_action": ("aksi host", "host action"),
    "last_action": ("terakhir: {action}, {ago} lalu", "last: {action}, {ago} ago"),
    "minute_short": ("mnt", "min"),
    "small_sample": ("sampel kecil", "small sample"),
    "target": ("target", "target"),
    # funnel
    "funnel": ("Corong", "Funnel"),
    "per_entries": ("per masuk", "per entry"),
    # products
    "products": ("Produk", "Products"),
    "product_product": ("Produk", "Product"),
    "product_pinned": ("Disematkan", "Pinned"),
    "product_advice": ("Saran", "Advice"),
    "room_rates": ("ruang:", "room:"),
    "last_window": ("{window} terakhir", "last {window}"),
    "no_products": ("Belum ada data produk", "No product data yet"),
    # what the seller guide has the host do about a product that lags the room's rate
    "lag_ctr": ("sematkan, peragakan, keranjang kuning", "pin it, demo it, show the yellow cart"),
    "lag_click_to_order": ("harga kilat / stok terbatas", "flash price / limited stock"),
    # questions
    "questions": ("Pertanyaan penonton", "Viewers' questions"),
    "no_questions": ("Belum ada pertanyaan", "No questions yet"),
    # alerts
    "alerts": ("Peringatan", "Alerts"),
    "all_clear": ("Aman — tidak ada peringatan aktif", "All clear — no active alert"),
    "firing": ("AKTIF", "FIRING"),
    "was_firing": ("sempat aktif", "was firing"),  # a firing record whose problem has since been resolved
    "resolved": ("selesai", "resolved"),
    "acked": ("dikonfirmasi", "acknowledged"),
    "muted": ("dibisukan", "muted"),
    "active_count": ("{n} aktif", "{n} active"),
    "active_acked": ("{n} aktif, sudah dikonfirmasi", "{n} active, acknowledged"),
    "active_some_acked": ("{n} aktif, {k} sudah dikonfirmasi", "{n} active, {k} acknowledged"),
    "only_muted": ("Tidak ada peringatan terbuka — {n} aktif tapi dibisukan", "No open alert — {n} firing but muted"),
    "muted_left": ("dibisukan, {left} lagi", "muted, {left} left"),
    "still_firing": ("masih aktif", "still firing"),
    # comments
    "no_comments": ("Belum ada komentar", "No comments yet"),
    # header and feed state
    "room": ("Ruang", "Room"),
    "waiting": ("Menunggu data…", "Waiting for data…"),
    "replay": ("putar ulang", "replay"),
    "live": ("langsung", "live"),
    "connecting": ("menghubungkan", "connecting"),
    "connected": ("terhubung", "connected"),
    "disconnected": ("terputus", "disconnected"),
    "ended": ("selesai", "ended"),
    "error": ("galat", "error"),
    "offline": ("menunggu siaran dimulai", "waiting for the broadcast to start"),
    "broadcast_ended": ("siaran berakhir", "the broadcast ended"),
    "report_hint": ("Siaran berakhir. Buat laporannya: {command}", "The broadcast ended. Make its report: {command}"),
    "replay_report_hint": ("Putar ulang selesai. Buat laporannya: {command}", "The replay finished. Make its report: {command}"),
    # the end of the run
    "run_ended_live": ("Siaran berakhir", "The broadcast ended"),
    "run_ended_replay": ("Putar ulang selesai", "The replay finished"),
    "alerts_fired": ("{n} peringatan", "{n} alerts"),
    "events_taken": ("{n} kejadian diterima", "{n} events taken"),
    "report_command": ("Laporan: {command}", "Report: {command}"),
    "no_recording": ("Tidak direkam: jalankan dengan --record FILE agar laporannya bisa dibuat",
                     "Not recorded: run with --record FILE to make its report"),
    # why a TikTok room cannot be watched (feeds/tiktok.py sets the key; the CLI prints it too)
    "tiktok_age_restricted": (
        "siaran ini dibatasi usia: isi LIVEMON_TIKTOK_SESSIONID dan LIVEMON_TIKTOK_TARGET_IDC dari akun yang login",
        "this broadcast is age-restricted: set LIVEMON_TIKTOK_SESSIONID and LIVEMON_TIKTOK_TARGET_IDC from a logged-in account",
    ),
    "tiktok_session_rejected": (
        "sesi di LIVEMON_TIKTOK_SESSIONID tidak membuka siaran berbatas usia ini: login ulang dan salin sessionid baru",
        "the session in LIVEMON_TIKTOK_SESSIONID does not open this age-restricted broadcast: log in again and copy a fresh sessionid",
    ),
    "tiktok_session_not_allowed": (
        "TikTokLive tidak mengirim sessionid ke server tanda tangan sebelum WHITELIST_AUTHENTICATED_SESSION_ID_HOST diisi",
        "TikTokLive will not send the sessionid to the sign server until WHITELIST_AUTHENTICATED_SESSION_ID_HOST names it",
    ),
    "tiktok_no_such_user": (
        "akun TikTok ini tidak ada atau belum pernah LIVE",
        "this TikTok account does not exist or has never gone LIVE",
    ),
    "paused": ("JEDA", "PAUSED"),
    "seeking": ("mencari", "seeking"),
    "elapsed": ("durasi", "elapsed"),
    "events": ("kejadian", "events"),
    "rejected": ("ditolak", "rejected"),
    "late": ("terlambat", "late"),
    # thresholds screen: the rule keys, what each kind does, why a value is refused
    "thresholds": ("Ambang batas", "Thresholds"),
    "field_name": ("Aturan", "Rule"),
    "field_metric": ("Metrik", "Metric"),
    "field_kind": ("Jenis", "Kind"),
    "field_threshold": ("Ambang", "Threshold"),
    "field_change_pct": ("Perubahan %", "Change %"),
    "field_for_s": ("Tahan (dtk)", "Hold (s)"),
    "field_min_sample": ("Sampel min.", "Min. sample"),
    "field_enabled": ("Aktif", "On"),
    "field_severity": ("Tingkat", "Severity"),
    "kind_drop": ("turun dari biasanya", "drops below usual"),
    "kind_rise": ("naik dari biasanya", "rises above usual"),
    "kind_below": ("di bawah ambang", "under the threshold"),
    "kind_above": ("di atas ambang", "over the threshold"),
    "kind_stale": ("data berhenti", "the feed stops"),
    "not_used": ("{field} tidak dipakai aturan '{kind}'", "{field} is not used by a '{kind}' rule"),
    "must_gt": ("harus lebih dari {bound}", "must be more than {bound}"),
    "must_ge": ("harus {bound} atau lebih", "must be {bound} or more"),
    "must_lt": ("harus kurang dari {bound}", "must be less than {bound}"),
    "bad_fraction": ("{metric} berupa pecahan 0 sampai 1 (0,05 berarti 5%), bukan {value}",
                     "{metric} is a fraction from 0 to 1 (0.05 means 5%), not {value}"),
    "never_fires": ("aturan '{kind}' dengan ambang {value} tidak akan pernah menyala",
                    "an '{kind}' rule with threshold {value} can never fire"),
    "drop_never_fires": ("turun {value}% tidak akan pernah terjadi (nilainya harus di bawah nol): pakai kurang dari 100",
                         "a drop of {value}% can never happen (the value would fall below zero): use less than 100"),
    "stale_needs_for": ("aturan data berhenti perlu lebih dari 0 detik (lamanya sepi yang dihitung)",
                        "a feed-stops rule needs more than 0 seconds (the silence that counts)"),
    "editable": ("Yang bisa diubah: {fields}", "Editable: {fields}"),
    "not_a_number": ("'{text}' bukan angka", "'{text}' is not a number"),
    "applied": ("{rule} · {field} = {value} — berlaku sekarang", "{rule} · {field} = {value} — applied now"),
    "saved": ("Tersimpan ke {path}", "Saved to {path}"),
    "unsaved": ("ada perubahan belum disimpan (s: simpan)", "unsaved changes (s: save)"),
    "reloaded": ("{path} dimuat ulang", "{path} reloaded"),
    "config_error": ("Konfigurasi tidak valid, aturan lama tetap dipakai: {error}",
                     "Invalid config, keeping the old rules: {error}"),
    "edit_hint": ("Enter: ubah · spasi: aktif/nonaktif · s: simpan · r: bawaan · Esc: kembali",
                  "Enter: edit · space: enable/disable · s: save · r: defaults · Esc: back"),
    "created": ("{path} dibuat dari aturan bawaan beserta perubahan Anda", "Created {path} from the shipped defaults with your edits"),
    "not_yet": ("belum ada — s membuatnya dari aturan bawaan", "does not exist yet — s creates it from the shipped defaults"),
    "defaults_loaded": ("Aturan bawaan dimuat dan berlaku — belum disimpan (s: simpan)",
                        "Shipped defaults loaded and applied — not saved yet (s: save)"),
    "discarded": ("Perubahan dibuang: aturan yang terakhir disimpan berlaku lagi", "Edits discarded: the last saved rules apply again"),
    "unsaved_title": ("Perubahan belum disimpan", "Unsaved changes"),
    "unsaved_question": ("Ambang batas sudah diubah tapi belum disimpan ke {path}.",
                         "The thresholds were changed but not saved to {path}."),
    "save_button": ("Simpan (s)", "Save (s)"),
    "discard_button": ("Buang (d)", "Discard (d)"),
    "cancel_button": ("Batal (Esc)", "Cancel (Esc)"),
    # notices
    "live_no_replay": ("Feed langsung: kontrol putar ulang tidak tersedia", "Live feed: replay controls are not available"),
    "muted_rule": ("{rule} dibisukan 10 menit", "{rule} muted for 10 minutes"),
    "acked_alert": ("{rule} dikonfirmasi", "{rule} acknowledged"),
    "unmuted_rule": ("{rule} dibunyikan lagi", "{rule} unmuted"),
    "nothing_muted": ("Tidak ada aturan yang dibisukan", "No rule is muted"),
    "no_alert_selected": ("Tidak ada peringatan dipilih", "No alert selected"),
    "help": ("Bantuan", "Help"),
    "keys": ("Tombol", "Keys"),
    "help_close": ("Esc, ? atau q: tutup bantuan", "Esc, ? or q: close this help"),
    "help_live": ("Siaran langsung: jeda, kecepatan dan lompat waktu hanya ada saat putar ulang rekaman",
                  "Live broadcast: pause, speed and seeking exist only when replaying a recording"),
    "quit": ("Keluar", "Quit"),
    # the command palette
    "cmd_pause": ("Jeda / lanjut", "Pause / resume"),
    "cmd_pause_help": ("putar ulang", "the replay"),
    "cmd_faster": ("Lebih cepat", "Faster"),
    "cmd_slower": ("Lebih lambat", "Slower"),
    "cmd_overview": ("Ikhtisar semua ruang", "Overview of every room"),
    "cmd_theme": ("Tema warna", "Theme"),
    "cmd_theme_help": ("ganti warna tampilan", "change the colours"),
    "cmd_screenshot": ("Tangkapan layar", "Screenshot"),
    "cmd_screenshot_help": ("simpan layar sebagai SVG di {path}", "save the screen as an SVG in {path}"),
    "screenshot_saved": ("Tangkapan layar disimpan: {path}", "Screenshot saved: {path}"),
    "screenshot_failed": ("Tangkapan layar gagal disimpan: {error}", "The screenshot could not be saved: {error}"),
    "palette_search": ("Cari perintah…", "Search for commands…"),
}

#: (key, id, en, replay only): the help screen and the README table; keys with a name are written by KEY_NAMES.
KEYS: tuple[tuple[str, str, str, bool], ...] = (
    ("space", "jeda / lanjut putar ulang", "pause / resume the replay", True),
    ("+ / -", "kecepatan 1x 2x 5x 10x 30x maks", "speed 1x 2x 5x 10x 30x max", True),
    ("← / →", "mundur / maju 1 menit", "seek back / forward 1 minute", True),
    ("↑ / ↓", "pilih peringatan", "select an alert", False),
    ("a", "konfirmasi peringatan terpilih", "acknowledge the selected alert", False),
    ("m", "bisukan aturannya 10 menit", "mute its rule for 10 minutes", False),
    ("u", "bunyikan lagi aturan terpilih di daftar bisu", "unmute the rule selected in the muted list", False),
    ("s", "urutkan produk (atau klik judul kolomnya)", "sort the products (or click a column heading)", False),
    ("[ / ] / 1-9", "ruang sebelumnya / berikutnya / ke-n", "previous / next / n-th room", False),
    ("o", "ikhtisar semua ruang", "overview of every room", False),
    ("t", "layar ambang batas", "thresholds screen", False),
    ("enter", "(ambang) ubah nilai", "(thresholds) edit the value", False),
    ("space", "(ambang) aktif / nonaktif", "(thresholds) enable / disable", False),
    ("s", "(ambang) simpan ke file konfigurasi Anda", "(thresholds) save to your config file", False),
    ("r", "(ambang) kembali ke aturan bawaan (belum disimpan)", "(thresholds) back to the shipped rules (unsaved)", False),
    ("l", "bahasa Indonesia / English", "language Indonesian / English", False),
    ("?", "bantuan", "this help", False),
    ("ctrl+p", "palet perintah", "command palette", False),
    ("q", "keluar", "quit", False),
)

#: Footer descriptions of the bindings, by action.
ACTIONS: dict[str, tuple[str, str]] = {
    "toggle_pause": ("Jeda", "Pause"),
    "faster": ("Cepat", "Faster"),
    "slower": ("Lambat", "Slower"),
    "seek(-60)": ("-1 mnt", "-1 min"),
    "seek(60)": ("+1 mnt", "+1 min"),
    "ack": ("Konfirmasi", "Ack"),
    "mute": ("Bisukan", "Mute"),
    "unmute": ("Bunyikan", "Unmute"),
    "thresholds": ("Ambang", "Thresholds"),
    "toggle_lang": ("Bahasa", "Language"),
    "help": ("Bantuan", "Help"),
    "quit": ("Keluar", "Quit"),
    "edit": ("Ubah", "Edit"),
    "toggle_enabled": ("Aktif", "Enable"),
    "save": ("Simpan", "Save"),
    "back": ("Kembali", "Back"),
    "reset_defaults": ("Bawaan", "Defaults"),
    "choose('save')": ("Simpan", "Save"),
    "choose('discard')": ("Buang", "Discard"),
    "choose(None)": ("Batal", "Cancel"),
    "dismiss": ("Tutup", "Close"),
    "sort_products": ("Urutkan produk", "Sort products"),
    "open_room": ("Buka", "Open"),
    "cycle_sort": ("Urutkan", "Sort"),
    "close": ("Kembali", "Back"),
    "overview": ("Ikhtisar", "Overview"),
    "command_palette": ("palet", "palette"),
}

#: How keys with a name are written in the footer and the help, by language.
KEY_NAMES: dict[str, tuple[str, str]] = {
    "space": ("spasi", "space"),
    "enter": ("enter", "enter"),
    "escape": ("esc", "esc"),
}


def tr(key: str, lang: str, **fields: object) -> str:
    """The word for `key` in `lang`; unknown keys show as themselves."""
    text = words.say(_WORDS, key, lang)
    return text.format(**fields) if fields else text


def key_name(key: str, lang: str) -> str:
    pair = KEY_NAMES.get(key)
    return key if pair is None else words.pick(pair, lang)


def action_label(action: str, lang: str) -> str:
    pair = ACTIONS.get(action.removeprefix("app."))
    return action if pair is None else words.pick(pair, lang)
