import { describe, expect, test } from 'vitest'
import { escapeHtml } from './escapeHtml.js'
import { explorerSitesFor, operatorLinks } from './explorerLinks.js'

const address = '0x4Cfa292cbD290D7A5C7E28A04B69704f12a5167E'

describe('explorer links', () => {
  test('link mainnet, Holesky and Sepolia operators to their explorer and EigenLayer app', () => {
    expect(operatorLinks(address, explorerSitesFor(1))).toEqual({
      explorerUrl: `https://etherscan.io/address/${address}`,
      eigenlayerUrl: `https://app.eigenlayer.xyz/operator/${address}`,
    })
    expect(operatorLinks(address, explorerSitesFor(17000))).toEqual({
      explorerUrl: `https://holesky.etherscan.io/address/${address}`,
      eigenlayerUrl: `https://holesky.eigenlayer.xyz/operator/${address}`,
    })
    expect(operatorLinks(address, explorerSitesFor(11155111))).toEqual({
      explorerUrl: `https://sepolia.etherscan.io/address/${address}`,
      eigenlayerUrl: `https://sepolia.eigenlayer.xyz/operator/${address}`,
    })
  })

  test('give a local chain no links unless configured, and configured sites win', () => {
    expect(operatorLinks(address, explorerSitesFor(31337))).toEqual({ explorerUrl: null, eigenlayerUrl: null })
    expect(operatorLinks(address, explorerSitesFor(31337, { explorer: 'https://scan.example/' }))).toEqual({
      explorerUrl: `https://scan.example/address/${address}`,
      eigenlayerUrl: null,
    })
    expect(explorerSitesFor(1, { eigenlayer: 'https://mirror.example' }).eigenlayer).toBe('https://mirror.example')
  })
})

describe('escapeHtml', () => {
  test('escapes every character that could open markup or close an attribute', () => {
    expect(escapeHtml(`<script>alert("x" + 'y' + \`z\`)</script> & co`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39; + &#96;z&#96;)&lt;/script&gt; &amp; co',
    )
    expect(escapeHtml('v1.2.3 é✓')).toBe('v1.2.3 é✓')
  })
})
