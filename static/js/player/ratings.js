// "Rate…" in a song's ⋯ menu: one to five stars, or none, saved through the REST API and shown
// on every row, card and queued track of the song, as likes are.

import { api } from "../api.js";
import { fillSongMenu } from "../menu.js";
import { markTracks } from "./queue.js";
import { markRows, toast } from "./view.js";

const STARS = [1, 2, 3, 4, 5];

const counted = (stars) => (stars === 1 ? "1 star" : `${stars} stars`);

function choice(track, url, stars) {
  const yours = stars === track.rating;
  const glyphs = "★".repeat(stars) + "☆".repeat(5 - stars);
  return {
    label: `${glyphs} ${counted(stars)}${yours ? " · yours" : ""}`,
    // The glyphs read as "black star, white star…": the name says the number once.
    name: yours ? `${counted(stars)}, your rating` : counted(stars),
    action: () => rate(track, url, stars),
  };
}

/** Fill the open menu with the stars `track` may be given at `url`; keep it open. */
export function showRatings(track, url) {
  const entries = [
    { heading: `Rate “${track.title}”` },
    ...STARS.map((stars) => choice(track, url, stars)),
  ];
  if (track.rating) entries.push({ label: "Clear rating", action: () => rate(track, url, 0) });
  fillSongMenu(entries);
  return true;
}

/** Save `stars` (0: clear the rating) for `track` and show it wherever the song is. */
async function rate(track, url, stars) {
  try {
    await api(stars ? "PUT" : "DELETE", url, stars ? { stars } : undefined);
  } catch {
    toast("Could not save that rating. Are you still signed in?");
    return;
  }
  markTracks(track.id, { rating: stars });
  markRows(track.id, { rating: stars ? String(stars) : "" });
  toast(
    stars
      ? `Rated “${track.title}” ${counted(stars)}.`
      : `Cleared your rating of “${track.title}”.`,
  );
}
