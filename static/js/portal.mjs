// Starts GOV.UK Frontend's components. A static module file, so the CSP needs no inline script.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

// Components inside content that htmx swaps in need starting too.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});
