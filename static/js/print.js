// A "Print" button on receipts and invoices (without JavaScript, the browser's own
// Print command does the same).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
