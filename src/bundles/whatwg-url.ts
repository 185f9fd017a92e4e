// What dist/client-node.cjs gets for 'whatwg-url' (scripts/bundle.mjs aliases it here). node-fetch 2, the HTTP
// client of client-node, loads whatwg-url at start-up but uses it only where Node has no URL class of its own
// (`Url.URL || whatwgUrl.URL`): on Node 20 it is dead weight, ~290 KB of it tr46's Unicode table.
export const URL = globalThis.URL
