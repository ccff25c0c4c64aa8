// Kiosk mode (/k/{survey}): a tablet at a counter, used by one person after another.
// - Sends each person's answers as the hosted form's post, with a fresh submission id that
//   the server uses as an idempotency key, so a resend never stores them twice.
// - Keeps answers not yet sent in localStorage (only those) and sends them when the network
//   is back; the thank-you shows at once either way.
// - Tells the person, before anything is stored, what personal information the server would
//   remove from a comment (the hosted form's first post previews), then sends it on the next tap.
// - Clears the form before the thank-you, returns to the start a few seconds after it, and
//   after a minute without a touch (with a warning 20 seconds before, if answers would be lost).
(function () {
  "use strict";
  var form = document.querySelector("form.kiosk-form");
  if (!form) return;
  var OUTBOX = "fb-kiosk-outbox", THANKS_MS = 6000, WARN_MS = 40000, IDLE_MS = 60000;
  var thanks = document.querySelector(".kiosk-thanks");
  var idle = document.querySelector(".kiosk-idle");
  var offline = document.querySelector(".kiosk-offline");
  var summary = form.querySelector(".error-summary");
  var piiCheck = form.querySelector(".pii-check");
  var lastTouch = Date.now(), thanksTimer = null, sending = false;

  function newId() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }

  function save(items) {
    try {
      if (items.length) localStorage.setItem(OUTBOX, JSON.stringify(items));
      else localStorage.removeItem(OUTBOX);
    } catch (e) { /* storage refused: the answers are still sent while the page is open */ }
  }

  function showOffline(on) {
    offline.textContent = on ? offline.dataset.text : "";
  }

  // Send the oldest unsent answers; on success, the next. A 4xx cannot succeed later: dropped,
  // except 429 (too many at once, e.g. a long offline queue): kept and tried again later.
  function flush() {
    var items = load();
    if (sending || !items.length) return;
    sending = true;
    var item = items[0];
    fetch(item.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: item.body,
      credentials: "same-origin",
      keepalive: true
    }).then(function (r) {
      if (r.status >= 500 || r.status === 429) throw new Error("server " + r.status);
      save(load().filter(function (i) { return i.id !== item.id; }));
      sending = false;
      showOffline(false);
      flush();
    }).catch(function () {
      sending = false;
      showOffline(true);
    });
  }

  function questions() { return form.querySelectorAll(".kiosk-question"); }

  function answered(box) {
    return !!box.querySelector("input:checked") ||
      Array.prototype.some.call(box.querySelectorAll("textarea"), function (t) { return t.value.trim(); });
  }

  function hasAnswers() { return Array.prototype.some.call(questions(), answered); }

  function clearErrors() {
    summary.hidden = true;
    summary.querySelector("ul").replaceChildren();
    form.querySelectorAll(".kiosk-error").forEach(function (e) { e.remove(); });
    form.querySelectorAll(".has-error").forEach(function (e) { e.classList.remove("has-error"); });
  }

  // One question per screen: every question stays in the form (so all answers are sent at
  // the end) and only the screen's own is shown; follow-ups that do not apply are skipped.
  var step = parseInt(form.dataset.step, 10) || 0;
  var progress = form.querySelector(".kiosk-progress");
  var intro = form.querySelector(".kiosk-intro");
  var nextButton = form.querySelector(".kiosk-next");
  var sendButton = form.querySelector(".kiosk-send");
  var backButton = form.querySelector(".kiosk-back");

  function applies(box) { return !box.querySelector(".question").hidden; }

  function shownIndexes() {
    var out = [];
    questions().forEach(function (box, i) { if (applies(box)) out.push(i); });
    return out;
  }

  function show(at, focus) {
    var boxes = questions(), shown = shownIndexes();
    if (shown.indexOf(at) < 0) at = shown.length ? shown[0] : 0;
    step = at;
    boxes.forEach(function (box, i) { box.hidden = i !== at; });
    var number = shown.indexOf(at) + 1, last = shown[shown.length - 1] === at;
    progress.textContent = form.dataset.progress
      .replace("%(number)s", number).replace("%(total)s", shown.length);
    form.elements.step.value = String(at);
    if (intro) intro.hidden = at !== shown[0];
    nextButton.hidden = last;
    sendButton.hidden = !last;
    backButton.hidden = at === shown[0];
    if (focus) {
      // Focus on the new question's legend: a screen reader reads it, then the choices.
      var legend = boxes[at].querySelector("legend, label.question-text");
      legend.tabIndex = -1;
      legend.focus();
    }
  }

  // An answer can bring in (or drop) a follow-up: the count and buttons follow it.
  form.addEventListener("change", function () { show(step, false); });

  function move(by) {
    var shown = shownIndexes(), here = shown.indexOf(step);
    var to = shown[Math.min(Math.max(here + by, 0), shown.length - 1)];
    clearErrors();
    show(to === undefined ? step : to, true);
    window.scrollTo(0, 0);
  }

  // Required questions that are shown but not answered, named in the summary and beside them
  // (only the screen's own question when `only` is given).
  function check(only) {
    clearErrors();
    var list = summary.querySelector("ul"), first = null;
    questions().forEach(function (box) {
      if (only && box !== only) return;
      var message = box.dataset.missing, q = box.querySelector(".question");
      if (!message || q.hidden || answered(box)) return;
      var id = "kiosk-err-" + box.dataset.key;
      var link = document.createElement("a");
      link.href = "#" + q.id;
      link.textContent = message;
      var li = document.createElement("li");
      li.append(link);
      list.append(li);
      var note = document.createElement("p");
      note.className = "error-message kiosk-error";
      note.id = id;
      note.textContent = message;
      q.classList.add("has-error");
      var legend = q.querySelector("legend, label.question-text");
      legend.after(note);
      first = first || q;
    });
    if (!first) return true;
    summary.hidden = false;
    summary.focus();
    return false;
  }

  function showPiiCheck(html) {
    // The server's own page names what it removed, in the person's language: reuse its words.
    var doc = new DOMParser().parseFromString(html, "text/html");
    var notice = doc.querySelector(".pii-check p");
    if (!notice) return false;
    piiCheck.querySelector("p").textContent = notice.textContent;
    doc.querySelectorAll("textarea[name]").forEach(function (shown) {
      var mine = form.elements[shown.name];
      if (mine) mine.value = shown.value;
    });
    form.elements.pii_checked.value = "1";
    piiCheck.hidden = false;
    piiCheck.focus();
    return true;
  }

  function hasComment() {
    return Array.prototype.some.call(form.querySelectorAll("textarea"), function (t) { return t.value.trim(); });
  }

  // Reach: a kiosk session starts with a person's first touch on a fresh form; it counts one
  // person offered the survey (no identifier; the tablet's kiosk cookie, sent only to /k/,
  // lifts the per-address bound). Fetches send that cookie ("same-origin"): an enrolled
  // tablet's answers are kiosk answers only with it.
  var started = false;
  function start() {
    if (started) return;
    started = true;
    var e = form.elements, body = new URLSearchParams({ touchpoint: e.touchpoint.value });
    fetch(form.getAttribute("action") + "/seen", {
      method: "POST", body: body, credentials: "same-origin", keepalive: true
    }).catch(function () {});
  }
  form.addEventListener("input", start);
  form.addEventListener("click", function (event) { if (event.isTrusted) start(); });

  function reset() {
    started = false;
    clearTimeout(thanksTimer);
    lastTouch = Date.now();
    idle.hidden = true;
    var home = form.dataset.homeLang;
    if (document.documentElement.lang !== home && navigator.onLine) {
      location.replace(form.dataset.home); // back to the counter's language
      return;
    }
    form.reset();
    clearErrors();
    form.elements.submission_id.value = newId();
    form.elements.pii_checked.value = "";
    piiCheck.hidden = true;
    form.dispatchEvent(new Event("change")); // survey.js hides follow-up questions again
    form.querySelectorAll("details").forEach(function (d) { d.open = false; });
    show(0, false);
    thanks.hidden = true;
    form.hidden = false;
    window.scrollTo(0, 0);
  }

  // Queued answers are stored as they are: the person has seen the check, or it could not run.
  function queue() {
    form.elements.pii_checked.value = "1";
    var body = new URLSearchParams(new FormData(form)).toString();
    var items = load();
    items.push({ id: form.elements.submission_id.value, url: form.action, body: body });
    save(items);
    thank();
    flush();
  }

  var previewing = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (event.submitter === backButton) { move(-1); return; }
    var shown = shownIndexes();
    if (shown[shown.length - 1] !== step) {
      // Next (or Enter on an answer): on once the screen's question is answered if required.
      if (check(questions()[step])) move(1);
      return;
    }
    if (previewing || !check()) return;
    if (!hasComment() || form.elements.pii_checked.value === "1" || !navigator.onLine) {
      queue();
      return;
    }
    // A comment, not yet checked: post it once as it is. Stored (200) if nothing would be
    // removed; otherwise the server answers with what it would remove, shown here first.
    previewing = true;
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString(),
      credentials: "same-origin"
    }).then(function (r) {
      return r.text().then(function (html) {
        previewing = false;
        if (r.status === 200) thank();
        else if (!(r.status === 422 && showPiiCheck(html))) queue();
      });
    }).catch(function () {
      previewing = false;
      queue();
    });
  });

  function thank() {
    // The answers leave the page before the thank-you shows: the next person never sees them.
    form.reset();
    form.hidden = true;
    thanks.hidden = false;
    thanks.focus();
    thanksTimer = setTimeout(reset, THANKS_MS);
  }

  idle.querySelector("button").addEventListener("click", function () {
    idle.hidden = true;
    lastTouch = Date.now();
  });
  ["pointerdown", "keydown", "input", "change", "scroll"].forEach(function (name) {
    window.addEventListener(name, function (event) {
      lastTouch = Date.now();
      // Any touch means someone is there; on the warning itself, its button answers.
      if (name !== "scroll" && !idle.contains(event.target)) idle.hidden = true;
    }, { passive: true, capture: true });
  });
  setInterval(function () {
    var quiet = Date.now() - lastTouch;
    if (!thanks.hidden) return;
    if (quiet >= IDLE_MS) reset();
    else if (quiet >= WARN_MS && idle.hidden && hasAnswers()) {
      idle.hidden = false;
      idle.querySelector("button").focus();
    }
  }, 1000);
  setInterval(flush, 15000);
  window.addEventListener("online", flush);
  // Coming back through the history shows a fresh form, never the previous person's answers.
  window.addEventListener("pageshow", function (event) { if (event.persisted) reset(); });
  // A browser may restore form values when coming back to the page: start empty anyway.
  form.reset();
  form.dispatchEvent(new Event("change"));
  form.elements.submission_id.value = newId();
  show(step, false);
  flush();
})();
