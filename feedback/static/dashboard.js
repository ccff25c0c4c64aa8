// Draws every Plotly figure whose JSON the server embedded in <script type="application/json">.
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) return;
    document.querySelectorAll("[data-figure]").forEach(function (box) {
      var source = document.getElementById(box.dataset.figure);
      if (!source) return;
      var fig = JSON.parse(source.textContent);
      // Numbers on the axes in the page's language: "0,5" and "1 200" in French.
      if (!fig.layout.separators && document.documentElement.lang === "fr") {
        fig.layout.separators = ", ";
      }
      window.Plotly.newPlot(box, fig.data, fig.layout, {
        responsive: true,
        displaylogo: false,
        displayModeBar: true,
        // Only the download button: fewer, larger targets (see site.css).
        modeBarButtons: [["toImage"]],
        toImageButtonOptions: { format: "png", filename: box.id, scale: 2 }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
