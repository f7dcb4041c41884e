// "Add to playlist…" in a song's ⋯ menu: the listener's playlists, every page of them, and
// "New playlist…", which asks for a name, creates it and adds the song.

import { api } from "../api.js";
import { fillSongMenu } from "../menu.js";
import { askPlaylistName } from "../playlist-dialog.js";
import { toast } from "./view.js";

/** Fill the open menu with the playlists of `playlistsUrl` to add `track` to; keep it open. */
export async function showPlaylists(track, playlistsUrl) {
  fillSongMenu([{ heading: "Loading your playlists…" }]);
  const playlists = [];
  try {
    // Every page of them: a listener may have more playlists than one page holds.
    let url = `${playlistsUrl}?mine=1`;
    while (url) {
      const answer = await api("GET", url);
      playlists.push(...(answer.results || answer));
      url = answer.next || "";
    }
  } catch {
    fillSongMenu([{ heading: "Could not load your playlists." }]);
    return true;
  }
  const number = playlists.length + 1;
  fillSongMenu([
    { heading: `Add “${track.title}” to` },
    {
      label: "New playlist…",
      // Once the menu has closed and given focus back to its button, which the dialog returns to.
      action: () => {
        setTimeout(() => newPlaylistWith(track, playlistsUrl, number));
      },
    },
    ...playlists.map((playlist) => ({
      label: playlist.name,
      action: () => addToPlaylist(track, playlistsUrl, playlist),
    })),
  ]);
  return true;
}

async function addToPlaylist(track, playlistsUrl, playlist) {
  try {
    await api("POST", `${playlistsUrl}${playlist.id}/tracks/`, { song: track.id });
    toast(`Added “${track.title}” to ${playlist.name}.`);
  } catch {
    toast(`Could not add it to ${playlist.name}.`);
  }
}

async function newPlaylistWith(track, playlistsUrl, number) {
  const name = await askPlaylistName(`My playlist #${number}`);
  if (!name) return;
  let playlist;
  try {
    playlist = await api("POST", playlistsUrl, { name });
  } catch {
    toast("Could not create the playlist. Are you still signed in?");
    return;
  }
  await addToPlaylist(track, playlistsUrl, playlist);
}
