export const STREAM_NAMES = ['energy', 'fleet', 'traffic', 'road'] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

export function isStreamName(value: string): value is StreamName {
  return (STREAM_NAMES as readonly string[]).includes(value);
}
