// What the player remembers. The queue, position, shuffle and repeat survive a full reload
// (sign-in, a hard refresh) for this tab (sessionStorage); the volume and the streaming quality
// are kept for every visit (localStorage). Storage may be full or disabled (a browser blocking
// site data throws on the mere access): then nothing is remembered, nothing breaks. No other
// module touches storage.

const SESSION_KEY = "tidal-player";
const VOLUME_KEY = "tidal-volume";
const QUALITY_KEY = "tidal-quality";

/**
 * Save `session`: {queue, index, time, shuffle, repeat, volume, muted}, as the player of
 * `listener` (the signed-in user's id, "" when signed out).
 */
export function saveSession(session, listener) {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ ...session, listener }));
  } catch {
    // Storage full or disabled: the queue just does not survive a reload.
  }
}

/**
 * Return the session saved by saveSession in this tab for `listener`, or null. Another
 * listener's (the tab signed out, or in as someone else) is forgotten: a shared computer
 * must not hand one person's queue and likes to the next.
 */
export function savedSession(listener) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    if (saved?.listener === listener) return saved;
    sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // Unreadable or disabled: start afresh.
  }
  return null;
}

export function saveVolume(volume) {
  try {
    localStorage.setItem(VOLUME_KEY, String(volume));
  } catch {
    // Not remembered: the next visit starts at full volume.
  }
}

/** Return the volume (0 to 1) saved by saveVolume, or null. */
export function savedVolume() {
  let stored = null;
  try {
    stored = localStorage.getItem(VOLUME_KEY);
  } catch {
    return null;
  }
  const volume = Number(stored);
  return stored !== null && Number.isFinite(volume) ? volume : null;
}

export function saveQuality(quality) {
  try {
    localStorage.setItem(QUALITY_KEY, quality);
  } catch {
    // Not remembered: the next visit streams the original files.
  }
}

/** Return the streaming quality saved by saveQuality, or null. */
export function savedQuality() {
  try {
    return localStorage.getItem(QUALITY_KEY);
  } catch {
    return null;
  }
}
