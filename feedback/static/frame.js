// The hosted survey in an iframe (?embed=1) tells the host page its height, so the host's
// embed.js can size the frame to fit without a scroll bar. Only a number is sent.
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function tell() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ fbh: height }, "*");
    }
  }
  new ResizeObserver(tell).observe(document.documentElement);
  window.addEventListener("load", tell);
})();
