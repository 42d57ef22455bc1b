/**
 * `GET /telemetry`: the operator dashboard. The table is rendered on the server (it reads without JavaScript) with
 * every operator-supplied string escaped, then the script takes over and keeps it live (`telemetryScript.ts`).
 *
 * The page's Content-Security-Policy allows only its own script and style (by a per-response nonce) and connections
 * to its own origin, so even a string that escaped escaping could not run script or load anything.
 */
import { randomBytes } from 'node:crypto'
import { escapeHtml } from './escapeHtml.js'
import type { OperatorView } from './operatorView.js'
import { telemetryScript } from './telemetryScript.js'

export type RenderTelemetryPageParameters = {
  operators: readonly OperatorView[]
  chainId: number
  pingIntervalMs: number
  offlineAfterMs: number
}

export type TelemetryPage = { html: string; contentSecurityPolicy: string }

const style = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
p.meta { color: #5b6475; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e6ec; white-space: nowrap; }
th[data-sort] { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
td[data-cell="version"] { white-space: pre-wrap; word-break: break-all; }
.status { padding: .1rem .45rem; border-radius: .6rem; font-size: .85em; }
.status-online { background: #d9f7e2; color: #11612b; }
.status-stale { background: #fff1c7; color: #7a5400; }
.status-offline { background: #fde0df; color: #8c1d18; }
#connection.live { color: #11612b; }
#connection.down { color: #8c1d18; }
`

const columns: [key: string, title: string][] = [
  ['address', 'Operator'],
  ['status', 'Status'],
  ['version', 'Version'],
  ['lastSeen', 'Last seen'],
  ['blockNumber', 'Block'],
  ['eventCount', 'Events'],
]

function renderRow(operator: OperatorView): string {
  const address = escapeHtml(operator.address)
  const link = (href: string, text: string) =>
    `<a href="${escapeHtml(href)}" rel="noopener noreferrer" target="_blank">${text}</a>`
  const addressCell = [
    operator.explorerUrl ? link(operator.explorerUrl, address) : address,
    operator.eigenlayerUrl ? ` ${link(operator.eigenlayerUrl, 'EigenLayer')}` : '',
    operator.authenticated ? '' : ' (unsigned)',
  ].join('')
  const status = escapeHtml(operator.status)
  return [
    `<tr data-address="${address}" data-status="${status}">`,
    `<td data-cell="address">${addressCell}</td>`,
    `<td data-cell="status"><span class="status status-${status}">${status}</span></td>`,
    `<td data-cell="version">${escapeHtml(operator.version)}</td>`,
    `<td data-cell="lastSeen">${escapeHtml(operator.lastSeen)}</td>`,
    `<td data-cell="blockNumber">${operator.blockNumber}</td>`,
    `<td data-cell="eventCount">${operator.eventCount}</td>`,
    '</tr>',
  ].join('')
}

/** Renders the page with a fresh nonce; send `contentSecurityPolicy` as the `content-security-policy` header. */
export function renderTelemetryPage(parameters: RenderTelemetryPageParameters): TelemetryPage {
  const nonce = randomBytes(16).toString('base64')
  const { operators } = parameters
  const tally = { online: 0, stale: 0, offline: 0 }
  for (const operator of operators) tally[operator.status]++
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>avskit operator pool</title>
<style nonce="${nonce}">${style}</style>
</head>
<body>
<h1>Operator pool</h1>
<p class="meta">chain ${parameters.chainId} · check-ins every ${seconds(parameters.pingIntervalMs)}, stale after 3 missed, offline after ${seconds(parameters.offlineAfterMs)} · <span id="counts">${operators.length} operators: ${tally.online} online, ${tally.stale} stale, ${tally.offline} offline</span> · <span id="connection">connecting…</span></p>
<table>
<thead><tr>${columns.map(([key, title]) => `<th data-sort="${key}" aria-sort="${key === 'address' ? 'ascending' : 'none'}">${title}</th>`).join('')}</tr></thead>
<tbody id="operators">${operators.map(renderRow).join('\n')}</tbody>
</table>
<script nonce="${nonce}">${telemetryScript}</script>
</body>
</html>
`
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
  return { html, contentSecurityPolicy }
}
