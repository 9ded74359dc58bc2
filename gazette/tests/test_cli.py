import sys

import pytest

from gazette import cli


@pytest.mark.django_db
def test_ensure_admin_generates_once_and_keeps_the_password(settings, tmp_path, monkeypatch):
    from django.contrib.auth import get_user_model

    settings.DATA_DIR = tmp_path
    monkeypatch.delenv("GAZETTE_ADMIN_PASSWORD", raising=False)
    name, password = cli.ensure_admin()
    user = get_user_model().objects.get(username=name)
    assert user.is_superuser and user.check_password(password)
    assert (tmp_path / "admin_password").read_text() == password
    assert cli.ensure_admin() == ("admin", password)
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_ensure_admin_takes_the_password_from_the_environment(settings, tmp_path, monkeypatch):
    from django.contrib.auth import get_user_model

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("GAZETTE_ADMIN_PASSWORD", "chosen-by-the-installer")
    cli.ensure_admin()
    assert get_user_model().objects.get(username="admin").check_password("chosen-by-the-installer")
    monkeypatch.setenv("GAZETTE_ADMIN_PASSWORD", "changed-later-on")
    cli.ensure_admin()
    assert get_user_model().objects.get(username="admin").check_password("changed-later-on")


def test_supervise_stops_everything_when_one_process_exits():
    code = cli.supervise({
        "short": [sys.executable, "-c", "import sys; sys.exit(3)"],
        "long": [sys.executable, "-c", "import time; time.sleep(60)"],
    })
    assert code == 3


def test_parser_knows_every_command():
    parser = cli.build_parser()
    assert parser.parse_args(["run", "--port", "9000"]).port == 9000
    assert parser.parse_args(["scheduler", "--interval", "5"]).interval == 5
    assert parser.parse_args(["demo", "--bulk", "10"]).bulk == 10
