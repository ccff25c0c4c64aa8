/* Copy buttons for snippets, links and secrets shown once: progressive enhancement.
   Without JavaScript the text stays in a readonly field (or code) to select and copy by hand.
   Each element with data-copy-label gets a button after it, and a role="status" region that
   says data-copied ("Copied") once the text is on the clipboard. No inline script, no eval:
   works under the strict Content-Security-Policy. */
(function () {
  "use strict";

  function textOf(source) {
    return source.value !== undefined ? source.value : source.textContent;
  }

  function selectAll(source) {
    if (typeof source.select === "function") {
      source.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(source) {
    var text = textOf(source);
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http on another host: the older command, on a selection of the text.
    return new Promise(function (resolve, reject) {
      selectAll(source);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function announce(region, message) {
    // Emptied first, so the same words said again are announced again.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 100);
  }

  document.querySelectorAll("[data-copy-label]").forEach(function (source, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary copy-button";
    button.textContent = source.getAttribute("data-copy-label");
    var region = document.createElement("span");
    region.className = "copy-status";
    region.setAttribute("role", "status");
    region.id = "copy-status-" + index;
    button.addEventListener("click", function () {
      copy(source).then(function () {
        announce(region, source.getAttribute("data-copied") || "Copied");
      }, function () {
        selectAll(source);
        announce(region, source.getAttribute("data-copy-failed") || "");
      });
    });
    var holder = document.createElement("div");
    holder.className = "copy-row";
    holder.appendChild(button);
    holder.appendChild(region);
    source.insertAdjacentElement("afterend", holder);
  });
})();
