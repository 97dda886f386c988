; The installer's own words, in English and Indonesian (the Modern UI's pages
; bring their own translations). Windows' display language picks one; any
; other language gets English. makensis -WX fails if a string is missing in
; either language.

LangString SecAppName ${LANG_ENGLISH} "Lempar"
LangString SecAppName ${LANG_INDONESIAN} "Lempar"
LangString SecAppDesc ${LANG_ENGLISH} "The app, lempar-cli.exe beside it, and a Start menu entry."
LangString SecAppDesc ${LANG_INDONESIAN} "Aplikasinya, lempar-cli.exe di sampingnya, dan entri di menu Start."

LangString SecDesktopName ${LANG_ENGLISH} "Desktop shortcut"
LangString SecDesktopName ${LANG_INDONESIAN} "Pintasan di desktop"
LangString SecDesktopDesc ${LANG_ENGLISH} "Put a Lempar shortcut on the desktop."
LangString SecDesktopDesc ${LANG_INDONESIAN} "Taruh pintasan Lempar di desktop."

LangString SecPathName ${LANG_ENGLISH} "lempar-cli on PATH"
LangString SecPathName ${LANG_INDONESIAN} "lempar-cli di PATH"
LangString SecPathDesc ${LANG_ENGLISH} "Add the install folder to PATH, so lempar-cli works in any new terminal. The uninstaller takes it out again."
LangString SecPathDesc ${LANG_INDONESIAN} "Tambahkan folder instalasi ke PATH, supaya lempar-cli bisa dipakai di terminal baru mana pun. Uninstaller akan menghapusnya lagi."

LangString NeedAdmin ${LANG_ENGLISH} "Installing Lempar for all users needs administrator rights. Right-click the installer and choose $\"Run as administrator$\", or start it with /CURRENTUSER to install it just for you."
LangString NeedAdmin ${LANG_INDONESIAN} "Memasang Lempar untuk semua pengguna memerlukan hak administrator. Klik kanan installer lalu pilih $\"Run as administrator$\", atau jalankan dengan /CURRENTUSER untuk memasangnya hanya untuk Anda."

LangString AllUsersInstalled ${LANG_ENGLISH} "Lempar is already installed for all users of this computer, in $R1. To upgrade it, run this installer as administrator; to install Lempar just for you instead, uninstall that one first (Settings → Apps)."
LangString AllUsersInstalled ${LANG_INDONESIAN} "Lempar sudah terpasang untuk semua pengguna komputer ini, di $R1. Untuk memperbaruinya, jalankan installer ini sebagai administrator; untuk memasang Lempar hanya untuk Anda, hapus dulu yang itu (Pengaturan → Aplikasi)."

LangString UserInstalled ${LANG_ENGLISH} "Lempar is already installed just for you, in $R1. Uninstall it first (Settings → Apps), then install it for all users."
LangString UserInstalled ${LANG_INDONESIAN} "Lempar sudah terpasang hanya untuk Anda, di $R1. Hapus dulu (Pengaturan → Aplikasi), lalu pasang untuk semua pengguna."

LangString UnNeedAdmin ${LANG_ENGLISH} "Lempar is installed for all users; removing it needs administrator rights. Right-click the uninstaller (or Apps & features) and run it as administrator."
LangString UnNeedAdmin ${LANG_INDONESIAN} "Lempar terpasang untuk semua pengguna; menghapusnya memerlukan hak administrator. Klik kanan uninstaller (atau Aplikasi & fitur) lalu jalankan sebagai administrator."

LangString AppRunning ${LANG_ENGLISH} "Lempar is still running from $INSTDIR. Quit it (its icon in the notification area → Quit Lempar, and stop any lempar-cli), then press Retry."
LangString AppRunning ${LANG_INDONESIAN} "Lempar masih berjalan dari $INSTDIR. Keluarkan (ikonnya di area notifikasi → Keluar dari Lempar, dan hentikan lempar-cli yang berjalan), lalu tekan Retry."

LangString PathTooLong ${LANG_ENGLISH} "Your PATH is too long for the installer to edit safely, so it was left as it is. To use lempar-cli from any terminal, add $INSTDIR to PATH yourself (Settings → System → About → Advanced system settings → Environment Variables)."
LangString PathTooLong ${LANG_INDONESIAN} "PATH Anda terlalu panjang untuk diubah installer dengan aman, jadi dibiarkan apa adanya. Agar lempar-cli bisa dipakai di terminal mana pun, tambahkan $INSTDIR ke PATH sendiri (Pengaturan → Sistem → Tentang → Pengaturan sistem lanjutan → Variabel Lingkungan)."

LangString UnPathTooLong ${LANG_ENGLISH} "Your PATH is too long for the uninstaller to edit safely. Remove $INSTDIR from it yourself (Settings → System → About → Advanced system settings → Environment Variables)."
LangString UnPathTooLong ${LANG_INDONESIAN} "PATH Anda terlalu panjang untuk diubah uninstaller dengan aman. Hapus $INSTDIR dari PATH sendiri (Pengaturan → Sistem → Tentang → Pengaturan sistem lanjutan → Variabel Lingkungan)."

LangString FirewallDetail ${LANG_ENGLISH} "Allowing Lempar through Windows Defender Firewall on private networks…"
LangString FirewallDetail ${LANG_INDONESIAN} "Mengizinkan Lempar melewati Windows Defender Firewall di jaringan pribadi…"
