/**
 * /docs: the OpenAPI document rendered as a static HTML page on the server (no script, so the strict CSP holds and
 * nothing is fetched from a CDN). Every text is HTML-escaped.
 */
export function renderDocs(spec: Record<string, unknown>): string {
  const info = spec.info as { title: string; version: string; description: string };
  const paths = spec.paths as Record<string, Record<string, unknown>>;
  const rows: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const o = op as { summary?: string; requestBody?: unknown; responses?: Record<string, { description?: string }>; parameters?: { name: string; in: string }[] };
      const params = [...((item.parameters as { name: string; in: string }[] | undefined) ?? []), ...(o.parameters ?? [])].map((p) => `${p.name} (${p.in})`);
      const responses = Object.entries(o.responses ?? {}).map(([code, r]) => `${code} ${r.description ?? ''}`);
      const bodySchema = (o.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
      rows.push(
        `<section><h2><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>` +
          `<p>${esc(o.summary ?? '')}</p>` +
          (params.length ? `<p><b>Parameters:</b> ${esc(params.join(', '))}</p>` : '') +
          (bodySchema ? `<details><summary>Request body</summary><pre>${esc(JSON.stringify(bodySchema, null, 2))}</pre></details>` : '') +
          `<p><b>Responses:</b> ${esc(responses.join(' · '))}</p></section>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}</title><link rel="stylesheet" href="/docs.css"></head>
<body><main><h1>${esc(info.title)} <small>${esc(info.version)}</small></h1><p>${esc(info.description)}</p>
<p><a href="/openapi.json">openapi.json</a> · <a href="/">back to PiChat</a></p>${rows.join('\n')}
<details><summary>Schemas</summary><pre>${esc(JSON.stringify((spec.components as Record<string, unknown>).schemas, null, 2))}</pre></details></main></body></html>`;
}

export const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f7f7f8;color:#1d1d1f}main{max-width:60rem;margin:auto;padding:1rem}
section{background:#fff;border:1px solid #ddd;border-radius:8px;padding:.5rem 1rem;margin:.75rem 0}h2{font-size:1rem;margin:.3rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700}.get{color:#1a7f37}.post{color:#0969da}.patch{color:#9a6700}.delete{color:#cf222e}
pre{overflow:auto;background:#f0f0f2;padding:.5rem}`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
