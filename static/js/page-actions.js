// Behaviour that pages ask for with attributes, so that no page needs inline script (Content-Security-Policy):
//   <form data-confirm="Really?">  asks before submitting;  <button data-print>  opens the print dialog;
//   <select data-autosubmit>  submits its form when a choice is made (the button stays for no-script use).
(() => {
  document.addEventListener("submit", (event) => {
    const message = event.target.closest?.("form[data-confirm]")?.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("[data-print]")) window.print();
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches?.("select[data-autosubmit]")) event.target.form.requestSubmit();
  });
})();
