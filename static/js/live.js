// Keep the song list live: the server pushes song.added / song.updated / song.removed over
// /ws/songs/, each carrying the row rendered by the same template partial as the page.

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

function apply(message) {
  const song = message.song || {};
  const existing = document.getElementById(`song-${song.id}`);
  const rows = songRows();
  const empty = document.getElementById("empty-songs");
  if (message.type === "song.removed") {
    existing?.remove();
  } else if (message.html) {
    const row = rowFromHtml(message.html);
    // Other pages lay rows out their own way: only the live list takes the pushed partial.
    if (existing && rows?.contains(existing)) {
      existing.replaceWith(row);
    } else if (rows && !existing && message.type === "song.added") {
      // An update to a song this page does not list (an older one) is not news.
      row.classList.add("song-row-new");
      rows.prepend(row);
    }
  }
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
