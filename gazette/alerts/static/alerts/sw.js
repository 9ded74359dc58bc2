/* The push service worker, served at /alerts-sw.js (scope "/"). It shows each alert and, when
   the reader opens one, opens the story and tells the site (counted per alert, nothing about
   the reader). Payload (JSON): id (the alert), title, body, icon, image, url, tag. */
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function readPayload(event) {
  if (!event.data) return {};
  try { return event.data.json() || {}; } catch (error) { return {body: event.data.text()}; }
}

function localOrHttps(url) {
  try {
    var parsed = new URL(url, self.location.origin);
    return (parsed.protocol === "https:" || parsed.origin === self.location.origin)
      ? parsed.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", function (event) {
  var data = readPayload(event);
  var options = {
    body: data.body || "",
    icon: data.icon || "/static/news/logo.png",
    data: {url: localOrHttps(data.url || "/"), alertId: data.id || null}
  };
  if (data.image) options.image = data.image;
  if (data.tag) options.tag = data.tag;
  event.waitUntil(self.registration.showNotification(data.title || "News alert", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var url = data.url || self.location.origin + "/";
  var report = Promise.resolve();
  if (data.alertId && /^[0-9]+$/.test(String(data.alertId))) {
    report = fetch("/alerts/clicked/" + data.alertId + "/", {
      method: "POST", credentials: "omit", keepalive: true
    }).catch(function () { /* a lost count is no reason to keep the reader waiting */ });
  }
  var open = self.clients.matchAll({type: "window", includeUncontrolled: true})
    .then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    });
  event.waitUntil(Promise.all([report, open]));
});
