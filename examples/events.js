// Prints what the Vidrop widgets on this page tell it: every `vidrop:*`
// event (they bubble out of the <vidrop-uploader> element and are composed,
// so a listener on `document` hears them all), and any Content Security
// Policy violation. A classic script in <head>, so it listens before the
// widget loads.
(() => {
  const EVENTS = [
    "vidrop:start",
    "vidrop:progress",
    "vidrop:complete",
    "vidrop:error",
    "vidrop:cancel",
    "vidrop:pause",
    "vidrop:resume",
    "vidrop:part-retry",
  ];
  const pending = [];
  let list = null;

  function print(name, source, detail) {
    // A run of progress events from one widget updates a single line.
    const last = list ? list.firstElementChild : pending[pending.length - 1];
    if (
      name === "vidrop:progress" &&
      last?.dataset.event === name &&
      last.dataset.source === source
    ) {
      last.dataset.count = String(Number(last.dataset.count) + 1);
      last.dataset.detail = JSON.stringify(detail);
      last.querySelector("strong").textContent = `${name} ×${last.dataset.count}`;
      last.querySelector("code").textContent = JSON.stringify(detail);
      return;
    }
    const item = document.createElement("li");
    item.dataset.count = "1";
    item.dataset.event = name;
    item.dataset.source = source;
    item.dataset.detail = JSON.stringify(detail);
    const time = document.createElement("time");
    time.textContent = new Date().toLocaleTimeString();
    const title = document.createElement("strong");
    title.textContent = name;
    const from = document.createElement("span");
    from.textContent = source;
    const code = document.createElement("code");
    code.textContent = JSON.stringify(detail);
    item.append(time, " ", title, " ", from, " ", code);
    if (list) {
      list.prepend(item);
    } else {
      pending.push(item);
    }
  }

  // A playback URL is long (a presigned GET): its query is left out here.
  function shown(detail) {
    if (typeof detail?.url !== "string") {
      return detail;
    }
    return { ...detail, url: `${detail.url.split("?")[0]}?…` };
  }

  for (const name of EVENTS) {
    document.addEventListener(name, (event) => {
      const widget = event.target;
      print(name, widget.id ? `#${widget.id}` : widget.localName, shown(event.detail));
    });
  }

  document.addEventListener("securitypolicyviolation", (event) => {
    print("securitypolicyviolation", event.violatedDirective, {
      blocked: event.blockedURI,
      directive: event.violatedDirective,
      source: event.sourceFile,
      line: event.lineNumber,
    });
  });

  document.addEventListener("DOMContentLoaded", () => {
    list = document.getElementById("events");
    for (const item of pending) {
      list.prepend(item);
    }
  });
})();
