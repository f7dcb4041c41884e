// The curators' upload page: drop several files, watch each one's progress bar, then its ingest
// outcome pushed live over /ws/ingest/. On S3 the server answers a presigned PUT and the browser
// sends the bytes straight to the bucket; on local storage the file goes to the server itself.
// XMLHttpRequest, not fetch: only it reports an upload's progress.
// An outcome sent while the socket was down is lost to it, so on every (re)connect the page asks
// the jobs API how the uploads it still waits for ended.

import { api, csrfToken, errorMessage } from "./api.js";

const MAX_KEYS = 100; // keys the jobs API takes in one request (ingest/api/filters.py)

const outcomes = new Map(); // store key -> ingest.finished job, in case it beats the upload's answer
const waiting = new Map(); // store key -> function showing the outcome on its list item
let socket = null;
let polling = null;
const POLL_MS = 5000; // how often uploads ask the jobs API while no socket is open

function send(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => resolve(request));
    request.addEventListener("error", () => reject(new Error("the connection failed")));
    request.send(body);
  });
}

function errorText(request) {
  let answer = null;
  try {
    answer = JSON.parse(request.responseText);
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return errorMessage(answer, request.status);
}

function listItem(file) {
  const li = document.createElement("li");
  li.className = "upload-item";
  const name = document.createElement("span");
  name.className = "upload-name";
  name.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute("aria-label", `Upload progress of ${file.name}`);
  const status = document.createElement("span");
  status.className = "upload-status";
  status.setAttribute("role", "status");
  status.textContent = "Waiting…";
  li.append(name, bar, status);
  return {
    li,
    progress: (fraction) => {
      bar.value = fraction;
      status.textContent = `Uploading ${Math.round(fraction * 100)}%`;
    },
    show: (text, state) => {
      status.textContent = text;
      li.dataset.state = state;
      if (state !== "uploading") bar.value = 1;
    },
  };
}

function showOutcome(key, job) {
  const show = waiting.get(key);
  if (!show) return;
  if (job.status === "done") show("Added to the catalogue", "done");
  else if (job.status === "skipped") show(`Skipped: ${job.reason || "nothing new in it"}`, "skipped");
  else if (job.status === "failed") show(`Failed: ${job.reason || "unknown reason"}`, "failed");
  else return;
  waiting.delete(key);
}

async function upload(file, section) {
  const entry = listItem(file);
  document.getElementById("upload-list").append(entry.li);
  const url = section.dataset.uploadsUrl;
  const headers = { "X-CSRFToken": csrfToken(), Accept: "application/json" };
  const limit = Number(section.dataset.maxBytes);
  if (limit && file.size > limit) {
    // The server would refuse it too (413), but only once the browser began to send it.
    entry.show(`Failed: the file is over the upload limit of ${section.dataset.maxSize}`, "failed");
    return;
  }
  entry.show("Uploading…", "uploading");
  try {
    let key;
    let jobs = [];
    if (section.dataset.direct === "true") {
      const presign = await send(
        "POST",
        url,
        JSON.stringify({ filename: file.name, content_type: file.type }),
        { ...headers, "Content-Type": "application/json" },
        () => {},
      );
      if (presign.status !== 201) throw new Error(errorText(presign));
      const answer = JSON.parse(presign.responseText);
      const put = await send(answer.method || "PUT", answer.upload_url, file, answer.headers || {}, entry.progress);
      if (put.status >= 300) throw new Error(`the store refused the file (${put.status})`);
      key = answer.key;
    } else {
      const form = new FormData();
      form.append("file", file);
      const stored = await send("POST", url, form, headers, entry.progress);
      if (stored.status !== 201) throw new Error(errorText(stored));
      const answer = JSON.parse(stored.responseText);
      key = answer.key;
      jobs = answer.jobs || [];
    }
    entry.show(section.dataset.live === "true" ? "Uploaded, reading its tags…" : "Uploaded; it appears in the song list once read", "ingesting");
    // A job's reason names the file as stored (a prefix keeps uploads apart): say the chosen name.
    const stored = key.split("/").pop();
    waiting.set(key, (text, state) => entry.show(text.replaceAll(stored, file.name), state));
    pollWhileDisconnected();
    const finished = outcomes.get(key) || jobs.find((job) => ["done", "skipped", "failed"].includes(job.status));
    if (finished) showOutcome(key, finished);
  } catch (error) {
    entry.show(`Failed: ${error.message}`, "failed");
  }
}

/** Ask the jobs API for the current state of every upload still waiting for its outcome. */
async function catchUp() {
  const url = document.getElementById("upload")?.dataset.jobsUrl;
  const keys = [...waiting.keys()];
  for (let start = 0; url && start < keys.length; start += MAX_KEYS) {
    const query = new URLSearchParams(keys.slice(start, start + MAX_KEYS).map((key) => ["key", key]));
    let next = `${url}?${query}`;
    try {
      while (next) {
        const page = await api("GET", next);
        // Newest job first: an object's latest finished job is the outcome shown.
        for (const job of page.results) showOutcome(job.key, job);
        next = page.next;
      }
    } catch {
      return; // the server is still coming back: the next reconnect asks again
    }
  }
}

/** Ask every few seconds while uploads wait and no socket is open: a proxy that refuses
 * websockets (or a socket that never comes back) must not leave them waiting forever. */
function pollWhileDisconnected() {
  if (polling) return;
  polling = setInterval(() => {
    if (!waiting.size || !document.getElementById("upload")) {
      clearInterval(polling);
      polling = null;
    } else if (!socket || socket.readyState !== WebSocket.OPEN) {
      catchUp();
    }
  }, POLL_MS);
}

/** Say whether outcomes arrive live: while the socket is down they come from the jobs API. */
function showLive(text, state) {
  const status = document.getElementById("upload-live-status");
  if (!status) return;
  status.textContent = text;
  status.dataset.state = state;
}

function listen() {
  if (socket) {
    // Back on the page (nav.js swapped it in) with the socket of an earlier visit still open.
    if (socket.readyState === WebSocket.OPEN) showLive("outcomes live", "live");
    return;
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/ingest/`);
  // From here on the socket hears every outcome; those that ended before are in the jobs API.
  socket.addEventListener("open", () => {
    showLive("outcomes live", "live");
    catchUp();
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type !== "ingest.finished") return;
    outcomes.set(message.job.key, message.job);
    showOutcome(message.job.key, message.job);
  });
  socket.addEventListener("close", () => {
    socket = null;
    showLive("reconnecting…", "offline");
    if (document.getElementById("upload")) setTimeout(listen, 2000);
  });
}

function bind() {
  const section = document.getElementById("upload");
  const zone = document.getElementById("dropzone");
  if (!section || !zone || zone.dataset.bound) return;
  zone.dataset.bound = "true";
  if (section.dataset.live === "true") listen();
  const input = document.getElementById("upload-input");
  const take = (files) => {
    for (const file of files) upload(file, section);
  };
  input.addEventListener("change", () => {
    take(input.files);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("is-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("is-over");
    take(event.dataTransfer.files);
  });
}

// A file dropped beside the zone would make the browser leave the page to open it.
for (const type of ["dragover", "drop"]) {
  window.addEventListener(type, (event) => {
    if (document.getElementById("dropzone") && !event.target.closest?.("#dropzone")) {
      event.preventDefault();
    }
  });
}

bind();
document.addEventListener("page:swapped", bind);
