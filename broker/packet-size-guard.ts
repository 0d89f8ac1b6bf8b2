import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Reads MQTT fixed headers off a byte stream as it passes and tells how long each packet says it is, so an
 * oversized packet is refused from its first bytes instead of after it has been read into memory (aedes and
 * mqtt-packet have no maximum packet size: they buffer a whole packet, however large, before parsing it).
 */
export class PacketLengthScanner {
  /** Bytes of the current packet's body still to skip. */
  private remaining = 0;
  /** 0: expecting a fixed header's first byte; 1..4: reading the remaining-length varint. */
  private lengthByte = 0;
  private length = 0;

  /** Scans `chunk`; returns the first announced packet length above `max`, or undefined. */
  scan(chunk: Buffer, max: number): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, chunk.length - i);
        this.remaining -= skip;
        i += skip;
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.lengthByte === 0) {
        // The packet type and flags; its remaining length follows.
        this.lengthByte = 1;
        this.length = 0;
        continue;
      }
      this.length += (byte & 0x7f) * 128 ** (this.lengthByte - 1);
      if (byte & 0x80 && this.lengthByte < 4) {
        this.lengthByte += 1;
        continue;
      }
      this.lengthByte = 0;
      if (this.length > max) return this.length;
      this.remaining = this.length;
    }
    return undefined;
  }
}

/**
 * The socket as aedes sees it, with every packet's announced length checked before its body is read: a client
 * announcing a packet above `maxPacketBytes` is disconnected at once and its bytes are never buffered.
 */
export function guardPacketSize(
  socket: Socket,
  maxPacketBytes: number,
  onOversize: (announcedBytes: number) => void,
): Duplex {
  const scanner = new PacketLengthScanner();
  const guarded = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) return callback();
      socket.write(chunk, () => callback());
    },
    final(callback) {
      socket.end(() => callback());
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    const oversize = scanner.scan(chunk, maxPacketBytes);
    if (oversize !== undefined) {
      onOversize(oversize);
      socket.destroy();
      return;
    }
    if (!guarded.push(chunk)) socket.pause();
  });
  socket.on('end', () => guarded.push(null));
  socket.on('close', () => guarded.destroy());
  socket.on('error', (err) => guarded.destroy(err));
  return guarded;
}
