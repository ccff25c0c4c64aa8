// Opens and closes the host page's own native modal dialog (no inline script: strict CSP).
document.addEventListener("click", (event) => {
  const dialog = document.getElementById("host-modal");
  if (event.target.closest("[data-open-host-modal]")) dialog.showModal();
  if (event.target.closest("[data-close-host-modal]")) dialog.close();
});
