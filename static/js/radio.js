// The recommender's entries in a song's "⋯" menu: start a radio from it, or list songs like it.
import { navigate } from "./nav.js";

document.addEventListener("song-menu:open", (event) => {
  const { element, entries } = event.detail;
  const id = element?.dataset.songId;
  if (!id) return;
  entries.push(
    { label: "Start radio", action: () => navigate(`/radio/?song=${encodeURIComponent(id)}`) },
    { label: "Similar songs", action: () => navigate(`/songs/${encodeURIComponent(id)}/similar/`) },
  );
});
