// The player bar: one <audio> element outside <main>, so it keeps playing while nav.js swaps
// pages. This module plays the queue (player/queue.js) through that element and wires the page
// to it: clicks on song rows, the bar's buttons, keyboard shortcuts, the ⋯ menu, likes and one
// recorded play per listen. player/view.js draws, player/media-session.js talks to the system's
// media controls, player/persistence.js remembers the queue across reloads, player/playlists.js
// and player/ratings.js fill the menu for "Add to playlist…" and "Rate…".

import { api } from "./api.js";
import { openSongMenu } from "./menu.js";
import { navigate, startNavigation } from "./nav.js";
import {
  showPlaybackState,
  showPosition,
  showTrackInMediaSession,
  startMediaSession,
} from "./player/media-session.js";
import { savedSession, savedVolume, saveSession, saveVolume } from "./player/persistence.js";
import { showPlaylists } from "./player/playlists.js";
import { showRatings } from "./player/ratings.js";
import {
  REPEAT_MODES,
  append,
  clearUpcoming,
  current,
  indexOfKey,
  insertNext,
  markTracks,
  nextIndex,
  queue,
  removeKey,
  replaceTracks,
  restoreTracks,
  setShuffle,
  trackFrom,
} from "./player/queue.js";
import {
  formatTime,
  markPlayingRows,
  markRows,
  renderQueue,
  showLiked,
  showMuted,
  showPlaying,
  showQueue,
  showRepeat,
  showShuffle,
  showTime,
  showTrack,
  toast,
  ui,
} from "./player/view.js";
import { streamSource } from "./quality.js";

const audio = document.getElementById("audio");
const body = document.body.dataset;
const SEEK_STEP = 5;
const RESTART_AFTER = 3;
const PLAY_AFTER_SECONDS = 30;
const PLAY_RETRY_DELAYS = [5_000, 30_000]; // ms before each retry of a play the server missed

const listening = {
  seconds: 0, // actually heard of the current track, seeking excluded
  lastTime: 0,
  recorded: false,
};
let dragging = false; // the listener holds the seek bar's thumb

function songUrl(template, id) {
  return template.replace("/0/", `/${id}/`);
}

function save() {
  const session = {
    queue: queue.tracks,
    index: queue.index,
    time: audio.currentTime || 0,
    shuffle: queue.shuffle,
    repeat: queue.repeat,
    volume: audio.volume,
    muted: audio.muted,
  };
  saveSession(session, body.listener);
}

/** Show the queue as it now is and remember it. */
function queueChanged() {
  renderQueue();
  save();
}

// --- playback ---------------------------------------------------------------------------

function play() {
  // play() rejects when a newer load interrupts it; that is not an error worth reporting.
  audio.play().catch(() => {});
}

function load(index, { autoplay = true, at = 0 } = {}) {
  const track = queue.tracks[index];
  if (!track) return;
  queue.index = index;
  listening.seconds = 0;
  listening.lastTime = at;
  listening.recorded = false;
  audio.src = streamSource(track.src);
  if (at) audio.addEventListener("loadedmetadata", () => (audio.currentTime = at), { once: true });
  if (autoplay) play();
  showTrack(track, { canLike: Boolean(body.likeUrl) });
  markPlayingRows(!audio.paused);
  showTrackInMediaSession(track);
  queueChanged();
}

function playList(tracks, start = 0) {
  if (tracks.length) load(replaceTracks(tracks, start));
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
  const index = nextIndex();
  if (index >= 0) load(index);
  else if (!auto) toast("That was the last song in the queue.");
}

function previous() {
  if (audio.currentTime > RESTART_AFTER || queue.index <= 0) {
    audio.currentTime = 0;
  } else {
    load(queue.index - 1);
  }
}

function seekTo(seconds) {
  if (!current()) return;
  const end = Number.isFinite(audio.duration) ? audio.duration : current().duration;
  audio.currentTime = Math.max(0, Math.min(seconds, Math.max(0, end - 0.1)));
  listening.lastTime = audio.currentTime;
}

function toggleShuffle() {
  setShuffle(!queue.shuffle);
  showShuffle(queue.shuffle);
  queueChanged();
}

function setRepeat(mode) {
  queue.repeat = mode;
  showRepeat(mode);
  save();
}

function playNext(track) {
  insertNext(track);
  if (queue.index < 0) load(0);
  queueChanged();
  toast(`“${track.title}” plays next.`);
}

function addToQueue(track) {
  append(track);
  if (queue.index < 0) load(0);
  queueChanged();
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

function duration() {
  return Number.isFinite(audio.duration) ? audio.duration : current()?.duration || 0;
}

// --- listening: plays and likes ---------------------------------------------------------

function countListening() {
  const time = audio.currentTime;
  const delta = time - listening.lastTime;
  listening.lastTime = time;
  // Only real listening counts: small forward steps while playing, not seeks.
  if (!audio.paused && delta > 0 && delta < 2) listening.seconds += delta;
  const track = current();
  if (!track || listening.recorded || !body.playsUrl) return;
  const length = Number.isFinite(audio.duration) ? audio.duration : track.duration;
  const enough = Math.min(PLAY_AFTER_SECONDS, (length || PLAY_AFTER_SECONDS * 2) / 2);
  if (listening.seconds >= enough) {
    listening.recorded = true; // once per play, whatever the answer
    recordPlay(track);
  }
}

/** Record a play of `track`; retry a lost or failed request a bounded number of times. */
function recordPlay(track, attempt = 0) {
  api("POST", songUrl(body.playsUrl, track.id), {}).catch((error) => {
    // A refusal (signed out, the song gone) would be refused again: say so once, and stop.
    if (error.status >= 400 && error.status < 500) {
      if (error.status === 401 || error.status === 403) {
        toast("Could not record this play. Are you still signed in?");
      }
    } else if (attempt < PLAY_RETRY_DELAYS.length) {
      setTimeout(() => recordPlay(track, attempt + 1), PLAY_RETRY_DELAYS[attempt]);
    }
  });
}

async function setLiked(track, liked) {
  if (!body.likeUrl) return;
  try {
    await api(liked ? "POST" : "DELETE", songUrl(body.likeUrl, track.id));
  } catch {
    toast("Could not save that like. Are you still signed in?");
    return;
  }
  markTracks(track.id, { liked });
  markRows(track.id, { liked: String(liked) });
  if (current()?.id === track.id) showLiked(liked);
  toast(liked ? `Added “${track.title}” to your liked songs.` : `Removed “${track.title}” from your liked songs.`);
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
  if (body.ratingUrl) {
    entries.push({
      label: "Rate…",
      action: () => showRatings(track, songUrl(body.ratingUrl, track.id)),
    });
  }
  if (body.playlistsUrl) {
    entries.push({
      label: "Add to playlist…",
      action: () => showPlaylists(track, body.playlistsUrl),
    });
  }
  if (track.albumUrl && track.albumUrl !== location.pathname) {
    entries.push({ label: "Go to album", action: () => navigate(track.albumUrl) });
  }
  // A page's own module may add entries for this row (playlist.js: move and remove).
  document.dispatchEvent(new CustomEvent("song-menu:open", { detail: { element, entries } }));
  openSongMenu(anchor, entries);
}

// --- coming back after a full reload -----------------------------------------------------

function restore() {
  const saved = savedSession(body.listener);
  if (!saved) return;
  audio.volume = Number.isFinite(saved.volume) ? saved.volume : 1;
  audio.muted = Boolean(saved.muted);
  queue.shuffle = Boolean(saved.shuffle);
  showShuffle(queue.shuffle);
  setRepeat(REPEAT_MODES.includes(saved.repeat) ? saved.repeat : "off");
  if (Array.isArray(saved.queue) && saved.queue.length) {
    restoreTracks(saved.queue);
    load(Math.min(Math.max(saved.index, 0), saved.queue.length - 1), {
      autoplay: false,
      at: saved.time || 0,
    });
  }
}

// --- wiring ---------------------------------------------------------------------------

function typingIn(target) {
  // Nothing is typed into the seek bar: the page's keys work on it, in the page's steps.
  if (target === ui.seek) return false;
  return target.closest?.("input, textarea, select, [contenteditable=''], [contenteditable=true]");
}

function closeQueue() {
  showQueue(false);
  ui.queueButton.focus();
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
  if (event.key === " " || event.code === "Space") {
    // Space on a focused button or link presses it, as everywhere else.
    if (event.target.closest("button, a, [role=menuitem]")) return;
    toggle();
  } else if (event.key === "ArrowLeft" || (event.target === ui.seek && event.key === "ArrowDown")) {
    seekTo(audio.currentTime - SEEK_STEP);
  } else if (event.key === "ArrowRight" || (event.target === ui.seek && event.key === "ArrowUp")) {
    seekTo(audio.currentTime + SEEK_STEP);
  } else if (event.key === "Escape" && !ui.queuePanel.hidden) {
    closeQueue();
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
      queue.index = -1; // start the list over even if its first song is playing
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

function onQueueClick(event) {
  const button = event.target.closest("[data-queue-action]");
  const key = Number(button?.closest(".queue-item")?.dataset.key);
  if (!button || !key) return;
  if (button.dataset.queueAction === "play") {
    load(indexOfKey(key));
  } else {
    removeKey(key);
    queueChanged();
  }
}

function showVolume() {
  showMuted(audio.muted || audio.volume === 0, audio.volume);
}

function wireBar() {
  ui.play.addEventListener("click", toggle);
  ui.next.addEventListener("click", () => next());
  ui.prev.addEventListener("click", previous);
  ui.shuffle.addEventListener("click", toggleShuffle);
  ui.repeat.addEventListener("click", () => {
    setRepeat(REPEAT_MODES[(REPEAT_MODES.indexOf(queue.repeat) + 1) % REPEAT_MODES.length]);
  });
  ui.like.addEventListener("click", () => {
    const track = current();
    if (track) setLiked(track, !track.liked);
  });
  ui.queueButton.addEventListener("click", () => showQueue(ui.queuePanel.hidden));
  ui.queueClose.addEventListener("click", closeQueue);
  ui.queueClear.addEventListener("click", () => {
    clearUpcoming();
    queueChanged();
  });
  ui.queuePanel.addEventListener("click", onQueueClick);

  ui.seek.addEventListener("pointerdown", () => (dragging = true));
  ui.seek.addEventListener("input", () => {
    ui.elapsed.textContent = formatTime(Number(ui.seek.value));
    if (!dragging) seekTo(Number(ui.seek.value));
  });
  ui.seek.addEventListener("change", () => {
    dragging = false;
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
}

function wireAudio() {
  const playingChanged = () => {
    showPlaying(!audio.paused);
    showPlaybackState(!audio.paused);
  };
  audio.addEventListener("play", playingChanged);
  audio.addEventListener("pause", () => {
    playingChanged();
    save();
  });
  audio.addEventListener("timeupdate", () => {
    showTime(audio.currentTime, duration(), { dragging });
    countListening();
  });
  audio.addEventListener("seeked", () => {
    listening.lastTime = audio.currentTime;
    showPosition(audio);
  });
  audio.addEventListener("loadedmetadata", () => {
    showTime(audio.currentTime, duration(), { dragging });
    showPosition(audio);
  });
  audio.addEventListener("volumechange", () => {
    showVolume();
    saveVolume(audio.volume);
  });
  audio.addEventListener("ended", () => {
    if (queue.repeat === "one") {
      audio.currentTime = 0;
      play();
    } else {
      next({ auto: true });
    }
  });
  audio.addEventListener("error", () => {
    if (current()) toast(`Could not play “${current().title}”. Skipping it.`);
    if (queue.index < queue.tracks.length - 1) next({ auto: true });
  });
}

function start() {
  startNavigation();
  startMediaSession({
    play: () => play(),
    pause: () => audio.pause(),
    stop: () => audio.pause(),
    previoustrack: () => previous(),
    nexttrack: () => next(),
    seekbackward: (details) => seekTo(audio.currentTime - (details.seekOffset || SEEK_STEP)),
    seekforward: (details) => seekTo(audio.currentTime + (details.seekOffset || SEEK_STEP)),
    seekto: (details) => seekTo(details.seekTime),
  });
  const volume = savedVolume();
  if (volume !== null) audio.volume = volume;
  restore();
  showVolume();
  renderQueue();

  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
  document.addEventListener("page:swapped", () => markPlayingRows(!audio.paused));
  window.addEventListener("pagehide", save);
  wireBar();
  wireAudio();
}

start();
