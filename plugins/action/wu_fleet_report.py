# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.wu_fleet_report: the fleet report, on the controller.

Never talks to a host. Gathers each play host's ``wu_remediation`` and
``wu_diagnosis`` from hostvars (or takes ``hosts_data``), builds the summary
with plugin_utils/_ladder/fleet_report.py, merges the earlier reports of
``merge_from`` into it (plugin_utils/_ladder/report_merge.py: each host from its
latest run) and writes the chosen renderings into ``dest``: each run's report
under a dated name (``<basename>-<UTC time>.<ext>``) beside the latest copy
(``<basename>.<ext>``). Each report names its run (id, date, ansible-core and
collection versions); ``changed`` means the report says something else than
the latest copy did, apart from that run header. Check mode writes nothing
and says so.
"""
from __future__ import annotations

import datetime
import json
import os
import tempfile
import uuid
from collections.abc import Mapping

from ansible.release import __version__ as ANSIBLE_CORE_VERSION

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import ActionFailure, WinRepairAction
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import fleet_report, report_merge

FORMATS = ("json", "markdown", "html")
FACTS = ("wu_remediation", "wu_diagnosis")

ARGUMENT_SPEC = {
    "hosts_data": {"type": "list", "elements": "dict"},
    "host_names": {"type": "list", "elements": "str"},
    "dest": {"type": "path", "required": True},
    "formats": {"type": "list", "elements": "str", "choices": list(FORMATS), "default": list(FORMATS)},
    "title": {"type": "str", "default": fleet_report.DEFAULT_TITLE},
    "basename": {"type": "str", "default": "wu-fleet-report"},
    # Earlier reports (paths or globs of their .json files) merged into this one.
    "merge_from": {"type": "list", "elements": "str", "default": []},
    # Also write this run's report under a dated name (the audit trail) beside the latest copy.
    "dated": {"type": "bool", "default": True},
}
COLLECTION = "winrepair.windows_update"
# hosts_data brings its own records; host_names picks the hosts whose facts are read.
MUTUALLY_EXCLUSIVE = [["hosts_data", "host_names"]]


def plain(value):
    """Templated values (tagged strings, lazy containers) -> plain JSON-like Python values."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def records_from_hostvars(task_vars, names=None):
    """One record per host (NAMES, default ansible_play_hosts_all, in play order) with its facts."""
    hostvars = task_vars.get("hostvars") or {}
    if names is None:
        names = task_vars.get("ansible_play_hosts_all") or []
    records = []
    for name in names:
        record = {"host": str(name)}
        try:
            variables = hostvars[name]
        except KeyError:
            variables = None
        if isinstance(variables, Mapping):
            for fact in FACTS:
                if fact in variables:
                    record[fact] = plain(variables[fact])
        records.append(record)
    return records


def plan_files(dest, basename, formats, summary):
    """[(format, absolute path, text)] for the chosen formats, in the order asked, without repeats."""
    out = []
    for fmt in dict.fromkeys(formats):
        text, ext = fleet_report.render(summary, fmt)
        out.append((fmt, os.path.join(dest, "%s.%s" % (basename, ext)), text))
    return out


def collection_version():
    """This collection's version: MANIFEST.json of an installed collection, else galaxy.yml of a checkout."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as handle:
            return json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        pass
    try:
        with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("version:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return "unknown"


def run_info(check_mode, now=None):
    """The run that makes this report: id, UTC date, ansible-core and collection versions, check mode."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return {"id": uuid.uuid4().hex[:12], "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ansible_core": ANSIBLE_CORE_VERSION, "collection": "%s %s" % (COLLECTION, collection_version()),
            "check_mode": bool(check_mode)}


def previous_run(dest, basename):
    """The run header of the latest copy's JSON in DEST (run, generated_at), or (None, None)."""
    try:
        with open(os.path.join(dest, "%s.json" % basename), encoding="utf-8") as handle:
            data = json.load(handle)
        return data.get("run"), data.get("generated_at")
    except (OSError, ValueError, AttributeError):
        return None, None


def dated_name(path, run):
    """<dir>/<basename>-20261102T093000Z.<ext> for the latest copy's PATH and this RUN."""
    stem, ext = os.path.splitext(path)
    return "%s-%s%s" % (stem, run["date"].replace("-", "").replace(":", ""), ext)


def differs(path, text):
    """True when PATH does not hold exactly TEXT (UTF-8)."""
    try:
        with open(path, "rb") as handle:
            return handle.read() != text.encode("utf-8")
    except FileNotFoundError:
        return True


def write_atomically(path, text):
    """Write TEXT to PATH through a temporary file in the same directory, so a reader never sees half a report."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    validation = {"mutually_exclusive": MUTUALLY_EXCLUSIVE}
    # Works on the controller only: no connection, no module transfer.
    TRANSFERS_FILES = False

    def act(self, result, options, task_vars):
        result.update(changed=False, paths={}, dated_paths={}, written=[], summary={}, table=[])

        basename = options["basename"]
        if not basename or basename in (".", "..") or "/" in basename or os.sep in basename:
            raise ActionFailure("basename must be a plain file name without a directory, got %r" % basename)
        if not options["formats"]:
            raise ActionFailure("formats is empty: choose at least one of %s" % ", ".join(FORMATS))
        dest = os.path.abspath(options["dest"])
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise ActionFailure("dest %s exists and is not a directory: give a directory for the report" % dest)

        if options["hosts_data"] is not None:
            records = plain(options["hosts_data"])
        else:
            records = records_from_hostvars(task_vars, options["host_names"])
        check_mode = bool(self._task.check_mode)
        run = run_info(check_mode)
        try:
            summary = fleet_report.build_summary(records, title=options["title"], run=run)
        except ValueError as exc:
            raise ActionFailure("hosts_data: %s" % exc) from exc
        if options["merge_from"]:
            try:
                summary = report_merge.merge_files(summary, options["merge_from"])
            except ValueError as exc:
                raise ActionFailure("merge_from: %s" % exc) from exc
            summary.update(run=run, generated_at=run["date"])

        files = plan_files(dest, basename, options["formats"], summary)
        # Changed: the latest copy said something else, apart from its run header (date, id, versions).
        before_run, before_date = previous_run(dest, basename)
        as_before = plan_files(dest, basename, options["formats"],
                               dict(summary, run=before_run, generated_at=before_date))
        changed = any(differs(path, text) for _fmt, path, text in as_before)
        written = []
        if not check_mode:
            try:
                os.makedirs(dest, exist_ok=True)
                for _fmt, path, text in files:
                    for target in ([dated_name(path, run)] if options["dated"] else []) + [path]:
                        write_atomically(target, text)
                        written.append(target)
            except OSError as exc:
                raise ActionFailure("could not write the report to %s: %s. Give a dest directory the controller "
                                    "user can write." % (dest, exc)) from exc
            result["msg"] = "report of run %s written to %s" % (run["id"], dest)
        else:
            result["msg"] = "check mode: no report was written (a real run writes it to %s)" % dest
        result.update(changed=changed, paths={} if check_mode else {fmt: path for fmt, path, _text in files},
                      dated_paths={} if check_mode or not options["dated"] else
                      {fmt: dated_name(path, run) for fmt, path, _text in files},
                      written=written, summary=summary, table=fleet_report.render_text(summary))
