// The play queue: the tracks in play order, which one is playing, shuffle and repeat. Plain data
// and the changes to it, no page and no <audio>: player.js plays what this holds, view.js shows it.

export const REPEAT_MODES = ["off", "all", "one"];

export const queue = {
  tracks: [], // in play order; the same song may be in it twice, each with its own key
  index: -1,
  shuffle: false,
  repeat: "off",
  nextKey: 1,
};

/** Return the track a song row or card (its data attributes) stands for, with a fresh key. */
export function trackFrom(element) {
  const data = element.dataset;
  return {
    key: queue.nextKey++,
    id: Number(data.songId),
    title: data.title || "",
    artist: data.artist || "",
    album: data.album || "",
    cover: data.coverUrl || "",
    src: data.streamUrl,
    duration: Number(data.duration) || 0,
    albumUrl: data.albumUrl || "",
    liked: data.liked === "true",
    rating: Number(data.rating) || 0, // 0: not rated
  };
}

export const current = () => queue.tracks[queue.index] || null;

export const upcoming = () => queue.tracks.slice(queue.index + 1);

export const indexOfKey = (key) => queue.tracks.findIndex((track) => track.key === key);

function shuffled(list) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Make `tracks` the queue and return the index to play: `start`, or 0 when shuffled after it. */
export function replaceTracks(tracks, start) {
  if (!queue.shuffle) {
    queue.tracks = tracks;
    return start;
  }
  const rest = tracks.filter((_, i) => i !== start);
  queue.tracks = [tracks[start], ...shuffled(rest)];
  return 0;
}

/** Return the index to play after the current track, or -1 at the end with repeat off. */
export function nextIndex() {
  if (queue.index < queue.tracks.length - 1) return queue.index + 1;
  if (queue.repeat !== "all" || !queue.tracks.length) return -1;
  if (queue.shuffle) queue.tracks = shuffled(queue.tracks);
  return 0;
}

export function setShuffle(on) {
  queue.shuffle = on;
  const played = queue.tracks.slice(0, queue.index + 1);
  const rest = upcoming();
  // Off: back to the order the songs were added in.
  queue.tracks = [...played, ...(on ? shuffled(rest) : rest.sort((a, b) => a.key - b.key))];
}

export function insertNext(track) {
  queue.tracks.splice(queue.index + 1, 0, track);
}

export function append(track) {
  queue.tracks.push(track);
}

export function removeKey(key) {
  const at = indexOfKey(key);
  if (at < 0) return;
  queue.tracks.splice(at, 1);
  if (at < queue.index) queue.index -= 1;
}

export function clearUpcoming() {
  queue.tracks = queue.tracks.slice(0, queue.index + 1);
}

/** Give every queued track of song `songId` these fields ({liked}, {rating}) as saved. */
export function markTracks(songId, fields) {
  for (const track of queue.tracks) if (track.id === songId) Object.assign(track, fields);
}

/** Take back a queue saved before a full reload; new keys continue after the saved ones. */
export function restoreTracks(tracks) {
  queue.tracks = tracks;
  queue.nextKey = Math.max(...tracks.map((track) => track.key || 0)) + 1;
}
