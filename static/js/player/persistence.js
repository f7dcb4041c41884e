// What the player remembers. The queue, position, shuffle and repeat survive a full reload
// (sign-in, a hard refresh) for this tab (sessionStorage); the volume is kept for every visit
// (localStorage). Storage may be full or disabled: then nothing is remembered, nothing breaks.

const SESSION_KEY = "tidal-player";
const VOLUME_KEY = "tidal-volume";

/** Save `session`: {queue, index, time, shuffle, repeat, volume, muted}. */
export function saveSession(session) {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // Storage full or disabled: the queue just does not survive a reload.
  }
}

/** Return the session saved by saveSession in this tab, or null. */
export function savedSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
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
