"""A throw-away WordPress on loopback for tests/test_wordpress_real.py.

Debian's ``wordpress`` package (WordPress 6.1 with its Akismet plugin, 5.0.2) served by PHP's
built-in web server, on a private MariaDB that listens on a socket only. Nothing is written
outside one temporary folder: the site is a folder of links to ``/usr/share/wordpress`` with
its own ``wp-config.php`` and ``wp-content`` (the Akismet plugin linked in, the must-use
plugin from docs/wordpress copied in), which ``wordpress/router.php`` names as WordPress's
ABSPATH, so Debian's ``/etc/wordpress`` is never read. Every process started here is stopped
by its own id.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gazette.tests.running import free_port

HERE = Path(__file__).parent / "wordpress"
ROOT = Path(__file__).resolve().parents[4]
MU_PLUGIN = ROOT / "docs" / "wordpress" / "gazette-akismet.php"
WORDPRESS = Path("/usr/share/wordpress")
AKISMET = WORDPRESS / "wp-content" / "plugins" / "akismet"
MARIADBD = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/bin")
INSTALL_DB = shutil.which("mariadb-install-db")
PHP = shutil.which("php")


def missing() -> str:
    """What this machine lacks to run the site ('' when nothing), named by Debian package."""
    needs = {"wordpress": (WORDPRESS / "wp-settings.php").exists() and AKISMET.exists(),
             "php-cli": PHP is not None, "mariadb-server": bool(MARIADBD and INSTALL_DB)}
    if PHP is not None:
        modules = subprocess.run([PHP, "-m"], capture_output=True, text=True).stdout.split()
        needs["php-mysql"] = "mysqli" in modules
    return ", ".join(name for name, present in needs.items() if not present)


@dataclass
class WordPressSite:
    """Start with :meth:`start`, stop with :meth:`stop`; ``home`` is the blog's address."""

    base: Path
    gazette: str
    key: str
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_hex(8))
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    installed: dict[str, object] = field(default_factory=dict)

    @property
    def home(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def site(self) -> Path:
        return self.base / "site"

    @property
    def socket(self) -> Path:
        return self.base / "db.sock"

    def start(self) -> None:
        self._database()
        self._files()
        self._serve()
        self.installed = self.tool("install", password=self.password, key=self.key)

    def _spawn(self, args: list[str], log: str, **kwargs: object) -> subprocess.Popen[bytes]:
        out = (self.base / log).open("wb")
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True, **kwargs)  # type: ignore[call-overload]
        self.processes.append(process)
        return process

    def _database(self) -> None:
        data = self.base / "db"
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run([INSTALL_DB, "--no-defaults", f"--datadir={data}", *user,
                        "--auth-root-authentication-method=normal", "--skip-test-db",
                        "--innodb-log-file-size=4M"],
                       check=True, capture_output=True, timeout=120)
        self._spawn([MARIADBD, "--no-defaults", f"--datadir={data}", *user,
                     f"--socket={self.socket}", "--skip-networking", "--skip-log-bin",
                     f"--pid-file={self.base / 'db.pid'}", "--innodb-buffer-pool-size=16M",
                     "--innodb-log-file-size=4M"], "mariadbd.log")
        self._wait(lambda: self._sql("SELECT 1"), "MariaDB")
        self._sql("CREATE DATABASE wordpress CHARACTER SET utf8mb4")

    def _sql(self, statement: str) -> bool:
        return subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot",
                               "-e", statement], capture_output=True).returncode == 0

    def _files(self) -> None:
        self.site.mkdir()
        for entry in WORDPRESS.iterdir():
            if entry.name not in ("wp-config.php", "wp-content", ".htaccess"):
                (self.site / entry.name).symlink_to(entry)
        content = self.site / "wp-content"
        for folder in ("plugins", "mu-plugins", "themes", "uploads"):
            (content / folder).mkdir(parents=True)
        (content / "plugins" / "akismet").symlink_to(AKISMET)
        shutil.copy(MU_PLUGIN, content / "mu-plugins" / MU_PLUGIN.name)
        config = (HERE / "wp-config.php.in").read_text()
        for name, value in {"DB_SOCKET": str(self.socket), "HOME": self.home,
                            "GAZETTE": self.gazette, "SALT": secrets.token_hex(16)}.items():
            config = config.replace(f"@{name}@", value)
        (self.site / "wp-config.php").write_text(config)

    def _serve(self) -> None:
        assert PHP is not None
        self._spawn([PHP, "-S", f"127.0.0.1:{self.port}", "-t", str(self.site),
                     str(HERE / "router.php")], "php-server.log", cwd=self.site,
                    env={**os.environ, "WORDPRESS_SITE_DIR": str(self.site)})
        self._wait(self._answers, "PHP's web server")

    def _answers(self) -> bool:
        try:
            httpx.get(f"{self.home}/readme.html", timeout=2)
        except httpx.TransportError:
            return False
        return True

    def _wait(self, ready: object, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{what}: a process ended ({process.args[0]}); "
                                       f"see {self.base}")
            if callable(ready) and ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not come up within {timeout} s; see {self.base}")

    def tool(self, job: str, **fields: object) -> dict:
        """Run wordpress/wp_tool.php: WordPress's own functions, from php-cli."""
        assert PHP is not None
        result = subprocess.run(
            [PHP, str(HERE / "wp_tool.php"), str(self.site)],
            input=json.dumps({"do": job, "home": self.home, **fields}),
            capture_output=True, text=True, timeout=60,
        )
        if result.returncode != 0 or not result.stdout.strip().startswith(("{", "[")):
            raise RuntimeError(f"wp_tool {job}: {result.stdout[-2000:]} {result.stderr[-2000:]}")
        return json.loads(result.stdout)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        self.processes.clear()
