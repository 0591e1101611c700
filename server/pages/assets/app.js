// The staff pages' script: progressive enhancement only; every page works without it.
// The state diagram: Mermaid (served by this server) renders <pre class="mermaid"> blocks.
document.addEventListener('DOMContentLoaded', () => {
  const mermaid = globalThis.mermaid;
  if (mermaid && document.querySelector('pre.mermaid')) {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
    void mermaid.run({ querySelector: 'pre.mermaid' });
  }
});
