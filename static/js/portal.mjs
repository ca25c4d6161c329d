// Starts GOV.UK Frontend's components. A static module file, so the CSP needs no inline script.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";
import "./focus.mjs";

initAll();

// Components inside content that htmx swaps in need starting too.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});

// "Print this page" links (the attendance picture): shown only when this script runs.
for (const link of document.querySelectorAll("[data-app-print]")) {
  link.hidden = false;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
}

// Printed pages show what closed <details> hold (the weekly figures under a chart).
window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll("details:not([open])")) {
    details.dataset.appPrintOpened = "true";
    details.open = true;
  }
});
window.addEventListener("afterprint", () => {
  for (const details of document.querySelectorAll("details[data-app-print-opened]")) {
    details.open = false;
    delete details.dataset.appPrintOpened;
  }
});
