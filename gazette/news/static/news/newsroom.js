// "N minutes ago" kept true on an open or browser-cached page, and the share buttons that
// need script. The server renders both texts and an e-mail link, so without script the page
// still reads right (gazette/news/times.py) and can be shared.
(function () {
  "use strict";

  function agoText(seconds) {
    if (seconds < -60 || seconds >= 86400) return "";
    if (seconds < 60) return "just now";
    if (seconds < 3600) {
      var minutes = Math.floor(seconds / 60);
      return minutes + " minute" + (minutes === 1 ? "" : "s") + " ago";
    }
    var hours = Math.floor(seconds / 3600);
    return hours + " hour" + (hours === 1 ? "" : "s") + " ago";
  }

  function refreshAgo() {
    var now = Date.now();
    document.querySelectorAll("[data-ago]").forEach(function (el) {
      var when = Date.parse(el.getAttribute("data-ago"));
      if (isNaN(when)) return;
      var text = agoText((now - when) / 1000);
      el.textContent = text ? "· " + text : "";
    });
  }

  function setUpShare(box) {
    var url = box.getAttribute("data-share-url");
    var title = box.getAttribute("data-share-title");
    var status = box.querySelector("[data-share-status]");
    var native = box.querySelector("[data-share-native]");
    var copy = box.querySelector("[data-share-copy]");
    if (native && navigator.share) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share({ title: title, url: url }).catch(function () {});
      });
    }
    if (copy && navigator.clipboard && navigator.clipboard.writeText) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(function () {
          if (status) status.textContent = "Link copied";
        }, function () {
          if (status) status.textContent = "Could not copy: the address is " + url;
        });
      });
    }
  }

  function start() {
    refreshAgo();
    window.setInterval(refreshAgo, 60000);
    document.querySelectorAll("[data-share]").forEach(setUpShare);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
