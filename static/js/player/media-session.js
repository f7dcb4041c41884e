// The Media Session API: the track on the lock screen and in the system's media controls, and
// the media keys and headset buttons that press play, pause, next, previous and seek.

const supported = "mediaSession" in navigator;

/** Answer the system's media actions with `handlers`: {play, pause, nexttrack, seekto, ...}. */
export function startMediaSession(handlers) {
  if (!supported) return;
  for (const [action, handler] of Object.entries(handlers)) {
    try {
      navigator.mediaSession.setActionHandler(action, handler);
    } catch {
      // This browser does not know the action.
    }
  }
}

export function showTrackInMediaSession(track) {
  if (!supported) return;
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

export function showPlaybackState(playing) {
  if (supported) navigator.mediaSession.playbackState = playing ? "playing" : "paused";
}

/** Tell the system where `audio` is, for its seek bar; only once the duration is known. */
export function showPosition(audio) {
  if (!supported || !Number.isFinite(audio.duration)) return;
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
