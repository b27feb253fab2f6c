// Main navigation: the <details> dropdowns work without this file; it only closes an open one on Escape
// (focus back on its heading), on a click elsewhere, and when keyboard focus leaves it.
(() => {
  const openMenus = () => document.querySelectorAll(".mainnav details[open]");
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const details of openMenus()) {
      details.open = false;
      if (details.contains(document.activeElement)) details.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    for (const details of openMenus()) if (!details.contains(event.target)) details.open = false;
  });
  document.addEventListener("focusout", (event) => {
    const details = event.target.closest?.(".mainnav details[open]");
    if (details && event.relatedTarget && !details.contains(event.relatedTarget)) details.open = false;
  });
})();
