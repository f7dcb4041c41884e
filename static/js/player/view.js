// What the player shows: the bar (track, buttons, seek bar, volume), the playing rows on the
// page, the queue panel and the toast. It only draws what it is given; player.js decides.

import { current, queue, upcoming } from "./queue.js";

const $ = (id) => document.getElementById(id);

export const ui = {
  play: $("player-play"),
  prev: $("player-prev"),
  next: $("player-next"),
  shuffle: $("player-shuffle"),
  repeat: $("player-repeat"),
  seek: $("player-seek"),
  elapsed: $("player-elapsed"),
  total: $("player-total"),
  mute: $("player-mute"),
  volume: $("player-volume"),
  like: $("player-like"),
  title: $("player-title"),
  idle: $("player-idle"),
  artist: $("player-artist"),
  cover: $("player-cover"),
  coverBlank: $("player-cover-blank"),
  queueButton: $("player-queue"),
  queuePanel: $("queue-panel"),
  queueClose: $("queue-close"),
  queueClear: $("queue-clear"),
  queueNow: $("queue-now"),
  queueNext: $("queue-next"),
  queueEmpty: $("queue-empty"),
  toast: $("toast"),
};

export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const whole = Math.floor(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

export function toast(message) {
  ui.toast.textContent = message;
  ui.toast.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => ui.toast.classList.remove("shown"), 2500);
}

/** Show `track` in the bar; the like button only for a signed-in listener (`canLike`). */
export function showTrack(track, { canLike }) {
  ui.idle.hidden = true;
  ui.title.hidden = false;
  ui.title.textContent = track.title;
  if (track.albumUrl) ui.title.href = track.albumUrl;
  else ui.title.removeAttribute("href");
  ui.artist.textContent = track.artist;
  ui.cover.hidden = !track.cover;
  ui.coverBlank.hidden = Boolean(track.cover);
  if (track.cover) ui.cover.src = track.cover;
  ui.play.disabled = false;
  ui.seek.disabled = false;
  ui.total.textContent = formatTime(track.duration);
  ui.seek.max = String(track.duration || 0);
  ui.like.hidden = !canLike;
  showLiked(track.liked);
}

export function showLiked(liked) {
  ui.like.setAttribute("aria-pressed", String(liked));
  ui.like.setAttribute("aria-label", liked ? "Remove from liked songs" : "Like this song");
}

/** Mark every row and card of the current song on the page (it may be listed twice). */
export function markPlayingRows(playing) {
  const track = current();
  for (const row of document.querySelectorAll(".is-current")) row.classList.remove("is-current");
  if (!track) return;
  for (const row of document.querySelectorAll(`[data-song-id="${track.id}"]`)) {
    row.classList.add("is-current");
  }
  document.body.classList.toggle("is-playing", playing);
}

/** Set data- attributes ({liked: "true"}, {rating: "4"}) on every row and card of a song. */
export function markRows(songId, data) {
  for (const row of document.querySelectorAll(`[data-song-id="${songId}"]`)) {
    Object.assign(row.dataset, data);
  }
}

export function showPlaying(playing) {
  ui.play.setAttribute("aria-label", playing ? "Pause" : "Play");
  ui.play.querySelector("use").setAttribute("href", playing ? "#i-pause" : "#i-play");
  document.body.classList.toggle("is-playing", playing);
}

/** Show the position: the seek bar follows unless the listener is dragging it. */
export function showTime(time, duration, { dragging }) {
  if (!dragging) ui.seek.value = String(time);
  ui.seek.max = String(duration);
  ui.elapsed.textContent = formatTime(time);
  ui.total.textContent = formatTime(duration);
  ui.seek.setAttribute("aria-valuetext", `${formatTime(time)} of ${formatTime(duration)}`);
  ui.seek.style.setProperty("--progress", duration ? `${(time / duration) * 100}%` : "0%");
}

export function showShuffle(on) {
  ui.shuffle.setAttribute("aria-pressed", String(on));
}

export function showRepeat(mode) {
  ui.repeat.dataset.mode = mode;
  ui.repeat.setAttribute("aria-label", `Repeat: ${mode === "one" ? "this song" : mode}`);
  ui.repeat.setAttribute("aria-pressed", String(mode !== "off"));
  ui.repeat.querySelector("use").setAttribute("href", mode === "one" ? "#i-repeat-one" : "#i-repeat");
}

export function showMuted(muted, volume) {
  ui.mute.setAttribute("aria-pressed", String(muted));
  ui.mute.setAttribute("aria-label", muted ? "Unmute" : "Mute");
  ui.mute.querySelector("use").setAttribute("href", muted ? "#i-muted" : "#i-volume");
  ui.volume.value = String(muted ? 0 : volume);
}

function iconButton(action, className, label, icon) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `icon-button ${className}`;
  button.dataset.queueAction = action;
  button.setAttribute("aria-label", label);
  button.innerHTML = `<svg aria-hidden="true"><use href="#${icon}"/></svg>`;
  return button;
}

/**
 * One entry of the queue panel. Titles are user data: textContent only. Its buttons carry
 * `data-queue-action` ("play" or "remove") and the entry its track's key, for player.js.
 */
function queueItem(track, playing) {
  const li = document.createElement("li");
  li.className = "queue-item";
  li.dataset.key = String(track.key);
  const art = document.createElement(track.cover ? "img" : "span");
  art.className = "queue-cover";
  if (track.cover) {
    art.src = track.cover;
    art.alt = "";
  } else {
    art.textContent = "♪";
    art.setAttribute("aria-hidden", "true");
  }
  const text = document.createElement("span");
  text.className = "queue-text";
  const title = document.createElement("span");
  title.className = "queue-title";
  title.textContent = track.title;
  const artist = document.createElement("span");
  artist.className = "queue-artist";
  artist.textContent = track.artist;
  text.append(title, artist);
  li.append(art, text);
  if (!playing) {
    li.append(
      iconButton("play", "queue-play", `Play ${track.title} now`, "i-play"),
      iconButton("remove", "queue-remove", `Remove ${track.title} from the queue`, "i-close"),
    );
  }
  return li;
}

export function renderQueue() {
  const track = current();
  ui.queueNow.replaceChildren(...(track ? [queueItem(track, true)] : []));
  const next = upcoming();
  ui.queueNext.replaceChildren(...next.map((t) => queueItem(t, false)));
  ui.queueEmpty.hidden = next.length > 0;
}

export function showQueue(open) {
  ui.queuePanel.hidden = !open;
  ui.queueButton.setAttribute("aria-expanded", String(open));
  ui.queueButton.setAttribute("aria-label", open ? "Hide the queue" : "Show the queue");
  if (open) ui.queuePanel.querySelector("h2").focus?.();
}
