# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read PowerShell source with tree-sitter-pwsh (no PowerShell exists here).

- syntax_problems(): ERROR and MISSING nodes, minus an allow-list of
  tree-sitter-pwsh's own misses keyed by file and line text;
- param_names(): the names in the script's own param() block (not functions');
- result_keys(): the keys of the hashtable the script assigns to
  $Ansible.Result (directly, through [ordered], through a variable, or key by
  key as $Ansible.Result.KEY / $Ansible.Result['KEY']);
- supports_should_process(): what win_powershell decides before running a
  script in check mode: the script's param block carries
  [CmdletBinding(SupportsShouldProcess)] or (...SupportsShouldProcess=$true)
  (ansible.windows plugins/modules/win_powershell.ps1 walks the AST this way and
  falls back to a regular expression when the script does not parse).
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Iterable, Optional

try:  # the simulator may run where tree_sitter is absent: then only the regex path works
    import tree_sitter
    import tree_sitter_pwsh
except ImportError:  # pragma: no cover - .venv has both
    tree_sitter = None
    tree_sitter_pwsh = None

_PARSER = None


class ScriptShapeError(ValueError):
    """The script's parameters or result keys cannot be read statically."""


def _parser():
    global _PARSER
    if tree_sitter is None:
        raise RuntimeError("tree_sitter / tree_sitter_pwsh are not installed")
    if _PARSER is None:
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_pwsh.language()))
    return _PARSER


def parse(source):
    data = source.encode("utf-8") if isinstance(source, str) else bytes(source)
    return _parser().parse(data)


def _text(node) -> str:
    return node.text.decode("utf-8", errors="replace")


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


# ------------------------------------------------------------- syntax


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based
    text: str  # the stripped source line
    kind: str  # "ERROR" or "MISSING <node type>"

    def __str__(self):
        return "line %d: %s: %s" % (self.line, self.kind, self.text)


@dataclass(frozen=True)
class KnownMiss:
    """A construct tree-sitter-pwsh misreads although PowerShell accepts it."""
    file: str  # glob on the path relative to the collection root, '/' separators
    line: str  # the stripped line text
    why: str


def syntax_problems(source, relpath: str = "", allow: Iterable[KnownMiss] = ()) -> list:
    tree = parse(source)
    text = source if isinstance(source, str) else bytes(source).decode("utf-8", errors="replace")
    lines = text.splitlines()
    allowed = [a for a in allow if fnmatch.fnmatch(relpath, a.file)]
    out = []
    for node in _walk(tree.root_node):
        if node.type == "ERROR" or node.is_missing:
            row = node.start_point[0]
            line = lines[row].strip() if row < len(lines) else ""
            if any(a.line == line for a in allowed):
                continue
            kind = "ERROR" if node.type == "ERROR" else "MISSING %s" % node.type
            out.append(Problem(row + 1, line, kind))
    # One problem per line is enough to point at it.
    seen, unique = set(), []
    for p in out:
        if p.line not in seen:
            seen.add(p.line)
            unique.append(p)
    return unique


# ---------------------------------------------------------- structure

_WRAPPERS = {"assignment_value", "left_assignment_expression", "pipeline", "pipeline_chain", "unary_expression",
             "expression_with_unary_operator", "parenthesized_expression", "sub_expression"}


def _core(node):
    """The expression inside wrapper nodes; a cast like [ordered]@{} gives the @{}."""
    while node is not None:
        if node.type == "cast_expression":
            node = node.named_children[-1]
            continue
        if node.type in _WRAPPERS and node.named_child_count == 1:
            node = node.named_children[0]
            continue
        return node
    return None


def _var_name(node) -> str:
    """`$Name` / `${Name}` / `$script:Name` -> lower-case name."""
    text = _text(node)
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    else:
        text = text.lstrip("$@")
    return text.split(":", 1)[-1].lower()


def _key_text(node) -> str:
    """A literal hashtable key or member name, unquoted; error for computed ones."""
    text = _text(node).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        if text[0] == '"' and ("$" in inner or "`" in inner):
            raise ScriptShapeError("computed key %s" % text)
        return inner
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", text):
        raise ScriptShapeError("computed key %s" % text)
    return text


def _hash_keys(node) -> list:
    keys = []
    for body in node.named_children:
        if body.type != "hash_literal_body":
            continue
        for entry in body.named_children:
            if entry.type == "hash_entry":
                keys.append(_key_text(entry.named_children[0]))
    return keys


def _script_param_block(root):
    for child in root.named_children:
        if child.type == "param_block":
            return child
    return None


def param_names(source) -> list:
    """Names of the script's param() block, in order, as written (no '$')."""
    block = _script_param_block(parse(source).root_node)
    if block is None:
        return []
    names = []
    for plist in block.named_children:
        if plist.type != "parameter_list":
            continue
        for param in plist.named_children:
            if param.type == "script_parameter":
                var = next(c for c in param.named_children if c.type == "variable")
                text = _text(var)
                names.append(text[2:-1] if text.startswith("${") else text[1:])
    return names


def _is_ansible_result(node) -> bool:
    node = _core(node)
    if node is None or node.type != "member_access":
        return False
    target, member = node.named_children[0], node.named_children[-1]
    return (target.type == "variable" and _var_name(target) == "ansible"
            and _text(member).lower() == "result")


def result_keys(source) -> set:
    """Keys of the hashtable assigned to $Ansible.Result.

    Raises ScriptShapeError when the value is not a hashtable literal or a
    variable holding one, or a key is computed. Variables are matched by name
    anywhere in the file (scopes are not told apart).
    """
    root = parse(source).root_node
    var_keys = {}  # variable name -> keys
    values = []  # what $Ansible.Result is set to
    direct = set()  # $Ansible.Result.KEY = ... / $Ansible.Result['KEY'] = ...
    computed = {}  # variable name -> why one of its keys is not literal
    for node in _walk(root):
        if node.type != "assignment_expression":
            continue
        left = _core(node.named_children[0])
        value = node.child_by_field_name("value")
        if left is None:
            continue
        if _is_ansible_result(left):
            values.append(_core(value))
            continue
        if left.type in ("member_access", "element_access"):
            target = left.named_children[0]
            key_node = left.named_children[-1]
            if _is_ansible_result(target):
                direct.add(_key_text(_core(key_node)))
            elif _core(target).type == "variable":
                var = _var_name(_core(target))
                try:
                    var_keys.setdefault(var, set()).add(_key_text(_core(key_node)))
                except ScriptShapeError as err:
                    computed.setdefault(var, str(err))  # matters only if it becomes the result
            continue
        if left.type == "variable":
            core = _core(value)
            if core is not None and core.type == "hash_literal_expression":
                var_keys.setdefault(_var_name(left), set()).update(_hash_keys(core))
    keys = set(direct)
    for value in values:
        if value is None:
            raise ScriptShapeError("$Ansible.Result assigned nothing")
        if value.type == "hash_literal_expression":
            keys.update(_hash_keys(value))
        elif value.type == "variable" and _var_name(value) in var_keys:
            if _var_name(value) in computed:
                raise ScriptShapeError(computed[_var_name(value)])
            keys.update(var_keys[_var_name(value)])
        else:
            raise ScriptShapeError("$Ansible.Result = %s is not a hashtable literal" % _text(value)[:60])
    return keys


# win_powershell.ps1's fallback expression for scripts its parser rejects.
_SSP_RE = re.compile(r"\[CmdletBinding\((?:[\w=\$]+,\s*)?SupportsShouldProcess(?:=\$true)?(?:,\s*[\w=\$]+)?\)\]",
                     re.IGNORECASE)


def supports_should_process(source) -> bool:
    text = source if isinstance(source, str) else bytes(source).decode("utf-8", errors="replace")
    if tree_sitter is None:
        return bool(_SSP_RE.search(text))
    tree = parse(text)
    if tree.root_node.has_error:
        return bool(_SSP_RE.search(text))
    block = _script_param_block(tree.root_node)
    if block is None:
        return False
    for attrs in block.named_children:
        if attrs.type != "attribute_list":
            continue
        for attr in attrs.named_children:
            name = next((c for c in attr.named_children if c.type == "attribute_name"), None)
            if name is None or _text(name).lower() != "cmdletbinding":
                continue
            for args in attr.named_children:
                if args.type != "attribute_arguments":
                    continue
                for arg in args.named_children:
                    parts = arg.named_children
                    if not parts or _text(parts[0]).lower() != "supportsshouldprocess":
                        continue
                    if len(parts) == 1 or _text(parts[-1]).strip().lower() == "$true":
                        return True
            return False  # only the first CmdletBinding counts (Select-Object -First 1)
    return False


def first_line(text: str) -> Optional[str]:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None
