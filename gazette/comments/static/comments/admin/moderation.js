// Keyboard moderation for the comment queues (Wagtail admin): j/k move between comments,
// a/s/t approve/spam/trash the current one, x ticks it. Buttons carry their key in
// data-shortcut; this file only finds them, so the page works the same without it.
(function () {
  "use strict";

  var CURRENT = "moderation-current";
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-comment-row]"));
  if (!rows.length) {
    return;
  }
  var storageKey = "comments-moderation:" + location.pathname + location.search;
  var index = 0;
  try {
    index = Math.min(rows.length - 1, Math.max(0, parseInt(sessionStorage.getItem(storageKey), 10) || 0));
  } catch (error) {
    index = 0;
  }

  function select(next, focus) {
    rows[index].classList.remove(CURRENT);
    index = Math.min(rows.length - 1, Math.max(0, next));
    rows[index].classList.add(CURRENT);
    if (focus) {
      rows[index].focus({ preventScroll: true });
      rows[index].scrollIntoView({ block: "nearest" });
    }
    try {
      sessionStorage.setItem(storageKey, String(index));
    } catch (error) {
      // Storage off: the position is simply not remembered.
    }
  }

  function typing(target) {
    if (!target || !target.closest) {
      return false;
    }
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
    var row = event.target.closest && event.target.closest("[data-comment-row]");
    if (row && rows.indexOf(row) >= 0) {
      select(rows.indexOf(row), false);
    }
  });

  var selectAll = document.querySelector("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      rows.forEach(function (row) {
        var box = row.querySelector("input[name=ids]");
        if (box) {
          box.checked = selectAll.checked;
        }
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "j") {
      select(index + 1, true);
    } else if (key === "k") {
      select(index - 1, true);
    } else if (key === "x") {
      var box = rows[index].querySelector("input[name=ids]");
      if (box) {
        box.checked = !box.checked;
      }
    } else {
      var button = rows[index].querySelector("button[data-shortcut='" + key + "']");
      if (!button) {
        return;
      }
      button.click();
    }
    event.preventDefault();
  });

  select(index, false);
})();
