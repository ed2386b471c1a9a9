# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write docs/modules.md and the variables section of each role README, from their own documentation.

    .venv/bin/python tools/gen_docs.py           # rewrite docs/modules.md and roles/*/README.md
    .venv/bin/python tools/gen_docs.py --check   # exit 1 when one of them is not up to date

Sources: the DOCUMENTATION string of each plugins/modules/*.py (read with ast,
the module is not imported) and each roles/*/meta/argument_specs.yml. A role
without an argument spec is listed from its defaults/main.yml (each variable
with the comment above it), and the page says so. The page is plain data from
those files: change them, then run this script (tests/unit/test_docs_tables.py
fails while the committed page differs from what this script writes).

A role's README keeps what is written above README_MARKER (an introduction by
hand); everything below it is the role's variables, one table per entry point
of meta/argument_specs.yml.
"""
from __future__ import annotations

import argparse
import ast
import pathlib
import re
import sys

import yaml

TOP = pathlib.Path(__file__).resolve().parents[1]
OUTPUT = TOP / "docs" / "modules.md"
README_MARKER = ("<!-- Generated below this line by tools/gen_docs.py from meta/argument_specs.yml; "
                 "edit that file, not this section. -->")
GALAXY = yaml.safe_load((TOP / "galaxy.yml").read_text(encoding="utf-8"))
FQCN = "%s.%s" % (GALAXY["namespace"], GALAXY["name"])

# Ansible documentation markup -> Markdown (ansible-core "Developing modules:
# documenting", formatting functions). L(text,url) first: its text may hold commas.
_MARKUP = (
    (re.compile(r"L\(([^,()]+),\s*([^)]+)\)"), r"[\1](\2)"),
    (re.compile(r"U\(([^)]+)\)"), r"<\1>"),
    (re.compile(r"RV\(([^)]+)\)"), r"`\1`"),
    (re.compile(r"[OVCM]\(([^)]+)\)"), r"`\1`"),
    (re.compile(r"B\(([^)]+)\)"), r"**\1**"),
    (re.compile(r"I\(([^)]+)\)"), r"*\1*"),
)


def markup(text) -> str:
    """One paragraph of Ansible markup as one line of Markdown (safe inside a table cell)."""
    text = " ".join(str(text).split())
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text.replace("|", "\\|")


def paragraphs(value) -> str:
    if value is None:
        return ""
    items = value if isinstance(value, list) else [value]
    return "<br>".join(markup(item) for item in items)


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "`%s`" % str(value).lower()
    if value == "":
        return '`""`'
    if isinstance(value, (list, dict)) and not value:
        return "`%s`" % ("[]" if isinstance(value, list) else "{}")
    if isinstance(value, list):
        return ", ".join("`%s`" % item for item in value).replace("|", "\\|")
    return ("`%s`" % value).replace("|", "\\|")


def option_rows(options: dict, prefix: str = "") -> list:
    """Table rows of OPTIONS (suboptions as parent.child), sorted by name as ansible-doc does."""
    rows = []
    for name in sorted(options or {}):
        spec = options[name] or {}
        kind = spec.get("type", "str")
        if spec.get("elements"):
            kind = "%s of %s" % (kind, spec["elements"])
        rows.append("| `%s%s` | %s | %s | %s | %s | %s |" % (
            prefix, name, kind, "yes" if spec.get("required") else "", cell(spec.get("default")),
            cell(spec.get("choices")), paragraphs(spec.get("description"))))
        if spec.get("suboptions"):
            rows.extend(option_rows(spec["suboptions"], prefix="%s%s." % (prefix, name)))
    return rows


def table(options: dict) -> list:
    if not options:
        return ["No options.", ""]
    return ["| option | type | required | default | choices | description |",
            "|---|---|---|---|---|---|", *option_rows(options), ""]


def module_doc(path: pathlib.Path) -> dict:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise SystemExit("%s: no DOCUMENTATION" % path)


def defaults_as_options(path: pathlib.Path) -> dict:
    """{variable: {default, description}} from a defaults/main.yml, the comment above each variable."""
    if not path.exists():
        return {}
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    options, comment = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            comment.append(line.lstrip("#").strip())
            continue
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):", line)
        if match and match.group(1) in values:
            default = values[match.group(1)]
            options[match.group(1)] = {"type": type(default).__name__ if default is not None else "raw",
                                       "default": default, "description": " ".join(comment)}
        comment = []
    for name, value in values.items():
        options.setdefault(name, {"default": value, "description": ""})
    return options


def module_section(path: pathlib.Path) -> list:
    doc = module_doc(path)
    name = doc["module"]
    lines = ["### %s.%s" % (FQCN, name), "", markup(doc.get("short_description", "")), "",
             "Source: `plugins/modules/%s`; full page: `ansible-doc %s.%s`." % (path.name, FQCN, name), ""]
    return lines + table(doc.get("options"))


def role_section(role: pathlib.Path) -> list:
    spec_file = role / "meta" / "argument_specs.yml"
    spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) if spec_file.exists() else None
    entry_points = (spec or {}).get("argument_specs") or {}
    lines = ["### %s.%s" % (FQCN, role.name), ""]
    if not entry_points:
        lines += ["No argument spec yet (`roles/%s/meta/argument_specs.yml` is empty): the variables below "
                  "are read from `roles/%s/defaults/main.yml`, with the comment above each." % (role.name, role.name),
                  ""]
        return lines + table(defaults_as_options(role / "defaults" / "main.yml"))
    for entry in sorted(entry_points, key=lambda e: (e != "main", e)):
        point = entry_points[entry] or {}
        title = "entry point `%s`" % entry + ("" if entry == "main" else " (`tasks_from: %s`)" % entry)
        lines += ["#### %s" % title, "", markup(point.get("short_description", "")), ""]
        lines += table(point.get("options"))
    return lines


def role_variables(role: pathlib.Path) -> list:
    """The generated part of a role README: its variables, one table per entry point."""
    spec_file = role / "meta" / "argument_specs.yml"
    spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) if spec_file.exists() else None
    entry_points = (spec or {}).get("argument_specs") or {}
    lines = ["## Variables", ""]
    if not entry_points:
        return lines + ["The role has no argument spec (`meta/argument_specs.yml`).", ""]
    lines += ["Checked when the role starts (`meta/argument_specs.yml`; `ansible-doc -t role %s.%s` shows "
              "the same)." % (FQCN, role.name), ""]
    several = len(entry_points) > 1
    for entry in sorted(entry_points, key=lambda e: (e != "main", e)):
        point = entry_points[entry] or {}
        if several:
            title = "entry point `%s`" % entry + ("" if entry == "main" else " (`tasks_from: %s`)" % entry)
            lines += ["### %s" % title, "", markup(point.get("short_description", "")), ""]
        lines += table(point.get("options"))
    return lines


def role_readme(role: pathlib.Path) -> str:
    """README.md of ROLE: the text above README_MARKER as it is, then the generated variables."""
    path = role / "README.md"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    intro = current.split(README_MARKER, 1)[0].rstrip()
    if not intro:
        spec_file = role / "meta" / "argument_specs.yml"
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) if spec_file.exists() else None
        summary = (((spec or {}).get("argument_specs") or {}).get("main") or {}).get("short_description", "")
        intro = "# %s.%s\n\n%s" % (FQCN, role.name, markup(summary))
    return "%s\n\n%s\n\n%s\n" % (intro, README_MARKER, "\n".join(role_variables(role)).rstrip("\n"))


def roles() -> list:
    return sorted(p for p in (TOP / "roles").iterdir() if (p / "tasks" / "main.yml").exists())


def outputs() -> dict:
    """{path: text} of every file this script writes."""
    texts = {OUTPUT: render()}
    for role in roles():
        texts[role / "README.md"] = role_readme(role)
    return texts


def render() -> str:
    modules = sorted(p for p in (TOP / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")
    role_dirs = roles()
    lines = ["<!-- Generated by tools/gen_docs.py from the modules' DOCUMENTATION and the roles'",
             "     meta/argument_specs.yml. Do not edit: change those, then run",
             "     .venv/bin/python tools/gen_docs.py (tests/unit/test_docs_tables.py checks it). -->",
             "", "# Modules and roles: every option", "",
             "Options of every module and role of `%s`, generated from their own documentation. "
             "`ansible-doc -t module NAME` and `ansible-doc -t role NAME` show the full pages "
             "(descriptions, notes, return values)." % FQCN, "",
             "## Modules", ""]
    lines += ["- [%s](#%s)" % (p.stem, ("%s%s" % (FQCN, p.stem)).replace(".", "")) for p in modules]
    lines.append("")
    for path in modules:
        lines += module_section(path)
    lines += ["## Roles", ""]
    lines += ["- [%s](#%s)" % (r.name, ("%s%s" % (FQCN, r.name)).replace(".", "")) for r in role_dirs]
    lines.append("")
    for role in role_dirs:
        lines += role_section(role)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated file is not up to date")
    args = parser.parse_args(argv)
    stale = 0
    for path, text in outputs().items():
        name = path.relative_to(TOP)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            print("%s is up to date" % name if args.check else "%s unchanged" % name)
        elif args.check:
            print("%s is out of date: run .venv/bin/python tools/gen_docs.py" % name)
            stale += 1
        else:
            path.write_text(text, encoding="utf-8")
            print("wrote %s" % name)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
