/* The "Always be the first to know" box: Web Push through the browser's Push API, with the
   site's VAPID key; the plain email form works without this script. No per-reader data is in
   the page (it is cached and shared); everything here happens in the reader's browser. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.alerts-box__form");
  if (!forms.length) return;
  var pushSupported = window.isSecureContext && "serviceWorker" in navigator &&
    "PushManager" in window && "Notification" in window;

  function bytesFromB64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    b64 += "===".slice((b64.length + 3) % 4);
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameBytes(a, b) {
    if (!a || !b) return false;
    a = new Uint8Array(a);
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function topicsOf(form) {
    return Array.prototype.map.call(
      form.querySelectorAll('input[name="topics"]:checked'), function (input) {
        return input.value;
      });
  }

  function say(form, text, link) {
    var status = form.querySelector(".alerts-box__status");
    status.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = "Change or cancel them";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(a);
    }
  }

  async function subscribe(form) {
    var topics = topicsOf(form);
    if (!topics.length) { say(form, "Choose at least one topic."); return; }
    var permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say(form, "Your browser blocks notifications from this site; you can use email instead.");
      return;
    }
    say(form, "Subscribing…");
    var registration = await navigator.serviceWorker.register(form.dataset.workerUrl,
                                                              {scope: "/"});
    await navigator.serviceWorker.ready;
    var keyResponse = await fetch(form.dataset.keyUrl, {credentials: "same-origin"});
    if (!keyResponse.ok) throw new Error("key " + keyResponse.status);
    var key = bytesFromB64url((await keyResponse.json()).publicKey);
    var subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameBytes(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: key});
    }
    var json = subscription.toJSON();
    var response = await fetch(form.dataset.apiUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({endpoint: json.endpoint, keys: json.keys, topics: topics})
    });
    var answer = {};
    try { answer = await response.json(); } catch (error) { /* not JSON: say the status */ }
    if (response.status === 201) {
      say(form, "Done: our alerts will appear in this browser.", answer.manage);
    } else {
      say(form, "That did not work: " + (answer.error || ("error " + response.status)) + ".");
    }
  }

  Array.prototype.forEach.call(forms, function (form) {
    // Each box on a page (story, footer) loads this script: bind a form once, or one click
    // would subscribe twice.
    if (!pushSupported || form.dataset.alertsBound) return;
    form.dataset.alertsBound = "1";
    var wrapper = form.querySelector(".alerts-box__push");
    var button = form.querySelector(".alerts-box__push-button");
    if (!wrapper || !button) return;
    wrapper.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      subscribe(form).catch(function () {
        say(form, "Notifications could not be set up in this browser; you can use email instead.");
      }).finally(function () { button.disabled = false; });
    });
  });
})();
