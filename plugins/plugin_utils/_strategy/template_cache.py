# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compiled templates shared by the task processes of one run of the collection's strategy.

Internal to winrepair.windows_update: not a public API, it may change in any
release.

ansible-core runs each task of each host in a process forked for that one task,
and that process compiles every template and condition the task reads: Jinja's
Environment.from_string and compile_expression keep nothing between calls, and
nothing a task process compiled survives it. A playbook of a few hundred
templates thus compiles them again for every task of every host.

While installed, this cache keeps the code object Jinja compiles for a
template's text (marshal, as Jinja's own bytecode cache stores it) in a folder
of the run, named by a hash of the text and of every setting of the
environment that the compiled code depends on; a task process then loads what
any process compiled before it instead of compiling it again. What is compiled
stays Jinja's and ansible-core's: a miss compiles as before, an error (a
template that does not compile) is raised as before and nothing is stored, and
any error reading or writing the folder only means compiling. The folder is
created private (tempfile.mkdtemp: only its owner may read or write it), and
only the code this run compiled is ever loaded from it.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import sys
import tempfile
import threading

import jinja2
from jinja2.environment import TemplateExpression

try:  # ansible-core 2.19 and later: a compile-time setting of the template being compiled
    from ansible._internal._templating._jinja_bits import _TemplateCompileContext
except ImportError:  # pragma: no cover - ansible-core 2.17 and 2.18 have no such setting
    _TemplateCompileContext = None

try:  # a role of a collection resolves short filter names in that collection first
    from ansible.utils.collection_loader import AnsibleCollectionConfig
except ImportError:  # pragma: no cover
    AnsibleCollectionConfig = None

_state = {"dir": None, "compile": None, "compile_expression": None}
_capture = threading.local()  # compile_expression's own compile call, whose code it keeps


def fingerprint(env):
    """What, besides a template's text, decides the code ENV compiles from it: the environment's class and its
    syntax, code generator and finalize settings, ansible-core's compile-time setting, and the collection in
    which short filter and test names are looked up first (Jinja reads a filter's kind while compiling)."""
    compile_context = _TemplateCompileContext.current(optional=True) if _TemplateCompileContext else None
    finalize = getattr(env, "finalize", None)
    return repr((
        type(env).__module__, type(env).__qualname__,
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
        sorted(env.extensions), env.optimized, env.is_async, repr(env.autoescape),
        getattr(env.code_generator_class, "__qualname__", None), getattr(finalize, "__qualname__", repr(finalize)),
        getattr(compile_context, "escape_backslashes", None),
        getattr(AnsibleCollectionConfig, "default_collection", None) if AnsibleCollectionConfig else None,
        sys.version_info[:3], jinja2.__version__,
    ))


def _path(kind, env, parts):
    text = repr((kind, fingerprint(env)) + parts)
    return os.path.join(_state["dir"], hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


def _load(path):
    try:
        with open(path, "rb") as handle:
            return marshal.loads(handle.read())
    except Exception:  # pylint: disable=broad-except
        return None  # not there yet, or unreadable: compile


def _store(path, code):
    """Write CODE under PATH whole or not at all (another process may read it meanwhile)."""
    partial = "%s.%d.part" % (path, os.getpid())
    try:
        with open(partial, "wb") as handle:
            handle.write(marshal.dumps(code))
        os.replace(partial, path)
    except Exception:  # pylint: disable=broad-except
        try:
            os.unlink(partial)
        except OSError:
            pass


def _bypass(env):
    # ansible-core's template debugging writes each compiled template's Python source while compiling it.
    return _state["dir"] is None or bool(getattr(env, "_debuggable_template_source", False))


def _compile(self, source, name=None, filename=None, raw=False, defer_init=False):
    original = _state["compile"]
    if not isinstance(source, str) or raw or _bypass(self):
        code = original(self, source, name, filename, raw, defer_init)
        if getattr(_capture, "active", False) and not raw:
            _capture.code = code
        return code
    path = _path("template", self, (source, name, filename, defer_init))
    code = _load(path)
    if code is None:
        code = original(self, source, name, filename, raw, defer_init)
        _store(path, code)
    return code


def _compile_expression(self, source, undefined_to_none=True):
    original = _state["compile_expression"]
    if not isinstance(source, str) or _bypass(self):
        return original(self, source, undefined_to_none)
    path = _path("expression", self, (source,))
    code = _load(path)
    if code is not None:
        # What Jinja's compile_expression does with the code it compiles (from_string of the parsed expression).
        template = self.template_class.from_code(self, code, self.make_globals(None), None)
        return TemplateExpression(template, undefined_to_none)
    _capture.active, _capture.code = True, None
    try:
        expression = original(self, source, undefined_to_none)
    finally:
        code, _capture.active, _capture.code = _capture.code, False, None
    if code is not None:
        _store(path, code)
    return expression


def install(directory=None):
    """Start caching in DIRECTORY (a new private folder when None); returns the folder. Installed twice, the second
    call only changes the folder."""
    if directory is None:
        directory = tempfile.mkdtemp(prefix="winrepair-templates-")
    if _state["compile"] is None:
        _state["compile"] = jinja2.Environment.compile
        _state["compile_expression"] = jinja2.Environment.compile_expression
        jinja2.Environment.compile = _compile
        jinja2.Environment.compile_expression = _compile_expression
    _state["dir"] = directory
    return directory


def uninstall(remove=True):
    """Stop caching; with REMOVE, delete the folder install() made or was given (nothing else is in it)."""
    directory = _state["dir"]
    if _state["compile"] is not None:
        jinja2.Environment.compile = _state["compile"]
        jinja2.Environment.compile_expression = _state["compile_expression"]
    _state.update(dir=None, compile=None, compile_expression=None)
    if remove and directory:
        shutil.rmtree(directory, ignore_errors=True)
