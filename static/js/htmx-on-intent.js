// htmx fetched when the visitor first shows an intent to use the page (a pointer
// over it, a touch, a key, a focus), not while it loads: on a phone, evaluating
// htmx was the longest task of the load (Lighthouse's max-potential-FID) on the
// time picker, the search and the course list, and a visitor who only reads the
// page never needs it. core/_htmx.html with on_intent=True includes this file;
// data-htmx names htmx. Hand-written and without dependencies: it is what runs
// instead of a library at load, so it has to be small.
//
// Nothing done before htmx has arrived is lost; it waits for htmx and is then
// handed to it:
// - a click on an htmx link is repeated; should htmx fail to load, the link is
//   followed as a plain link (every htmx link on the site has the same href);
// - a submit of an htmx form is repeated through htmx; should htmx fail, the
//   form is submitted as a plain form (every htmx form has the same action);
// - a change in an htmx form is dispatched again for htmx to see; should htmx
//   fail, nothing happens, as on the page without JavaScript, where a change
//   sends nothing and the form's button submits it (a change is also the blur
//   of a text field: submitting then would surprise).
// A form waiting for htmx is handed over once, with a submit rather than a
// change if it had both: htmx sends the form's values as they are by then.
//
// htmx 2 sets itself up at once if it runs once the page has fully loaded,
// and on DOMContentLoaded otherwise, which has passed by the time an intent
// is seen: in between it would never process the page. So it is fetched no
// earlier than the window's load event.
(() => {
  const source = document.currentScript.dataset.htmx;
  const intents = ["pointerover", "pointerdown", "touchstart", "focusin", "keydown"];
  const htmxForm = "form[hx-get], form[hx-post]";
  const waiting = new Map(); // form -> the submit (with its submitter) or change
  let loading = null;

  function fetchHtmx(resolve) {
    const script = document.createElement("script");
    script.src = source;
    script.onload = () => resolve(Boolean(window.htmx));
    script.onerror = () => resolve(false);
    document.head.append(script);
  }

  function load() {
    if (!loading) {
      for (const name of intents) document.removeEventListener(name, load, true);
      loading = new Promise((resolve) => {
        if (document.readyState === "complete") fetchHtmx(resolve);
        else window.addEventListener("load", () => fetchHtmx(resolve), { once: true });
      });
    }
    return loading;
  }

  function handOver(form, loaded) {
    const action = waiting.get(form);
    waiting.delete(form);
    if (!form.isConnected) return;
    if (action.type === "submit") {
      const submitter = action.submitter?.form === form ? action.submitter : null;
      if (loaded) form.requestSubmit(submitter);
      else HTMLFormElement.prototype.submit.call(form); // even with a field named "submit"
    } else if (loaded) {
      const control = action.control.isConnected ? action.control : form;
      control.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function hold(form, action) {
    const held = waiting.get(form);
    if (held?.type !== "submit") waiting.set(form, action);
    if (!held) load().then((loaded) => handOver(form, loaded));
  }

  for (const name of intents) {
    document.addEventListener(name, load, { capture: true, passive: true });
  }
  document.addEventListener("click", (event) => {
    if (window.htmx || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("a[hx-get]");
    if (!link) return;
    event.preventDefault();
    load().then((loaded) => {
      if (loaded && link.isConnected) link.click();
      else window.location.assign(link.href);
    });
  });
  document.addEventListener("submit", (event) => {
    if (window.htmx || event.defaultPrevented || !event.target.matches(htmxForm)) return;
    event.preventDefault();
    hold(event.target, { type: "submit", submitter: event.submitter });
  });
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (window.htmx || !form?.matches(htmxForm)) return;
    hold(form, { type: "change", control: event.target });
  });
})();
