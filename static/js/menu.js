// The "⋯" menu of a song: one menu element, filled for the song it was opened from. Items are
// built with textContent only: song titles and playlist names are user data.

const menu = document.getElementById("song-menu");
let opener = null;

function item({ label, name, action }) {
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("role", "menuitem");
  button.textContent = label;
  if (name) button.setAttribute("aria-label", name);
  button.addEventListener("click", async () => {
    // Only a literal true keeps it open: a stray return value (a timer's id) must not.
    if ((await action(button)) !== true) closeSongMenu();
  });
  return button;
}

function separator(text) {
  const label = document.createElement("div");
  label.className = "menu-label";
  label.setAttribute("role", "presentation");
  label.textContent = text;
  return label;
}

function place(anchor) {
  const box = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  const left = Math.max(8, Math.min(box.right - width, window.innerWidth - width - 8));
  // Below the button if it fits above the player bar, else above the button.
  const bar = document.getElementById("player")?.getBoundingClientRect().top;
  const floor = Math.min(bar ?? window.innerHeight, window.innerHeight) - 8;
  let top = box.bottom + 4;
  if (top + height > floor) top = Math.max(8, box.top - height - 4);
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
}

function items() {
  return [...menu.querySelectorAll("[role=menuitem]")];
}

export function closeSongMenu({ restoreFocus = true } = {}) {
  if (menu.hidden) return;
  menu.hidden = true;
  opener?.setAttribute("aria-expanded", "false");
  if (restoreFocus) opener?.focus();
  opener = null;
}

/**
 * Open the menu under `anchor` with `entries`: [{label, action}] or {heading} rows; an entry's
 * `name`, if any, is what assistive technology reads instead of its label.
 * An action returning true keeps the menu open (it replaced the entries itself).
 */
export function openSongMenu(anchor, entries) {
  closeSongMenu({ restoreFocus: false });
  fillSongMenu(entries);
  opener = anchor;
  anchor.setAttribute("aria-expanded", "true");
  menu.hidden = false;
  place(anchor);
  items()[0]?.focus();
}

export function fillSongMenu(entries) {
  menu.replaceChildren(
    ...entries.map((entry) =>
      entry.heading ? separator(entry.heading) : item(entry),
    ),
  );
  if (menu.hidden) return;
  place(opener); // its new height may no longer fit on the side of the button it was on
  items()[0]?.focus();
}

menu.addEventListener("keydown", (event) => {
  const list = items();
  const at = list.indexOf(document.activeElement);
  if (event.key === "ArrowDown") list[(at + 1) % list.length]?.focus();
  else if (event.key === "ArrowUp") list[(at - 1 + list.length) % list.length]?.focus();
  else if (event.key === "Home") list[0]?.focus();
  else if (event.key === "End") list[list.length - 1]?.focus();
  else if (event.key === "Escape" || event.key === "Tab") closeSongMenu();
  else return;
  event.preventDefault();
});

document.addEventListener("pointerdown", (event) => {
  if (!menu.hidden && !menu.contains(event.target) && !opener?.contains(event.target)) {
    closeSongMenu({ restoreFocus: false });
  }
});
document.addEventListener("page:swapped", () => closeSongMenu({ restoreFocus: false }));
window.addEventListener("resize", () => closeSongMenu({ restoreFocus: false }));
// The menu is fixed in the window: it follows its button when the page scrolls under it.
document.addEventListener("scroll", () => opener && !menu.hidden && place(opener), {
  capture: true,
  passive: true,
});
