// The owner's edits on a playlist page, in place through the REST API so the music keeps
// playing: move a track up or down (buttons, or the ⋯ menu on phones), drag it to a new place,
// remove it. The buttons are forms that also work without this module. Listeners sit on the
// document, since nav.js runs this module once and swaps playlist pages in and out.

import { api } from "./api.js";

const SECONDS_PER_MINUTE = 60;

function table() {
  return document.querySelector("#playlist-tracks[data-owner]");
}

function rows(tracks) {
  return [...tracks.querySelectorAll("tbody tr.song-row")];
}

function announce(message) {
  const status = document.getElementById("playlist-status");
  if (status) status.textContent = message;
}

function itemUrl(tracks, row) {
  return `${tracks.dataset.tracksUrl}${row.dataset.itemId}/`;
}

function lengthWords(total) {
  const seconds = Math.round(total);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / SECONDS_PER_MINUTE);
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${seconds % SECONDS_PER_MINUTE} s`;
  return `${seconds} s`;
}

/** Bring the buttons' disabled states, the count and the total length up to date. */
function refresh(tracks) {
  const list = rows(tracks);
  list.forEach((row, index) => {
    const up = row.querySelector(".move-up");
    const down = row.querySelector(".move-down");
    if (up) up.disabled = index === 0;
    if (down) down.disabled = index === list.length - 1;
  });
  const count = document.getElementById("playlist-count");
  if (count) count.textContent = `${list.length} song${list.length === 1 ? "" : "s"}`;
  const duration = document.getElementById("playlist-duration");
  const total = list.reduce((sum, row) => sum + (Number(row.dataset.duration) || 0), 0);
  if (duration) duration.textContent = lengthWords(total);
  if (!list.length) {
    tracks.hidden = true;
    document.querySelector(".playlist-hint")?.setAttribute("hidden", "");
    document.querySelector(".play-all")?.setAttribute("hidden", "");
    document.getElementById("playlist-empty")?.removeAttribute("hidden");
  }
}

/**
 * The position (0 is the top) that puts `row` just before or after `target`, as the server
 * counts: every entry, hidden songs included, so we work from the rows' own positions.
 */
function positionBeside(row, target, after) {
  const from = Number(row.dataset.position);
  const at = Number(target.dataset.position);
  if (after) return from < at ? at : at + 1;
  return from < at ? at - 1 : at;
}

async function move(row, position, focusClass) {
  const tracks = row.closest("table");
  const from = Number(row.dataset.position);
  if (position === from) return;
  const title = row.dataset.title;
  try {
    await api("PATCH", itemUrl(tracks, row), { position });
  } catch (error) {
    announce(`Could not move “${title}”: ${error.message}`);
    return;
  }
  for (const other of rows(tracks)) {
    const at = Number(other.dataset.position);
    if (other === row) other.dataset.position = String(position);
    else if (position < from && at >= position && at < from) other.dataset.position = String(at + 1);
    else if (position > from && at > from && at <= position) other.dataset.position = String(at - 1);
  }
  const body = tracks.tBodies[0];
  const ordered = rows(tracks).sort((a, b) => a.dataset.position - b.dataset.position);
  body.append(...ordered);
  refresh(tracks);
  const place = ordered.indexOf(row) + 1;
  announce(`Moved “${title}” to number ${place} of ${ordered.length}.`);
  if (focusClass) {
    const button = row.querySelector(`.${focusClass}`);
    const other = row.querySelector(focusClass === "move-up" ? ".move-down" : ".move-up");
    (button && !button.disabled ? button : other)?.focus();
  }
}

function step(row, direction, focusClass) {
  const list = rows(row.closest("table"));
  const neighbour = list[list.indexOf(row) + (direction === "up" ? -1 : 1)];
  if (neighbour) move(row, positionBeside(row, neighbour, direction === "down"), focusClass);
}

async function remove(row) {
  const tracks = row.closest("table");
  const title = row.dataset.title;
  try {
    await api("DELETE", itemUrl(tracks, row));
  } catch (error) {
    announce(`Could not remove “${title}”: ${error.message}`);
    return;
  }
  const list = rows(tracks);
  const next = list[list.indexOf(row) + 1] || list[list.indexOf(row) - 1];
  const gone = Number(row.dataset.position);
  row.remove();
  for (const other of rows(tracks)) {
    const at = Number(other.dataset.position);
    if (at > gone) other.dataset.position = String(at - 1);
  }
  refresh(tracks);
  announce(`Removed “${title}” from the playlist.`);
  (next?.querySelector(".track-remove") || document.querySelector("main h1"))?.focus();
}

// --- the buttons (forms without this module) ----------------------------------------------

document.addEventListener("submit", (event) => {
  const form = event.target.closest(".track-form");
  const row = form?.closest("tr.song-row");
  if (!row || !table()?.contains(row)) return;
  event.preventDefault();
  const button = event.submitter;
  if (button?.classList.contains("track-remove")) remove(row);
  else if (button?.value === "up") step(row, "up", "move-up");
  else if (button?.value === "down") step(row, "down", "move-down");
});

// --- the ⋯ menu: the same edits where the buttons do not fit (phones) ----------------------

document.addEventListener("song-menu:open", (event) => {
  const { element, entries } = event.detail;
  const tracks = table();
  if (!tracks?.contains(element) || !element.dataset.itemId) return;
  const list = rows(tracks);
  const index = list.indexOf(element);
  if (index > 0) entries.push({ label: "Move up", action: () => step(element, "up") });
  if (index < list.length - 1) {
    entries.push({ label: "Move down", action: () => step(element, "down") });
  }
  entries.push({ label: "Remove from this playlist", action: () => remove(element) });
});

// --- drag and drop -----------------------------------------------------------------------

let dragged = null;

function clearDropMarks() {
  for (const row of document.querySelectorAll(".drop-before, .drop-after")) {
    row.classList.remove("drop-before", "drop-after");
  }
}

function dropSpot(event) {
  const row = event.target.closest?.("tr.song-row");
  if (!dragged || !row || row === dragged || row.closest("table") !== dragged.closest("table")) {
    return null;
  }
  const box = row.getBoundingClientRect();
  return { row, after: event.clientY > box.top + box.height / 2 };
}

document.addEventListener("dragstart", (event) => {
  const row = event.target.closest?.("tr.song-row[draggable=true]");
  if (!row || !table()?.contains(row)) return;
  dragged = row;
  row.classList.add("is-dragging");
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", row.dataset.title || "");
});

document.addEventListener("dragover", (event) => {
  const spot = dropSpot(event);
  if (!spot) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  clearDropMarks();
  spot.row.classList.add(spot.after ? "drop-after" : "drop-before");
});

document.addEventListener("drop", (event) => {
  const spot = dropSpot(event);
  if (!spot) return;
  event.preventDefault();
  const row = dragged;
  clearDropMarks();
  move(row, positionBeside(row, spot.row, spot.after));
});

document.addEventListener("dragend", () => {
  dragged?.classList.remove("is-dragging");
  dragged = null;
  clearDropMarks();
});
