import { z } from 'zod';
import { audioFormatSchema } from '../audio/format.js';
import { errorCodes } from './errors.js';

/**
 * The PiChat device protocol, version 1 (see shared/PROTOCOL.md). JSON control messages travel as WebSocket text
 * frames; audio travels as binary frames in the format announced by the `turn.start` (device to server) or
 * `audio.start` (server to device) before it. Schemas are strict: unknown fields are an error, so that typos are
 * caught instead of silently ignored.
 */
export const PROTOCOL_VERSION = 1;

const turnId = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/** Stage timestamps of a turn: milliseconds since the server received `turn.start`. */
export const timingsSchema = z.record(z.string().max(64), z.number().finite().nonnegative());
export type Timings = z.infer<typeof timingsSchema>;

// ── device → server ─────────────────────────────────────────────────────────────────────────────────────────────
export const deviceHelloSchema = z
  .object({
    type: z.literal('hello'),
    protocol: z.number().int().positive(),
    device: z.object({ name: z.string().max(100).optional(), version: z.string().max(40).optional() }).strict().optional(),
    capabilities: z
      .object({
        /** Formats the device can play; the server converts reply audio to one of them. */
        playback: z.array(audioFormatSchema).min(1).max(16),
        /** Optional features, e.g. "volume", "earcons". Unknown ones are ignored. */
        features: z.array(z.string().max(40)).max(32).default([]),
      })
      .strict(),
    /** Current software volume (0..100), so that the server knows it without asking. */
    volume: z.number().int().min(0).max(100).optional(),
  })
  .strict();

export const turnStartSchema = z.object({ type: z.literal('turn.start'), turnId, format: audioFormatSchema }).strict();
export const turnEndSchema = z.object({ type: z.literal('turn.end'), turnId }).strict();
export const turnCancelSchema = z.object({ type: z.literal('turn.cancel'), turnId }).strict();
export const playbackDoneSchema = z
  .object({
    type: z.literal('playback.done'),
    turnId,
    /** Milliseconds of the reply the speaker actually played. */
    heardMs: z.number().nonnegative().finite(),
    interrupted: z.boolean(),
  })
  .strict();

export const deviceMessageSchema = z.discriminatedUnion('type', [
  deviceHelloSchema,
  turnStartSchema,
  turnEndSchema,
  turnCancelSchema,
  playbackDoneSchema,
]);
export type DeviceMessage = z.infer<typeof deviceMessageSchema>;
export type DeviceHello = z.infer<typeof deviceHelloSchema>;
export type DeviceMessageType = DeviceMessage['type'];

// ── server → device ─────────────────────────────────────────────────────────────────────────────────────────────
export const serverHelloSchema = z
  .object({
    type: z.literal('hello'),
    protocol: z.number().int().positive(),
    server: z.object({ name: z.string(), version: z.string() }).strict(),
    device: z.object({ id: z.string(), name: z.string() }).strict(),
    limits: z
      .object({
        maxFrameBytes: z.number().int().positive(),
        maxTurnMs: z.number().int().positive(),
        inputFormats: z.array(audioFormatSchema).min(1),
      })
      .strict(),
  })
  .strict();

export const transcriptSchema = z
  .object({ type: z.literal('transcript'), turnId, text: z.string(), final: z.boolean() })
  .strict();
export const replyDeltaSchema = z.object({ type: z.literal('reply.delta'), turnId, text: z.string() }).strict();
export const audioStartSchema = z.object({ type: z.literal('audio.start'), turnId, format: audioFormatSchema }).strict();
export const audioEndSchema = z.object({ type: z.literal('audio.end'), turnId }).strict();
export const turnDoneSchema = z
  .object({
    type: z.literal('turn.done'),
    turnId,
    /** How the turn ended: answered, nothing recognised, cancelled by the device, superseded by a new turn, or failed. */
    outcome: z.enum(['answered', 'no_speech', 'cancelled', 'superseded', 'failed']),
    /** The skill that answered, or "llm" / "fallback". */
    handler: z.string().optional(),
    timings: timingsSchema,
  })
  .strict();
export const controlSchema = z
  .object({ type: z.literal('control'), volume: z.number().int().min(0).max(100).optional() })
  .strict();
export const errorSchema = z
  .object({ type: z.literal('error'), code: z.enum(errorCodes), message: z.string(), turnId: turnId.optional() })
  .strict();

export const serverMessageSchema = z.discriminatedUnion('type', [
  serverHelloSchema,
  transcriptSchema,
  replyDeltaSchema,
  audioStartSchema,
  audioEndSchema,
  turnDoneSchema,
  controlSchema,
  errorSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type ServerHello = z.infer<typeof serverHelloSchema>;
export type ServerMessageType = ServerMessage['type'];
export type TurnOutcome = z.infer<typeof turnDoneSchema>['outcome'];

/** Narrows a message union by its `type`. */
export type MessageOf<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;
