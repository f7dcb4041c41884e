// Keep the song list live: the server pushes song.added / song.updated / song.removed over
// /ws/songs/, each carrying the row rendered by the same template partial as the page.

const rows = document.getElementById("song-rows");
const status = document.getElementById("live-status");
const empty = document.getElementById("empty-songs");

function rowFromHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

function apply(message) {
  const song = message.song || {};
  const existing = document.getElementById(`song-${song.id}`);
  if (message.type === "song.removed") {
    existing?.remove();
  } else if (message.html) {
    const row = rowFromHtml(message.html);
    if (existing) {
      existing.replaceWith(row);
    } else {
      row.classList.add("song-row-new");
      rows.prepend(row);
    }
  }
  if (empty) empty.hidden = rows.children.length > 0;
}

function connect(delay = 500) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/songs/`);
  socket.addEventListener("open", () => {
    status.textContent = "live";
    status.dataset.state = "live";
    delay = 500;
  });
  socket.addEventListener("message", (event) => apply(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    status.textContent = "reconnecting…";
    status.dataset.state = "offline";
    setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
  });
}

if (rows) connect();
