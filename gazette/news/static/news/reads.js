/* "Most read": tell our own server that this story was read (gazette/news/reads.py).
   One POST with no body, no cookie set and nothing about the reader; a page the browser
   prerenders counts only once it is shown. */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-read");
  if (!url) { return; }
  function send() {
    if (navigator.sendBeacon && navigator.sendBeacon(url)) { return; }
    if (window.fetch) { fetch(url, { method: "POST", keepalive: true, credentials: "omit" }); }
  }
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
