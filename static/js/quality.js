// The site player's streaming quality, remembered in this browser: the original file, high
// (songs above 256 kbit/s transcoded) or data saver (above 64 kbit/s). Transcodes are Opus,
// or MP3 where the browser cannot play Opus; the server sends the original when it is already
// under the cap.

import { savedQuality, saveQuality } from "./player/persistence.js";

const CAPS = { original: 0, high: 256, saver: 64 };
const select = document.getElementById("player-quality");

function quality() {
  const stored = savedQuality();
  return Object.hasOwn(CAPS, stored) ? stored : "original";
}

// Return the URL to stream a song from at the chosen quality.
export function streamSource(url) {
  const cap = CAPS[quality()];
  if (!cap || !url) return url;
  const source = new URL(url, location.href);
  source.searchParams.set("max_bitrate", String(cap));
  if (!document.createElement("audio").canPlayType('audio/ogg; codecs="opus"')) {
    source.searchParams.set("format", "mp3");
  }
  return source.pathname + source.search;
}

if (select) {
  select.value = quality();
  // The next song plays at the new quality; the one playing goes on uninterrupted.
  select.addEventListener("change", () => saveQuality(select.value));
}
