// Progressive enhancement of the hosted survey; the form works fully without it.
// Questions shown only after a given answer (show_if) are hidden until that answer is chosen.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form");
  if (!form) return;
  var conditional = form.querySelectorAll("[data-reveal-question]");
  function update() {
    conditional.forEach(function (box) {
      var picked = form.querySelector('input[name="' + box.dataset.revealQuestion + '"]:checked');
      var wanted = box.dataset.revealValues.split(" ");
      var show = !!picked && wanted.indexOf(picked.value) >= 0;
      box.hidden = !show;
      var note = box.querySelector(".condition");
      if (note) note.hidden = true; // the rule is applied for the person, no need to read it
    });
  }
  form.addEventListener("change", update);
  update();
})();
