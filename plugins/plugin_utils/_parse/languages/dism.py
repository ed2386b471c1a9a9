# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DISM /Cleanup-Image sentences by language (see __init__.py for the entry fields).

The collection runs DISM with /English, so its own runs print the en-US
sentences; the other languages are for output captured without it (a
user's capture, an older script). Keys: the outcomes of
dism_output.OUTCOMES, plus "header" (DISM's first line: the tool ran and
printed in this language).

The error line ("Error: 0x800f081f", "Fehler: ...", "Ошибка: ...") and the
log path are read without any table: dism_output.py reads the code after
the colon whatever the word before it.

Not found in any public capture, so not here: it-IT, fr-FR, pt-BR, zh-CN
entirely; es-ES and ru-RU except their source-missing sentences; ja-JP
except its header, restore-success and source-missing sentences.
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages import Sentence

REPAIR_IMAGE = "https://learn.microsoft.com/windows-hardware/manufacture/desktop/repair-a-windows-image"
NETFX35_ERRORS = ("https://learn.microsoft.com/windows-hardware/manufacture/desktop/"
                  "net-framework-35-deployment-errors-and-resolution-steps")
NISHY_0X800F0989 = "https://nishy-software.com/ja/dev-sw/windows-update-error-0x800f0989-3/"
# Microsoft Japan Windows Technology Support Blog, "更新プログラム適用に伴う破損修復 (クライアント編)".
JPWINSUP_REPAIR_STEPS = "https://jpwinsup.github.io/blog/2026/03/16/WindowsUpdate/QU/RepairSteps1/"

SENTENCES = (
    # --- en-US: Windows 10 1903 captures of /ScanHealth, /CheckHealth, /RestoreHealth and a
    # Windows 11 21H2 capture of a repairable store whose repair found no source.
    Sentence("en-US", "header", "Deployment Image Servicing and Management tool",
             "Deployment Image Servicing and Management tool", "https://pastebin.com/Bh0iWpMk"),
    Sentence("en-US", "source_missing", "The source files could not be found",
             "The source files could not be found.", "https://pastebin.com/UVBWYE7s"),
    Sentence("en-US", "source_missing", "The source files could not be downloaded",
             "The source files could not be downloaded.", NETFX35_ERRORS),
    Sentence("en-US", "not_repairable", "The component store cannot be repaired",
             "The component store cannot be repaired.", REPAIR_IMAGE),
    Sentence("en-US", "repaired", "The restore operation completed successfully",
             "The restore operation completed successfully.", "https://pastebin.com/Bh0iWpMk"),
    Sentence("en-US", "repaired", "The component store corruption was repaired",
             "The component store corruption was repaired.", REPAIR_IMAGE),
    Sentence("en-US", "repairable", "The component store is repairable",
             "The component store is repairable.", "https://pastebin.com/UVBWYE7s"),
    Sentence("en-US", "no_corruption", "No component store corruption detected",
             "No component store corruption detected.", "https://pastebin.com/Bh0iWpMk"),
    Sentence("en-US", "completed", "The operation completed successfully",
             "The operation completed successfully.", "https://pastebin.com/Bh0iWpMk"),

    # --- de-DE: Windows 10 1709 captures of /CheckHealth, /ScanHealth, /RestoreHealth; Windows 8.1
    # /RestoreHealth failing with 0x800f0906; Windows 11 failing with 0x800f0915.
    Sentence("de-DE", "header", "Tool zur Imageverwaltung für die Bereitstellung",
             "Tool zur Imageverwaltung für die Bereitstellung", "https://pastebin.com/LwBbPDAW"),
    Sentence("de-DE", "no_corruption", "Es wurde keine Komponentenspeicherbeschädigung erkannt",
             "Es wurde keine Komponentenspeicherbeschädigung erkannt.", "https://pastebin.com/LwBbPDAW"),
    Sentence("de-DE", "repaired", "Der Wiederherstellungsvorgang wurde erfolgreich abgeschlossen",
             "Der Wiederherstellungsvorgang wurde erfolgreich abgeschlossen.", "https://pastebin.com/LwBbPDAW"),
    Sentence("de-DE", "completed", "Der Vorgang wurde erfolgreich beendet",
             "Der Vorgang wurde erfolgreich beendet.", "https://pastebin.com/LwBbPDAW"),
    Sentence("de-DE", "source_missing", "Die Quelldateien konnten nicht heruntergeladen werden",
             "Die Quelldateien konnten nicht heruntergeladen werden.", "https://pastebin.com/FjNALvk6"),
    Sentence("de-DE", "source_missing", "Der Reparaturinhalt wurde nirgends gefunden",
             "Der Reparaturinhalt wurde nirgends gefunden.",
             "https://github.com/zoicware/RemoveWindowsAI/issues/180"),

    # --- es-ES: Windows 11 25H2 /RestoreHealth failing with 0x800f0915.
    Sentence("es-ES", "source_missing", "No se encontró el contenido de reparación en ningún lugar",
             "No se encontró el contenido de reparación en ningún lugar.",
             "https://github.com/Raphire/Win11Debloat/issues/608"),

    # --- ja-JP: Windows 10 21H1 /RestoreHealth failing with 0x800f081f (a capture on nishy-software.com);
    # the restore-success sentence as Microsoft Japan's Windows support blog quotes it (in 「」, so
    # without the full stop DISM prints after it); the same post quotes the source-missing sentence.
    Sentence("ja-JP", "header", "展開イメージのサービスと管理ツール",
             "展開イメージのサービスと管理ツール", NISHY_0X800F0989),
    Sentence("ja-JP", "source_missing", "ソース ファイルが見つかりませんでした",
             "ソース ファイルが見つかりませんでした。", NISHY_0X800F0989),
    Sentence("ja-JP", "repaired", "復元操作は正常に完了しました",
             "復元操作は正常に完了しました", JPWINSUP_REPAIR_STEPS),

    # --- ru-RU: Windows 10 22H2 /Enable-Feature failing with 0x800f081f (the capture's header
    # starts with a Latin "C"; only the rest of the word is matched).
    Sentence("ru-RU", "header", "истема DISM", "Cистема DISM",
             "https://github.com/abbodi1406/dotNetFx35W10/issues/5"),
    Sentence("ru-RU", "source_missing", "Не удалось найти исходные файлы",
             "Не удалось найти исходные файлы.", "https://github.com/abbodi1406/dotNetFx35W10/issues/5"),
)
