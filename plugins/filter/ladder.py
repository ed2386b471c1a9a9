# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the ladder driver (role wu_remediate): the decisions, in Python.

The logic lives in plugin_utils/_ladder/remediation.py (and the policy in ladder.py);
this file only adapts it to Jinja. Each filter returns a new value and never
changes its input, so a role can `set_fact` the result. Documentation: the
.yml file of each filter next to this file.
"""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation


def _wrap(name, func):
    def filt(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (TypeError, ValueError, KeyError) as err:
            raise AnsibleFilterError("%s: %s" % (name, err)) from err
    filt.__name__ = name
    filt.__doc__ = func.__doc__
    return filt


def wu_plan(diagnosis, target_kb, enabled_rungs=None, allow_inplace_upgrade=False, cause_map=None, journal_entry=None,
            sfc="auto"):
    return remediation.plan(diagnosis, target_kb, enabled_rungs, allow_inplace_upgrade, cause_map, journal_entry, sfc)


def wu_catalog_product(os_info):
    return remediation.catalog_product(os_info)


def wu_record(diagnosis, host, target_kb, plan=None, check_mode=False, settings=None):
    return remediation.new_record(host, target_kb, diagnosis, plan, check_mode, settings=settings)


def wu_resume(record, journal_entry, diagnosis=None):
    return remediation.resume(record, journal_entry, diagnosis)


def wu_should_run(record, rung, check_mode=False):
    return remediation.should_run(record, rung, check_mode)


def wu_next_rung(record, planned, after=None, check_mode=False):
    return remediation.next_rung(record, planned, after or None, check_mode)


def wu_pending_verify(record):
    return remediation.pending_verify_rung(record)


def wu_step_start(record, rung, diagnosis=None, journaled=None):
    return remediation.record_start(record, rung, remediation.journaled_start(record, rung, journaled),
                                    diagnosis=diagnosis)


def wu_step_finish(record, rung, result, check_mode=False):
    return remediation.record_finish(record, rung, remediation.rung_outcome(rung, result, check_mode, record))


def wu_step_verify(record, rung, result, accepted=None):
    return remediation.record_verify(record, rung, remediation.verify_outcome(result, record["target_kb"], accepted))


def wu_step_restart(record, rung, message, answered=None):
    return remediation.record_restart(record, rung, message, answered)


def wu_replan(record, diagnosis, plan):
    return remediation.replan(record, diagnosis, plan)


def wu_verify_transient(result):
    return remediation.verify_transient(result)


def wu_verdict(record, check_mode=False):
    return remediation.verdict(record, check_mode)


def wu_journal_entry(record):
    return remediation.journal_entry(record)


class FilterModule:
    """winrepair.windows_update ladder filters."""

    def filters(self):
        funcs = (wu_plan, wu_catalog_product, wu_record, wu_resume, wu_should_run, wu_next_rung, wu_pending_verify,
                 wu_step_start, wu_step_finish, wu_step_verify, wu_step_restart, wu_replan, wu_verify_transient, wu_verdict,
                 wu_journal_entry)
        return {f.__name__: _wrap(f.__name__, f) for f in funcs}
