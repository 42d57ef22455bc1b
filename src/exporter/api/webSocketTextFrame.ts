/**
 * A complete, unmasked WebSocket text frame (RFC 6455 §5.2: FIN + opcode 0x1, 7/16/64-bit payload length) built
 * once per stream message, so that fanning it out to a thousand clients is a thousand `socket.write`s of the same
 * buffer: no per-client JSON, UTF-8 encoding or frame header (server frames are never masked, §5.1).
 */
export function webSocketTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text)
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + length)
  frame[0] = 0x81
  if (length < 126) {
    frame[1] = length
  } else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  frame.write(text, header, 'utf8')
  return frame
}
