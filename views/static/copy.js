// Copy buttons: a button with data-copy="<input id>" copies that field's value. Without JavaScript
// the button stays hidden and the read-only field is selected by a click, ready for Ctrl+C.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  const field = document.getElementById(button.getAttribute('data-copy') || '');
  if (!(field instanceof HTMLInputElement)) return;
  field.select();
  navigator.clipboard.writeText(field.value).then(
    () => { button.textContent = button.getAttribute('data-copied') || button.textContent; },
    () => { /* the field stays selected: Ctrl+C still works */ },
  );
});
for (const button of document.querySelectorAll('button[data-copy]')) button.hidden = false;
