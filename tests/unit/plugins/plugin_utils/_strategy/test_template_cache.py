# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The template cache of the collection's strategy: a template or condition compiled once is loaded, not compiled,
by every later templating (another task process reads the same folder), renders as before, and never stands in
for one compiled under other settings; a template that does not compile fails as before."""
from __future__ import annotations

import os

import jinja2
import pytest
from jinja2.nativetypes import NativeEnvironment

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._strategy import template_cache


@pytest.fixture()
def cache(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    template_cache.install(str(folder))
    try:
        yield folder
    finally:
        template_cache.uninstall(remove=False)


def count_compiles(monkeypatch):
    """Calls that reach Jinja's own compile (a cache miss)."""
    calls = []
    real = template_cache._state["compile"]

    def counting(env, source, *args, **kwargs):
        calls.append(source)
        return real(env, source, *args, **kwargs)

    monkeypatch.setitem(template_cache._state, "compile", counting)
    return calls


def templar(**variables):
    return Templar(loader=DataLoader(), variables=variables)


def test_a_template_and_a_condition_compiled_once_are_loaded_after(cache, monkeypatch):
    first = templar(kb="kb5043080", n=3)
    assert first.template(trust_as_template("{{ kb | upper }}-{{ n * 2 }}")) == "KB5043080-6"
    assert first.evaluate_conditional(trust_as_template("n > 2 and kb is string"))
    stored = sorted(os.listdir(str(cache)))
    assert len(stored) >= 2

    calls = count_compiles(monkeypatch)
    again = templar(kb="kb1", n=1)  # another templar, as in another task process: nothing of the first is kept
    assert again.template(trust_as_template("{{ kb | upper }}-{{ n * 2 }}")) == "KB1-2"
    assert not again.evaluate_conditional(trust_as_template("n > 2 and kb is string"))
    assert calls == []
    assert sorted(os.listdir(str(cache))) == stored


def test_a_forked_process_loads_what_another_compiled(cache):
    """As a task process does: forked from the process that installed the cache, it compiles nothing that a
    process before it compiled (here the parent), and renders the same."""
    text = trust_as_template("{{ kb | lower }}")
    assert templar(kb="KB1").template(text) == "kb1"
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        calls = []
        real = template_cache._state["compile"]
        template_cache._state["compile"] = lambda env, source, *a, **k: calls.append(source) or real(env, source, *a, **k)
        ok = templar(kb="KB2").template(text) == "kb2" and calls == []
        os._exit(0 if ok else 1)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_uninstall_gives_jinja_its_own_compile_back(tmp_path):
    own = (jinja2.Environment.compile, jinja2.Environment.compile_expression)
    template_cache.install(str(tmp_path))
    assert jinja2.Environment.compile is not own[0] and jinja2.Environment.compile_expression is not own[1]
    template_cache.uninstall(remove=False)
    assert (jinja2.Environment.compile, jinja2.Environment.compile_expression) == own
    assert templar(n=1).template(trust_as_template("{{ n + 1 }}")) == 2
    assert os.listdir(str(tmp_path)) == []


def test_the_same_text_under_other_settings_is_compiled_for_those(cache):
    text = "{{ 40 + 2 }}"
    assert jinja2.Environment().from_string(text).render() == "42"
    assert NativeEnvironment().from_string(text).render() == 42
    assert jinja2.Environment(variable_start_string="[[", variable_end_string="]]").from_string(text).render() == text
    # and again, now all three from the folder
    assert jinja2.Environment().from_string(text).render() == "42"
    assert NativeEnvironment().from_string(text).render() == 42
    assert len(os.listdir(str(cache))) == 3


def test_an_expression_keeps_undefined_to_none_as_asked(cache):
    env = jinja2.Environment()
    assert env.compile_expression("missing")() is None
    assert isinstance(env.compile_expression("missing", undefined_to_none=False)(), jinja2.Undefined)


def test_a_template_that_does_not_compile_fails_as_before_and_is_not_kept(cache):
    env = jinja2.Environment()
    with pytest.raises(jinja2.TemplateSyntaxError):
        env.from_string("{{ 1 + }}")
    with pytest.raises(jinja2.TemplateSyntaxError):
        env.compile_expression("1 +")
    assert os.listdir(str(cache)) == []


def test_a_debugged_template_is_compiled_as_ansible_core_debugs_it(cache):
    env = jinja2.Environment()
    env._debuggable_template_source = True  # ansible-core's debugging writes the source while compiling
    assert env.from_string("{{ 1 }}").render() == "1"
    assert os.listdir(str(cache)) == []


def test_an_unreadable_entry_is_compiled_again(cache):
    env = jinja2.Environment()
    env.from_string("{{ 2 }}")
    (entry,) = os.listdir(str(cache))
    (cache / entry).write_bytes(b"not marshal")
    assert env.from_string("{{ 2 }}").render() == "2"


def test_install_makes_a_private_folder_and_uninstall_removes_it():
    folder = template_cache.install()
    try:
        assert os.path.isdir(folder) and (os.stat(folder).st_mode & 0o077) == 0
        jinja2.Environment().from_string("{{ 3 }}")
        assert os.listdir(folder)
    finally:
        template_cache.uninstall()
    assert not os.path.exists(folder)
