/**
 * The device's states, one at a time. An LED (issue 3) shows them; logs name them.
 *
 * ```
 *            link up                 press                release / max length
 *  offline ─────────► idle ◄────┐  ───────► listening ───────────────────► thinking
 *     ▲                 ▲  ▲    │                ▲                            │ audio.start
 *     │ link down       │  │    │ hold elapses   │ press (barge-in)           ▼
 *     └── (any but      │  │    └─── error ◄─────┼───── turn failed ──── speaking
 *          speaking)    │  └─────────────────────┼────────────────────────────┘ playback done
 *                       └── turn.done, no audio  │
 * ```
 * A press while offline changes nothing but gives feedback and hurries the reconnect. While speaking, a dropped
 * link lets the reply already received finish, then the state becomes offline.
 */
export const DEVICE_STATES = ['offline', 'idle', 'listening', 'thinking', 'speaking', 'error'] as const;

export type DeviceState = (typeof DEVICE_STATES)[number];

/** Short cues for the person at the device: earcons and LED blinks hang off these (issue 3). */
export type Feedback = 'listening' | 'offline' | 'error' | 'no_speech' | 'volume';
