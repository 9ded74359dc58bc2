// Live coverage: the open page asks for new entries every few seconds and shows them without a
// reload. The answer is one cached document per page; the browser revalidates it with its ETag
// (cache: "no-cache"), so a poll that finds nothing new is a 304. Without script, a reload
// shows the same entries.
(function () {
  "use strict";
  var list = document.querySelector("[data-live-updates]");
  if (!list || !window.fetch) return;
  var url = list.getAttribute("data-live-updates");
  var seconds = Math.max(parseInt(list.getAttribute("data-live-poll"), 10) || 10, 3);
  var announce = document.querySelector("[data-live-announce]");
  var status = document.querySelector("[data-live-status]");
  var keyPoints = document.querySelector("[data-live-key-points]");
  var lastTag = null;
  var timer = null;

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function apply(data) {
    var present = {};
    list.querySelectorAll("[data-entry]").forEach(function (item) {
      present[item.getAttribute("data-entry")] = item;
    });
    var wanted = {};
    var added = 0;
    // Oldest first, each new one put on top: the newest ends up first.
    for (var i = data.entries.length - 1; i >= 0; i--) {
      var entry = data.entries[i];
      wanted[String(entry.id)] = true;
      if (!present[String(entry.id)]) {
        var item = fragment(entry.html);
        if (item) {
          list.insertBefore(item, list.firstChild);
          added++;
        }
      }
    }
    var oldest = data.entries.length ? data.entries[data.entries.length - 1].id : Infinity;
    Object.keys(present).forEach(function (id) {
      // Removed by the newsroom, if it is within what the answer covers.
      if (!wanted[id] && (data.complete || Number(id) >= oldest)) present[id].remove();
    });
    if (data.entries.length) {
      var empty = list.querySelector("[data-live-empty]");
      if (empty) empty.remove();
    }
    if (status && status.innerHTML.trim() !== data.status_html.trim()) status.innerHTML = data.status_html;
    if (keyPoints && keyPoints.innerHTML.trim() !== data.key_points_html.trim()) {
      keyPoints.innerHTML = data.key_points_html;
    }
    if (added && announce) {
      announce.textContent = added === 1 ? "1 new update" : added + " new updates";
    }
  }

  function schedule() {
    clearTimeout(timer);
    // A little jitter, so that many readers do not ask in the same second.
    timer = setTimeout(poll, seconds * 1000 * (0.85 + Math.random() * 0.3));
  }

  function poll() {
    if (document.hidden) return; // asked again when the tab is shown
    fetch(url, {cache: "no-cache", credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        var tag = response.headers.get("ETag");
        if (tag && tag === lastTag) return null;
        lastTag = tag;
        return response.json();
      })
      .then(function (data) {
        if (data) {
          apply(data);
          if (data.ended) {
            list.removeAttribute("data-live-updates");
            return; // the coverage is over: no more polling
          }
        }
        schedule();
      })
      .catch(function () { schedule(); });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll();
  });
  schedule();
})();
