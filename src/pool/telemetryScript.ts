/**
 * The browser side of `/telemetry`: follows `/telemetry/events` (Server-Sent Events, reconnecting by itself), keeps
 * one table row per operator, re-sorts when a column header is clicked, and rewrites every "last seen" cell each
 * second with the same `formatLastSeen` the server uses (its source is inlined), against the server's clock.
 *
 * Every operator-supplied value reaches the page through `textContent` or an `href` built by the server from a
 * configured base URL and a checksummed address: nothing is parsed as HTML.
 */
import { formatLastSeen } from './liveness.js'

const client = `
const statusOrder = { online: 0, stale: 1, offline: 2 }
const state = { operators: new Map(), rows: new Map(), offsetMs: 0, sort: { key: 'address', dir: 1 } }
const tbody = document.getElementById('operators')
const connection = document.getElementById('connection')
const counts = document.getElementById('counts')

function cell(row, name) {
  return row.querySelector('[data-cell="' + name + '"]')
}

function link(href, text) {
  const a = document.createElement('a')
  a.href = href
  a.rel = 'noopener noreferrer'
  a.target = '_blank'
  a.textContent = text
  return a
}

function createRow(operator) {
  const row = document.createElement('tr')
  for (const name of ['address', 'status', 'version', 'lastSeen', 'blockNumber', 'eventCount']) {
    const td = document.createElement('td')
    td.dataset.cell = name
    row.appendChild(td)
  }
  row.dataset.address = operator.address
  return row
}

function fillRow(row, operator) {
  const address = cell(row, 'address')
  address.replaceChildren()
  address.appendChild(operator.explorerUrl ? link(operator.explorerUrl, operator.address) : document.createTextNode(operator.address))
  if (operator.eigenlayerUrl) {
    address.appendChild(document.createTextNode(' '))
    address.appendChild(link(operator.eigenlayerUrl, 'EigenLayer'))
  }
  if (!operator.authenticated) address.appendChild(document.createTextNode(' (unsigned)'))
  const status = document.createElement('span')
  status.className = 'status status-' + operator.status
  status.textContent = operator.status
  cell(row, 'status').replaceChildren(status)
  row.dataset.status = operator.status
  cell(row, 'version').textContent = operator.version
  cell(row, 'blockNumber').textContent = String(operator.blockNumber)
  cell(row, 'eventCount').textContent = String(operator.eventCount)
  cell(row, 'lastSeen').textContent = formatLastSeen(Date.now() + state.offsetMs - operator.lastCheckinAt)
}

function compare(a, b) {
  const key = state.sort.key
  let x = a[key]
  let y = b[key]
  if (key === 'status') {
    x = statusOrder[x]
    y = statusOrder[y]
  } else if (key === 'lastSeen') {
    x = -a.lastCheckinAt
    y = -b.lastCheckinAt
  }
  const order = x < y ? -1 : x > y ? 1 : a.address < b.address ? -1 : 1
  return order * state.sort.dir
}

function render() {
  const sorted = [...state.operators.values()].sort(compare)
  const tally = { online: 0, stale: 0, offline: 0 }
  for (const operator of sorted) {
    tally[operator.status]++
    let row = state.rows.get(operator.address)
    if (!row) {
      row = createRow(operator)
      state.rows.set(operator.address, row)
    }
    fillRow(row, operator)
    tbody.appendChild(row)
  }
  for (const [address, row] of state.rows) {
    if (!state.operators.has(address)) {
      row.remove()
      state.rows.delete(address)
    }
  }
  counts.textContent = sorted.length + ' operators: ' + tally.online + ' online, ' + tally.stale + ' stale, ' + tally.offline + ' offline'
  for (const th of document.querySelectorAll('th[data-sort]')) {
    th.setAttribute('aria-sort', th.dataset.sort === state.sort.key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none')
  }
}

for (const th of document.querySelectorAll('th[data-sort]')) {
  th.addEventListener('click', () => {
    state.sort = { key: th.dataset.sort, dir: state.sort.key === th.dataset.sort ? -state.sort.dir : 1 }
    render()
  })
}

function apply(message) {
  state.offsetMs = message.serverTime - Date.now()
  if (message.type === 'snapshot') {
    state.operators.clear()
    tbody.replaceChildren()
    state.rows.clear()
  }
  for (const operator of message.operators) state.operators.set(operator.address, operator)
  for (const address of message.removed || []) state.operators.delete(address)
  render()
}

const events = new EventSource('telemetry/events')
events.addEventListener('message', (event) => {
  apply(JSON.parse(event.data))
})
events.addEventListener('open', () => {
  connection.textContent = 'live'
  connection.className = 'live'
})
events.addEventListener('error', () => {
  connection.textContent = 'reconnecting…'
  connection.className = 'down'
})

setInterval(() => {
  for (const [address, row] of state.rows) {
    const operator = state.operators.get(address)
    if (operator) cell(row, 'lastSeen').textContent = formatLastSeen(Date.now() + state.offsetMs - operator.lastCheckinAt)
  }
}, 1000)
`

/** The dashboard's script: `formatLastSeen` followed by the client, in a block of its own. */
export const telemetryScript = `{\n${formatLastSeen.toString()}\n${client}\n}`
