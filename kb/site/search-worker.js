// clawkb's search worker: Material for MkDocs' own worker (imported below, unchanged), with each
// query cleaned first, so that a pasted log line finds its page. Material's query syntax is
// lunr's: `-word` excludes, `~` and `^` tune, `field:` picks a field, `+` requires; in an error
// line (`openclaw doctor --fix`, `~/.openclaw/auth.json`, `error: ...`) they are text. Timestamps,
// ids and long numbers vary from one report to the next and only add noise. kb/site/mkdocs_hook.py
// puts this file where Material's worker was and Material's under MATERIAL_WORKER.
const QUERY = 2; // Material's SearchMessageType.QUERY (SETUP 0, READY 1, QUERY 2, RESULT 3)
const MASKS = [
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g, // ISO dates and times
  /\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, // clock times
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, // UUIDs (run ids, session ids)
  /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, // hex ids and hashes
  /\b\d{5,}\b/g, // long numbers: chat ids, epoch milliseconds
  /[~^+\-:*"`]+/g, // lunr's operators, as text
];

function clean(query) {
  let q = query;
  for (const mask of MASKS) q = q.replace(mask, " ");
  return q.replace(/\s+/g, " ").trim();
}

const listen = self.addEventListener.bind(self);
self.addEventListener = function (type, listener, options) {
  if (type !== "message") return listen(type, listener, options);
  return listen(type, (event) => {
    const message = event.data;
    if (message && message.type === QUERY && typeof message.data === "string") {
      listener({ data: { type: QUERY, data: clean(message.data) } }); // Material reads only event.data
    } else {
      listener(event);
    }
  }, options);
};
importScripts(MATERIAL_WORKER);
