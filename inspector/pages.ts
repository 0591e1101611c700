/**
 * The HTML the inspector serves on 127.0.0.1: a local viewer and a bridge to Stately's UI.
 * Both read the same WebSocket (`ws://` + the page's own host).
 */

/** A self-contained page (no external resources): the cases, their events and latest state. */
export function viewerPage(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>QazIndustry cases — live inspector</title>
<style>body{font:14px system-ui,sans-serif;margin:1rem}h2{font-size:1rem;margin:.8rem 0 .2rem}
.case{border:1px solid #ccc;border-radius:6px;padding:.4rem .6rem;margin:.4rem 0}
.ev{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}#status{color:#666}</style></head>
<body><h1>Live inspector</h1><p id="status">connecting…</p><div id="cases"></div>
<script>
const cases = new Map();
const box = document.getElementById('cases');
function card(id) {
  let c = cases.get(id);
  if (!c) {
    const el = document.createElement('div'); el.className = 'case';
    el.innerHTML = '<h2></h2><div class="state"></div><div class="ev"></div>';
    box.prepend(el); c = { el }; cases.set(id, c);
    el.querySelector('h2').textContent = id;
  }
  return c;
}
const show = (v) => typeof v === 'string' ? v : JSON.stringify(v);
const ws = new WebSocket('ws://' + location.host);
ws.onopen = () => document.getElementById('status').textContent = 'connected to ' + ws.url;
ws.onclose = () => document.getElementById('status').textContent = 'disconnected';
ws.onmessage = (m) => {
  const e = JSON.parse(m.data); const c = card(e.sessionId);
  if (e.type === '@xstate.actor') c.el.querySelector('h2').textContent = e.name + ' — ' + e.sessionId;
  if (e.type === '@xstate.event') c.el.querySelector('.ev').textContent += '#' + e.event.seq + ' ' + e.event.type + ' by ' + (e.sourceId || '?') + ' at ' + e.event.occurredAt + '\\n';
  if (e.type === '@xstate.snapshot' || e.type === '@xstate.actor') c.el.querySelector('.state').textContent = 'state: ' + show(e.snapshot.value) + ' (' + e.snapshot.status + ')';
};
</script></body></html>
`;
}

/**
 * Stately's inspector UI in an iframe, fed by postMessage inside the browser (the same
 * bridge as @statelyai/inspect/server). The UI itself is loaded from stately.ai.
 */
export function statelyBridgePage(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Stately inspector — QazIndustry cases</title>
<style>html,body{height:100%;margin:0}iframe{width:100%;height:100%;border:0}</style></head>
<body><iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
const iframe = document.getElementById('inspector');
const buffer = []; let target = null;
const isStately = (origin) => { try { const u = new URL(origin); return u.protocol === 'https:' && (u.hostname === 'stately.ai' || u.hostname.endsWith('.stately.ai')); } catch { return false; } };
// Events go only to the Stately page that announced itself, at its exact origin.
window.addEventListener('message', (e) => {
  if (e.source === iframe.contentWindow && isStately(e.origin) && e.data && e.data.type === '@statelyai.connected') {
    target = e.origin; for (const m of buffer.splice(0)) iframe.contentWindow.postMessage(m, target);
  }
});
const ws = new WebSocket('ws://' + location.host);
ws.onmessage = (m) => { const d = JSON.parse(m.data); if (target) iframe.contentWindow.postMessage(d, target); else buffer.push(d); };
</script></body></html>
`;
}
