import subprocess
import sys


def test_the_wsgi_application_freezes_what_start_up_built(tmp_path):
    probe = (
        "import gc; import gazette.wsgi as w; "
        "assert callable(w.application); print(gc.get_freeze_count())"
    )
    env = {"GAZETTE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 10_000
