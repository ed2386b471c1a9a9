# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sfc /scannow result sentences by language (see __init__.py for the entry fields).

Keys: the outcomes of sfc_output.OUTCOMES, plus "begin" (the first line sfc
prints, which tells that sfc ran and in which language).

Not found in any public capture, so not here (the parsers fall back to
CBS.log): it-IT and pt-BR entirely; ja-JP, zh-CN, de-DE, pl-PL for the
outcomes not listed; fr-FR, es-ES and ru-RU sfc output.
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages import Sentence

KB929833 = "https://support.microsoft.com/help/929833"

SENTENCES = (
    # --- en-US: Microsoft support article KB 929833 "Use the System File Checker tool to
    # repair missing or corrupted system files" lists the result sentences.
    Sentence("en-US", "begin", "Beginning system scan",
             "Beginning system scan.  This process will take some time.", KB929833),
    Sentence("en-US", "no_violations", "did not find any integrity violations",
             "Windows Resource Protection did not find any integrity violations.",
             "https://pastebin.com/B88kbdm7"),
    Sentence("en-US", "repaired", "found corrupt files and successfully repaired them",
             "Windows Resource Protection found corrupt files and successfully repaired them.", KB929833),
    Sentence("en-US", "unable_to_fix", "found corrupt files but was unable to fix some of them",
             "Windows Resource Protection found corrupt files but was unable to fix some\n"
             "of them. Details are included in the CBS.Log windir\\Logs\\CBS\\CBS.log.",
             "https://pastebin.com/FMyiLxqu"),
    Sentence("en-US", "could_not_perform", "could not perform the requested operation",
             "Windows Resource Protection could not perform the requested operation.", KB929833),
    Sentence("en-US", "service_not_started", "could not start the repair service",
             "Windows Resource Protection could not start the repair service.", KB929833),
    Sentence("en-US", "pending_reboot", "system repair pending which requires reboot",
             "There is a system repair pending which requires reboot to complete.  Restart Windows and run "
             "sfc again.", KB929833),
    Sentence("en-US", "pending_reboot", "system repair pending which requires a reboot",
             "There is a system repair pending which requires a reboot to complete.", KB929833),
    # Not elevated or not a console session: sfc refuses before scanning.
    Sentence("en-US", "could_not_perform", "must be an administrator running a console session",
             "You must be an administrator running a console session in order to use the sfc utility.",
             KB929833),

    # --- ja-JP: a Windows 7 capture on tooljp.com ("sfc /scannow" FAQ).
    Sentence("ja-JP", "begin", "システム スキャンを開始しています",
             "システム スキャンを開始しています。これにはしばらく時間がかかります。",
             "https://tooljp.com/qa/02B3D0CE4AEE563749257BFC0058ED74.html"),
    Sentence("ja-JP", "repaired", "破損したファイルが見つかり、それらは正常に修復されました",
             "Windows リソース保護により、破損したファイルが見つかり、それらは正常に修復されました。"
             "詳細は、CBS.Log windir\\Logs\\CBS\\CBS.log に含まれています。",
             "https://tooljp.com/qa/02B3D0CE4AEE563749257BFC0058ED74.html"),

    # --- zh-CN: a capture in the lanlan2017 blog ("系统文件扫描sfc scannow命令").
    Sentence("zh-CN", "begin", "开始系统扫描",
             "开始系统扫描。此过程将需要一些时间。", "https://lanlan2017.github.io/blog/9b2b8330/"),
    Sentence("zh-CN", "repaired", "Windows 资源保护找到了损坏文件并成功修复了它们",
             "Windows 资源保护找到了损坏文件并成功修复了它们。", "https://lanlan2017.github.io/blog/9b2b8330/"),

    # --- de-DE: a Windows 10 1709 capture (sfc, then DISM /CheckHealth, /ScanHealth, /RestoreHealth).
    Sentence("de-DE", "begin", "Systemsuche wird gestartet",
             "Systemsuche wird gestartet. Dieser Vorgang kann einige Zeit dauern.",
             "https://pastebin.com/LwBbPDAW"),
    Sentence("de-DE", "no_violations", "hat keine Integritätsverletzungen gefunden",
             "Der Windows-Ressourcenschutz hat keine Integritätsverletzungen gefunden.",
             "https://pastebin.com/LwBbPDAW"),

    # --- pl-PL: a Windows 7 capture.
    Sentence("pl-PL", "begin", "Rozpoczynanie skanowania systemu",
             "Rozpoczynanie skanowania systemu. Ten proces zajmie trochę czasu.",
             "https://pastebin.com/E75TrEdw"),
    Sentence("pl-PL", "unable_to_fix", "odnalazła uszkodzone pliki, ale nie może naprawić niektórych",
             "Funkcja Ochrona zasobów systemu Windows odnalazła uszkodzone pliki, ale nie\n"
             "może naprawić niektórych z tych plików.", "https://pastebin.com/E75TrEdw"),
)
