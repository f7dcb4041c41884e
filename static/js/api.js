// Calls from the page to the site's own REST API: the session cookie, Django's CSRF token (from
// the <meta name="csrf-token"> in base.html) and JSON both ways. One copy for every module.

/** Return the CSRF token Django put in the page, for any request that changes something. */
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

/**
 * Return what to tell the listener about a refused request, from its JSON answer: DRF's
 * `detail`, the ingest API's `error.message`, or the field errors of a rejected form.
 */
export function errorMessage(answer, status) {
  if (answer && typeof answer === "object") {
    const detail = answer.detail || answer.error?.message;
    if (detail) return String(detail);
    const fields = Object.values(answer)
      .flat()
      .filter((value) => typeof value === "string");
    if (fields.length) return fields.join(" ");
  }
  return `the server answered ${status}`;
}

/**
 * Send `payload` (if any) as JSON to `url` and resolve to the JSON answer, or null for 204.
 * Any answer outside 2xx rejects with an Error whose message says why (errorMessage) and whose
 * `status` is the answer's; a network failure rejects with fetch's TypeError (no status).
 */
export async function api(method, url, payload) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    throw Object.assign(new Error(errorMessage(answer, response.status)), {
      status: response.status,
    });
  }
  return response.status === 204 ? null : response.json();
}
