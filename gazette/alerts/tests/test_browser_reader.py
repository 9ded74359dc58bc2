"""The reader's side of alerts in real Chromium: the "Always be the first to know" box.

Without JavaScript the box is a plain email form: the reader signs up, gets the confirmation
email, and confirms through its link (a button, so mail scanners confirm no one).

With JavaScript the box offers "Notify me in this browser": the script registers the service
worker /alerts-sw.js (scope "/"), fetches the site's VAPID key, subscribes and posts the
subscription to the JSON API. An alert then goes out through the real worker path (the alert is
enqueued in the database, a ``db_worker`` process of its own runs the fan-out and sends to the
tests' push service on loopback, which checks the VAPID token and decrypts the message with the
subscriber's private key), and that very payload, handed to Chromium's service worker with the
DevTools protocol (``ServiceWorker.deliverPushMessage``), becomes the notification the reader
sees (read back with ``registration.getNotifications()``).

What headless Chromium cannot do offline: subscribe to a real push service.
``PushManager.subscribe`` contacts the browser vendor's push service (Google's FCM for
Chromium); here it fails (``AbortError: Registration failed - permission denied``), and tests
never reach the network anyway. So the page's ``PushManager.prototype.subscribe`` is replaced
(before our script runs) by one that records the applicationServerKey it is given and returns a
subscription of the loopback push service, with keys whose private half the test holds. The
rest is real: the permission prompt answered by the context's granted permission, the service
worker registration, the key fetch, the API call, the fan-out, the encryption, the push event,
the notification.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections

from gazette.alerts import fanout, services
from gazette.alerts.models import Alert, Channel, Delivery, Subscription
from gazette.alerts.push import b64url_decode
from gazette.alerts.testing import PushService, Subscriber
from gazette.alerts.topics import BREAKING, story_topic
from gazette.alerts.vapid import vapid_keys
from gazette.news.testing import make_article, make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The worker process shares the test database: keep these off parallel workers' toes.
    pytest.mark.xdist_group("processes"),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is missing"),
]

WAIT_MS = 60_000  # Playwright's waits: the machine is shared and often loaded
READER_EMAIL = "first.to.know@example.org"

# Runs in the page before its scripts: PushManager.subscribe as a real push service would
# answer it, with the endpoint and keys of the test's subscriber on the loopback push service.
FAKE_SUBSCRIBE = """
(() => {
  const fake = %s;
  window.__pushKeysAsked = [];
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__pushKeysAsked.push(Array.from(key));
    return {
      endpoint: fake.endpoint, expirationTime: null,
      options: {userVisibleOnly: options.userVisibleOnly, applicationServerKey: key.buffer},
      toJSON() {
        return {endpoint: fake.endpoint, expirationTime: null,
                keys: {p256dh: fake.p256dh, auth: fake.auth}};
      },
      unsubscribe: async () => true,
    };
  };
})();
"""

# The notifications the service worker has shown, once there is one (or [] after timeoutMs),
# waited for in the page: showing one takes the worker's start, the push event and the icon's
# fetch, each slower on a loaded machine, so this waits as long as the test's other waits.
NOTIFICATIONS = """async (timeoutMs) => {
  const registration = await navigator.serviceWorker.ready;
  const deadline = Date.now() + timeoutMs;
  let shown = await registration.getNotifications();
  while (!shown.length && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 50));
    shown = await registration.getNotifications();
  }
  return shown.map(n => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon,
                          image: n.image, data: n.data}));
}"""


def _in_thread(query: Callable[[], Any]) -> Any:
    """Run ORM work off this thread (Playwright's sync API runs an event loop here, and
    Django refuses database calls from inside one), closing the thread's connection after:
    left open, each call's connection would outlive its thread until garbage collection."""

    def run() -> Any:
        try:
            return query()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def story(transactional_db: Any, settings: Any) -> dict[str, Any]:
    # Built before the browser starts (see _in_thread).
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True
    section = make_section("World")
    article = make_article(section, title="Dam gates opened after record rain", slug="dam",
                           standfirst="The low town is being evacuated.")
    return {"id": article.pk, "url": article.url, "section": section.pk,
            "vapid": vapid_keys().public_key}


@pytest.fixture
def push_service() -> Iterator[PushService]:
    fanout.sender_reset()
    with PushService() as service:
        yield service
    fanout.sender_reset()


def _page(browser: Any, live_server: Any, url: str, *, script: bool,
          init_script: str = "") -> tuple[Any, Any]:
    context = browser.new_context(java_script_enabled=script)
    context.set_default_timeout(WAIT_MS)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(live_server.url + url)
    return context, page


def test_without_javascript_the_box_is_an_email_form_confirmed_by_its_link(
        story: dict[str, Any], live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    context, page = _page(browser, live_server, story["url"], script=False)
    # Under the story and in the footer; the push button stays hidden without the script.
    expect(page.locator("aside.alerts-box")).to_have_count(2)
    box = page.locator(f"aside.alerts-box--story-{story['id']}")
    expect(box.locator(".alerts-box__push")).to_be_hidden()
    expect(box.locator("input[name=topics]:checked")).to_have_count(2)  # breaking, the story
    box.locator("input[name=email]").fill(READER_EMAIL)
    box.get_by_role("button", name="Email me").click()

    expect(page.locator("#alerts-page-title")).to_have_text("Check your inbox")
    assert READER_EMAIL not in page.content()
    stored = _in_thread(lambda: [
        (s.channel, s.email, s.confirmed_at, sorted(t.topic for t in s.topics.all()))
        for s in Subscription.objects.all()])
    assert stored == [(Channel.EMAIL, READER_EMAIL, None,
                       sorted([BREAKING, story_topic(story["id"])]))]

    [message] = mail.outbox
    assert message.to == [READER_EMAIL]
    link = re.search(r"https?://\S+/alerts/confirm/\S+/", str(message.body))
    assert link is not None, message.body
    # The link names the site's configured address; the browser goes to the live server.
    path = "/" + link.group(0).split("/", 3)[3]
    page.goto(live_server.url + path)
    assert _in_thread(lambda: Subscription.objects.get().confirmed_at) is None  # a GET is not
    page.get_by_role("button", name="Yes, send me alerts").click()
    expect(page.locator("#alerts-page-title")).to_have_text("You are subscribed")
    assert _in_thread(lambda: Subscription.objects.get().confirmed_at) is not None
    context.close()


def _alerts_ready() -> int:
    from django_tasks_db.models import DBTaskResult

    return _in_thread(lambda: DBTaskResult.objects.ready().filter(queue_name="alerts").count())


def _worker_run(folder: Path) -> None:
    """The alerts queue run by a real ``db_worker`` process on the test database, until it is
    empty: the fan-out, then the batch it enqueued, which the same ``--batch`` pass runs (it
    exits once no task is ready). A second pass (a Django start, seconds of CPU) only if a task
    is still ready, as after a claim that met a locked database."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{settings_dict['NAME']}"
    else:
        url = (f"postgres://{settings_dict.get('USER') or 'postgres'}@"
               f"{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/"
               f"{settings_dict['NAME']}")
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "GAZETTE_TASKS_BACKEND")}
    env.update(DATABASE_URL=url, GAZETTE_PUSH_ALLOW_INSECURE="1")
    log = folder / "worker.log"
    for _ in range(3):
        with log.open("ab") as output:
            done = subprocess.run(
                [sys.executable, "-m", "gazette.cli", "manage", "db_worker", "--batch",
                 "--queue-name", "alerts", "--no-startup-delay"],
                env=env, stdout=output, stderr=subprocess.STDOUT, timeout=300, check=False)
        assert done.returncode == 0, log.read_text()
        if not _alerts_ready():
            return
    raise AssertionError(f"alerts tasks still ready after three passes:\n{log.read_text()}")


def test_with_javascript_a_browser_subscribes_and_shows_the_alert_the_worker_sent(
        story: dict[str, Any], live_server: Any, browser: Any, push_service: PushService,
        settings: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    site_key = story["vapid"]
    subscriber: Subscriber = push_service.make_subscriber(
        application_server_key=site_key)  # the service refuses tokens of any other key
    fake = {"endpoint": subscriber.endpoint, "p256dh": subscriber.p256dh,
            "auth": subscriber.auth_b64}
    context, page = _page(browser, live_server, story["url"], script=True,
                          init_script=FAKE_SUBSCRIBE % json.dumps(fake))
    origin = live_server.url
    context.grant_permissions(["notifications"], origin=origin)
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")

    box = page.locator(f"aside.alerts-box--story-{story['id']}")
    button = box.get_by_role("button", name="Notify me in this browser")
    expect(button).to_be_visible()
    box.locator(f"input[value='section:{story['section']}']").check()
    box.locator(f"input[value='{BREAKING}']").uncheck()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/push/subscriptions"),
                              timeout=WAIT_MS) as answer:
        button.click()
    assert answer.value.status == 201, answer.value.text()
    status = box.locator(".alerts-box__status")
    expect(status).to_contain_text("Done: our alerts will appear in this browser.")
    expect(status.get_by_role("link", name="Change or cancel them")).to_have_attribute(
        "href", re.compile(r"/alerts/manage/"))

    # The service worker is really registered, for the whole site, and active.
    worker = page.evaluate("""async () => {
      const registration = await navigator.serviceWorker.getRegistration("/");
      return {scope: registration.scope, script: registration.active.scriptURL};
    }""")
    assert worker == {"scope": origin + "/", "script": origin + "/alerts-sw.js"}
    # The script subscribed with the site's VAPID public key, byte for byte.
    asked = page.evaluate("window.__pushKeysAsked")
    assert asked == [list(b64url_decode(site_key))]
    stored = _in_thread(lambda: [
        (s.channel, s.endpoint, s.p256dh, s.auth, s.confirmed_at is not None,
         sorted(t.topic for t in s.topics.all())) for s in Subscription.objects.all()])
    assert stored == [(Channel.PUSH, subscriber.endpoint, subscriber.p256dh,
                       subscriber.auth_b64, True,
                       sorted([f"section:{story['section']}", story_topic(story["id"])]))]

    # An alert to the story's followers, through the database task queue and a real worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "alerts"]}}
    # Links in alerts name the site's public address: here, the live server (the service
    # worker opens only https links or its own origin's).
    settings.GAZETTE_BASE_URL = origin

    def send() -> Alert:
        from gazette.news.models import ArticlePage

        article = ArticlePage.objects.get(pk=story["id"])
        return services.alert_for_article(article, topic=story_topic(story["id"]))

    alert = _in_thread(send)
    _worker_run(tmp_path)
    [message] = push_service.messages(subscriber.id)  # decrypted with the subscriber's key
    assert push_service.rejections == []
    assert message.vapid is not None and message.urgency == "normal"
    sent = message.data()
    assert sent["id"] == alert.pk and sent["title"] == "Dam gates opened after record rain"
    assert _in_thread(lambda: list(Delivery.objects.values_list("status", flat=True))) == [
        "delivered"]

    # That exact payload, pushed to the registered worker, becomes the reader's notification.
    [registration] = {r["registrationId"]: r for r in registrations
                      if r["scopeURL"] == origin + "/" and not r["isDeleted"]}.values()
    assert message.payload is not None
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": origin, "registrationId": registration["registrationId"],
        "data": message.payload.decode()})
    shown = page.evaluate(NOTIFICATIONS, WAIT_MS)
    assert shown == [{
        "title": sent["title"], "body": sent["body"], "tag": f"story-{story['id']}",
        "icon": origin + "/static/news/logo.png", "image": "",
        "data": {"url": sent["url"], "alertId": alert.pk}}]
    assert sent["body"] == "The low town is being evacuated."
    assert sent["url"] == origin + story["url"]
    context.close()
