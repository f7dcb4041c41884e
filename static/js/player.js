// The player bar: one <audio> element outside <main>, so it keeps playing while nav.js swaps
// pages. A queue of tracks read from song rows' data attributes; shuffle, repeat, keyboard
// shortcuts, the Media Session API, likes, and one recorded play per listen.

import { fillSongMenu, openSongMenu } from "./menu.js";
import { navigate, startNavigation } from "./nav.js";
import { askPlaylistName } from "./playlist-dialog.js";
import { streamSource } from "./quality.js";

const $ = (id) => document.getElementById(id);
const audio = $("audio");
const ui = {
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
  queueNow: $("queue-now"),
  queueNext: $("queue-next"),
  queueEmpty: $("queue-empty"),
  toast: $("toast"),
};
const body = document.body.dataset;
const SEEK_STEP = 5;
const RESTART_AFTER = 3;
const PLAY_AFTER_SECONDS = 30;
const STORE_KEY = "tidal-player";
const REPEAT_MODES = ["off", "all", "one"];

const state = {
  queue: [], // tracks in play order; the same song may be in it twice, each with its own key
  index: -1,
  shuffle: false,
  repeat: "off",
  nextKey: 1,
  listened: 0, // seconds actually heard of the current track, seeking excluded
  lastTime: 0,
  playRecorded: false,
  dragging: false,
};

export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const whole = Math.floor(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

function trackFrom(element) {
  const data = element.dataset;
  return {
    key: state.nextKey++,
    id: Number(data.songId),
    title: data.title || "",
    artist: data.artist || "",
    album: data.album || "",
    cover: data.coverUrl || "",
    src: data.streamUrl,
    duration: Number(data.duration) || 0,
    albumUrl: data.albumUrl || "",
    liked: data.liked === "true",
  };
}

const current = () => state.queue[state.index] || null;

function shuffled(list) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function toast(message) {
  ui.toast.textContent = message;
  ui.toast.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => ui.toast.classList.remove("shown"), 2500);
}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

function songUrl(template, id) {
  return template.replace("/0/", `/${id}/`);
}

async function api(method, url, payload) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

// --- playback ---------------------------------------------------------------------------

function play() {
  // play() rejects when a newer load interrupts it; that is not an error worth reporting.
  audio.play().catch(() => {});
}

function load(index, { autoplay = true, at = 0 } = {}) {
  const track = state.queue[index];
  if (!track) return;
  state.index = index;
  state.listened = 0;
  state.lastTime = at;
  state.playRecorded = false;
  audio.src = streamSource(track.src);
  if (at) audio.addEventListener("loadedmetadata", () => (audio.currentTime = at), { once: true });
  if (autoplay) play();
  showTrack(track);
  renderQueue();
  save();
}

function playList(tracks, start = 0) {
  if (!tracks.length) return;
  if (state.shuffle) {
    const rest = tracks.filter((_, i) => i !== start);
    state.queue = [tracks[start], ...shuffled(rest)];
    load(0);
  } else {
    state.queue = tracks;
    load(start);
  }
}

function toggle() {
  if (!current()) {
    const first = document.querySelector("#main [data-stream-url]");
    if (first) playFrom(first);
    return;
  }
  if (audio.paused) play();
  else audio.pause();
}

function next({ auto = false } = {}) {
  if (state.index < state.queue.length - 1) {
    load(state.index + 1);
  } else if (state.repeat === "all" && state.queue.length) {
    if (state.shuffle) state.queue = shuffled(state.queue);
    load(0);
  } else if (!auto) {
    toast("That was the last song in the queue.");
  }
}

function previous() {
  if (audio.currentTime > RESTART_AFTER || state.index <= 0) {
    audio.currentTime = 0;
  } else {
    load(state.index - 1);
  }
}

function seekTo(seconds) {
  if (!current()) return;
  const end = Number.isFinite(audio.duration) ? audio.duration : current().duration;
  audio.currentTime = Math.max(0, Math.min(seconds, Math.max(0, end - 0.1)));
  state.lastTime = audio.currentTime;
}

function setShuffle(on) {
  state.shuffle = on;
  const upcoming = state.queue.slice(state.index + 1);
  if (on) {
    state.queue = [...state.queue.slice(0, state.index + 1), ...shuffled(upcoming)];
  } else {
    // Back to the order the songs were added in.
    upcoming.sort((a, b) => a.key - b.key);
    state.queue = [...state.queue.slice(0, state.index + 1), ...upcoming];
  }
  ui.shuffle.setAttribute("aria-pressed", String(on));
  renderQueue();
  save();
}

function setRepeat(mode) {
  state.repeat = mode;
  ui.repeat.dataset.mode = mode;
  ui.repeat.setAttribute("aria-label", `Repeat: ${mode === "one" ? "this song" : mode}`);
  ui.repeat.setAttribute("aria-pressed", String(mode !== "off"));
  ui.repeat.querySelector("use").setAttribute("href", mode === "one" ? "#i-repeat-one" : "#i-repeat");
  save();
}

function playNext(track) {
  state.queue.splice(state.index + 1, 0, track);
  if (state.index < 0) load(0);
  renderQueue();
  save();
  toast(`“${track.title}” plays next.`);
}

function addToQueue(track) {
  state.queue.push(track);
  if (state.index < 0) load(0);
  renderQueue();
  save();
  toast(`Added “${track.title}” to the queue.`);
}

/** Play the song of `element` with the songs listed beside it as the queue. */
function playFrom(element) {
  const chosen = current();
  if (chosen && chosen.id === Number(element.dataset.songId) && audio.src) {
    toggle();
    return;
  }
  const list = element.closest("table, .cards") || element.parentElement;
  const elements = [...list.querySelectorAll("[data-stream-url]")];
  playList(elements.map(trackFrom), Math.max(0, elements.indexOf(element)));
}

// --- what the bar, the rows and the queue show ------------------------------------------

function showTrack(track) {
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
  ui.like.hidden = !body.likeUrl;
  showLiked(track.liked);
  markPlayingRows();
  updateMediaSession(track);
}

function showLiked(liked) {
  ui.like.setAttribute("aria-pressed", String(liked));
  ui.like.setAttribute("aria-label", liked ? "Remove from liked songs" : "Like this song");
}

function markPlayingRows() {
  const track = current();
  for (const row of document.querySelectorAll(".is-current")) row.classList.remove("is-current");
  if (!track) return;
  for (const row of document.querySelectorAll(`[data-song-id="${track.id}"]`)) {
    row.classList.add("is-current");
  }
  document.body.classList.toggle("is-playing", !audio.paused);
}

function showPlaying() {
  const playing = !audio.paused;
  ui.play.setAttribute("aria-label", playing ? "Pause" : "Play");
  ui.play.querySelector("use").setAttribute("href", playing ? "#i-pause" : "#i-play");
  document.body.classList.toggle("is-playing", playing);
  if ("mediaSession" in navigator) navigator.mediaSession.playbackState = playing ? "playing" : "paused";
}

function showTime() {
  const time = audio.currentTime;
  const duration = Number.isFinite(audio.duration) ? audio.duration : current()?.duration || 0;
  if (!state.dragging) ui.seek.value = String(time);
  ui.seek.max = String(duration);
  ui.elapsed.textContent = formatTime(time);
  ui.total.textContent = formatTime(duration);
  ui.seek.setAttribute("aria-valuetext", `${formatTime(time)} of ${formatTime(duration)}`);
  ui.seek.style.setProperty("--progress", duration ? `${(time / duration) * 100}%` : "0%");
}

function queueItem(track, position) {
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
  if (position !== state.index) {
    const jump = document.createElement("button");
    jump.type = "button";
    jump.className = "icon-button queue-play";
    jump.setAttribute("aria-label", `Play ${track.title} now`);
    jump.innerHTML = '<svg aria-hidden="true"><use href="#i-play"/></svg>';
    jump.addEventListener("click", () => load(state.queue.findIndex((t) => t.key === track.key)));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "icon-button queue-remove";
    remove.setAttribute("aria-label", `Remove ${track.title} from the queue`);
    remove.innerHTML = '<svg aria-hidden="true"><use href="#i-close"/></svg>';
    remove.addEventListener("click", () => {
      const at = state.queue.findIndex((t) => t.key === track.key);
      if (at < 0) return;
      state.queue.splice(at, 1);
      if (at < state.index) state.index -= 1;
      renderQueue();
      save();
    });
    li.append(jump, remove);
  }
  return li;
}

function renderQueue() {
  const track = current();
  ui.queueNow.replaceChildren(...(track ? [queueItem(track, state.index)] : []));
  const upcoming = state.queue.slice(state.index + 1);
  ui.queueNext.replaceChildren(
    ...upcoming.map((t, i) => queueItem(t, state.index + 1 + i)),
  );
  ui.queueEmpty.hidden = upcoming.length > 0;
}

function showQueue(open) {
  ui.queuePanel.hidden = !open;
  ui.queueButton.setAttribute("aria-expanded", String(open));
  ui.queueButton.setAttribute("aria-label", open ? "Hide the queue" : "Show the queue");
  if (open) ui.queuePanel.querySelector("h2").focus?.();
}

// --- listening: plays and likes ---------------------------------------------------------

function countListening() {
  const time = audio.currentTime;
  const delta = time - state.lastTime;
  state.lastTime = time;
  // Only real listening counts: small forward steps while playing, not seeks.
  if (!audio.paused && delta > 0 && delta < 2) state.listened += delta;
  const track = current();
  if (!track || state.playRecorded || !body.playsUrl) return;
  const duration = Number.isFinite(audio.duration) ? audio.duration : track.duration;
  const enough = Math.min(PLAY_AFTER_SECONDS, (duration || PLAY_AFTER_SECONDS * 2) / 2);
  if (state.listened >= enough) {
    state.playRecorded = true;
    api("POST", songUrl(body.playsUrl, track.id), {}).catch(() => {
      state.playRecorded = false;
    });
  }
}

async function setLiked(track, liked) {
  if (!body.likeUrl) return;
  try {
    await api(liked ? "POST" : "DELETE", songUrl(body.likeUrl, track.id));
  } catch {
    toast("Could not save that like. Are you still signed in?");
    return;
  }
  for (const t of state.queue) if (t.id === track.id) t.liked = liked;
  for (const row of document.querySelectorAll(`[data-song-id="${track.id}"]`)) {
    row.dataset.liked = String(liked);
  }
  if (current()?.id === track.id) showLiked(liked);
  toast(liked ? `Added “${track.title}” to your liked songs.` : `Removed “${track.title}” from your liked songs.`);
}

async function showPlaylists(track) {
  fillSongMenu([{ heading: "Loading your playlists…" }]);
  const playlists = [];
  try {
    // Every page of them: a listener may have more playlists than one page holds.
    let url = `${body.playlistsUrl}?mine=1`;
    while (url) {
      const answer = await api("GET", url);
      playlists.push(...(answer.results || answer));
      url = answer.next || "";
    }
  } catch {
    fillSongMenu([{ heading: "Could not load your playlists." }]);
    return true;
  }
  fillSongMenu([
    { heading: `Add “${track.title}” to` },
    // Once the menu has closed and given focus back to its button, which the dialog returns to.
    { label: "New playlist…", action: () => setTimeout(() => newPlaylistWith(track, playlists.length + 1)) },
    ...playlists.map((playlist) => ({
      label: playlist.name,
      action: () => addToPlaylist(track, playlist),
    })),
  ]);
  return true;
}

async function addToPlaylist(track, playlist) {
  try {
    await api("POST", `${body.playlistsUrl}${playlist.id}/tracks/`, { song: track.id });
    toast(`Added “${track.title}” to ${playlist.name}.`);
  } catch {
    toast(`Could not add it to ${playlist.name}.`);
  }
}

async function newPlaylistWith(track, number) {
  const name = await askPlaylistName(`My playlist #${number}`);
  if (!name) return;
  let playlist;
  try {
    playlist = await api("POST", body.playlistsUrl, { name });
  } catch {
    toast("Could not create the playlist. Are you still signed in?");
    return;
  }
  await addToPlaylist(track, playlist);
}

function menuFor(element, anchor) {
  const track = trackFrom(element);
  const entries = [
    { label: "Play next", action: () => playNext(track) },
    { label: "Add to queue", action: () => addToQueue(track) },
  ];
  if (body.likeUrl) {
    entries.push({
      label: track.liked ? "Remove from liked songs" : "Like",
      action: () => setLiked(track, !track.liked),
    });
  }
  if (body.playlistsUrl) {
    entries.push({ label: "Add to playlist…", action: () => showPlaylists(track) });
  }
  if (track.albumUrl && track.albumUrl !== location.pathname) {
    entries.push({ label: "Go to album", action: () => navigate(track.albumUrl) });
  }
  // A page's own module may add entries for this row (playlist.js: move and remove).
  document.dispatchEvent(new CustomEvent("song-menu:open", { detail: { element, entries } }));
  openSongMenu(anchor, entries);
}

// --- Media Session: lock screen, media keys ---------------------------------------------

function updateMediaSession(track) {
  if (!("mediaSession" in navigator)) return;
  const artwork = track.cover
    ? [{ src: new URL(track.cover, location.href).href, sizes: "512x512" }]
    : [];
  navigator.mediaSession.metadata = new MediaMetadata({
    title: track.title,
    artist: track.artist,
    album: track.album,
    artwork,
  });
}

function startMediaSession() {
  if (!("mediaSession" in navigator)) return;
  const handlers = {
    play: () => play(),
    pause: () => audio.pause(),
    stop: () => audio.pause(),
    previoustrack: () => previous(),
    nexttrack: () => next(),
    seekbackward: (details) => seekTo(audio.currentTime - (details.seekOffset || SEEK_STEP)),
    seekforward: (details) => seekTo(audio.currentTime + (details.seekOffset || SEEK_STEP)),
    seekto: (details) => seekTo(details.seekTime),
  };
  for (const [action, handler] of Object.entries(handlers)) {
    try {
      navigator.mediaSession.setActionHandler(action, handler);
    } catch {
      // This browser does not know the action.
    }
  }
}

function updatePositionState() {
  if (!("mediaSession" in navigator) || !Number.isFinite(audio.duration)) return;
  try {
    navigator.mediaSession.setPositionState({
      duration: audio.duration,
      playbackRate: audio.playbackRate,
      position: Math.min(audio.currentTime, audio.duration),
    });
  } catch {
    // Position out of range while a new track loads.
  }
}

// --- remembering the queue across full reloads (sign-in, a hard refresh) -----------------

function save() {
  try {
    sessionStorage.setItem(
      STORE_KEY,
      JSON.stringify({
        queue: state.queue,
        index: state.index,
        time: audio.currentTime || 0,
        shuffle: state.shuffle,
        repeat: state.repeat,
        volume: audio.volume,
        muted: audio.muted,
      }),
    );
  } catch {
    // Storage full or disabled: the queue just does not survive a reload.
  }
}

function restore() {
  let saved;
  try {
    saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
  } catch {
    saved = null;
  }
  if (!saved) return;
  audio.volume = Number.isFinite(saved.volume) ? saved.volume : 1;
  audio.muted = Boolean(saved.muted);
  state.shuffle = Boolean(saved.shuffle);
  ui.shuffle.setAttribute("aria-pressed", String(state.shuffle));
  setRepeat(REPEAT_MODES.includes(saved.repeat) ? saved.repeat : "off");
  if (Array.isArray(saved.queue) && saved.queue.length) {
    state.queue = saved.queue;
    state.nextKey = Math.max(...saved.queue.map((t) => t.key || 0)) + 1;
    load(Math.min(Math.max(saved.index, 0), saved.queue.length - 1), {
      autoplay: false,
      at: saved.time || 0,
    });
  }
}

// --- wiring ---------------------------------------------------------------------------

function typingIn(target) {
  return target.closest?.("input, textarea, select, [contenteditable=''], [contenteditable=true]");
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
  if (event.key === " " || event.code === "Space") {
    // Space on a focused button or link presses it, as everywhere else.
    if (event.target.closest("button, a, [role=menuitem]")) return;
    toggle();
  } else if (event.key === "ArrowLeft") {
    seekTo(audio.currentTime - SEEK_STEP);
  } else if (event.key === "ArrowRight") {
    seekTo(audio.currentTime + SEEK_STEP);
  } else if (event.key === "Escape" && !ui.queuePanel.hidden) {
    showQueue(false);
    ui.queueButton.focus();
  } else {
    return;
  }
  event.preventDefault();
}

function onClick(event) {
  const more = event.target.closest(".row-more");
  if (more) {
    const element = more.closest("[data-stream-url]");
    if (element) menuFor(element, more);
    return;
  }
  const playAll = event.target.closest(".play-all");
  if (playAll) {
    const first = document.querySelector(`${playAll.dataset.target} [data-stream-url]`);
    if (first) {
      state.index = -1; // start the list over even if its first song is playing
      const list = [...first.closest("table, .cards").querySelectorAll("[data-stream-url]")];
      playList(list.map(trackFrom), 0);
    }
    return;
  }
  if (event.target.closest("a, input, select, label, .actions")) return;
  const rowButton = event.target.closest(".row-play");
  const row = event.target.closest(".song-row");
  const element = (rowButton || row)?.closest("[data-stream-url]");
  if (element) playFrom(element);
}

function start() {
  startNavigation();
  startMediaSession();
  const storedVolume = Number(localStorage.getItem("tidal-volume"));
  if (localStorage.getItem("tidal-volume") !== null && Number.isFinite(storedVolume)) {
    audio.volume = storedVolume;
  }
  restore();
  ui.volume.value = String(audio.muted ? 0 : audio.volume);
  showMuted();
  renderQueue();

  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
  document.addEventListener("page:swapped", markPlayingRows);
  window.addEventListener("pagehide", save);

  ui.play.addEventListener("click", toggle);
  ui.next.addEventListener("click", () => next());
  ui.prev.addEventListener("click", previous);
  ui.shuffle.addEventListener("click", () => setShuffle(!state.shuffle));
  ui.repeat.addEventListener("click", () => {
    setRepeat(REPEAT_MODES[(REPEAT_MODES.indexOf(state.repeat) + 1) % REPEAT_MODES.length]);
  });
  ui.like.addEventListener("click", () => {
    const track = current();
    if (track) setLiked(track, !track.liked);
  });
  ui.queueButton.addEventListener("click", () => showQueue(ui.queuePanel.hidden));
  $("queue-close").addEventListener("click", () => {
    showQueue(false);
    ui.queueButton.focus();
  });
  $("queue-clear").addEventListener("click", () => {
    state.queue = state.queue.slice(0, state.index + 1);
    renderQueue();
    save();
  });

  ui.seek.addEventListener("pointerdown", () => (state.dragging = true));
  ui.seek.addEventListener("input", () => {
    ui.elapsed.textContent = formatTime(Number(ui.seek.value));
    if (!state.dragging) seekTo(Number(ui.seek.value));
  });
  ui.seek.addEventListener("change", () => {
    state.dragging = false;
    seekTo(Number(ui.seek.value));
  });
  ui.volume.addEventListener("input", () => {
    audio.volume = Number(ui.volume.value);
    audio.muted = audio.volume === 0;
  });
  ui.mute.addEventListener("click", () => {
    audio.muted = !audio.muted;
    if (!audio.muted && audio.volume === 0) audio.volume = 0.5;
  });

  audio.addEventListener("play", showPlaying);
  audio.addEventListener("pause", () => {
    showPlaying();
    save();
  });
  audio.addEventListener("timeupdate", () => {
    showTime();
    countListening();
  });
  audio.addEventListener("seeked", () => {
    state.lastTime = audio.currentTime;
    updatePositionState();
  });
  audio.addEventListener("loadedmetadata", () => {
    showTime();
    updatePositionState();
  });
  audio.addEventListener("volumechange", () => {
    showMuted();
    localStorage.setItem("tidal-volume", String(audio.volume));
  });
  audio.addEventListener("ended", () => {
    if (state.repeat === "one") {
      audio.currentTime = 0;
      play();
    } else {
      next({ auto: true });
    }
  });
  audio.addEventListener("error", () => {
    if (current()) toast(`Could not play “${current().title}”. Skipping it.`);
    if (state.index < state.queue.length - 1) next({ auto: true });
  });
}

function showMuted() {
  const muted = audio.muted || audio.volume === 0;
  ui.mute.setAttribute("aria-pressed", String(muted));
  ui.mute.setAttribute("aria-label", muted ? "Unmute" : "Mute");
  ui.mute.querySelector("use").setAttribute("href", muted ? "#i-muted" : "#i-volume");
  ui.volume.value = String(muted ? 0 : audio.volume);
}

start();
