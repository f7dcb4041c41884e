// A small modal that asks for a new playlist's name (the song menu's "New playlist…").

let dialog = null;

function build() {
  dialog = document.createElement("dialog");
  dialog.className = "name-dialog";
  dialog.setAttribute("aria-labelledby", "name-dialog-title");
  dialog.innerHTML = `
    <form method="dialog">
      <h2 id="name-dialog-title">New playlist</h2>
      <label for="name-dialog-input">Name</label>
      <input id="name-dialog-input" name="name" maxlength="200" required autocomplete="off">
      <div class="dialog-buttons">
        <button type="button" class="button button-quiet" data-cancel>Cancel</button>
        <button type="submit" class="button button-play">Create and add</button>
      </div>
    </form>`;
  document.body.append(dialog);
}

/** Ask for a name, suggesting `suggested`; resolve to the trimmed name, or "" when cancelled. */
export function askPlaylistName(suggested) {
  if (!dialog) build();
  const form = dialog.querySelector("form");
  const input = dialog.querySelector("input");
  const cancel = dialog.querySelector("[data-cancel]");
  input.value = suggested;
  return new Promise((resolve) => {
    let answer = "";
    const onSubmit = (event) => {
      event.preventDefault();
      answer = input.value.trim();
      if (answer) dialog.close();
      else input.focus();
    };
    const onCancel = () => dialog.close();
    const onClose = () => {
      form.removeEventListener("submit", onSubmit);
      cancel.removeEventListener("click", onCancel);
      resolve(answer);
    };
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("close", onClose, { once: true });
    dialog.showModal();
    input.select();
  });
}
