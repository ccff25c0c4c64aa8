// Progressive enhancement of assisted entry (/assist/{survey}); the page works fully without it.
// - Choosing the person's language rewords the questions at once (no round trip to the server).
// - In a scale question, a digit key chooses that point (3 on a 1 to 5 scale), as arrows do.
// Questions shown only after a given answer are handled by survey.js, which this page loads too.
(function () {
  "use strict";
  var form = document.querySelector("form.assist-form");
  var data = document.getElementById("assist-texts");
  if (!form || !data) return;
  var texts = JSON.parse(data.textContent);

  function setText(el, text, lang) {
    if (!el) return;
    el.textContent = text;
    el.lang = lang;
  }

  function reword(lang) {
    var byKey = texts[lang];
    if (!byKey) return;
    Object.keys(byKey).forEach(function (key) {
      var box = document.getElementById("question-" + key);
      if (!box) return;
      var t = byKey[key];
      setText(box.querySelector(".q-text"), t.text, lang);
      setText(box.querySelector(".hint[lang]"), t.hint, lang);
      box.querySelectorAll(".c-label").forEach(function (label, i) {
        if (i < t.labels.length) setText(label, t.labels[i], lang);
      });
      if (t.ends) {
        setText(box.querySelector(".end-0"), t.ends[0], lang);
        setText(box.querySelector(".end-10"), t.ends[1], lang);
      }
    });
  }

  // Removed, not hidden: as the form's first submit button, Enter in a text field would press it.
  var relabel = form.querySelector(".assist-relabel");
  if (relabel) relabel.remove();
  form.addEventListener("change", function (event) {
    if (event.target.name === "caller") reword(event.target.value);
  });

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (input.type !== "radio" || !/^[0-9]$/.test(event.key)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var group = input.closest(".kind-rating5, .kind-ces7, .kind-nps");
    if (!group) return;
    var target = group.querySelector('input[value="' + event.key + '"]');
    if (!target) return;
    event.preventDefault();
    target.checked = true;
    target.focus();
    target.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
