// Focus and announcements after htmx swaps: the one helper (README, "Developer notes").
//
// After a swap that took away the element that had focus (a form replaced by its result, a
// row opened into a form, a link that loaded the next item), focus moves into the new content:
//   1. an element marked data-app-focus;
//   2. the GOV.UK error summary (a form came back with errors);
//   3. the new content's first heading (made focusable with tabindex="-1");
//   4. the first field of a form in the new content (a form just opened in a table row);
//   5. the new content itself (tabindex="-1"), e.g. an updated table row.
// A swap that left focus where it was (a filter, the search box, a poll) keeps it there.
// Results are announced in the one polite live region of base.html (#app-live-region): the
// text of a data-app-announce attribute in the new content, or an `announce` event sent by
// the server (HX-Trigger: {"announce": "The action has been completed."}).

const FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

export function announce(message) {
  const region = document.getElementById("app-live-region");
  if (!region || !message) return;
  // Emptied first and filled on the next frame, so the same message twice is announced twice.
  region.textContent = "";
  window.setTimeout(() => { region.textContent = message; }, 100);
}

function focusable(element) {
  if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
    element.setAttribute("tabindex", "-1");
  }
  return element;
}

function target(content) {
  const marked = content.matches("[data-app-focus]") ? content : content.querySelector("[data-app-focus]");
  if (marked) return focusable(marked);
  const summary = content.querySelector(".govuk-error-summary");
  if (summary) return focusable(summary);
  const heading = content.matches("h1, h2, h3") ? content : content.querySelector("h1, h2, h3");
  if (heading) return focusable(heading);
  const field = content.querySelector(FIELDS);
  if (field && content.querySelector("form")) return field;
  return focusable(content);
}

function focusWasLost() {
  const active = document.activeElement;
  return !active || active === document.body || !active.isConnected;
}

// The first new element of each swap: htmx fires afterSwap once per element it swapped in.
const handled = new WeakSet();

document.body.addEventListener("htmx:afterSwap", (event) => {
  const content = event.target instanceof Element && event.target.isConnected ? event.target : null;
  const request = event.detail.xhr;
  if (!content || (request && handled.has(request))) return;
  if (request) handled.add(request);
  const holder = content.matches("[data-app-announce]") ? content : content.querySelector("[data-app-announce]");
  if (holder) announce(holder.getAttribute("data-app-announce"));
  if (focusWasLost()) {
    target(content).focus({ preventScroll: false });
  }
});

// The server's words: HX-Trigger: {"announce": "..."}.
document.body.addEventListener("announce", (event) => {
  const detail = event.detail;
  announce(typeof detail === "string" ? detail : detail && detail.value);
});
