# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""detached.py: the poll loop with a fake clock and injected connection errors, quoting, decoding."""
from __future__ import annotations

import base64

import pytest

from ansible.errors import AnsibleConnectionFailure  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached  # noqa: E402


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class FakeHost:
    """A detached run that lasts `duration` fake seconds and prints a DISM bar every 10%."""

    def __init__(self, clock, duration=600.0, exit_code=0, final=b"\r\nThe operation completed successfully.\r\n"):
        self.clock = clock
        self.duration = duration
        self.exit_code = exit_code
        self.final = final
        self.started_at = None
        self.starts = 0
        self.calls = []
        self.failures = {}  # call number -> exception to raise instead

    def output(self):
        if self.started_at is None:
            return b""
        frac = min(1.0, (self.clock() - self.started_at) / self.duration)
        text = b"Deployment Image Servicing and Management tool\r\n"
        for step in range(0, int(frac * 10) + 1):
            text += ("\r[=====%5.1f%%=====]" % (step * 10.0)).encode("ascii")
        if frac >= 1.0:
            text += self.final
        return text

    def __call__(self, name, params):
        self.calls.append((name, dict(params)))
        failure = self.failures.pop(len(self.calls), None)
        if failure is not None:
            raise failure
        if name == detached.START_SCRIPT:
            if self.started_at is None:
                self.started_at = self.clock()
                self.starts += 1
                return {"run_id": params["RunId"], "started": True, "state": "running"}
            return {"run_id": params["RunId"], "started": False, "state": "running"}
        assert name == detached.STATUS_SCRIPT
        if self.started_at is None:
            return {"run_id": params["RunId"], "state": "unknown"}
        data = self.output()
        chunk = data[params["StdoutOffset"]:params["StdoutOffset"] + params["MaxBytes"]]
        done = self.clock() - self.started_at >= self.duration
        return {"run_id": params["RunId"], "state": "exited" if done else "running",
                "exit_code": self.exit_code if done else None,
                "stdout_b64": base64.b64encode(chunk).decode(), "stdout_offset": params["StdoutOffset"] + len(chunk),
                "stdout_more": params["StdoutOffset"] + len(chunk) < len(data),
                "stderr_b64": "", "stderr_offset": 0, "start_time": "t0", "end_time": "t1" if done else None,
                "duration_seconds": int(self.clock() - self.started_at)}


def make_runner(clock, host, **kw):
    messages = []
    resets = []
    runner = detached.DetachedRunner(host, reset_connection=lambda: resets.append(clock()),
                                     progress=messages.append, clock=clock, sleep=clock.sleep, **kw)
    return runner, messages, resets


def test_runs_to_the_end_and_collects_all_output():
    clock = FakeClock()
    host = FakeHost(clock, duration=600.0)
    runner, messages, _resets = make_runner(clock, host)
    result = runner.run("dism-1", "dism.exe", ["/Online", "/Cleanup-Image", "/RestoreHealth"],
                        timeout=3600, interval=30, label="DISM")
    assert result.state == detached.EXITED
    assert result.exit_code == 0
    assert "The operation completed successfully." in result.stdout
    assert "100.0%" in result.stdout
    assert result.attached is False
    assert host.starts == 1
    # The command line travels as one string quoted for the C runtime.
    start_params = host.calls[0][1]
    assert start_params["Arguments"] == "/Online /Cleanup-Image /RestoreHealth"
    assert start_params["MaxRunSeconds"] >= 3600
    # Polls every 30 s: 600 s -> about 20 polls, never a sleep longer than the interval.
    assert max(clock.sleeps) <= 30
    assert 18 <= result.polls <= 23


def test_progress_at_least_once_a_minute_even_with_a_long_interval():
    clock = FakeClock()
    host = FakeHost(clock, duration=1800.0)
    runner, messages, _resets = make_runner(clock, host)
    runner.run("dism-2", "dism.exe", ["/x"], timeout=7200, interval=300, label="DISM")
    # The interval is capped at a minute so the operator hears from the run that often.
    assert max(clock.sleeps) <= 60
    assert len(messages) >= 1800 / 60 - 1
    assert any("%" in m for m in messages)


def test_connection_errors_between_polls_are_retried_with_reset_and_backoff():
    clock = FakeClock()
    host = FakeHost(clock, duration=300.0)
    # calls: 1 start, 2 poll ok, 3-5 three failures in a row, then fine.
    host.failures = {3: AnsibleConnectionFailure("winrm connection error: Read timed out"),
                     4: ConnectionResetError(104, "Connection reset by peer"),
                     5: AnsibleConnectionFailure("dropped")}
    runner, messages, resets = make_runner(clock, host)
    result = runner.run("dism-3", "dism.exe", ["/x"], timeout=3600, interval=10, label="DISM")
    assert result.state == detached.EXITED
    assert result.connection_errors == 3
    assert len(resets) == 3
    # Backoff grows: 10, 20, 40 after the failures.
    failure_sleeps = clock.sleeps[1:4]
    assert failure_sleeps == [10, 20, 40]
    assert host.starts == 1
    assert any("retrying" in m for m in messages)


def test_start_retried_after_a_lost_answer_attaches_instead_of_starting_twice():
    clock = FakeClock()
    host = FakeHost(clock, duration=120.0)
    real = host.__call__

    answered = {"n": 0}

    def lossy(name, params):
        # The first start happens on the host but its answer is lost on the wire.
        answer = real(name, params)
        answered["n"] += 1
        if name == detached.START_SCRIPT and answered["n"] == 1:
            raise AnsibleConnectionFailure("connection dropped after the command ran")
        return answer

    runner, _messages, resets = make_runner(clock, lossy)
    result = runner.run("dism-4", "dism.exe", ["/x"], timeout=600, interval=10)
    assert host.starts == 1
    assert result.attached is True
    assert result.state == detached.EXITED
    assert len(resets) == 1


def test_start_does_not_retry_an_answer_from_the_host():
    clock = FakeClock()

    def refusing(name, params):
        raise RuntimeError("run dism-5 is running a different command")

    runner, _messages, _resets = make_runner(clock, refusing)
    with pytest.raises(RuntimeError):
        runner.start("dism-5", "dism.exe", ["/x"], 600)


def test_timeout_says_the_run_goes_on_and_how_to_wait_again():
    clock = FakeClock()
    host = FakeHost(clock, duration=10000.0)
    runner, _messages, _resets = make_runner(clock, host)
    with pytest.raises(detached.DetachedTimeout) as err:
        runner.run("dism-6", "dism.exe", ["/x"], timeout=600, interval=30, label="DISM /RestoreHealth")
    text = str(err.value)
    assert "timeout=600" in text and "keeps running" in text and "dism-6" in text
    assert 600 <= clock.now - 1000.0 <= 640


def test_timeout_while_the_connection_is_down():
    clock = FakeClock()
    host = FakeHost(clock, duration=10000.0)
    host.failures = {n: AnsibleConnectionFailure("down") for n in range(3, 200)}
    runner, _messages, _resets = make_runner(clock, host, max_poll_errors=1000)
    with pytest.raises(detached.DetachedTimeout) as err:
        runner.run("dism-7", "dism.exe", ["/x"], timeout=900, interval=30)
    assert "last poll failed" in str(err.value)
    assert clock.now - 1000.0 <= 960


def test_too_many_poll_errors_in_a_row_fail():
    clock = FakeClock()
    host = FakeHost(clock, duration=10000.0)
    host.failures = {n: AnsibleConnectionFailure("down") for n in range(3, 50)}
    runner, _messages, _resets = make_runner(clock, host, max_poll_errors=5, max_backoff=1)
    with pytest.raises(detached.DetachedError) as err:
        runner.run("dism-8", "dism.exe", ["/x"], timeout=100000, interval=1)
    assert "6 times in a row" in str(err.value)


def test_unknown_run_fails_clearly():
    clock = FakeClock()
    runner, _messages, _resets = make_runner(clock, FakeHost(clock))
    with pytest.raises(detached.DetachedError) as err:
        runner.wait("never-started", timeout=60, interval=5)
    assert "not known on the host" in str(err.value)


def test_more_output_than_one_answer_is_fetched_without_sleeping():
    clock = FakeClock()
    host = FakeHost(clock, duration=60.0, final=b"x" * 300 + b"\r\nEND\r\n")
    runner, _messages, _resets = make_runner(clock, host)
    detached.DEFAULT_MAX_BYTES, saved = 64, detached.DEFAULT_MAX_BYTES
    try:
        result = runner.run("dism-9", "dism.exe", ["/x"], timeout=600, interval=10)
    finally:
        detached.DEFAULT_MAX_BYTES = saved
    assert result.stdout.endswith("END\n")
    assert result.stdout.count("x") == 300


@pytest.mark.parametrize("arg,quoted", [
    ("/Online", "/Online"),
    ("/Source:wim:D:\\sources\\install.wim:6", "/Source:wim:D:\\sources\\install.wim:6"),
    ("C:\\Program Files\\x", '"C:\\Program Files\\x"'),
    ("C:\\dir with space\\", '"C:\\dir with space\\\\"'),
    ('say "hi"', '"say \\"hi\\""'),
    ("", '""'),
])
def test_quote_argument_follows_the_c_runtime_rules(arg, quoted):
    assert detached.quote_argument(arg) == quoted


def test_quoting_round_trips_through_a_commandlinetoargvw_parser():
    from winsim.modules.win_command import split_command_line
    args = ["/a", "two words", 'q"uote', "trail\\", "x\\\\\"y", "", "D:\\sources\\install.wim"]
    assert split_command_line(detached.command_line(args)) == args


def test_decode_output_utf16_and_oem():
    assert detached.decode_output("Verification 5% complete.".encode("utf-16-le")) == "Verification 5% complete."
    assert detached.decode_output(b"\xff\xfe" + "ok".encode("utf-16-le")) == "ok"
    assert detached.decode_output(b"caf\x82") == "caf\u00e9"  # cp437


def test_utf16_split_across_polls_decodes_whole():
    buf = detached.StreamBuffer()
    data = "Windows Resource Protection".encode("utf-16-le")
    buf.add(base64.b64encode(data[:7]).decode(), 7)
    buf.add(base64.b64encode(data[7:]).decode(), len(data))
    assert buf.text() == "Windows Resource Protection"


def test_last_percentage():
    assert detached.last_percentage("[== 10.0% ==]\r[=== 42.5% ===]") == 42.5
    assert detached.last_percentage("Verification 77% complete.") == 77.0
    assert detached.last_percentage("nothing") is None


def test_make_key_is_stable_and_safe():
    a = detached.make_key("win_sfc_dism-dism", "dism.exe", "/Online /RestoreHealth")
    assert a == detached.make_key("win_sfc_dism-dism", "dism.exe", "/Online /RestoreHealth")
    assert a != detached.make_key("win_sfc_dism-dism", "dism.exe", "/Online /ScanHealth")
    assert detached.RUN_ID_PATTERN.match(a)
    assert detached.RUN_ID_PATTERN.match(detached.make_key("we!rd name/..", 1))
    with pytest.raises(ValueError):
        detached.check_run_id("..\\escape")


def test_is_transient():
    assert detached.is_transient(AnsibleConnectionFailure("x"))
    assert detached.is_transient(ConnectionResetError())
    assert not detached.is_transient(ValueError("x"))


# -------------------------------------------------------------------- restarts of the host

@pytest.mark.parametrize("state, boot, start, expected", [
    ("lost", "2026-11-02T09:30:00Z", "2026-11-02T09:00:00.0000000Z", True),
    ("lost", "2026-11-02T08:00:00+00:00", "2026-11-02T09:00:00+00:00", False),  # booted before it started
    ("lost", None, "2026-11-02T09:00:00+00:00", False),  # no boot time: not known to be a restart
    ("exited", "2026-11-02T09:30:00Z", "2026-11-02T09:00:00Z", False),
    ("running", "2026-11-02T09:30:00Z", "2026-11-02T09:00:00Z", False),
])
def test_a_lost_run_was_ended_by_a_restart_only_when_the_host_booted_after_it_started(state, boot, start, expected):
    assert detached.restarted_during({"state": state, "boot_time": boot, "start_time": start}) is expected


class ScriptedHost:
    """Answers detached_start with a new start each time and detached_status from a list of (state, boot_time)."""

    def __init__(self, clock, answers):
        self.clock = clock
        self.answers = list(answers)
        self.starts = 0

    def __call__(self, name, params):
        if name == detached.START_SCRIPT:
            self.starts += 1
            return {"run_id": params["RunId"], "started": True, "state": "running"}
        state, boot = self.answers.pop(0)
        return {"run_id": params["RunId"], "state": state, "exit_code": 0 if state == "exited" else None,
                "start_time": "2026-11-02T09:%02d:00Z" % self.starts, "boot_time": boot,
                "stdout_b64": "", "stdout_offset": 0, "stderr_b64": "", "stderr_offset": 0}


def test_run_restarting_starts_the_command_once_more_after_a_restart():
    clock = FakeClock()
    host = ScriptedHost(clock, [("running", "2026-11-02T08:00:00Z"), ("lost", "2026-11-02T09:01:30Z"),
                                ("running", "2026-11-02T09:01:30Z"), ("exited", "2026-11-02T09:01:30Z")])
    runner, messages, _resets = make_runner(clock, host)
    result = runner.run_restarting("dism-9", "dism.exe", ["/x"], timeout=3600, interval=10, label="DISM")
    assert result.state == detached.EXITED and result.restarts == 1 and host.starts == 2
    assert result.as_dict()["restarts"] == 1
    assert any("the host restarted during the run" in m and "starting it again" in m for m in messages)


def test_run_restarting_gives_up_when_a_restart_ends_the_second_run_too():
    clock = FakeClock()
    host = ScriptedHost(clock, [("lost", "2026-11-02T09:01:30Z"), ("lost", "2026-11-02T09:02:30Z")])
    runner, _messages, _resets = make_runner(clock, host)
    with pytest.raises(detached.HostRestartedError) as caught:
        runner.run_restarting("dism-9", "dism.exe", ["/x"], timeout=3600, interval=10, label="DISM")
    assert host.starts == 2
    assert detached.HOST_RESTARTED_TWICE.search(caught.value.message)
    assert "nothing was completed" in caught.value.message


def test_run_restarting_returns_a_run_lost_without_a_restart():
    clock = FakeClock()
    host = ScriptedHost(clock, [("lost", "2026-11-02T08:00:00Z")])  # booted before the run: the time limit, or a kill
    runner, _messages, _resets = make_runner(clock, host)
    result = runner.run_restarting("dism-9", "dism.exe", ["/x"], timeout=3600, interval=10, label="DISM")
    assert result.state == detached.LOST and result.restarts == 0 and host.starts == 1


def _yielding(clock, host, **kw):
    """A runner whose waits give back at UNTIL (fake clock), as a task that shares its fork."""
    runner, messages, _resets = make_runner(clock, host)

    def call(**more):
        args = dict(timeout=3600, interval=10, label="DISM", until=clock() + 5, **kw)
        args.update(more)
        return runner.run_restarting("dism-9", "dism.exe", ["/x"], **args)
    return call, messages


def test_a_wait_taken_up_attaches_without_starting_and_sees_a_restart_in_between():
    # Call 1 gives its wait back; the host restarts before call 2. Call 2 attaches by the key (no
    # start: detached_start would archive the lost run and begin afresh, hiding the restart), sees
    # the restart, starts the command once more and gives back with restarts=1 in its state.
    clock = FakeClock()
    host = ScriptedHost(clock, [("running", "2026-11-02T08:00:00Z"), ("running", "2026-11-02T08:00:00Z"),
                                ("lost", "2026-11-02T09:01:30Z"),
                                ("running", "2026-11-02T09:01:30Z"), ("running", "2026-11-02T09:01:30Z")])
    call, messages = _yielding(clock, host)
    with pytest.raises(detached.StillRunning) as first:
        call()
    assert host.starts == 1 and first.value.state == {"run_id": "dism-9", "restarts": 0}
    with pytest.raises(detached.StillRunning) as second:
        call(taken_up=True, restarts=first.value.state["restarts"])
    assert host.starts == 2 and second.value.state["restarts"] == 1
    assert any("the host restarted during the run" in m for m in messages)


def test_the_once_only_restart_limit_holds_over_calls():
    # The run started again after a restart (restarts=1 from an earlier call) is ended by a
    # restart too: HostRestartedError, and no third start.
    clock = FakeClock()
    host = ScriptedHost(clock, [("lost", "2026-11-02T09:05:00Z")])
    call, _messages = _yielding(clock, host)
    with pytest.raises(detached.HostRestartedError) as caught:
        call(taken_up=True, restarts=1)
    assert host.starts == 0
    assert detached.HOST_RESTARTED_TWICE.search(caught.value.message) and "in an earlier call" in caught.value.message


def test_a_wait_taken_up_finishes_with_the_restarts_of_earlier_calls():
    clock = FakeClock()
    host = ScriptedHost(clock, [("exited", "2026-11-02T09:01:30Z")])
    call, _messages = _yielding(clock, host)
    result = call(taken_up=True, restarts=1)
    assert result.state == detached.EXITED and result.restarts == 1 and host.starts == 0


def test_a_wait_taken_up_for_a_run_no_longer_on_the_host_starts_it():
    clock = FakeClock()
    host = ScriptedHost(clock, [("unknown", None), ("exited", "2026-11-02T08:00:00Z")])
    call, messages = _yielding(clock, host)
    result = call(taken_up=True)
    assert result.state == detached.EXITED and host.starts == 1
    assert any("no longer on the host" in m for m in messages)


def test_a_run_the_host_ended_at_max_run_seconds_carries_timed_out_and_the_reason():
    # detached_start.ps1's wrapper ends the process tree itself at MaxRunSeconds (Task Scheduler
    # does not for a task started on demand) and writes exit.json with timed_out and an error.
    clock = FakeClock()
    why = "ran longer than MaxRunSeconds (60 s): the process and its child processes were ended"

    def host(name, params):
        if name == detached.START_SCRIPT:
            return {"run_id": params["RunId"], "started": True, "state": "running"}
        return {"run_id": params["RunId"], "state": "exited", "exit_code": None, "error": why, "timed_out": True,
                "stdout_b64": "", "stdout_offset": 0, "stderr_b64": "", "stderr_offset": 0}

    runner, _messages, _resets = make_runner(clock, host)
    result = runner.run("dism-9", "dism.exe", ["/Online"], timeout=600, interval=30, max_run_seconds=60)
    assert result.timed_out is True
    assert result.exit_code is None
    assert result.error == why


class CodePageHost(FakeHost):
    """FakeHost whose status answers carry the host's OEM code page, as detached_status.ps1 reports it."""

    def __call__(self, name, params):
        answer = super().__call__(name, params)
        if name == detached.STATUS_SCRIPT:
            answer.update(oem_code_page=866, ansi_code_page=1251, output_encoding="raw")
        return answer


def test_the_output_is_decoded_with_the_code_page_the_host_reports():
    # The last lines of a ru-RU DISM failure (abbodi1406/dotNetFx35W10#5), in cp866 as DISM writes them.
    final = "\r\nОшибка: 0x800f081f\r\n\r\nНе удалось найти исходные файлы.\r\n".encode("cp866")
    clock = FakeClock()
    runner, _messages, _resets = make_runner(clock, CodePageHost(clock, duration=60.0, exit_code=-2146498529,
                                                                 final=final))
    result = runner.run("dism-ru", "dism.exe", ["/Online", "/Cleanup-Image", "/RestoreHealth"],
                        timeout=3600, interval=30, label="DISM")
    assert "Не удалось найти исходные файлы." in result.stdout
