/* The discussion's script: inline replies, posting without a reload, the remembered name.
   Served from our origin (CSP script-src 'self'); no inline script or handler anywhere.
   Without it the form still works: a plain POST and a 303 back to the story. */
(function () {
  "use strict";

  var COOKIE = "gazette_commenter";

  function readRemembered() {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) !== COOKIE) continue;
      try {
        var value = parts[i].slice(eq + 1);
        if (value.charAt(0) === '"') value = value.slice(1, -1);
        return JSON.parse(decodeURIComponent(value));
      } catch (e) {
        return null;
      }
    }
    return null;
  }

  function setup(root) {
    var form = root.querySelector("#commentform");
    if (!form) return;
    var respond = root.querySelector("#respond");
    var home = document.createComment("respond");
    respond.parentNode.insertBefore(home, respond);
    var parentInput = form.querySelector("#comment_parent");
    var replyTo = respond.querySelector(".respond__to");
    var cancel = respond.querySelector(".respond__cancel");
    var message = form.querySelector(".comment-form__message");
    var button = form.querySelector("button[type=submit]");
    var tokenUrl = root.getAttribute("data-token-url");
    var jsToken = form.querySelector("input[name=js_token]");
    var tokenFetch = null;

    var remembered = readRemembered();
    if (remembered && typeof remembered === "object") {
      [["author", "name"], ["email", "email"], ["url", "url"]].forEach(function (pair) {
        var input = form.querySelector("#" + pair[0]);
        if (input && !input.value && typeof remembered[pair[1]] === "string") {
          input.value = remembered[pair[1]];
        }
      });
      var box = form.querySelector("#remember");
      if (box) box.checked = true;
    }

    function fetchToken() {
      if (tokenFetch === null && tokenUrl) {
        tokenFetch = fetch(tokenUrl, { credentials: "same-origin", cache: "no-store",
                                       headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (data) { if (data.token) jsToken.value = data.token; })
          .catch(function () { /* the page's own token still works */ });
      }
      return tokenFetch || Promise.resolve();
    }
    form.addEventListener("focusin", fetchToken, { once: true });

    function say(text, kind) {
      message.textContent = text;
      message.hidden = !text;
      message.className = "comment-form__message" + (kind ? " comment-form__message--" + kind : "");
    }

    function clearErrors() {
      form.querySelectorAll(".comment-form__error").forEach(function (el) {
        el.textContent = ""; el.hidden = true;
      });
      form.querySelectorAll("[aria-invalid]").forEach(function (el) {
        el.removeAttribute("aria-invalid");
      });
    }

    function showErrors(errors) {
      Object.keys(errors || {}).forEach(function (field) {
        var el = form.querySelector("#" + field + "-error");
        if (!el) return;
        el.textContent = errors[field].join(" ");
        el.hidden = false;
        var input = form.querySelector("#" + field);
        if (input) input.setAttribute("aria-invalid", "true");
      });
    }

    function moveHome() {
      home.parentNode.insertBefore(respond, home.nextSibling);
      parentInput.value = "";
      replyTo.textContent = "";
      cancel.hidden = true;
    }

    root.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest(".comment__reply") : null;
      if (!link || !root.contains(link)) return;
      event.preventDefault();
      var item = document.getElementById("comment-" + link.getAttribute("data-parent"));
      if (!item) return;
      item.querySelector(".comment__body").after(respond);
      parentInput.value = link.getAttribute("data-parent");
      replyTo.textContent = " to " + link.getAttribute("data-author");
      cancel.hidden = false;
      clearErrors();
      say("");
      form.querySelector("#comment").focus();
    });

    cancel.addEventListener("click", function (event) {
      event.preventDefault();
      moveHome();
    });

    function insert(html, parentId) {
      var holder = document.createElement("template");
      holder.innerHTML = html.trim();
      var item = holder.content.firstElementChild;
      var list;
      if (parentId) {
        var parentItem = document.getElementById("comment-" + parentId);
        list = parentItem && parentItem.querySelector(":scope > .comment-children");
        if (parentItem && !list) {
          list = document.createElement("ol");
          list.className = "comment-children";
          parentItem.appendChild(list);
        }
      }
      if (!list) list = root.querySelector(".comment-list");
      if (!parentId && list.getAttribute("data-order") === "newest") list.prepend(item);
      else list.appendChild(item);
      var heading = root.querySelector("#comments-heading");
      if (heading) {
        var count = parseInt(heading.getAttribute("data-count") || "0", 10) + 1;
        heading.setAttribute("data-count", String(count));
        heading.textContent = count + (count === 1 ? " comment" : " comments");
      }
      item.classList.add("comment--new");
      return item;
    }

    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) return;  // the plain POST still works
      event.preventDefault();
      button.disabled = true;
      clearErrors();
      say("Sending…");
      fetchToken().then(function () {
        var parentId = parentInput.value;
        return fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { Accept: "application/json" },
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            return { ok: response.ok, data: data };
          });
        }).then(function (result) {
          var data = result.data || {};
          // A token serves once: the next comment fetches another.
          jsToken.value = "";
          tokenFetch = null;
          if (!result.ok) {
            showErrors(data.errors);
            say(data.message || "Your comment could not be sent; please try again.", "error");
            return;
          }
          form.querySelector("#comment").value = "";
          moveHome();
          if (data.status === "published" && data.html) {
            var item = insert(data.html, parentId);
            say(data.message, "ok");
            item.scrollIntoView({ block: "nearest" });
          } else {
            say(data.message || "Your comment is awaiting moderation.", "held");
          }
        });
      }).catch(function () {
        say("Your comment could not be sent (no connection?). Your text is still here.", "error");
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  function start() {
    document.querySelectorAll("#comments").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
