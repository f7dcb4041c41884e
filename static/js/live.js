// Keep the song list live: the server pushes song.added / song.updated / song.removed over
// /ws/songs/, each carrying the row rendered by the same template partial as the page, and
// songs.added / songs.updated / songs.removed for several songs committed together.

// Pages change under this module without a reload (nav.js), so it looks its elements up each
// time and keeps one socket for the whole visit.
const songRows = () => document.getElementById("song-rows");
let shownState = { text: "connecting…", state: "" };

function showStatus(text, state) {
  shownState = { text, state };
  const status = document.getElementById("live-status");
  if (!status) return;
  status.textContent = text;
  status.dataset.state = state;
}

function rowFromHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

// Put one pushed row in place; return it when it is new to the live list (to be inserted).
function placeRow(type, id, html) {
  const existing = document.getElementById(`song-${id}`);
  const rows = songRows();
  const row = rowFromHtml(html);
  // Other pages lay rows out their own way: only the live list takes the pushed partial.
  if (existing && rows?.contains(existing)) {
    // A frame is the same for every page: what is this listener's own (their like, the song
    // playing now) stays as the row had it.
    row.dataset.liked = existing.dataset.liked;
    row.classList.toggle("is-current", existing.classList.contains("is-current"));
    existing.replaceWith(row);
  } else if (rows && !existing && type === "added") {
    // An update to a song this page does not list (an older one) is not news.
    row.classList.add("song-row-new");
    return row;
  }
  return null;
}

// A frame brings one song (song.added, song.updated, song.removed) or several songs of one
// transaction (songs.added, songs.updated, songs.removed): songs[i] with its row html[i],
// newest first for songs.added, so they go on top in the order they came.
function apply(message) {
  const [kind, change] = message.type.split(".");
  const songs = kind === "songs" ? message.songs || [] : [message.song || {}];
  const html = kind === "songs" ? message.html || [] : [message.html];
  const rows = songRows();
  const added = document.createDocumentFragment();
  songs.forEach((song, index) => {
    if (change === "removed") {
      document.getElementById(`song-${song.id}`)?.remove();
    } else if (html[index]) {
      const row = placeRow(change, song.id, html[index]);
      if (row) added.append(row);
    }
  });
  if (rows && added.childElementCount) {
    rows.prepend(added);
    // The list shows the newest songs, as many as the page does on load: a page left open
    // through an import of thousands keeps that many rows, not every song that came.
    const limit = Number(rows.dataset.limit);
    while (limit && rows.children.length > limit) rows.lastElementChild.remove();
  }
  const empty = document.getElementById("empty-songs");
  if (empty && rows) empty.hidden = rows.children.length > 0;
}

function connect(delay = 500) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/songs/`);
  socket.addEventListener("open", () => {
    showStatus("live", "live");
    delay = 500;
  });
  socket.addEventListener("message", (event) => apply(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    showStatus("reconnecting…", "offline");
    setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
  });
}

if (songRows()) connect();
document.addEventListener("page:swapped", () => showStatus(shownState.text, shownState.state));
