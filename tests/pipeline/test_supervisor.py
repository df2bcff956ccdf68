"""The supervisor restarts a crashed stage and stops every stage on request."""

from __future__ import annotations

import sys
import threading
import time

from pipeline.supervisor import Supervisor


def test_crashed_child_is_restarted_and_all_stop(tmp_path):
    marker = tmp_path / "starts"
    crash = (
        "import pathlib,sys; p=pathlib.Path(sys.argv[1]); "
        "p.write_text(p.read_text()+'x' if p.exists() else 'x'); sys.exit(3)"
    )
    steady = "import time\nwhile True: time.sleep(0.1)"
    sup = Supervisor(
        {
            "crashy": [sys.executable, "-c", crash, str(marker)],
            "steady": [sys.executable, "-c", steady],
        },
        max_backoff_s=0.2,
        grace_s=5,
    )
    thread = threading.Thread(target=sup.run, kwargs={"install_signals": False})
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(marker.read_text() if marker.exists() else "") < 3:
        time.sleep(0.05)
    steady_pid = sup.pids().get("steady")
    sup.stop.set()
    thread.join(15)
    assert not thread.is_alive()
    assert len(marker.read_text()) >= 3, "the crashing stage was restarted"
    assert steady_pid and sup.children["steady"].process.poll() is not None
    exits = sup.children["crashy"].exits
    assert len(exits) >= 2 and set(exits) == {3}
