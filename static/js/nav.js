// Page changes without reloads, so the player bar (outside <main>) keeps playing: same-origin
// links and GET forms fetch the next page, swap its <main> and the header's nav into this one,
// and push the URL; back and forward fetch again. Anything odd falls back to a full load.

const SKIP = /^\/(admin|api|static|media|covers|ws)\//;
const SEARCH_DELAY_MS = 250;
let inflight = null;
let shown = location.pathname + location.search;

function sameOriginUrl(href) {
  try {
    const url = new URL(href, location.href);
    return url.origin === location.origin ? url : null;
  } catch {
    return null;
  }
}

function swappableLink(link) {
  if (link.target && link.target !== "_self") return false;
  if (link.hasAttribute("download") || "reload" in link.dataset) return false;
  const url = sameOriginUrl(link.href);
  if (!url || SKIP.test(url.pathname)) return false;
  // An in-page anchor (the skip link) stays native.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) {
    return false;
  }
  return true;
}

function markCurrentLinks() {
  for (const link of document.querySelectorAll("#site-nav a")) {
    const url = sameOriginUrl(link.href);
    if (url && url.pathname === location.pathname) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function runPageScripts(doc) {
  // Module scripts run once per URL: a page met again hears "page:swapped" instead.
  for (const script of doc.querySelectorAll("script[type=module][src]")) {
    import(new URL(script.getAttribute("src"), location.href).href).catch(() => {});
  }
}

/**
 * Fetch `href` and show it in place of the current page. With `body` (FormData) it POSTs, as a
 * form with `data-swap` does: a redirect's page is shown under its own URL, any other answer
 * (a form with its errors) in place, the URL left as it was.
 */
export async function navigate(href, { mode = "push", focus = true, body = null } = {}) {
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  document.body.classList.add("is-navigating");
  let response;
  let html;
  try {
    response = await fetch(href, {
      method: body ? "POST" : "GET",
      body,
      signal: controller.signal,
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    html = await response.text();
  } catch (error) {
    if (error.name !== "AbortError") location.assign(href);
    return;
  } finally {
    if (inflight === controller) document.body.classList.remove("is-navigating");
  }
  if (inflight !== controller) return;
  inflight = null;
  const doc = new DOMParser().parseFromString(html, "text/html");
  const main = doc.getElementById("main");
  if (!(response.headers.get("content-type") || "").includes("text/html") || !main) {
    location.assign(response.url || href);
    return;
  }
  const target = new URL(response.url || href);
  target.hash = new URL(href, location.href).hash;
  if (body) {
    const here = target.pathname + target.search === location.pathname + location.search;
    mode = !response.redirected ? "none" : here ? "replace" : "push";
    if (!response.redirected) target.href = location.href;
  }
  if (mode === "push") {
    history.replaceState({ ...history.state, scroll: window.scrollY }, "");
    history.pushState({ scroll: 0 }, "", target.href);
  } else if (mode === "replace") {
    history.replaceState({ scroll: 0 }, "", target.href);
  }
  shown = target.pathname + target.search;
  document.getElementById("main").replaceWith(document.adoptNode(main));
  const nav = doc.getElementById("site-nav");
  const currentNav = document.getElementById("site-nav");
  if (nav && currentNav) currentNav.replaceWith(document.adoptNode(nav));
  document.title = doc.title;
  markCurrentLinks();
  window.scrollTo(0, mode === "none" ? history.state?.scroll || 0 : 0);
  if (focus) main.focus({ preventScroll: true });
  runPageScripts(doc);
  document.dispatchEvent(new CustomEvent("page:swapped", { detail: { url: target.href } }));
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || !swappableLink(link)) return;
  event.preventDefault();
  navigate(link.href);
}

function onSubmit(event) {
  const form = event.target;
  if (event.defaultPrevented) return;
  // The attributes, not the properties: an input named "action" shadows form.action, and a
  // button's formAction is the page's URL when it has no formaction of its own.
  const submitter = event.submitter;
  const action = submitter?.hasAttribute("formaction")
    ? submitter.getAttribute("formaction")
    : form.getAttribute("action") || location.href;
  const url = sameOriginUrl(action);
  if (!url || SKIP.test(url.pathname) || "reload" in form.dataset) return;
  if ((form.method || "get").toLowerCase() !== "get") {
    if (!("swap" in form.dataset)) return;
    event.preventDefault();
    navigate(url.href, { body: new FormData(form, event.submitter) });
    return;
  }
  event.preventDefault();
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string" && value !== "") params.append(name, value);
  }
  url.search = params.toString();
  const same = url.pathname === location.pathname;
  navigate(url.href, { mode: same && form.getAttribute("role") === "search" ? "replace" : "push" });
}

function onPopState() {
  if (location.pathname + location.search === shown) return; // only the #hash changed
  syncSearchBox();
  navigate(location.href, { mode: "none", focus: false });
}

function syncSearchBox() {
  const box = document.getElementById("search-input");
  if (box && document.activeElement !== box) {
    box.value = location.pathname === "/search/" ? new URLSearchParams(location.search).get("q") || "" : "";
  }
}

/** Show search results in the page as the listener types in the header's box. */
function startSearch() {
  const box = document.getElementById("search-input");
  if (!box) return;
  let timer = 0;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const query = box.value.trim();
      const url = new URL(box.form.action, location.href);
      if (query) url.searchParams.set("q", query);
      const onSearch = location.pathname === url.pathname;
      navigate(url.href, { mode: onSearch ? "replace" : "push", focus: false });
    }, SEARCH_DELAY_MS);
  });
}

/** Take over links, GET forms and the history; call once per full page load. */
export function startNavigation() {
  history.replaceState({ scroll: window.scrollY, ...history.state }, "");
  document.addEventListener("click", onClick);
  document.addEventListener("submit", onSubmit);
  window.addEventListener("popstate", onPopState);
  markCurrentLinks();
  startSearch();
}
