// The inbox's one behaviour beyond HTMX: "all on this page" ticks every case checkbox.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  const form = box.form || document;
  for (const other of form.querySelectorAll(`input[name="${box.dataset.selectAll}"]`)) {
    other.checked = box.checked;
  }
});
