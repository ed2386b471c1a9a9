#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module: the work is done on the controller by the
# action plugin plugins/action/wu_fleet_report.py.

DOCUMENTATION = r'''
---
module: wu_fleet_report
short_description: Write the fleet report of a Windows Update repair run (JSON, Markdown, HTML)
description:
- Builds, on the controller, one report over every host of the play from what the collection's roles left on
  each host (the facts C(wu_remediation) and C(wu_diagnosis)), and writes it as JSON (for pipelines), Markdown
  and one self-contained HTML page.
- Per host - the causes, the rungs run with outcome and duration, the rung that fixed it, the verdict and the
  last resorts left for a person. For the fleet - hosts fixed per rung, the fix rate, the hosts left for a
  person and the host-hours, summed per duration label (C(modelled), C(real), C(timestamps)) and never across
  labels.
- The same data gives the same files, so a file is rewritten only when its content differs. The README of the
  role C(wu_report) describes the report.
version_added: 0.1.0
options:
  hosts_data:
    description:
    - The per-host records to report on. Each item is either
      C({host, wu_remediation, wu_diagnosis}) (both facts optional) or a C(wu_remediation) dict itself
      (it has C(host) and C(verdict) or C(rungs_run)). Several items of one host are merged.
    - "C(wu_remediation): C(host), C(target_kb), C(causes) (list of C({name, confidence, evidence})),
      C(rungs_run) (list of C({rung, started, finished, outcome, modelled_seconds or seconds, details})),
      C(fixed_by), C(verdict) (C(fixed), C(already_installed), C(needs_person), C(skipped_failing_disk),
      C(failed), ...), C(last_resorts) (names or C({name, summary})), C(evidence)."
    - "C(wu_diagnosis): the registered result of M(winrepair.windows_update.win_wu_diagnose)."
    - When not given, one record per host of C(ansible_play_hosts_all) is read from C(hostvars), with
      that host's facts C(wu_remediation) and C(wu_diagnosis).
    - Mutually exclusive with O(host_names).
    type: list
    elements: dict
  host_names:
    description:
    - The hosts whose facts C(wu_remediation) and C(wu_diagnosis) are read from C(hostvars), in this order,
      instead of C(ansible_play_hosts_all); for example C("{{ groups['windows'] }}") when the report runs in
      a play of its own on C(localhost).
    - Mutually exclusive with O(hosts_data).
    type: list
    elements: str
  dest:
    description:
    - Directory on the controller to write the report files into; created when missing.
    - A relative path is taken from the current directory of C(ansible-playbook).
    type: path
    required: true
  formats:
    description:
    - Which files to write, named O(basename) with the extensions C(.json), C(.md) and C(.html).
    type: list
    elements: str
    choices: [json, markdown, html]
    default: [json, markdown, html]
  title:
    description:
    - Title of the report.
    type: str
    default: Windows Update fleet report
  basename:
    description:
    - File name of the report files without extension (no directory).
    type: str
    default: wu-fleet-report
  merge_from:
    description:
    - Earlier reports merged into this one - paths or globs of their C(.json) files (relative to the current
      directory of C(ansible-playbook)), for example the reports of the slices of an AWX/AAP sliced job, or
      of several controllers.
    - Each host is taken from its latest run (the run's finish time); a host without data in one report keeps
      the data another report has. Two different runs of a host that ended at the same time, a duplicate
      host without a finish time, a glob that matches no file and a file that is not a fleet report fail
      the task, naming the file.
    - The hosts of this run (from O(hosts_data) or the play hosts' facts) take part like another report; give
      O(hosts_data=[]) to merge only the files. The result lists its inputs in C(merged_from).
    type: list
    elements: str
    default: []
  dated:
    description:
    - Also write this run's report as C(<basename>-<UTC time>.<ext>) (for example
      C(wu-fleet-report-20261102T093000Z.json)), beside the latest copy C(<basename>.<ext>), so the reports
      of earlier runs stay as an audit trail.
    type: bool
    default: true
notes:
- Each report names the run that made it - an id, the UTC date, the ansible-core and collection versions.
- Check mode is supported - nothing is written (RV(msg) says so, RV(paths) is empty) and the summary is
  returned. Diff mode is not supported.
- Runs on the controller only; run it once for the play (C(run_once), C(delegate_to=localhost)) as the role
  C(winrepair.windows_update.wu_report) does.
- The JSON file follows a schema with a C(schema_version) (now 1); a change that breaks readers raises it.
seealso:
- module: winrepair.windows_update.win_wu_diagnose
author:
- winrepair.windows_update contributors (@winrepair)
'''

EXAMPLES = r'''
- name: Write the fleet report next to the playbook
  winrepair.windows_update.wu_fleet_report:
    dest: "{{ playbook_dir }}/wu-report"
  delegate_to: localhost
  run_once: true
  register: report

- name: Show the summary
  ansible.builtin.debug:
    var: report.table
  run_once: true

- name: Only the JSON file, for a pipeline, from data gathered elsewhere
  winrepair.windows_update.wu_fleet_report:
    dest: /var/lib/wu-reports/2026-11
    formats: [json]
    hosts_data:
      - host: win01
        wu_remediation: "{{ hostvars['win01'].wu_remediation }}"
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
msg:
  description: Which run's report was written where, or in check mode that no report was written.
  returned: success
  type: str
dated_paths:
  description: This run's dated report files, by format (empty in check mode or with O(dated=false)).
  returned: success
  type: dict
paths:
  description: The latest copies of the report, by format (empty in check mode, which writes nothing).
  returned: success
  type: dict
  sample: {"json": /srv/reports/wu-fleet-report.json, "markdown": /srv/reports/wu-fleet-report.md,
           "html": /srv/reports/wu-fleet-report.html}
written:
  description: The files written by this run - the dated copies and the latest copies (none in check mode).
    C(changed) says whether the report says something else than the latest copy did, apart from the run.
  returned: success
  type: list
  elements: str
summary:
  description: The fleet summary, the content of the JSON file.
  returned: success
  type: dict
  contains:
    schema_version:
      description: Version of this layout.
      type: int
      sample: 1
    title:
      description: The report's title.
      type: str
    generated_at:
      description: When the report was made (UTC), the date of RV(summary.run).
      type: str
    run:
      description: The run that made the report - id, date (UTC), ansible_core, collection (name and version),
        check_mode.
      type: dict
    rung_order:
      description: The ladder's rungs, cheapest first.
      type: list
      elements: str
    fleet:
      description: >-
        Fleet numbers - hosts, remediated, diagnosed_only, without_data, fixed, already_installed,
        verdicts (list of name, count), fixed_by_rung (list of rung, hosts), rungs (list of rung,
        hosts_run, hosts_fixed), left_for_person (count, hosts, last_resorts - list of name, summary,
        hosts, count), causes (list of name, count), fix_rate (fixed, needing_repair, rate 0..1 or null),
        host_hours (hours per duration label - modelled, real, timestamps).
      type: dict
    hosts:
      description: >-
        Per host, sorted by name - host, source (remediation, diagnosis or null), verdict, target_kb,
        causes (name, confidence, evidence), recommended_rungs, rungs_run (rung, outcome, started,
        finished, seconds, time_basis, details), fixed_by, duration (seconds, time_basis, by_basis),
        last_resorts, needs_person, evidence, message, run_id, started and finished (of the host's run).
      type: list
      elements: dict
    merged_from:
      description: With O(merge_from) only - each input (C(this run) or a file) with its hosts and how many
        of them were kept.
      type: list
      elements: dict
      sample: [{"input": /srv/reports/slice1/wu-fleet-report.json, "hosts": 40, "kept": 40}]
table:
  description: The summary as lines of a plain-text table, for ansible.builtin.debug.
  returned: success
  type: list
  elements: str
'''
