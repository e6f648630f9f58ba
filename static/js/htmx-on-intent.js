// htmx fetched when the visitor first shows an intent to use the page (a pointer
// over it, a touch, a key, a focus), not while it loads: on a phone, evaluating
// htmx was the longest task of the time picker's load (Lighthouse's
// max-potential-FID), and a visitor who only reads the page never needs it.
// core/_htmx.html with on_intent=True includes this file; data-htmx names htmx.
//
// A click on an htmx link before htmx has arrived waits for it and is then
// repeated, so htmx handles it as usual; should htmx fail to load, the link is
// followed as a plain link (every htmx link on the site has the same href).
(() => {
  const source = document.currentScript.dataset.htmx;
  const intents = ["pointerover", "pointerdown", "touchstart", "focusin", "keydown"];
  let loading = null;

  function load() {
    if (!loading) {
      for (const name of intents) document.removeEventListener(name, load, true);
      loading = new Promise((resolve) => {
        const script = document.createElement("script");
        script.src = source;
        script.onload = () => resolve(true);
        script.onerror = () => resolve(false);
        document.head.append(script);
      });
    }
    return loading;
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
      if (loaded && window.htmx && link.isConnected) link.click();
      else window.location.assign(link.href);
    });
  });
})();
