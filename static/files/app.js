// smsinbox: copy buttons, relative times and live updates. The pages work
// without it; this only adds comfort.
(function () {
  "use strict";

  function rel(date, now) {
    var s = Math.round((now - date) / 1000);
    if (s < 10) return "just now";
    if (s < 60) return s + " sec ago";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min ago";
    var h = Math.floor(m / 60);
    if (h < 24) return h + " h ago";
    var d = Math.floor(h / 24);
    if (d < 30) return d === 1 ? "1 day ago" : d + " days ago";
    return null;
  }

  function refreshTimes(root) {
    var now = Date.now();
    var els = (root || document).querySelectorAll("time[data-rel]");
    for (var i = 0; i < els.length; i++) {
      var t = Date.parse(els[i].getAttribute("datetime"));
      if (isNaN(t)) continue;
      var text = rel(t, now);
      if (text && els[i].textContent !== text) els[i].textContent = text;
    }
  }

  var announcer;
  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.className = "sr-only";
      announcer.setAttribute("aria-live", "polite");
      document.body.appendChild(announcer);
    }
    announcer.textContent = text;
  }

  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "sr-only";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    return ok;
  }

  function feedback(btn, ok) {
    var label = btn.getAttribute("data-label") || btn.textContent;
    btn.setAttribute("data-label", label);
    btn.setAttribute("data-state", ok ? "copied" : "failed");
    btn.textContent = ok ? "Copied" : "Press Ctrl+C";
    announce(ok ? "Copied to the clipboard" : "Copying failed");
    clearTimeout(btn._t);
    btn._t = setTimeout(function () {
      btn.textContent = label;
      btn.removeAttribute("data-state");
    }, 2000);
  }

  function enableCopy(root) {
    var btns = (root || document).querySelectorAll("button[data-copy]");
    for (var i = 0; i < btns.length; i++) btns[i].hidden = false;
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("button[data-copy]");
    if (!btn) return;
    var text = btn.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { feedback(btn, true); },
        function () { feedback(btn, fallbackCopy(text)); });
    } else {
      feedback(btn, fallbackCopy(text));
    }
  });

  function startLive() {
    var box = document.querySelector("[data-events]");
    var list = document.getElementById("messages");
    if (!box || !list || !window.EventSource) return;
    var url = box.getAttribute("data-events");
    var after = box.getAttribute("data-after");
    if (after) url += (url.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(after);
    var status = box.querySelector("[data-live-status]");
    var es = new EventSource(url);
    var fresh = 0;
    es.onopen = function () {
      box.setAttribute("data-state", "open");
      if (status) status.textContent = "Live: new messages appear here as they arrive.";
    };
    es.onerror = function () {
      box.setAttribute("data-state", "closed");
      if (status) status.textContent = "Reconnecting to live updates\u2026";
    };
    es.addEventListener("message", function (ev) {
      var id = ev.lastEventId;
      if (id && document.getElementById("m-" + id)) return;
      var empty = document.getElementById("no-messages");
      if (empty) empty.hidden = true;
      list.insertAdjacentHTML("afterbegin", ev.data);
      var el = list.firstElementChild;
      if (el) {
        el.classList.add("new");
        enableCopy(el);
        refreshTimes(el);
      }
      fresh++;
      announce(fresh === 1 ? "1 new message" : fresh + " new messages");
    });
    window.addEventListener("pagehide", function () { es.close(); });
  }

  enableCopy(document);
  refreshTimes(document);
  setInterval(refreshTimes, 30000);
  startLive();
})();
