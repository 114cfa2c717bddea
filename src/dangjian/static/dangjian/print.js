// Buttons marked data-print open the browser's print dialog (no inline onclick: see core/csp.py).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
