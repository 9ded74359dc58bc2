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


def test_each_web_process_loads_the_spam_engine_at_start_up(site_data):
    # A data folder migrated already (a copy of the run's site template): a migration of its
    # own cost this test about 20 s of CPU; the probe's migrate finds nothing left to do.
    tmp_path = site_data("wsgi")
    probe = (
        "import django; django.setup(); "
        "from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); "
        "from gazette.antispam import conf, state; before = state.loaded(conf.default_pool()); "
        "import gazette.wsgi; print(before, state.loaded(conf.default_pool()))"
    )
    env = {"GAZETTE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "DJANGO_SETTINGS_MODULE": "gazette.settings"}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
