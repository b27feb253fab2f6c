// The rule form: each condition row offers only the tests its field allows, with the field's help as the
// placeholder; "Add" buttons clone the last row of a formset.
(function () {
  const fieldOps = JSON.parse(document.getElementById("field-ops").textContent);
  const fieldHelp = JSON.parse(document.getElementById("field-help").textContent);
  const actionHelp = JSON.parse(document.getElementById("action-help").textContent);
  function syncCondition(row) {
    const field = row.querySelector("select[name$='-field']");
    const op = row.querySelector("select[name$='-op']");
    const value = row.querySelector("input[name$='-value']");
    const ops = fieldOps[field.value] || [];
    let firstAllowed = null;
    for (const option of op.options) {
      const ok = ops.includes(option.value);
      option.hidden = !ok; option.disabled = !ok;
      if (ok && firstAllowed === null) firstAllowed = option.value;
    }
    if (!ops.includes(op.value) && firstAllowed !== null) op.value = firstAllowed;
    value.placeholder = fieldHelp[field.value] || "";
  }
  function syncAction(row) {
    const type = row.querySelector("select[name$='-type']");
    row.querySelector("input[name$='-value']").placeholder = actionHelp[type.value] || "";
  }
  document.querySelectorAll(".cond-row").forEach(function (row) {
    syncCondition(row);
    row.querySelector("select[name$='-field']").addEventListener("change", function () { syncCondition(row); });
  });
  document.querySelectorAll(".act-row").forEach(function (row) {
    syncAction(row);
    row.querySelector("select[name$='-type']").addEventListener("change", function () { syncAction(row); });
  });
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      const prefix = button.dataset.prefix;
      const body = document.querySelector("#" + button.dataset.addRow + " tbody");
      const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      const n = parseInt(total.value, 10);
      const row = body.rows[body.rows.length - 1].cloneNode(true);
      row.querySelectorAll("input, select").forEach(function (el) {
        el.name = el.name.replace(/-\d+-/, "-" + n + "-"); el.id = el.id.replace(/-\d+-/, "-" + n + "-");
        if (el.tagName === "INPUT") el.value = ""; else el.selectedIndex = 0;
      });
      body.appendChild(row);
      total.value = n + 1;
      if (prefix === "cond") { syncCondition(row); row.querySelector("select[name$='-field']").addEventListener("change", function () { syncCondition(row); }); }
      else { syncAction(row); row.querySelector("select[name$='-type']").addEventListener("change", function () { syncAction(row); }); }
    });
  });
})();
