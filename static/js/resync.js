// The admin's "Re-sync the store" page: poll the background re-sync's status while it runs and
// show its counts, then the reasons of any failures.

const COUNTS = ["listed", "added", "updated", "removed", "unchanged", "skipped", "failed"];
const section = document.getElementById("resync-progress");
const state = document.getElementById("resync-state");
const start = document.getElementById("resync-start");

function show(status) {
  const report = status.report;
  if (report) {
    for (const name of COUNTS) {
      document.getElementById(`resync-${name}`).textContent = report[name];
    }
    const error = document.getElementById("resync-error");
    error.textContent = report.error;
    error.hidden = !report.error;
    const reasons = document.getElementById("resync-reasons");
    reasons.replaceChildren(
      ...[...report.failures, ...report.skips].map(({ key, reason }) => {
        const item = document.createElement("li");
        item.textContent = `${key}: ${reason}`;
        return item;
      }),
    );
  }
  state.textContent = stateText(status);
  start.disabled = status.scanning;
}

const WHEN = new Intl.DateTimeFormat(undefined, {
  day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
});

function stateText({ scanning, report }) {
  if (scanning) return "Re-syncing…";
  if (!report) return "No re-sync has run yet.";
  // A run whose process ended before it did has no end (the error note says so).
  if (!report.finished_at) return "The last re-sync stopped before it finished.";
  return `Last re-sync ended ${WHEN.format(new Date(report.finished_at))}.`;
}

async function poll() {
  try {
    const response = await fetch(section.dataset.statusUrl, { credentials: "same-origin" });
    if (response.ok) {
      const status = await response.json();
      show(status);
      if (!status.scanning) return;
    }
  } catch {
    // The server is restarting or the network blinked: try again in a moment.
  }
  setTimeout(poll, 1000);
}

poll();
