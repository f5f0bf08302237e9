"""Words on the console in Indonesian (default) and English.

Numbers are formatted by `monitor.formatting`; this module only holds labels.
"""

from __future__ import annotations

from .. import catalog

LANGS = ("id", "en")

_WORDS: dict[str, tuple[str, str]] = {
    # KPI tiles and chart titles
    "entries_per_min": ("Masuk/mnt", "Entries/min"),
    "comments_per_min": ("Komentar/mnt", "Comments/min"),
    "gmv_per_min": ("GMV/mnt", "GMV/min"),
    "baseline": ("vs dasar", "vs base"),
    "small_sample": ("sampel kecil", "small sample"),
    "target": ("target", "target"),
    # funnel
    "funnel": ("Corong", "Funnel"),
    # alerts
    "alerts": ("Peringatan", "Alerts"),
    "all_clear": ("Aman — tidak ada peringatan aktif", "All clear — no active alert"),
    "firing": ("AKTIF", "FIRING"),
    "resolved": ("selesai", "resolved"),
    "acked": ("dikonfirmasi", "acknowledged"),
    "muted": ("dibisukan", "muted"),
    "active_count": ("{n} aktif", "{n} active"),
    "active_acked": ("{n} aktif, sudah dikonfirmasi", "{n} active, acknowledged"),
    "active_some_acked": ("{n} aktif, {k} sudah dikonfirmasi", "{n} active, {k} acknowledged"),
    "only_muted": ("Tidak ada peringatan terbuka — {n} aktif tapi dibisukan", "No open alert — {n} firing but muted"),
    "muted_left": ("dibisukan, {left} lagi", "muted, {left} left"),
    "still_firing": ("masih aktif", "still firing"),
    "info": ("INFO", "INFO"),
    "warning": ("WASPADA", "WARNING"),
    "critical": ("KRITIS", "CRITICAL"),
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
    "events": ("event", "events"),
    "rejected": ("ditolak", "rejected"),
    "late": ("terlambat", "late"),
    # thresholds screen
    "thresholds": ("Ambang batas", "Thresholds"),
    "rule": ("aturan", "rule"),
    "metric": ("metrik", "metric"),
    "kind": ("jenis", "kind"),
    "severity": ("tingkat", "severity"),
    "not_used": ("{field} tidak dipakai aturan '{kind}'", "{field} is not used by a '{kind}' rule"),
    "editable": ("Yang bisa diubah: {fields}", "Editable: {fields}"),
    "not_a_number": ("'{text}' bukan angka", "'{text}' is not a number"),
    "applied": ("{rule}.{field} = {value} — berlaku sekarang", "{rule}.{field} = {value} — applied now"),
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
}

#: (key as shown, id, en): the help screen and the README table.
KEYS: tuple[tuple[str, str, str], ...] = (
    ("space", "jeda / lanjut putar ulang", "pause / resume the replay"),
    ("+ / -", "kecepatan 1x 2x 5x 10x 30x maks", "speed 1x 2x 5x 10x 30x max"),
    ("← / →", "mundur / maju 1 menit", "seek back / forward 1 minute"),
    ("↑ / ↓", "pilih peringatan", "select an alert"),
    ("a", "konfirmasi peringatan terpilih", "acknowledge the selected alert"),
    ("m", "bisukan aturannya 10 menit", "mute its rule for 10 minutes"),
    ("u", "bunyikan lagi aturan terpilih di daftar bisu", "unmute the rule selected in the muted list"),
    ("[ / ] / 1-9", "ruang sebelumnya / berikutnya / ke-n", "previous / next / n-th room"),
    ("o", "ikhtisar semua ruang", "overview of every room"),
    ("t", "layar ambang batas", "thresholds screen"),
    ("enter", "(ambang) ubah nilai", "(thresholds) edit the value"),
    ("space", "(ambang) aktif / nonaktif", "(thresholds) enable / disable"),
    ("s", "(ambang) simpan ke file konfigurasi Anda", "(thresholds) save to your config file"),
    ("r", "(ambang) kembali ke aturan bawaan (belum disimpan)", "(thresholds) back to the shipped rules (unsaved)"),
    ("l", "bahasa Indonesia / English", "language Indonesian / English"),
    ("?", "bantuan", "this help"),
    ("ctrl+p", "palet perintah", "command palette"),
    ("q", "keluar", "quit"),
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
}


def tr(key: str, lang: str, **fields: object) -> str:
    """The word for `key` in `lang`; unknown keys show as themselves."""
    pair = _WORDS.get(key)
    if pair is None:
        return catalog.label(key, lang)
    text = pair[0] if lang == "id" else pair[1]
    return text.format(**fields) if fields else text


def action_label(action: str, lang: str) -> str:
    pair = ACTIONS.get(action.removeprefix("app."))
    if pair is None:
        return action
    return pair[0] if lang == "id" else pair[1]
